"""The pipeline's published-method stages: present exactly when methods.published.<name>.weights is set,
with deps that cover the code they run, and a stage function that restores a set into out/restored/."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from flipnet_bench.config import parse_dataclass
from flipnet_bench.data.params import DataParams
from flipnet_bench.errors import BenchError
from flipnet_bench.io import list_images
from flipnet_bench.methods import METHODS
from flipnet_bench.methods.params import MethodsParams, PipelineParams
from flipnet_bench.methods.published_stages import published_stages, restore_published_set
from tests.test_published_methods import official_file, small_model

REPO = Path(__file__).resolve().parents[1]


def _methods(**weights: str) -> MethodsParams:
    published = {name: {"weights": path} for name, path in weights.items()}
    return parse_dataclass(MethodsParams, {"published": published}, "methods")


def test_no_weights_no_stages() -> None:
    assert published_stages(PipelineParams(), _methods()) == {}
    assert (
        published_stages(PipelineParams(), parse_dataclass(MethodsParams, {"published": {"gpen": {}}})) == {}
    )


def test_stages_per_set_with_deps_covering_the_code() -> None:
    from tests.test_pipeline_deps import closure

    pipe = PipelineParams()
    stages = published_stages(pipe, _methods(codeformer="/weights/codeformer.pth"))
    assert set(stages) == {
        f"{kind}-published@{a}-codeformer" for a in pipe.sets for kind in ("restore", "score")
    }
    restore = stages["restore-published@lfw-test-codeformer"]
    assert restore["cmd"] == "sh pipelines/python pipelines/restore_published.py lfw-test codeformer"
    assert "/weights/codeformer.pth" in restore["deps"] and restore["params"] == [
        "methods.published.codeformer"
    ]
    assert restore["outs"] == [{"out/restored/lfw-test/codeformer": {"persist": True}}]
    needed = closure("pipelines/restore_published.py", "flipnet_bench/methods/published_codeformer.py")
    deps = restore["deps"]
    for path in needed:
        rel = path.relative_to(REPO).as_posix()
        assert any(rel == d or rel.startswith(d.rstrip("/") + "/") for d in deps), rel
    for dep in deps:
        assert dep.startswith(("out/", "/weights")) or (REPO / dep).exists(), dep
    score = stages["score-published@lfw-test-codeformer"]
    assert "out/restored/lfw-test/codeformer" in score["deps"] and score["outs"] == [
        "out/scores/lfw-test/codeformer"
    ]
    for dep in score["deps"]:
        assert dep.startswith("out/") or (REPO / dep).exists(), dep


def test_stage_function_restores_a_set(tmp_path: Path, monkeypatch) -> None:
    lq = tmp_path / "lfw"
    lq.mkdir()
    shutil.copy(sorted(list_images(REPO / "data/default/real-lq/lfw-test"))[0], lq)
    monkeypatch.setattr(METHODS.get("gpen"), "build", lambda self: small_model("gpen"))
    torch.manual_seed(0)
    weights = official_file("gpen", small_model("gpen").state_dict(), tmp_path / "GPEN-BFR-512.pth")
    pipe, data = PipelineParams(sets={"lfw-test": "lfw-test"}), DataParams(lfw_test=lq)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BenchError, match="methods.published.gpen.weights is not set"):
        restore_published_set("lfw-test", "gpen", pipe, data, _methods(), lambda s: _methods())
    methods = _methods(gpen=str(weights))
    record = restore_published_set("lfw-test", "gpen", pipe, data, methods, lambda s: methods)
    run = json.loads((tmp_path / "out/restored/lfw-test/gpen/run.json").read_text())
    assert record["complete"] and run["n"] == 1 and run["method"]["weights"] == str(weights)
