"""Baseline for benchmarks/degrade.py: the classic degradation as a plain per-image numpy/cv2 script.

What someone without this project would write (GFPGAN's chain, library defaults, no handicaps): read a
PNG, blur with a Gaussian kernel (separable ``cv2.GaussianBlur`` when isotropic, ``cv2.filter2D`` with a
rotated kernel when anisotropic), downscale (``cv2.resize``, bilinear), add Gaussian noise (numpy float32),
JPEG round trip (``cv2.imencode``/``imdecode``), resize back, write a PNG with ``cv2.imwrite``'s defaults.
Only numpy and cv2 are imported, so its start-up is that of a script of this kind. Ranges come on the command
line (benchmarks/degrade.py passes the preset's own), so both sides draw from the same distributions. ::

    python benchmarks/degrade_cv2.py IN_DIR OUT_DIR --config '{"kernel_size": 41, "blur_sigma": [0.1, 10]}'
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import cv2
import numpy as np


def aniso_kernel(size: int, sigma_x: float, sigma_y: float, theta: float) -> np.ndarray:
    """Normalised anisotropic Gaussian, ``size``², rotated by ``theta``."""
    half = size // 2
    y, x = np.mgrid[-half : half + 1, -half : half + 1].astype(np.float32)
    c, s = math.cos(theta), math.sin(theta)
    u, v = c * x + s * y, -s * x + c * y
    k = np.exp(-0.5 * ((u / sigma_x) ** 2 + (v / sigma_y) ** 2))
    return k / k.sum()


def degrade(img: np.ndarray, cfg: dict, rng: np.random.Generator) -> np.ndarray:
    h, w = img.shape[:2]
    x = img.astype(np.float32) / 255.0
    size, (lo, hi) = cfg["kernel_size"], cfg["blur_sigma"]
    if rng.random() < 0.5:
        sigma = rng.uniform(lo, hi)
        x = cv2.GaussianBlur(x, (size, size), sigma)
    else:
        k = aniso_kernel(size, rng.uniform(lo, hi), rng.uniform(lo, hi), rng.uniform(-math.pi, math.pi))
        x = cv2.filter2D(x, -1, k)
    scale = rng.uniform(*cfg["downsample_range"])
    x = cv2.resize(x, (max(1, int(w / scale)), max(1, int(h / scale))), interpolation=cv2.INTER_LINEAR)
    sigma = rng.uniform(*cfg["noise_range"]) / 255.0
    x = np.clip(x + rng.standard_normal(x.shape, dtype=np.float32) * sigma, 0.0, 1.0)
    quality = int(rng.integers(cfg["jpeg_range"][0], cfg["jpeg_range"][1], endpoint=True))
    _, buf = cv2.imencode(".jpg", (x * 255.0).round().astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, quality])
    x = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return cv2.resize(x, (w, h), interpolation=cv2.INTER_LINEAR)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("hq", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--config", required=True, help="JSON: kernel_size, blur_sigma, ...")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    cfg = json.loads(args.config)
    rng = np.random.default_rng(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    for path in sorted(args.hq.glob("*.png")):
        img = cv2.imread(str(path), cv2.IMREAD_COLOR)
        cv2.imwrite(str(args.out / path.name), degrade(img, cfg, rng))


if __name__ == "__main__":
    main()
