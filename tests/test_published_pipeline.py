"""The pipeline's published-method stages: present exactly when methods.published.<name>.weights is set,
with deps that cover the code they run, and a stage function that restores a set into out/restored/."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
import yaml

from flipnet_bench.config import parse_dataclass
from flipnet_bench.data.params import DataParams
from flipnet_bench.errors import BenchError
from flipnet_bench.io import list_images
from flipnet_bench.methods import METHODS
from flipnet_bench.methods.params import MethodsParams, PipelineParams
from flipnet_bench.methods.published_stages import restore_published_set
from flipnet_bench.pipeline.imports import closure
from flipnet_bench.pipeline.render import generate
from tests.test_published_methods import official_file, small_model

REPO = Path(__file__).resolve().parents[1]


def _methods(**weights: str) -> MethodsParams:
    published = {name: {"weights": path} for name, path in weights.items()}
    return parse_dataclass(MethodsParams, {"published": published}, "methods")


def _generated(tmp_path: Path, **weights: str) -> dict:
    """dvc.yaml's stages, generated from params.yaml with the given published weights set."""
    params = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))
    params["methods"]["published"] = {name: {"weights": path} for name, path in weights.items()}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    return yaml.safe_load(generate(tmp_path / "params.yaml"))["stages"]


def test_no_weights_no_stages(tmp_path: Path) -> None:
    assert not [name for name in _generated(tmp_path) if "published" in name]
    assert _methods().published_to_run() == []
    assert parse_dataclass(MethodsParams, {"published": {"gpen": {}}}).published_to_run() == []


def test_stages_per_set_with_deps_covering_the_code(tmp_path: Path) -> None:
    stages = _generated(tmp_path, codeformer="/weights/codeformer.pth")
    assert {n for n in stages if "published" in n} == {
        "restore-published-codeformer",
        "score-published-codeformer",
    }
    restore = stages["restore-published-codeformer"]
    assert restore["matrix"]["method"] == ["codeformer"]
    assert restore["cmd"] == "sh pipelines/python pipelines/restore_published.py ${item.set} ${item.method}"
    assert "/weights/codeformer.pth" in restore["deps"]
    assert restore["params"] == ["methods.published.codeformer"]
    assert restore["outs"] == [{"out/restored/${item.set}/${item.method}": {"persist": True}}]
    needed = closure("pipelines/restore_published.py", "flipnet_bench/methods/published_codeformer.py")
    deps = restore["deps"]
    for path in needed:
        rel = path.relative_to(REPO).as_posix()
        assert any(rel == d or rel.startswith(d.rstrip("/") + "/") for d in deps), rel
    score = stages["score-published-codeformer"]
    assert "out/restored/${item.set}/${item.method}" in score["deps"]
    assert score["outs"] == ["out/scores/${item.set}/${item.method}"]
    assert "methods.published" in stages["leaderboard"]["params"]


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
