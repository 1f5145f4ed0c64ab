"""Deterministic degradation operators on one image ``(C, H, W)`` float32 tensor in [0, 1].

Blur, resize, noise and JPEG as pure functions of the image and recorded parameters (no hidden randomness:
noise takes an integer seed drawn by the sampler). Each call handles one image so that the result never
depends on the batch it came in.

* Resizing follows OpenCV's ``cv2.resize`` conventions (pixel-centre alignment, replicated border,
  ``INTER_AREA`` coverage weights) so parity with cv2-based training pipelines holds within one grey level.
* Blur is an exact convolution with ``BORDER_REFLECT_101`` borders (cv2.filter2D's default): through FFT for
  general kernels, and folded into the following resize as two small matrix products for separable ones.
"""

from __future__ import annotations

import io
import math
from functools import lru_cache

import numpy as np
import scipy.fft
import scipy.sparse
import torch
import torch.nn.functional as F
from PIL import Image

from flipnet_bench.errors import BenchError
from flipnet_bench.io import to_tensor, to_uint8

RESIZE_MODES = ("bilinear", "bicubic", "area")
_CUBIC_A = -0.75  # OpenCV's (and torch's) bicubic coefficient
#: Above this many multiply-adds per output pixel F.interpolate beats dense resize matrices (measured, CPU).
_MATMUL_MACS_PER_OUTPUT = 100
#: Dense multiply-adds of the folded separable blur worth one unit of FFT work (n log n per padded pixel).
_FOLD_PER_FFT = 11


def reflect101(index: np.ndarray, size: int) -> np.ndarray:
    """Map any integer index into ``[0, size)`` by mirror reflection without repeating the edge pixel."""
    if size == 1:
        return np.zeros_like(index)
    period = 2 * size - 2
    m = np.abs(index) % period
    return np.where(m >= size, period - m, m)


def _cubic_weights(frac: np.ndarray) -> np.ndarray:
    x = frac[:, None] + np.array([1.0, 0.0, -1.0, -2.0])  # distances to the 4 taps sx-1 .. sx+2
    ax = np.abs(x)
    a = _CUBIC_A
    near = ((a + 2) * ax - (a + 3)) * ax * ax + 1
    far = ((a * ax - 5 * a) * ax + 8 * a) * ax - 4 * a
    return np.where(ax <= 1, near, np.where(ax < 2, far, 0.0))


@lru_cache(maxsize=1024)
def resize_matrix(in_size: int, out_size: int, mode: str, area_down: bool = True) -> np.ndarray:
    """The ``(out, in)`` float64 matrix of one axis of ``cv2.resize`` (``A @ x`` resizes along that axis).

    ``area_down`` says whether cv2 would take its true area-averaging path, which it only does when neither
    axis is enlarged; otherwise ``INTER_AREA`` falls back to its own linear-like weights.
    """
    if in_size < 1 or out_size < 1:
        raise BenchError(f"cannot resize {in_size} pixels to {out_size}")
    scale = in_size / out_size
    dst = np.arange(out_size, dtype=np.float64)
    mat = np.zeros((out_size, in_size), dtype=np.float64)
    rows = np.arange(out_size)
    if mode == "area" and area_down and scale >= 1:
        for dx in range(out_size):
            fsx1 = dx * scale
            fsx2 = fsx1 + scale
            cell = min(scale, in_size - fsx1)
            sx1, sx2 = math.ceil(fsx1), math.floor(fsx2)
            sx2 = min(sx2, in_size - 1)
            sx1 = min(sx1, sx2)
            if sx1 - fsx1 > 1e-3:
                mat[dx, sx1 - 1] += (sx1 - fsx1) / cell
            mat[dx, sx1:sx2] += 1.0 / cell
            if fsx2 - sx2 > 1e-3:
                mat[dx, sx2] += min(min(fsx2 - sx2, 1.0), cell) / cell
        return mat
    if mode == "area":  # cv2's enlarging INTER_AREA: linear with pixel-coverage fractions
        sx = np.floor(dst * scale)
        frac = (dst + 1) - (sx + 1) / scale
        frac = np.where(frac <= 0, 0.0, frac - np.floor(frac))
        taps, weights = sx[:, None] + np.array([0, 1]), np.stack([1 - frac, frac], axis=1)
    elif mode == "bilinear":
        src = (dst + 0.5) * scale - 0.5
        sx = np.floor(src)
        frac = src - sx
        taps, weights = sx[:, None] + np.array([0, 1]), np.stack([1 - frac, frac], axis=1)
    elif mode == "bicubic":
        src = (dst + 0.5) * scale - 0.5
        sx = np.floor(src)
        taps, weights = sx[:, None] + np.array([-1, 0, 1, 2]), _cubic_weights(src - sx)
    else:
        raise BenchError(f"unknown resize mode {mode!r}; choose one of {', '.join(RESIZE_MODES)}")
    cols = np.clip(taps, 0, in_size - 1).astype(np.int64)
    np.add.at(mat, (np.repeat(rows, cols.shape[1]), cols.ravel()), weights.ravel())
    return mat


def _area_down(in_h: int, in_w: int, out_h: int, out_w: int) -> bool:
    return in_h >= out_h and in_w >= out_w


def resize(img: torch.Tensor, out_h: int, out_w: int, mode: str) -> torch.Tensor:
    """Resize ``(C, H, W)`` like ``cv2.resize(..., interpolation=mode)`` (no anti-aliasing, as cv2)."""
    _, in_h, in_w = img.shape
    if (in_h, in_w) == (out_h, out_w):
        return img
    # Two small matrix products (cheap when one side is small, e.g. enlarging a tiny LQ back to 512²) or
    # torch's interpolation, whose half-pixel, clamped-border bilinear/bicubic formulas are cv2's.
    macs = min(out_h * in_h * in_w + out_h * in_w * out_w, in_h * in_w * out_w + out_h * in_h * out_w)
    if mode in ("bilinear", "bicubic") and macs > _MATMUL_MACS_PER_OUTPUT * out_h * out_w:
        return F.interpolate(img[None], size=(out_h, out_w), mode=mode, align_corners=False)[0]
    down = _area_down(in_h, in_w, out_h, out_w)
    a_h, a_w = _resize_tensor(in_h, out_h, mode, down), _resize_tensor(in_w, out_w, mode, down)
    if out_h * in_h * in_w + out_h * in_w * out_w <= in_h * in_w * out_w + out_h * in_h * out_w:
        return (a_h @ img) @ a_w.T
    return a_h @ (img @ a_w.T)


@lru_cache(maxsize=1024)
def _resize_tensor(in_size: int, out_size: int, mode: str, area_down: bool) -> torch.Tensor:
    return _as_tensor(resize_matrix(in_size, out_size, mode, area_down))


def _as_tensor(mat: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(mat.astype(np.float32))


def _conv_matrix(size: int, taps: np.ndarray) -> scipy.sparse.csr_matrix:
    """Sparse ``(size, size)`` matrix of a 1-D convolution with reflect-101 borders."""
    half = len(taps) // 2
    rows = np.repeat(np.arange(size), len(taps))
    cols = reflect101(np.arange(size)[:, None] + np.arange(-half, half + 1)[None, :], size).ravel()
    vals = np.tile(taps, size)
    return scipy.sparse.csr_matrix((vals, (rows, cols)), shape=(size, size))


def fold_is_cheaper(h: int, w: int, out_h: int, out_w: int, kernel_size: int) -> bool:
    """Whether folding a separable blur into the resize beats FFT blur + resize (dense products grow with
    the output size, the FFT does not; the factor was measured on CPU, where both cross near 200² at 512²).

    The choice is a pure function of the shapes, so it never breaks reproducibility.
    """
    fold = min(out_h * h * w + out_h * w * out_w, h * w * out_w + out_h * h * out_w)
    fh, fw = h + kernel_size - 1, w + kernel_size - 1
    return fold <= _FOLD_PER_FFT * fh * fw * math.log2(max(fh * fw, 2))


def blur_resize_separable(
    img: torch.Tensor, vertical: np.ndarray, horizontal: np.ndarray, out_h: int, out_w: int, mode: str
) -> torch.Tensor:
    """Blur with the kernel ``outer(vertical, horizontal)`` then resize, as ``M_h @ img @ M_wᵀ``.

    Folding the blur into the resize matrices is exact and only computes the pixels the resize keeps.
    """
    _, in_h, in_w = img.shape
    down = _area_down(in_h, in_w, out_h, out_w)
    # (A @ C) computed as (Cᵀ @ Aᵀ)ᵀ so scipy multiplies sparse × dense.
    m_h = (_conv_matrix(in_h, vertical).T @ resize_matrix(in_h, out_h, mode, down).T).T
    m_w = (_conv_matrix(in_w, horizontal).T @ resize_matrix(in_w, out_w, mode, down).T).T
    return _as_tensor(np.ascontiguousarray(m_h)) @ img @ _as_tensor(np.ascontiguousarray(m_w)).T


def blur(img: torch.Tensor, kernel: np.ndarray) -> torch.Tensor:
    """Convolve each channel with ``kernel`` (odd square, point-symmetric), reflect-101 borders, via FFT."""
    _, h, w = img.shape
    size = kernel.shape[0]
    half = size // 2
    if half < h and half < w:  # torch's "reflect" is reflect-101; it only pads by less than the size
        padded = F.pad(img[None], (half, half, half, half), mode="reflect")[0]
    else:  # tiny images: mirror repeatedly, as cv2 does
        rows = torch.from_numpy(reflect101(np.arange(-half, h + half), h))
        cols = torch.from_numpy(reflect101(np.arange(-half, w + half), w))
        padded = img.index_select(1, rows).index_select(2, cols)
    fh = scipy.fft.next_fast_len(h + 2 * half, real=True)
    fw = scipy.fft.next_fast_len(w + 2 * half, real=True)
    kpad = np.zeros((fh, fw), dtype=np.float32)
    kpad[:size, :size] = kernel
    kpad = np.roll(kpad, (-half, -half), axis=(0, 1))  # kernel centre at the origin
    spectrum = torch.fft.rfft2(padded, s=(fh, fw)) * torch.fft.rfft2(torch.from_numpy(kpad))
    out = torch.fft.irfft2(spectrum, s=(fh, fw))
    return out[:, half : half + h, half : half + w]


def gray(img: torch.Tensor) -> torch.Tensor:
    """ITU-R 601 luma (cv2's RGB→GRAY weights), ``(1, H, W)``."""
    weights = torch.tensor([0.299, 0.587, 0.114], dtype=img.dtype).view(3, 1, 1)
    return (img * weights).sum(0, keepdim=True)


def gaussian_noise(img: torch.Tensor, sigma: float, gray_noise: bool, seed: int) -> torch.Tensor:
    """Add N(0, (sigma/255)²) noise (one field shared by the channels when ``gray_noise``) and clip."""
    gen = torch.Generator().manual_seed(int(seed))
    c, h, w = img.shape
    noise = torch.randn((1 if gray_noise else c, h, w), generator=gen, dtype=img.dtype)
    return (img + noise * (sigma / 255.0)).clamp_(0.0, 1.0)


def poisson_noise(img: torch.Tensor, scale: float, gray_noise: bool, seed: int) -> torch.Tensor:
    """Add shot noise: Poisson counts at a photon level set by the image's number of distinct grey levels.

    The level is ``2^ceil(log2(#distinct 8-bit values))``; the noise (count/level − value) is scaled by
    ``scale`` and added, then the result is clipped.
    """
    gen = torch.Generator().manual_seed(int(seed))
    src = gray(img) if gray_noise else img
    quantised = (src * 255.0).round().clamp(0, 255) / 255.0
    levels = 2.0 ** math.ceil(math.log2(max(len(torch.unique(quantised)), 1)))
    counts = torch.poisson(quantised * levels, generator=gen)
    noise = counts / levels - quantised
    return (img + noise * scale).clamp_(0.0, 1.0)


def jpeg(img: torch.Tensor, quality: int) -> torch.Tensor:
    """Round-trip through a real JPEG codec (libjpeg via Pillow, 4:2:0) at integer ``quality``."""
    if not 1 <= int(quality) <= 100:
        raise BenchError(f"JPEG quality must be in [1, 100], got {quality}")
    buffer = io.BytesIO()
    Image.fromarray(to_uint8(img)).save(buffer, format="JPEG", quality=int(quality))
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return to_tensor(np.array(decoded.convert("RGB")))[0]


def quantise(img: torch.Tensor) -> torch.Tensor:
    """Snap to the 8-bit grid (what a saved LQ image holds), so online and on-disk LQ agree exactly."""
    return (img * 255.0).round_().clamp_(0, 255).div_(255.0)
