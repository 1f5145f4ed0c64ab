"""Paired tests of two runs on the same images, and Holm's correction across metrics.

Per-image metrics: the difference of means with the paired t interval (the interval the coverage study
validated for means) and a sign-flip permutation p-value (exact under the null that each image's two values
are exchangeable; no normality assumed). Distribution metrics (FID, KID): the same sign-flip null applied to
whole images — each permutation swaps image i's two outputs with probability 1/2 and recomputes both
statistics — and a jackknife interval of the difference that deletes image i from both runs jointly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from flipnet_bench.stats.gram import evaluate_sets, jackknife_sets
from flipnet_bench.stats.intervals import jackknife_interval, mean_interval

#: Random sign flips for per-image metrics (vectorised: cheap) and whole-image swaps for FID/KID.
MEAN_PERMUTATIONS = 20000
DISTRIBUTION_PERMUTATIONS = 1000


@dataclass
class PairedResult:
    """``a - b`` with its 95% interval, the two-sided p-value, and (after :func:`holm`) the adjusted one."""

    metric: str
    a: float
    b: float
    diff: float
    ci95: tuple[float, float] | None
    p: float
    n: int
    method: str
    p_holm: float | None = None


def _p_value(observed: float, null: np.ndarray) -> float:
    """Two-sided permutation p-value with the +1 correction (never 0; valid at any number of draws)."""
    extreme = np.count_nonzero(np.abs(null) >= abs(observed) - 1e-12 * max(1.0, abs(observed)))
    return float((extreme + 1) / (len(null) + 1))


def paired_means(metric: str, a: np.ndarray, b: np.ndarray, seed: int = 0,
                 permutations: int = MEAN_PERMUTATIONS) -> PairedResult:  # fmt: skip
    """Mean of ``a - b`` over the same images: t interval, sign-flip permutation p-value."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    d = a - b
    rng = np.random.default_rng(seed)
    signs = rng.integers(0, 2, size=(permutations, len(d)), dtype=np.int8) * 2 - 1
    null = (signs @ d) / len(d)
    method = f"paired t interval; sign-flip permutation p ({permutations} draws)"
    return PairedResult(metric, float(a.mean()), float(b.mean()), float(d.mean()), mean_interval(d),
                        _p_value(float(d.mean()), null), len(d), method)  # fmt: skip


def paired_distribution(
    metric: str,
    distance: Callable[[np.ndarray], np.ndarray],
    n: int,
    seed: int = 0,
    permutations: int = DISTRIBUTION_PERMUTATIONS,
) -> PairedResult:
    """FID/KID difference of two runs whose features are stacked as rows ``[a_0..a_{n-1}, b_0..b_{n-1}]``.

    ``distance`` maps index sets (B, m) of those rows to the statistic (a ``stats.gram`` ``distance``).
    """
    own = np.arange(n)
    value_a, value_b = distance(np.stack([own, own + n]))
    observed = value_a - value_b
    rng = np.random.default_rng(seed)
    swap = rng.integers(0, 2, size=(permutations, n))
    null = evaluate_sets(distance, list(own + n * swap)) - evaluate_sets(distance, list(own + n * (1 - swap)))
    sets = jackknife_sets(n)
    loo = evaluate_sets(distance, sets) - evaluate_sets(distance, [s + n for s in sets])
    method = f"jackknife interval (images deleted from both runs); image-swap permutation p ({permutations})"
    return PairedResult(metric, float(value_a), float(value_b), float(observed),
                        jackknife_interval(float(observed), loo), _p_value(float(observed), null), n,
                        method)  # fmt: skip


def holm(results: list[PairedResult]) -> list[PairedResult]:
    """Holm–Bonferroni step-down adjustment across ``results`` (sets ``p_holm``; controls the FWER)."""
    order = sorted(range(len(results)), key=lambda i: results[i].p)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(results) - rank) * results[i].p))
        results[i].p_holm = running
    return results
