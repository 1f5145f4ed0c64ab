"""CodeFormer: a transformer predicts VQGAN codebook indices from the degraded face's encoding; the
codebook features are decoded with controllable feature fusion (fidelity weight ``w``) from the encoder.

Written from ``basicsr/archs/codeformer_arch.py`` of sczhou/CodeFormer. The official inference builds
``CodeFormer(dim_embd=512, codebook_size=1024, n_head=8, n_layers=9, connect_list=['32','64','128','256'])``
and calls ``net(x, w=w, adain=True)``; those are this module's defaults.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from flipnet_bench.models.published.vqgan import ResBlock, VQAutoEncoder


def calc_mean_std(feat: torch.Tensor, eps: float = 1e-5) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and (unbiased variance + eps) square root of a ``(b, c, h, w)`` map."""
    b, c = feat.shape[:2]
    std = (feat.view(b, c, -1).var(dim=2) + eps).sqrt().view(b, c, 1, 1)
    return feat.view(b, c, -1).mean(dim=2).view(b, c, 1, 1), std


def adaptive_instance_normalization(content: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
    """Give ``content`` the channel statistics of ``style``."""
    style_mean, style_std = calc_mean_std(style)
    content_mean, content_std = calc_mean_std(content)
    return (content - content_mean) / content_std * style_std + style_mean


class TransformerSALayer(nn.Module):
    """Pre-norm self-attention + GELU MLP, positional embedding added to queries and keys."""

    def __init__(self, embed_dim: int, nhead: int = 8, dim_mlp: int = 2048) -> None:
        super().__init__()
        self.self_attn = nn.MultiheadAttention(embed_dim, nhead, dropout=0.0)
        self.linear1 = nn.Linear(embed_dim, dim_mlp)
        self.linear2 = nn.Linear(dim_mlp, embed_dim)
        self.norm1 = nn.LayerNorm(embed_dim)
        self.norm2 = nn.LayerNorm(embed_dim)

    def forward(self, tgt: torch.Tensor, query_pos: torch.Tensor) -> torch.Tensor:
        x = self.norm1(tgt)
        q = k = x + query_pos
        tgt = tgt + self.self_attn(q, k, value=x)[0]
        return tgt + self.linear2(F.gelu(self.linear1(self.norm2(tgt))))


class Fuse_sft_block(nn.Module):  # noqa: N801 - the official class (and key) name
    """Controllable feature transformation: ``dec + w * (dec * scale + shift)`` from encoder features."""

    def __init__(self, in_ch: int, out_ch: int) -> None:
        super().__init__()
        self.encode_enc = ResBlock(2 * in_ch, out_ch)

        def branch() -> nn.Sequential:
            return nn.Sequential(
                nn.Conv2d(in_ch, out_ch, kernel_size=3, padding=1),
                nn.LeakyReLU(0.2, True),
                nn.Conv2d(out_ch, out_ch, kernel_size=3, padding=1),
            )

        self.scale, self.shift = branch(), branch()

    def forward(self, enc_feat: torch.Tensor, dec_feat: torch.Tensor, w: float = 1) -> torch.Tensor:
        enc = self.encode_enc(torch.cat([enc_feat, dec_feat], dim=1))
        return dec_feat + w * (dec_feat * self.scale(enc) + self.shift(enc))


#: Encoder / generator block after which features are taken / fused, per resolution (official tables).
FUSE_ENCODER_BLOCK = {"512": 2, "256": 5, "128": 8, "64": 11, "32": 14, "16": 18}
FUSE_GENERATOR_BLOCK = {"16": 6, "32": 9, "64": 12, "128": 15, "256": 18, "512": 21}
CHANNELS = {"16": 512, "32": 256, "64": 256, "128": 128, "256": 128, "512": 64}


class CodeFormer(VQAutoEncoder):
    """``forward(x, w)``: a normalised 512² face in [-1, 1] -> the restored face (``adain`` as official)."""

    def __init__(
        self,
        dim_embd: int = 512,
        n_head: int = 8,
        n_layers: int = 9,
        codebook_size: int = 1024,
        latent_size: int = 256,
        connect_list: tuple[str, ...] = ("32", "64", "128", "256"),
        nf: int = 64,
    ) -> None:
        """``nf``: the VQGAN's base width (64 in the official network, which fixes it; smaller values serve
        fast tests of the surrounding code)."""
        super().__init__(512, nf, (1, 2, 2, 4, 4, 8), 2, (16,), codebook_size)
        self.connect_list = tuple(connect_list)
        self.position_emb = nn.Parameter(torch.zeros(latent_size, dim_embd))
        self.feat_emb = nn.Linear(256, dim_embd)
        self.ft_layers = nn.Sequential(
            *[TransformerSALayer(dim_embd, nhead=n_head, dim_mlp=dim_embd * 2) for _ in range(n_layers)]
        )
        self.idx_pred_layer = nn.Sequential(
            nn.LayerNorm(dim_embd), nn.Linear(dim_embd, codebook_size, bias=False)
        )
        width = {s: c * nf // 64 for s, c in CHANNELS.items()}
        self.fuse_convs_dict = nn.ModuleDict({s: Fuse_sft_block(width[s], width[s]) for s in connect_list})

    def forward(self, x: torch.Tensor, w: float = 0.5, adain: bool = True) -> torch.Tensor:
        enc_feats = {}
        taps = {FUSE_ENCODER_BLOCK[s] for s in self.connect_list}
        for i, block in enumerate(self.encoder.blocks):
            x = block(x)
            if i in taps:
                enc_feats[str(x.shape[-1])] = x.clone()
        lq_feat = x
        pos_emb = self.position_emb.unsqueeze(1).repeat(1, x.shape[0], 1)
        query = self.feat_emb(lq_feat.flatten(2).permute(2, 0, 1))  # (hw, b, c)
        for layer in self.ft_layers:
            query = layer(query, query_pos=pos_emb)
        logits = self.idx_pred_layer(query).permute(1, 0, 2)  # (b, hw, codebook)
        _, top_idx = torch.topk(F.softmax(logits, dim=2), 1, dim=2)
        side = int(math.isqrt(logits.shape[1]))
        quant_feat = self.quantize.get_codebook_feat(top_idx, shape=(x.shape[0], side, side, 256))
        if adain:
            quant_feat = adaptive_instance_normalization(quant_feat, lq_feat)
        x = quant_feat
        fuse_at = {FUSE_GENERATOR_BLOCK[s] for s in self.connect_list}
        for i, block in enumerate(self.generator.blocks):
            x = block(x)
            if i in fuse_at and w > 0:
                size = str(x.shape[-1])
                x = self.fuse_convs_dict[size](enc_feats[size], x, w)
        return x
