"""Degradation realism: how close is each synthesized LQ set to each real-world LQ set?

Distributional check from the protocol: Fréchet distances between image sets in two feature spaces — NIQE's
natural-scene statistics (weight-free, sensitive to blur/noise/compression rather than to content) and
Inception (FID). Features of every set are computed once (same evaluation resize as the scores), then all
synthesized × real pairs are compared. Lower = more like the real degradations.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from flipnet_bench.errors import BenchError
from flipnet_bench.io import list_images, read_image, to_tensor, to_uint8
from flipnet_bench.metrics.frechet import frechet_distance
from flipnet_bench.report.evaluate import resize_image

SUPPORTED = ("fd_niqe", "fid")


def _extractors(metrics: list[str]) -> dict[str, object]:
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


def frechet_from_features(a: np.ndarray, b: np.ndarray) -> float:
    """Squared Fréchet distance between the Gaussians fitted to feature sets ``a`` (n1×D) and ``b`` (n2×D).

    Exact and cheap for small sets: with centred features A, B the non-zero eigenvalues of S_a S_b are the
    squared singular values of A Bᵀ / sqrt((n1-1)(n2-1)), so tr sqrt(S_a S_b) is the nuclear norm of that
    n1×n2 matrix — no D×D matrix square root (seconds to minutes at D = 2048 on a CPU). For n ≥ D the
    standard formula (:func:`flipnet_bench.metrics.frechet.frechet_distance`) is used.
    """
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if len(a) < 2 or len(b) < 2:
        raise BenchError(f"Fréchet distance needs ≥ 2 images per set, got {len(a)} and {len(b)}")
    if min(len(a), len(b)) >= a.shape[1]:
        return frechet_distance(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))
    ca, cb = a - a.mean(0), b - b.mean(0)
    nuclear = np.linalg.svd(ca @ cb.T, compute_uv=False).sum() / np.sqrt((len(a) - 1) * (len(b) - 1))
    diff = a.mean(0) - b.mean(0)
    trace = (ca**2).sum() / (len(a) - 1) + (cb**2).sum() / (len(b) - 1)
    return float(diff @ diff + trace - 2 * nuclear)


@torch.no_grad()
def set_features(
    folder: Path, metrics: list[str], eval_size: int, max_images: int, seed: int, batch_size: int = 16
) -> dict[str, np.ndarray]:
    """Features (N×D, float64) of one image set for every requested feature space."""
    extract = _extractors(metrics)
    feats: dict[str, list[np.ndarray]] = {m: [] for m in metrics}
    files = select_files(folder, max_images, seed)
    for start in tqdm(range(0, len(files), batch_size), desc=f"features {folder}", leave=False):
        batch = to_tensor([read_image(p) for p in files[start : start + batch_size]])
        if len({tuple(t.shape) for t in batch}) > 1:
            raise BenchError(f"{folder}: images of different sizes; realism needs one size per set")
        batch = to_tensor(to_uint8(resize_image(batch, eval_size)))  # quantised exactly as scored images
        for name, fn in extract.items():
            feats[name].append(fn(batch).double().cpu().numpy())
    return {name: np.concatenate(parts) for name, parts in feats.items()}


def realism_table(
    synthesized: dict[str, Path],
    real: dict[str, Path],
    metrics: list[str],
    eval_size: int,
    max_images: int,
    seed: int,
) -> dict[str, dict[str, dict[str, float]]]:
    """``result[metric][synth_name][real_alias]`` = Fréchet distance (features computed once per set)."""
    feats = {("s", k): set_features(v, metrics, eval_size, max_images, seed) for k, v in synthesized.items()}
    feats.update({("r", k): set_features(v, metrics, eval_size, max_images, seed) for k, v in real.items()})
    result: dict[str, dict[str, dict[str, float]]] = {m: {} for m in metrics}
    for m in metrics:
        for s in synthesized:
            result[m][s] = {r: frechet_from_features(feats[("s", s)][m], feats[("r", r)][m]) for r in real}
    return result
