"""flipnet_bench/heap.py: the allocator settings take effect, and a user's own settings win."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

#: Allocate and free a 512 KiB block 400 times (bytearray zero-fills, so every page is touched) and report
#: the minor page faults this took, after ``heap.configure()`` unless the environment opts out.
PROBE = """
import json, resource
from flipnet_bench import heap
applied = heap.configure()
bytearray(512 * 1024)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(400):
    block = bytearray(512 * 1024)
    del block
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
print(json.dumps({"applied": applied, "faults": faults}))
"""


def _probe(**env: str) -> dict:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "THP_", "FLIPNET_BENCH_HEAP"))
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env={**clean, **env}, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc is what is tuned")
def test_freed_blocks_stay_in_the_process() -> None:
    """With only the mmap threshold fixed at 1 MiB (what keeps RSS flat; fixing it also stops glibc from
    adapting its trim threshold), glibc trims a freed 512 KiB block at the heap's top and faults it in again
    on every allocation; with the settings the freed block is reused: at least 10× fewer page faults."""
    tuned = _probe()
    default = _probe(FLIPNET_BENCH_HEAP="default", MALLOC_MMAP_THRESHOLD_=str(1 << 20))
    assert default["applied"] == [] and tuned["applied"] == [
        "THP_MEM_ALLOC_ENABLE", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_THRESHOLD_"
    ]  # fmt: skip
    assert default["faults"] > 400 * 64  # most of the 128 pages of each block fault again
    assert tuned["faults"] * 10 < default["faults"], (tuned, default)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc is what is tuned")
def test_a_users_own_setting_wins() -> None:
    result = _probe(MALLOC_TOP_PAD_="0", THP_MEM_ALLOC_ENABLE="0")
    assert result["applied"] == ["MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_"]


#: Run one command line in a fresh process (it fails on a missing input after the heap decision) and report
#: whether the heap settings were applied.
COMMAND = """
import contextlib, io, json, sys
from flipnet_bench import cli, heap
with contextlib.redirect_stderr(io.StringIO()):
    status = cli.main(sys.argv[1:])
print(json.dumps({"status": status, "configured": heap.configure.cache_info().currsize == 1}))
"""


def _command(*argv: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "THP_", "FLIPNET_BENCH_"))}
    done = subprocess.run(
        [sys.executable, "-c", COMMAND, *argv], env=clean, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.splitlines()[-1])


def test_only_scoring_and_degradation_get_the_settings(tmp_path) -> None:
    """Training keeps glibc's defaults (a training step took 1.4-1.6x as long with the settings)."""
    missing = str(tmp_path / "missing")
    score = _command("score", "--pred", missing, "--gt", missing, "--out", str(tmp_path / "s.json"))
    train = _command("train", "restoration", "--hq", missing, "--out", str(tmp_path / "t"))
    assert score == {"status": 2, "configured": True}
    assert train == {"status": 2, "configured": False}
