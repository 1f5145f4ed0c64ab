"""The software and hardware a number was computed with, recorded beside every metrics file.

Two runs disagree for boring reasons far more often than for interesting ones: a different torch, a GPU
instead of the CPU, another thread count, non-deterministic kernels. Recording these next to each result
lets ``flipnet-bench audit`` say *which* of them differs before anyone compares numbers. The record holds no
time stamps or host names so that re-running a stage on the same machine writes the same bytes; it is
machine-specific (CPU model, BLAS/FFT kernels), so it is written beside the hashed outputs, never inside.

The CPU model and the numeric backends matter because float kernels round differently by CPU type: MKL picks
other float32 GEMM and FFT code paths without AVX-512, which changes the last bits of blurs and matrix
products (docs/reproducibility.md). ``cpu`` names the model and the SIMD features those choices depend on,
``numeric`` the BLAS/LAPACK/FFT libraries of numpy and torch, torch's kernel level, the environment
variables that override kernel choice, and (when threadpoolctl is installed) the loaded BLAS libraries.
"""

from __future__ import annotations

import json
import os
import platform
import re
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from flipnet_bench.errors import BenchError
from flipnet_bench.io import write_json

ENV_FILE = "environment.json"


def environment_file(out: Path, alias: str, method: str, seed: int | None = None) -> Path:
    """The environment record of a score stage: beside, not inside, its hashed ``scores_dir`` (so the
    record never enters dvc.lock), under ``out/machine/``."""
    from flipnet_bench.report.layout import machine_dir, scores_dir

    return machine_dir(out, *scores_dir(Path(), alias, method, seed).parts) / ENV_FILE


#: Distribution name → label in the record. Absent distributions are recorded as None (not installed).
PACKAGES: dict[str, str] = {
    "flipnet-bench": "flipnet_bench",
    "torch": "torch",
    "torchvision": "torchvision",
    "diffusers": "diffusers",
    "peft": "peft",
    "accelerate": "accelerate",
    "numpy": "numpy",
    "pillow": "pillow",
    "opencv-python-headless": "opencv",
    "lpips": "lpips",
    "dlib-bin": "dlib",
    "pyiqa": "pyiqa",
    "scipy": "scipy",
    "datasets": "datasets",
    "pandas": "pandas",
    "pyarrow": "pyarrow",
    "dvc": "dvc",
}


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _devices(torch: Any) -> dict[str, Any]:
    """The compute device the library code picks by default (cuda when available), with its name."""
    if torch.cuda.is_available():
        index = torch.cuda.current_device()
        return {
            "type": "cuda",
            "name": torch.cuda.get_device_name(index),
            "count": torch.cuda.device_count(),
            "cuda": torch.version.cuda,
            "cudnn": torch.backends.cudnn.version(),
        }
    return {"type": "cpu", "name": platform.processor() or platform.machine(), "count": 1}


#: SIMD features that decide which float kernels MKL, OpenBLAS, oneDNN and ATen dispatch to.
CPU_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_bf16", "avx512_fp16", "amx_tile")
#: Environment variables that override that choice (recorded when set).
KERNEL_ENV = (
    "ATEN_CPU_CAPABILITY",
    "MKL_CBWR",
    "MKL_ENABLE_INSTRUCTIONS",
    "MKL_DEBUG_CPU_TYPE",
    "ONEDNN_MAX_CPU_ISA",
    "OPENBLAS_CORETYPE",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
)


def cpu_info(cpuinfo: str | None = None) -> dict[str, Any]:
    """CPU model, vendor and the dispatch-relevant SIMD flags (from /proc/cpuinfo on Linux)."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            cpuinfo = ""
    fields: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() not in fields:
            fields[key.strip()] = value.strip()
    flags = set(fields.get("flags", "").split())
    return {
        "model": fields.get("model name") or platform.processor() or platform.machine(),
        "vendor": fields.get("vendor_id"),
        "flags": {f: f in flags for f in CPU_FLAGS} if flags else None,
        "logical_cores": os.cpu_count(),
    }


def _numpy_backend() -> dict[str, Any]:
    import numpy as np

    try:
        config = np.show_config(mode="dicts")
    except (TypeError, ValueError):  # numpy < 1.26 prints only
        return {"blas": None, "lapack": None}
    deps = config.get("Build Dependencies", {})
    simd = config.get("SIMD Extensions", {})
    return {
        "blas": {k: deps.get("blas", {}).get(k) for k in ("name", "version", "openblas configuration")},
        "lapack": {k: deps.get("lapack", {}).get(k) for k in ("name", "version")},
        "simd_found": simd.get("found"),
    }


def _torch_backend(torch: Any) -> dict[str, Any]:
    config = torch.__config__.show()

    def setting(name: str) -> str | None:
        match = re.search(rf"{name}=([^,\s]+)", config)
        return match.group(1) if match else None

    mkl = re.search(r"Math Kernel Library Version ([^\s]+)", config)
    dnn = re.search(r"MKL-DNN v([^\s]+)", config)
    return {
        "blas": setting("BLAS_INFO"),
        "lapack": setting("LAPACK_INFO"),
        "mkl": mkl.group(1) if mkl else None,
        "mkldnn": dnn.group(1) if dnn else None,
        # torch's CPU FFT: MKL's DFTI when torch has MKL, else pocketfft
        "fft": "mkl" if torch.backends.mkl.is_available() else "pocketfft",
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
    }


def _threadpools() -> list[dict[str, Any]] | None:
    """The BLAS/OpenMP libraries loaded in this process (threadpoolctl), None when it is not installed."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    keys = ("user_api", "internal_api", "version", "architecture", "num_threads")
    return sorted(
        ({k: info.get(k) for k in keys} for info in threadpool_info()),
        key=lambda d: (str(d["internal_api"]), str(d["version"])),
    )


def numeric_backends(torch: Any) -> dict[str, Any]:
    """numpy's and torch's BLAS/LAPACK/FFT, torch's kernel level, kernel-choice overrides, loaded pools."""
    import scipy

    return {
        "numpy": _numpy_backend(),
        "torch": _torch_backend(torch),
        "scipy_fft": f"pocketfft (scipy {scipy.__version__})",
        "env": {k: os.environ[k] for k in KERNEL_ENV if k in os.environ},
        "threadpools": _threadpools(),
    }


def collect_environment() -> dict[str, Any]:
    """Python, platform, key package versions, device, CPU model, numeric backends, torch threads and
    determinism flags, as JSON data."""
    import torch

    packages = {label: _version(dist) for dist, label in PACKAGES.items()}
    if packages["opencv"] is None:  # either OpenCV wheel provides cv2
        packages["opencv"] = _version("opencv-python")
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": {
            "system": platform.system(),
            "release": platform.release(),
            "machine": platform.machine(),
        },
        "packages": packages,
        "torch_build": {"version": torch.__version__, "debug": bool(torch.version.debug)},
        "device": _devices(torch),
        "cpu": cpu_info(),
        "numeric": numeric_backends(torch),
        "threads": {"torch": torch.get_num_threads(), "torch_interop": torch.get_num_interop_threads()},
        "deterministic": {
            "torch_deterministic_algorithms": torch.are_deterministic_algorithms_enabled(),
            "cudnn_deterministic": bool(torch.backends.cudnn.deterministic),
            "cudnn_benchmark": bool(torch.backends.cudnn.benchmark),
            "float32_matmul_precision": torch.get_float32_matmul_precision(),
        },
        "byteorder": sys.byteorder,
    }


def write_environment(path: str | Path) -> Path:
    """Write :func:`collect_environment` to ``path`` atomically (sorted keys); returns the path."""
    path = Path(path)
    write_json(path, collect_environment())
    return path


def read_environment(path: str | Path) -> dict[str, Any]:
    """A recorded environment; a missing or broken record is a :class:`BenchError` naming the file."""
    path = Path(path)
    if not path.is_file():
        raise BenchError(f"{path}: no environment record; re-run the stage that wrote the metrics beside it")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BenchError(f"{path}: environment record is not valid JSON ({exc}); re-run its stage") from exc
    if not isinstance(data, dict):
        raise BenchError(f"{path}: environment record is not a JSON object; re-run its stage")
    return data


def flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"packages": {"torch": "2.1"}}`` → ``{"packages.torch": "2.1"}``."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def diff_environments(recorded: dict[str, Any], current: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """Sorted ``(key, recorded value, current value)`` for every key whose values differ (or is one-sided)."""
    a, b = flatten(recorded), flatten(current)
    return [(k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
