"""Reproduction: does the leaderboard this checkout made equal the committed one, within a stated tolerance?

``dvc repro`` rewrites ``leaderboard.csv``; this check compares it with the committed version
(``git show HEAD:leaderboard.csv``) row by row (set, method, metric) and says which rows are bit-exact.

Tolerances (:data:`IDENTITY_REL_TOL`, :func:`tolerance`):

* **identity rows** (methods of type ``identity``: the scores of the fixed test data itself): value and
  interval bounds within 1e-4 relative on any machine. The test sets are shipped bytes and the float paths
  that moved with the CPU type (NIQE's luma) are evaluated the same everywhere (docs/reproducibility.md).
* **every other row** (trained and sampled methods, whose float paths still round differently by CPU type):
  the value within half the width of the committed row's 95 % interval, i.e. inside the statistical
  uncertainty the leaderboard already states, so no conclusion the interval supports changes.

Counts (``n``, ``seeds``) must be equal. A missing or added row fails.
"""

from __future__ import annotations

import csv
import io
import math
import subprocess
from dataclasses import dataclass
from pathlib import Path

from flipnet_bench.audit.base import AuditContext, CheckResult, summarize

LEADERBOARD = "leaderboard.csv"
#: Relative tolerance of identity rows (scores of the fixed test data) on any machine.
IDENTITY_REL_TOL = 1e-4
#: Columns compared numerically; the interval bounds take the row's tolerance too.
VALUE_COLUMNS = ("value", "ci95_low", "ci95_high")
#: Columns that must be equal.
EXACT_COLUMNS = ("n", "seeds")

Key = tuple[str, str, str]


@dataclass(frozen=True)
class RowComparison:
    """One leaderboard row: committed vs current, and the verdict."""

    key: Key
    status: str  # "exact", "within", "outside", "missing", "added"
    detail: str = ""

    @property
    def name(self) -> str:
        return "/".join(self.key)


def parse_leaderboard(text: str) -> dict[Key, dict[str, str]]:
    """Rows of a leaderboard CSV keyed by (set, method, metric)."""
    return {(r["set"], r["method"], r["metric"]): r for r in csv.DictReader(io.StringIO(text))}


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


def tolerance(row: dict[str, str], identity: bool) -> tuple[str, float]:
    """("rel", 1e-4) for identity rows; ("abs", half the committed 95 % interval width) for the others."""
    if identity:
        return "rel", IDENTITY_REL_TOL
    low, high = _float(row.get("ci95_low")), _float(row.get("ci95_high"))
    if low is None or high is None or not math.isfinite(high - low):
        return "abs", 0.0  # no interval: nothing but the exact value is defensible
    return "abs", (high - low) / 2


def _deviation(ref: float | None, cur: float | None, kind: str) -> float:
    if ref is None or cur is None:
        return 0.0 if ref is cur else math.inf
    if math.isnan(ref) or math.isnan(cur):
        return 0.0 if math.isnan(ref) and math.isnan(cur) else math.inf
    diff = abs(cur - ref)
    if kind == "rel":
        return diff / max(abs(ref), abs(cur)) if diff else 0.0
    return diff


def compare_row(key: Key, ref: dict[str, str], cur: dict[str, str], identity: bool) -> RowComparison:
    """Bit-exact when every compared column is equal as text; else within or outside its tolerance."""
    columns = (*VALUE_COLUMNS, *EXACT_COLUMNS)
    if all(ref.get(c) == cur.get(c) for c in columns):
        return RowComparison(key, "exact")
    for column in EXACT_COLUMNS:
        if ref.get(column) != cur.get(column):
            return RowComparison(key, "outside", f"{column} {ref.get(column)!r} → {cur.get(column)!r}")
    kind, tol = tolerance(ref, identity)
    columns = VALUE_COLUMNS if identity else ("value",)
    worst = max((_deviation(_float(ref.get(c)), _float(cur.get(c)), kind), c) for c in columns)
    unit = "relative" if kind == "rel" else "absolute (half the 95% interval)"
    detail = (
        f"{worst[1]} {ref.get(worst[1])} → {cur.get(worst[1])}: {worst[0]:.3g} {unit}, tolerance {tol:.3g}"
    )
    return RowComparison(key, "within" if worst[0] <= tol else "outside", detail)


def compare_leaderboards(
    reference: dict[Key, dict[str, str]], current: dict[Key, dict[str, str]], identity_methods: set[str]
) -> list[RowComparison]:
    """Every row of both tables, in the committed order (added rows last)."""
    rows = []
    for key, ref in reference.items():
        if key not in current:
            rows.append(RowComparison(key, "missing", "in the committed leaderboard only"))
        else:
            rows.append(compare_row(key, ref, current[key], key[1] in identity_methods))
    rows += [
        RowComparison(k, "added", "not in the committed leaderboard") for k in current if k not in reference
    ]
    return rows


def committed_text(root: Path, name: str = LEADERBOARD) -> str | None:
    """``git show HEAD:<name>`` in ``root``; None when ``root`` is not a git checkout or has no such file."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "show", f"HEAD:./{name}"], capture_output=True, check=False, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.decode("utf-8") if done.returncode == 0 else None


def identity_methods(ctx: AuditContext) -> set[str]:
    builtin = ctx.params("methods").builtin
    return {name for name, entry in builtin.items() if entry.type == "identity"}


def _result(subject: str, rows: list[RowComparison], tolerance_text: str) -> CheckResult:
    exact = [r for r in rows if r.status == "exact"]
    within = [r for r in rows if r.status == "within"]
    bad = [r for r in rows if r.status in ("outside", "missing", "added")]
    counts = f"{len(exact)} of {len(rows)} rows bit-exact, {len(within)} within {tolerance_text}"
    if bad:
        items = [f"{r.name}: {r.detail}" for r in bad]
        detail = f"{len(bad)} row(s) outside {tolerance_text}: {summarize(items, 2)}; {counts}"
        return CheckResult("reproduction", subject, "fail", detail, items)
    items = [f"{r.name}: {r.detail}" for r in within]
    return CheckResult("reproduction", subject, "pass", counts, items)


def check(ctx: AuditContext) -> list[CheckResult]:
    path = ctx.root / LEADERBOARD
    if not path.is_file():
        # not made yet: the dvc check reports missing outputs
        return [CheckResult("reproduction", LEADERBOARD, "skip", f"no {LEADERBOARD}: run `dvc repro` first")]
    committed = committed_text(ctx.root)
    if committed is None:
        return [
            CheckResult(
                "reproduction",
                LEADERBOARD,
                "skip",
                "no committed leaderboard.csv to compare with (not a git checkout)",
            )
        ]
    identity = identity_methods(ctx)
    rows = compare_leaderboards(
        parse_leaderboard(committed), parse_leaderboard(path.read_text("utf-8")), identity
    )
    ident = [r for r in rows if r.key[1] in identity]
    other = [r for r in rows if r.key[1] not in identity]
    results = [_result("identity rows (fixed test data)", ident, f"{IDENTITY_REL_TOL:g} relative")]
    if other:
        results.append(_result("method rows", other, "half their committed 95% interval"))
    return results
