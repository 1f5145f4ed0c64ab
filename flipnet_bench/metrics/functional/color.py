"""Luma conversions, each named after the convention it reproduces (they are not interchangeable).

* :func:`rgb_to_y_bt601` — ITU-R BT.601 "studio swing" Y (16–235), MATLAB ``rgb2ycbcr``; basicsr's
  ``rgb2ycbcr(y_only=True)`` used for PSNR/SSIM in every BFR paper.
* :func:`rgb_to_y_yiq` — Y of YIQ (0.299, 0.587, 0.114) on 0–255, rounded to integers like MATLAB's
  ``rgb2gray`` of a uint8 image; pyiqa's NIQE input.
"""

from __future__ import annotations

import torch

_BT601_Y = (65.481, 128.553, 24.966)
#: The Y row of pyiqa's RGB→YIQ matrix, as the float32 values pyiqa multiplies with.
_YIQ_Y = (0.299, 0.587, 0.114)


def _check_rgb(x: torch.Tensor) -> None:
    if x.ndim != 4 or x.shape[1] != 3:
        raise ValueError(f"expected an RGB batch of shape (N, 3, H, W), got {tuple(x.shape)}")


def rgb_to_y_bt601(x: torch.Tensor) -> torch.Tensor:
    """RGB in [0, 1] → BT.601 Y on the 0–255 scale (range 16–235), float64, shape (N, 1, H, W).

    Float64 because PSNR on near-identical images is sensitive to the last bits of the MSE.
    """
    _check_rgb(x)
    w = torch.tensor(_BT601_Y, dtype=torch.float64, device=x.device).view(1, 3, 1, 1)
    return (x.to(torch.float64) * w).sum(1, keepdim=True) + 16.0


def _f32(x: torch.Tensor) -> torch.Tensor:
    """Round float64 values to the nearest float32 (kept in float64)."""
    return x.to(torch.float32).to(torch.float64)


def rgb_to_y_yiq(x: torch.Tensor) -> torch.Tensor:
    """RGB in [0, 1] → integer-valued Y of YIQ on 0–255, float64, shape (N, 1, H, W).

    pyiqa takes Y as a float32 matrix product, then ``round(255·Y)``. About one pixel in 1,000 of an 8-bit
    image has ``(299 R + 587 G + 114 B) / 1000`` exactly at .5, so its grey level is decided by the last
    bit of that product, and BLAS kernels differ there by CPU type: MKL's AVX-512 kernel computes
    ``fma(B, w_b, fma(G, w_g, R·w_r))``, its AVX2 kernel ``fma(B, w_b, R·w_r + G·w_g)``, and the two disagree
    on ~2e-4 of the pixels of the bundled sets (NIQE up to 2.5e-3 apart per image). This function fixes the
    first form as the definition (it equals pyiqa on AVX-512 CPUs on every pixel of the bundled sets) and
    evaluates it with elementwise float64 operations rounded to float32 after each step: a float32 product
    is exact in float64, so each step is the float32 FMA (up to a double rounding about 2⁻²⁹ as likely as
    not), the same on any CPU.
    """
    _check_rgb(x)
    rgb = x.to(torch.float32).to(torch.float64)
    w_r, w_g, w_b = (float(torch.tensor(v, dtype=torch.float32)) for v in _YIQ_Y)
    y = _f32(rgb[:, 0:1] * w_r)
    y = _f32(rgb[:, 1:2] * w_g + y)
    y = _f32(rgb[:, 2:3] * w_b + y)
    return _f32(y * 255.0).round()
