"""The audit's reproduction check: the leaderboard made here vs the committed one, within tolerances."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

import pytest

from flipnet_bench.audit.base import CHECKS, AuditContext, AuditOptions
from flipnet_bench.audit.reproduction_check import (
    IDENTITY_REL_TOL,
    check,
    compare_leaderboards,
    parse_leaderboard,
)

HEADER = "set,method,metric,value,ci95_low,ci95_high,n,higher_is_better,best,tie,reference_row,seeds\n"
ROWS = [
    ("lfw-test", "identity", "niqe", "6.5", "6.0", "7.0", "16", ""),
    ("lfw-test", "identity", "fid", "120.0", "110.0", "130.0", "16", ""),
    ("lfw-test", "flipnet", "fid", "80.0", "70.0", "90.0", "16", "2"),  # half-width 10
]
PARAMS = "methods:\n  builtin:\n    identity: {type: identity}\n    flipnet: {type: flipnet}\n"


def _csv(rows: list[tuple[str, ...]]) -> str:
    out = io.StringIO()
    out.write(HEADER)
    writer = csv.writer(out, lineterminator="\n")
    for s, m, k, v, lo, hi, n, seeds in rows:
        writer.writerow([s, m, k, v, lo, hi, n, True, False, False, m == "identity", seeds])
    return out.getvalue()


def _moved(index: int, column: int, value: str) -> list[tuple[str, ...]]:
    rows = [list(r) for r in ROWS]
    rows[index][column] = value
    return [tuple(r) for r in rows]


def _statuses(current: list[tuple[str, ...]]) -> dict[str, str]:
    rows = compare_leaderboards(parse_leaderboard(_csv(ROWS)), parse_leaderboard(_csv(current)), {"identity"})
    return {r.name: r.status for r in rows}


def test_identical_tables_are_bit_exact() -> None:
    assert set(_statuses(ROWS).values()) == {"exact"}


def test_identity_rows_allow_1e4_relative_and_no_more() -> None:
    inside = 6.5 * (1 + 0.5 * IDENTITY_REL_TOL)
    outside = 6.5 * (1 + 2 * IDENTITY_REL_TOL)
    assert _statuses(_moved(0, 3, repr(inside)))["lfw-test/identity/niqe"] == "within"
    assert _statuses(_moved(0, 3, repr(outside)))["lfw-test/identity/niqe"] == "outside"
    # the interval bounds of an identity row are held to the same tolerance
    assert _statuses(_moved(1, 4, "110.1"))["lfw-test/identity/fid"] == "outside"


def test_method_rows_allow_half_their_interval() -> None:
    assert _statuses(_moved(2, 3, "89.0"))["lfw-test/flipnet/fid"] == "within"  # 9 < 10
    assert _statuses(_moved(2, 3, "91.0"))["lfw-test/flipnet/fid"] == "outside"  # 11 > 10
    assert _statuses(_moved(2, 6, "15"))["lfw-test/flipnet/fid"] == "outside"  # counts must be equal


def test_missing_and_added_rows_fail() -> None:
    extra = [*ROWS, ("wider-test", "identity", "niqe", "5", "4", "6", "16", "")]
    statuses = _statuses(extra[1:])
    assert statuses["lfw-test/identity/niqe"] == "missing"
    assert statuses["wider-test/identity/niqe"] == "added"


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


@pytest.fixture()
def checkout(tmp_path: Path) -> Path:
    (tmp_path / "params.yaml").write_text(PARAMS, encoding="utf-8")
    (tmp_path / "leaderboard.csv").write_text(_csv(ROWS), encoding="utf-8")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "leaderboard")
    return tmp_path


def test_check_is_registered_and_passes_on_the_committed_table(checkout: Path) -> None:
    assert CHECKS.get("reproduction") is check
    results = {r.subject: r for r in check(AuditContext(AuditOptions(root=checkout)))}
    assert results["identity rows (fixed test data)"].status == "pass"
    assert "2 of 2 rows bit-exact" in results["identity rows (fixed test data)"].detail
    assert results["method rows"].status == "pass"


def test_check_fails_on_a_planted_out_of_tolerance_identity_row(checkout: Path) -> None:
    moved = 6.5 * (1 + 8e-4)  # the NIQE move once seen between CPU types
    (checkout / "leaderboard.csv").write_text(_csv(_moved(0, 3, repr(moved))), encoding="utf-8")
    results = {r.subject: r for r in check(AuditContext(AuditOptions(root=checkout)))}
    failed = results["identity rows (fixed test data)"]
    assert failed.status == "fail"
    assert failed.items and failed.items[0].startswith("lfw-test/identity/niqe")
    assert "1 of 2 rows bit-exact" in failed.detail
    assert results["method rows"].status == "pass"
