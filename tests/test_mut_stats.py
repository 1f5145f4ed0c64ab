"""Statistics details the mutation run found untested: the paired FID/KID evaluators against brute-force
formulas, the leaderboard's ranking rules, the gate's set-name matching, the bootstrap's defaults."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import linalg

from flipnet_bench.io import write_json
from flipnet_bench.stats.compare import Run, compare_metric
from flipnet_bench.stats.gate import DLIB_IMPOSTOR_MEAN, dlib_threshold, gate_threshold
from flipnet_bench.stats.gram import PairedFrechetSubsets, PairedMMDSubsets, poly_kernel
from flipnet_bench.stats.intervals import bootstrap_mean_interval
from flipnet_bench.stats.ranking import rank_set


def _mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """KID's unbiased MMD² with the cubic polynomial kernel, by explicit double loops."""
    d, m = x.shape[1], len(x)
    k = lambda a, b: (a @ b / d + 1.0) ** 3  # noqa: E731
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / m**2
    return xx + yy - 2 * xy


def test_paired_mmd_is_the_unbiased_estimator() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(12, 5)), rng.normal(size=(12, 5)) + 0.3
    paired = PairedMMDSubsets(x, y)
    idx = np.array([[0, 3, 5, 7, 9], [1, 2, 4, 6, 11]])
    got = paired.distance(idx)
    assert got.shape == (2,)
    for row, value in zip(idx, got):
        assert value == pytest.approx(_mmd2_unbiased(x[row], y[row]), rel=1e-10)
    other = np.array([2, 4, 6, 8, 10])
    assert paired.distance(idx[0], other)[0] == pytest.approx(_mmd2_unbiased(x[idx[0]], y[other]), rel=1e-10)
    assert paired.distance(idx[0])[0] == pytest.approx(got[0], rel=1e-12)  # idx_y defaults to idx_x
    custom = PairedMMDSubsets(x, y, degree=2, gamma=0.5, coef=0.0)
    np.testing.assert_allclose(custom.kxy, (x @ y.T * 0.5) ** 2, rtol=1e-12)
    np.testing.assert_allclose(custom.kxx, (x @ x.T * 0.5) ** 2, rtol=1e-12)
    np.testing.assert_allclose(custom.kyy, (y @ y.T * 0.5) ** 2, rtol=1e-12)
    np.testing.assert_allclose(poly_kernel(x, y), (x @ y.T / 5 + 1) ** 3, rtol=1e-12)


def test_paired_frechet_is_the_closed_form_with_scipy_sqrtm() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(30, 4)), rng.normal(size=(30, 4)) * 1.5 + 0.2
    paired = PairedFrechetSubsets(x, y)
    idx = np.arange(3, 27)
    sx, sy = np.cov(x[idx], rowvar=False), np.cov(y[idx], rowvar=False)
    diff = x[idx].mean(0) - y[idx].mean(0)
    ref = diff @ diff + np.trace(sx) + np.trace(sy) - 2 * np.trace(linalg.sqrtm(sx @ sy).real)
    assert paired.distance(idx)[0] == pytest.approx(ref, rel=1e-8)
    other = np.arange(0, 24)
    sy2 = np.cov(y[other], rowvar=False)
    diff2 = x[idx].mean(0) - y[other].mean(0)
    ref2 = diff2 @ diff2 + np.trace(sx) + np.trace(sy2) - 2 * np.trace(linalg.sqrtm(sx @ sy2).real)
    assert paired.distance(idx, other)[0] == pytest.approx(ref2, rel=1e-8)


def test_bootstrap_defaults_are_2000_resamples_seed_0() -> None:
    x = np.array([0.1, 2.0, -1.3, 0.7, 3.3, 1.1])
    means = x[np.random.default_rng(0).integers(0, 6, size=(2000, 6))].mean(1)
    assert bootstrap_mean_interval(x) == pytest.approx(tuple(np.percentile(means, [2.5, 97.5])), rel=1e-12)
    assert bootstrap_mean_interval(x, level=0.8) == pytest.approx(
        tuple(np.percentile(means, [10, 90])), rel=1e-12
    )
    pair = bootstrap_mean_interval(np.array([1.0, 3.0]))
    assert pair is not None and 1.0 <= pair[0] <= pair[1] <= 3.0


def test_gate_names_match_with_dashes_and_underscores() -> None:
    assert gate_threshold("Celeb_Child-Test") == pytest.approx(dlib_threshold(0.6))
    assert gate_threshold("web_photo-test") == pytest.approx(dlib_threshold(0.3))
    assert gate_threshold("Celeb-A") == pytest.approx(dlib_threshold(0.5))
    assert gate_threshold("ffhq") is None
    assert dlib_threshold(0.5, impostor_mean=0.8) == pytest.approx(0.9)
    assert dlib_threshold(0.0) == DLIB_IMPOSTOR_MEAN and dlib_threshold(1.0) == pytest.approx(1.0)


def _run(root: Path, method: str, per_image: dict[str, list[float]], hib: dict[str, bool]) -> None:
    metrics = {m: {"value": float(np.mean(v)), "definition": {"higher_is_better": hib.get(m)}}
               for m, v in per_image.items()}  # fmt: skip
    per = {m: {f"k{i}": x for i, x in enumerate(v)} for m, v in per_image.items()}
    write_json(root / method / "scores.json", {"metrics": metrics, "per_image": per})


def test_rank_set_rules(tmp_path: Path) -> None:
    base = np.linspace(20, 24, 10)
    noise = np.array([0.3, -0.2, 0.1, 0.0, -0.1, 0.2, -0.3, 0.1, 0.0, 0.05])
    runs = {"ref": base + 5, "a": base + 1 + noise, "b": base, "c": base - 1}
    for m, v in runs.items():
        _run(tmp_path, m, {"psnr": list(v), "odd": list(v)}, {"psnr": True})
    values = {
        m: {"psnr": float(v.mean()), "odd": float(v.mean()), "none": float("nan")} for m, v in runs.items()
    }
    values["c"]["solo"] = 1.0
    hib = {"psnr": True, "odd": None, "solo": False, "none": True}
    verdicts = rank_set(values, hib, lambda m: tmp_path / m, reference_rows=["ref"], unranked=["zzz"])
    # odd: no direction; solo: one method only; none: not finite anywhere — none of them ranked
    assert set(verdicts) == {"psnr"}
    v = verdicts["psnr"]
    assert (v.metric, v.best, v.runner_up) == ("psnr", "a", "b")  # the reference row takes no part
    ref = compare_metric("psnr", Run(tmp_path / "a"), Run(tmp_path / "b"), 0)
    assert v.result.p == ref.p and v.result.p_holm == ref.p and v.significant
    seeded = rank_set(values, hib, lambda m: tmp_path / m, reference_rows=["ref"], seed=3)["psnr"]
    assert seeded.result.p == compare_metric("psnr", Run(tmp_path / "a"), Run(tmp_path / "b"), 3).p
    # a metric column the runs cannot test (no per-image values): reported unmarked with the reason
    values["a"]["fid"] = values["b"]["fid"] = 1.0
    verdicts = rank_set(values, {**hib, "fid": False}, lambda m: tmp_path / m, reference_rows=["ref"])
    fid = verdicts["fid"]
    assert (fid.metric, fid.best, fid.runner_up, fid.result) == ("fid", "a", "b", None)
    assert fid.why.startswith("metric 'fid' has no value in both") and not fid.significant
    assert verdicts["psnr"].significant  # the untestable column does not enter Holm's family
    assert rank_set(values, hib, lambda m: tmp_path / m, unranked=["psnr"], reference_rows=["ref"]) == {}


def test_rank_set_ties_keep_the_input_order(tmp_path: Path) -> None:
    for m in ("b", "a"):
        _run(tmp_path, m, {"lpips": [0.1, 0.2, 0.3]}, {"lpips": False})
    values = {"b": {"lpips": 0.2}, "a": {"lpips": 0.2}}
    v = rank_set(values, {"lpips": False}, lambda m: tmp_path / m)["lpips"]
    assert (v.best, v.runner_up) == ("b", "a")


def test_mmd_to_a_fixed_reference_is_the_unbiased_estimator() -> None:
    from flipnet_bench.stats.gram import MMDSubsets

    rng = np.random.default_rng(5)
    x, ref = rng.normal(size=(10, 4)) + 0.2, rng.normal(size=(7, 4))
    k = lambda a, b: (a @ b / 4 + 1.0) ** 3  # noqa: E731
    idx = np.array([[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]])
    got = MMDSubsets(x, ref).distance(idx)
    for row, value in zip(idx, got):
        s = x[row]
        xx = np.mean([k(s[i], s[j]) for i in range(5) for j in range(5) if i != j])
        rr = np.mean([k(ref[i], ref[j]) for i in range(7) for j in range(7) if i != j])
        xr = np.mean([k(a, b) for a in s for b in ref])
        assert value == pytest.approx(xx + rr - 2 * xr, rel=1e-10)
    custom = MMDSubsets(x, ref, degree=2, gamma=1.0, coef=0.5).distance(idx[0])[0]
    k2 = lambda a, b: (a @ b + 0.5) ** 2  # noqa: E731
    s = x[idx[0]]
    ref_value = (np.mean([k2(s[i], s[j]) for i in range(5) for j in range(5) if i != j])
                 + np.mean([k2(ref[i], ref[j]) for i in range(7) for j in range(7) if i != j])
                 - 2 * np.mean([k2(a, b) for a in s for b in ref]))  # fmt: skip
    assert custom == pytest.approx(ref_value, rel=1e-10)


def test_paired_frechet_batches_and_refuses_bad_shapes() -> None:
    from flipnet_bench.errors import BenchError

    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(12, 3)), rng.normal(size=(12, 3)) + 0.5
    paired = PairedFrechetSubsets(x, y)
    idx = np.array([[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]])
    batch = paired.distance(idx)
    assert batch == pytest.approx([paired.distance(row)[0] for row in idx], rel=1e-12)
    assert np.isfinite(paired.distance(np.array([0, 1]))[0])  # two rows are enough
    with pytest.raises(BenchError, match=r"^feature matrices \(12, 3\) and \(12, 2\) differ in dimension$"):
        PairedFrechetSubsets(x, y[:, :2])
    with pytest.raises(BenchError, match=r"^feature matrices \(12,\) and \(12, 3\) differ in dimension$"):
        PairedFrechetSubsets(x[:, 0], y)
    with pytest.raises(BenchError, match=r"^feature matrices \(12, 3\) and \(12,\) differ in dimension$"):
        PairedFrechetSubsets(x, y[:, 0])
    msg = r"^paired Fréchet distance needs equal subsets of >= 2 rows, got \(1, 1\)$"
    with pytest.raises(BenchError, match=msg):
        paired.distance(np.array([0]))
    with pytest.raises(BenchError, match=r"got \(1, 3\)$"):
        paired.distance(np.array([0, 1, 2]), np.array([0, 1]))


def _scored(folder: Path, per_image: dict[str, dict[str, object]], keys: list[str] | None = None) -> Run:
    metrics = {m: {"value": 1.0, "definition": {"higher_is_better": True}} for m in per_image}
    folder.mkdir(parents=True, exist_ok=True)  # json.dumps: NaN allowed, as a hand-edited file may hold
    (folder / "scores.json").write_text(json.dumps({"metrics": metrics, "per_image": per_image}))
    return Run(folder)


def test_run_per_image_keeps_finite_numbers_only(tmp_path: Path) -> None:
    run = _scored(tmp_path, {"psnr": {"a": 1.0, "b": None, "c": float("nan"), "d": 2, "e": "x"}})
    assert run.per_image("psnr") == {"a": 1.0, "d": 2}
    assert run.per_image("ssim") == {}


def test_compare_means_needs_three_shared_images_and_passes_the_seed(tmp_path: Path) -> None:
    from flipnet_bench.errors import BenchError
    from flipnet_bench.stats.paired import paired_means

    a = _scored(tmp_path / "a", {"psnr": {"x": 1.0, "y": 2.5, "z": 3.0, "only_a": 9.0}})
    b = _scored(tmp_path / "b", {"psnr": {"x": 0.5, "y": 2.0, "z": 1.0}})
    got = compare_metric("psnr", a, b, seed=5)
    assert got.p == paired_means("psnr", np.array([1.0, 2.5, 3.0]), np.array([0.5, 2.0, 1.0]), seed=5).p
    assert got.n == 3
    c = _scored(tmp_path / "c", {"psnr": {"x": 0.5, "y": 2.0}})
    with pytest.raises(BenchError, match=r"^psnr: only 2 images have values in both"):
        compare_metric("psnr", a, c)


def test_feature_sets_must_match_and_the_message_names_the_difference(tmp_path: Path) -> None:
    from flipnet_bench.errors import BenchError
    from flipnet_bench.stats.features import FEATURES_FILE, save_features

    for name, keys in (("a", list("abcdefgh")), ("b", list("abcmnopqrs"))):
        run = _scored(tmp_path / name, {"psnr": {k: 1.0 for k in keys}})
        run.result["metrics"]["fid"] = {"value": 1.0}
        write_json(tmp_path / name / "scores.json", run.result)
        feats = {"keys": np.array(keys), "pred": np.zeros((len(keys), 2)), "ref": np.zeros((3, 2))}
        save_features(tmp_path / name / FEATURES_FILE, {"fid": feats})
    msg = r"^fid: the two runs scored different images \(e\.g\. \['d', 'e', 'f', 'g', 'h'\]\); compare equal"
    with pytest.raises(BenchError, match=msg):
        compare_metric("fid", Run(tmp_path / "a"), Run(tmp_path / "b"))


def test_format_table_renders_every_verdict() -> None:
    from flipnet_bench.stats.compare import format_table

    report = {"a": "runs/a", "b": "runs/b", "alpha": 0.05, "metrics": [
        {"metric": "psnr", "a": 25.0, "b": 24.0, "diff": 1.0, "ci95": [0.5, 1.5], "p": 0.001, "p_holm": 0.002,
         "better": "a"},
        {"metric": "lpips", "a": 0.3, "b": 0.2, "diff": 0.1, "ci95": None, "p": 0.01, "p_holm": 0.02,
         "better": "b"},
        {"metric": "ssim", "a": 0.7, "b": 0.7, "diff": 0.0, "ci95": [-0.01, 0.02], "p": 0.9, "p_holm": 0.9,
         "better": None}]}  # fmt: skip
    assert format_table(report, "new", "old").split("\n") == [
        "A = runs/a",
        "B = runs/b",
        "| metric | A | B | A − B [95% CI] | p | p (Holm) | verdict (α = 0.05) |",
        "|---|---|---|---|---|---|---|",
        "| psnr | 25 | 24 | 1 [0.5, 1.5] | 0.0010 | 0.0020 | new better |",
        "| lpips | 0.3 | 0.2 | 0.1 | 0.0100 | 0.0200 | old better |",
        "| ssim | 0.7 | 0.7 | 0 [-0.01, 0.02] | 0.9000 | 0.9000 | tie (not significant) |",
    ]
    assert "| psnr | 25 | 24 | 1 [0.5, 1.5] | 0.0010 | 0.0020 | A better |" in format_table(report)
    assert "| lpips | 0.3 | 0.2 | 0.1 | 0.0100 | 0.0200 | B better |" in format_table(report)


def test_float32_inputs_are_evaluated_in_float64() -> None:
    """Features are stored as float32; every evaluator converts before multiplying (float32 Gram matrices
    would differ from these in the 7th digit)."""
    from flipnet_bench.stats.gram import MMDSubsets

    rng = np.random.default_rng(7)
    x32, y32 = (
        (rng.normal(size=(9, 5)) * 30).astype(np.float32),
        (rng.normal(size=(9, 5)) * 30).astype(np.float32),
    )
    x64, y64 = x32.astype(np.float64), y32.astype(np.float64)
    idx = np.arange(9)
    assert PairedFrechetSubsets(x32, y32).distance(idx) == pytest.approx(
        PairedFrechetSubsets(x64, y64).distance(idx), rel=1e-13
    )
    np.testing.assert_allclose(poly_kernel(x32, y32), poly_kernel(x64, y64), rtol=1e-14)
    np.testing.assert_allclose(poly_kernel(x32, y64), poly_kernel(x64, y64), rtol=1e-14)
    np.testing.assert_allclose(poly_kernel(x64, y32), poly_kernel(x64, y64), rtol=1e-14)
    assert MMDSubsets(x32, y32).distance(idx) == pytest.approx(MMDSubsets(x64, y64).distance(idx), rel=1e-13)
    v32 = (rng.normal(size=7) * 100).astype(np.float32)
    assert bootstrap_mean_interval(v32) == pytest.approx(
        bootstrap_mean_interval(v32.astype(np.float64)), rel=1e-14
    )


@pytest.mark.parametrize("reference", ["gt", "ref"])
def test_compare_picks_the_evaluator_and_seed_for_fid_and_kid(tmp_path: Path, reference: str) -> None:
    from flipnet_bench.stats.compare import compare_runs
    from flipnet_bench.stats.features import FEATURES_FILE, save_features
    from flipnet_bench.stats.gram import FrechetSubsets, MMDSubsets
    from flipnet_bench.stats.paired import paired_distribution

    rng = np.random.default_rng(10)
    n, keys = 8, np.array([f"k{i}" for i in range(8)])
    other = rng.normal(size=(n if reference == "gt" else 12, 3))
    preds = {"a": rng.normal(size=(n, 3)), "b": rng.normal(size=(n, 3)) + 0.4}
    for name, pred in preds.items():
        metrics = {m: {"value": 1.0} for m in ("fid", "kid")}
        write_json(tmp_path / name / "scores.json", {"metrics": metrics, "per_image": {}})
        arrays = {"keys": keys, "pred": pred.astype(np.float32), reference: other.astype(np.float32)}
        save_features(tmp_path / name / FEATURES_FILE, {"fid": arrays, "kid": arrays})
    stacked = np.concatenate([preds["a"], preds["b"]]).astype(np.float32).astype(np.float64)
    o = other.astype(np.float32).astype(np.float64)
    if reference == "gt":
        evaluators = {"fid": PairedFrechetSubsets(stacked, o), "kid": PairedMMDSubsets(stacked, o)}
        distance = {m: (lambda idx, e=e: e.distance(idx, idx % n)) for m, e in evaluators.items()}
    else:
        distance = {"fid": FrechetSubsets(stacked, o.mean(0), np.cov(o, rowvar=False)).distance,
                    "kid": MMDSubsets(stacked, o).distance}  # fmt: skip
    report = {r["metric"]: r for r in compare_runs(tmp_path / "a", tmp_path / "b", seed=4)["metrics"]}
    default = {r["metric"]: r for r in compare_runs(tmp_path / "a", tmp_path / "b")["metrics"]}
    for metric in ("fid", "kid"):
        want = paired_distribution(metric, distance[metric], n, seed=4)
        got = compare_metric(metric, Run(tmp_path / "a"), Run(tmp_path / "b"), seed=4)
        assert (got.diff, got.p, *got.ci95) == pytest.approx((want.diff, want.p, *want.ci95), rel=1e-9)
        assert report[metric]["p"] == got.p and report[metric]["higher_is_better"] is None
        assert report[metric]["better"] is None  # no recorded direction: never called a winner
        assert default[metric]["p"] == paired_distribution(metric, distance[metric], n, seed=0).p
