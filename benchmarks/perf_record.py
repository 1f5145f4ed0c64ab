"""Whole-process timing with peak memory, and the JSON record the README's performance rows are rendered from
(``flipnet_bench/report/perf_blocks.py``)::

    {"title", "when_utc", "load_before": [1, 5, 15 min], "cpu", "omp_num_threads",
     "rows": [{"label", "command", "wall_s": [...], "min", "median", "max", "peak_rss_mib"[, "images"]}],
     "ratios": [{"a", "b", "per_pair": [b ÷ a per interleaved pair], "min", "median", "max"}]}
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path


@dataclass
class Measured:
    wall_s: float
    peak_rss_mib: float
    stdout: str


def run_measured(argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> Measured:
    """Run ``argv`` to its end (exit status 0, else the benchmark stops): wall seconds from start to exit, the
    process's peak resident set (``wait4``'s ``ru_maxrss``, its own; children it waited for count too)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)  # reaped here, so its own rusage is ours to read
        elapsed = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        stdout, stderr = out.read(), err.read()
    if code != 0:
        raise SystemExit(f"{shlex.join(argv[:5])} ... failed ({code}):\n{stderr[-2000:]}")
    rss = usage.ru_maxrss / 1024  # KiB on Linux
    return Measured(elapsed, rss, stdout)


@dataclass
class Row:
    label: str
    command: str
    wall_s: list[float] = field(default_factory=list)
    peak_rss_mib: list[float] = field(default_factory=list)
    images: int | None = None

    def record(self) -> dict[str, object]:
        row: dict[str, object] = {"label": self.label, "command": self.command, "wall_s": self.wall_s}
        row.update(summary(self.wall_s))
        row["peak_rss_mib"] = max(self.peak_rss_mib) if self.peak_rss_mib else None
        if self.images is not None:
            row["images"] = self.images
        return row


def summary(values: list[float]) -> dict[str, float]:
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def ratio(a: Row, b: Row) -> dict[str, object]:
    """b's time ÷ a's, per interleaved pair of runs (a's speed-up over b)."""
    per_pair = [tb / ta for ta, tb in zip(a.wall_s, b.wall_s)]
    return {"a": a.label, "b": b.label, "per_pair": per_pair, **summary(per_pair)}


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()}, {os.cpu_count()} logical CPUs"
    except OSError:
        pass
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs"


def write_record(
    path: Path | None,
    title: str,
    load_before: tuple[float, ...],
    rows: list[Row],
    ratios: list[dict[str, object]],
    **extra: object,
) -> dict[str, object]:
    """The record, written atomically to ``path`` (a temporary file beside it, then renamed) when given."""
    record = {
        "title": title,
        "when_utc": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_before": [round(x, 2) for x in load_before],
        "cpu": cpu_name(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),  # None: torch's default, one per core
        "rows": [row.record() for row in rows],
        "ratios": ratios,
        **extra,
    }
    if path is None:
        return record
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return record


def print_record(record: dict[str, object]) -> None:
    print(record["title"])
    print("| row | wall s (min / median / max) | peak RSS MiB |")
    print("|---|---|---|")
    for row in record["rows"]:  # type: ignore[union-attr]
        spread = f"{row['min']:.2f} / {row['median']:.2f} / {row['max']:.2f}"
        print(f"| {row['label']} | {spread} | {row['peak_rss_mib']} |")
    for r in record["ratios"]:  # type: ignore[union-attr]
        print(
            f"| speed-up of {r['a']} over {r['b']} | {r['min']:.2f} / {r['median']:.2f} / {r['max']:.2f}× | |"
        )
