"""FID: Fréchet distance between Inception-v3 feature Gaussians of predictions and a reference.

The reference is, in order of precedence: a statistics file (``ref_stats``, pytorch-fid .npz with
``mu``/``sigma``, e.g. FFHQ), a folder of images (``ref_dir``), or the ground truth of the scored pairs
("FID vs GT").
Reference statistics are running sums (memory O(D²)); prediction features are kept (8 KB per image at
2048-d) because the 95% interval is a bootstrap over prediction images: ``bootstrap_reps`` seeded resamples
(default 10). The distance uses :class:`~flipnet_bench.metrics.frechet.FrechetToReference` (the formula of
pytorch-fid's ``sqrtm`` route, via one symmetric eigendecomposition of the reference covariance; equal to
rounding, ~4× faster here, and each resample then costs only an n×n eigenvalue problem).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from flipnet_bench.errors import BenchError
from flipnet_bench.metrics.base import Batch, Metric, MetricResult
from flipnet_bench.metrics.frechet import FeatureStats, FrechetToReference, load_stats
from flipnet_bench.metrics.inception import (
    FEATURE_DIMS,
    WEIGHT_NAME,
    Scaling,
    batch_features,
    folder_features,
)
from flipnet_bench.weights import get_spec


class InceptionMetric(Metric):
    """Shared plumbing of FID and KID: feature extraction, the reference choice, the definition."""

    higher_is_better = False

    def __init__(
        self,
        ref_dir: str | Path | None = None,
        dims: int = 2048,
        scaling: Scaling = "pytorch_fid",
        device: str = "cpu",
        batch_size: int = 16,
    ) -> None:
        if dims not in FEATURE_DIMS:
            raise BenchError(f"{self.name}: dims={dims} unknown; choose from {FEATURE_DIMS}")
        self.ref_dir = Path(ref_dir) if ref_dir else None
        self.dims, self.scaling, self.device, self.batch_size = dims, scaling, device, batch_size
        self.requires = frozenset() if self.has_fixed_reference else frozenset({"gt"})  # type: ignore[misc]
        super().__init__()

    @property
    def has_fixed_reference(self) -> bool:
        return self.ref_dir is not None

    def reset(self) -> None:
        self._pred: list[np.ndarray] = []
        self._gt: list[np.ndarray] = []

    def update(self, batch: Batch) -> None:
        self._pred.append(batch_features(batch, "pred", self.dims, self.scaling, self.device))
        if not self.has_fixed_reference:
            if batch.gt is None:
                raise BenchError(f"metric {self.name!r} needs --gt images, --ref DIR or --ref-stats FILE")
            self._gt.append(batch_features(batch, "gt", self.dims, self.scaling, self.device))

    def pred_features(self) -> np.ndarray:
        if not self._pred:
            raise BenchError(f"{self.name}: no images were scored")
        return np.concatenate(self._pred).astype(np.float64)

    def reference_features(self) -> tuple[np.ndarray, str]:
        if self.ref_dir is not None:
            feats = folder_features(self.ref_dir, self.dims, self.scaling, self.device, self.batch_size)
            return feats.astype(np.float64), f"folder {self.ref_dir}"
        return np.concatenate(self._gt).astype(np.float64), "ground truth of the scored pairs"

    def definition(self) -> dict[str, Any]:
        return {
            **super().definition(),
            "name": self.name,
            "network": "Inception-v3, TF 2015-12-05 FID weights (as pytorch-fid)",
            "weights_sha256": get_spec(WEIGHT_NAME).sha256,
            "features": f"{self.dims}-d pooled",
            "resize": "bilinear to 299x299, align_corners=False, no antialias (pytorch-fid legacy)",
            "input_range": "[0, 1] RGB scaled to [-1, 1]"
            if self.scaling == "pytorch_fid"
            else "[0, 1] RGB as (255x - 128) / 128 (torch-fidelity)",
        }


class FID(InceptionMetric):
    name = "fid"

    def __init__(
        self,
        ref_dir: str | Path | None = None,
        ref_stats: str | Path | None = None,
        bootstrap_reps: int = 10,
        seed: int = 0,
        **kwargs: Any,
    ) -> None:
        self.ref_stats = Path(ref_stats) if ref_stats else None
        self.bootstrap_reps, self.seed = bootstrap_reps, seed
        super().__init__(ref_dir=ref_dir, **kwargs)

    @property
    def has_fixed_reference(self) -> bool:
        return self.ref_stats is not None or self.ref_dir is not None

    def _reference(self) -> tuple[np.ndarray, np.ndarray, str, int | None]:
        if self.ref_stats is not None:
            mu, sigma = load_stats(self.ref_stats)
            return mu, sigma, f"statistics file {self.ref_stats}", None
        feats, where = self.reference_features()
        stats = FeatureStats()
        stats.update(feats)
        return stats.mu, stats.sigma, where, stats.count

    def compute(self) -> MetricResult:
        pred = self.pred_features()
        if len(pred) < 2:
            raise BenchError(f"fid needs at least 2 images, got {len(pred)}")
        mu_ref, sigma_ref, where, n_ref = self._reference()
        if len(mu_ref) != pred.shape[1]:
            raise BenchError(f"fid: reference has {len(mu_ref)}-d statistics but dims={pred.shape[1]}")
        to_ref = FrechetToReference(mu_ref, sigma_ref)
        value = to_ref.distance(pred)
        ci = None
        if self.bootstrap_reps > 1:
            rng = np.random.default_rng(self.seed)
            reps = [
                to_ref.distance(pred[rng.integers(0, len(pred), len(pred))])
                for _ in range(self.bootstrap_reps)
            ]
            low, high = np.percentile(reps, [2.5, 97.5])
            ci = (float(low), float(high))
        notes = [f"reference: {where}" + (f" ({n_ref} images)" if n_ref else "")]
        if len(pred) < self.dims:
            notes.append(
                f"{len(pred)} images < {self.dims} feature dims: covariance is rank-deficient, FID biased up"
            )
        if ci is not None:
            notes.append(f"ci95: bootstrap over prediction images, {self.bootstrap_reps} resamples")
        extra = {"reference": where, "n_reference": n_ref}
        return MetricResult(value, ci, len(pred), None, notes, extra)

    def definition(self) -> dict[str, Any]:
        ref = str(self.ref_stats or self.ref_dir or "ground truth of the scored pairs")
        return {**super().definition(), "reference": ref, "bootstrap_reps": self.bootstrap_reps}
