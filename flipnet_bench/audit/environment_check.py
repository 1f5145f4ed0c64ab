"""Environment: each metrics file has an environment record beside it (written by the score stage into
``out/scores/<set>/<method>/environment.json``), and how that record differs from the current machine.

A difference (another torch, a GPU, other thread counts) explains a numeric disagreement rather than being
one, so it is a warning unless ``--fail-on-env-diff`` asks for identical software and hardware.
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

from flipnet_bench.audit.base import AuditContext, CheckResult, rel, summarize
from flipnet_bench.environment import diff_environments, read_environment
from flipnet_bench.errors import BenchError
from flipnet_bench.report.layout import OUT_DIR


def metrics_files(ctx: AuditContext) -> list[tuple[str, str, Path]]:
    """(set alias, method, path) of every ``metrics/<set>/<method>.json`` present."""
    from flipnet_bench.report.layout import METRICS_DIR

    root = ctx.root / METRICS_DIR
    found = sorted(root.glob("*/*.json")) if root.is_dir() else []
    return [(p.parent.name, p.stem, p) for p in found]


def environment_file(ctx: AuditContext, alias: str, method: str) -> Path:
    from flipnet_bench.environment import environment_file as recorded_at

    return ctx.root / recorded_at(OUT_DIR, alias, method)


def check(ctx: AuditContext) -> list[CheckResult]:
    start = time.perf_counter()
    files = metrics_files(ctx)
    if not files:
        return [
            CheckResult(
                "environment", "metrics/*/*.json", "fail", "no metrics files: run `dvc repro` before auditing"
            )
        ]
    missing: list[str] = []
    differences: dict[str, list[str]] = defaultdict(list)  # "key: recorded -> now" → metrics files
    for alias, method, metrics in files:
        env_path = environment_file(ctx, alias, method)
        try:
            recorded = read_environment(env_path)
        except BenchError as exc:
            missing.append(f"{rel(metrics, ctx.root)}: {exc}")
            continue
        for key, was, now in diff_environments(recorded, ctx.environment):
            differences[f"{key}: {was!r} recorded, {now!r} now"].append(rel(env_path, ctx.root))
    rows = []
    subject = f"{len(files)} metrics files"
    if missing:
        rows.append(
            CheckResult(
                "environment",
                "records",
                "fail",
                f"{len(missing)} metrics file(s) lack an environment record: {summarize(missing, 2)}",
                missing,
            )
        )
    items = [f"{diff} ({summarize(paths, 2)})" for diff, paths in sorted(differences.items())]
    if items:
        status = "fail" if ctx.options.fail_on_env_diff else "warn"
        keys = sorted({d.split(":", 1)[0] for d in differences})
        detail = f"differs from this machine in {len(keys)} key(s): {summarize(items, 3)}"
        rows.append(CheckResult("environment", subject, status, detail, items))
    elif len(missing) < len(files):
        rows.append(CheckResult("environment", subject, "pass", "every record matches this machine"))
    for row in rows:
        row.seconds = time.perf_counter() - start
    return rows
