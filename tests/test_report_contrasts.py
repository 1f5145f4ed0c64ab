"""The leaderboard's "+O/F − +O" contrasts: paired differences with intervals and Holm-marked verdicts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from flipnet_bench.errors import BenchError
from flipnet_bench.report.contrasts import contrast_rows, contrasts_csv, contrasts_markdown


def _run(folder: Path, psnr: np.ndarray, lpips: np.ndarray) -> None:
    folder.mkdir(parents=True)
    per_image = {"psnr": {f"f{i}": float(v) for i, v in enumerate(psnr)},
                 "lpips": {f"f{i}": float(v) for i, v in enumerate(lpips)}}  # fmt: skip
    up, down = {"higher_is_better": True}, {"higher_is_better": False}
    metrics = {"psnr": {"value": float(psnr.mean()), "definition": up},
               "lpips": {"value": float(lpips.mean()), "definition": down}}  # fmt: skip
    (folder / "scores.json").write_text(json.dumps({"metrics": metrics, "per_image": per_image}))


def test_contrast_marks_only_resolved_differences(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    base_psnr, base_lpips = rng.normal(25, 2, 40), rng.uniform(0.2, 0.5, 40)
    _run(tmp_path / "s" / "m_o", base_psnr, base_lpips)
    # +O/F: 1 dB better on every face (resolved), LPIPS equal up to noise (not resolved)
    _run(
        tmp_path / "s" / "m_of",
        base_psnr + 1.0 + rng.normal(0, 0.1, 40),
        base_lpips + rng.normal(0, 0.01, 40),
    )
    rows = contrast_rows(tmp_path, ["s"], {"m_of": "m_o"}, ["psnr", "lpips", "fid"])
    by_metric = {r["metric"]: r for r in rows}
    assert set(by_metric) == {"psnr", "lpips"}  # fid has no value in these runs: not compared
    assert by_metric["psnr"]["better"] == "a" and by_metric["psnr"]["ci95"][0] > 0.9
    assert by_metric["lpips"]["better"] is None
    table = contrasts_markdown(rows, {"m_of": "m_o"})
    row = next(line for line in table.splitlines() if line.startswith("| s |"))
    assert row.startswith("| s | m_of − m_o | +1") and row.count("▲") == 1 and "▼" not in row
    assert contrasts_csv(rows).splitlines()[1].startswith("s,m_of,m_o,psnr,")


def test_identity_vs_input_is_not_contrasted_without_ground_truth(tmp_path: Path) -> None:
    """On real-world sets ids_dlib compares the output with its own input: a gate, never a ranking."""
    rng = np.random.default_rng(1)
    for name, shift in (("m_o", 0.0), ("m_of", 0.05)):
        _run(tmp_path / "real" / name, rng.normal(25, 1, 20), rng.uniform(0.2, 0.5, 20))
        path = tmp_path / "real" / name / "scores.json"
        result = json.loads(path.read_text())
        result["run"] = {"has_gt": False}
        result["metrics"]["ids_dlib"] = {"value": 0.9 + shift, "definition": {"higher_is_better": True}}
        result["per_image"]["ids_dlib"] = {f"f{i}": 0.9 + shift for i in range(20)}
        path.write_text(json.dumps(result))
    rows = contrast_rows(tmp_path, ["real"], {"m_of": "m_o"}, ["psnr", "ids_dlib"])
    assert {r["metric"] for r in rows} == {"psnr"}


def test_contrast_missing_scores_is_an_error(tmp_path: Path) -> None:
    _run(tmp_path / "s" / "m_o", np.ones(4), np.ones(4))
    with pytest.raises(BenchError, match="m_of"):
        contrast_rows(tmp_path, ["s"], {"m_of": "m_o"}, ["psnr"])
