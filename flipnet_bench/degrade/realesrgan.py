"""Real-ESRGAN's second-order degradation model (options/train_realesrnet_x4plus.yml ranges).

Two rounds of blur → random resize → Gaussian/Poisson (optionally gray) noise → JPEG, then a final
``[resize to 1/scale + sinc] ↔ JPEG`` in random order. Unlike the original, JPEG is a real codec (not the
differentiable approximation), resizing follows cv2 conventions, the HQ is not USM-sharpened first, and the
LQ is resized back to the HQ size (the contract of every degradation here). Draws are in reference pixels
(512² faces) and applied at each image's scale (:mod:`flipnet_bench.degrade.scale`): only the first blur
acts at the image's own resolution (σ, support and sinc cut-off rescaled); every later step works at the
sizes of the reference chain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from flipnet_bench.config import ParamsError, check_range, parse_dataclass, to_dict
from flipnet_bench.degrade import ops
from flipnet_bench.degrade.kernels import KERNEL_TYPES, build_kernel
from flipnet_bench.degrade.presets import Interpolation, check_pair, check_probs
from flipnet_bench.degrade.scale import (
    REFERENCE_SIZE,
    ReferenceScaled,
    back_to_image,
    check_scale_settings,
    recorded_scale,
    reference_dims,
    scale_kernel,
)

_SHAPED = KERNEL_TYPES[:-1]  # every family but sinc, chosen by kernel_prob
_RESIZE_MODES = ("area", "bilinear", "bicubic")
_UPDOWN = ("up", "down", "keep")


@dataclass(frozen=True)
class RealESRGANConfig:
    """Ranges of both rounds (suffix 2 = second round); defaults are Real-ESRNet x4plus."""

    scale: int = 4
    kernel_range: tuple[int, int] = (7, 21)
    kernel_list: tuple[str, ...] = _SHAPED
    kernel_prob: tuple[float, ...] = (0.45, 0.25, 0.12, 0.03, 0.12, 0.03)
    sinc_prob: float = 0.1
    blur_sigma: tuple[float, float] = (0.2, 3.0)
    betag_range: tuple[float, float] = (0.5, 4.0)
    betap_range: tuple[float, float] = (1.0, 2.0)
    resize_prob: tuple[float, float, float] = (0.2, 0.7, 0.1)
    resize_range: tuple[float, float] = (0.15, 1.5)
    gaussian_noise_prob: float = 0.5
    noise_range: tuple[float, float] = (1.0, 30.0)
    poisson_scale_range: tuple[float, float] = (0.05, 3.0)
    gray_noise_prob: float = 0.4
    jpeg_range: tuple[int, int] = (30, 95)
    second_blur_prob: float = 0.8
    kernel_list2: tuple[str, ...] = _SHAPED
    kernel_prob2: tuple[float, ...] = (0.45, 0.25, 0.12, 0.03, 0.12, 0.03)
    sinc_prob2: float = 0.1
    blur_sigma2: tuple[float, float] = (0.2, 1.5)
    betag_range2: tuple[float, float] = (0.5, 4.0)
    betap_range2: tuple[float, float] = (1.0, 2.0)
    resize_prob2: tuple[float, float, float] = (0.3, 0.4, 0.3)
    resize_range2: tuple[float, float] = (0.3, 1.2)
    gaussian_noise_prob2: float = 0.5
    noise_range2: tuple[float, float] = (1.0, 25.0)
    poisson_scale_range2: tuple[float, float] = (0.05, 2.5)
    gray_noise_prob2: float = 0.4
    jpeg_range2: tuple[int, int] = (30, 95)
    final_sinc_prob: float = 0.8
    resize_back: Interpolation = "bilinear"
    reference_size: int | None = REFERENCE_SIZE
    pixel_scale: float | None = None  # None: sqrt(H·W) / reference_size of each image

    def __post_init__(self) -> None:
        check_scale_settings(self.reference_size, self.pixel_scale)
        check_range("scale", self.scale, 1, 16)
        check_pair("kernel_range", self.kernel_range, 3, 41)
        if self.kernel_range[0] % 2 == 0 or self.kernel_range[1] % 2 == 0:
            raise ParamsError(f"kernel_range = {list(self.kernel_range)}: kernel sizes must be odd")
        limits = {
            "blur_sigma": (0.05, 30.0),
            "betag_range": (0.05, 10.0),
            "betap_range": (0.05, 10.0),
            "resize_range": (0.05, 4.0),
            "noise_range": (0.0, 100.0),
            "poisson_scale_range": (0.0, 10.0),
            "jpeg_range": (1, 100),
        }
        for key, (low, high) in limits.items():
            check_pair(key, getattr(self, key), low, high)
            check_pair(f"{key}2", getattr(self, f"{key}2"), low, high)
        check_probs("kernel_list", self.kernel_list, self.kernel_prob, _SHAPED)
        check_probs("kernel_list2", self.kernel_list2, self.kernel_prob2, _SHAPED)
        for key in ("resize_prob", "resize_prob2"):
            probs = getattr(self, key)
            for i, p in enumerate(probs):
                check_range(f"{key}[{i}]", p, 0.0, 1.0)
            if not math.isclose(sum(probs), 1.0, abs_tol=1e-6):
                raise ParamsError(f"{key} (up, down, keep) must sum to 1, got {sum(probs)}")
        for key in (
            "sinc_prob",
            "sinc_prob2",
            "gaussian_noise_prob",
            "gaussian_noise_prob2",
            "gray_noise_prob",
        ):
            check_range(key, getattr(self, key), 0.0, 1.0)
        for key in ("gray_noise_prob2", "second_blur_prob", "final_sinc_prob"):
            check_range(key, getattr(self, key), 0.0, 1.0)


def _kernel_sizes(cfg: RealESRGANConfig) -> np.ndarray:
    return np.arange(cfg.kernel_range[0], cfg.kernel_range[1] + 1, 2)


def _shape_beta(gen: np.random.Generator, beta_range: tuple[float, float]) -> float:
    """Real-ESRGAN's beta draw: half the time below 1 (from the range's low end), half above."""
    low, high = beta_range
    below = float(gen.uniform(low, min(1.0, high)))
    above = float(gen.uniform(max(1.0, low), high))
    return below if gen.random() < 0.5 else above


def sample_kernel(
    gen: np.random.Generator,
    cfg: RealESRGANConfig,
    families: tuple[str, ...],
    probs: tuple[float, ...],
    sinc_prob: float,
    sigma: tuple[float, float],
    betag: tuple[float, float],
    betap: tuple[float, float],
) -> dict[str, Any]:
    """One blur kernel of a round: sinc with ``sinc_prob`` (cut-off range by size), else a shaped family."""
    size = int(gen.choice(_kernel_sizes(cfg)))
    use_sinc = bool(gen.random() < sinc_prob)
    omega_c = float(gen.uniform(math.pi / 3 if size < 13 else math.pi / 5, math.pi))
    kind = str(gen.choice(np.array(families), p=np.array(probs)))
    sigma_x, sigma_y = float(gen.uniform(*sigma)), float(gen.uniform(*sigma))
    theta = float(gen.uniform(-math.pi, math.pi))
    beta_g, beta_p = _shape_beta(gen, betag), _shape_beta(gen, betap)
    if use_sinc:
        return {"type": "sinc", "size": size, "omega_c": omega_c}
    params: dict[str, Any] = {"type": kind, "size": size, "sigma_x": sigma_x}
    if kind.endswith("iso") and not kind.endswith("aniso"):
        params.update(sigma_y=sigma_x, theta=0.0)
    else:
        params.update(sigma_y=sigma_y, theta=theta)
    if kind.startswith("generalized"):
        params["beta"] = beta_g
    elif kind.startswith("plateau"):
        params["beta"] = beta_p
    return params


def _sample_resize(gen: np.random.Generator, probs: tuple[float, ...], bounds: tuple[float, float]) -> dict:
    direction = _UPDOWN[int(gen.choice(3, p=np.array(probs)))]
    up, down = float(gen.uniform(1.0, bounds[1])), float(gen.uniform(bounds[0], 1.0))
    mode = _RESIZE_MODES[int(gen.integers(0, 3))]
    return {"direction": direction, "factor": {"up": up, "down": down, "keep": 1.0}[direction], "mode": mode}


def _sample_noise(
    gen: np.random.Generator,
    gauss_p: float,
    sigma: tuple[float, float],
    poisson: tuple[float, float],
    gray_p: float,
) -> dict:
    use_gauss = bool(gen.random() < gauss_p)
    sigma_v, scale_v = float(gen.uniform(*sigma)), float(gen.uniform(*poisson))
    gray = bool(gen.random() < gray_p)
    seed = int(gen.integers(0, 2**31 - 1))
    if use_gauss:
        return {"type": "gaussian", "sigma": sigma_v, "gray": gray, "seed": seed}
    return {"type": "poisson", "scale": scale_v, "gray": gray, "seed": seed}


def _apply_noise(img: torch.Tensor, noise: dict) -> torch.Tensor:
    if noise["type"] == "gaussian":
        return ops.gaussian_noise(img, noise["sigma"], noise["gray"], noise["seed"])
    return ops.poisson_noise(img, noise["scale"], noise["gray"], noise["seed"])


class RealESRGANDegradation(ReferenceScaled):
    """Second-order model; keyword overrides of any :class:`RealESRGANConfig` key are validated."""

    name = "realesrgan"

    def __init__(self, **overrides: Any) -> None:
        merged = to_dict(RealESRGANConfig()) | dict(overrides)
        self.config: RealESRGANConfig = parse_dataclass(RealESRGANConfig, merged, "degrade.realesrgan")

    def describe(self) -> dict[str, Any]:
        return {"model": self.name, "preset": "x4plus", "config": to_dict(self.config)}

    def sample_params(self, generator: np.random.Generator) -> dict[str, Any]:
        """All draws in a fixed order (branches never change how many numbers are consumed)."""
        cfg, gen = self.config, generator
        kernel1 = sample_kernel(
            gen,
            cfg,
            cfg.kernel_list,
            cfg.kernel_prob,
            cfg.sinc_prob,
            cfg.blur_sigma,
            cfg.betag_range,
            cfg.betap_range,
        )
        resize1 = _sample_resize(gen, cfg.resize_prob, cfg.resize_range)
        noise1 = _sample_noise(
            gen, cfg.gaussian_noise_prob, cfg.noise_range, cfg.poisson_scale_range, cfg.gray_noise_prob
        )
        jpeg1 = int(gen.integers(cfg.jpeg_range[0], cfg.jpeg_range[1], endpoint=True))
        blur2 = bool(gen.random() < cfg.second_blur_prob)
        kernel2 = sample_kernel(
            gen,
            cfg,
            cfg.kernel_list2,
            cfg.kernel_prob2,
            cfg.sinc_prob2,
            cfg.blur_sigma2,
            cfg.betag_range2,
            cfg.betap_range2,
        )
        resize2 = _sample_resize(gen, cfg.resize_prob2, cfg.resize_range2)
        noise2 = _sample_noise(
            gen, cfg.gaussian_noise_prob2, cfg.noise_range2, cfg.poisson_scale_range2, cfg.gray_noise_prob2
        )
        jpeg2 = int(gen.integers(cfg.jpeg_range2[0], cfg.jpeg_range2[1], endpoint=True))
        final_sinc = bool(gen.random() < cfg.final_sinc_prob)
        sinc_size = int(gen.choice(_kernel_sizes(cfg)))
        sinc_omega = float(gen.uniform(math.pi / 3, math.pi))
        final_mode = _RESIZE_MODES[int(gen.integers(0, 3))]
        jpeg_last = bool(gen.random() < 0.5)
        return {
            "kernel1": kernel1,
            "resize1": resize1,
            "noise1": noise1,
            "jpeg1": jpeg1,
            "kernel2": kernel2 if blur2 else None,
            "resize2": resize2,
            "noise2": noise2,
            "jpeg2": jpeg2,
            "final_sinc": {"type": "sinc", "size": sinc_size, "omega_c": sinc_omega} if final_sinc else None,
            "final_mode": final_mode,
            "jpeg_last": jpeg_last,
        }

    def apply_one(self, image: torch.Tensor, params: dict[str, Any]) -> torch.Tensor:
        _, h, w = image.shape
        scale, pixel_scale = self.config.scale, recorded_scale(params)
        kernel1 = scale_kernel(params["kernel1"], pixel_scale)
        out = image if kernel1 is None else ops.blur(image, build_kernel(kernel1))
        ref_h, ref_w = reference_dims(h, w, pixel_scale)
        factor1, mode1 = params["resize1"]["factor"], params["resize1"]["mode"]
        out = ops.resize(out, max(1, int(ref_h * factor1)), max(1, int(ref_w * factor1)), mode1)
        out = ops.jpeg(_apply_noise(out, params["noise1"]), params["jpeg1"])
        if params["kernel2"] is not None:
            out = ops.blur(out, build_kernel(params["kernel2"]))
        factor2, mode2 = params["resize2"]["factor"], params["resize2"]["mode"]
        size2 = max(1, int(ref_h / scale * factor2)), max(1, int(ref_w / scale * factor2))
        out = _apply_noise(ops.resize(out, *size2, mode2), params["noise2"])
        if params["jpeg_last"]:
            out = ops.jpeg(self._final_resize_sinc(out, params, ref_h, ref_w), params["jpeg2"])
        else:
            out = self._final_resize_sinc(ops.jpeg(out, params["jpeg2"]), params, ref_h, ref_w)
        return ops.quantise(back_to_image(out.clamp(0.0, 1.0), h, w, pixel_scale, self.config.resize_back))

    def _final_resize_sinc(self, img: torch.Tensor, params: dict[str, Any], h: int, w: int) -> torch.Tensor:
        scale = self.config.scale
        img = ops.resize(img, max(1, h // scale), max(1, w // scale), params["final_mode"])
        if params["final_sinc"] is not None:
            img = ops.blur(img, build_kernel(params["final_sinc"]))
        return img
