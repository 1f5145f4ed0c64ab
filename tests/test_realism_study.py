"""Realism study: floors, split-half ceilings, intervals, the discrimination verdict; CLI on any folders."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy.ndimage import gaussian_filter

from flipnet_bench.cli import main
from flipnet_bench.io import write_image
from flipnet_bench.report.realism_study import FLOORS, StudySettings, _column, markdown_table, run_study

FAST = StudySettings(metrics=("fd_niqe",), models=("classic",))


def _clean(rng: np.random.Generator) -> np.ndarray:
    """A 96×192 'face-like' image: smooth shading plus fine texture (what blur, noise and JPEG destroy)."""
    field = gaussian_filter(rng.normal(0, 1, (96, 192, 3)), (6, 6, 0))
    fine = gaussian_filter(rng.normal(0, 1, (96, 192, 3)), (0.7, 0.7, 0))
    img = 128 + 40 * field / field.std() + 12 * fine / fine.std()
    return np.clip(img, 0, 255).astype(np.uint8)


def _degraded(rng: np.random.Generator) -> np.ndarray:
    noisy = _clean(rng).astype(np.float64) + rng.normal(0, 20, (96, 192, 3))
    buf = io.BytesIO()
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(buf, format="JPEG", quality=25)
    return np.array(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("realism")
    rng = np.random.default_rng(0)
    for name, make, count in (("hq", _clean, 10), ("degraded", _degraded, 14), ("cleanlike", _clean, 14)):
        for i in range(count):
            write_image(root / name / f"{i:02d}.png", make(rng))
    return {p.name: p for p in root.iterdir()}


@pytest.fixture(scope="module")
def study(folders: dict[str, Path]) -> dict:
    real = {"degraded": folders["degraded"], "cleanlike": folders["cleanlike"]}
    return run_study(real, hq=folders["hq"], settings=FAST, log=lambda _: None)


def test_floors_ceilings_and_intervals_per_real_set(study: dict) -> None:
    assert study["n"]["real:degraded"] == 14 and study["n"]["clean"] == 10
    for col in study["columns"].values():
        assert col["n"] == 14 and col["m"] == 7  # half the real set, the same m for every row
        assert set(col["rows"]) == {*FLOORS, "classic"}
        for cell in [*(r["fd_niqe"] for r in col["rows"].values()), col["split_half"]["fd_niqe"]]:
            low, high = cell["ci"]
            assert low <= cell["value"] <= high


def test_discriminates_only_where_clean_is_clearly_farther(study: dict) -> None:
    degraded, cleanlike = study["columns"]["degraded"], study["columns"]["cleanlike"]
    assert degraded["discriminates"]["fd_niqe"] is True
    clean = degraded["rows"]["clean"]["fd_niqe"]
    assert clean["ci"][0] > degraded["split_half"]["fd_niqe"]["ci"][1]
    assert cleanlike["discriminates"]["fd_niqe"] is False
    assert any(w.startswith("cleanlike / fd_niqe") for w in study["warnings"])
    table = markdown_table(study, "fd_niqe")
    assert "| discriminates? | yes | **NO** |" in table and "split-half (ceiling)" in table


def test_column_handles_every_estimator_on_features() -> None:
    rng = np.random.default_rng(1)
    real = {"niqe": rng.normal(0, 1, (20, 5)), "inception": rng.normal(0, 1, (20, 7))}
    far = {"niqe": rng.normal(3, 1, (9, 5)), "inception": rng.normal(3, 1, (9, 7))}
    settings = StudySettings(metrics=("fd_niqe", "fid", "kid"))
    col = _column("set", real, {"clean": far}, settings)
    assert col["m"] == 9  # capped by the smallest candidate set
    assert all(col["discriminates"][m] is True for m in settings.metrics)
    # unbiased KID of two halves of one set is centred on zero: its interval covers 0 here
    low, high = col["split_half"]["kid"]["ci"]
    assert low < 0 < high


def test_cli_on_any_folders(folders: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    code = main(
        [
            "realism",
            "--real",
            f"mine={folders['degraded']}",
            "--synth",
            f"pipeline={folders['cleanlike']}",
            "--out",
            str(out),
            "--metrics",
            "fd_niqe",
        ]  # fmt: skip
    )
    assert code == 0
    result = json.loads(out.read_text())
    assert set(result["columns"]["mine"]["rows"]) == {"pipeline"}
    assert result["columns"]["mine"]["discriminates"]["fd_niqe"] is None  # no clean HQ, no verdict
    assert any("no clean HQ" in w for w in result["warnings"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--real", "nodir"], "expected NAME=DIR"),
        (["--real", "=x"], "expected NAME=DIR"),
        (["--real", "a=/does/not/exist"], "is not a folder"),
        (["--synth", "s=/does/not/exist"], "is not a folder"),
    ],
)
def test_bad_name_dir_is_a_clean_error(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    code = main(["realism", *args, "--out", str(tmp_path / "r.json")])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


def test_duplicate_and_missing_inputs(folders: dict[str, Path], tmp_path: Path, capsys) -> None:
    d = folders["degraded"]
    assert main(["realism", "--real", f"a={d}", "--real", f"a={d}", "--out", str(tmp_path / "r.json")]) == 2
    assert "given twice" in capsys.readouterr().err
    assert main(["realism", "--real", f"a={d}", "--out", str(tmp_path / "r.json")]) == 2
    assert "nothing to compare" in capsys.readouterr().err
