"""MATLAB ``imresize(..., 'bicubic')`` with antialiasing, as separable dense resampling matrices.

NIQE's second scale is defined by MATLAB's resize (the official code calls ``imresize(im, 0.5)``), and
PyTorch's ``interpolate`` differs from it (no antialiasing kernel widening, different border handling), so
this reproduces MATLAB's definition: for output pixel ``x`` (1-based) the source centre is
``u = x / s + 0.5 (1 - 1/s)``; the Keys cubic kernel (a = -0.5) is widened by ``1/s`` when shrinking; weights
are normalised per output pixel and indices outside the image are mirrored (``[1..L, L..1]``).
"""

from __future__ import annotations

import math

import torch


def cubic(t: torch.Tensor, a: float = -0.5) -> torch.Tensor:
    """Keys' cubic convolution kernel."""
    at = t.abs()
    at2, at3 = at * at, at * at * at
    inner = (a + 2) * at3 - (a + 3) * at2 + 1
    outer = a * at3 - 5 * a * at2 + 8 * a * at - 4 * a
    return torch.where(at <= 1, inner, torch.where(at <= 2, outer, torch.zeros_like(t)))


def resize_matrix(in_len: int, out_len: int, scale: float, antialias: bool = True) -> torch.Tensor:
    """The (out_len, in_len) float64 matrix M with ``resized = M @ signal`` along one axis."""
    widen = antialias and scale < 1
    width = 4.0 / scale if widen else 4.0
    x = torch.arange(1, out_len + 1, dtype=torch.float64)
    u = x / scale + 0.5 * (1 - 1 / scale)
    left = torch.floor(u - width / 2)
    taps = math.ceil(width) + 2
    idx = left[:, None] + torch.arange(taps, dtype=torch.float64)[None, :]  # 1-based source indices
    dist = u[:, None] - idx
    weights = scale * cubic(scale * dist) if widen else cubic(dist)
    weights = weights / weights.sum(1, keepdim=True)
    mirror = torch.cat([torch.arange(in_len), torch.arange(in_len - 1, -1, -1)])  # 0-based [1..L, L..1]
    src = mirror[torch.remainder(idx.long() - 1, 2 * in_len)]
    matrix = torch.zeros(out_len, in_len, dtype=torch.float64)
    matrix.scatter_add_(1, src, weights)
    return matrix


def imresize(x: torch.Tensor, scale: float, antialias: bool = True) -> torch.Tensor:
    """Resize a (N, C, H, W) batch by ``scale`` to ``ceil(H·s) × ceil(W·s)``, MATLAB bicubic semantics.

    Computed in float64 (rows first, then columns, as MATLAB does for equal scales); returns x's dtype.
    """
    h, w = x.shape[-2:]
    mh = resize_matrix(h, math.ceil(h * scale), scale, antialias).to(x.device)
    mw = resize_matrix(w, math.ceil(w * scale), scale, antialias).to(x.device)
    out = torch.matmul(mh, x.to(torch.float64))
    out = torch.matmul(out, mw.T)
    return out.to(x.dtype)
