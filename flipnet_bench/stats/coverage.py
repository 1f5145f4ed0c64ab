"""Coverage study: do the reported 95% intervals cover a value that is known exactly?

Every trial draws a fresh i.i.d. sample of ``n`` from a population whose target is known: a parametric
distribution (its mean), or a large fixed pool sampled *with replacement* (its KID is then exact: the
pool's own Gram means). Each interval of :mod:`flipnet_bench.stats` is computed on the sample exactly as
the suite reports it, and the table gives how often it covers the target. With ``T`` trials the binomial
standard error of a coverage of 0.95 is ``sqrt(0.95 · 0.05 / T)`` (0.0034 at 4,000), so 0.93 and 0.95 are
about six standard errors apart.

FID is biased in n: its target is the expected FID of n images, a Monte-Carlo mean over many more
independent samples than trials (its standard error is reported beside it).
*width / ideal* is the mean interval width over ``2 · 1.96 · sd`` of the estimates across trials.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from flipnet_bench.stats.gram import FrechetSubsets, MMDSubsets, evaluate_sets, jackknife_sets
from flipnet_bench.stats.intervals import bootstrap_mean_interval, jackknife_interval, mean_interval
from flipnet_bench.stats.paired import paired_distribution, paired_means

LEVEL = 0.95


@dataclass(frozen=True)
class Population:
    """A per-image value distribution with a known mean: ``draw(rng, shape)`` gives i.i.d. values."""

    name: str
    mean: float
    draw: Callable[[np.random.Generator, tuple[int, ...]], np.ndarray]


#: Normal (the t interval is exact) and two right-skewed shapes (exponential: skewness 2; log-normal σ = 1:
#: skewness 6.2), where a t interval is known to under-cover at small n.
POPULATIONS = {
    "normal": Population("normal", 1.0, lambda rng, shape: rng.normal(1.0, 2.0, shape)),
    "exponential": Population("exponential", 1.0, lambda rng, shape: rng.exponential(1.0, shape)),
    "lognormal": Population("lognormal", math.exp(0.5), lambda rng, shape: rng.lognormal(0.0, 1.0, shape)),
}


def row(
    interval: str,
    population: str,
    n: int,
    cis: list[tuple[float, float] | None],
    estimates: np.ndarray,
    target: float,
    target_se: float = 0.0,
) -> dict[str, object]:
    """Coverage of ``target`` (with its binomial SE), share containing the own estimate, width / ideal."""
    trials = len(cis)
    inside = np.array([c is not None and c[0] <= target <= c[1] for c in cis])
    own = np.array([c is not None and c[0] <= e <= c[1] for c, e in zip(cis, estimates)])
    widths = [c[1] - c[0] for c in cis if c is not None]
    ideal = 2 * 1.96 * float(np.std(estimates, ddof=1))
    coverage = float(inside.mean())
    return {
        "interval": interval,
        "population": population,
        "n": n,
        "trials": trials,
        "target": target,
        "target_se": target_se,
        "coverage": coverage,
        "coverage_se": math.sqrt(LEVEL * (1 - LEVEL) / trials),
        "contains_estimate": float(own.mean()),
        "width_ratio": float(np.mean(widths)) / ideal if widths and ideal > 0 else float("nan"),
    }


def mean_rows(
    population: Population, n: int, trials: int, seed: int = 0, bootstrap: bool = False
) -> list[dict[str, object]]:
    """The t interval of a mean (and the percentile bootstrap, when asked) on ``trials`` samples of ``n``."""
    samples = population.draw(np.random.default_rng([seed, n, 0]), (trials, n))
    estimates = samples.mean(1)
    rows = [
        row("t (mean)", population.name, n, [mean_interval(s) for s in samples], estimates, population.mean)
    ]
    if bootstrap:
        cis = [bootstrap_mean_interval(s, seed=i) for i, s in enumerate(samples)]
        rows.append(row("bootstrap-2000 (mean)", population.name, n, cis, estimates, population.mean))
    return rows


def paired_rows(
    population: Population, n: int, trials: int, seed: int = 0, permutations: int = 1000
) -> list[dict[str, object]]:
    """Paired runs ``a = u + shift + e``, ``b = u`` (``u`` a shared per-image level): the paired t interval
    of ``mean(a - b)`` covers ``shift + E[e]``; and, with ``a`` and ``b`` exchangeable, how often the
    sign-flip permutation p-value falls below 0.05 (its level; target 0.05)."""
    rng = np.random.default_rng([seed, n, 1])
    shared = rng.normal(20.0, 3.0, (trials, n))
    noise = population.draw(rng, (trials, n)) - population.mean
    results = [
        paired_means("m", shared[i] + 0.5 + noise[i], shared[i], seed=i, permutations=permutations)
        for i in range(trials)
    ]
    rows = [
        row(
            "paired t (difference)",
            population.name,
            n,
            [r.ci95 for r in results],
            np.array([r.diff for r in results]),
            0.5,
        )
    ]
    # under the null the difference is symmetric: a random sign on each image's difference
    null = noise * rng.choice([-1.0, 1.0], noise.shape)
    p = np.array(
        [
            paired_means("m", shared[i] + null[i], shared[i], seed=i, permutations=permutations).p
            for i in range(trials)
        ]
    )
    level = {
        "interval": f"sign-flip p < 0.05 ({permutations} draws)",
        "population": population.name,
        "n": n,
        "trials": trials,
        "target": 0.05,
        "target_se": 0.0,
        "coverage": float((p < 0.05).mean()),
        "coverage_se": math.sqrt(0.05 * 0.95 / trials),
        "contains_estimate": float("nan"),
        "width_ratio": float("nan"),
    }
    return rows + [level]


@dataclass
class FeaturePool:
    """A large fixed pool of feature vectors (the population, sampled with replacement) and a reference."""

    features: np.ndarray
    ref: np.ndarray

    name: str = "feature pool"

    @classmethod
    def gaussian(
        cls, dim: int = 32, non_negative: bool = True, size: int = 3000, ref_size: int = 200, seed: int = 0
    ) -> FeaturePool:
        """Correlated, shifted Gaussian features vs a standard-normal reference; ``non_negative`` folds them
        (``|x|``), as pooled post-ReLU Inception features are non-negative."""
        rng = np.random.default_rng([seed, dim])
        feats = rng.normal(size=(size, dim)) @ (rng.normal(size=(dim, dim)) / math.sqrt(dim)) + 0.4
        kind = f"folded Gaussian {dim}-d" if non_negative else f"Gaussian {dim}-d"
        return cls(np.abs(feats) if non_negative else feats, rng.normal(size=(ref_size, dim)), kind)


def _jackknife(distance: Callable[[np.ndarray], np.ndarray], idx: np.ndarray) -> tuple[float, tuple | None]:
    estimate = float(distance(idx)[0])
    loo = evaluate_sets(distance, [idx[s] for s in jackknife_sets(len(idx))])
    return estimate, jackknife_interval(estimate, loo)


def distribution_rows(
    pool: FeaturePool, n: int, trials: int, seed: int = 0, target_draws: int | None = None
) -> list[dict[str, object]]:
    """Jackknife intervals of FID (vs the reference's mean/cov) and KID (vs the reference sample) on
    ``trials`` with-replacement samples of ``n`` pool images. KID's target is exact for the pool
    (the unbiased MMD² between the pool distribution and the reference sample); FID's is E[FID of n]."""
    fid = FrechetSubsets(pool.features, pool.ref.mean(0), np.cov(pool.ref, rowvar=False))
    kid = MMDSubsets(pool.features, pool.ref)
    kid_target = float(kid.kxx.mean() + kid.ref_term - 2 * kid.kxr_row.mean())
    rng = np.random.default_rng([seed, n, 2])
    size = len(pool.features)
    draws = rng.integers(0, size, (target_draws or 10 * trials, n))
    many = evaluate_sets(fid.distance, list(draws))
    fid_target, fid_se = float(many.mean()), float(many.std(ddof=1) / math.sqrt(len(many)))
    samples = rng.integers(0, size, (trials, n))
    rows = []
    for name, distance, target, se in (
        ("jackknife (FID)", fid.distance, fid_target, fid_se),
        ("jackknife (KID)", kid.distance, kid_target, 0.0),
    ):
        out = [_jackknife(distance, idx) for idx in samples]
        rows.append(row(name, pool.name, n, [c for _, c in out], np.array([e for e, _ in out]), target, se))
    return rows


def paired_distribution_rows(
    pool: FeaturePool, n: int, trials: int, seed: int = 0
) -> list[dict[str, object]]:
    """The jackknife interval of a KID difference between two runs on the same ``n`` images: run a = the
    image's pool features, run b = the same shifted by a fixed vector; the target (exact) is the pool's
    KID(a) - KID(b)."""
    shifted = pool.features + 0.15
    stacked = np.concatenate([pool.features, shifted])
    kid = MMDSubsets(stacked, pool.ref)
    size = len(pool.features)
    full_a, full_b = np.arange(size), np.arange(size) + size

    def exact(rows_: np.ndarray) -> float:
        return float(kid.kxx[np.ix_(rows_, rows_)].mean() - 2 * kid.kxr_row[rows_].mean())

    target = exact(full_a) - exact(full_b)  # the reference term cancels
    rng = np.random.default_rng([seed, n, 3])
    samples = rng.integers(0, size, (trials, n))
    cis, est = [], []
    for idx in samples:
        both = np.concatenate([idx, idx + size])
        result = paired_distribution(
            "kid", lambda sets, both=both: kid.distance(both[sets]), n, permutations=1
        )
        cis.append(result.ci95)
        est.append(result.diff)
    return [row("jackknife (KID difference)", pool.name, n, cis, np.array(est), target)]


def table(rows: list[dict[str, object]]) -> str:
    """Markdown: interval × population × n → coverage ± SE, share containing its estimate, width ratio."""
    lines = [
        "| interval | population | n | trials | coverage (± SE) | contains estimate | width / ideal |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        own = "—" if math.isnan(r["contains_estimate"]) else f"{r['contains_estimate']:.3f}"
        width = "—" if math.isnan(r["width_ratio"]) else f"{r['width_ratio']:.2f}"
        lines.append(
            f"| {r['interval']} | {r['population']} | {r['n']} | {r['trials']} | "
            f"{r['coverage']:.3f} ± {r['coverage_se']:.3f} | {own} | {width} |"
        )
    return "\n".join(lines)
