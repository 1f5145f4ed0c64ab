"""Re-scoring: recompute metrics from the stored restored images; compare with ``metrics/<set>/<method>``.

Every set is re-scored whole, the way the score stage does it (``report.evaluate.score_restored`` with the
``evaluate`` params), so set-level metrics such as FID are recomputed exactly rather than estimated from a
sample. The default audit re-scores the cheap metrics (:data:`CHEAP`); ``--full`` re-scores every metric.
Each metrics file must also agree with the stage's full result (``out/scores/<set>/<method>/scores.json``).
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

from flipnet_bench.audit.base import AuditContext, CheckResult, rel, summarize
from flipnet_bench.audit.environment_check import metrics_files
from flipnet_bench.errors import BenchError

#: Metrics re-scored by the default (not ``--full``) audit: no backbone, seconds per set.
CHEAP = ("psnr", "ssim", "niqe")
#: |recomputed - recorded| <= ABS + REL * |recorded| on CPU; GPU kernels (cuDNN, TF32) get GPU_REL.
ABS, REL, GPU_REL = 1e-6, 1e-5, 1e-3


def close(recorded: float, recomputed: float, rel_tol: float) -> bool:
    return math.isfinite(recomputed) and abs(recomputed - recorded) <= ABS + rel_tol * abs(recorded)


def _read_numbers(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise BenchError(f"{path}: unreadable ({exc})") from exc
    if not isinstance(data, dict):
        raise BenchError(f"{path}: not a JSON object of metric values")
    return data


def _compare(recorded: dict[str, Any], fresh: dict[str, float], where: str, rel_tol: float) -> list[str]:
    problems = []
    for name, value in sorted(fresh.items()):
        if name not in recorded:
            problems.append(f"{where}: {name} missing (re-scored {value:.6g})")
        elif not isinstance(recorded[name], int | float) or not close(float(recorded[name]), value, rel_tol):
            problems.append(f"{where}: {name} = {recorded[name]!r} recorded, {value:.6g} re-scored")
    return problems


def _consistency(
    ctx: AuditContext, alias: str, method: str, recorded: dict[str, Any], where: str
) -> list[str]:
    """The metrics file against the score stage's own full result (exact: both came from one run)."""
    from flipnet_bench.report.evaluate import numbers_only
    from flipnet_bench.report.layout import scores_dir

    full = ctx.root / scores_dir(Path(ctx.params("pipeline").out), alias, method) / "scores.json"
    if not full.is_file():
        return [f"{rel(full, ctx.root)} missing: the score stage's full result is gone; `dvc repro`"]
    numbers = numbers_only(_read_numbers(full))
    extra = sorted(set(recorded) - set(numbers))
    problems = [f"{where}: {k} is not in {rel(full, ctx.root)}" for k in extra]
    return problems + [
        p.replace("re-scored", "in scores.json") for p in _compare(recorded, numbers, where, 0.0)
    ]


def _rescore(ctx: AuditContext, alias: str, method: str, metrics: list[str]) -> dict[str, float]:
    """Score the stored images exactly as ``pipelines/score.py`` does (same call, same params), with only
    ``metrics``. Keep the two in step when the score stage changes."""
    from flipnet_bench.report.evaluate import numbers_only, score_restored
    from flipnet_bench.report.layout import gt_stats_file, reference_dir, resolve_set, restored_dir

    pipe, ev = ctx.params("pipeline"), ctx.params("evaluate")
    test_set = resolve_set(alias, pipe.sets, ctx.params("data"))
    out = Path(pipe.out)
    ref_stats = gt_stats_file(out, alias) if test_set.has_gt else reference_dir(out) / "fid_stats.npz"
    result = score_restored(
        restored_dir(out, alias, method),
        test_set.lq_dir,
        test_set.gt_dir,
        metrics,
        ev.eval_size,
        ref_stats,
        ev.batch_size,
        ctx.params("score"),
        ctx.params("face_metrics").metric_kwargs(),
    )
    return numbers_only(result)


def _metrics_for(ctx: AuditContext, alias: str, recorded: dict[str, Any]) -> list[str]:
    """The recorded metrics the score stage computes for this set (the cheap ones unless ``--full``)."""
    from flipnet_bench.report.layout import resolve_set

    ev = ctx.params("evaluate")
    has_gt = resolve_set(alias, ctx.params("pipeline").sets, ctx.params("data")).has_gt
    names = list(ev.metrics_gt if has_gt else ev.metrics_real)
    return [n for n in names if n in recorded and (ctx.full or n in CHEAP)]


def _gpu(ctx: AuditContext, alias: str, method: str) -> bool:
    from flipnet_bench.audit.determinism_check import _recorded_device

    return ctx.environment["device"]["type"] != "cpu" or _recorded_device(ctx, alias, method) not in (
        None,
        "cpu",
    )


def _one(ctx: AuditContext, alias: str, method: str, path: Path) -> CheckResult:
    where = rel(path, ctx.root)
    subject = f"{alias}/{method}"
    recorded = _read_numbers(path)
    problems = _consistency(ctx, alias, method, recorded, where)
    if alias not in ctx.params("pipeline").sets:
        problems.append(f"{where}: set {alias!r} is not in params.yaml pipeline.sets (stale metrics file?)")
        return CheckResult("rescoring", subject, "fail", summarize(problems, 2), problems)
    names = _metrics_for(ctx, alias, recorded)
    rel_tol = GPU_REL if _gpu(ctx, alias, method) else REL
    if names:
        problems += _compare(recorded, _rescore(ctx, alias, method, names), where, rel_tol)
    if problems:
        return CheckResult(
            "rescoring", subject, "fail", f"{len(problems)} difference(s): {summarize(problems, 2)}", problems
        )
    what = (
        f"re-scored {', '.join(names)} within {ABS:g} + {rel_tol:g}·|value|"
        if names
        else "nothing to re-score"
    )
    return CheckResult("rescoring", subject, "pass", f"{what}; matches scores.json")


def check(ctx: AuditContext) -> list[CheckResult]:
    rows = []
    files = metrics_files(ctx)
    for alias, method, path in ctx.bar(files, "re-scoring"):
        start = time.perf_counter()
        try:
            row = _one(ctx, alias, method, path)
        except BenchError as exc:
            row = CheckResult(
                "rescoring", f"{alias}/{method}", "fail", f"could not re-score: {exc}", [rel(path, ctx.root)]
            )
        row.seconds = time.perf_counter() - start
        rows.append(row)
    if not files:
        rows.append(
            CheckResult(
                "rescoring", "metrics/*/*.json", "fail", "no metrics files to re-score: run `dvc repro` first"
            )
        )
    return rows
