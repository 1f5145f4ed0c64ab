"""DVC dependencies follow the code: dvc.yaml is what ``scripts/gen_dvc.py`` generates, and every stage's code
deps are exactly the project modules it runs and its params exactly the sections (or named keys) it reads —
no module or section missing, none extra. The closure rules are in flipnet_bench/pipeline/imports.py."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml

from flipnet_bench.pipeline.imports import REPO, closure, import_cycles
from flipnet_bench.pipeline.render import code_and_params, diff, generate
from flipnet_bench.pipeline.stages import FAMILIES, Stage


@pytest.fixture(scope="module")
def table() -> dict[str, Stage]:
    from flipnet_bench.config import load_params

    params = load_params(REPO / "params.yaml")
    return {s.name: s for family in FAMILIES for s in family(params)}


@pytest.fixture(scope="module")
def stages() -> list:
    from dvc.repo import Repo

    with Repo(str(REPO)) as repo:
        return list(repo.index.stages)


def _files(paths: set[str]) -> set[str]:
    """Code deps as files: a folder stands for every file under it."""
    out = set()
    for rel in paths:
        path = REPO / rel
        if path.is_dir():
            out |= {
                p.relative_to(REPO).as_posix()
                for p in path.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts
            }
        else:
            out.add(rel)
    return out


def _family(stage) -> str:  # noqa: ANN001 - a dvc Stage
    return stage.addressing.split("@")[0]


def test_dvc_yaml_is_generated() -> None:
    """Run `python scripts/gen_dvc.py` after changing a stage script's imports, params.yaml or the table."""
    text = diff(REPO / "dvc.yaml")
    assert not text, f"dvc.yaml differs from scripts/gen_dvc.py's output:\n{text}"


def test_code_deps_are_the_import_closure(stages: list, table: dict[str, Stage]) -> None:
    """Parsed by DVC: per stage, code deps (folders expanded) == the modules the stage runs, both ways."""
    wrong = {}
    for stage in stages:
        spec = table[_family(stage)]
        code, _ = code_and_params(spec)
        want = _files(set(code))
        have = _files(
            {
                str(Path(d.def_path))
                for d in stage.deps
                if not hasattr(d, "params") and Path(d.def_path).parts[0] in ("flipnet_bench", "pipelines")
            }
        )
        if want != have:
            wrong[stage.addressing] = {"missing": sorted(want - have), "extra": sorted(have - want)}
    assert not wrong, f"dvc.yaml code deps differ from the import closure:\n{yaml.safe_dump(wrong)}"


def test_params_are_the_sections_read(stages: list, table: dict[str, Stage]) -> None:
    wrong = {}
    for stage in stages:
        _, params = code_and_params(table[_family(stage)])
        have = {k for d in stage.deps if hasattr(d, "params") for k in d.params}
        want = {_resolve(k, stage) for k in params}
        if want != have:
            wrong[stage.addressing] = {"missing": sorted(want - have), "extra": sorted(have - want)}
    assert not wrong, f"dvc.yaml params differ from the sections the stages read:\n{yaml.safe_dump(wrong)}"


def _resolve(key: str, stage) -> str:  # noqa: ANN001 - a dvc Stage
    """``methods.builtin.${item.method}`` -> the key of this matrix/foreach item (from its command line)."""
    if "${" not in key:
        return key
    args = shlex.split(stage.cmd)[3:]  # sh pipelines/python pipelines/x.py FIRST [SECOND] [--flags]
    key = key.replace("${item.method}", args[1]) if "${item.method}" in key else key
    return key.replace("${key}", args[0]).replace("${item}", args[0])


def test_closure_follows_imports_and_lazy_entries() -> None:
    files = {p.relative_to(REPO).as_posix() for p in closure("pipelines/score.py")}
    assert "flipnet_bench/report/evaluate.py" in files  # a plain import
    assert "flipnet_bench/metrics/fid.py" in files  # a lazy registry entry of the metrics registry
    restore = {p.relative_to(REPO).as_posix() for p in closure("pipelines/restore.py")}
    assert "flipnet_bench/methods/flipnet.py" not in restore  # selected per stage, not by every restore


def test_flipnet_sampler_reaches_exactly_the_flipnet_sampling_stages(table: dict[str, Stage]) -> None:
    """A change to the sampler re-runs FLIPNET restoration, synthesis and the realism row, nothing else."""
    sampler = "flipnet_bench/models/flipnet/pipeline.py"
    hit = {name for name, spec in table.items() if sampler in _files(set(code_and_params(spec)[0]))}
    assert hit == {"restore-flipnet", "restore-seed", "synth-flipnet", "realism"}


def test_new_synth_model_and_method_reach_their_readers(tmp_path: Path) -> None:
    """A synth model or built-in method added in params.yaml enters the stages that read it, with no edit of
    the stage table."""
    params = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))
    params["synth"]["models"]["classic2"] = {"model": "classic", "preset": "gfpgan"}
    params["methods"]["builtin"]["restorer_x"] = {"type": "restorer", "checkpoint": "out/methods/restorer_x"}
    params["pipeline"]["methods"].append("restorer_x")
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    generated = yaml.safe_load(generate(tmp_path / "params.yaml"))["stages"]
    assert "out/synth/classic2" in generated["realism"]["deps"]
    assert "methods.builtin.restorer_x.type" in generated["leaderboard"]["params"]


def test_package_has_no_import_cycle() -> None:
    """Imports inside functions count: deferring one hides a cycle without removing it."""
    assert import_cycles("flipnet_bench") == []


@pytest.mark.parametrize("init", [None, "checkpoints/some-restoration-start"])
def test_flipnet_variants_depend_on_the_checkpoint_they_start_from(tmp_path: Path, init: str | None) -> None:
    """flipnet.restoration.init, when set, is what the restoration variants train from (and depend on); the
    synthesis stage does not read it."""
    params = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))
    params["flipnet"].setdefault("restoration", {})["init"] = init
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    generated = yaml.safe_load(generate(tmp_path / "params.yaml"))["stages"]
    base, start = "${flipnet.base}", "${flipnet.base}" if init is None else "${flipnet.restoration.init}"
    for name in ("train-flipnet-o", "train-flipnet-of"):
        assert start in generated[name]["deps"]
        assert (base in generated[name]["deps"]) == (init is None)
    assert "${flipnet.restoration.init}" not in generated["synth-flipnet"]["deps"]


@pytest.mark.parametrize("init", [None, "checkpoints/some-degradation-start"])
def test_flipnet_synthesis_depends_on_its_degradation_checkpoint(tmp_path: Path, init: str | None) -> None:
    """flipnet.degradation.init, when set, is what synth-flipnet and the realism study's flipnet row degrade
    with (passed on the command line and a dep); else the joint model. The restoration variants do not read
    it."""
    params = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))
    params["flipnet"]["degradation"] = {"init": init}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    generated = yaml.safe_load(generate(tmp_path / "params.yaml"))["stages"]
    start = "${flipnet.base}" if init is None else "${flipnet.degradation.init}"
    synth = generated["synth-flipnet"]
    assert start in synth["deps"] and synth["cmd"].endswith(f"--checkpoint {start}")
    assert ("${flipnet.base}" in synth["deps"]) == (init is None)
    assert start in generated["realism"]["deps"]
    for name in ("train-flipnet-o", "train-flipnet-of"):
        assert "${flipnet.degradation.init}" not in generated[name]["deps"]
