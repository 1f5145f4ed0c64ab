"""NAFNet (Chen, Chu, Zhang and Sun, "Simple Baselines for Image Restoration", ECCV 2022), written from the
paper's definition: a U-shaped encoder-decoder of nonlinear-activation-free blocks with a global residual.

- :class:`LayerNorm2d` normalises each pixel's channel vector (learned scale and shift per channel).
- :class:`SimpleGate` splits the channels in two halves and multiplies them: the block's only nonlinearity.
- *Simplified channel attention*: global average pooling, one 1×1 conv, multiplied onto the features (no
  ReLU/sigmoid).
- :class:`NAFBlock`: ``x + β·(1×1 → 3×3 depthwise → SimpleGate → SCA → 1×1)(LN(x))``, then
  ``y + γ·(1×1 → SimpleGate → 1×1)(LN(y))``; β and γ start at zero, so every block starts as the identity.
- :class:`NAFNet`: 3×3 intro conv, per level a stack of blocks then a stride-2 2×2 conv that doubles the
  width, middle blocks, per level a 1×1 conv + PixelShuffle(2) that halves the width, an additive skip and a
  stack of blocks, a 3×3 ending conv added to the input (global residual).
"""

from __future__ import annotations

from dataclasses import asdict

import torch
import torch.nn.functional as F
from torch import nn

from flipnet_bench.train.restorer_config import NAFNetConfig

__all__ = ["LayerNorm2d", "NAFBlock", "NAFNet", "NAFNetConfig", "SimpleGate"]


class LayerNorm2d(nn.Module):
    """Layer normalisation over the channels of every pixel of an NCHW tensor."""

    def __init__(self, channels: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mu = x.mean(1, keepdim=True)
        var = (x - mu).pow(2).mean(1, keepdim=True)
        y = (x - mu) / torch.sqrt(var + self.eps)
        return y * self.weight[:, None, None] + self.bias[:, None, None]


class SimpleGate(nn.Module):
    """Element-wise product of the two channel halves."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, b = x.chunk(2, dim=1)
        return a * b


class NAFBlock(nn.Module):
    """The nonlinear-activation-free block (paper, Fig. 3c)."""

    def __init__(self, c: int, dw_expand: int = 2, ffn_expand: int = 2) -> None:
        super().__init__()
        dw = c * dw_expand
        self.norm1 = LayerNorm2d(c)
        self.conv1 = nn.Conv2d(c, dw, 1)
        self.conv2 = nn.Conv2d(dw, dw, 3, padding=1, groups=dw)
        self.sg = SimpleGate()
        self.sca = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(dw // 2, dw // 2, 1))
        self.conv3 = nn.Conv2d(dw // 2, c, 1)
        ffn = c * ffn_expand
        self.norm2 = LayerNorm2d(c)
        self.conv4 = nn.Conv2d(c, ffn, 1)
        self.conv5 = nn.Conv2d(ffn // 2, c, 1)
        self.beta = nn.Parameter(torch.zeros(1, c, 1, 1))
        self.gamma = nn.Parameter(torch.zeros(1, c, 1, 1))

    def forward(self, inp: torch.Tensor) -> torch.Tensor:
        x = self.sg(self.conv2(self.conv1(self.norm1(inp))))
        x = self.conv3(x * self.sca(x))
        y = inp + x * self.beta
        x = self.conv5(self.sg(self.conv4(self.norm2(y))))
        return y + x * self.gamma


class NAFNet(nn.Module):
    """Encoder-decoder of :class:`NAFBlock` with a global residual: ``out = x + ending(features)``."""

    def __init__(self, config: NAFNetConfig | None = None) -> None:
        super().__init__()
        cfg = config or NAFNetConfig()
        self.config = cfg

        def stack(c: int, n: int) -> nn.Sequential:
            return nn.Sequential(*[NAFBlock(c, cfg.dw_expand, cfg.ffn_expand) for _ in range(n)])

        chan = cfg.width
        self.intro = nn.Conv2d(3, chan, 3, padding=1)
        self.encoders, self.downs = nn.ModuleList(), nn.ModuleList()
        for n in cfg.enc_blocks:
            self.encoders.append(stack(chan, n))
            self.downs.append(nn.Conv2d(chan, 2 * chan, 2, stride=2))
            chan *= 2
        self.middle_blks = stack(chan, cfg.middle_blocks)
        self.ups, self.decoders = nn.ModuleList(), nn.ModuleList()
        for n in cfg.dec_blocks:
            self.ups.append(nn.Sequential(nn.Conv2d(chan, chan * 2, 1, bias=False), nn.PixelShuffle(2)))
            chan //= 2
            self.decoders.append(stack(chan, n))
        self.ending = nn.Conv2d(cfg.width, 3, 3, padding=1)

    @classmethod
    def from_dict(cls, options: dict) -> NAFNet:
        """Build from a ``config.json``'s ``nafnet`` entry (lists become tuples)."""
        fields = {k: tuple(v) if isinstance(v, list) else v for k, v in options.items()}
        return cls(NAFNetConfig(**fields))

    def config_dict(self) -> dict:
        return asdict(self.config)

    @property
    def multiple(self) -> int:
        """Input sides are padded to a multiple of this (one halving per encoder level)."""
        return 2 ** len(self.encoders)

    def forward(self, inp: torch.Tensor) -> torch.Tensor:
        h, w = inp.shape[-2:]
        m = self.multiple
        x_in = F.pad(inp, (0, (-w) % m, 0, (-h) % m))  # zero padding, as the official model pads
        x = self.intro(x_in)
        skips = []
        for encoder, down in zip(self.encoders, self.downs):
            x = encoder(x)
            skips.append(x)
            x = down(x)
        x = self.middle_blks(x)
        for decoder, up, skip in zip(self.decoders, self.ups, reversed(skips)):
            x = decoder(up(x) + skip)
        return (self.ending(x) + x_in)[..., :h, :w]
