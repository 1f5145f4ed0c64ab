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
    floor = {"row": "training faces, drawn at random", "seed": 0, "n": 64, "fid": 153.4, "kid": 0.092}
    floor |= {"fid_train": 0.0, "kid_train": -0.0156}
    _write(tmp_path, [late | {"fid_train": 120.5, "kid_train": 0.05}, floor, early])
    table = prior_block.prior_table(tmp_path)
    assert "| training faces, drawn at random (real, reference) | – | 153.4 | 0.0920 | 0.0 | -0.0156 |" in (
        table
    )
    assert "| `tiny-latent` prior samples | 2,000 | 150.2 | 0.1000 | 120.5 | 0.0500 |" in table
    assert "| `tiny-latent` prior samples | 500 | 250.0 | 0.2500 | – | – |" in table  # no training column
    assert table.index("training faces") < table.index("| 500 |") < table.index("| 2,000 |")


def test_a_bad_record_names_its_file(tmp_path: Path) -> None:
    _write(tmp_path, [{"row": "prior samples", "n": 64, "fid": 1.0, "kid": 0.1}])  # no steps / prior
    with pytest.raises(BenchError, match="prior_curve.jsonl"):
        prior_block.prior_table(tmp_path)


def test_a_bad_training_face_score_names_its_file(tmp_path: Path) -> None:
    row = {"row": "prior samples", "prior": "tiny", "steps": 1, "n": 64, "fid": 1.0, "kid": 0.1}
    _write(tmp_path, [row | {"kid_train": 0.1}])  # fid_train missing
    with pytest.raises(BenchError, match="prior_curve.jsonl"):
        prior_block.prior_table(tmp_path)
