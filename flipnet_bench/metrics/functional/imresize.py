"""MATLAB ``imresize(..., 'bicubic')`` with antialiasing, separable, in a chosen precision.

NIQE's second scale is defined by MATLAB's resize (the official code calls ``imresize(im, 0.5)``), and
PyTorch's ``interpolate`` differs from it (no kernel widening when shrinking, other border handling), so
this reproduces MATLAB's definition: output pixel ``i`` (0-based) is centred on source position
``(i + 0.5) / s - 0.5``; the Keys cubic kernel (a = -0.5) is widened by ``1/s`` when shrinking; the taps'
weights are normalised per output pixel, and source indices outside the image are mirrored with the edge
repeated (MATLAB's ``[1..L, L..1]``). Rows are resized first, then columns (MATLAB's order for equal scales).

Precision matters for NIQE: its α grid search turns last-bit differences into whole grid steps. pyiqa
resizes in float32 with exactly this tap layout (weights in float32, a sum over the taps), so NIQE calls
this with ``dtype=torch.float32`` and matches pyiqa to the bit; float64 is the default for everything else.
"""

from __future__ import annotations

import math

import torch


def cubic(t: torch.Tensor, a: float = -0.5) -> torch.Tensor:
    """Keys' cubic convolution kernel."""
    at = t.abs()
    at2 = at * at
    at3 = at * at2
    inner = (a + 2) * at3 - (a + 3) * at2 + 1
    outer = (a * at3) - (5 * a * at2) + (8 * a * at) - (4 * a)
    zero = torch.zeros_like(t)
    return torch.where(at <= 1, inner, zero) + torch.where((at > 1) & (at <= 2), outer, zero)


def _taps(in_len: int, out_len: int, scale: float, antialias: bool, dtype: torch.dtype):  # noqa: ANN202
    """(weights (K, out), 0-based mirrored source indices (K, out)) for one axis."""
    widen = antialias and scale < 1
    k = (math.ceil(4 / scale) if widen else 4) + 2  # two spare taps, zero-weighted at worst
    pos = (torch.arange(out_len, dtype=dtype) + 0.5) / scale - 0.5
    base = pos.floor() - (k // 2) + 1
    dist = pos - base
    t = dist[None, :] - torch.arange(k, dtype=dtype)[:, None]
    if widen:
        t = t * scale
    weights = cubic(t)
    weights = weights / weights.sum(dim=0, keepdim=True)
    src = base.long()[None, :] + torch.arange(k)[:, None]
    mirror = torch.cat([torch.arange(in_len), torch.arange(in_len - 1, -1, -1)])
    return weights, mirror[torch.remainder(src, 2 * in_len)]


def imresize(
    x: torch.Tensor, scale: float, antialias: bool = True, dtype: torch.dtype = torch.float64
) -> torch.Tensor:
    """Resize (N, C, H, W) by ``scale`` to ``ceil(H·s) × ceil(W·s)`` with MATLAB bicubic semantics.

    Computed in ``dtype`` (see the module doc); returned in ``dtype``.
    """
    n, c, h, w = x.shape
    out_h, out_w = math.ceil(h * scale), math.ceil(w * scale)
    x = x.to(dtype).reshape(n * c, 1, h, w)
    wh, src_h = _taps(h, out_h, scale, antialias, dtype)
    rows = x[:, 0][:, src_h, :]  # (B, K, out_h, W)
    x = (rows * wh.to(x.device)[None, :, :, None]).sum(dim=1, keepdim=True)
    ww, src_w = _taps(w, out_w, scale, antialias, dtype)
    cols = x[:, 0][:, :, src_w].permute(0, 2, 1, 3).contiguous()  # (B, K, out_h, out_w)
    x = (cols * ww.to(x.device)[None, :, None, :]).sum(dim=1, keepdim=True)
    return x.reshape(n, c, out_h, out_w)
