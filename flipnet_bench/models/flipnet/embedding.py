"""The BFR-oriented face embedding and the adapter that feeds it to the UNet's cross-attention.

Stage I trains two small convolutional autoencoders, one on HQ faces and one on LQ faces; stage II aligns
their encoders with a CLIP-style symmetric InfoNCE loss over the batch similarity matrix (matching HQ/LQ
pairs on the diagonal), so the LQ encoder maps a degraded face near its clean version's embedding. The
adapter turns the condition image's embedding (LQ encoder in restoration mode, HQ encoder in degradation
mode) into context tokens; its last layer and the mode tokens start at zero (FLIPNET starts at the prior).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

RESTORE, DEGRADE = 0, 1


def _block(cin: int, cout: int, down: bool) -> nn.Sequential:
    conv = nn.Conv2d(cin, cout, 4, 2, 1) if down else nn.ConvTranspose2d(cin, cout, 4, 2, 1)
    return nn.Sequential(conv, nn.GroupNorm(8, cout), nn.SiLU())


class FaceAutoencoder(nn.Module):
    """64² face → ``dim``-vector → 64² face (four stride-2 levels down to 4×4)."""

    def __init__(self, dim: int = 256, width: int = 32, resolution: int = 64) -> None:
        super().__init__()
        chans = [width, width * 2, width * 4, width * 4]
        self.resolution = resolution
        self.grid = resolution // 16
        self.enc = nn.Sequential(
            _block(3, chans[0], True),
            _block(chans[0], chans[1], True),
            _block(chans[1], chans[2], True),
            _block(chans[2], chans[3], True),
        )
        self.to_z = nn.Linear(chans[3] * self.grid**2, dim)
        self.from_z = nn.Linear(dim, chans[3] * self.grid**2)
        self.dec = nn.Sequential(
            _block(chans[3], chans[2], False),
            _block(chans[2], chans[1], False),
            _block(chans[1], chans[0], False),
            nn.ConvTranspose2d(chans[0], 3, 4, 2, 1),
        )
        self._chans = chans[3]

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """Images in [0, 1] (any size; resized to the embedding resolution) → N×dim."""
        if images.shape[-1] != self.resolution or images.shape[-2] != self.resolution:
            images = F.interpolate(images, size=(self.resolution, self.resolution), mode="area")
        return self.to_z(self.enc(images * 2 - 1).flatten(1))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        h = self.from_z(z).view(-1, self._chans, self.grid, self.grid)
        return (torch.tanh(self.dec(h)) + 1) / 2


class FaceEmbedding(nn.Module):
    """HQ and LQ autoencoders + the contrastive temperature."""

    def __init__(self, dim: int = 256, width: int = 32, resolution: int = 64) -> None:
        super().__init__()
        self.dim, self.width, self.resolution = dim, width, resolution
        self.hq = FaceAutoencoder(dim, width, resolution)
        self.lq = FaceAutoencoder(dim, width, resolution)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def embed(self, images: torch.Tensor, kind: str) -> torch.Tensor:
        """Unit-norm embedding of HQ (``kind="hq"``) or LQ faces."""
        ae = self.hq if kind == "hq" else self.lq
        return F.normalize(ae.encode(images), dim=-1)


def contrastive_loss(z_hq: torch.Tensor, z_lq: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    """Symmetric InfoNCE over the N×N similarity matrix; row i of each is a matching HQ/LQ pair."""
    logits = logit_scale.clamp(max=math.log(100)).exp() * z_hq @ z_lq.t()
    target = torch.arange(z_hq.shape[0], device=z_hq.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target))


class ContextAdapter(nn.Module):
    """Embedding (+ mode) → additive cross-attention context tokens; exactly zero at initialisation."""

    def __init__(self, dim: int, tokens: int, context_dim: int, hidden: int = 512) -> None:
        super().__init__()
        self.tokens, self.context_dim = tokens, context_dim
        self.mlp = nn.Sequential(
            nn.LayerNorm(dim), nn.Linear(dim, hidden), nn.SiLU(), nn.Linear(hidden, tokens * context_dim)
        )
        self.mode = nn.Embedding(2, tokens * context_dim)
        nn.init.zeros_(self.mlp[-1].weight)
        nn.init.zeros_(self.mlp[-1].bias)
        nn.init.zeros_(self.mode.weight)

    def forward(self, z: torch.Tensor, mode: torch.Tensor) -> torch.Tensor:
        out = self.mlp(z) + self.mode(mode)
        return out.view(z.shape[0], self.tokens, self.context_dim)
