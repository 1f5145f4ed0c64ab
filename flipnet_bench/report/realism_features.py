"""Images and features of the realism study, at the images' own pixel scale.

Feature spaces (defined in docs/realism.md; registered in ``report.realism.FEATURE_SPACES``): ``niqe`` —
NIQE's 36 natural-scene statistics (mean over 96-px blocks at two scales; weight-free, responds to blur,
noise and blocking) for ``fd_niqe``; ``inception`` — the 2048-d FID Inception pool features (the network's
own 299² resize) for ``fid`` and ``kid``; ``deg`` — five sharpness, noise and blocking features
(:mod:`flipnet_bench.report.degradation_features`) for ``fd_deg``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from flipnet_bench.errors import BenchError
from flipnet_bench.report.realism import FEATURE_SPACES, select_files


def load_images(folder: Path, max_images: int, seed: int) -> list[np.ndarray]:
    """uint8 RGB images of ``folder``: all, or a seeded subset of ``max_images`` (the same for one seed)."""
    from flipnet_bench.io import read_image

    if not Path(folder).is_dir():
        raise BenchError(f"realism: {folder} is not a folder of images")
    return [read_image(p) for p in select_files(Path(folder), max_images, seed)]


def centre_tiles(images: list[np.ndarray], size: int) -> torch.Tensor:
    """The centre ``size``² crop of each image (all of one size, at least ``size`` px on each side), as a
    float N×3×size×size tensor in [0, 1]: the face tiles of the degradation-mode diagnostics."""
    from flipnet_bench.io import to_tensor

    hq = to_tensor(images)
    h, w = hq.shape[-2:]
    if min(h, w) < size:
        raise BenchError(f"images of {h}×{w} px have no centre tile of {size}²")
    top, left = (h - size) // 2, (w - size) // 2
    return hq[:, :, top : top + size, left : left + size]


def _by_size(images: list[np.ndarray]) -> dict[tuple[int, ...], list[int]]:
    groups: dict[tuple[int, ...], list[int]] = {}
    for i, img in enumerate(images):
        groups.setdefault(img.shape, []).append(i)
    return groups


@torch.no_grad()
def extract(
    images: list[np.ndarray], spaces: list[str], eval_size: int | None, name: str, batch_size: int = 16
) -> dict[str, np.ndarray]:
    """Features (N×D float64) per space; images whose NIQE features are undefined (flat) are dropped."""
    from flipnet_bench.io import to_tensor, to_uint8
    from flipnet_bench.metrics.functional.niqe import NIQESizeError
    from flipnet_bench.report.evaluate import resize_image

    fns: dict[str, Any] = {s: FEATURE_SPACES.get(s).build() for s in spaces}
    out = {s: np.zeros((len(images), FEATURE_SPACES.get(s).dim)) for s in spaces}
    for idx in _by_size(images).values():
        for start in range(0, len(idx), batch_size):
            part = idx[start : start + batch_size]
            batch = to_tensor([images[i] for i in part])
            if eval_size is not None:
                batch = to_tensor(to_uint8(resize_image(batch, eval_size)))
            for space, fn in fns.items():
                try:
                    out[space][part] = fn(batch).double().cpu().numpy()
                except NIQESizeError as exc:
                    raise BenchError(f"realism: {name}: {exc}; use larger crops or set an eval size") from exc
    keep = np.all([np.isfinite(f).all(1) for f in out.values()], axis=0) if out else np.ones(0, bool)
    if len(images) and not keep.any():
        raise BenchError(f"realism: {name}: no image has defined features (flat images?)")
    return {s: f[keep] for s, f in out.items()}


def synthesize(
    images: list[np.ndarray], model: str, kwargs: dict[str, Any], seed: int, pixel_scale: float | None
) -> list[np.ndarray]:
    """Degrade clean images with a registered model at the study's scale (image ``i`` uses index ``i``)."""
    from flipnet_bench.degrade import create_degradation
    from flipnet_bench.io import to_tensor, to_uint8

    options = dict(kwargs)
    if model in ("classic", "realesrgan"):
        options["pixel_scale"] = pixel_scale
    deg = create_degradation(model, **options)
    out: list[np.ndarray] = [np.empty(0, np.uint8)] * len(images)
    for idx in _by_size(images).values():
        lq, _ = deg(to_tensor([images[i] for i in idx]), idx, seed)
        for i, img in zip(idx, to_uint8(lq)):
            out[i] = img
    return out
