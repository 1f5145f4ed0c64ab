"""Luma conversions, each named after the convention it reproduces (they are not interchangeable).

* :func:`rgb_to_y_bt601` — ITU-R BT.601 "studio swing" Y (16–235), MATLAB ``rgb2ycbcr``; basicsr's
  ``rgb2ycbcr(y_only=True)`` used for PSNR/SSIM in every BFR paper.
* :func:`rgb_to_y_yiq` — Y of YIQ (0.299, 0.587, 0.114) on 0–255, rounded to integers like MATLAB's
  ``rgb2gray`` of a uint8 image; pyiqa's NIQE input.
"""

from __future__ import annotations

import torch

_BT601_Y = (65.481, 128.553, 24.966)
#: The full RGB→YIQ matrix: only its Y row is used, but the product is taken with all three rows (the same
#: (·, 3) @ (3, 3) matmul pyiqa runs) because BLAS picks a different kernel, with different float32 rounding,
#: for a single column; ties at .5 then round differently on some CPUs (seen: 1 grey level, NIQE 1e-4 off).
_YIQ = ((0.299, 0.587, 0.114), (0.5959, -0.2746, -0.3213), (0.2115, -0.5227, 0.3112))


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


def rgb_to_y_yiq(x: torch.Tensor) -> torch.Tensor:
    """RGB in [0, 1] → integer-valued Y of YIQ on 0–255, float64, shape (N, 1, H, W).

    The weighted sum is taken in float32 as pyiqa does, so ties at .5 round the same way.
    """
    _check_rgb(x)
    w = torch.tensor(_YIQ, dtype=torch.float32, device=x.device).t()
    yiq = torch.matmul(x.to(torch.float32).permute(0, 2, 3, 1), w).permute(0, 3, 1, 2)
    return (yiq[:, :1] * 255.0).round().to(torch.float64)
