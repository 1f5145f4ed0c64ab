"""FID and KID of many index subsets of one feature matrix, from Gram matrices computed once.

Jackknife intervals, paired permutation tests and the coverage study all evaluate the same estimator on
many subsets of the same images. With ``G = Z S Zᵀ`` (``S`` the reference covariance) and ``L = Z Zᵀ``, the
Fréchet distance of rows ``T`` to a fixed reference N(mu, S) needs only ``|T| × |T|`` blocks:
``|mean_T - mu|² + tr(S_T) + tr(S) - 2 Σ sqrt eig(H G_TT H / (|T|-1))`` (``H`` centres). Against a second
varying sample (FID vs the scored pairs' GT), ``tr sqrt(S_x S_y)`` is the nuclear norm of
``H X_T Y_Tᵀ H / (|T|-1)``. These are the project's one sample-based Fréchet and KID code: the metrics'
values are the same classes on the full set (:class:`flipnet_bench.metrics.frechet.FrechetToReference` for
``n ≤ D``, :func:`flipnet_bench.metrics.kid.kid_subsets` per subset pair); only the statistics-based
``frechet_distance`` (``sqrtm``, for stored reference statistics) is separate.
"""

from __future__ import annotations

import numpy as np

from flipnet_bench.errors import BenchError


def _centre(block: np.ndarray) -> np.ndarray:
    """``H B H`` for a batch of square blocks (B, m, m)."""
    rows, cols = block.mean(1, keepdims=True), block.mean(2, keepdims=True)
    return block - rows - cols + block.mean((1, 2), keepdims=True)


def _block(matrix: np.ndarray, rows: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
    cols = rows if cols is None else cols
    return matrix[rows[:, :, None], cols[:, None, :]]


def _as_batch(idx: np.ndarray) -> np.ndarray:
    idx = np.asarray(idx)
    return idx[None] if idx.ndim == 1 else idx


class FrechetSubsets:
    """FID of row subsets of ``feats`` to a fixed reference Gaussian ``N(mu, sigma)``."""

    def __init__(self, feats: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> None:
        feats = np.asarray(feats, np.float64)
        mu, sigma = np.asarray(mu, np.float64), np.asarray(sigma, np.float64)
        if feats.ndim != 2 or feats.shape[1] != len(mu):
            raise BenchError(f"features {feats.shape} do not match the {len(mu)}-d reference statistics")
        sigma = (sigma + sigma.T) / 2
        self.gram_s = feats @ sigma @ feats.T
        self.gram = feats @ feats.T
        self.dot_mu = feats @ mu
        self.mu_sq = float(mu @ mu)
        self.trace_ref = float(np.trace(sigma))

    def distance(self, idx: np.ndarray) -> np.ndarray:
        """FID of each row of ``idx`` (shape (B, m) or (m,); repeats allowed) → shape (B,)."""
        idx = _as_batch(idx)
        m = idx.shape[1]
        if m < 2:
            raise BenchError(f"Fréchet distance needs at least 2 feature vectors, got {m}")
        plain = _block(self.gram, idx)
        mean_sq = plain.sum((1, 2)) / m**2 - 2 * self.dot_mu[idx].sum(1) / m + self.mu_sq
        trace_x = np.trace(_centre(plain), axis1=1, axis2=2) / (m - 1)
        eig = np.clip(np.linalg.eigvalsh(_centre(_block(self.gram_s, idx)) / (m - 1)), 0, None)
        return mean_sq + trace_x + self.trace_ref - 2 * np.sqrt(eig).sum(1)


class PairedFrechetSubsets:
    """FID between row subsets of ``x`` and of ``y`` (e.g. predictions vs the GT of the same images)."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
        if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
            raise BenchError(f"feature matrices {x.shape} and {y.shape} differ in dimension")
        self.xx, self.yy, self.xy = x @ x.T, y @ y.T, x @ y.T

    def distance(self, idx_x: np.ndarray, idx_y: np.ndarray | None = None) -> np.ndarray:
        """FID of each (row of ``idx_x``, row of ``idx_y``) pair of subsets of equal size → shape (B,)."""
        idx_x = _as_batch(idx_x)
        idx_y = idx_x if idx_y is None else _as_batch(idx_y)
        m = idx_x.shape[1]
        if m < 2 or idx_y.shape != idx_x.shape:
            raise BenchError(f"paired Fréchet distance needs equal subsets of >= 2 rows, got {idx_x.shape}")
        xx, yy, xy = _block(self.xx, idx_x), _block(self.yy, idx_y), _block(self.xy, idx_x, idx_y)
        mean_sq = (xx.sum((1, 2)) + yy.sum((1, 2)) - 2 * xy.sum((1, 2))) / m**2
        traces = (np.trace(_centre(xx), axis1=1, axis2=2) + np.trace(_centre(yy), axis1=1, axis2=2)) / (m - 1)
        nuclear = np.linalg.svd(_centre(xy) / (m - 1), compute_uv=False).sum(1)
        return mean_sq + traces - 2 * nuclear


def poly_kernel(a: np.ndarray, b: np.ndarray, degree: int = 3, gamma: float | None = None,
                coef: float = 1.0) -> np.ndarray:  # fmt: skip
    """KID's polynomial kernel ``(gamma a·b + coef)^degree`` with ``gamma = 1/D`` by default."""
    gamma = 1.0 / a.shape[1] if gamma is None else gamma
    return (np.asarray(a, np.float64) @ np.asarray(b, np.float64).T * gamma + coef) ** degree


class MMDSubsets:
    """Unbiased MMD² (KID) of row subsets of ``x`` against all of a fixed reference sample ``ref``."""

    def __init__(self, x: np.ndarray, ref: np.ndarray, **kernel: float | int | None) -> None:
        self.kxx = poly_kernel(x, x, **kernel)
        self.kxr_row = poly_kernel(x, ref, **kernel).mean(1)
        krr = poly_kernel(ref, ref, **kernel)
        m = len(ref)
        self.ref_term = float((krr.sum() - np.trace(krr)) / (m * (m - 1)))

    def distance(self, idx: np.ndarray) -> np.ndarray:
        idx = _as_batch(idx)
        m = idx.shape[1]
        kxx = _block(self.kxx, idx)
        same = (kxx.sum((1, 2)) - np.trace(kxx, axis1=1, axis2=2)) / (m * (m - 1))
        return same + self.ref_term - 2 * self.kxr_row[idx].mean(1)


class PairedMMDSubsets:
    """Unbiased MMD² between equal-size row subsets of ``x`` and ``y`` (KID vs the GT of the same images)."""

    def __init__(self, x: np.ndarray, y: np.ndarray, **kernel: float | int | None) -> None:
        self.kxx, self.kyy = poly_kernel(x, x, **kernel), poly_kernel(y, y, **kernel)
        self.kxy = poly_kernel(x, y, **kernel)

    def distance(self, idx_x: np.ndarray, idx_y: np.ndarray | None = None) -> np.ndarray:
        idx_x = _as_batch(idx_x)
        idx_y = idx_x if idx_y is None else _as_batch(idx_y)
        m = idx_x.shape[1]
        xx, yy, xy = _block(self.kxx, idx_x), _block(self.kyy, idx_y), _block(self.kxy, idx_x, idx_y)
        off = lambda k: k.sum((1, 2)) - np.trace(k, axis1=1, axis2=2)  # noqa: E731 - two uses, one line
        return (off(xx) + off(yy)) / (m * (m - 1)) - 2 * xy.sum((1, 2)) / m**2


#: Matrix entries per batched evaluation (float64: 8 MB per block copy). Small enough that the few block
#: copies alive at once stay well under the scoring's other memory whatever the set size (benchmarks/
#: score_memory.py); one n×n eigenproblem per set dominates the time anyway.
_CHUNK = 1_000_000


def jackknife_sets(n: int, max_groups: int = 100) -> list[np.ndarray]:
    """Index sets that each leave out one group ``{i : i mod G = g}``, ``G = min(n, max_groups)``.

    ``G = n`` is the delete-one jackknife; larger sets use ``G`` groups (sizes differ by at most one) so the
    cost stays ``G`` eigenproblems whatever the set size.
    """
    groups = min(n, max_groups)
    full = np.arange(n)
    return [full[full % groups != g] for g in range(groups)]


def evaluate_sets(distance: object, sets: list[np.ndarray]) -> np.ndarray:
    """``distance`` (a ``*Subsets.distance``) on index sets of possibly two sizes, batched per size in chunks
    of about ``_CHUNK`` matrix entries, so memory stays bounded whatever the set size."""
    out = np.empty(len(sets))
    for size in {len(s) for s in sets}:
        chosen = [i for i, s in enumerate(sets) if len(s) == size]
        step = max(1, _CHUNK // size**2)
        for start in range(0, len(chosen), step):
            part = chosen[start : start + step]
            out[part] = distance(np.stack([sets[i] for i in part]))  # type: ignore[operator]
    return out
