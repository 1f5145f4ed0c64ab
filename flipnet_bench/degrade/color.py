"""GFPGAN's LQ colour jitter (brightness, contrast, saturation, hue in a recorded order) on a (3, H, W) image.

Same definitions as ``torchvision.transforms.functional.adjust_*`` (blend with black / the mean grey / the
greyscale image; hue rotation in HSV), written as a few elementwise passes: torchvision's HSV round trip costs
~5× more at 512², which dominated the gfpgan preset.
"""

from __future__ import annotations

from typing import Any

import torch

_LUMA = (0.2989, 0.587, 0.114)  # torchvision's rgb_to_grayscale weights


def _luma(img: torch.Tensor) -> torch.Tensor:
    return _LUMA[0] * img[0] + _LUMA[1] * img[1] + _LUMA[2] * img[2]


def _blend(img: torch.Tensor, other: torch.Tensor | float, factor: float) -> torch.Tensor:
    return (factor * img + (1.0 - factor) * other).clamp_(0.0, 1.0)


def adjust_brightness(img: torch.Tensor, factor: float) -> torch.Tensor:
    return (img * factor).clamp_(0.0, 1.0)


def adjust_contrast(img: torch.Tensor, factor: float) -> torch.Tensor:
    return _blend(img, _luma(img).mean(), factor)


def adjust_saturation(img: torch.Tensor, factor: float) -> torch.Tensor:
    return _blend(img, _luma(img)[None], factor)


def adjust_hue(img: torch.Tensor, shift: float) -> torch.Tensor:
    """Rotate the HSV hue by ``shift`` turns (in [-0.5, 0.5]); saturation and value are kept."""
    r, g, b = img[0], img[1], img[2]
    value = img.amax(0)  # amax/amin: max(0)/min(0) also build index tensors, ~18x slower on CPU
    chroma = value - img.amin(0)
    has_chroma = chroma > 0
    safe = torch.where(has_chroma, chroma, torch.ones_like(chroma))
    rc, gc, bc = (value - r) / safe, (value - g) / safe, (value - b) / safe
    sector = torch.where(value == r, bc - gc, torch.where(value == g, 2.0 + rc - bc, 4.0 + gc - rc))
    hue = torch.where(has_chroma, torch.remainder(sector / 6.0, 1.0), torch.zeros_like(sector))
    hue6 = torch.remainder(hue + shift, 1.0) * 6.0
    # RGB from HSV: channel n = V − C·clamp(min(k, 4 − k), 0, 1) with k = (n + 6h) mod 6, n = 5, 3, 1.
    out = torch.empty_like(img)
    for channel, n in enumerate((5.0, 3.0, 1.0)):
        k = torch.remainder(hue6 + n, 6.0)
        out[channel] = value - chroma * torch.minimum(k, 4.0 - k).clamp_(0.0, 1.0)
    return out


_OPS = {
    "brightness": adjust_brightness,
    "contrast": adjust_contrast,
    "saturation": adjust_saturation,
    "hue": adjust_hue,
}


def color_jitter(img: torch.Tensor, jitter: dict[str, Any]) -> torch.Tensor:
    """Apply the recorded ``jitter`` (``order`` plus one factor per op) to a (3, H, W) image in [0, 1]."""
    for op in jitter["order"]:
        img = _OPS[op](img, jitter[op])
    return img
