"""The leaderboard's training-data contrasts: a "+O/F" method minus its "+O" twin on every set.

The paper's question is whether pairs synthesized by FLIPNET's degradation mode help a restorer. Two methods
that differ only in their training data ("+O": classic pairs made online; "+O/F": mixed with FLIPNET pairs)
answer it, per set and metric, with the paired difference, its 95 % interval and the Holm-adjusted p of
:func:`flipnet_bench.stats.compare.compare_runs` (the same test as `flipnet-bench compare`).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from flipnet_bench.errors import BenchError
from flipnet_bench.report.leaderboard import IDENTITY_METRICS
from flipnet_bench.stats.compare import DISTRIBUTION_METRICS, Run, compare_runs


def _comparable(metric: str, a: Run, b: Run) -> bool:
    """Metrics the paired test covers: FID/KID (image features) and those with per-image values — but not
    identity-vs-input on sets without ground truth (a gate there, never a ranking, as in the table)."""
    if not (a.has_value(metric) and b.has_value(metric)):
        return False
    if metric in IDENTITY_METRICS and a.result.get("run", {}).get("has_gt") is False:
        return False
    return metric in DISTRIBUTION_METRICS or bool(a.per_image(metric) and b.per_image(metric))


def contrast_rows(scores_root: Path, sets: list[str], contrasts: dict[str, str], columns: list[str],
                  seed: int = 0) -> list[dict[str, Any]]:  # fmt: skip
    """One row per (set, "+O/F" method, metric): ``method_a`` = the +O/F method (values ``a``), ``method_b``
    its +O twin (values ``b``), ``diff`` = a − b."""
    rows = []
    for alias in sets:
        for method_of, method_o in contrasts.items():
            folders = [Path(scores_root) / alias / m for m in (method_of, method_o)]
            missing = [str(f) for f in folders if not (f / "scores.json").is_file()]
            if missing:
                raise BenchError(f"leaderboard.contrasts {method_of} − {method_o}: no scores in {missing}")
            a, b = Run(folders[0]), Run(folders[1])
            metrics = [m for m in columns if _comparable(m, a, b)]
            if not metrics:
                continue
            report = compare_runs(folders[0], folders[1], metrics, seed=seed)
            for r in report["metrics"]:
                rows.append({**r, "set": alias, "method_a": method_of, "method_b": method_o})
    return rows


def contrasts_markdown(rows: list[dict[str, Any]], contrasts: dict[str, str]) -> str:
    """A markdown section: per set and contrast, Δ [95 % CI] per metric; ▲/▼ = significantly better/worse
    for the +O/F method (Holm p < α across the metrics of that set and contrast), blank = not resolved."""
    if not rows:
        return ""
    metrics = list(dict.fromkeys(r["metric"] for r in rows))
    names = ", ".join(f"`{a}` − `{b}`" for a, b in contrasts.items())
    lines = [
        "",
        "## Training data: +O/F − +O (paired)",
        "",
        f"{names}: the same method trained on classic pairs made online (+O) or mixed with "
        "FLIPNET-synthesized pairs (+O/F), equal steps. Cell = difference of the means (FID/KID: of the "
        "set statistics) [paired 95 % interval]; ▲ +O/F significantly better, ▼ significantly worse "
        "(permutation test, Holm-adjusted across the metrics of the row, α = 0.05); no mark = not resolved "
        "at this n. Mark and interval come from different procedures (sign-flip permutation test vs t "
        "interval), so at the edge a mark can stand beside an interval that just covers 0.",
        "",
        "| set | contrast | " + " | ".join(metrics) + " |",
        "|---|---|" + "---|" * len(metrics),
    ]
    by_row: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {}
    for r in rows:
        by_row.setdefault((r["set"], r["method_a"], r["method_b"]), {})[r["metric"]] = r
    for (alias, a, b), cells in by_row.items():
        texts = []
        for m in metrics:
            r = cells.get(m)
            if r is None:
                texts.append("–")
                continue
            ci = f" [{r['ci95'][0]:.3g}, {r['ci95'][1]:.3g}]" if r["ci95"] else ""
            mark = {"a": " ▲", "b": " ▼"}.get(r["better"], "")
            texts.append(f"{r['diff']:+.3g}{ci}{mark}")
        lines.append(f"| {alias} | {a} − {b} | " + " | ".join(texts) + " |")
    return "\n".join(lines) + "\n"


def contrasts_csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["set", "method_a", "method_b", "metric", "a", "b", "diff", "ci95_low", "ci95_high", "p",
                     "p_holm", "n", "better"])  # fmt: skip
    for r in rows:
        low, high = r["ci95"] if r["ci95"] else ("", "")
        writer.writerow([r["set"], r["method_a"], r["method_b"], r["metric"], repr(r["a"]), repr(r["b"]),
                         repr(r["diff"]), low, high, r["p"],
                         r["p_holm"], r["n"], r["better"] or ""])  # fmt: skip
    return buf.getvalue()
