"""Feature spaces of the realism study and the ``reference`` stage, and feature sets at the evaluation size.

A feature space turns a batch (N×3×H×W in [0, 1]) into N×D features; distances between sets are computed in
one (:data:`SPACE_OF`; the formulas: :mod:`flipnet_bench.metrics.frechet`, :mod:`flipnet_bench.metrics.kid`).
Adding a space is registering one builder in :data:`FEATURE_SPACES`. The ``reference`` stage uses
:func:`set_features` (FID statistics of the HQ split); the degradation-realism study
(:mod:`flipnet_bench.report.realism_study`, at native pixel scale) uses the spaces and the file selection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from flipnet_bench.errors import BenchError
from flipnet_bench.io import list_images, read_image, to_tensor, to_uint8
from flipnet_bench.io.names import safe_name
from flipnet_bench.registry import Registry
from flipnet_bench.report.evaluate import resize_image

FeatureFn = Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class FeatureSpace:
    """A feature space: its width and a builder of the batch → features function (built on first use, since
    building may load network weights)."""

    dim: int
    build: Callable[[], FeatureFn]


FEATURE_SPACES: Registry[FeatureSpace] = Registry("realism feature space")


def feature_space(name: str, dim: int) -> Callable[[Callable[[], FeatureFn]], Callable[[], FeatureFn]]:
    """Decorator: register the builder below as feature space ``name`` of width ``dim``."""

    def add(build: Callable[[], FeatureFn]) -> Callable[[], FeatureFn]:
        FEATURE_SPACES.register(name, FeatureSpace(dim, build))
        return build

    return add


@feature_space("inception", dim=2048)
def inception_features() -> FeatureFn:
    """The FID Inception pool features (the network's own 299² resize)."""
    from flipnet_bench.metrics.inception import load_fid_inception

    model = load_fid_inception()
    return lambda x: model(x, dims=(2048,))[2048]


@feature_space("niqe", dim=36)
def niqe_features() -> FeatureFn:
    """NIQE's natural-scene statistics (weight-free; responds to blur, noise and blocking)."""
    from flipnet_bench.metrics.niqe import niqe_features as features

    return features


@feature_space("deg", dim=5)
def deg_features() -> FeatureFn:
    """Sharpness, noise and blocking (weight-free; defined to respond to degradation, not content)."""
    from flipnet_bench.report.degradation_features import degradation_features

    return degradation_features


#: distance → the feature space it is computed in
SPACE_OF = {"fd_deg": "deg", "fd_niqe": "niqe", "fid": "inception", "kid": "inception"}


def feature_extractors(metrics: list[str]) -> dict[str, FeatureFn]:
    """Batch → features for each distance of ``metrics`` (each space built once, shared by its distances)."""
    unknown = sorted(set(metrics) - set(SPACE_OF))
    if unknown:
        raise BenchError(f"realism.metrics: {unknown} not supported; choose from {sorted(SPACE_OF)}")
    built = {
        space: FEATURE_SPACES.get(space).build() for space in dict.fromkeys(SPACE_OF[m] for m in metrics)
    }
    return {m: built[SPACE_OF[m]] for m in metrics}


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
