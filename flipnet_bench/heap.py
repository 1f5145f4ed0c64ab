"""Heap settings for scoring and degradation (docs/performance.md, "Memory allocation").

Scoring keeps RSS flat in the number of images by fixing glibc's mmap threshold at 1 MiB (docs/metrics.md,
"Memory"): every block of 1 MiB or more gets a mapping of its own, unmapped on ``free``, and fixing the
threshold also fixes the trim threshold at 128 KiB, so freed memory at the heap's top goes back to the kernel
too. A loop that allocates and frees the same activations for every batch then faults each page in again:
``flipnet-bench score`` on 200 pairs at 192² took 33 million minor page faults, 62 s of system CPU against
142 s of user CPU. :func:`configure` keeps the 1 MiB threshold and stops the re-faulting: a 256 MiB top pad
and trimming only above 4 GiB keep the heap's freed top in the process, and torch is asked for transparent
huge pages on its large CPU tensors (``THP_MEM_ALLOC_ENABLE``: one fault per 2 MiB instead of per 4 KiB).
Measured on 50 of those pairs with nothing else running: 0.30 M faults against 8.5 M, 23.6 s against
28.8-29.6 s wall, peak RSS 1.51 against 1.33 GB; scoring 100 and 1000 images peaks at 927 and 936 MiB
(``benchmarks/score_memory.json``). Values are unchanged: only where memory comes from differs.

Training is left with glibc's defaults (``cli.HEAP_COMMANDS``): their adaptive mmap threshold reuses its large
buffers from the heap, and with these settings a training step took 1.4-1.6x as long.

A user's own ``MALLOC_*_`` or ``THP_MEM_ALLOC_ENABLE`` environment variables take precedence, and
``FLIPNET_BENCH_HEAP=default`` leaves the allocator as it is. Only glibc is tuned; elsewhere nothing changes.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys

#: mallopt parameter numbers (glibc malloc.h) and the values set.
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
SETTINGS = {
    "MALLOC_TRIM_THRESHOLD_": (M_TRIM_THRESHOLD, 4 << 30),
    "MALLOC_TOP_PAD_": (M_TOP_PAD, 256 << 20),
    "MALLOC_MMAP_THRESHOLD_": (M_MMAP_THRESHOLD, 1 << 20),
}
OPT_OUT = "FLIPNET_BENCH_HEAP"


@functools.cache
def configure() -> tuple[str, ...]:
    """Apply the settings above for the rest of the process (once); returns the names of those applied."""
    if os.environ.get(OPT_OUT) == "default":
        return ()
    applied = []
    if "THP_MEM_ALLOC_ENABLE" not in os.environ:  # read by torch at its first large CPU allocation
        os.environ["THP_MEM_ALLOC_ENABLE"] = "1"
        applied.append("THP_MEM_ALLOC_ENABLE")
    libc = _glibc()
    if libc is None:
        return tuple(applied)
    for env, (param, value) in SETTINGS.items():
        if env not in os.environ and libc.mallopt(param, value) == 1:
            applied.append(env)
    return tuple(applied)


def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")  # glibc's soname; find_library would spawn ldconfig (21 ms)
        libc.gnu_get_libc_version  # noqa: B018 - only glibc has it (musl has mallopt as a no-op)
    except (OSError, AttributeError):
        return None
    libc.mallopt.argtypes, libc.mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return libc
