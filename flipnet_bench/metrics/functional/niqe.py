"""NIQE (Mittal, Soundararajan & Bovik 2013) and its 36-d natural-scene-statistics features.

The definition reproduced is pyiqa's ``niqe`` (the official LIVE parameters, MATLAB semantics):

1. luma = Y of YIQ on 0–255, rounded to integers; the image is cropped to a multiple of 96 (partial blocks
   dropped);
2. at two scales (full, then MATLAB-bicubic ½ with antialiasing, in float32 as pyiqa) the MSCN coefficients
   ``(I - μ) / (σ + 1)`` are taken with a 7×7 Gaussian (σ = 7/6, float32 weights, replicate padding);
3. each 96×96 block (48×48 at scale 2) gives 18 features: the AGGD fit (α, mean β) of the coefficients and,
   for the four neighbour products (circular shifts within the block: right, down, two diagonals),
   α, the AGGD mean, β_l, β_r — α found by grid search over [0.2, 10] in steps of 0.001;
4. a Gaussian is fitted to the block features (mean ignoring NaN entries, covariance over blocks without
   NaN) and ``NIQE = sqrt((μ_p - μ)ᵀ pinv((Σ_p + Σ) / 2) (μ_p - μ))``.

NIQE needs a covariance over blocks, so an image must hold at least two whole 96×96 blocks (e.g. 96×192);
smaller images raise :class:`NIQESizeError` instead of returning NaN.
"""

from __future__ import annotations

import functools
import math

import torch
import torch.nn.functional as F

from flipnet_bench.metrics.functional.color import rgb_to_y_yiq
from flipnet_bench.metrics.functional.imresize import imresize

BLOCK = 96
MIN_BLOCKS = 2
_SHIFTS = ((0, 1), (1, 0), (1, 1), (1, -1))


class NIQESizeError(ValueError):
    """The image is too small for NIQE's block statistics."""


def _gaussian7() -> torch.Tensor:
    """MATLAB ``fspecial('gaussian', 7, 7/6)``, rounded to float32 as pyiqa stores it.

    The rounding matters: in flat regions σ is tiny, and the α grid search turns 1e-9 changes of the
    window into different α steps; with the float32 window the scores equal pyiqa's to ~1e-7.
    """
    x = torch.arange(7, dtype=torch.float64) - 3
    g = torch.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2 * (7 / 6) ** 2))
    return (g / g.sum()).to(torch.float32).to(torch.float64).view(1, 1, 7, 7)


def mscn(y: torch.Tensor) -> torch.Tensor:
    """Mean-subtracted contrast-normalised coefficients of a (N, 1, H, W) float64 luma on 0–255."""
    k = _gaussian7().to(y.device)
    padded = F.pad(y, (3, 3, 3, 3), mode="replicate")
    mu = F.conv2d(padded, k)
    second = F.conv2d(padded * padded, k)
    sigma = torch.sqrt((second - mu * mu).abs() + torch.finfo(torch.float64).eps)
    return (y - mu) / (sigma + 1)


@functools.lru_cache(maxsize=4)
def _alpha_grid(device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Candidate shapes α (float32 grid values, as pyiqa) and the ratio ρ(α) = Γ(2/α)² / (Γ(1/α) Γ(3/α)).

    ρ is strictly increasing on the grid (smallest step 1.7e-6), which :func:`_nearest` relies on.
    """
    gam = torch.arange(0.2, 10 + 0.001, 0.001, dtype=torch.float32).to(torch.float64).to(device)
    ratio = torch.exp(2 * torch.lgamma(2 / gam) - torch.lgamma(1 / gam) - torch.lgamma(3 / gam))
    if not bool((ratio.diff() > 0).all()):
        raise AssertionError("NIQE's ρ(α) grid is not increasing on this platform")
    return gam, ratio


def _nearest(ratio: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
    """``argmin_j |ratio_j - r|`` per entry of ``r`` (first index on ties, 0 for NaN), by bisection.

    Equal to the brute-force argmin for an increasing ``ratio`` (same float64 distances compared), without
    the (blocks × 9801) matrix that dominated NIQE's run time.
    """
    i = torch.searchsorted(ratio, r.contiguous()).clamp(1, len(ratio) - 1)
    lo = i - 1
    idx = torch.where((ratio[lo] - r).abs() <= (ratio[i] - r).abs(), lo, i)
    return torch.where(torch.isnan(r), torch.zeros_like(idx), idx)


def aggd_fit(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Asymmetric generalised Gaussian fit (moment matching) of each row of (B, M): α, β_left, β_right.

    A row without negative (or positive) values (a flat block) has undefined β: NaN, and α falls to the grid's
    first value 0.2, as MATLAB's ``min`` over an all-NaN vector (and pyiqa's ``argmin``) gives.
    """
    neg, pos = x < 0, x > 0
    left = torch.sqrt((x * x * neg).sum(1) / neg.sum(1))
    right = torch.sqrt((x * x * pos).sum(1) / pos.sum(1))
    gamma_hat = left / right
    r_hat = x.abs().mean(1) ** 2 / (x * x).mean(1)
    r_norm = r_hat * (gamma_hat**3 + 1) * (gamma_hat + 1) / (gamma_hat**2 + 1) ** 2
    gam, ratio = _alpha_grid(x.device)
    alpha = gam[_nearest(ratio, r_norm)]
    scale = torch.exp(torch.lgamma(1 / alpha) - torch.lgamma(3 / alpha)).sqrt()
    return alpha, left * scale, right * scale


def block_features(blocks: torch.Tensor) -> torch.Tensor:
    """18 NSS features for each (B, h, w) block of MSCN coefficients → (B, 18)."""
    flat = blocks.flatten(1)
    alpha, bl, br = aggd_fit(flat)
    feats = [alpha, (bl + br) / 2]
    for dy, dx in _SHIFTS:
        prod = (blocks * torch.roll(blocks, shifts=(dy, dx), dims=(1, 2))).flatten(1)
        alpha, bl, br = aggd_fit(prod)
        mean = (br - bl) * torch.exp(torch.lgamma(2 / alpha) - torch.lgamma(1 / alpha))
        feats += [alpha, mean, bl, br]
    return torch.stack(feats, 1)


def _blocks(x: torch.Tensor, size: int) -> torch.Tensor:
    """(N, 1, H, W) with H, W multiples of ``size`` → (N, nblocks, size, size), row-major block order."""
    n, _, h, w = x.shape
    x = x.view(n, h // size, size, w // size, size).permute(0, 1, 3, 2, 4)
    return x.reshape(n, -1, size, size)


def check_size(h: int, w: int, what: str = "image") -> None:
    """Raise :class:`NIQESizeError` naming the minimum size unless two whole 96×96 blocks fit."""
    if (h // BLOCK) * (w // BLOCK) < MIN_BLOCKS:
        raise NIQESizeError(
            f"{what} is {h}x{w}; NIQE needs at least {MIN_BLOCKS} whole {BLOCK}x{BLOCK} blocks "
            f"(minimum {BLOCK}x{2 * BLOCK} or {2 * BLOCK}x{BLOCK}; 192x192 or larger recommended)"
        )


def niqe_block_features(images: torch.Tensor) -> torch.Tensor:
    """Per-block features of an RGB batch in [0, 1] → (N, nblocks, 36) (scale-1 then scale-2 features)."""
    y = rgb_to_y_yiq(images)
    h, w = y.shape[-2:]
    check_size(h, w)
    y = y[..., : h // BLOCK * BLOCK, : w // BLOCK * BLOCK]
    per_scale = []
    for size in (BLOCK, BLOCK // 2):
        blocks = _blocks(mscn(y), size)
        n, nb = blocks.shape[:2]
        per_scale.append(block_features(blocks.reshape(n * nb, size, size)).view(n, nb, 18))
        if size == BLOCK:
            y = imresize(y / 255.0, 0.5, dtype=torch.float32).to(torch.float64) * 255.0
    return torch.cat(per_scale, -1)


def niqe_features(images: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) in [0, 1] → (N, 36): each image's mean block feature vector (NaN entries ignored).

    The per-image mean is the location NIQE's own Gaussian fit uses, so it keeps exactly the statistics
    NIQE scores while giving one vector per image (what a Fréchet distance between sets needs).
    """
    return torch.nanmean(niqe_block_features(images), dim=1)


def _nancov_rows(feats: torch.Tensor) -> torch.Tensor:
    """Unbiased covariance over the rows of (M, D) that contain no NaN (NaN matrix if < 2 rows remain)."""
    rows = feats[~torch.isnan(feats).any(1)]
    if len(rows) < 2:
        return torch.full((feats.shape[1], feats.shape[1]), math.nan, dtype=feats.dtype, device=feats.device)
    return torch.cov(rows.T)


def niqe(images: torch.Tensor, mu_pris: torch.Tensor, cov_pris: torch.Tensor) -> torch.Tensor:
    """Per-image NIQE, shape (N,), lower is better; NaN for images with too few usable blocks (e.g. flat).

    Args:
        images: RGB (N, 3, H, W) in [0, 1] (all the same size).
        mu_pris, cov_pris: the pristine model, (36,) and (36, 36).
    """
    feats = niqe_block_features(images)
    mu_p = mu_pris.reshape(-1).to(feats)
    cov_p = cov_pris.to(feats)
    out = []
    for f in feats:
        diff = (mu_p - torch.nanmean(f, 0)).unsqueeze(1)
        cov = _nancov_rows(f)
        if torch.isnan(diff).any() or torch.isnan(cov).any():  # too few blocks with both signs (flat image)
            out.append(feats.new_tensor(math.nan))
            continue
        out.append(torch.sqrt(diff.T @ torch.linalg.pinv((cov_p + cov) / 2) @ diff).reshape(()))
    return torch.stack(out)
