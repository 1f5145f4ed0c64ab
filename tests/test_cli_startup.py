"""The command line starts without the heavy libraries: ``--help``, argument errors and quick commands must
not import torch (about 2 s here) or other large packages. Structural (which modules got imported, in a fresh
interpreter), not timed; benchmarks/startup.py measures the times.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: Libraries that take from tens of milliseconds (numpy) to seconds (torch) to import.
HEAVY = (
    "torch", "torchvision", "numpy", "cv2", "PIL", "scipy", "pandas", "pyarrow", "accelerate", "diffusers",
    "transformers", "datasets", "huggingface_hub", "matplotlib", "safetensors", "pyiqa", "lpips", "tqdm",
)  # fmt: skip

#: Every package whose ``__init__`` re-exports lazily through ``flipnet_bench.lazy``.
LAZY_PACKAGES = (
    "flipnet_bench.io",
    "flipnet_bench.data",
    "flipnet_bench.weights",
    "flipnet_bench.audit",
    "flipnet_bench.degrade",
    "flipnet_bench.metrics",
)

_REPORT = "import json, sys; print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {heavy})))"


def _imported_after(code: str, tmp_path: Path) -> list[str]:
    """Run ``code`` in a fresh interpreter (in ``tmp_path``) and list the heavy modules it imported."""
    script = f"{code}\n{_REPORT.format(heavy=set(HEAVY))}"
    env_code = f"import os; os.environ['FLIPNET_BENCH_WEIGHTS'] = {str(tmp_path / 'weights')!r}\n"
    proc = subprocess.run(
        [sys.executable, "-c", env_code + script], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_help_of_every_command_imports_no_heavy_library(tmp_path: Path) -> None:
    # Walks the whole parser tree, so a command added later (any area's register()) is covered too.
    code = """
import argparse, contextlib, io
from flipnet_bench.cli import build_parser, main

def walk(parser, path):
    yield path
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from walk(sub, path + [name])

paths = list(walk(build_parser(), []))
assert len(paths) > 10, paths
for path in paths:
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            main(path + ["--help"])
        except SystemExit as exc:
            assert exc.code == 0, (path, exc.code)
"""
    assert _imported_after(code, tmp_path) == []


def test_argument_error_imports_no_heavy_library(tmp_path: Path) -> None:
    code = """
import contextlib, io
from flipnet_bench.cli import main
for argv in (["degrade"], ["score", "--pred"], ["no-such-command"], ["restore", "--method"]):
    with contextlib.redirect_stderr(io.StringIO()):
        try:
            main(argv)
        except SystemExit as exc:
            assert exc.code == 2, (argv, exc.code)
        else:
            raise AssertionError(f"{argv} parsed")
"""
    assert _imported_after(code, tmp_path) == []


def test_quick_commands_do_not_import_torch(tmp_path: Path) -> None:
    folder = REPO / "data" / "default" / "real-lq" / "lfw-test"
    code = f"""
import contextlib, io
from flipnet_bench.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    assert main(["weights", "list"]) == 0
    assert main(["data", "verify", {str(folder)!r}]) == 0
    assert main(["protocols"]) == 0
"""
    imported = _imported_after(code, tmp_path)
    assert not {"torch", "cv2", "scipy", "pandas"} & {m.split(".")[0] for m in imported}, imported


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_lazy_exports_resolve(package: str) -> None:
    """Every name in a package's ``__all__`` exists (a renamed function fails here, not in a user's run)."""
    module = importlib.import_module(package)
    for name in module.__all__:
        assert getattr(module, name) is not None, f"{package}.{name}"
    assert set(module.__all__) <= set(dir(module))
    with pytest.raises(AttributeError, match="no_such_name"):
        module.no_such_name  # noqa: B018
