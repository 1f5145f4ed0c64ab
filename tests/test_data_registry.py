from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from flipnet_bench.cli import main
from flipnet_bench.config import ParamsError, parse_dataclass
from flipnet_bench.data.params import DataParams
from flipnet_bench.data.registry import DatasetCountWarning, get_dataset, list_datasets
from flipnet_bench.errors import BenchError
from flipnet_bench.io import write_image

REPO = Path(__file__).resolve().parents[1]


def test_registry_has_every_required_dataset() -> None:
    names = set(list_datasets())
    assert {"hq-train", "hq-test", "lfw-test", "webphoto-test", "wider-test", "celebchild-test"} <= names
    assert {"celeba-real", "celeba-test", "real-pairs", "synthetic-celeba-test-style@hq-test"} <= names


def test_unknown_dataset_says_did_you_mean(capsys) -> None:
    with pytest.raises(BenchError, match="did you mean 'lfw-test'"):
        get_dataset("lfw-tset")
    assert main(["data", "info", "wider-tset"]) == 2
    assert "did you mean 'wider-test'" in capsys.readouterr().err


def test_official_celeba_test_absent_names_the_params_key() -> None:
    with pytest.raises(BenchError, match=r"data\.celeba_test_lq"):
        get_dataset("celeba-test")


def test_official_celeba_test_from_local_path(tmp_path: Path, rng: np.random.Generator) -> None:
    for side in ("lq", "gt"):
        for i in range(3):
            write_image(tmp_path / side / f"{i:05d}.png", rng.integers(0, 256, (8, 8, 3), dtype=np.uint8))
    spec = get_dataset(
        "celeba-test", DataParams(celeba_test_lq=tmp_path / "lq", celeba_test_gt=tmp_path / "gt")
    )
    with pytest.warns(DatasetCountWarning, match="3 images here, the official set has 3000"):
        pairs = spec.pairs()
    assert [p[0].name for p in pairs] == ["00000.png", "00001.png", "00002.png"]


def test_synthetic_pairs_are_named_after_their_source() -> None:
    spec = get_dataset("synthetic-celeba-test-style@hq-test")
    assert spec.entry.synthetic_source == "hq-test" and spec.entry.official_count is None
    # shipped data: LQ files in data.synthetic_test, their HQ partners in the hq-test split
    assert spec.lq_root == Path("data/default/synthetic-celeba-test-style@hq-test/lq")
    assert spec.gt_root == Path("data/default/hq/test")
    made = get_dataset("synthetic-celeba-test-style@hq-train")  # made on demand
    assert made.lq_root == Path("data/synthetic/synthetic-celeba-test-style@hq-train/lq")
    assert "NOT the official" in spec.entry.note


def test_bundled_counts_differ_from_official_and_are_reported(monkeypatch, capsys) -> None:
    monkeypatch.chdir(REPO)
    spec = get_dataset("lfw-test")
    with pytest.warns(DatasetCountWarning, match="16 images here, the official set has 1711"):
        files = spec.files()
    assert len(files) == 16 and spec.root == Path("data/default/real-lq/lfw-test")
    assert main(["data", "info", "lfw-test"]) == 0
    assert "WARNING lfw-test: 16 images here, the official set has 1711" in capsys.readouterr().out
    assert main(["data", "verify", "data/default/real-lq/wider-test"]) == 0
    assert "WARNING wider-test: 16 images here, the official set has 970" in capsys.readouterr().out


def test_bundled_hq_splits_are_128_and_identity_disjoint(monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # HQ splits have no official count: no warning
        train, test = get_dataset("hq-train").files(), get_dataset("hq-test").files()
    assert len(test) == 64 and len(train) > 1000
    groups = lambda files: {p.name.split("__")[0] for p in files}  # noqa: E731
    assert groups(test) == {"canada", "3dsk-female", "3dsk-male"}
    assert {"london-neutral", "london-smiling", "lfw"} <= groups(train)
    assert not {p.stem for p in train} & {p.stem for p in test}


def test_data_params_unknown_key_and_types() -> None:
    with pytest.raises(ParamsError, match="did you mean 'lfw_test'"):
        parse_dataclass(DataParams, {"lfw_tset": "x"}, "data")
    parsed = parse_dataclass(DataParams, {"lfw_test": "/x/LFW", "celeba_test_lq": None}, "data")
    assert parsed.lfw_test == Path("/x/LFW") and parsed.celeba_test_lq is None


def test_params_yaml_data_section_defaults_point_at_bundle() -> None:
    from flipnet_bench.config import load_section

    section = load_section("data", REPO / "params.yaml")
    assert section == DataParams()
    assert all("shared" not in str(v) for v in vars(section).values())
