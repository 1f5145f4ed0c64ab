"""The latent miniature's "+O/F − +O" table: one line per set, start and metric from compare's files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flipnet_bench.errors import BenchError
from flipnet_bench.report import of_block


def _report(diff: float, better: str | None) -> dict:
    row = {"metric": "psnr", "a": 20.0 + diff, "b": 20.0, "diff": diff, "ci95": [diff - 0.1, diff + 0.1],
           "better": better}  # fmt: skip
    return {"a": "of", "b": "o", "alpha": 0.05, "metrics": [row]}


def test_each_set_and_start_gives_its_lines(tmp_path: Path) -> None:
    folder = tmp_path / of_block.OF_DIR
    folder.mkdir(parents=True)
    for i, (name, start) in enumerate((s, t) for s in of_block.SETS for t in of_block.STARTS):
        better = ("a", "b", None, None)[i]
        (folder / f"{name}-{start}.json").write_text(json.dumps(_report(0.5 - i, better)), encoding="utf-8")
    table = of_block.of_table(tmp_path)
    assert "| synthetic | noise | psnr | 20 | 20.5 | +0.5 [0.4, 0.6] | +O/F better |" in table
    assert "| synthetic | condition | psnr | 20 | 19.5 | -0.5 [-0.6, -0.4] | +O better |" in table
    assert "| real | condition | psnr | 20 | 17.5 | -2.5 [-2.6, -2.4] | tie |" in table
    (folder / "real-noise.json").unlink()
    with pytest.raises(BenchError, match="real-noise.json"):
        of_block.of_table(tmp_path)
