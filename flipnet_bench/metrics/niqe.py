"""``niqe`` (no-reference quality, official LIVE parameters, pyiqa's definition) and ``fd_niqe``.

``fd_niqe`` is the degradation-realism distance: the Fréchet distance between two image sets in NIQE's
36-d natural-scene-statistics space (:func:`niqe_features`, one mean block-feature vector per image). It
needs no learned weights and reacts to blur, noise and compression, which Inception features largely
ignore at face scale; it compares how *degraded* two sets look, not what they depict.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from tqdm import tqdm

from flipnet_bench.errors import BenchError
from flipnet_bench.io import list_images, read_image, to_tensor
from flipnet_bench.metrics.base import Batch, Metric, MetricResult, PerImageMetric, check_range
from flipnet_bench.metrics.frechet import FeatureStats, frechet_distance
from flipnet_bench.metrics.functional.niqe import NIQESizeError, niqe, niqe_features
from flipnet_bench.stats.gram import FrechetSubsets, PairedFrechetSubsets, evaluate_sets, jackknife_sets
from flipnet_bench.stats.intervals import jackknife_interval
from flipnet_bench.weights import get_spec, get_weight_path

WEIGHT_NAME = "niqe_pris_params"


def load_pristine_model(weights_path: str | Path | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(mu (36,), cov (36, 36)) float64 from the verified ``niqe_pris_params`` file (or a local copy)."""
    path = get_weight_path(WEIGHT_NAME, weights_path)
    try:
        with np.load(path) as data:
            mu, cov = data["mu_pris_param"], data["cov_pris_param"]
    except (OSError, KeyError, ValueError) as exc:
        raise BenchError(
            f"{path}: not a NIQE parameter file with mu_pris_param/cov_pris_param ({exc})"
        ) from exc
    return torch.from_numpy(mu.reshape(-1).astype(np.float64)), torch.from_numpy(cov.astype(np.float64))


def _size_error(exc: NIQESizeError, keys: list[str]) -> BenchError:
    shown = ", ".join(repr(k) for k in keys[:3]) + (" ..." if len(keys) > 3 else "")
    return BenchError(f"niqe: {shown}: {exc}; upscale the images or leave niqe/fd_niqe out")


class NIQE(PerImageMetric):
    """Natural Image Quality Evaluator (lower is better), equal to pyiqa 0.1.16's ``niqe`` to ~1e-7.

    Images with too few usable blocks (e.g. flat images: no negative MSCN coefficients) give no value;
    they are excluded from the mean and named in the notes.
    """

    name = "niqe"
    higher_is_better = False
    requires: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, weights_path: str | Path | None = None) -> None:
        self.weights_path = weights_path
        self.mu_pris, self.cov_pris = load_pristine_model(weights_path)
        super().__init__()

    def score(self, batch: Batch) -> torch.Tensor:
        check_range(self.name, batch.pred)
        try:
            values = niqe(batch.pred, self.mu_pris, self.cov_pris)
        except NIQESizeError as exc:
            raise _size_error(exc, batch.keys) from exc
        bad = [k for k, v in zip(batch.keys, values.tolist()) if not np.isfinite(v)]
        if bad:
            self._notes.append(f"no NIQE value (too few blocks with usable statistics): {', '.join(bad)}")
        return values

    def definition(self) -> dict[str, Any]:
        return {
            **super().definition(),
            "reference": "pyiqa 0.1.16 niqe (MATLAB NIQE semantics)",
            "weights": WEIGHT_NAME,
            "weights_sha256": get_spec(WEIGHT_NAME).sha256,
            "channel": "Y of YIQ, 0-255 rounded",
            "blocks": "96x96 (48x48 at scale 1/2, MATLAB bicubic), partial blocks dropped",
            "min_size": "two whole 96x96 blocks (96x192)",
        }


def folder_niqe_features(folder: str | Path, batch_size: int = 16) -> np.ndarray:
    """(N, 36) NIQE features of every image in ``folder`` (same-size images are batched)."""
    paths = list_images(folder)
    if not paths:
        raise BenchError(f"fd_niqe: reference folder {folder} has no images")
    out: list[np.ndarray] = []
    for start in tqdm(
        range(0, len(paths), batch_size), desc=f"niqe features {Path(folder).name}", unit="batch"
    ):
        chunk = paths[start : start + batch_size]
        images = [to_tensor(read_image(p)) for p in chunk]
        try:
            if len({tuple(t.shape) for t in images}) == 1:
                out.append(niqe_features(torch.cat(images)).numpy())
            else:
                out.extend(niqe_features(t).numpy() for t in images)
        except NIQESizeError as exc:
            raise _size_error(exc, [str(p) for p in chunk]) from exc
    return np.concatenate(out)


class FDNIQE(Metric):
    """Fréchet distance between NIQE-feature Gaussians of ``pred`` and a reference set (lower = closer).

    Reference: ``ref_dir`` when given, else the batch's ``reference`` role (``"gt"`` or ``"lq"``); with
    ``reference="auto"`` the GT if present, else the LQ. The 95% interval is a jackknife over images (at most
    ``jackknife_groups`` groups; docs/statistics.md): deleting an image from both sides when the reference is
    the same images' GT/LQ, else from the predictions only. It contains the estimate by construction.
    """

    name = "fd_niqe"
    higher_is_better = False

    def __init__(
        self,
        ref_dir: str | Path | None = None,
        reference: str = "auto",
        jackknife_groups: int = 100,
        batch_size: int = 16,
    ) -> None:
        if reference not in ("auto", "gt", "lq"):
            raise BenchError(f"fd_niqe: reference must be 'auto', 'gt' or 'lq', got {reference!r}")
        self.ref_dir = Path(ref_dir) if ref_dir else None
        self.reference, self.jackknife_groups, self.batch_size = reference, jackknife_groups, batch_size
        if self.ref_dir is None and reference in ("gt", "lq"):
            self.requires = frozenset({reference})  # type: ignore[misc]
        super().__init__()

    def reset(self) -> None:
        self._pred: list[np.ndarray] = []
        self._ref: list[np.ndarray] = []
        self._ref_role: str | None = None

    def _features(self, images: torch.Tensor, keys: list[str]) -> np.ndarray:
        check_range(self.name, images)
        try:
            return niqe_features(images).numpy()
        except NIQESizeError as exc:
            raise _size_error(exc, keys) from exc

    def update(self, batch: Batch) -> None:
        self._pred.append(self._features(batch.pred, batch.keys))
        if self.ref_dir is not None:
            return
        role = self.reference if self.reference != "auto" else ("gt" if batch.gt is not None else "lq")
        ref = getattr(batch, role)
        if ref is None:
            raise BenchError("fd_niqe needs a reference: --gt, --lq or ref_dir")
        if self._ref_role not in (None, role):
            raise BenchError(f"fd_niqe: reference switched from {self._ref_role} to {role} between batches")
        self._ref_role = role
        self._ref.append(self._features(ref, batch.keys))

    @staticmethod
    def _finite(feats: np.ndarray) -> np.ndarray:
        return feats[np.isfinite(feats).all(1)]

    def compute(self) -> MetricResult:
        if not self._pred:
            raise BenchError("fd_niqe: no images were scored")
        pred_all = np.concatenate(self._pred)
        if self.ref_dir is not None:
            ref_all, where = folder_niqe_features(self.ref_dir, self.batch_size), f"folder {self.ref_dir}"
        else:
            ref_all, where = np.concatenate(self._ref), f"the batch's {self._ref_role}"
        pred, ref = self._finite(pred_all), self._finite(ref_all)
        if len(pred) < 2 or len(ref) < 2:
            raise BenchError(
                f"fd_niqe needs at least 2 usable images per set, got {len(pred)} and {len(ref)}"
            )
        stats = FeatureStats()
        stats.update(ref)
        mu_r, sigma_r = stats.mu, stats.sigma
        value = frechet_distance(pred.mean(0), np.cov(pred, rowvar=False), mu_r, sigma_r)
        paired = self.ref_dir is None and len(pred) == len(ref)  # the reference is the same images' GT/LQ
        subsets = PairedFrechetSubsets(pred, ref) if paired else FrechetSubsets(pred, mu_r, sigma_r)
        loo = evaluate_sets(subsets.distance, jackknife_sets(len(pred), self.jackknife_groups))
        ci = jackknife_interval(float(value), loo)
        notes = [f"reference: {where} ({len(ref)} images)"]
        dropped = (len(pred_all) - len(pred), len(ref_all) - len(ref))
        if any(dropped):
            notes.append(
                f"images without finite NIQE features excluded: {dropped[0]} pred, {dropped[1]} reference"
            )
        if min(len(pred), len(ref)) <= 36:
            notes.append("36 or fewer images in a set: covariance is rank-deficient, distance biased up")
        return MetricResult(float(value), ci, len(pred), None, notes)  # type: ignore[arg-type]

    def definition(self) -> dict[str, Any]:
        return {
            **super().definition(),
            "features": "NIQE 36-d NSS features (2 scales x 18), per-image mean over 96x96 blocks",
            "distance": "Frechet distance between Gaussians (float64, scipy sqrtm)",
            "reference": str(self.ref_dir) if self.ref_dir else self.reference,
            "weights": "none",
        }
