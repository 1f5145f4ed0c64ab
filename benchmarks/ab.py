"""Whole-process A/B timing shared by the speed benchmarks (degrade.py, score_speed.py, startup.py).

A shared machine's load changes from minute to minute, so the sides run in alternation (A B, B A, A B, ...)
and each speed-up is the ratio within one adjacent pair; min/median/max summarise the repeats.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def run_process(
    argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None, expected: int = 0
) -> tuple[float, float]:
    """(wall seconds from start to exit, CPU seconds user + system) of ``argv``; another exit status stops
    the benchmark. CPU time hardly depends on the machine's load; wall time does."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != expected:
        raise SystemExit(f"{' '.join(argv[:4])} ... failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def timed_process(argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> float:
    """Wall seconds of ``argv``, whole process (it must exit 0)."""
    return run_process(argv, env, cwd)[0]


def interleave(sides: dict[str, Callable[[], float]], repeats: int) -> dict[str, list[float]]:
    """Run every side ``repeats`` times, reversing the order on every other round."""
    times: dict[str, list[float]] = {name: [] for name in sides}
    for r in range(repeats):
        for name in list(sides) if r % 2 == 0 else list(sides)[::-1]:
            times[name].append(sides[name]())
    return times


def spread(values: list[float]) -> str:
    return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}"


def report(
    title: str,
    times: dict[str, list[float]],
    compare: list[tuple[str, str]],
    json_path: Path | None,
    **info: object,
) -> None:
    """Markdown table of every timed row, then the per-pair speed-up (baseline time ÷ ours) of each
    ``(ours, baseline)`` in ``compare``; the raw times and ratios as JSON too."""
    ratios = {f"{o} vs {b}": [tb / to for to, tb in zip(times[o], times[b])] for o, b in compare}
    print(f"{title}; load average (1/5/15 min) now {os.getloadavg()}")
    print("| process | whole process s (min / median / max) |")
    print("|---|---|")
    for name, values in times.items():
        print(f"| {name} | {spread(values)} |")
    for (ours, base), values in zip(compare, ratios.values()):
        print(f"| **speed-up of {ours}** ({base} time ÷ {ours} time, per pair) | **{spread(values)}** |")
    if json_path:
        json_path.write_text(json.dumps({**info, "times": times, "ratios": ratios}, indent=1))
