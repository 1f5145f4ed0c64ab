"""The run-time record of scripts/time_repro.py and its rendering (flipnet_bench/report/repro_time.py)."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import pytest

from flipnet_bench.errors import BenchError
from flipnet_bench.report import repro_time

ROOT = Path(__file__).resolve().parents[1]


def _record(tmp_path: Path, **extra) -> Path:
    stages = [
        {"stage": "weights", "seconds": 3.0},
        {"stage": "restore@lfw-test-identity", "seconds": 2.5},
        {"stage": "restore@wider-test-identity", "seconds": 1.5},
        {"stage": "restore-flipnet@lfw-test-flipnet", "seconds": 20.0},
    ]
    record = {"commit": "abc1234", "began_utc": "2026-01-01 00:00 UTC", "cpu": "Test CPU", "cpus": 2,
              "load_before": [0.1, 0, 0], "load_after": [1.5, 0, 0], "shared_beside": False,
              "setup_s": 100.0, "repro_s": 27.0, "stages": stages, **extra}  # fmt: skip
    path = tmp_path / repro_time.RECORD
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(record), encoding="utf-8")
    return tmp_path


def test_families_sum_each_family_and_sort_slowest_first(tmp_path: Path) -> None:
    root = _record(tmp_path)
    rows = repro_time.families(repro_time.load_record(root)["stages"])
    assert rows == [("restore-flipnet@*", 1, 20.0), ("restore@*", 2, 4.0), ("weights", 1, 3.0)]
    table = repro_time.stage_table(root)
    assert "| `dvc repro`, every stage | 4 | **27 s (0.5 min)** |" in table
    assert "| — `restore@*` | 2 | 4 s |" in table
    assert "| `bash scripts/setup.sh` | – | 100 s |" in table
    assert "**0.5 minutes**" in repro_time.total_sentence(root)


def test_a_malformed_record_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / repro_time.RECORD
    path.parent.mkdir(parents=True)
    path.write_text('{"commit": "x"}', encoding="utf-8")
    with pytest.raises(BenchError, match="repro_time.json"):
        repro_time.load_record(tmp_path)


def test_stage_starts_are_parsed_from_dvc_output() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import time_repro
    finally:
        sys.path.pop(0)
    assert time_repro.STAGE.search("Running stage 'score@lfw-test-identity':").group(1) == (
        "score@lfw-test-identity"
    )
    assert time_repro.STAGE.search("Stage 'weights' didn't change, skipping") is None
    # standard library only: the script runs before .venv exists
    tree = ast.parse((ROOT / "scripts" / "time_repro.py").read_text(encoding="utf-8"))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert {name.split(".")[0] for name in names} <= set(sys.stdlib_module_names) | {"__future__"}
