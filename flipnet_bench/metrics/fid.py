"""FID: Fréchet distance between Inception-v3 feature Gaussians of predictions and a reference.

The reference is, in order of precedence: a statistics file (``ref_stats``, pytorch-fid .npz with
``mu``/``sigma``, or basicsr's torch-pickled .pth with ``mean``/``cov``, e.g. FFHQ), a folder of images
(``ref_dir``), or the ground truth of the scored pairs ("FID vs GT").
Reference statistics are running sums (memory O(D²)); prediction features are kept (8 KB per image at
2048-d) for the 95% interval: a jackknife over images (:mod:`flipnet_bench.stats.intervals`; a
with-replacement bootstrap duplicates images and biases FID upward, see docs/statistics.md).
The distance uses :class:`~flipnet_bench.metrics.frechet.FrechetToReference` (the formula of
pytorch-fid's ``sqrtm`` route, via one symmetric eigendecomposition of the reference covariance; equal to
rounding, ~4× faster here, and each resample then costs only an n×n eigenvalue problem).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from flipnet_bench.errors import BenchError
from flipnet_bench.metrics.base import Batch, Metric, MetricResult
from flipnet_bench.metrics.frechet import FeatureStats, FrechetToReference, check_gaussian, load_stats
from flipnet_bench.metrics.inception import (
    FEATURE_DIMS,
    WEIGHT_NAME,
    Scaling,
    batch_features,
    folder_features,
)
from flipnet_bench.stats.gram import FrechetSubsets, PairedFrechetSubsets, evaluate_sets, jackknife_sets
from flipnet_bench.stats.intervals import jackknife_interval
from flipnet_bench.weights import get_spec

#: Suffixes read as torch-pickled statistics (basicsr's ``inception_FFHQ_512-f7b384ab.pth``: mean/cov).
TORCH_STATS_SUFFIXES = (".pth", ".pt")


def _numpy_allowlist() -> list[Any]:
    """The globals a pickled float ndarray needs, under numpy 2's and numpy 1's module names, and no more."""
    import numpy._core.multiarray as multiarray

    rebuild = multiarray._reconstruct
    dtypes = [type(np.dtype(code)) for code in ("f2", "f4", "f8", "i4", "i8")]
    return [np.ndarray, np.dtype, rebuild, (rebuild, "numpy.core.multiarray._reconstruct"), *dtypes]


def load_reference_stats(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """``(mu, sigma)`` float64 from a pytorch-fid ``.npz`` (mu/sigma) or a basicsr ``.pth`` (mean/cov).

    The ``.pth`` is read with ``torch.load(weights_only=True)`` and an allowlist of numpy's array
    reconstruction only, so a file carrying any other object (code) is refused, never executed.
    """
    path = Path(path)
    if path.suffix.lower() not in TORCH_STATS_SUFFIXES:
        return load_stats(path)
    if not path.is_file():
        raise BenchError(f"statistics file {path} not found")
    import pickle

    import torch

    try:
        with torch.serialization.safe_globals(_numpy_allowlist()):
            data = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, OSError, EOFError, ValueError) as exc:
        raise BenchError(
            f"{path}: refused or unreadable as FID statistics (only a dict of arrays 'mean'/'cov' is "
            f"accepted; {type(exc).__name__}: {str(exc).splitlines()[0][:200]})"
        ) from exc
    if not isinstance(data, dict) or not {"mean", "cov"} <= set(data):
        keys = sorted(data) if isinstance(data, dict) else type(data).__name__
        raise BenchError(f"{path}: expected a dict with 'mean' and 'cov' (basicsr format), found {keys}")
    mu, sigma = (np.asarray(torch.as_tensor(data[k]).double().numpy()) for k in ("mean", "cov"))
    if mu.ndim != 1 or sigma.shape != (len(mu), len(mu)):
        raise BenchError(f"{path}: mean has shape {mu.shape} and cov {sigma.shape}; expected (D,) and (D, D)")
    check_gaussian(path, mu, sigma)
    return mu, sigma


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
        jackknife_groups: int = 100,
    ) -> None:
        if dims not in FEATURE_DIMS:
            raise BenchError(f"{self.name}: dims={dims} unknown; choose from {FEATURE_DIMS}")
        self.ref_dir = Path(ref_dir) if ref_dir else None
        self.dims, self.scaling, self.device, self.batch_size = dims, scaling, device, batch_size
        self.jackknife_groups = jackknife_groups
        self.requires = frozenset() if self.has_fixed_reference else frozenset({"gt"})  # type: ignore[misc]
        super().__init__()

    @property
    def has_fixed_reference(self) -> bool:
        return self.ref_dir is not None

    def reset(self) -> None:
        self._pred: list[np.ndarray] = []
        self._gt: list[np.ndarray] = []
        self._keys: list[str] = []

    def update(self, batch: Batch) -> None:
        self._keys.extend(batch.keys)
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

    def interval(self, estimate: float, subsets: Any, n: int) -> tuple[tuple[float, float] | None, str]:
        """Jackknife 95% interval of ``estimate`` over the n images (``subsets``: a ``stats.gram`` class)."""
        sets = jackknife_sets(n, self.jackknife_groups)
        ci = jackknife_interval(estimate, evaluate_sets(subsets.distance, sets))
        return ci, f"ci95: jackknife over images ({len(sets)} groups), t quantile; contains the estimate"

    def feature_arrays(self, pred: np.ndarray) -> dict[str, np.ndarray]:
        """Per-image features for paired comparisons (``compare``): keys, predictions and GT if used."""
        keys = self._keys if len(self._keys) == len(pred) else [str(i) for i in range(len(pred))]
        arrays = {"keys": np.array(keys), "pred": pred.astype(np.float32)}
        if self.ref_dir is not None:
            arrays["ref"] = self.reference_features()[0].astype(np.float32)
        elif not self.has_fixed_reference:
            arrays["gt"] = np.concatenate(self._gt).astype(np.float32)
        return arrays

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
        **kwargs: Any,
    ) -> None:
        self.ref_stats = Path(ref_stats) if ref_stats else None
        super().__init__(ref_dir=ref_dir, **kwargs)

    @property
    def has_fixed_reference(self) -> bool:
        return self.ref_stats is not None or self.ref_dir is not None

    def _reference(self) -> tuple[np.ndarray, np.ndarray, str, int | None]:
        if self.ref_stats is not None:
            mu, sigma = load_reference_stats(self.ref_stats)
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
        value = FrechetToReference(mu_ref, sigma_ref).distance(pred)
        if n_ref is None or self.ref_dir is not None:  # fixed reference: only the predictions vary
            subsets: Any = FrechetSubsets(pred, mu_ref, sigma_ref)
        else:  # FID vs the GT of the same images: delete each image from both sides
            subsets = PairedFrechetSubsets(pred, self.reference_features()[0])
        ci, how = self.interval(value, subsets, len(pred))
        notes = [f"reference: {where}" + (f" ({n_ref} images)" if n_ref else "")]
        if len(pred) < self.dims:
            notes.append(
                f"{len(pred)} images < {self.dims} feature dims: covariance is rank-deficient, FID biased "
                "up; the interval is about FID at this n (compare methods at equal n only)"
            )
        notes.append(how)
        extra = {"reference": where, "n_reference": n_ref}
        if self.ref_stats is not None:
            extra["reference_stats"] = str(self.ref_stats)
        return MetricResult(value, ci, len(pred), None, notes, extra, self.feature_arrays(pred))

    def definition(self) -> dict[str, Any]:
        ref = str(self.ref_stats or self.ref_dir or "ground truth of the scored pairs")
        return {**super().definition(), "reference": ref, "interval": "jackknife over images, t quantile"}
