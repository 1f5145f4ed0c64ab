"""basicsr 1.4.2's own metric functions, executed from its sdist without importing basicsr.

``import basicsr`` fails on current torchvision, so the test takes the published source of the few pure
functions it needs (by name, with ``ast``) and executes them in a namespace holding only numpy and cv2.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tarfile
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np

from tests._strict import unavailable

_FUNCS = {
    "basicsr/utils/color_util.py": ["_convert_input_type_range", "_convert_output_type_range", "bgr2ycbcr"],
    "basicsr/metrics/metric_util.py": ["reorder_image", "to_y_channel"],
    "basicsr/metrics/psnr_ssim.py": ["calculate_psnr", "calculate_ssim", "_ssim"],
}


def download_sdist(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    found = sorted(folder.glob("basicsr-1.4.2*"))
    if not found:
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-d",
            str(folder),
        ]
        proc = subprocess.run(cmd + ["basicsr==1.4.2"], capture_output=True, text=True)
        found = sorted(folder.glob("basicsr-1.4.2*"))
        if proc.returncode != 0 or not found:
            unavailable(f"cannot download the basicsr 1.4.2 sdist: {proc.stderr[-300:]}")
    return found[0]


def load_reference(sdist: Path) -> SimpleNamespace:
    namespace: dict = {"np": np, "cv2": cv2}
    with tarfile.open(sdist) as tf:
        for rel, names in _FUNCS.items():
            member = next(m for m in tf.getmembers() if m.name.endswith(rel))
            source = tf.extractfile(member).read().decode()
            tree = ast.parse(source)
            nodes = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in names]
            for node in nodes:
                node.decorator_list = []  # drop @METRIC_REGISTRY.register()
            assert {n.name for n in nodes} == set(names), rel
            exec(compile(ast.Module(body=nodes, type_ignores=[]), rel, "exec"), namespace)
    return SimpleNamespace(**{k: v for k, v in namespace.items() if callable(v)})
