"""Running the check families and presenting the outcome: a rich table on the terminal and a JSON file.

The audit runs with the audited project's root as working directory (the pipeline's paths are relative to
it) and with the weights cache the pipeline used (``pipeline.weights_dir``). A check family that crashes
becomes a failed row naming the exception, so one broken check never hides the others' results.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from flipnet_bench.audit.base import CHECK_ORDER, CHECKS, AuditContext, AuditOptions, CheckResult
from flipnet_bench.errors import BenchError
from flipnet_bench.io import write_json

STYLE = {"pass": "green", "warn": "yellow", "fail": "bold red", "skip": "dim"}


@dataclass
class AuditReport:
    options: AuditOptions
    rows: list[CheckResult] = field(default_factory=list)
    environment: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def failed(self) -> list[CheckResult]:
        return [r for r in self.rows if r.status == "fail"]

    @property
    def ok(self) -> bool:
        return not self.failed

    def counts(self) -> dict[str, int]:
        return {s: sum(r.status == s for r in self.rows) for s in STYLE}

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "root": str(Path(self.options.root).resolve()),
            "full": self.options.full,
            "fail_on_env_diff": self.options.fail_on_env_diff,
            "samples_per_folder": self.options.sample_size,
            "seed": self.options.seed,
            "counts": self.counts(),
            "failed": [f"{r.check}: {r.subject}" for r in self.failed],
            "checks": [r.to_json() for r in self.rows],
            "environment": self.environment,
            "seconds": round(self.seconds, 2),
        }

    def render(self, console: Any = None, verbose: bool = False) -> None:
        """The table (check, subject, status, detail) and a summary line naming every failure."""
        from rich.console import Console
        from rich.table import Table

        if console is None:
            console = Console()
            if not console.is_terminal:  # logs and CI: wide enough that file names stay on one line
                console = Console(width=200)
        table = Table(title=f"flipnet-bench audit ({'full' if self.options.full else 'default'})")
        for name in ("check", "subject", "status", "detail", "s"):
            table.add_column(name, overflow="fold", justify="right" if name == "s" else "left")
        for row in self.rows:
            detail = row.detail
            if verbose and row.items:
                detail += "\n" + "\n".join(f"  {item}" for item in row.items)
            status = f"[{STYLE[row.status]}]{row.status}[/]"
            table.add_row(row.check, row.subject, status, detail, f"{row.seconds:.1f}")
        console.print(table)
        counts = ", ".join(f"{n} {s}" for s, n in self.counts().items() if n)
        if self.ok:
            console.print(f"[green]audit passed[/] ({counts}; {self.seconds:.1f} s)")
        else:
            names = "; ".join(f"{r.check}: {r.subject}" for r in self.failed)
            console.print(f"[bold red]audit FAILED[/] ({counts}; {self.seconds:.1f} s): {names}")


@contextlib.contextmanager
def _project(ctx: AuditContext) -> Iterator[None]:
    """cwd = project root, and the pipeline's weights cache (as ``pipelines/_stage.py`` sets it)."""
    saved = os.environ.get("FLIPNET_BENCH_WEIGHTS")
    with contextlib.chdir(ctx.root):
        try:
            weights_dir = ctx.params("pipeline").weights_dir
        except BenchError:
            weights_dir = None  # no/invalid params: the checks that read params report it themselves
        if weights_dir is not None:
            os.environ["FLIPNET_BENCH_WEIGHTS"] = str(Path(weights_dir).resolve())
        try:
            yield
        finally:
            if saved is None:
                os.environ.pop("FLIPNET_BENCH_WEIGHTS", None)
            else:
                os.environ["FLIPNET_BENCH_WEIGHTS"] = saved


def _run_family(ctx: AuditContext, name: str) -> list[CheckResult]:
    start = time.perf_counter()
    try:
        rows = CHECKS.get(name)(ctx)
    except BenchError as exc:
        rows = [CheckResult(name, "(check)", "fail", f"check could not run: {exc}", [str(exc)])]
    except Exception as exc:  # noqa: BLE001 - reported as a failed row, never swallowed
        message = f"{type(exc).__name__}: {exc}"
        rows = [CheckResult(name, "(check)", "fail", f"check crashed: {message}", [message])]
    if len(rows) == 1 and rows[0].seconds == 0.0:
        rows[0].seconds = time.perf_counter() - start
    return rows


def run_audit(
    options: AuditOptions, checks: Sequence[str] | None = None, progress: bool = True
) -> AuditReport:
    """Run the named check families (default: all, in :data:`CHECK_ORDER`) on ``options.root``."""
    names = list(checks) if checks else list(CHECK_ORDER)
    for name in names:
        CHECKS.get(name)  # unknown names fail before anything runs, with "did you mean"
    ctx = AuditContext(options)
    ctx.progress = progress
    if not ctx.root.is_dir():
        raise BenchError(f"{ctx.root}: project folder not found")
    start = time.perf_counter()
    report = AuditReport(options)
    with _project(ctx):
        for name in tqdm(names, desc="audit", unit="check", disable=not progress):
            report.rows += _run_family(ctx, name)
        report.environment = ctx.environment
    report.seconds = time.perf_counter() - start
    return report


def write_report(report: AuditReport, path: str | Path) -> Path:
    path = Path(path)
    write_json(path, report.to_json())
    return path
