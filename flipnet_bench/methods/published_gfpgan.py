"""GFPGAN v1.4 (``restore --method gfpgan``), as ``inference_gfpgan.py -v 1.4 --aligned`` runs it."""

from __future__ import annotations

import torch

from flipnet_bench.methods import METHODS
from flipnet_bench.methods.published import PublishedMethod


@METHODS.register("gfpgan")
class GFPGANMethod(PublishedMethod):
    """GFPGANv1Clean (channel multiplier 2) with the official GFPGANv1.4.pth; stochastic (decoder noise)."""

    name = "gfpgan"
    official = {
        "network": "GFPGANv1Clean(out_size=512, num_style_feat=512, channel_multiplier=2, num_mlp=8, "
        "input_is_latent=True, different_w=True, narrow=1, sft_half=True) (GFPGANer arch='clean')",
        "state_dict": "'params_ema' (else 'params'), load_state_dict(strict=True)",
        "call": "gfpgan(x, return_rgb=False, weight=0.5): the weight argument is accepted and ignored "
        "by GFPGANv1Clean; randomize_noise=True (fresh decoder noise, here from a "
        "generator seeded by (seed, stem))",
        "output": "tensor2img(rgb2bgr=True, min_max=(-1, 1)): clamp, (x + 1) / 2, x255, round",
    }

    def build(self) -> torch.nn.Module:
        from flipnet_bench.models.published.gfpgan import GFPGANv1Clean

        return GFPGANv1Clean()

    def forward(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return self.model(x, randomize_noise=True, generator=generator)
