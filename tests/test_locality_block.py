"""docs/flipnet.md's BoostHub window table: the even-spread shares by hand, the window read from the
checkpoint unless the record overrides it, and a bad record is an error naming its file."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from flipnet_bench.errors import BenchError
from flipnet_bench.report import locality_block


def test_even_shares_count_the_window_cut_by_the_border() -> None:
    # 3 × 3 grid, radius 1: corner windows hold 4 tokens, edge ones 6, the centre's 9
    assert locality_block.uniform_share(3, 1, 0) == pytest.approx((4 / 4 + 4 / 6 + 1 / 9) / 9)
    assert locality_block.uniform_share(3, 1, 1) == pytest.approx(1.0)
    assert locality_block.uniform_share(4, 0, 0) == pytest.approx(1 / 16)  # global: the whole grid
    # 5 × 5 grid, radius 2, 3 × 3 around the query: the centre sees 9 of 25
    per_axis = [(2 / 3, 3 / 4, 3 / 5, 3 / 4, 2 / 3)]
    expect = sum(a * b for a in per_axis[0] for b in per_axis[0]) / 25
    assert locality_block.uniform_share(5, 2, 1) == pytest.approx(expect)
    assert locality_block.even_entropy(4, 0) == pytest.approx(1.0)
    counts = [4, 6, 4, 6, 9, 6, 4, 6, 4]  # the 3 × 3 grid's radius-1 windows
    expect = sum(math.log(c) for c in counts) / 9 / math.log(9)
    assert locality_block.even_entropy(3, 1) == pytest.approx(expect)


def _write(root: Path, arch: list[str], window: int) -> None:
    ckpt = root / "ckpt"
    ckpt.mkdir(exist_ok=True)
    (ckpt / "flipnet.json").write_text(json.dumps({"arch": {"boosthub_window": window}}), encoding="utf-8")
    cell = {"mass_same": 0.09, "mass_near": 0.5, "entropy_rel": 0.4}
    row = {"checkpoint": "ckpt", "arch": arch, "locality": {"999": {"8": cell, "16": cell}}}
    path = root / locality_block.RECORD
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")


def test_the_table_reads_the_window_of_the_checkpoint_or_of_the_record(tmp_path: Path) -> None:
    _write(tmp_path, [], 2)
    lines = locality_block.window_table(tmp_path).strip().splitlines()[2:]
    own = locality_block.uniform_share(16, 2, 0)
    assert lines[0].startswith(f"| `ckpt` | 2 | 16² | 0.090 / {own:.3f} ({0.09 / own:.1f}×) | 0.50 / ")
    assert lines[1].startswith("| `ckpt` | 2 | 8² |")
    assert lines[1].endswith(f"| 0.40 / {locality_block.even_entropy(8, 2):.2f} |")
    _write(tmp_path, ["boosthub_window=1"], 2)
    assert "| `ckpt` | 1 | 16² |" in locality_block.window_table(tmp_path)
    _write(tmp_path, [], 0)
    assert f"| `ckpt` | global | 16² | 0.090 / {1 / 256:.3f} " in locality_block.window_table(tmp_path)


def test_a_record_without_its_timestep_is_an_error_naming_it(tmp_path: Path) -> None:
    _write(tmp_path, [], 2)
    with pytest.raises(BenchError, match="flipnet_window_locality.jsonl"):
        locality_block.window_table(tmp_path, "50")
