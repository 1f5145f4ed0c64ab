"""``compare_runs`` against hand-built expectations: feature rows matched by image key, the seed reaching the
statistics-file test, the strict α boundary, the verdict for an exact difference of 1 and the row schema."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from flipnet_bench.errors import BenchError
from flipnet_bench.io import write_json
from flipnet_bench.stats.compare import Run, compare_metric, compare_runs
from flipnet_bench.stats.features import FEATURES_FILE, save_features
from flipnet_bench.stats.gram import FrechetSubsets
from flipnet_bench.stats.paired import paired_distribution, paired_means

ROW_KEYS = {"metric", "a", "b", "diff", "ci95", "p", "n", "method", "p_holm", "higher_is_better",
            "significant", "better"}  # fmt: skip


def _features_run(
    folder: Path, keys: list[str], arrays: dict[str, np.ndarray], extra: dict | None = None
) -> Run:
    entry = {"value": 1.0, **({"extra": extra} if extra else {})}
    write_json(folder / "scores.json", {"metrics": {"fid": entry}, "per_image": {}})
    save_features(folder / FEATURES_FILE, {"fid": {"keys": np.array(keys), **arrays}})
    return Run(folder)


@pytest.mark.parametrize("reference", ["gt", "ref"])
def test_features_of_b_are_matched_to_a_by_image_key(tmp_path: Path, reference: str) -> None:
    rng = np.random.default_rng(3)
    keys = [f"k{i}" for i in range(10)]
    pred_a, pred_b = rng.normal(size=(10, 3)), rng.normal(size=(10, 3)) + 0.5
    other = rng.normal(size=(10 if reference == "gt" else 14, 3))
    a = _features_run(tmp_path / "a", keys, {"pred": pred_a, reference: other})
    b = _features_run(tmp_path / "b", keys, {"pred": pred_b, reference: other})
    perm = rng.permutation(10)
    shuffled = {"pred": pred_b[perm], reference: other[perm] if reference == "gt" else other}
    b_shuffled = _features_run(tmp_path / "b2", [keys[i] for i in perm], shuffled)
    want, got = compare_metric("fid", a, b, seed=2), compare_metric("fid", a, b_shuffled, seed=2)
    assert (got.diff, got.p, got.ci95) == (want.diff, want.p, want.ci95)


def test_statistics_file_reference_uses_the_seed(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    ref = rng.normal(size=(30, 3))
    stats = tmp_path / "ref.npz"
    np.savez(stats, mu=ref.mean(0), sigma=np.cov(ref, rowvar=False))
    keys = [f"k{i}" for i in range(8)]
    preds = {"a": rng.normal(size=(8, 3)), "b": rng.normal(size=(8, 3)) + 0.4}
    runs = [
        _features_run(tmp_path / n, keys, {"pred": p}, {"reference_stats": str(stats)})
        for n, p in preds.items()
    ]
    fixed = FrechetSubsets(np.concatenate(list(preds.values())), ref.mean(0), np.cov(ref, rowvar=False))
    for seed in (0, 7):
        want = paired_distribution("fid", fixed.distance, 8, seed=seed)
        got = compare_metric("fid", *runs, seed=seed)
        assert (got.diff, got.p, *got.ci95) == pytest.approx((want.diff, want.p, *want.ci95), rel=1e-12)


def _means_runs(tmp_path: Path, diffs: np.ndarray, hib: bool = True) -> tuple[Path, Path]:
    keys = [f"k{i:02d}" for i in range(len(diffs))]
    base = np.arange(len(diffs), dtype=np.float64)
    for name, values in (("a", base + diffs), ("b", base)):
        metrics = {"psnr": {"value": float(values.mean()), "definition": {"higher_is_better": hib}}}
        write_json(tmp_path / name / "scores.json",
                   {"metrics": metrics, "per_image": {"psnr": dict(zip(keys, values.tolist()))}})  # fmt: skip
    return tmp_path / "a", tmp_path / "b"


def test_a_difference_of_exactly_one_gets_its_verdict_and_the_row_schema(tmp_path: Path) -> None:
    diffs = np.tile([1.5, 0.5], 8)  # mean exactly 1.0, sign-flip p = 1/2000-ish
    a, b = _means_runs(tmp_path, diffs)
    (row,) = compare_runs(a, b)["metrics"]
    assert row["diff"] == 1.0 and row["significant"] and row["better"] == "a"
    assert set(row) == ROW_KEYS and isinstance(row["ci95"], list)
    expected = paired_means("psnr", np.arange(16) + diffs, np.arange(16.0), seed=0)
    assert row["ci95"] == list(expected.ci95) and row["p_holm"] == expected.p  # one metric: Holm keeps p
    a, b = _means_runs(tmp_path / "low", diffs, hib=False)
    assert compare_runs(a, b)["metrics"][0]["better"] == "b"


def test_alpha_is_a_strict_bound(tmp_path: Path) -> None:
    a, b = _means_runs(tmp_path, np.array([0.3, -0.1, 0.4, 0.2, -0.2, 0.5, 0.1, 0.3]))
    p = compare_runs(a, b)["metrics"][0]["p_holm"]
    assert 0 < p < 1
    at = compare_runs(a, b, alpha=p)["metrics"][0]
    assert not at["significant"] and at["better"] is None  # p_holm == alpha: not below it
    assert compare_runs(a, b, alpha=min(1.0, p * 1.0001))["metrics"][0]["significant"]


def test_runs_without_a_shared_metric_are_named(tmp_path: Path) -> None:
    for name, metric in (("a", "psnr"), ("b", "ssim")):
        write_json(tmp_path / name / "scores.json", {"metrics": {metric: {"value": 1.0}}, "per_image": {}})
    a, b = tmp_path / "a" / "scores.json", tmp_path / "b" / "scores.json"
    with pytest.raises(BenchError) as err:
        compare_runs(tmp_path / "a", tmp_path / "b")
    assert str(err.value) == f"{a} and {b} share no scored metric"
