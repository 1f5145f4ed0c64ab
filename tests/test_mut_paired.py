"""The paired tests and their helpers against hand computation: a "distance" that is the mean of one value per
row, so every set value, the image-swap null, the grouped jackknife and the t interval (scipy.stats) can be
written out here; the subset FID against scipy's ``sqrtm`` formula; boundaries of the p-value tolerance and
Holm's cap; float32 inputs; the features file and run loading errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import scipy.stats as sps

from flipnet_bench.errors import BenchError
from flipnet_bench.io import write_json
from flipnet_bench.metrics.frechet import frechet_distance
from flipnet_bench.stats import compare as compare_mod
from flipnet_bench.stats.compare import Run, compare_metric, compare_runs
from flipnet_bench.stats.features import load_features
from flipnet_bench.stats.gram import FrechetSubsets
from flipnet_bench.stats.intervals import jackknife_se, mean_interval
from flipnet_bench.stats.paired import (
    MEAN_PERMUTATIONS,
    PairedResult,
    _p_value,
    holm,
    paired_distribution,
    paired_means,
)


def _by_hand(values: np.ndarray, n: int, seed: int, permutations: int) -> tuple[float, tuple, float]:
    a, b = values[:n], values[n:]
    observed = a.mean() - b.mean()
    swap = np.random.default_rng(seed).integers(0, 2, size=(permutations, n)).astype(bool)
    null = [np.where(s, b, a).mean() - np.where(s, a, b).mean() for s in swap]
    p = (sum(abs(x) >= abs(observed) - 1e-12 * max(1.0, abs(observed)) for x in null) + 1) / (
        permutations + 1
    )
    groups = min(n, 100)
    keep = [np.arange(n) % groups != g for g in range(groups)]
    loo = np.array([a[k].mean() - b[k].mean() for k in keep])
    se = math.sqrt((groups - 1) / groups * ((loo - loo.mean()) ** 2).sum())
    half = sps.t.ppf(0.975, groups - 1) * se
    return observed, (observed - half, observed + half), p


@pytest.mark.parametrize("n", [6, 130])  # 130 images: 100 jackknife groups {i : i mod 100 = g}
def test_paired_distribution_equals_the_hand_computation(n: int) -> None:
    values = np.random.default_rng(n).normal(size=2 * n) + np.r_[np.zeros(n), np.full(n, 0.3)]
    distance = lambda idx: values[idx].mean(1)  # noqa: E731
    got = paired_distribution("m", distance, n, permutations=300)
    observed, ci, p = _by_hand(values, n, seed=0, permutations=300)
    assert (got.a, got.b) == pytest.approx((values[:n].mean(), values[n:].mean()), rel=1e-13)
    assert got.diff == pytest.approx(observed, rel=1e-12) and got.p == pytest.approx(p, abs=1e-15)
    assert got.ci95 == pytest.approx(ci, rel=1e-10) and got.n == n
    assert got.method == "jackknife interval (images deleted from both runs); image-swap permutation p (300)"
    seeded = paired_distribution("m", distance, n, seed=3, permutations=300)
    assert seeded.p == pytest.approx(_by_hand(values, n, seed=3, permutations=300)[2], abs=1e-15)


def test_paired_means_defaults_method_and_float32() -> None:
    rng = np.random.default_rng(2)
    a, b = rng.normal(50, 20, 999), rng.normal(50, 20, 999)
    base = paired_means("m", a, b)
    assert base == paired_means("m", a, b, seed=0)  # the documented default seed
    assert base.method == f"paired t interval; sign-flip permutation p ({MEAN_PERMUTATIONS} draws)"
    signs = np.random.default_rng(0).integers(0, 2, size=(MEAN_PERMUTATIONS, 999), dtype=np.int8) * 2 - 1
    d = a - b
    assert base.p == pytest.approx(_p_value(float(d.mean()), signs @ d / 999), abs=0)
    a32, b32 = a.astype(np.float32), b.astype(np.float32)
    want = paired_means("m", a32.astype(np.float64), b32.astype(np.float64))
    got = paired_means("m", a32, b32)
    assert (got.a, got.b, got.diff, *got.ci95) == pytest.approx(
        (want.a, want.b, want.diff, *want.ci95), rel=1e-15, abs=0
    )
    v32 = (rng.normal(size=999) * 100).astype(np.float32)
    assert mean_interval(v32) == pytest.approx(mean_interval(v32.astype(np.float64)), rel=1e-15)
    assert jackknife_se(v32) == pytest.approx(jackknife_se(v32.astype(np.float64)), rel=1e-15)


def test_p_value_tolerance_is_relative_to_max_1_and_the_observation() -> None:
    assert _p_value(1.0, np.array([1.0 - 1e-12])) == 1.0  # at the tolerance: counted
    assert _p_value(0.5, np.array([0.5 - 1.5e-12])) == 0.5  # beyond 1e-12 (max(1, 0.5) = 1): not counted
    assert _p_value(1e6, np.array([1e6 * (1 - 1e-13)])) == 1.0  # 1e-12 * 1e6 = 1e-6 absolute


def test_holm_caps_at_one() -> None:
    rows = [PairedResult(m, 0, 0, 0, None, 0.6, 3, "") for m in "xyz"]
    assert [r.p_holm for r in holm(rows)] == [1.0, 1.0, 1.0]


def test_subset_fid_is_scipys_formula() -> None:
    """Agreement ~1e-8: the subset FID takes square roots of the eigenvalues of a centred Gram matrix, whose
    zero eigenvalue comes out at rounding level (sqrt(1e-16) = 1e-8)."""
    rng = np.random.default_rng(5)
    feats, ref = rng.normal(size=(12, 4)), rng.normal(size=(40, 4)) * 1.5
    mu, sigma = ref.mean(0), np.cov(ref, rowvar=False)
    skew = sigma + np.triu(np.full((4, 4), 0.01), 1)  # not symmetric: the symmetric part is used
    sym = (skew + skew.T) / 2
    fid = FrechetSubsets(feats, mu, skew)
    idx = np.array([[0, 3, 5, 7, 11, 2], [1, 6, 2, 4, 9, 10]])
    want = [frechet_distance(feats[i].mean(0), np.cov(feats[i], rowvar=False), mu, sym) for i in idx]
    assert fid.distance(idx) == pytest.approx(want, rel=1e-6)
    pair = [2, 6]
    want_two = frechet_distance(feats[pair].mean(0), np.cov(feats[pair].T), mu, sym)
    assert fid.distance(np.array(pair)) == pytest.approx([want_two], rel=1e-6)
    big = [x.astype(np.float32) for x in (feats * 30 + 100, mu * 30 + 100, skew * 900 + 0.3)]
    as64 = FrechetSubsets(*[x.astype(np.float64) for x in big]).distance(idx)
    assert FrechetSubsets(*big).distance(idx) == pytest.approx(as64, rel=1e-14)  # float32 read as float64
    with pytest.raises(BenchError, match=r"^Fréchet distance needs at least 2 feature vectors, got 1$"):
        fid.distance(np.array([3]))
    with pytest.raises(BenchError, match=r"^features \(12, 3\) do not match the 4-d reference statistics$"):
        FrechetSubsets(feats[:, :3], mu, sigma)
    with pytest.raises(BenchError, match=r"^features \(12,\) do not match"):
        FrechetSubsets(feats[:, 0], mu, sigma)


def test_a_pickled_features_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "features.npz"
    np.savez(path, **{"fid/keys": np.array([{"a": 1}], dtype=object)})
    with pytest.raises(
        BenchError, match=rf"^{path}: not a readable features file \(.*\); re-run the score stage$"
    ):
        load_features(path)


def test_run_accepts_the_file_and_names_bad_files(tmp_path: Path) -> None:
    write_json(tmp_path / "scores.json", {"metrics": {"psnr": {"value": 1.0}}})
    run = Run(tmp_path / "scores.json")
    assert run.folder == tmp_path and run.path == tmp_path / "scores.json"
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "scores.json").write_text("{nope")
    with pytest.raises(BenchError, match=r"bad/scores\.json: not valid JSON \(.*\); re-run the score stage$"):
        Run(tmp_path / "bad")
    (tmp_path / "bad" / "scores.json").write_text(json.dumps({"metrics": []}))
    with pytest.raises(BenchError, match=r"bad/scores\.json: not a scores JSON"):
        Run(tmp_path / "bad")


def test_compare_metric_needs_the_value_in_both_and_names_definition_changes(tmp_path: Path) -> None:
    for name, metrics in (("a", {"psnr": {"value": 1.0}}), ("b", {"ssim": {"value": 1.0}})):
        write_json(tmp_path / name / "scores.json", {"metrics": metrics})
    with pytest.raises(BenchError, match=r"^metric 'psnr' has no value in both"):
        compare_metric("psnr", Run(tmp_path / "a"), Run(tmp_path / "b"))
    for name, crop in (("c", 0), ("d", 4)):
        entry = {"value": 1.0, "definition": {"crop_border": crop}}
        write_json(tmp_path / name / "scores.json", {"metrics": {"psnr": entry}})
    with pytest.raises(BenchError, match=r"^psnr is defined differently in .*\(crop_border: 0 vs 4\)"):
        compare_metric("psnr", Run(tmp_path / "c"), Run(tmp_path / "d"))


def test_a_result_without_an_interval_is_reported_as_null(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in "ab":
        write_json(tmp_path / name / "scores.json", {"metrics": {"fid": {"value": 1.0}}})
    result = PairedResult("fid", 1.0, 2.0, -1.0, None, 0.5, 2, "x")
    monkeypatch.setattr(compare_mod, "compare_metric", lambda *args: result)
    (row,) = compare_runs(tmp_path / "a", tmp_path / "b")["metrics"]
    assert row["ci95"] is None and row["p_holm"] == 0.5
