"""PSNR and SSIM in the basicsr convention that BFR papers report.

Defaults: Y channel of BT.601 YCbCr on the 0–255 scale, ``crop_border=0``; SSIM with an 11×11 Gaussian
window (σ = 1.5) applied in "valid" mode, constants (0.01·255)² and (0.03·255)², the mean of the SSIM map.
Everything runs batched in float64 so a batch gives the same numbers as one image at a time.

PSNR of identical images: basicsr returns ``inf``, which cannot enter a mean, so a perfect prediction would be
dropped from the average (n differing between columns). Here the MSE is floored at ``MSE_FLOOR`` (0–255 scale)
for every image, so identical images score ``PSNR_IDENTICAL`` = 10·log10(255² / 1e-10) ≈ 148.13 dB (the
epsilon-in-the-MSE convention of IQA libraries, with a floor below any MSE two different 8-bit images can
have: the smallest, one gray level in one blue value, is ≥ 0.098² / (H·W) > 1e-10 for up to ~10⁸ pixels), so
every other pair keeps basicsr's value exactly.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from flipnet_bench.metrics.functional.color import rgb_to_y_bt601

_C1 = (0.01 * 255.0) ** 2
_C2 = (0.03 * 255.0) ** 2
#: Lower bound of the per-image MSE in PSNR (0–255 scale); see the module docstring.
MSE_FLOOR = 1e-10
PSNR_IDENTICAL = 10.0 * math.log10(255.0**2 / MSE_FLOOR)


def _prepare(
    pred: torch.Tensor, gt: torch.Tensor, crop_border: int, y_channel: bool
) -> tuple[torch.Tensor, ...]:
    """Both images on the 0–255 scale in float64, cropped, as Y or as RGB."""
    if pred.shape != gt.shape:
        raise ValueError(f"pred and gt shapes differ: {tuple(pred.shape)} vs {tuple(gt.shape)}")
    if crop_border < 0:
        raise ValueError(f"crop_border must be >= 0, got {crop_border}")
    if y_channel:
        a, b = rgb_to_y_bt601(pred), rgb_to_y_bt601(gt)
    else:
        a, b = pred.to(torch.float64) * 255.0, gt.to(torch.float64) * 255.0
    if crop_border:
        a = a[..., crop_border:-crop_border, crop_border:-crop_border]
        b = b[..., crop_border:-crop_border, crop_border:-crop_border]
    return a, b


def psnr(pred: torch.Tensor, gt: torch.Tensor, crop_border: int = 0, y_channel: bool = True) -> torch.Tensor:
    """Per-image PSNR in dB, shape (N,); basicsr's value, except identical images give ``PSNR_IDENTICAL``
    (MSE floored at ``MSE_FLOOR``) instead of ``inf``, so no image is dropped from a mean.

    Args:
        pred, gt: float RGB (N, 3, H, W) in [0, 1].
    """
    a, b = _prepare(pred, gt, crop_border, y_channel)
    mse = (a - b).pow(2).mean(dim=(1, 2, 3))
    return 10.0 * torch.log10(255.0**2 / mse.clamp_min(MSE_FLOOR))


def gaussian_kernel1d(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    """Normalised 1-D Gaussian (OpenCV ``getGaussianKernel`` for σ > 0), float64."""
    x = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    k = torch.exp(-(x**2) / (2 * sigma**2))
    return k / k.sum()


def _blur_valid(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """Separable valid-mode Gaussian filter per channel (the outer product of ``k`` with itself)."""
    c = x.shape[1]
    x = F.conv2d(x, k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)
    return F.conv2d(x, k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)


def ssim(
    pred: torch.Tensor,
    gt: torch.Tensor,
    crop_border: int = 0,
    y_channel: bool = True,
    window: int = 11,
    sigma: float = 1.5,
) -> torch.Tensor:
    """Per-image SSIM, shape (N,): mean SSIM map (over channels too when ``y_channel=False``).

    Raises ValueError when the (cropped) image is smaller than the window.
    """
    a, b = _prepare(pred, gt, crop_border, y_channel)
    if min(a.shape[-2:]) < window:
        raise ValueError(f"SSIM needs images of at least {window}x{window} pixels, got {tuple(a.shape[-2:])}")
    k = gaussian_kernel1d(window, sigma).to(a.device)
    mu1, mu2 = _blur_valid(a, k), _blur_valid(b, k)
    mu1_sq, mu2_sq, mu12 = mu1 * mu1, mu2 * mu2, mu1 * mu2
    s1 = _blur_valid(a * a, k) - mu1_sq
    s2 = _blur_valid(b * b, k) - mu2_sq
    s12 = _blur_valid(a * b, k) - mu12
    ssim_map = ((2 * mu12 + _C1) * (2 * s12 + _C2)) / ((mu1_sq + mu2_sq + _C1) * (s1 + s2 + _C2))
    return ssim_map.mean(dim=(1, 2, 3))
