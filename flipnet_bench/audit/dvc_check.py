"""``dvc status``: every stage's dependencies and outputs still hash to what ``dvc.lock`` recorded.

This is the broadest check: a changed output image, a hand-edited metrics value, an edited input or param
all show up here. The other checks then say *whether the numbers are right*, not only whether they changed.
"""

from __future__ import annotations

import time
from typing import Any

from flipnet_bench.audit.base import AuditContext, CheckResult, summarize

#: Status entries that say nothing about reproducibility (stages that re-run by design on every repro).
IGNORED = ("always changed",)


def describe_status(status: dict[str, Any]) -> list[str]:
    """Flatten ``Repo.status()`` into ``"stage: changed outs out/x.png (modified)"`` lines."""
    lines = []
    for stage, entries in sorted(status.items()):
        for entry in entries:
            if isinstance(entry, str):
                if entry not in IGNORED:
                    lines.append(f"{stage}: {entry}")
                continue
            for kind, paths in sorted(entry.items()):
                if isinstance(paths, dict):
                    lines += [f"{stage}: {kind} {path} ({state})" for path, state in sorted(paths.items())]
                else:
                    lines.append(f"{stage}: {kind} {paths}")
    return lines


def check(ctx: AuditContext) -> list[CheckResult]:
    start = time.perf_counter()

    def result(status: str, detail: str, items: list[str] | None = None) -> list[CheckResult]:
        return [CheckResult("dvc", "dvc status", status, detail, items or [], time.perf_counter() - start)]

    if not (ctx.root / "dvc.yaml").is_file():
        return result(
            "fail", f"no dvc.yaml in {ctx.root}: not a pipeline project (run the audit from its root)"
        )
    if not (ctx.root / "dvc.lock").is_file():
        return result("fail", "no dvc.lock: the pipeline has never run here; run `dvc repro` first")
    from dvc.exceptions import DvcException
    from dvc.repo import Repo

    try:
        with Repo(str(ctx.root)) as repo:
            status = repo.status()
    except DvcException as exc:
        return result("fail", f"dvc status could not run ({type(exc).__name__}: {exc}); fix that and re-run")
    lines = describe_status(status)
    if lines:
        stages = sorted({line.split(":", 1)[0] for line in lines})
        return result(
            "fail",
            f"{len(stages)} stage(s) differ from dvc.lock ({summarize(stages)}): {summarize(lines, 2)}; "
            "`dvc repro` re-runs them, `dvc status` shows the same",
            lines,
        )
    return result("pass", "all stages match dvc.lock")
