"""RestoreFormer and RestoreFormer++: a VQGAN whose decoder attends (cross-attention) from the degraded
face's encoder features to its high-quality codebook features.

Written from ``RestoreFormer/modules/vqvae/vqvae_arch.py`` (wzhouxiff/RestoreFormerPlusPlus,
``VQVAEGANMultiHeadTransformer``; GFPGAN's ``restoreformer_arch.RestoreFormer`` is the same network for
RestoreFormer). The official inference builds RestoreFormer with ``head_size=8, ex_multi_scale_num=0`` and
RestoreFormer++ with ``head_size=4, ex_multi_scale_num=1`` (cross-attention at 16² and 32²).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from flipnet_bench.models.published.vqgan import Downsample, Upsample
from flipnet_bench.models.published.vqgan import normalize as Normalize  # noqa: N812 - the official helper's name
from flipnet_bench.models.published.vqgan import swish as nonlinearity


class VectorQuantizer(nn.Module):
    """Nearest-neighbour codebook lookup (``embedding``: ``n_e × e_dim``)."""

    def __init__(self, n_e: int, e_dim: int, beta: float = 0.25) -> None:
        super().__init__()
        self.n_e, self.e_dim, self.beta = n_e, e_dim, beta
        self.embedding = nn.Embedding(n_e, e_dim)
        self.embedding.weight.data.uniform_(-1.0 / n_e, 1.0 / n_e)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        z = z.permute(0, 2, 3, 1).contiguous()
        flat = z.view(-1, self.e_dim)
        w = self.embedding.weight
        d = torch.sum(flat**2, dim=1, keepdim=True) + torch.sum(w**2, dim=1) - 2 * torch.matmul(flat, w.t())
        idx = torch.min(d, dim=1)[1].unsqueeze(1)
        one_hot = torch.zeros(idx.shape[0], self.n_e, device=z.device, dtype=z.dtype).scatter_(1, idx, 1)
        z_q = torch.matmul(one_hot, w).view(z.shape)
        z_q = z + (z_q - z)  # the official straight-through form (not bit-equal to z_q in float32)
        return z_q.permute(0, 3, 1, 2).contiguous()


class ResnetBlock(nn.Module):
    """GroupNorm-swish-conv ×2; a 1×1 ``nin_shortcut`` when the channel count changes (no time embedding)."""

    def __init__(self, in_channels: int, out_channels: int | None = None) -> None:
        super().__init__()
        out_channels = in_channels if out_channels is None else out_channels
        self.in_channels, self.out_channels = in_channels, out_channels
        self.norm1 = Normalize(in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=1, padding=1)
        self.norm2 = Normalize(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=1, padding=1)
        if in_channels != out_channels:
            self.nin_shortcut = nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=1, padding=0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(nonlinearity(self.norm1(x)))
        h = self.conv2(nonlinearity(self.norm2(h)))
        if self.in_channels != self.out_channels:
            x = self.nin_shortcut(x)
        return x + h


class MultiHeadAttnBlock(nn.Module):
    """Multi-head attention; with ``y`` the queries come from ``norm2(y)`` (cross-attention), else self."""

    def __init__(self, in_channels: int, head_size: int = 1) -> None:
        super().__init__()
        if in_channels % head_size:
            raise ValueError(f"{in_channels} channels cannot be split into {head_size} heads")
        self.head_size, self.att_size = head_size, in_channels // head_size
        self.norm1 = Normalize(in_channels)
        self.norm2 = Normalize(in_channels)
        self.q, self.k, self.v, self.proj_out = (nn.Conv2d(in_channels, in_channels, 1) for _ in range(4))

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        h_ = self.norm1(x)
        y = h_ if y is None else self.norm2(y)
        q, k, v = self.q(y), self.k(h_), self.v(h_)
        b, c, h, w = q.shape

        def heads(t: torch.Tensor) -> torch.Tensor:  # (b, hw, head, att), the official layout
            return t.reshape(b, self.head_size, self.att_size, h * w).permute(0, 3, 1, 2)

        q, k, v = heads(q).transpose(1, 2), heads(k).transpose(1, 2).transpose(2, 3), heads(v).transpose(1, 2)
        q = q * int(self.att_size) ** (-0.5)
        attn = F.softmax(torch.matmul(q, k), dim=3)
        out = attn.matmul(v).transpose(1, 2).contiguous().view(b, h, w, -1).permute(0, 3, 1, 2)
        return x + self.proj_out(out)


class MultiHeadEncoder(nn.Module):
    """Returns a dict of features: ``block_{i}`` before each downsampling, ``block_{n-1}_atten`` and
    ``mid_atten`` around the middle attention, ``out`` the latent."""

    def __init__(
        self, ch: int, ch_mult: tuple[int, ...], num_res_blocks: int, attn_resolutions: tuple[int, ...],
        resolution: int, z_channels: int, head_size: int,
    ) -> None:  # fmt: skip
        super().__init__()
        self.num_res_blocks = num_res_blocks
        self.conv_in = nn.Conv2d(3, ch, kernel_size=3, stride=1, padding=1)
        in_mult, res = (1, *ch_mult), resolution
        self.down = nn.ModuleList()
        for i, mult in enumerate(ch_mult):
            down = nn.Module()
            block_in, block_out = ch * in_mult[i], ch * mult
            down.block, down.attn = nn.ModuleList(), nn.ModuleList()
            for _ in range(num_res_blocks):
                down.block.append(ResnetBlock(block_in, block_out))
                block_in = block_out
                if res in attn_resolutions:
                    down.attn.append(MultiHeadAttnBlock(block_in, head_size))
            if i != len(ch_mult) - 1:
                down.downsample = Downsample(block_in)
                res //= 2
            self.down.append(down)
        self.mid = nn.Module()
        self.mid.block_1 = ResnetBlock(block_in, block_in)
        self.mid.attn_1 = MultiHeadAttnBlock(block_in, head_size)
        self.mid.block_2 = ResnetBlock(block_in, block_in)
        self.norm_out = Normalize(block_in)
        self.conv_out = nn.Conv2d(block_in, z_channels, kernel_size=3, stride=1, padding=1)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        hs = {}
        h = hs["in"] = self.conv_in(x)
        last = len(self.down) - 1
        for i, down in enumerate(self.down):
            for j in range(self.num_res_blocks):
                h = down.block[j](h)
                if len(down.attn) > 0:
                    h = down.attn[j](h)
            if i != last:
                hs[f"block_{i}"] = h
                h = down.downsample(h)
        h = hs[f"block_{last}_atten"] = self.mid.block_1(h)
        h = hs["mid_atten"] = self.mid.block_2(self.mid.attn_1(h))
        hs["out"] = self.conv_out(nonlinearity(self.norm_out(h)))
        return hs


class MultiHeadDecoderTransformer(nn.Module):
    """The decoder; each attention block takes its queries from the encoder feature of its resolution."""

    def __init__(
        self, ch: int, out_ch: int, ch_mult: tuple[int, ...], num_res_blocks: int,
        attn_resolutions: tuple[int, ...], resolution: int, z_channels: int, head_size: int,
    ) -> None:  # fmt: skip
        super().__init__()
        self.num_res_blocks = num_res_blocks
        block_in = ch * ch_mult[-1]
        res = resolution // 2 ** (len(ch_mult) - 1)
        self.conv_in = nn.Conv2d(z_channels, block_in, kernel_size=3, stride=1, padding=1)
        self.mid = nn.Module()
        self.mid.block_1 = ResnetBlock(block_in, block_in)
        self.mid.attn_1 = MultiHeadAttnBlock(block_in, head_size)
        self.mid.block_2 = ResnetBlock(block_in, block_in)
        self.up = nn.ModuleList()
        for i in reversed(range(len(ch_mult))):
            up = nn.Module()
            up.block, up.attn = nn.ModuleList(), nn.ModuleList()
            for _ in range(num_res_blocks + 1):
                up.block.append(ResnetBlock(block_in, ch * ch_mult[i]))
                block_in = ch * ch_mult[i]
                if res in attn_resolutions:
                    up.attn.append(MultiHeadAttnBlock(block_in, head_size))
            if i != 0:
                up.upsample = Upsample(block_in)
                res *= 2
            self.up.insert(0, up)
        self.norm_out = Normalize(block_in)
        self.conv_out = nn.Conv2d(block_in, out_ch, kernel_size=3, stride=1, padding=1)

    def forward(self, z: torch.Tensor, hs: dict[str, torch.Tensor]) -> torch.Tensor:
        h = self.mid.block_1(self.conv_in(z))
        h = self.mid.block_2(self.mid.attn_1(h, hs["mid_atten"]))
        for i in reversed(range(len(self.up))):
            up = self.up[i]
            for j in range(self.num_res_blocks + 1):
                h = up.block[j](h)
                if len(up.attn) > 0:
                    h = up.attn[j](h, hs.get(f"block_{i}_atten", hs.get(f"block_{i}")))
            if i != 0:
                h = up.upsample(h)
        return self.conv_out(nonlinearity(self.norm_out(h)))


class RestoreFormer(nn.Module):
    """``forward(x)`` maps a normalised 512² face in [-1, 1] to the restored face.

    ``RestoreFormer(head_size=8, ex_multi_scale_num=0)`` is RestoreFormer; the defaults are RestoreFormer++.
    """

    def __init__(
        self,
        n_embed: int = 1024,
        embed_dim: int = 256,
        ch: int = 64,
        out_ch: int = 3,
        ch_mult: tuple[int, ...] = (1, 2, 2, 4, 4, 8),
        num_res_blocks: int = 2,
        attn_resolutions: tuple[int, ...] = (16,),
        resolution: int = 512,
        z_channels: int = 256,
        head_size: int = 4,
        ex_multi_scale_num: int = 1,
    ) -> None:
        super().__init__()
        self.encoder = MultiHeadEncoder(
            ch, ch_mult, num_res_blocks, attn_resolutions, resolution, z_channels, head_size
        )
        dec_attn = tuple(attn_resolutions)
        for _ in range(ex_multi_scale_num):  # each extra scale doubles the last attention resolution
            dec_attn = (dec_attn[0], dec_attn[-1] * 2)
        self.decoder = MultiHeadDecoderTransformer(
            ch, out_ch, ch_mult, num_res_blocks, dec_attn, resolution, z_channels, head_size
        )
        self.quantize = VectorQuantizer(n_embed, embed_dim, beta=0.25)
        self.quant_conv = nn.Conv2d(z_channels, embed_dim, 1)
        self.post_quant_conv = nn.Conv2d(embed_dim, z_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hs = self.encoder(x)
        quant = self.quantize(self.quant_conv(hs["out"]))
        return self.decoder(self.post_quant_conv(quant), hs)
