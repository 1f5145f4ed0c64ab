"""Every value defined once: one file-hash helper, and no function or benchmark default that restates a typed
default (FLIPNET's sampling steps live in ``FlipnetParams.sample_steps``)."""

from __future__ import annotations

import ast
import hashlib
import inspect
from pathlib import Path

from flipnet_bench.io.hashing import sha256_file

REPO = Path(__file__).resolve().parents[1]
HELPER = REPO / "flipnet_bench/io/hashing.py"
CODE = [p for d in ("flipnet_bench", "pipelines", "benchmarks", "scripts") for p in (REPO / d).rglob("*.py")]


def _sha256_calls(tree: ast.AST) -> list[ast.Call]:
    return [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and ast.unparse(n.func) in ("hashlib.sha256", "sha256", "hashlib.new")
    ]


def test_sha256_file_matches_hashlib(tmp_path: Path) -> None:
    data = bytes(range(256)) * 5000  # over one read block
    (tmp_path / "f").write_bytes(data)
    assert sha256_file(tmp_path / "f") == hashlib.sha256(data).hexdigest()


def test_file_bytes_are_hashed_by_the_one_helper() -> None:
    """No module hashes a file's bytes itself: ``hashlib.sha256(x.read_bytes())`` or a read loop feeding a
    digest belongs to :func:`sha256_file`."""
    offenders = []
    for path in CODE:
        if path == HELPER:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in _sha256_calls(tree):
            if "read_bytes()" in ast.unparse(call):
                offenders.append(f"{path.relative_to(REPO)}:{call.lineno}")
        for func in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
            text = ast.unparse(func)
            if _sha256_calls(func) and "open(" in text and ".read(" in text:
                offenders.append(f"{path.relative_to(REPO)}:{func.lineno} {func.name}")
    assert not offenders, f"file hashing outside flipnet_bench/io/hashing.py: {offenders}"


def test_flip_sample_has_no_sampling_defaults() -> None:
    from flipnet_bench.models.flipnet.pipeline import flip_sample

    signature = inspect.signature(flip_sample)
    for name in ("scheduler", "steps"):
        assert signature.parameters[name].default is inspect.Parameter.empty, f"flip_sample({name}=...)"


def test_benchmark_step_options_take_the_typed_default() -> None:
    """``--steps``-like options of the benchmarks that sample FLIPNET default to ``flipnet.sample_steps``."""
    literal = []
    for path in (REPO / "benchmarks").glob("*.py"):
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(call, ast.Call) and ast.unparse(call.func).endswith("add_argument")):
                continue
            flags = [a.value for a in call.args if isinstance(a, ast.Constant)]
            if not any(f in ("--sample-steps", "--dpm-steps") or (f == "--steps" and path.name == "gpu.py")
                       for f in flags):  # fmt: skip
                continue
            default = next((k.value for k in call.keywords if k.arg == "default"), None)
            if isinstance(default, ast.Constant) and default.value is not None:
                literal.append(f"{path.name} {flags[0]}={default.value}")
    assert not literal, f"benchmark defaults restating flipnet.sample_steps: {literal}"
