"""Fréchet distance and running feature statistics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import linalg

from flipnet_bench.errors import BenchError
from flipnet_bench.metrics.frechet import FeatureStats, frechet_distance, load_stats


def test_closed_form_diagonal_gaussians() -> None:
    mu1, mu2 = np.array([0.0, 1.0]), np.array([3.0, 1.0])
    s1, s2 = np.diag([4.0, 1.0]), np.diag([1.0, 9.0])
    # |dmu|² + sum (sqrt(a) - sqrt(b))² for commuting covariances
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(9 + (2 - 1) ** 2 + (1 - 3) ** 2)
    assert frechet_distance(mu1, s1, mu1, s1) == pytest.approx(0, abs=1e-9)


def test_matches_direct_formula_and_singular(rng: np.random.Generator) -> None:
    a, b = rng.normal(size=(50, 8)), rng.normal(1, 2, size=(60, 8))
    mu1, s1, mu2, s2 = a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False)
    expected = ((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * linalg.sqrtm(s1 @ s2).real)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-10)
    few = rng.normal(size=(3, 8))  # rank-deficient covariance: still finite
    value = frechet_distance(few.mean(0), np.cov(few, rowvar=False), mu2, s2)
    assert np.isfinite(value) and value > 0


def test_every_route_equals_the_sqrtm_formula(rng: np.random.Generator) -> None:
    """The sample-based routes (the FID value, its fixed-reference and paired subset evaluators) are the
    ``sqrtm`` formula on the samples' covariances, for rank-deficient (n ≤ D) and full-rank (n > D) samples.
    """
    from flipnet_bench.metrics.frechet import FrechetToReference
    from flipnet_bench.stats.gram import FrechetSubsets, PairedFrechetSubsets

    def direct(a: np.ndarray, b: np.ndarray) -> float:
        return frechet_distance(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))

    ref = rng.normal(0.5, 2.0, size=(90, 16))
    mu, sigma = ref.mean(0), np.cov(ref, rowvar=False)
    for n in (7, 16, 40):
        a, b = rng.normal(size=(n, 16)), rng.normal(0.5, 2.0, size=(n, 16))
        expected = frechet_distance(a.mean(0), np.cov(a, rowvar=False), mu, sigma)
        assert expected > 1  # far apart: a relative comparison that means something
        # sqrtm of a singular product is itself accurate to ~1e-9 only: the tolerance is sqrtm's
        assert FrechetToReference(mu, sigma).distance(a) == pytest.approx(expected, rel=1e-7)
        assert PairedFrechetSubsets(a, b).distance(np.arange(n))[0] == pytest.approx(direct(a, b), rel=1e-7)
    pool = rng.normal(size=(30, 16))
    subsets = np.stack([rng.choice(30, 12, replace=False) for _ in range(3)])
    batched = FrechetSubsets(pool, mu, sigma).distance(subsets)
    singly = [FrechetToReference(mu, sigma).distance(pool[idx]) for idx in subsets]
    np.testing.assert_allclose(batched, singly, rtol=1e-9)


def test_shape_mismatch_is_clear() -> None:
    with pytest.raises(BenchError, match="same feature extractor"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))


def test_feature_stats_matches_numpy(rng: np.random.Generator, tmp_path: Path) -> None:
    feats = rng.normal(size=(37, 5)).astype(np.float32)
    stats = FeatureStats()
    for chunk in np.array_split(feats, 4):
        stats.update(chunk)
    assert stats.count == 37
    np.testing.assert_allclose(stats.mu, feats.astype(np.float64).mean(0), rtol=1e-12)
    np.testing.assert_allclose(
        stats.sigma, np.cov(feats.astype(np.float64), rowvar=False), rtol=1e-9, atol=1e-12
    )
    half1, half2 = FeatureStats(), FeatureStats()
    half1.update(feats[:20])
    half2.update(feats[20:])
    np.testing.assert_allclose(half1.merge(half2).sigma, stats.sigma, rtol=1e-9, atol=1e-12)
    stats.save(tmp_path / "s.npz")
    mu, sigma = load_stats(tmp_path / "s.npz")
    np.testing.assert_array_equal(mu, stats.mu)
    with pytest.raises(BenchError, match="4 != 5"):
        stats.update(np.zeros((2, 4)))
    with pytest.raises(BenchError, match="at least 2 samples"):
        _ = FeatureStats(3).sigma


def test_load_stats_errors(tmp_path: Path) -> None:
    with pytest.raises(BenchError, match="not found"):
        load_stats(tmp_path / "none.npz")
    np.savez(tmp_path / "bad.npz", m=np.zeros(3))
    with pytest.raises(BenchError, match="expected arrays 'mu' and 'sigma'"):
        load_stats(tmp_path / "bad.npz")
