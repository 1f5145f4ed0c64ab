"""CodeFormer's VQGAN autoencoder parts (encoder, codebook, generator), from ``basicsr/archs/vqgan_arch.py``
of sczhou/CodeFormer (itself after Unleashing Transformers' VQGAN). Module lists are indexed exactly as in
the official ``blocks`` lists, so ``encoder.blocks.{i}`` / ``generator.blocks.{i}`` keys match."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def normalize(in_channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(num_groups=32, num_channels=in_channels, eps=1e-6, affine=True)


def swish(x: torch.Tensor) -> torch.Tensor:
    return x * torch.sigmoid(x)


class VectorQuantizer(nn.Module):
    """The codebook (``embedding``: ``codebook_size × emb_dim``); CodeFormer only looks entries up."""

    def __init__(self, codebook_size: int, emb_dim: int, beta: float = 0.25) -> None:
        super().__init__()
        self.codebook_size, self.emb_dim, self.beta = codebook_size, emb_dim, beta
        self.embedding = nn.Embedding(codebook_size, emb_dim)
        self.embedding.weight.data.uniform_(-1.0 / codebook_size, 1.0 / codebook_size)

    def get_codebook_feat(self, indices: torch.Tensor, shape: tuple[int, int, int, int]) -> torch.Tensor:
        """Codebook rows for ``indices`` as a ``(b, c, h, w)`` map (``shape`` = b, h, w, c); one-hot matmul
        as in the official code."""
        indices = indices.view(-1, 1)
        one_hot = torch.zeros(indices.shape[0], self.codebook_size, device=indices.device)
        one_hot.scatter_(1, indices, 1)
        z_q = torch.matmul(one_hot, self.embedding.weight)
        return z_q.view(shape).permute(0, 3, 1, 2).contiguous()


class Downsample(nn.Module):
    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, in_channels, kernel_size=3, stride=2, padding=0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.pad(x, (0, 1, 0, 1), mode="constant", value=0))


class Upsample(nn.Module):
    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, in_channels, kernel_size=3, stride=1, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class ResBlock(nn.Module):
    """GroupNorm-swish-conv ×2 with a 1×1 ``conv_out`` shortcut when the channel count changes."""

    def __init__(self, in_channels: int, out_channels: int | None = None) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = in_channels if out_channels is None else out_channels
        self.norm1 = normalize(in_channels)
        self.conv1 = nn.Conv2d(in_channels, self.out_channels, kernel_size=3, stride=1, padding=1)
        self.norm2 = normalize(self.out_channels)
        self.conv2 = nn.Conv2d(self.out_channels, self.out_channels, kernel_size=3, stride=1, padding=1)
        if self.in_channels != self.out_channels:
            self.conv_out = nn.Conv2d(in_channels, self.out_channels, kernel_size=1, stride=1, padding=0)

    def forward(self, x_in: torch.Tensor) -> torch.Tensor:
        x = self.conv1(swish(self.norm1(x_in)))
        x = self.conv2(swish(self.norm2(x)))
        if self.in_channels != self.out_channels:
            x_in = self.conv_out(x_in)
        return x + x_in


class AttnBlock(nn.Module):
    """Single-head spatial self-attention with 1×1 q/k/v/proj convs."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.norm = normalize(in_channels)
        self.q, self.k, self.v, self.proj_out = (nn.Conv2d(in_channels, in_channels, 1) for _ in range(4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h_ = self.norm(x)
        q, k, v = self.q(h_), self.k(h_), self.v(h_)
        b, c, h, w = q.shape
        attn = torch.bmm(q.reshape(b, c, h * w).permute(0, 2, 1), k.reshape(b, c, h * w))
        attn = F.softmax(attn * (int(c) ** (-0.5)), dim=2)
        out = torch.bmm(v.reshape(b, c, h * w), attn.permute(0, 2, 1)).reshape(b, c, h, w)
        return x + self.proj_out(out)


class Encoder(nn.Module):
    def __init__(
        self, in_channels: int, nf: int, emb_dim: int, ch_mult: tuple[int, ...], num_res_blocks: int,
        resolution: int, attn_resolutions: tuple[int, ...],
    ) -> None:  # fmt: skip
        super().__init__()
        blocks: list[nn.Module] = [nn.Conv2d(in_channels, nf, kernel_size=3, stride=1, padding=1)]
        in_mult = (1, *ch_mult)
        res, block_in = resolution, nf
        for i, mult in enumerate(ch_mult):
            block_in, block_out = nf * in_mult[i], nf * mult
            for _ in range(num_res_blocks):
                blocks.append(ResBlock(block_in, block_out))
                block_in = block_out
                if res in attn_resolutions:
                    blocks.append(AttnBlock(block_in))
            if i != len(ch_mult) - 1:
                blocks.append(Downsample(block_in))
                res //= 2
        blocks += [ResBlock(block_in, block_in), AttnBlock(block_in), ResBlock(block_in, block_in)]
        blocks += [normalize(block_in), nn.Conv2d(block_in, emb_dim, kernel_size=3, stride=1, padding=1)]
        self.blocks = nn.ModuleList(blocks)


class Generator(nn.Module):
    def __init__(
        self, nf: int, emb_dim: int, ch_mult: tuple[int, ...], res_blocks: int, img_size: int,
        attn_resolutions: tuple[int, ...],
    ) -> None:  # fmt: skip
        super().__init__()
        block_in = nf * ch_mult[-1]
        res = img_size // 2 ** (len(ch_mult) - 1)
        blocks: list[nn.Module] = [nn.Conv2d(emb_dim, block_in, kernel_size=3, stride=1, padding=1)]
        blocks += [ResBlock(block_in, block_in), AttnBlock(block_in), ResBlock(block_in, block_in)]
        for i in reversed(range(len(ch_mult))):
            block_out = nf * ch_mult[i]
            for _ in range(res_blocks):
                blocks.append(ResBlock(block_in, block_out))
                block_in = block_out
                if res in attn_resolutions:
                    blocks.append(AttnBlock(block_in))
            if i != 0:
                blocks.append(Upsample(block_in))
                res *= 2
        blocks += [normalize(block_in), nn.Conv2d(block_in, 3, kernel_size=3, stride=1, padding=1)]
        self.blocks = nn.ModuleList(blocks)


class VQAutoEncoder(nn.Module):
    """``encoder``, ``quantize`` (nearest-neighbour codebook) and ``generator`` of CodeFormer's VQGAN."""

    def __init__(
        self, img_size: int, nf: int, ch_mult: tuple[int, ...], res_blocks: int = 2,
        attn_resolutions: tuple[int, ...] = (16,), codebook_size: int = 1024, emb_dim: int = 256,
    ) -> None:  # fmt: skip
        super().__init__()
        self.encoder = Encoder(3, nf, emb_dim, ch_mult, res_blocks, img_size, attn_resolutions)
        self.quantize = VectorQuantizer(codebook_size, emb_dim, 0.25)
        self.generator = Generator(nf, emb_dim, ch_mult, res_blocks, img_size, attn_resolutions)
