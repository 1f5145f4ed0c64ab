"""dvc.yaml and params.yaml agree: every stage resolves, lists only existing params keys and real code paths,
stage names are readable, and the stage scripts stay thin."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from flipnet_bench.config import load_params
from flipnet_bench.data.params import DataParams
from flipnet_bench.errors import BenchError
from flipnet_bench.methods.params import ExternalEntry, MethodEntry, MethodsParams
from flipnet_bench.report.layout import resolve_set

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def stages() -> list:
    from dvc.repo import Repo

    with Repo(str(REPO)) as repo:
        return list(repo.index.stages)


def _lookup(params: dict, dotted: str) -> object:
    node: object = params
    for part in dotted.split("."):
        assert isinstance(node, dict) and part in node, f"params.yaml has no key {dotted!r}"
        node = node[part]
    return node


def test_params_yaml_validates() -> None:
    typed = load_params(REPO / "params.yaml")
    assert typed["pipeline"].methods and typed["pipeline"].sets


def test_stage_names_and_matrix(stages: list) -> None:
    names = {s.addressing for s in stages}
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    for alias in params["pipeline"]["sets"]:
        for method in params["pipeline"]["methods"]:
            assert f"restore@{alias}-{method}" in names and f"score@{alias}-{method}" in names
        for method in params["pipeline"]["flipnet_methods"]:
            assert f"restore-flipnet@{alias}-{method}" in names and f"score-flipnet@{alias}-{method}" in names
    assert {
        "prepare",
        "weights",
        "reference",
        "train-flipnet-o",
        "train-flipnet-of",
        "realism",
        "leaderboard",
    } <= names


def _nested(dep: str, out: str) -> bool:
    """A dependency on a stage output, on a folder inside one, or on a folder holding several outputs."""
    return dep == out or dep.startswith(out + "/") or out.startswith(dep + "/")


def test_params_deps_exist_and_code_deps_are_real(stages: list) -> None:
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    produced = {str(Path(o.def_path)) for s in stages for o in s.outs}
    for stage in stages:
        for dep in stage.deps:
            if hasattr(dep, "params"):  # a params dependency: every key must exist
                for key in dep.params:
                    _lookup(params, key)
                continue
            path = Path(dep.def_path)
            if path.parts[0] in ("flipnet_bench", "pipelines"):
                assert (REPO / path).exists(), f"{stage.addressing}: code dependency {path} does not exist"
            elif not any(_nested(str(path), p) for p in produced):
                assert (REPO / path).exists() or path.parts[0] == "data", f"{stage.addressing}: {path}"
        if stage.cmd and "pipelines/" in stage.cmd:
            assert stage.cmd.startswith("sh pipelines/python "), f"{stage.addressing}: use pipelines/python"
            script = stage.cmd.split()[2]
            assert script in {str(Path(d.def_path)) for d in stage.deps}, (
                f"{stage.addressing} misses {script}"
            )


def test_stage_scripts_are_thin() -> None:
    for script in (REPO / "pipelines").glob("*.py"):
        lines = script.read_text().count("\n")
        assert lines <= 100, f"{script.name} has {lines} lines; move logic into the library"


def test_resolve_set_and_method_entries(tmp_path: Path) -> None:
    for sub in ("lfw", "syn/lq", "syn/hq"):
        (tmp_path / sub).mkdir(parents=True)
    data = DataParams(lfw_test=tmp_path / "lfw", synthetic_root=tmp_path / "synroot")
    real = resolve_set("lfw", {"lfw": "lfw-test"}, data)
    assert real.lq_dir == tmp_path / "lfw" and not real.has_gt
    synth = resolve_set("s", {"s": "synthetic-celeba-test-style@hq-test"}, data)
    assert synth.has_gt and synth.lq_dir.name == "lq" and synth.gt_dir == data.hq_test
    with pytest.raises(BenchError, match="not in params.yaml pipeline.sets"):
        resolve_set("nope", {"lfw": "lfw-test"}, data)
    with pytest.raises(BenchError, match="HQ split, not a test set"):
        resolve_set("h", {"h": "hq-train"}, data)
    methods = MethodsParams(
        builtin={"restorer_o": MethodEntry("restorer", "out/methods/restorer_o")},
        external={"codeformer": ExternalEntry(Path("/x"))},
    )
    assert methods.entry("restorer_o").type == "restorer"
    assert methods.entry("codeformer").options == {"results": "/x", "label": "codeformer"}
    with pytest.raises(BenchError, match="methods.bicubic is not defined"):
        methods.entry("bicubic")
