"""The statistics against independent references: scipy.stats, exact enumeration, hand-computed formulas.

Each test recomputes its expected value without the code under test (scipy's t distribution, the jackknife
identity for the mean, all 2ⁿ sign flips, Holm's step-down written out, the protocol's own thresholds), so a
wrong quantile, a narrowed interval, a lost ``+1`` or a skipped correction changes the answer.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps

from flipnet_bench.io import write_json
from flipnet_bench.protocols import get_protocol
from flipnet_bench.report.leaderboard import load_board
from flipnet_bench.stats import paired
from flipnet_bench.stats.gate import DLIB_IMPOSTOR_MEAN, pass_rate
from flipnet_bench.stats.intervals import (
    bootstrap_mean_interval,
    jackknife_interval,
    jackknife_se,
    mean_interval,
    t_quantile,
)


@pytest.mark.parametrize("n", [2, 3, 5, 12, 40])
@pytest.mark.parametrize("level", [0.95, 0.9])
def test_t_interval_is_scipys(n: int, level: float) -> None:
    x = np.random.default_rng(n).normal(3.0, 2.0, n)
    low, high = mean_interval(x, level)
    ref = sps.t.interval(level, n - 1, loc=x.mean(), scale=sps.sem(x))
    assert (low, high) == pytest.approx(ref, rel=1e-12, abs=1e-12)
    assert t_quantile(n, level) == pytest.approx(sps.t.isf((1 - level) / 2, n - 1), rel=1e-12)


def test_t_interval_edge_cases() -> None:
    assert mean_interval(np.array([1.0])) is None
    assert mean_interval(np.array([2.0, 2.0, 2.0])) == (2.0, 2.0)
    assert bootstrap_mean_interval(np.array([1.0])) is None


def test_jackknife_se_is_the_hand_formula_and_equals_s_over_root_n_for_the_mean() -> None:
    x = np.random.default_rng(1).normal(size=9)
    n = len(x)
    loo = np.array([(x.sum() - xi) / (n - 1) for xi in x])  # leave-one-out means
    hand = math.sqrt((n - 1) / n * sum((v - loo.mean()) ** 2 for v in loo))
    assert jackknife_se(loo) == pytest.approx(hand, rel=1e-12)
    assert jackknife_se(loo) == pytest.approx(x.std(ddof=1) / math.sqrt(n), rel=1e-12)  # Efron's identity
    # so the jackknife interval of the mean is the t interval, and both are scipy's
    ci = jackknife_interval(float(x.mean()), loo)
    assert ci == pytest.approx(sps.t.interval(0.95, n - 1, loc=x.mean(), scale=sps.sem(x)), rel=1e-12)
    assert jackknife_interval(float(x.mean()), loo, level=0.8) == pytest.approx(
        sps.t.interval(0.8, n - 1, loc=x.mean(), scale=sps.sem(x)), rel=1e-12
    )


def test_jackknife_interval_edge_cases() -> None:
    assert jackknife_interval(1.0, np.array([1.0, 2.0])) is None  # fewer than 3 leave-one-out values
    assert jackknife_interval(float("nan"), np.array([1.0, 2.0, 3.0])) is None
    assert jackknife_interval(float("inf"), np.array([1.0, 2.0, 3.0])) is None
    assert jackknife_interval(5.0, np.array([1.0, 2.0, 3.0])) is not None


def test_bootstrap_percentiles_are_of_resampled_means() -> None:
    x = np.arange(10.0)
    low, high = bootstrap_mean_interval(x, reps=4000, seed=3)
    rng = np.random.default_rng(3)
    means = x[rng.integers(0, 10, size=(4000, 10))].mean(1)
    assert (low, high) == pytest.approx(tuple(np.quantile(means, [0.025, 0.975])))
    assert bootstrap_mean_interval(x, reps=4000, seed=3, level=0.5)[1] < high


def test_permutation_p_value_counts_ties_and_adds_one() -> None:
    null = np.array([2.0, -2.0, 1.0, 0.0, -0.5])
    assert paired._p_value(2.0, null) == pytest.approx(3 / 6)  # |±2| >= 2 twice, plus the observed
    assert paired._p_value(-2.0, null) == pytest.approx(3 / 6)
    assert paired._p_value(5.0, null) == pytest.approx(1 / 6)  # never 0
    assert paired._p_value(0.0, null) == 1.0
    assert paired._p_value(0.75, null) == pytest.approx(4 / 6)


def _exact_sign_flip_p(d: np.ndarray) -> float:
    """Two-sided p of the sign-flip test by enumerating all 2ⁿ sign vectors (the identity included)."""
    signs = np.array(list(itertools.product([-1, 1], repeat=len(d))))
    return float(np.mean(np.abs(signs @ d) >= abs(d.sum()) - 1e-9))


@pytest.mark.parametrize(
    "d",
    [
        [1.0] * 8,
        [1, 1, 1, 1, 1, 1, 0.5, -0.5],
        [3, 3, 2, 2, 2, 1, 1, -1],
        [0.3, -1.2, 0.8, 0.1, -0.4, 1.5, 0.2, 0.9, -0.1],
    ],
)
def test_sign_flip_p_matches_exact_enumeration_and_scipy(d: list[float]) -> None:
    d = np.asarray(d, float)
    b = np.linspace(20, 25, len(d))
    result = paired.paired_means("m", b + d, b, seed=0)
    exact = _exact_sign_flip_p(d)
    se = math.sqrt(exact * (1 - exact) / paired.MEAN_PERMUTATIONS)
    assert abs(result.p - exact) <= 4 * se + 1 / paired.MEAN_PERMUTATIONS
    assert result.diff == pytest.approx(d.mean()) and result.n == len(d)
    assert result.a == pytest.approx((b + d).mean()) and result.b == pytest.approx(b.mean())
    if d.std() > 0:
        ref = sps.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=sps.sem(d))
        assert result.ci95 == pytest.approx(ref, rel=1e-12)
    else:
        assert result.ci95 == (d.mean(), d.mean())
    flip = sps.permutation_test(
        (b + d, b),
        lambda x, y: np.mean(x - y),
        permutation_type="samples",
        alternative="two-sided",
        n_resamples=10**6,
    )
    assert flip.pvalue == pytest.approx(exact, abs=1e-9)  # scipy enumerates all 2ⁿ flips here


def test_p_value_floor_is_one_over_draws_plus_one() -> None:
    d = np.full(20, 5.0)
    result = paired.paired_means("m", d, np.zeros(20), permutations=10)
    assert result.p == pytest.approx(1 / 11)


# --- the leaderboard path: marks rest on Holm-adjusted p-values ------------------------------------------

#: Per-image differences (better method − runner-up) whose exact two-sided sign-flip p-values are
#: 2/256, 4/256, 6/256 and 8/256 (enumerated in the test).
D_0078 = [1.0] * 8
D_0156 = [1.0] * 7 + [-0.5]
D_0234 = [1.0] * 6 + [0.5, -0.5]
D_0313 = [3.0, 3.0, 2.0, 2.0, 2.0, 1.0, 1.0, -1.0]
HIB = {"psnr": True, "ssim": True, "lpips": False}


def _hand_holm(p: dict[str, float]) -> dict[str, float]:
    """Holm's step-down written out: p_(1) ≤ … ≤ p_(m), adj_(i) = max_{j ≤ i} min(1, (m-j+1) p_(j))."""
    names = sorted(p, key=p.get)
    m, out, running = len(names), {}, 0.0
    for j, name in enumerate(names, start=1):
        running = max(running, min(1.0, (m - j + 1) * p[name]))
        out[name] = running
    return out


def _board_set(root: Path, diffs: dict[str, list[float]]) -> Path:
    """Two methods on one set with ground truth: ``a`` better than ``b`` by ``diffs[metric]`` per image."""
    base = np.linspace(0.3, 0.7, 8)
    for method in ("a", "b"):
        metrics, per_image = {}, {}
        for metric, d in diffs.items():
            sign = 1.0 if HIB[metric] else -1.0
            values = base + (sign * np.asarray(d) if method == "a" else 0.0)
            per_image[metric] = {f"k{i}": float(v) for i, v in enumerate(values)}
            metrics[metric] = {
                "value": float(values.mean()),
                "ci95": None,
                "n": 8,
                "definition": {"higher_is_better": HIB[metric]},
            }
        write_json(
            root / "synth" / method / "scores.json",
            {"metrics": metrics, "per_image": per_image, "run": {"dataset": "synth", "has_gt": True}},
        )
    return root


@pytest.mark.parametrize(
    ("diffs", "bold"),
    [
        # two raw p = 0.031: each significant alone, neither after Holm (2 × 0.031 > 0.05)
        ({"psnr": D_0313, "ssim": D_0313}, set()),
        # raw 0.008, 0.016, 0.031: Holm (step-down) keeps all three, Bonferroni would drop the last
        ({"psnr": D_0078, "ssim": D_0156, "lpips": D_0313}, {"psnr", "ssim", "lpips"}),
        # raw 0.008, 0.023, 0.031: Holm 0.023, 0.047, 0.047
        ({"psnr": D_0078, "ssim": D_0234, "lpips": D_0313}, {"psnr", "ssim", "lpips"}),
        # raw 0.016 ×3: Holm 0.047 for each
        ({"psnr": D_0156, "ssim": D_0156, "lpips": D_0156}, {"psnr", "ssim", "lpips"}),
        # raw 0.023, 0.031, 0.031: Holm 0.070, 0.070, 0.070
        ({"psnr": D_0234, "ssim": D_0313, "lpips": D_0313}, set()),
    ],
)
def test_leaderboard_marks_follow_hand_computed_holm(tmp_path: Path, diffs: dict, bold: set[str]) -> None:
    board = load_board(_board_set(tmp_path, diffs), ["synth"], ["a", "b"], list(diffs))
    raw = {}
    for metric, d in diffs.items():
        verdict = board.verdicts[("synth", metric)]
        assert (verdict.best, verdict.runner_up) == ("a", "b")
        exact = _exact_sign_flip_p(np.asarray(d))
        assert verdict.result.p == pytest.approx(exact, abs=0.004)
        raw[metric] = verdict.result.p
    expected = _hand_holm(raw)
    for metric in diffs:
        assert board.verdicts[("synth", metric)].result.p_holm == pytest.approx(expected[metric], rel=1e-12)
    assert {m for m in diffs if board.cells[("synth", "a")][m].best} == bold
    ties = {m for m in diffs if board.cells[("synth", "a")][m].tie and board.cells[("synth", "b")][m].tie}
    assert ties == set(diffs) - bold
    assert not any(c.best for c in board.cells[("synth", "b")].values())


NTIRE_SETS = {
    "CelebA": "celeba",
    "LFW-Test": "lfw-test",
    "CelebChild-Test": "celebchild-test",
    "Wider-Test": "wider-test",
    "WebPhoto-Test": "webphoto-test",
}


def test_leaderboard_gate_uses_the_protocols_thresholds(tmp_path: Path) -> None:
    """The leaderboard's ID-gate threshold of each NTIRE set is the protocol's AdaFace threshold mapped onto
    dlib's scale (``m + t (1 - m)``, m the measured impostor mean), and its pass rate counts ``>=``."""
    protocol = get_protocol("ntire2025")
    expected = {}
    for dataset, folder in NTIRE_SETS.items():
        t = DLIB_IMPOSTOR_MEAN + protocol.gate.threshold(dataset) * (1 - DLIB_IMPOSTOR_MEAN)
        expected[folder] = t
        # 3 images just below, 1 exactly at, 4 above the threshold
        values = [t - 1e-3, t - 1e-6, t - 0.05, t, t + 1e-6, t + 1e-3, t + 0.05, 1.0]
        per = {"ids_dlib": {f"k{i}": v for i, v in enumerate(values)}}
        metrics = {
            "ids_dlib": {"value": float(np.mean(values)), "n": 8, "definition": {"higher_is_better": True}}
        }
        write_json(
            tmp_path / folder / "m" / "scores.json",
            {"metrics": metrics, "per_image": per, "run": {"dataset": dataset, "has_gt": False}},
        )
    board = load_board(tmp_path, list(NTIRE_SETS.values()), ["m"], ["ids_dlib"])
    for folder, t in expected.items():
        rate, passed, total, threshold = board.gates[(folder, "m")]
        assert threshold == pytest.approx(t, abs=1e-12), folder
        assert (rate, passed, total) == (5 / 8, 5, 8), folder


def test_pass_rate_counts_missing_values_as_failures() -> None:
    assert pass_rate({"a": 0.9, "b": float("nan"), "c": None, "d": 0.5}, 0.5) == (0.5, 2, 4)  # type: ignore[dict-item]
    rate, passed, total = pass_rate({}, 0.5)
    assert math.isnan(rate) and (passed, total) == (0, 0)
