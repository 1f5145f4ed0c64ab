"""Where weight files are cached: a leaf module (the sources and the manager both need it)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """``$FLIPNET_BENCH_WEIGHTS``, else ``$TORCH_HOME/flipnet_bench`` (``TORCH_HOME`` ~/.cache/torch)."""
    explicit = os.environ.get("FLIPNET_BENCH_WEIGHTS")
    if explicit:
        return Path(explicit).expanduser()
    torch_home = os.environ.get("TORCH_HOME") or os.path.join("~", ".cache", "torch")
    return Path(torch_home).expanduser() / "flipnet_bench"
