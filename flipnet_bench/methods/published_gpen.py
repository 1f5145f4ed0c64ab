"""GPEN-BFR-512 (``restore --method gpen``), as ``demo.py --task FaceEnhancement --aligned`` runs it
(``--model GPEN-BFR-512 --in_size 512 --channel_multiplier 2 --narrow 1``, no ``--use_sr``)."""

from __future__ import annotations

import numpy as np
import torch

from flipnet_bench.methods import METHODS
from flipnet_bench.methods.published import PublishedMethod


@METHODS.register("gpen")
class GPENMethod(PublishedMethod):
    """GPEN FullGenerator with the official GPEN-BFR-512.pth (deterministic: its "noise" is the encoder's)."""

    name = "gpen"
    official = {
        "network": "FullGenerator(512, 512, 8, channel_multiplier=2, narrow=1, isconcat=True); the CPU "
        "paths of upfirdn2d and fused_leaky_relu",
        "state_dict": "the file is the state dict (--key None), load_state_dict (strict)",
        "call": "model(x)[0]",
        "output": "FaceGAN.tensor2img: x * 0.5 + 0.5, clip to [0, 1], x255, truncated to uint8 (astype)",
        "file_format": "PNG (demo.py writes --ext, default .jpg; the suite writes lossless PNG)",
    }

    def build(self) -> torch.nn.Module:
        from flipnet_bench.models.published.gpen import FullGenerator

        return FullGenerator()

    def forward(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return self.model(x)

    def to_image(self, out: torch.Tensor, face: np.ndarray) -> np.ndarray:
        img = out.float().permute(1, 2, 0).cpu().numpy() * 0.5 + 0.5
        return (np.clip(img, 0, 1) * 255.0).astype(np.uint8)
