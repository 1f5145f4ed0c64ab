"""``flipnet-bench compare``: paired tests of two scored runs, Holm's correction, the CLI, the score chain."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from flipnet_bench.cli import main
from flipnet_bench.errors import BenchError
from flipnet_bench.io import write_image, write_json
from flipnet_bench.stats.compare import compare_runs
from flipnet_bench.stats.features import FEATURES_FILE, load_features, save_features
from flipnet_bench.stats.gram import FrechetSubsets
from flipnet_bench.stats.paired import PairedResult, holm, paired_distribution, paired_means


def _run(folder: Path, per_image: dict[str, dict[str, float]], feats: np.ndarray, ref: np.ndarray) -> Path:
    """A scored run as the pipeline writes it: scores.json (values, per-image) and features.npz."""
    hib = {"psnr": True, "ssim": True, "fid": False}
    metrics = {m: {"value": float(np.mean(list(v.values()))), "definition": {"higher_is_better": hib[m]}}
               for m, v in per_image.items()}  # fmt: skip
    metrics["fid"] = {"value": 1.0, "definition": {"higher_is_better": False}}
    write_json(folder / "scores.json", {"metrics": metrics, "per_image": per_image})
    keys = np.array(list(per_image["psnr"]))
    save_features(folder / FEATURES_FILE, {"fid": {"keys": keys, "pred": feats, "ref": ref}})
    return folder


@pytest.fixture
def runs(tmp_path: Path) -> tuple[Path, Path]:
    """A beats B on PSNR by ~1 dB per image; SSIM equal up to symmetric noise; FID: B is shifted."""
    rng = np.random.default_rng(0)
    keys = [f"im{i:02d}" for i in range(40)]
    base, ssim = rng.normal(25, 2, 40), rng.uniform(0.6, 0.8, 40)
    ref = rng.normal(size=(60, 16))
    feats_a, feats_b = rng.normal(size=(40, 16)), rng.normal(size=(40, 16)) + 0.8
    a = {"psnr": dict(zip(keys, base + 1 + rng.normal(0, 0.2, 40))),
         "ssim": dict(zip(keys, ssim + rng.normal(0, 0.01, 40)))}  # fmt: skip
    b = {"psnr": dict(zip(keys, base)), "ssim": dict(zip(keys, ssim + rng.normal(0, 0.01, 40)))}
    return _run(tmp_path / "a", a, feats_a, ref), _run(tmp_path / "b", b, feats_b[::-1][::-1], ref)


def test_compare_finds_the_real_difference_and_calls_the_rest_a_tie(runs: tuple[Path, Path]) -> None:
    report = compare_runs(*runs)
    rows = {r["metric"]: r for r in report["metrics"]}
    assert set(rows) == {"psnr", "ssim", "fid"}
    assert rows["psnr"]["better"] == "a" and rows["psnr"]["ci95"][0] > 0.8 and rows["psnr"]["p_holm"] < 0.01
    assert rows["ssim"]["better"] is None and rows["ssim"]["p_holm"] > 0.05  # same up to noise: a tie
    assert rows["fid"]["better"] == "a" and rows["fid"]["diff"] < 0  # lower FID is better
    for r in rows.values():
        assert r["ci95"][0] <= r["diff"] <= r["ci95"][1] and r["p"] <= r["p_holm"] <= 1


def test_swapping_runs_mirrors_the_result(runs: tuple[Path, Path]) -> None:
    ab, ba = compare_runs(*runs), compare_runs(*runs[::-1])
    for x, y in zip(ab["metrics"], ba["metrics"]):
        assert x["diff"] == pytest.approx(-y["diff"]) and x["p"] == pytest.approx(y["p"], abs=0.02)
        assert {x["better"], y["better"]} in ({None}, {"a", "b"})


def test_permutation_tests_hold_their_level_under_the_null() -> None:
    """Identically distributed runs: the 5% test rejects about 5% of the time (exact for sign flips)."""
    rng = np.random.default_rng(1)
    p_means = [paired_means("m", rng.normal(size=20), rng.normal(size=20), seed=s, permutations=2000).p
               for s in range(300)]  # fmt: skip
    assert 0.02 <= np.mean(np.array(p_means) < 0.05) <= 0.09
    ref = rng.normal(size=(50, 8))
    p_fid = []
    for s in range(60):
        stacked = rng.normal(size=(32, 8))  # both runs drawn from one distribution
        fid = FrechetSubsets(stacked, ref.mean(0), np.cov(ref, rowvar=False))
        p_fid.append(paired_distribution("fid", fid.distance, 16, seed=s, permutations=200).p)
    assert np.mean(np.array(p_fid) < 0.05) <= 0.12


def test_holm_adjusts_step_down() -> None:
    rows = [PairedResult(m, 0, 0, 0, None, p, 10, "") for m, p in (("x", 0.01), ("y", 0.04), ("z", 0.03))]
    holm(rows)
    assert [r.p_holm for r in rows] == pytest.approx([0.03, 0.06, 0.06])


def test_bad_runs_are_clear_errors(runs: tuple[Path, Path], tmp_path: Path) -> None:
    with pytest.raises(BenchError, match="scored run folder"):
        compare_runs(tmp_path / "missing", runs[1])
    other = json.loads((runs[1] / "scores.json").read_text())
    other["per_image"]["psnr"] = {"x": 1.0}
    write_json(tmp_path / "c" / "scores.json", other)
    with pytest.raises(BenchError, match="only 0 images"):
        compare_runs(runs[0], tmp_path / "c", ["psnr"])
    with pytest.raises(BenchError, match="no fid features"):
        compare_runs(runs[0], tmp_path / "c", ["fid"])


def test_cli_prints_the_table_and_writes_json(runs: tuple[Path, Path], tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    assert main(["compare", str(runs[0]), str(runs[1]), "--out", str(tmp_path / "c.json")]) == 0
    out = capsys.readouterr().out
    assert "| psnr |" in out and "A better" in out and "tie (not significant)" in out
    assert json.loads((tmp_path / "c.json").read_text())["correction"] == "holm"
    assert main(["compare", str(tmp_path / "nowhere"), str(runs[1])]) == 2


def test_score_chain_saves_features_that_compare_reads(tmp_path: Path) -> None:
    """score_folders → features.npz → compare, with FID vs the GT of the same images (64-d, fast)."""
    from flipnet_bench.metrics.score import score_folders
    from flipnet_bench.weights import fetch

    fetch(["fid_inception_v3"])
    rng = np.random.default_rng(0)
    for i in range(8):
        gt = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
        write_image(tmp_path / "gt" / f"im{i}.png", gt)
        for name, noise in (("good", 5), ("bad", 60)):
            pred = np.clip(gt + rng.integers(-noise, noise + 1, gt.shape), 0, 255).astype(np.uint8)
            write_image(tmp_path / name / f"im{i}.png", pred)
    for name in ("good", "bad"):
        per_image: dict = {}
        arrays: dict = {}
        report = score_folders(
            tmp_path / name, gt=tmp_path / "gt", metrics=["psnr", "fid"], per_image=per_image,
            metric_kwargs={"fid": {"dims": 64}}, arrays=arrays,
        )  # fmt: skip
        fid = report["metrics"]["fid"]
        assert fid["ci95"][0] <= fid["value"] <= fid["ci95"][1]
        write_json(tmp_path / "runs" / name / "scores.json", {**report, "per_image": per_image})
        save_features(tmp_path / "runs" / name / FEATURES_FILE, arrays)
    assert set(load_features(tmp_path / "runs" / "good" / FEATURES_FILE)["fid"]) == {"keys", "pred", "gt"}
    rows = {
        r["metric"]: r for r in compare_runs(tmp_path / "runs" / "good", tmp_path / "runs" / "bad")["metrics"]
    }
    assert rows["psnr"]["better"] == "a" and rows["fid"]["diff"] < 0


def test_fid_against_a_statistics_file_as_the_pipeline_scores_it(tmp_path: Path) -> None:
    """The pipeline's FID uses a fixed reference .npz, recorded in extra.reference_stats: compare reads it."""
    from flipnet_bench.metrics.frechet import FeatureStats

    rng = np.random.default_rng(3)
    stats = FeatureStats()
    stats.update(rng.normal(size=(80, 8)))
    stats.save(tmp_path / "ref.npz")
    keys = np.array([f"k{i}" for i in range(24)])
    for name, shift in (("near", 0.0), ("far", 1.5)):
        entry = {"value": 1.0, "definition": {"higher_is_better": False},
                 "extra": {"reference_stats": str(tmp_path / "ref.npz")}}  # fmt: skip
        write_json(tmp_path / name / "scores.json", {"metrics": {"fid": entry}})
        pred = rng.normal(size=(24, 8)) + shift
        save_features(tmp_path / name / FEATURES_FILE, {"fid": {"keys": keys, "pred": pred}})
    row = compare_runs(tmp_path / "near", tmp_path / "far")["metrics"][0]
    assert row["better"] == "a" and row["ci95"][1] < 0 and row["p"] < 0.01
    other = json.loads((tmp_path / "far" / "scores.json").read_text())
    other["metrics"]["fid"]["extra"]["reference_stats"] = "elsewhere.npz"
    write_json(tmp_path / "far" / "scores.json", other)
    with pytest.raises(BenchError, match="different or unrecorded references"):
        compare_runs(tmp_path / "near", tmp_path / "far")
