"""DVC dependencies follow the code: every project module a stage runs is among the stage's deps in dvc.yaml,
and every params section its script reads is among its params.

A stage runs its script's transitive imports (module level and inside functions; ``"module:attr"`` strings
of lazy registries and lazy package exports count as imports) plus the implementations it selects by name:
the params sections it loads (``config.SECTIONS``), the method of a restore stage and the degradation model
of a synthesis stage (their registries would otherwise pull every implementation into every stage).
"""

from __future__ import annotations

import ast
import re
import shlex
from functools import cache
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "flipnet_bench"
#: Registries whose entries a stage picks by name from params: not followed as imports (see the docstring).
SELECTING = {
    "flipnet_bench/config.py",
    "flipnet_bench/methods/__init__.py",
    "flipnet_bench/degrade/__init__.py",
}
#: Registries followed only into stages that look their entries up by name (the metric suite: scoring and the
#: realism study); importing one metric module (the LPIPS training loss) does not run the others.
CONSUMED = {
    "flipnet_bench/metrics/__init__.py": ("flipnet_bench/metrics/score.py", "flipnet_bench/report/realism.py")
}
LAZY_TARGET = re.compile(r"^flipnet_bench(\.\w+)+(:\w*)?$")  # "module:" prefixes of f-strings too
#: Sections a stage reads without a params dep, and why.
UNWATCHED_SECTIONS = {
    "pipeline": "every stage reads pipeline.weights_dir (the weights cache location, not a result); the keys "
    "that shape a stage's work (sets, methods, flipnet_real_lq) are checked by the stages that use them",
}
#: Sections watched through a stage output instead: dataset roots enter through the prepare stage's records
#: (``out/prepare/sets/<name>.json``: root and file hashes), so a stage depending on a record re-runs.
WATCHED_THROUGH = {"data": "out/prepare/sets"}


def module_file(name: str) -> Path | None:
    """``flipnet_bench.a.b`` -> its file (module or package ``__init__``), None when not a project module."""
    if name != PACKAGE and not name.startswith(PACKAGE + "."):
        return None
    base = REPO.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node except those under ``if TYPE_CHECKING:`` (annotations only: never imported at run time)."""
    nodes, todo = [], [tree]
    while todo:
        node = todo.pop()
        nodes.append(node)
        for child in ast.iter_child_nodes(node):
            test = getattr(child, "test", None)
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(test):
                todo.extend(child.orelse)
                continue
            todo.append(child)
    return nodes


def _imports(path: Path, lazy: bool = True) -> set[str]:
    """Project modules named by ``path``: its imports anywhere, plus (``lazy``) ``module[:attr]`` strings."""
    rel = path.relative_to(REPO).as_posix()
    lazy = lazy and rel not in SELECTING
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    names: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)  # submodules imported by name
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and lazy:
            if LAZY_TARGET.match(node.value):
                names.add(node.value.partition(":")[0])
            elif re.fullmatch(r"\.\w+", node.value) and path.name == "__init__.py":
                names.add(package + node.value)  # lazy package exports: {".module": (...)}
    found = set()
    for name in names:
        parts = name.split(".")
        for i in range(1, len(parts) + 1):  # importing a.b.c runs a and a.b too
            if module_file(".".join(parts[:i])) is not None:
                found.add(".".join(parts[:i]))
    return found


def _walk(todo: list[Path | None], seen: set[Path], consumed: set[str]) -> None:
    while todo:
        path = todo.pop()
        if path is None or path in seen:
            continue
        seen.add(path)
        rel = path.relative_to(REPO).as_posix()
        todo.extend(module_file(name) for name in _imports(path, lazy=rel not in CONSUMED or rel in consumed))


@cache
def closure(*starts: str) -> frozenset[Path]:
    """Files of every project module reachable from the given files/modules."""
    seen: set[Path] = set()
    _walk([REPO / s if s.endswith(".py") else module_file(s) for s in starts], seen, set())
    for registry, consumers in CONSUMED.items():  # a consumer is in: its registry's entries run too
        if any(REPO / c in seen for c in consumers):
            seen.discard(REPO / registry)
            _walk([REPO / registry], seen, {registry})
    if "pipelines/_stage.py" not in starts and any((REPO / s).parent.name == "pipelines" for s in starts):
        seen.add(REPO / "pipelines/_stage.py")  # every stage script imports it (a sibling, not a package)
    return frozenset(p for p in seen if p.is_relative_to(REPO / PACKAGE) or p.name == "_stage.py")


def _lazy_target(registry: str, name: str) -> str:
    import importlib

    module_name, _, attr = registry.partition(":")
    return getattr(importlib.import_module(module_name), attr).target(name)


def _params_section(target: str) -> str | None:
    """``params_section`` of class ``module:Class``, read from the source (importing it would load torch)."""
    module_name, _, attr = target.partition(":")
    for node in ast.parse(module_file(module_name).read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef) and node.name == attr:
            for item in node.body:
                if isinstance(item, ast.Assign) and [ast.unparse(x) for x in item.targets] == [
                    "params_section"
                ]:
                    return ast.literal_eval(item.value)
    return None


def _sections_loaded(script: Path) -> set[str]:
    text = script.read_text(encoding="utf-8")
    found = set(re.findall(r"load_section\(\s*\"(\w+)\"", text))
    if "pipeline_params()" in text:
        found.add("pipeline")
    return found


def _selected(script: Path, args: list[str]) -> tuple[set[str], set[str]]:
    """(modules, params sections) a stage selects by name: its sections' dataclasses, its method/model."""
    from flipnet_bench.config import SECTIONS, load_section

    sections = _sections_loaded(script)
    targets: list[str] = []
    if script.name == "restore.py":
        targets.append(
            _lazy_target("flipnet_bench.methods:METHODS", load_section("methods").entry(args[1]).type)
        )
    elif script.name == "synth.py":
        model = load_section("synth").all_models()[args[0]].model
        targets.append(_lazy_target("flipnet_bench.degrade:DEGRADATIONS", model))
    elif script.name == "prepare.py":
        targets.append(_lazy_target("flipnet_bench.degrade:DEGRADATIONS", load_section("prepare").model))
    sections |= {s for s in map(_params_section, targets) if s is not None}
    modules = {t.partition(":")[0] for t in targets}
    modules |= {SECTIONS.target(s).partition(":")[0] for s in sections}
    return modules, sections


@pytest.fixture(scope="module")
def stages() -> list:
    from dvc.repo import Repo

    with Repo(str(REPO)) as repo:
        return list(repo.index.stages)


def _script(stage) -> tuple[Path, list[str]] | None:  # noqa: ANN001 - a dvc Stage
    words = shlex.split(stage.cmd or "")
    if len(words) < 3 or not words[2].startswith("pipelines/"):
        return None
    return REPO / words[2], [w for w in words[3:] if not w.startswith("--")]


def required_modules(stage) -> set[Path]:  # noqa: ANN001 - a dvc Stage
    script, args = _script(stage)
    modules, _ = _selected(script, args)
    return set(closure(str(script.relative_to(REPO)), *sorted(modules)))


def _covered(path: Path, deps: set[str]) -> bool:
    rel = path.relative_to(REPO).as_posix()
    return any(rel == d or rel.startswith(d.rstrip("/") + "/") for d in deps)


def test_closure_follows_imports_and_lazy_entries() -> None:
    files = {p.relative_to(REPO).as_posix() for p in closure("pipelines/score.py")}
    assert "flipnet_bench/report/evaluate.py" in files  # a plain import
    assert "flipnet_bench/metrics/fid.py" in files  # a lazy registry entry of the metrics registry
    restore = {p.relative_to(REPO).as_posix() for p in closure("pipelines/restore.py")}
    assert "flipnet_bench/methods/flipnet.py" not in restore  # selected per stage, not by every restore


def test_code_deps_cover_the_import_closure(stages: list) -> None:
    missing = {}
    for stage in stages:
        if _script(stage) is None:
            continue
        deps = {str(Path(d.def_path)) for d in stage.deps if not hasattr(d, "params")}
        lacking = sorted(
            p.relative_to(REPO).as_posix() for p in required_modules(stage) if not _covered(p, deps)
        )
        if lacking:
            missing[stage.addressing] = lacking
    assert not missing, f"dvc.yaml deps miss modules the stage runs: {yaml.safe_dump(missing)}"


def test_flipnet_sampler_reaches_exactly_the_flipnet_sampling_stages(stages: list) -> None:
    """A change to the sampler re-runs FLIPNET restoration and synthesis, and no other sampling stage."""
    sampler = REPO / "flipnet_bench/models/flipnet/pipeline.py"
    hit = {s.addressing for s in stages if _script(s) and sampler in required_modules(s)}
    assert any(n.startswith("restore-flipnet@") for n in hit) and "synth-flipnet" in hit
    assert not {n for n in hit if n.startswith(("restore@", "synth@", "score"))}


def test_params_cover_the_sections_a_stage_reads(stages: list) -> None:
    missing = {}
    for stage in stages:
        if _script(stage) is None:
            continue
        script, args = _script(stage)
        _, sections = _selected(script, args)
        keys = {k for d in stage.deps if hasattr(d, "params") for k in d.params}
        paths = {str(Path(d.def_path)) for d in stage.deps if not hasattr(d, "params")}
        sections -= {s for s, out in WATCHED_THROUGH.items() if any(p.startswith(out) for p in paths)}
        lacking = sorted(
            s for s in sections - set(UNWATCHED_SECTIONS) if not any(k.split(".")[0] == s for k in keys)
        )
        if lacking:
            missing[stage.addressing] = lacking
    assert not missing, f"dvc.yaml params miss sections the stage reads: {missing}"
