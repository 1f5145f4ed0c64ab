"""Import closure of a stage script: the project files it runs, and the params sections it reads.

A stage runs its script's transitive imports (module level and inside functions; ``"module:attr"`` strings of
lazy registries and lazy package exports count as imports) plus the implementations it selects by name: the
params sections it loads (``config.SECTIONS``), the method of a restore stage and the degradation model of a
synthesis stage. Selecting registries are not followed as imports (they would pull every implementation into
every stage); the stage names its selections (:func:`registry_target`).
"""

from __future__ import annotations

import ast
import importlib
import re
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = "flipnet_bench"
#: The sibling module every stage script imports (``pipelines/`` is not a package).
STAGE_HELPER = "pipelines/_stage.py"
#: Registries whose entries a stage picks by name from params: not followed as imports (see the docstring).
SELECTING = frozenset(
    {"flipnet_bench/config.py", "flipnet_bench/methods/__init__.py", "flipnet_bench/degrade/__init__.py"}
)
#: Registries followed only into stages that look their entries up by name (the metric suite: scoring and the
#: realism study); importing one metric module (the LPIPS training loss) does not run the others.
CONSUMED = {
    "flipnet_bench/metrics/__init__.py": ("flipnet_bench/metrics/score.py", "flipnet_bench/report/realism.py")
}
_LAZY_TARGET = re.compile(r"^flipnet_bench(\.\w+)+(:\w*)?$")  # "module:" prefixes of f-strings too


def module_file(name: str) -> Path | None:
    """``flipnet_bench.a.b`` -> its file (module or package ``__init__``), None when not a project module."""
    if name != PACKAGE and not name.startswith(PACKAGE + "."):
        return None
    base = REPO.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_nodes(tree: ast.AST, top_level: bool) -> list[ast.AST]:
    """Nodes that run (not under ``if TYPE_CHECKING:``); ``top_level``: only those run at import time."""
    nodes, todo = [], [tree]
    while todo:
        node = todo.pop()
        nodes.append(node)
        for child in ast.iter_child_nodes(node):
            if top_level and isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                todo.extend(child.orelse)
                continue
            todo.append(child)
    return nodes


def imports(path: Path, lazy: bool = True, top_level: bool = False) -> set[str]:
    """Project modules named by ``path``: its imports (``top_level``: only module-level ones), plus (``lazy``)
    ``module[:attr]`` strings and lazy package exports."""
    lazy = lazy and path.relative_to(REPO).as_posix() not in SELECTING
    own = module_name(path)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    names: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8")), top_level):
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
            if _LAZY_TARGET.match(node.value):
                names.add(node.value.partition(":")[0])
            elif re.fullmatch(r"\.\w+", node.value) and path.name == "__init__.py":
                names.add(package + node.value)  # lazy package exports: {".module": (...)}
    found = set()
    for name in names:
        parts = name.split(".")
        for i in range(1, len(parts) + 1):  # importing a.b.c runs a and a.b too
            if module_file(".".join(parts[:i])) is not None:
                found.add(".".join(parts[:i]))
    return found - {own}


def _walk(todo: list[Path | None], seen: set[Path], consumed: set[str]) -> None:
    while todo:
        path = todo.pop()
        if path is None or path in seen:
            continue
        seen.add(path)
        rel = path.relative_to(REPO).as_posix()
        todo.extend(module_file(name) for name in imports(path, lazy=rel not in CONSUMED or rel in consumed))


@cache
def closure(*starts: str) -> frozenset[Path]:
    """Files of every project module reachable from the given files (``x.py``) or modules (dotted)."""
    seen: set[Path] = set()
    _walk([REPO / s if s.endswith(".py") else module_file(s) for s in starts], seen, set())
    for registry, consumers in CONSUMED.items():  # a consumer is in: its registry's entries run too
        if any(REPO / c in seen for c in consumers):
            seen.discard(REPO / registry)
            _walk([REPO / registry], seen, {registry})
    if any((REPO / s).parent.name == "pipelines" for s in starts):
        seen.add(REPO / STAGE_HELPER)  # every stage script imports it (a sibling, not a package)
    return frozenset(p for p in seen if p.is_relative_to(REPO / PACKAGE) or p == REPO / STAGE_HELPER)


def import_cycles(package: str, top_level: bool = False) -> list[list[str]]:
    """Cycles among the imports of the modules in ``package`` (dotted), each as a list of modules. An import
    inside a function counts unless ``top_level`` (deferring it only hides the cycle); a module's implicit
    import of its parent packages does not (Python runs those first)."""
    root = module_file(package)
    files = sorted(root.parent.rglob("*.py")) if root is not None and root.name == "__init__.py" else []
    graph = {module_name(f): imports(f, lazy=False, top_level=top_level) for f in files}
    cycles, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph or node.startswith(nxt + "."):  # outside, or a parent package
                continue
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for name in graph:
        if name not in state:
            visit(name, [name])
    return cycles


def registry_target(registry: str, name: str) -> str:
    """``"module:Class"`` that the lazy registry ``"module:ATTR"`` holds under ``name``."""
    module, _, attr = registry.partition(":")
    return getattr(importlib.import_module(module), attr).target(name)


def params_section(target: str) -> str | None:
    """``params_section`` of class ``module:Class``, read from the source (importing it would load torch)."""
    module, _, attr = target.partition(":")
    for node in ast.parse(module_file(module).read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef) and node.name == attr:
            for item in node.body:
                if isinstance(item, ast.Assign) and [ast.unparse(x) for x in item.targets] == [
                    "params_section"
                ]:
                    return ast.literal_eval(item.value)
    return None


def sections_loaded(script: Path) -> set[str]:
    """The params sections a stage script loads (``load_section("x")``; ``pipeline_params()`` reads
    ``pipeline``)."""
    text = script.read_text(encoding="utf-8")
    found = set(re.findall(r"load_section\(\s*\"(\w+)\"", text))
    if "pipeline_params()" in text:
        found.add("pipeline")
    return found


def section_module(section: str) -> str:
    """The module of a params section's dataclass."""
    from flipnet_bench.config import SECTIONS

    return SECTIONS.target(section).partition(":")[0]
