"""What ``compare`` accepts and the exact message for what it refuses: the scores JSON's shape, the standalone
per-image Parquet, differing metric definitions, missing per-image values, α, the default seed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from flipnet_bench.errors import BenchError
from flipnet_bench.io import write_json
from flipnet_bench.stats.compare import Run, compare_metric, compare_runs


def _write(folder: Path, result: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scores.json").write_text(json.dumps(result))
    return folder / "scores.json"


@pytest.mark.parametrize(
    ("result", "message"),
    [
        ({"metrics": []}, "not a scores JSON (expected an object with a 'metrics' object, as `flipnet-bench "
                          "score` writes)"),
        ({"metrics": {}, "per_image": [1]}, "'per_image' is not an object"),
        ({"metrics": {"psnr": [1.0]}}, "metrics.psnr is list, expected an object"),
        ({"metrics": {}, "per_image": {"psnr": 2.0}}, "per_image.psnr is float, expected an object"),
        ({"metrics": {}, "info": "x"}, "'info' is not an object"),
    ],
)  # fmt: skip
def test_a_malformed_scores_json_is_named(tmp_path: Path, result: object, message: str) -> None:
    path = _write(tmp_path, result)
    with pytest.raises(BenchError) as err:
        Run(tmp_path)
    assert str(err.value) == f"{path}: {message}"


def test_the_per_image_parquet_named_by_a_standalone_json_is_read(tmp_path: Path) -> None:
    frame = pd.DataFrame({"psnr": [20.5, 30.0], "ssim": [0.5, 0.75]}, index=["im1", "im2"])
    frame.to_parquet(tmp_path / "values.parquet")
    _write(tmp_path, {"metrics": {"psnr": {"value": 1.0}}, "info": {"per_image_file": "values.parquet"}})
    run = Run(tmp_path / "scores.json")
    assert run.result["per_image"] == {"psnr": {"im1": 20.5, "im2": 30.0}, "ssim": {"im1": 0.5, "im2": 0.75}}
    assert run.per_image("psnr") == {"im1": 20.5, "im2": 30.0}
    kept = {"psnr": {"a": 1.0}}  # per-image values in the JSON win; the named file is not read
    _write(tmp_path / "k", {"metrics": {}, "per_image": kept, "info": {"per_image_file": "gone.parquet"}})
    assert Run(tmp_path / "k").result["per_image"] == kept
    missing = _write(tmp_path / "m", {"metrics": {}, "info": {"per_image_file": "gone.parquet"}})
    with pytest.raises(BenchError) as err:
        Run(tmp_path / "m")
    gone = missing.parent / "gone.parquet"
    assert str(err.value) == f"{missing} names its per-image file {gone}, which is missing; re-run score"
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "bad.parquet").write_bytes(b"not parquet")
    _write(tmp_path / "b", {"metrics": {}, "info": {"per_image_file": "bad.parquet"}})
    with pytest.raises(
        BenchError, match=r"bad\.parquet: not a readable per-image Parquet \(.*\); re-run score$"
    ):
        Run(tmp_path / "b")


def test_definitions_must_match_and_the_difference_is_named(tmp_path: Path) -> None:
    runs = {}
    for name, definition in (("a", {"crop": 0, "w": 1, "y": True}), ("b", {"crop": 4, "w": 1}), ("c", None)):
        entry = {"value": 1.0, **({"definition": definition} if definition else {})}
        runs[name] = _write(tmp_path / name, {"metrics": {"psnr": entry}})
    a, b, c = (Run(tmp_path / n) for n in "abc")
    with pytest.raises(BenchError) as err:
        compare_metric("psnr", a, b)
    assert str(err.value) == (
        f"psnr is defined differently in {runs['a']} and {runs['b']} (crop: 0 vs 4; y: true vs null); "
        "score both runs the same way before comparing them"
    )
    for x, y in ((a, c), (c, a)):
        with pytest.raises(BenchError) as err:
            compare_metric("psnr", x, y)
        assert (
            str(err.value) == f"psnr: {x.path} and {y.path} do not both record its definition; re-score them"
        )


def test_values_without_per_image_values_name_how_to_get_them(tmp_path: Path) -> None:
    a = _write(tmp_path / "a", {"metrics": {"psnr": {"value": 1.0}}})
    _write(tmp_path / "b", {"metrics": {"psnr": {"value": 2.0}}, "per_image": {"psnr": {"x": 1.0}}})
    with pytest.raises(BenchError) as err:
        compare_metric("psnr", Run(tmp_path / "a"), Run(tmp_path / "b"))
    assert str(err.value) == (
        f"psnr: {a} has no per-image values, which a paired comparison needs. Score with `flipnet-bench "
        f"score ... --out {a} --per-image PER_IMAGE.parquet` (the JSON then names the Parquet), or pass a "
        "pipeline score folder (out/scores/<set>/<method>)"
    )


def test_alpha_bounds_default_seed_and_report_folders(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    for name, shift in (("a", 0.1), ("b", 0.0)):
        values = dict(zip([f"k{i}" for i in range(12)], (rng.normal(size=12) + shift).tolist()))
        metrics = {"psnr": {"value": 1.0, "definition": {"higher_is_better": True}}}
        write_json(tmp_path / name / "scores.json", {"metrics": metrics, "per_image": {"psnr": values}})
    a, b = tmp_path / "a", tmp_path / "b"
    for alpha in (0, 1, 1.5, -0.1, float("nan"), "0.05"):
        with pytest.raises(BenchError) as err:
            compare_runs(a, b, alpha=alpha)  # type: ignore[arg-type]
        assert str(err.value) == f"--alpha must lie strictly between 0 and 1, got {alpha}"
    report = compare_runs(a, b, alpha=0.5)
    assert (report["a"], report["b"], report["alpha"], report["correction"]) == (str(a), str(b), 0.5, "holm")
    got = compare_metric("psnr", Run(a), Run(b))
    assert got == compare_metric("psnr", Run(a), Run(b), seed=0)
    assert got.p != compare_metric("psnr", Run(a), Run(b), seed=1).p
