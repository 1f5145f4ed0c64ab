"""The degradation calls of a ``degrade`` run: whole images on a worker thread, or batches on the caller.

Per-image models (:class:`~flipnet_bench.degrade.base.SampledDegradation`) are degraded one file per task, so
the runner's I/O threads use every core; batched models (networks) get one call per image size. The bytes
are the same either way: each image's output depends only on its run seed, index and pixels.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from flipnet_bench.degrade.base import Degradation
from flipnet_bench.errors import BenchError
from flipnet_bench.io import read_image, to_tensor, to_uint8

if TYPE_CHECKING:
    import torch

#: One image's outcome: its decoded HQ pixels and, per variant made, the ``uint8`` LQ pixels and drawn params.
Result = tuple[np.ndarray, dict[int, tuple[np.ndarray, dict[str, Any]]]]


def degraded(
    deg: Degradation, batch: torch.Tensor, indices: list[int], call_seed: int
) -> list[tuple[np.ndarray, dict[str, Any]]]:
    """Degrade a batch under one run seed: per image, (``uint8`` LQ, params)."""
    lq, params = deg(batch, indices, seed=call_seed)
    if len(params) != len(indices) or tuple(lq.shape) != tuple(batch.shape):
        raise BenchError(f"degradation {deg.name!r} returned {tuple(lq.shape)} for {tuple(batch.shape)}")
    return list(zip(to_uint8(lq), params))


def degrade_file(
    deg: Degradation, path: Path, index: int, seeds: dict[int, int], opencv: bool = False
) -> Result:
    """Decode one HQ file and degrade it under each wanted variant's seed (a whole image on one worker
    thread): with ``opencv`` through the model's OpenCV chain (``degrade_pixels``; the runner decides, from
    the run's ``backend``), else through its tensor path."""
    pixels = read_image(path)
    if opencv:
        return pixels, {variant: deg.degrade_pixels(pixels, index, s) for variant, s in seeds.items()}
    planar = planar_tensor(pixels)
    return pixels, {variant: degraded(deg, planar, [index], s)[0] for variant, s in seeds.items()}


def planar_tensor(pixels: np.ndarray) -> torch.Tensor:
    """One ``uint8`` HWC image → ``(1, 3, H, W)`` float32: the values of :func:`to_tensor`, in the memory
    layout per-image models copy every image to anyway (transposing the 8-bit pixels first is ~3× cheaper:
    1.2 vs 3.7 ms at 512²)."""
    import torch

    return torch.from_numpy(np.ascontiguousarray(pixels.transpose(2, 0, 1)[None])).float().div_(255.0)


def degrade_batches(
    deg: Degradation, pixels: dict[int, np.ndarray], seeds: dict[int, dict[int, int]]
) -> dict[int, Result]:
    """Batched models: one call per variant and image size (``seeds``: image → wanted variant → run seed),
    on the calling thread."""
    results: dict[int, Result] = {i: (arr, {}) for i, arr in pixels.items()}
    for variant in sorted({v for i in pixels for v in seeds[i]}):
        group = [i for i in pixels if variant in seeds[i]]
        for shape in sorted({pixels[i].shape for i in group}):
            same = [i for i in group if pixels[i].shape == shape]
            call_seed = seeds[same[0]][variant]
            batch = to_tensor([pixels[i] for i in same])
            for i, made in zip(same, degraded(deg, batch, same, call_seed)):
                results[i][1][variant] = made
    return results
