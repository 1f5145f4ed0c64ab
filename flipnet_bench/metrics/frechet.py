"""Fréchet distance between Gaussians, and running feature statistics (shared by FID and FD-NIQE).

``d² = |mu1 - mu2|² + tr(S1) + tr(S2) - 2 tr(sqrt(S1 S2))``. The matrix square root is scipy's ``sqrtm``
(as pytorch-fid). Two documented numerical guards, the same as pytorch-fid's: if the product is singular
and ``sqrtm`` returns non-finite values, ``eps`` is added to both diagonals and it is retried; a complex
result whose imaginary part is rounding noise (max |imag| < 1e-3) is replaced by its real part, anything
larger is an error rather than a silently wrong number. Everything is computed in float64.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch
from scipy import linalg

from flipnet_bench.errors import BenchError
from flipnet_bench.io import atomic_path
from flipnet_bench.stats.gram import FrechetSubsets


def frechet_distance(
    mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray, eps: float = 1e-6
) -> float:
    """Squared Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2) (float64, see module doc)."""
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    sigma1, sigma2 = (
        np.atleast_2d(np.asarray(sigma1, np.float64)),
        np.atleast_2d(np.asarray(sigma2, np.float64)),
    )
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != (len(mu1), len(mu1)):
        raise BenchError(
            f"Fréchet distance: shapes differ (mu {mu1.shape} vs {mu2.shape}, sigma {sigma1.shape} vs "
            f"{sigma2.shape}); were the statistics computed with the same feature extractor?"
        )
    diff = mu1 - mu2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # singular products are handled below
        covmean = linalg.sqrtm(sigma1 @ sigma2)
    if not np.isfinite(covmean).all():
        offset = np.eye(len(mu1)) * eps
        covmean = linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise BenchError(
                f"Fréchet distance: matrix square root has imaginary component "
                f"{np.max(np.abs(covmean.imag)):.3g}; too few samples for the feature dimension?"
            )
        covmean = covmean.real
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


class FeatureStats:
    """Running first and second moments of feature vectors: memory O(D²), independent of the image count.

    Sums are float64, so the order of batches changes the result only at rounding level. ``sigma`` is the
    unbiased covariance (``np.cov`` convention, as pytorch-fid and torchmetrics).
    """

    def __init__(self, dim: int | None = None) -> None:
        self.count = 0
        self._sum: np.ndarray | None = None if dim is None else np.zeros(dim)
        self._outer: np.ndarray | None = None if dim is None else np.zeros((dim, dim))

    @property
    def dim(self) -> int | None:
        return None if self._sum is None else len(self._sum)

    def update(self, features: np.ndarray | torch.Tensor) -> None:
        """Add a (N, D) batch of feature vectors."""
        if isinstance(features, torch.Tensor):
            features = features.detach().cpu().double().numpy()
        feats = np.asarray(features, dtype=np.float64)
        if feats.ndim != 2:
            raise BenchError(f"FeatureStats.update expects (N, D) features, got shape {feats.shape}")
        if self._sum is None or self._outer is None:
            self._sum, self._outer = np.zeros(feats.shape[1]), np.zeros((feats.shape[1],) * 2)
        if feats.shape[1] != len(self._sum):
            raise BenchError(f"FeatureStats: feature size {feats.shape[1]} != {len(self._sum)}")
        self._sum += feats.sum(0)
        self._outer += feats.T @ feats
        self.count += len(feats)

    def merge(self, other: FeatureStats) -> FeatureStats:
        """Add another accumulator's sums (e.g. from another worker or shard)."""
        if other._sum is None or other._outer is None or other.count == 0:
            return self
        if self._sum is None or self._outer is None:
            self._sum, self._outer = np.zeros_like(other._sum), np.zeros_like(other._outer)
        if len(other._sum) != len(self._sum):
            raise BenchError(f"FeatureStats.merge: feature size {len(other._sum)} != {len(self._sum)}")
        self._sum += other._sum
        self._outer += other._outer
        self.count += other.count
        return self

    @property
    def mu(self) -> np.ndarray:
        if self._sum is None or self.count == 0:
            raise BenchError("FeatureStats: no features were added")
        return self._sum / self.count

    @property
    def sigma(self) -> np.ndarray:
        if self._outer is None or self.count < 2:
            raise BenchError(f"FeatureStats: a covariance needs at least 2 samples, have {self.count}")
        mu = self.mu
        return (self._outer - self.count * np.outer(mu, mu)) / (self.count - 1)

    def save(self, path: str | Path) -> None:
        """Write ``mu``/``sigma``/``count`` as .npz (the pytorch-fid statistics format, plus the count)."""
        with atomic_path(path) as tmp, open(tmp, "wb") as handle:
            np.savez(handle, mu=self.mu, sigma=self.sigma, count=np.int64(self.count))


def load_stats(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Read ``mu``/``sigma`` from a statistics .npz (pytorch-fid format, e.g. FFHQ reference statistics)."""
    path = Path(path)
    if not path.is_file():
        raise BenchError(f"statistics file {path} not found")
    try:
        with np.load(path, allow_pickle=False) as data:
            if "mu" not in data or "sigma" not in data:
                raise BenchError(f"{path}: expected arrays 'mu' and 'sigma', found {sorted(data.files)}")
            mu, sigma = np.asarray(data["mu"], np.float64), np.asarray(data["sigma"], np.float64)
    except (OSError, ValueError) as exc:
        raise BenchError(f"{path}: not a readable .npz statistics file ({exc})") from exc
    if mu.ndim != 1 or sigma.shape != (len(mu), len(mu)):
        raise BenchError(f"{path}: mu has shape {mu.shape} and sigma {sigma.shape}; expected (D,) and (D, D)")
    check_gaussian(path, mu, sigma)
    return mu, sigma


#: Tolerances of :func:`check_gaussian`, relative to ``max |sigma|`` (symmetry) and ``trace(sigma)`` (the
#: jitter under which a Cholesky factorisation must succeed): float32-saved covariances pass, a matrix with
#: a clearly negative eigenvalue (which turns FID negative) does not.
SYMMETRY_TOL = 1e-6
PSD_TOL = 1e-6


def check_gaussian(path: str | Path, mu: np.ndarray, sigma: np.ndarray) -> None:
    """Reference statistics must be finite with a symmetric positive semi-definite covariance (within the
    tolerances above); anything else is a BenchError naming the file, never a silently wrong distance."""
    for name, arr in (("mean", mu), ("covariance", sigma)):
        bad = int(np.size(arr) - np.isfinite(arr).sum())
        if bad:
            raise BenchError(f"{path}: the {name} has {bad} non-finite value(s); not usable statistics")
    scale = float(np.abs(sigma).max(initial=0.0))
    asym = float(np.abs(sigma - sigma.T).max(initial=0.0))
    if asym > SYMMETRY_TOL * max(scale, 1e-12):
        raise BenchError(f"{path}: the covariance is not symmetric (max |S - Sᵀ| = {asym:.3g}, "
                         f"max |S| = {scale:.3g}); not usable statistics")  # fmt: skip
    jitter = PSD_TOL * max(float(np.trace(sigma)), 1e-12)
    try:
        np.linalg.cholesky((sigma + sigma.T) / 2 + jitter * np.eye(len(sigma)))
    except np.linalg.LinAlgError:
        low = float(np.linalg.eigvalsh((sigma + sigma.T) / 2)[0])
        raise BenchError(f"{path}: the covariance is not positive semi-definite (smallest eigenvalue "
                         f"{low:.4g}, trace {np.trace(sigma):.4g})") from None  # fmt: skip


class FrechetToReference:
    """Fréchet distances from feature sets to one fixed reference Gaussian ``N(mu, S)``, without ``sqrtm``.

    Uses ``tr sqrt(S_x S) = sum sqrt(eig(R S_x R))`` with ``R = sqrt(S)``, where
    ``R S_x R = (X_c R)ᵀ (X_c R) / (n-1)`` has the non-zero eigenvalues of the ``n × n`` matrix
    ``X_c S X_cᵀ / (n-1)``; mathematically equal to :func:`frechet_distance`. For ``n ≤ D`` that small
    matrix is the one :class:`flipnet_bench.stats.gram.FrechetSubsets` evaluates for FID's interval subsets,
    so the value is that same code on the full set; for ``n > D`` the ``D × D`` route through ``R`` (one
    symmetric eigendecomposition, done once) is cheaper. Used for the FID value (metrics/fid.py).
    """

    def __init__(self, mu: np.ndarray, sigma: np.ndarray) -> None:
        self.mu = np.asarray(mu, np.float64)
        sigma = np.asarray(sigma, np.float64)
        self.sigma = (sigma + sigma.T) / 2
        self._root: np.ndarray | None = None  # only needed when n > D: no D×D eigh per call otherwise
        self.trace = float(np.trace(sigma))

    @property
    def root(self) -> np.ndarray:
        if self._root is None:
            evals, evecs = np.linalg.eigh(self.sigma)
            self._root = (evecs * np.sqrt(np.clip(evals, 0, None))) @ evecs.T
        return self._root

    def distance(self, features: np.ndarray) -> float:
        feats = np.asarray(features, np.float64)
        n = len(feats)
        if n < 2:
            raise BenchError(f"Fréchet distance needs at least 2 feature vectors, got {n}")
        if n <= feats.shape[1]:
            return float(FrechetSubsets(feats, self.mu, self.sigma).distance(np.arange(n))[0])
        mean = feats.mean(0)
        centred = (feats - mean) @ self.root / np.sqrt(n - 1)
        eig = np.clip(np.linalg.eigvalsh(centred.T @ centred), 0, None)
        diff = mean - self.mu
        trace_x = float(((feats - mean) ** 2).sum() / (n - 1))
        return float(diff @ diff + trace_x + self.trace - 2 * np.sqrt(eig).sum())
