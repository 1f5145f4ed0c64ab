"""The overfit table of docs/flipnet.md: one line per run and step (runs in file order, steps ascending),
the x̂0 gap is right − swapped, and a bad record is an error naming its file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flipnet_bench.errors import BenchError
from flipnet_bench.report import overfit_block

LOC = {"50": {"8": {"entropy_rel": 0.9, "mass_same": 0.03, "chance_same": 0.015},
              "16": {"entropy_rel": 0.8, "mass_same": 0.008, "chance_same": 0.004}}}  # fmt: skip
X0 = {
    "800": {"right": 22.5, "swapped": 21.25, "boosthub_only": 22.25, "embedding_only": 21.5},
    "500": {"right": 27.0, "swapped": 26.75, "boosthub_only": 27.0, "embedding_only": 26.75},
}


def _row(run: str, step: int, psnr: float) -> dict:
    return {"run": run, "step": step, "psnr": psnr, "lpips": 0.3, "right_person": 3, "psnr_lq": 24.12,
            "lpips_lq": 0.252, "x0_psnr": X0, "locality": LOC}  # fmt: skip


def _write(root: Path, rows: list[dict]) -> None:
    path = root / overfit_block.RECORD
    path.parent.mkdir(parents=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_rows_follow_runs_then_steps(tmp_path: Path) -> None:
    _write(tmp_path, [_row("b", 200, 12.0), _row("a", 100, 11.0), _row("b", 100, 10.0)])
    table = overfit_block.overfit_table(tmp_path)
    assert "| LQ input (reference) | – | 24.12 | 0.252 | – | – | – | – | – |" in table
    line = (
        "| b | 100 | 10.00 | 0.300 | 3 | 22.50 / 21.25 (+1.25) | +1.00 / +0.25 | +0.25 | 16²: 0.800, 2.00× |"
    )
    assert line in table
    assert table.index("| b | 100 |") < table.index("| b | 200 |") < table.index("| a | 100 |")


def test_a_bad_record_names_its_file(tmp_path: Path) -> None:
    row = _row("a", 100, 11.0)
    del row["x0_psnr"]
    _write(tmp_path, [row])
    with pytest.raises(BenchError, match="flipnet_overfit.jsonl"):
        overfit_block.overfit_table(tmp_path)
