"""docs/flipnet.md's sampling-start tables: a condition-start row joins the curve row of its checkpoint, and
the x̂0 table shows what x_t carries; a row without its curve row is an error naming the record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flipnet_bench.errors import BenchError
from flipnet_bench.report import curve_block, start_block

LQ = {"steps": 0, "lpips": 0.37, "psnr": 26.7, "ssim": 0.85, "ids_dlib": 0.959}
W = "tiny-latent boosthub_window=2"


def _write(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _scores(psnr: float, lpips: float, ids: float) -> dict:
    return {"psnr": psnr, "lpips": lpips, "ssim": 0.8, "ids_dlib": ids}


def _root(tmp_path: Path, sampler: list[dict]) -> Path:
    curve = [
        LQ,
        {"steps": 4000, "design": W, "arch": ["boosthub_window=2"], **_scores(18.88, 0.438, 0.898)},
        {"steps": 2500, "design": "tiny-latent", "arch": [], **_scores(18.12, 0.451, 0.891)},
        {"steps": 2500, "arch": [], **_scores(12.5, 0.59, 0.86)},
    ]
    _write(tmp_path / curve_block.RECORD, curve)
    _write(tmp_path / curve_block.SAMPLER_RECORD, sampler)
    return tmp_path


def _row(design: str | None, steps: int | None, start: str, samples: int, *scores: float) -> dict:
    label = {**({"design": design} if design else {}), **({"steps": steps} if steps else {})}
    return {"checkpoint": "c", **label, "samples": samples, "start": start, **_scores(*scores)}


def test_condition_rows_join_their_curve_rows_in_curve_order(tmp_path: Path) -> None:
    root = _root(
        tmp_path,
        [
            _row(W, 4000, "condition", 4, 23.33, 0.29, 0.923),
            _row(W, 4000, "condition", 1, 21.28, 0.319, 0.909),
            _row(None, 2500, "condition", 1, 12.6, 0.58, 0.861),
            _row("tiny-latent", 2500, "condition", 1, 20.58, 0.332, 0.900),
            _row(W, 4000, "noise", 1, 18.88, 0.438, 0.898),  # not a condition row
            _row(None, None, "condition", 1, 1.0, 1.0, 0.0),  # not labelled: not joined
        ],
    )
    table = start_block.start_table(root)
    lines = [line for line in table.splitlines() if line.startswith("| ") and "LQ input" not in line][1:]
    assert lines == [
        "| as published | 2,500 | 1 | 12.50 / 0.590 / 0.860 | 12.60 / 0.580 / 0.861 | 0 of 3 |",
        "| tiny-latent | 2,500 | 1 | 18.12 / 0.451 / 0.891 | 20.58 / 0.332 / 0.900 | 1 of 3 (lpips) |",
        "| tiny-latent boosthub_window=2 | 4,000 | 1 | 18.88 / 0.438 / 0.898 | 21.28 / 0.319 / 0.909 "
        "| 1 of 3 (lpips) |",
        "| tiny-latent boosthub_window=2 | 4,000 | 4 | – | 23.33 / 0.290 / 0.923 | 1 of 3 (lpips) |",
    ]
    assert "PSNR ≥ 23.70, ids_dlib ≥ 0.929" in table
    assert start_block.start_sentence(root, W) == (
        "after 4,000 restoration steps, one sample started at the condition scores PSNR / LPIPS / ids_dlib "
        "21.28 / 0.319 / 0.909 (from noise 18.88 / 0.438 / 0.898; the input 26.70 / 0.370 / 0.959): "
        "targets met 1 of 3 (lpips)"
    )
    with pytest.raises(BenchError, match="no condition-start row of the design 'sd21'"):
        start_block.start_sentence(root, "sd21")


def test_a_condition_row_without_its_curve_row_is_an_error(tmp_path: Path) -> None:
    root = _root(tmp_path, [_row(W, 3000, "condition", 1, 21.0, 0.3, 0.9)])
    with pytest.raises(BenchError, match="flipnet_sampler.jsonl.*no curve row"):
        start_block.start_table(root)
    _write(root / curve_block.SAMPLER_RECORD, [{"checkpoint": "c", "samples": 1}])  # no start
    with pytest.raises(BenchError, match="flipnet_sampler.jsonl: not a sampler record"):
        start_block.start_table(root)


def test_x0_table_shows_the_forward_process_and_the_noise_only_input(tmp_path: Path) -> None:
    x0 = {"999": {"right": 17.51, "right_noise_only": 11.2, "swapped": 13.92}, "800": {}}
    _write(tmp_path / start_block.X0_START_RECORD, [{"checkpoint": "out/c", "n": 16, "x0_psnr": x0}])
    table = start_block.x0_start_table(tmp_path)
    assert "| `out/c` | 16 | 17.51 | 11.20 (-6.31) | 13.92 (-3.59) |" in table
    _write(tmp_path / start_block.X0_START_RECORD, [{"checkpoint": "out/c", "n": 16, "x0_psnr": {"999": {}}}])
    with pytest.raises(BenchError, match="flipnet_x0_start.jsonl"):
        start_block.x0_start_table(tmp_path)


def test_schedule_table_lists_each_joint_model_and_start(tmp_path: Path) -> None:
    root = _root(tmp_path, [])
    rows = [
        {"design": "tiny-latent", "start": "noise", "samples": 1, **_scores(12.0, 0.55, 0.86)},
        {"design": "tiny-latent-zsnr", "start": "noise", "samples": 1, **_scores(24.0, 0.36, 0.93)},
    ]
    _write(root / start_block.SCHEDULE_RECORD, rows)
    table = start_block.schedule_table(root)
    assert "| tiny-latent | noise | 1 | 12.00 / 0.550 / 0.860 | 0 of 3 |" in table
    assert (
        "| tiny-latent-zsnr | noise | 1 | 24.00 / 0.360 / 0.930 | 3 of 3 (lpips, psnr, ids_dlib) |" in table
    )
    _write(root / start_block.SCHEDULE_RECORD, [{"start": "noise"}])
    with pytest.raises(BenchError, match="flipnet_schedule.jsonl"):
        start_block.schedule_table(root)
