"""Weights: every cached weight file hashes to the SHA-256 pinned in the weights registry, and the hashes the
pipeline's ``weights`` stage recorded (``out/weights.json``) are the pinned ones.

A swapped backbone changes every LPIPS/FID number without touching a single image, so this is checked
directly rather than left to the metrics' load-time verification.
"""

from __future__ import annotations

import json
import time
from typing import Any

from flipnet_bench.audit.base import AuditContext, CheckResult, rel, summarize
from flipnet_bench.report.layout import OUT_DIR


def _recorded(ctx: AuditContext) -> dict[str, Any]:
    path = ctx.root / OUT_DIR / "weights.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return {"__unreadable__": str(path)}
    return data if isinstance(data, dict) else {"__unreadable__": str(path)}


def check(ctx: AuditContext) -> list[CheckResult]:
    from flipnet_bench.weights import all_specs

    recorded = _recorded(ctx)
    rows = []
    if "__unreadable__" in recorded:
        rows.append(
            CheckResult(
                "weights",
                "out/weights.json",
                "fail",
                f"{recorded['__unreadable__']} is not valid JSON; run `dvc repro weights`",
            )
        )
        recorded = {}
    skipped = []
    for spec in all_specs():
        start = time.perf_counter()
        status, detail, items = _check_one(ctx, spec, recorded)
        if status == "skip":
            skipped.append(f"{spec.name}: {detail}")
            continue
        rows.append(CheckResult("weights", spec.name, status, detail, items, time.perf_counter() - start))
    if skipped:
        names = [line.split(":", 1)[0] for line in skipped]
        detail = f"not checked (user-supplied, or not fetched and unused): {summarize(names, 4)}"
        rows.append(CheckResult("weights", f"{len(skipped)} other weight(s)", "skip", detail, skipped))
    return rows


def _check_one(ctx: AuditContext, spec: Any, recorded: dict[str, Any]) -> tuple[str, str, list[str]]:
    """(status, detail, items) of one weight spec."""
    from flipnet_bench.io.hashing import sha256_file
    from flipnet_bench.weights import cached_path

    path = cached_path(spec.name)
    where = rel(path, ctx.root)
    fix = f"run `flipnet-bench weights fetch {spec.name}`"
    if spec.sha256 is None:
        return "skip", f"user-supplied weight (params {spec.local_path_param}); not pinned", []
    if not path.is_file():
        if spec.name in recorded:
            return "fail", f"{where} is missing but the pipeline used it; {fix}", [where]
        return "skip", f"not fetched ({where}); unused by this pipeline run", []
    items = []
    actual = sha256_file(path)
    if actual != spec.sha256:
        items.append(f"{where}: SHA-256 {actual}, pinned {spec.sha256}; delete it and {fix}")
    entry = recorded.get(spec.name)
    used = entry.get("sha256") if isinstance(entry, dict) else None
    if used is not None and used != spec.sha256:
        items.append(
            f"out/weights.json records {spec.name} as {used}, pinned {spec.sha256}; `dvc repro weights`"
        )
    if items:
        return "fail", "; ".join(items), items
    return "pass", f"{where} matches the pinned SHA-256", []
