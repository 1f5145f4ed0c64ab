"""Coverage study on real faces: every reported 95% interval covers its target and contains its estimate.

The pool is the bundled ``data/default/hq/train`` (real faces) degraded with the classic ``gfpgan`` preset;
the FID/KID reference is ``data/default/hq/test``. Pools are cached in pytest's cache folder. The old FID
interval (10 with-replacement resamples, percentile) must fail the same criteria.
Run the full table with ``pytest tests/test_interval_coverage.py -m slow -s``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flipnet_bench.stats.coverage import Pool, build_pool, distribution_rows, mean_rows, table
from flipnet_bench.weights import fetch

REPO = Path(__file__).resolve().parents[1]
HQ, REF = REPO / "data/default/hq/train", REPO / "data/default/hq/test"


def _pool(cache: pytest.Cache, size: int, ref_size: int) -> Pool:
    path = cache.mkdir("interval-coverage") / f"pool-{size}-{ref_size}.npz"
    if not path.is_file():
        fetch(["fid_inception_v3"])
        build_pool(HQ, REF, size, ref_size).save(path)
    return Pool.load(path)


def _check(rows: list[dict], means: float, distribution: float = 0.9) -> None:
    """New intervals: always contain their estimate; cover at least ``means`` (per-image means, the t
    interval) or ``distribution`` (FID/KID jackknife; 100 draws give a Monte-Carlo SE of ~0.02 on 0.95).
    The old FID bootstrap must fail the same criteria."""
    new = [r for r in rows if not str(r["interval"]).startswith(("old", "bootstrap"))]
    for r in new:
        assert r["contains_estimate"] == 1.0, r
        assert r["coverage"] >= (means if r["interval"] == "t" else distribution), r
    old = [r for r in rows if str(r["interval"]).startswith("old")]
    assert old and any(r["coverage"] < distribution or r["contains_estimate"] < 1.0 for r in old), old


def test_intervals_cover_on_a_small_pool(pytestconfig: pytest.Config) -> None:
    pool = _pool(pytestconfig.cache, 48, 24)
    rows = mean_rows(pool, [16], draws=200) + distribution_rows(pool, [16], draws=30)
    print("\n" + table(rows))
    _check(rows, 0.9)  # 200 / 30 draws here: the bounds of the full study are checked under -m slow


@pytest.mark.slow
def test_interval_coverage_study(pytestconfig: pytest.Config) -> None:
    pool = _pool(pytestconfig.cache, 600, 64)
    sizes = [16, 32, 64, 128, 256]
    rows = mean_rows(pool, sizes, draws=400) + distribution_rows(pool, sizes, draws=100)
    print("\n" + table(rows))
    _check(rows, 0.93)
