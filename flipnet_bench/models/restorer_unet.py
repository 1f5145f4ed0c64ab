"""The half-resolution residual U-Net restorer (``restorer.arch: unet``): pixel-unshuffle stem, a small U-Net
of two-conv residual blocks, a zero-initialised head added to the input (identity at initialisation)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from flipnet_bench.errors import BenchError

__all__ = ["RestorerUNet"]


class _Block(nn.Module):
    """Two 3×3 convs with a residual connection (GroupNorm-free: tiny batches on CPU)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(F.silu(self.conv1(F.silu(x))))


class RestorerUNet(nn.Module):
    """Residual U-Net: predicts a correction added to the input, so at initialisation it is near identity."""

    def __init__(self, channels: tuple[int, ...] = (32, 64, 128), blocks: int = 1) -> None:
        super().__init__()
        if len(channels) < 2 or any(c <= 0 for c in channels):
            raise BenchError(f"restorer channels must be ≥ 2 positive numbers, got {channels}")
        self.channels = tuple(channels)
        # Work at half resolution (pixel-unshuffle): 4x cheaper on CPU, no information lost.
        self.stem = nn.Sequential(nn.PixelUnshuffle(2), nn.Conv2d(12, channels[0], 3, padding=1))
        self.enc = nn.ModuleList(nn.Sequential(*[_Block(c) for _ in range(blocks)]) for c in channels[:-1])
        pairs = list(zip(channels, channels[1:]))
        self.down = nn.ModuleList(nn.Conv2d(a, b, 4, stride=2, padding=1) for a, b in pairs)
        self.mid = nn.Sequential(*[_Block(channels[-1]) for _ in range(blocks + 1)])
        self.up = nn.ModuleList(
            nn.ConvTranspose2d(b, a, 4, stride=2, padding=1) for a, b in zip(channels, channels[1:])
        )
        self.fuse = nn.ModuleList(nn.Conv2d(2 * c, c, 1) for c in channels[:-1])
        self.dec = nn.ModuleList(nn.Sequential(*[_Block(c) for _ in range(blocks)]) for c in channels[:-1])
        self.head = nn.Conv2d(channels[0], 12, 3, padding=1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)
        self.shuffle = nn.PixelShuffle(2)

    @property
    def multiple(self) -> int:
        """Input sides must be multiples of this (inputs are padded to it by :meth:`forward`)."""
        return 2 ** len(self.channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        m = self.multiple
        pad = (0, (-w) % m, 0, (-h) % m)
        xp = F.pad(x, pad, mode="reflect") if any(pad) else x
        feat = self.stem(xp)
        skips = []
        for enc, down in zip(self.enc, self.down):
            feat = enc(feat)
            skips.append(feat)
            feat = down(feat)
        feat = self.mid(feat)
        for i in reversed(range(len(self.up))):
            feat = self.fuse[i](torch.cat([self.up[i](feat), skips[i]], dim=1))
            feat = self.dec[i](feat)
        return (xp + self.shuffle(self.head(F.silu(feat))))[..., :h, :w]
