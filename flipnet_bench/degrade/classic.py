"""The classic ("naive") degradation model: blur → downsample → noise → JPEG → resize back.

Order and semantics follow GFPGAN's FFHQ degradation dataset (documented facts, own code): a random
isotropic or anisotropic Gaussian kernel, downscale to ``floor(size / r)``, additive Gaussian noise clipped to
[0, 1], a real JPEG round-trip, bilinear resize back, then GFPGAN's optional LQ-only colour shift, grayscale
and brightness/contrast/saturation/hue jitter (in a random order). The result is snapped to 8 bits.
Draws are in the preset's reference pixels (512² faces) and applied at each image's scale
(:mod:`flipnet_bench.degrade.scale`): blur σ and support scale with the image, the downsampled size is the
reference chain's, so a 128² face gets the degradation a 512² face would, seen at 128².
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from flipnet_bench.config import to_dict
from flipnet_bench.degrade.base import image_generator
from flipnet_bench.degrade.defaults import DEFAULT_PRESET
from flipnet_bench.degrade.kernels import build_kernel, separable_factors
from flipnet_bench.degrade.presets import ClassicConfig, classic_config
from flipnet_bench.degrade.scale import (
    ReferenceScaled,
    back_to_image,
    image_scale,
    record_scale,
    recorded_scale,
    reference_dims,
    scale_kernel,
)

if TYPE_CHECKING:  # the tensor path's modules load on its first use (files go through OpenCV)
    import torch

_JITTER_OPS = ("brightness", "contrast", "saturation", "hue")


def _uniform(gen: np.random.Generator, pair: tuple[float, float]) -> float:
    return float(gen.uniform(pair[0], pair[1]))


def sample_gaussian_kernel(
    gen: np.random.Generator, kind: str, size: int, sigma: tuple[float, float]
) -> dict[str, Any]:
    """Kernel params: iso draws one sigma; aniso draws two and a rotation in [-π, π)."""
    sigma_x, sigma_y, theta = (
        _uniform(gen, sigma),
        _uniform(gen, sigma),
        float(gen.uniform(-math.pi, math.pi)),
    )
    if kind == "iso":
        return {"type": "iso", "size": size, "sigma_x": sigma_x, "sigma_y": sigma_x, "theta": 0.0}
    return {"type": "aniso", "size": size, "sigma_x": sigma_x, "sigma_y": sigma_y, "theta": theta}


def blur_then_resize(
    img: torch.Tensor, kernel: dict[str, Any], out_h: int, out_w: int, mode: str
) -> torch.Tensor:
    """Blur with the recorded kernel then resize; separable kernels take the folded path when cheaper."""
    from flipnet_bench.degrade import ops

    factors = separable_factors(kernel)
    _, h, w = img.shape
    if factors is not None and ops.fold_is_cheaper(h, w, out_h, out_w, kernel["size"]):
        return ops.blur_resize_separable(img, factors[0], factors[1], out_h, out_w, mode)
    return ops.resize(ops.blur(img, build_kernel(kernel)), out_h, out_w, mode)


class ClassicDegradation(ReferenceScaled):
    """Classic model with one of the published presets (``gfpgan``, ``codeformer``, ``difface``, ``diffbir``,
    ``daefr``) plus optional overrides of any :class:`ClassicConfig` key."""

    name = "classic"

    def __init__(self, preset: str = DEFAULT_PRESET, **overrides: Any) -> None:
        self.preset = preset
        self.config: ClassicConfig = classic_config(preset, overrides)

    def describe(self) -> dict[str, Any]:
        return {"model": self.name, "preset": self.preset, "config": to_dict(self.config)}

    def sample_params(self, generator: np.random.Generator) -> dict[str, Any]:
        """Draws in a fixed order whether or not an option fires, so the stream layout never shifts."""
        cfg = self.config
        gen = generator
        kind = str(gen.choice(np.array(cfg.kernel_list), p=np.array(cfg.kernel_prob)))
        kernel = sample_gaussian_kernel(gen, kind, cfg.kernel_size, cfg.blur_sigma)
        scale = _uniform(gen, cfg.downsample_range)
        noise_sigma = _uniform(gen, cfg.noise_range)
        noise_seed = int(gen.integers(0, 2**31 - 1))
        quality = int(gen.integers(cfg.jpeg_range[0], cfg.jpeg_range[1], endpoint=True))
        shift_on = bool(gen.random() < cfg.color_jitter_prob)
        shift = [float(v) for v in gen.uniform(-cfg.color_jitter_shift, cfg.color_jitter_shift, 3) / 255.0]
        gray_on = bool(gen.random() < cfg.gray_prob)
        jitter_on = bool(gen.random() < cfg.color_jitter_pt_prob)
        order = [_JITTER_OPS[int(i)] for i in gen.permutation(4)]
        factors = {op: _uniform(gen, getattr(cfg, op)) for op in _JITTER_OPS}
        return {
            "kernel": kernel,
            "scale": scale,
            "noise_sigma": noise_sigma,
            "noise_seed": noise_seed,
            "jpeg_quality": quality,
            "color_shift": shift if shift_on else None,
            "gray": gray_on,
            "color_jitter": {"order": order, **factors} if jitter_on else None,
        }

    def degrade_pixels(self, pixels: np.ndarray, index: int, seed: int) -> tuple[np.ndarray, dict[str, Any]]:
        """One ``uint8`` HWC image through the OpenCV chain (:mod:`flipnet_bench.degrade.classic_cv2`), with
        the draws and recorded scale that ``__call__`` would make for ``(seed, index)``."""
        h, w = pixels.shape[:2]
        scale = image_scale(h, w, self.config.reference_size, self.config.pixel_scale)
        draws = self.sample_params(image_generator(seed, index))
        params = record_scale(draws, self.config.reference_size, scale)
        return self.apply_pixels(pixels, params), params

    @property
    def pixels_use_torch(self) -> bool:
        """Whether :meth:`apply_pixels` can call torch (GFPGAN's tensor colour jitter)."""
        return self.config.color_jitter_pt_prob > 0

    def apply_pixels(self, pixels: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Replay recorded ``params`` on one ``uint8`` HWC image through the OpenCV chain (what ``degrade``
        wrote with ``backend: cv2``)."""
        from flipnet_bench.degrade import classic_cv2

        return classic_cv2.degrade_pixels(pixels, params, self.config)

    def apply_one(self, image: torch.Tensor, params: dict[str, Any]) -> torch.Tensor:
        import torch

        from flipnet_bench.degrade import ops
        from flipnet_bench.degrade.color import color_jitter

        _, h, w = image.shape
        mode, stages = self.config.interpolation, self.config.stages
        pixel_scale = recorded_scale(params)
        ref_h, ref_w = reference_dims(h, w, pixel_scale)
        factor = params["scale"] if "downsample" in stages else 1.0
        small_h, small_w = max(1, int(ref_h // factor)), max(1, int(ref_w // factor))
        if "blur" in stages:
            out = blur_then_resize(image, scale_kernel(params["kernel"], pixel_scale), small_h, small_w, mode)
        else:
            out = ops.resize(image, small_h, small_w, mode)
        if "noise" in stages:
            out = ops.gaussian_noise(out, params["noise_sigma"], False, params["noise_seed"])
        if "jpeg" in stages:
            out = ops.jpeg(out, params["jpeg_quality"])
        out = back_to_image(out, h, w, pixel_scale, mode)
        if params["color_shift"] is not None:
            out = (out + torch.tensor(params["color_shift"], dtype=out.dtype).view(3, 1, 1)).clamp_(0.0, 1.0)
        if params["gray"]:
            out = ops.gray(out).expand(3, h, w)
        if params["color_jitter"] is not None:
            out = color_jitter(out.clamp(0.0, 1.0), params["color_jitter"])
        return ops.quantise(out)
