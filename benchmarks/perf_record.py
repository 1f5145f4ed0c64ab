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
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path


@dataclass
class Measured:
    wall_s: float
    peak_rss_mib: float
    stdout: str


#: Runs argv[2:] as its child and writes "wall_seconds max_rss_kib" of it to argv[1]. A child forked from
#: the benchmark itself would inherit its memory high-water mark (Linux keeps it across exec: every command
#: would report at least the benchmark's own RSS, staged weights included); forked from this small launcher,
#: only the launcher's few MiB are inherited.
LAUNCHER = """import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(f"{time.perf_counter() - start} {usage.ru_maxrss}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> Measured:
    """Run ``argv`` to its end (exit status 0, else the benchmark stops): wall seconds from its start to its
    exit and its peak resident set (``wait4``'s ``ru_maxrss``), both taken by ``LAUNCHER``."""
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp) / "usage"
        launcher = [sys.executable, "-I", "-S", "-c", LAUNCHER, str(where)]
        proc = subprocess.run([*launcher, *argv], env=env, cwd=cwd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"{shlex.join(argv[:5])} ... failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
        wall, rss_kib = where.read_text().split()
    return Measured(float(wall), int(rss_kib) / 1024, proc.stdout)  # ru_maxrss: KiB on Linux


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
