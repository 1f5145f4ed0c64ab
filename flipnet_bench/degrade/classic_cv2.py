"""The classic chain on one ``uint8`` image with the operations GFPGAN's dataset calls (OpenCV), for files.

GFPGAN's ``FFHQDegradationDataset`` (and BasicSR's ``degradations.py``) degrade a float32 HWC image with
``cv2.filter2D`` (the kernel, reflect-101 borders), ``cv2.resize`` down to ``w // r × h // r`` and back,
additive Gaussian noise clipped to [0, 1], and a JPEG round trip through ``cv2.imencode``/``cv2.imdecode``
(OpenCV takes BGR, so the image is passed in BGR order). This module runs exactly those calls with the draws
of :meth:`ClassicDegradation.sample_params` and the reference-scale rules of
:mod:`flipnet_bench.degrade.scale`. The noise field is drawn from NumPy with the recorded ``noise_seed``; the
LQ-only colour options run on tensors, as GFPGAN applies its torchvision jitter.

``degrade`` writes files through this path (``backend: cv2``), which imports neither torch nor SciPy unless
the colour jitter can fire. The tensor path (:meth:`ClassicDegradation.apply_one`) stays for online pairs in
training and on GPUs. The two draw the same parameters; their noise fields come from different generators
(NumPy here, torch there), so an image differs between them where the noise does.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from flipnet_bench.degrade.kernels import build_kernel
from flipnet_bench.degrade.presets import ClassicConfig
from flipnet_bench.degrade.scale import recorded_scale, reference_dims, scale_kernel
from flipnet_bench.errors import BenchError

INTERPOLATION = {"bilinear": cv2.INTER_LINEAR, "bicubic": cv2.INTER_CUBIC, "area": cv2.INTER_AREA}


def resize(img: np.ndarray, h: int, w: int, mode: str) -> np.ndarray:
    if img.shape[:2] == (h, w):
        return img
    return cv2.resize(img, (w, h), interpolation=INTERPOLATION[mode])


def noise_field(seed: int, h: int, w: int) -> np.ndarray:
    """The recorded noise draw as HWC float32, from NumPy as GFPGAN draws it
    (``np.float32(np.random.randn(h, w, 3))``), with a PCG64 generator seeded by ``noise_seed``."""
    return np.float32(np.random.Generator(np.random.PCG64(int(seed))).standard_normal((h, w, 3)))


def jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    """GFPGAN's ``add_jpg_compression``: clip, ``cv2.imencode('.jpg', img * 255)`` (BGR), decode, /255."""
    if not 1 <= int(quality) <= 100:
        raise BenchError(f"JPEG quality must be in [1, 100], got {quality}")
    bgr = np.ascontiguousarray(np.clip(img, 0.0, 1.0)[..., ::-1]) * 255.0
    bgr = np.clip(np.rint(bgr), 0, 255).astype(np.uint8)  # what imencode does to a float image, said aloud
    ok, encoded = cv2.imencode(".jpg", bgr, [int(cv2.IMWRITE_JPEG_QUALITY), int(quality)])
    if not ok:
        raise BenchError(f"OpenCV could not JPEG-encode a {img.shape} image at quality {quality}")
    return cv2.imdecode(encoded, cv2.IMREAD_COLOR)[..., ::-1].astype(np.float32) / 255.0


def degrade_pixels(pixels: np.ndarray, params: dict[str, Any], config: ClassicConfig) -> np.ndarray:
    """Degrade one ``uint8`` RGB ``(H, W, 3)`` image with recorded ``params``; returns ``uint8`` HWC."""
    h, w = pixels.shape[:2]
    mode, stages = config.interpolation, config.stages
    scale = recorded_scale(params)
    ref_h, ref_w = reference_dims(h, w, scale)
    factor = params["scale"] if "downsample" in stages else 1.0
    small_h, small_w = max(1, int(ref_h // factor)), max(1, int(ref_w // factor))
    img = pixels.astype(np.float32) / np.float32(255.0)
    kernel = scale_kernel(params["kernel"], scale) if "blur" in stages else None
    if kernel is not None:
        img = cv2.filter2D(img, -1, build_kernel(kernel), borderType=cv2.BORDER_REFLECT_101)
    img = resize(img, small_h, small_w, mode)
    if "noise" in stages:
        noise = noise_field(params["noise_seed"], small_h, small_w) * params["noise_sigma"] / 255.0
        img = np.clip(img + noise, 0.0, 1.0)
    if "jpeg" in stages:
        img = jpeg(img, params["jpeg_quality"])
    img = resize(img, ref_h, ref_w, mode)
    if (ref_h, ref_w) != (h, w):
        img = resize(img, h, w, "area" if ref_h * ref_w > h * w else mode)
    if params["color_shift"] is not None:
        img = np.clip(img + np.asarray(params["color_shift"], dtype=np.float32), 0.0, 1.0)
    if params["gray"]:
        img = np.repeat(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)
    if params["color_jitter"] is not None:
        import torch

        from flipnet_bench.degrade.color import color_jitter

        planar = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))
        img = color_jitter(planar.clamp(0.0, 1.0), params["color_jitter"]).permute(1, 2, 0).numpy()
    return np.clip(np.rint(img * 255.0), 0, 255).astype(np.uint8)
