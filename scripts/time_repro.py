"""Time the README's first command on this checkout: `bash scripts/setup.sh`, then `.venv/bin/dvc repro`,
each stage from the start of its run to the start of the next (DVC's lock updates included).

Standard library only, so it runs before `.venv` exists (a fresh clone). Writes a JSON record that
``flipnet_bench/report/repro_time.py`` renders into docs/pipeline.md and README.md::

    python3 scripts/time_repro.py [--skip-setup] [--out benchmarks/results/repro_time.json]

Run it on a fresh clone with nothing else running; `dvc status` and `git status` afterwards tell whether the
clone reproduced the committed `dvc.lock`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGE = re.compile(r"Running stage '([^']+)'")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def timed_setup() -> float:
    start = time.monotonic()
    subprocess.run(["bash", "scripts/setup.sh"], cwd=ROOT, check=True)
    return time.monotonic() - start


def timed_repro() -> tuple[float, list[dict[str, float | str]]]:
    """Run `dvc repro`, echoing its output; return the total and each run stage's seconds."""
    starts: list[tuple[str, float]] = []
    start = time.monotonic()
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "dvc"), "repro"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        sys.stdout.write(line)
        match = STAGE.search(line)
        if match:
            starts.append((match.group(1), time.monotonic() - start))
    if proc.wait() != 0:
        raise SystemExit(f"dvc repro failed (exit {proc.returncode}); nothing recorded")
    total = time.monotonic() - start
    ends = [t for _, t in starts[1:]] + [total]
    stages = [{"stage": name, "seconds": round(end - t0, 1)} for (name, t0), end in zip(starts, ends)]
    return round(total, 1), stages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-setup", action="store_true", help="use the existing .venv")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "repro_time.json")
    args = parser.parse_args()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    began = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_before = [round(x, 2) for x in os.getloadavg()]
    setup_s = None if args.skip_setup else round(timed_setup(), 1)
    total, stages = timed_repro()
    record = {
        "commit": commit,
        "began_utc": began,
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "load_before": load_before,
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "shared_beside": (ROOT.parent / "shared").exists(),
        "setup_s": setup_s,
        "repro_s": total,
        "stages": stages,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=args.out.parent, delete=False, suffix=".tmp") as handle:
        json.dump(record, handle, indent=1)
        handle.write("\n")
    os.replace(handle.name, args.out)
    print(f"dvc repro: {total:.0f} s over {len(stages)} stages; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
