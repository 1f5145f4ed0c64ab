"""The prior curve table of docs/flipnet.md: reference rows first, each prior's rows by steps, and a bad
record is an error naming its file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flipnet_bench.errors import BenchError
from flipnet_bench.report import prior_block


def _write(root: Path, rows: list[dict]) -> None:
    path = root / prior_block.RECORD
    path.parent.mkdir(parents=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_rows_are_ordered_by_prior_and_steps(tmp_path: Path) -> None:
    late = {"row": "prior samples", "prior": "tiny-latent", "steps": 2000, "n": 64, "fid": 150.25, "kid": 0.1}
    early = {**late, "steps": 500, "fid": 250.0, "kid": 0.25}
    floor = {"row": "training faces", "n": 64, "fid": 76.3, "kid": 0.0538}
    _write(tmp_path, [late, floor, early])
    table = prior_block.prior_table(tmp_path)
    assert "| training faces (real, reference) | – | 76.3 | 0.0538 |" in table
    assert "| `tiny-latent` prior samples | 2,000 | 150.2 | 0.1000 |" in table
    assert table.index("training faces") < table.index("| 500 |") < table.index("| 2,000 |")


def test_a_bad_record_names_its_file(tmp_path: Path) -> None:
    _write(tmp_path, [{"row": "prior samples", "n": 64, "fid": 1.0, "kid": 0.1}])  # no steps / prior
    with pytest.raises(BenchError, match="prior_curve.jsonl"):
        prior_block.prior_table(tmp_path)
