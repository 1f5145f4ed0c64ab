"""The locked environment and the environment record's CPU / numeric-backend fields."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from flipnet_bench.environment import collect_environment, cpu_info

ROOT = Path(__file__).resolve().parents[1]
LOCK, NODEPS = ROOT / "requirements/lock.txt", ROOT / "requirements/nodeps.txt"


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(path: Path) -> dict[str, list[str]]:
    """Package → its ``--hash`` values, for every ``name==version`` entry of a lock file."""
    pins: dict[str, list[str]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==\S+", line)
        if match:
            current = _norm(match.group(1))
            pins[current] = []
        elif current and "--hash=sha256:" in line:
            pins[current] += re.findall(r"--hash=sha256:([0-9a-f]{64})", line)
    return pins


def _requirement_names(specs: list[str]) -> set[str]:
    return {_norm(re.split(r"[<>=!~\[; ]", s, maxsplit=1)[0]) for s in specs}


def test_lock_pins_every_declared_dependency_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = _requirement_names(project["dependencies"] + project["optional-dependencies"]["test"])
    pins = _pins(LOCK)
    missing = sorted(declared - set(pins))
    assert not missing, f"declared in pyproject.toml but not in {LOCK.name}: run `bash scripts/lock.sh`"
    assert all(pins.values()), "every locked package needs at least one --hash"
    assert {"torch", "torchvision", "pip", "setuptools"} <= set(pins)
    wanted = (ROOT / "requirements/nodeps.in").read_text(encoding="utf-8").splitlines()
    wanted = _requirement_names([line for line in wanted if line.strip() and not line.startswith("#")])
    assert {"pyiqa", "facenet-pytorch"} <= wanted
    assert set(_pins(NODEPS)) == wanted and all(_pins(NODEPS).values())


def test_setup_installs_only_from_the_locks() -> None:
    setup = (ROOT / "scripts/setup.sh").read_text(encoding="utf-8")
    install_lines = [
        ln for ln in setup.splitlines() if "pip install" in ln and not ln.lstrip().startswith("#")
    ]
    assert install_lines, "scripts/setup.sh installs nothing"
    for line in install_lines:
        assert "--no-deps" in line, line  # nothing is resolved at install time
        assert "--require-hashes" in line or line.rstrip().endswith("-e ."), line


AMD = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 7B13
flags\t\t: fpu sse4_2 avx avx2 fma
processor\t: 1
model name\t: AMD EPYC 7B13
"""


def test_cpu_info_names_the_model_and_dispatch_flags() -> None:
    info = cpu_info(AMD)
    assert info["model"] == "AMD EPYC 7B13" and info["vendor"] == "AuthenticAMD"
    assert info["flags"]["avx2"] and info["flags"]["fma"] and not info["flags"]["avx512f"]


def test_record_names_blas_and_fft_backends() -> None:
    record = collect_environment()
    assert record["cpu"]["model"]
    torch_backend = record["numeric"]["torch"]
    assert torch_backend["blas"] and torch_backend["fft"] in ("mkl", "pocketfft")
    assert torch_backend["cpu_capability"]
    assert record["numeric"]["numpy"]["blas"]["name"]
