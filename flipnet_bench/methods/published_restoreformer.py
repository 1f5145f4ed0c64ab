"""RestoreFormer (``--method restoreformer``) and RestoreFormer++ (``--method restoreformer_pp``), as the
RestoreFormer++ repository's ``inference.py -v RestoreFormer[++] --aligned`` runs them."""

from __future__ import annotations

import torch

from flipnet_bench.methods import METHODS
from flipnet_bench.methods.published import PublishedMethod

_OUTPUT = "tensor2img(rgb2bgr=True, min_max=(-1, 1)): clamp, (x + 1) / 2, x255, round"


@METHODS.register("restoreformer_pp")
class RestoreFormerPPMethod(PublishedMethod):
    """RestoreFormer++ with the official RestoreFormer++.ckpt (deterministic)."""

    name = "restoreformer_pp"
    head_size, ex_multi_scale_num = 4, 1
    official = {
        "network": "VQVAEGANMultiHeadTransformer(head_size=4, ex_multi_scale_num=1)",
        "state_dict": "checkpoint['state_dict'], keys 'vqvae.*' with the prefix stripped (the official "
        "loader; it loads with strict=False to skip the training-only keys, here the "
        "network's keys must all match)",
        "call": "RF(x)[0]",
        "output": _OUTPUT,
    }

    def build(self) -> torch.nn.Module:
        from flipnet_bench.models.published.restoreformer import RestoreFormer

        return RestoreFormer(head_size=self.head_size, ex_multi_scale_num=self.ex_multi_scale_num)

    def forward(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return self.model(x)


@METHODS.register("restoreformer")
class RestoreFormerMethod(RestoreFormerPPMethod):
    """RestoreFormer with the GFPGAN release's RestoreFormer.pth (deterministic)."""

    name = "restoreformer"
    head_size, ex_multi_scale_num = 8, 0
    official = {
        "network": "RestoreFormer(head_size=8) (gfpgan.archs.restoreformer_arch; "
        "GFPGANer arch='RestoreFormer')",
        "state_dict": "'params_ema' (else 'params'), load_state_dict(strict=True)",
        "call": "restorer(x, return_rgb=False, weight=0.5)[0] (weight ignored by RestoreFormer)",
        "output": _OUTPUT,
    }
