"""Feature sets at the evaluation size (their Fréchet distances: :mod:`flipnet_bench.metrics.frechet`).

Used by the ``reference`` stage (FID statistics of the HQ split) and, for its file selection, by the
degradation-realism study (:mod:`flipnet_bench.report.realism_study`, which works at native pixel scale).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from flipnet_bench.errors import BenchError
from flipnet_bench.io import list_images, read_image, to_tensor, to_uint8
from flipnet_bench.io.names import safe_name
from flipnet_bench.report.evaluate import resize_image

SUPPORTED = ("fd_niqe", "fid")


def feature_extractors(metrics: list[str]) -> dict[str, object]:
    """Batch → features for each of ``fd_niqe`` (NIQE's 36-d statistics) and ``fid`` (Inception pool)."""
    unknown = sorted(set(metrics) - set(SUPPORTED))
    if unknown:
        raise BenchError(f"realism.metrics: {unknown} not supported; choose from {list(SUPPORTED)}")
    out: dict[str, object] = {}
    if "fid" in metrics:
        from flipnet_bench.metrics.inception import load_fid_inception

        model = load_fid_inception()
        out["fid"] = lambda x: model(x, dims=(2048,))[2048]
    if "fd_niqe" in metrics:
        from flipnet_bench.metrics.niqe import niqe_features

        out["fd_niqe"] = niqe_features
    return out


def select_files(folder: Path, max_images: int, seed: int) -> list[Path]:
    """All images, or a seeded random subset of ``max_images`` (sorted, so the choice is reproducible)."""
    files = list_images(folder, recursive=True)
    if len(files) <= max_images:
        return files
    rng = np.random.default_rng(seed)
    return sorted(files[i] for i in rng.choice(len(files), size=max_images, replace=False))


@torch.no_grad()
def set_features(
    folder: Path, metrics: list[str], eval_size: int, max_images: int, seed: int, batch_size: int = 16
) -> dict[str, np.ndarray]:
    """Features (N×D, float64) of one image set for every requested feature space."""
    extract = feature_extractors(metrics)
    feats: dict[str, list[np.ndarray]] = {m: [] for m in metrics}
    files = select_files(folder, max_images, seed)
    for start in tqdm(range(0, len(files), batch_size), desc=f"features {folder}", leave=False):
        chunk = files[start : start + batch_size]
        images = [read_image(p) for p in chunk]
        odd = next((p for p, im in zip(chunk, images) if im.shape != images[0].shape), None)
        if odd is not None:
            raise BenchError(
                f"{safe_name(odd)}: size differs from {safe_name(chunk[0])}; realism needs one size per set"
            )
        batch = to_tensor(images)
        batch = to_tensor(to_uint8(resize_image(batch, eval_size)))  # quantised exactly as scored images
        for name, fn in extract.items():
            feats[name].append(fn(batch).double().cpu().numpy())
    return {name: np.concatenate(parts) for name, parts in feats.items()}
