"""Per-image Inception features of a scored run, saved beside ``scores.json`` as ``features.npz``.

FID and KID have no per-image values; a paired comparison of two runs resamples their images jointly, which
needs each image's feature vector (and the GT's, for FID vs the GT). Stored as ``<metric>/<array>`` entries,
float32, no pickles.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from flipnet_bench.errors import BenchError
from flipnet_bench.io import atomic_path

FEATURES_FILE = "features.npz"


def save_features(path: str | Path, arrays: dict[str, dict[str, np.ndarray]]) -> None:
    """Write ``metric → name → array`` as one .npz (atomically); nothing is written when empty."""
    flat = {f"{metric}/{name}": value for metric, named in arrays.items() for name, value in named.items()}
    if not flat:
        return
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez(handle, **flat)


def load_features(path: str | Path) -> dict[str, dict[str, np.ndarray]]:
    """Read what :func:`save_features` wrote (``{}`` when the file does not exist)."""
    path = Path(path)
    if not path.is_file():
        return {}
    out: dict[str, dict[str, np.ndarray]] = {}
    try:
        with np.load(path, allow_pickle=False) as data:
            for entry in data.files:
                metric, _, name = entry.partition("/")
                out.setdefault(metric, {})[name] = data[entry]
    except (OSError, ValueError) as exc:
        raise BenchError(f"{path}: not a readable features file ({exc}); re-run the score stage") from exc
    return out
