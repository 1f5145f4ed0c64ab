"""``score_folders`` and ``flipnet-bench score``: pairing, bad input, skipped metrics, atomic outputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from flipnet_bench.cli import main
from flipnet_bench.errors import BenchError
from flipnet_bench.io import read_image, to_tensor, write_image
from flipnet_bench.metrics import Batch, create_metric
from flipnet_bench.metrics.score import score_folders
from flipnet_bench.weights import fetch

REPO = Path(__file__).resolve().parents[1]
FAST = {"fid": {"dims": 64}, "kid": {"dims": 64, "subsets": 5}}


@pytest.fixture(scope="module", autouse=True)
def _weights() -> None:
    fetch(["fid_inception_v3", "lpips_alex_backbone", "lpips_alex_lin"])


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Path]:
    """Six 32² GT images, predictions (noisy copies) and LQ inputs (16², a different size), seeded."""
    rng = np.random.default_rng(0)
    out = {name: tmp_path / name for name in ("pred", "gt", "lq")}
    for i in range(6):
        gt = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
        noise = rng.integers(-20, 21, gt.shape)
        write_image(out["gt"] / f"im{i}.png", gt)
        write_image(out["pred"] / f"im{i}.png", np.clip(gt + noise, 0, 255).astype(np.uint8))
        write_image(out["lq"] / f"im{i}.png", gt[::2, ::2])
    return out


def test_scores_match_direct_metric(folders: dict[str, Path]) -> None:
    per_image: dict[str, dict[str, float]] = {}
    report = score_folders(
        folders["pred"], gt=folders["gt"], lq=folders["lq"], metrics=["lpips", "fid", "kid"], batch_size=4,
        metric_kwargs=FAST, per_image=per_image,
    )  # fmt: skip
    keys = [f"im{i}" for i in range(6)]
    direct = create_metric("lpips")
    direct.update(
        Batch(
            keys,
            to_tensor([read_image(folders["pred"] / f"{k}.png") for k in keys]),
            to_tensor([read_image(folders["gt"] / f"{k}.png") for k in keys]),
        )
    )
    assert report["metrics"]["lpips"]["value"] == pytest.approx(direct.compute().value, rel=1e-6)
    assert set(per_image["lpips"]) == set(keys)
    for name in ("fid", "kid"):
        entry = report["metrics"][name]
        assert entry["n"] == 6 and entry["value"] is not None and len(entry["ci95"]) == 2
        assert entry["definition"]["features"] == "64-d pooled"
    assert report["info"]["counts"] == {"planned": 6, "scored": 6, "skipped": 0}
    json.dumps(report, allow_nan=False)


def test_metrics_needing_gt_are_skipped_with_a_note(folders: dict[str, Path]) -> None:
    report = score_folders(folders["pred"], metrics=["lpips", "fid"], metric_kwargs=FAST)
    for name in ("lpips", "fid"):
        entry = report["metrics"][name]
        assert entry["value"] is None and "needs --gt" in entry["notes"][0]
    assert report["info"]["counts"]["scored"] == 0  # nothing decoded: no metric could run
    ref = score_folders(folders["pred"], ref=folders["gt"], metrics=["fid"], metric_kwargs=FAST)
    assert ref["metrics"]["fid"]["value"] is not None
    assert "folder" in ref["metrics"]["fid"]["extra"]["reference"]


def test_missing_partner_and_lenient(folders: dict[str, Path]) -> None:
    (folders["gt"] / "im5.png").unlink()
    with pytest.raises(BenchError, match=r"have no ground truth .*im5.png.*--lenient"):
        score_folders(folders["pred"], gt=folders["gt"], metrics=["lpips"])
    report = score_folders(folders["pred"], gt=folders["gt"], metrics=["lpips"], lenient=True)
    assert report["metrics"]["lpips"]["n"] == 5
    assert [s["path"] for s in report["info"]["skipped"]] == [str(folders["pred"] / "im5.png")]
    (folders["lq"] / "im0.png").unlink()
    with pytest.raises(BenchError, match=r"im0.png has no input partner"):
        score_folders(folders["pred"], lq=folders["lq"], metrics=["lpips"])


def test_size_mismatch_and_corrupt_file(folders: dict[str, Path]) -> None:
    write_image(folders["gt"] / "im2.png", np.zeros((16, 32, 3), np.uint8))
    with pytest.raises(BenchError, match=r"size mismatch: prediction .*im2.png.*ground truth .*im2.png"):
        score_folders(folders["pred"], gt=folders["gt"], metrics=["lpips"])
    (folders["pred"] / "im4.png").write_bytes(b"not a png")
    report = score_folders(folders["pred"], gt=folders["gt"], metrics=["lpips"], lenient=True)
    skipped = {Path(s["path"]).name for s in report["info"]["skipped"]}
    assert skipped == {"im2.png", "im4.png"} and report["metrics"]["lpips"]["n"] == 4
    with pytest.raises(BenchError, match=r"im2.png"):
        score_folders(folders["pred"], gt=folders["gt"], metrics=["lpips"])


def test_unknown_metric_suggests(folders: dict[str, Path]) -> None:
    with pytest.raises(BenchError, match="did you mean 'lpips'"):
        score_folders(folders["pred"], gt=folders["gt"], metrics=["lpip"])


def test_cli_writes_json_and_parquet_atomically(folders: dict[str, Path], tmp_path: Path) -> None:
    out, per = tmp_path / "out" / "scores.json", tmp_path / "out" / "per.parquet"
    args = ["score", "--pred", str(folders["pred"]), "--gt", str(folders["gt"]), "--metrics", "lpips"]
    assert (
        main([*args, "--out", str(out), "--per-image", str(per), "--params", str(REPO / "params.yaml")]) == 0
    )
    report = json.loads(out.read_text())
    frame = pd.read_parquet(per)
    assert list(frame.index) == [f"im{i}" for i in range(6)]
    assert frame["lpips"].mean() == pytest.approx(report["metrics"]["lpips"]["value"], rel=1e-9)
    (folders["pred"] / "im1.png").write_bytes(b"broken")
    bad = tmp_path / "bad" / "scores.json"
    assert main([*args, "--out", str(bad)]) == 2
    assert not bad.exists()
    assert not bad.parent.exists() or list(bad.parent.iterdir()) == []  # no temporary file left either
