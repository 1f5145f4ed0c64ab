"""Start-up time of ``flipnet-bench`` commands, whole process (interpreter start to exit), min/median/max.

Commands are run in rotation (one of each, then again) so that load from other processes on a shared machine
hits all of them alike. Reference rows: the bare interpreter, and ``import torch`` (what a command that runs a
model pays before its first image). ``degrade 1 image`` is a whole classic degradation of one 512² face: its
excess over ``import torch`` is our own fixed cost before (and after) the first image. ::

    python benchmarks/startup.py [--runs 10] [--json benchmarks/startup.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ab import interleave, run_process, spread

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FLIPNET_SHARED", REPO.parent / "shared")) / "data"
CLI = [sys.executable, "-m", "flipnet_bench.cli"]


def commands(tmp: Path) -> dict[str, tuple[list[str], int]]:
    """Label → (argv, expected exit status). ``protocols`` is included when this build has that command."""
    face = sorted((SHARED / "real-lq-dev").rglob("*.png"))[:1]
    hq = tmp / "hq"
    hq.mkdir()
    if face:
        shutil.copy(face[0], hq / face[0].name)
    table: dict[str, tuple[list[str], int]] = {
        "python -c pass": ([sys.executable, "-c", "pass"], 0),
        "python -c 'import torch'": ([sys.executable, "-c", "import torch"], 0),
        "flipnet-bench --help": ([*CLI, "--help"], 0),
        "flipnet-bench degrade --help": ([*CLI, "degrade", "--help"], 0),
        "flipnet-bench degrade (argument error)": ([*CLI, "degrade"], 2),
        "flipnet-bench weights list": ([*CLI, "weights", "list"], 0),
        "flipnet-bench data verify <16 files>": (
            [*CLI, "data", "verify", str(REPO / "data" / "default" / "real-lq" / "lfw-test")],
            0,
        ),
    }
    probe = subprocess.run([*CLI, "protocols", "--help"], capture_output=True, cwd=REPO)
    if probe.returncode == 0:
        table["flipnet-bench protocols"] = ([*CLI, "protocols"], 0)
    if face:
        table["flipnet-bench degrade, 1 image 512²"] = (
            [*CLI, "degrade", "--hq", str(hq), "--out", str(tmp / "out"), "--quiet"],
            0,
        )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs per command (in rotation)")
    parser.add_argument("--json", type=Path, help="also write the raw times here")
    args = parser.parse_args()
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)

        cpu: dict[str, list[float]] = {}

        def side(label: str, argv: list[str], expected: int):
            def run() -> float:
                shutil.rmtree(tmp / "out", ignore_errors=True)  # the degrade row works every time
                wall, used = run_process(argv, env, REPO, expected)
                cpu.setdefault(label, []).append(used)
                return wall

            return run

        load_before = os.getloadavg()
        times = interleave({label: side(label, *cmd) for label, cmd in commands(tmp).items()}, args.runs)
    load_after = os.getloadavg()
    print(f"load average (1/5/15 min) before {load_before}, after {load_after}; {os.cpu_count()} CPUs")
    print(f"| command ({args.runs} runs each) | wall s, min / median / max | CPU s (user + sys), same |")
    print("|---|---|---|")
    for label, values in times.items():
        print(f"| `{label}` | {spread(values)} | {spread(cpu[label])} |")
    if args.json:
        record = {"load_before": load_before, "load_after": load_after, "times": times, "cpu": cpu}
        args.json.write_text(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
