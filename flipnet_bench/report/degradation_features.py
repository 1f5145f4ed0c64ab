"""A small feature space that responds to how an image was degraded rather than to what it shows.

The realism study's ``fd_deg`` distance is the Fréchet distance of these per-image vectors
(docs/realism.md *Feature spaces*). Every feature is measured on luma at the image's own pixel scale and is a
logarithm, so one unit means "a factor e" in every coordinate; the features are used as they are, with no
scaling fitted to any data set, so every column of a realism table is measured on the same fixed scale.

* ``sharp_0``, ``sharp_1``, ``sharp_2`` — the energy of the three finest octave bands relative to a coarse
  one. A global gain or offset (exposure, contrast, lighting) cancels in the ratio, and natural images have
  roughly scale-invariant (1/f) spectra, so the ratios vary little with content; blur and downscaling remove
  the finest octaves first, while noise raises the finest.
* ``noise`` — the robust (median) noise level of the finest diagonal wavelet band in the flattest quarter of
  the image, where smooth image content contributes almost nothing to that band and white noise contributes
  fully; floored in quadrature by 8-bit quantisation noise, which every stored image carries.
* ``blocking`` — how much more the luma changes across one phase of an 8-pixel grid than across a typical
  phase (JPEG's block boundaries); taken over all phases because crops need not be grid-aligned.

Colour (saturation, cast) is left out on purpose: it follows skin tone, lighting and white balance, i.e.
content and capture, and the study's single-factor floors do not change it.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.ndimage import gaussian_filter

from flipnet_bench.errors import BenchError

#: Names of the feature coordinates, in order.
FEATURES = ("sharp_0", "sharp_1", "sharp_2", "noise", "blocking")
#: Octave scales (Gaussian sigma in pixels) bounding the band-pass bands; 0 = the image itself.
OCTAVES = (0.0, 1.0, 2.0, 4.0, 8.0)
#: The smallest image side the coarsest band and the 8-px phase statistics are defined on.
MIN_SIDE = 32
_BLOCK = 8  # JPEG's DCT block size
_QUANT_VAR = 1.0 / 12.0  # variance of rounding to integer grey levels
_MAD_TO_SIGMA = 0.6745  # median |N(0, 1)|
_FLAT_QUANTILE = 0.25
_LUMA = np.array([0.299, 0.587, 0.114])  # ITU-R 601, as the degradations' grey conversion


def _smooth(luma: np.ndarray, sigma: float) -> np.ndarray:
    return luma if sigma == 0 else gaussian_filter(luma, sigma, mode="reflect", truncate=4.0)


def sharpness(luma: np.ndarray) -> np.ndarray:
    """ln of the RMS of octave bands 0, 1, 2 (finest first) over that of band 3."""
    levels = [_smooth(luma, s) for s in OCTAVES]
    rms = np.array([np.sqrt(np.mean((a - b) ** 2)) for a, b in zip(levels[:-1], levels[1:])])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(rms[:3] / rms[3])


def noise_level(luma: np.ndarray) -> float:
    """ln of the noise standard deviation (grey levels) in the flattest quarter, quantisation included."""
    h, w = (luma.shape[0] // 2) * 2, (luma.shape[1] // 2) * 2
    y = luma[:h, :w]
    a, b, c, d = y[0::2, 0::2], y[0::2, 1::2], y[1::2, 0::2], y[1::2, 1::2]
    diagonal = (a - b - c + d) / 2  # unit gain for white noise
    gy, gx = np.gradient(_smooth(y, OCTAVES[2]))
    grad = np.hypot(gy, gx)
    structure = (grad[0::2, 0::2] + grad[0::2, 1::2] + grad[1::2, 0::2] + grad[1::2, 1::2]) / 4
    flat = structure <= np.quantile(structure, _FLAT_QUANTILE)
    sigma = np.median(np.abs(diagonal[flat])) / _MAD_TO_SIGMA
    return float(0.5 * np.log(sigma**2 + _QUANT_VAR))


def _phase_ratio(profile: np.ndarray) -> float:
    phases = np.array([profile[p::_BLOCK].mean() for p in range(_BLOCK)])
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.log(phases.max() / np.median(phases)))


def blocking(luma: np.ndarray) -> float:
    """Mean over both directions of ln(strongest 8-px phase of |first difference| / median phase)."""
    across_cols = np.abs(np.diff(luma, axis=1)).mean(0)
    across_rows = np.abs(np.diff(luma, axis=0)).mean(1)
    return (_phase_ratio(across_cols) + _phase_ratio(across_rows)) / 2


def image_features(luma: np.ndarray) -> np.ndarray:
    """The :data:`FEATURES` vector of one luma image (H×W, grey levels 0–255); all NaN for a flat image."""
    if min(luma.shape) < MIN_SIDE:
        raise BenchError(
            f"degradation features need images of at least {MIN_SIDE}×{MIN_SIDE} px, got "
            f"{luma.shape[0]}×{luma.shape[1]}; use larger crops or set an eval size"
        )
    if np.ptp(luma) < 1.0:  # under one grey level of structure: nothing to measure (the study drops NaN rows)
        return np.full(len(FEATURES), np.nan)
    return np.array([*sharpness(luma), noise_level(luma), blocking(luma)])


def degradation_features(batch: torch.Tensor) -> torch.Tensor:
    """N×3×H×W RGB in [0, 1] → N×5 float64 features (:data:`FEATURES`), the realism ``deg`` space."""
    rgb = batch.detach().to("cpu", torch.float64).numpy()
    luma = np.einsum("nchw,c->nhw", rgb, _LUMA) * 255.0
    return torch.from_numpy(np.stack([image_features(y) for y in luma]))
