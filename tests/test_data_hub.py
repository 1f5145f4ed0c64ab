from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from PIL import Image

from flipnet_bench.cli import main
from flipnet_bench.data import hub
from flipnet_bench.errors import BenchError
from flipnet_bench.io import read_image, write_image
from flipnet_bench.io.outputs import MARKER


def _pair_folder(root: Path, rng: np.random.Generator, fmt: str = "csv") -> pd.DataFrame:
    rows = []
    for i in range(3):
        stem = f"face{i}"
        write_image(root / "hq" / f"{stem}.png", rng.integers(0, 256, (16, 16, 3), dtype=np.uint8))
        for k in range(2):
            name = f"{stem}_v{k}.png"
            write_image(root / "lq" / name, rng.integers(0, 256, (16, 16, 3), dtype=np.uint8))
            params = {"sigma": round(float(rng.uniform(0.2, 3)), 4), "jpeg": int(rng.integers(30, 95))}
            rows.append(
                {
                    "lq": name,
                    "source_id": stem,
                    "degradation": "bsr",
                    "params": json.dumps(params),
                    "variant": k,
                    "seed": 100 + i,
                }
            )
    table = pd.DataFrame(rows)
    if fmt == "csv":
        table.to_csv(root / "metadata.csv", index=False)
    else:
        table.to_parquet(root / "metadata.parquet")
    (root / "params.yaml").write_text("degrade:\n  model: bsr\n  variants: 2\n")
    return table


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_publish_to_dir_loads_back_identically(tmp_path: Path, rng, monkeypatch, fmt: str) -> None:
    from datasets import load_dataset

    src = tmp_path / "pairs"
    table = _pair_folder(src, rng, fmt)
    out = tmp_path / "export"
    assert main(["publish", str(src), "--repo-id", "org/faces", "--to-dir", str(out)]) == 0
    shards = sorted((out / "data").glob("*.parquet"))
    files = sorted(p.name for p in out.iterdir() if p.is_file())
    assert files == [MARKER, "README.md"] and len(shards) == 1  # the marker claims the folder, not uploaded
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    ds = load_dataset(str(out), split="train", cache_dir=str(tmp_path / "cache"))
    assert len(ds) == 6
    for row, (_, meta) in zip(ds, table.iterrows()):
        assert row["lq_file"] == meta["lq"] and row["source_id"] == meta["source_id"]
        assert json.loads(row["params"]) == json.loads(meta["params"]) and row["seed"] == meta["seed"]
        assert row["degradation"] == "bsr" and row["hq_file"] == meta["source_id"] + ".png"
        assert row["variant"] == meta["variant"] and isinstance(row["variant"], int)  # ints stay ints
        np.testing.assert_array_equal(
            np.asarray(row["lq"].convert("RGB")), read_image(src / "lq" / meta["lq"])
        )
        np.testing.assert_array_equal(
            np.asarray(row["hq"].convert("RGB")), read_image(src / "hq" / row["hq_file"])
        )
    raw = pd.read_parquet(shards[0])  # the image bytes are embedded, not paths
    assert raw["lq"][0]["bytes"] == (src / "lq" / table["lq"][0]).read_bytes()
    assert Image.open(io.BytesIO(raw["hq"][0]["bytes"])).size == (16, 16)


def test_card_yaml_and_fingerprint(tmp_path: Path, rng) -> None:
    src = tmp_path / "pairs"
    _pair_folder(src, rng)
    out = hub.export_pairs(hub.resolve_pair_folder(src), tmp_path / "export", "org/faces", "cc-by-4.0")
    text = (out / "README.md").read_text()
    header = yaml.safe_load(text.split("---\n")[1])
    assert header["license"] == "cc-by-4.0" and header["task_categories"] == ["image-to-image"]
    assert header["size_categories"] == ["n<1K"]
    assert header["configs"][0]["data_files"][0] == {"split": "train", "path": "data/train-*.parquet"}
    prov = header["provenance"]
    assert prov["params"] == {"degrade": {"model": "bsr", "variants": 2}}
    assert (
        prov["code_version"].startswith("flipnet-bench ")
        and prov["generator"] == "flipnet-bench degrade (bsr)"
    )
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sorted((out / "data").glob("*.parquet"))))
    assert prov["fingerprint_sha256"] == digest.hexdigest()
    again = hub.export_pairs(hub.resolve_pair_folder(src), tmp_path / "export2", "org/faces", "cc-by-4.0")
    assert (again / "README.md").read_text() == text  # same input → same shards → same fingerprint


def test_explicit_paths_and_missing_metadata_columns(tmp_path: Path, rng) -> None:
    src = tmp_path / "pairs"
    table = _pair_folder(src, rng)
    meta = tmp_path / "elsewhere.csv"
    table.drop(columns=["seed"]).to_csv(meta, index=False)
    folder = hub.resolve_pair_folder(lq=src / "lq", hq=src / "hq", metadata=meta)
    with pytest.raises(BenchError, match=r"lacks column\(s\) \['seed'\]"):
        hub.read_metadata(folder.metadata)
    table.iloc[1:].to_csv(meta, index=False)
    with pytest.raises(BenchError, match="1 LQ file\\(s\\) have no metadata row, e.g. face0_v0.png"):
        hub.build_dataset(folder, hub.read_metadata(meta))
    (src / "hq" / "face2.png").unlink()
    table.to_csv(meta, index=False)
    with pytest.raises(BenchError, match="face2_v0.png: no HQ partner"):
        hub.build_dataset(folder, hub.read_metadata(meta))


class FakeApi:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    def create_repo(self, **kwargs) -> None:
        self.calls.append(("create_repo", kwargs))

    def upload_folder(self, **kwargs) -> str:
        files = sorted(
            p.relative_to(kwargs["folder_path"]).as_posix() for p in Path(kwargs["folder_path"]).rglob("*")
        )
        self.calls.append(("upload_folder", {**kwargs, "files": files}))
        return "commit-url"


def test_upload_boundary_with_fake_api(tmp_path: Path, rng, monkeypatch) -> None:
    import huggingface_hub

    src = tmp_path / "pairs"
    _pair_folder(src, rng)
    api = FakeApi()
    monkeypatch.setattr(huggingface_hub, "HfApi", lambda: api)
    assert main(["publish", str(src), "--repo-id", "org/faces", "--private"]) == 0
    (name1, create), (name2, upload) = api.calls
    assert name1 == "create_repo"
    assert create == {"repo_id": "org/faces", "repo_type": "dataset", "private": True, "exist_ok": True}
    assert name2 == "upload_folder" and upload["repo_type"] == "dataset" and upload["repo_id"] == "org/faces"
    assert upload["files"] == ["README.md", "data", "data/train-00000-of-00001.parquet"]
