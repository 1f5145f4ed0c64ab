"""Shared by ``scripts/published_reference.py`` (which runs the official code) and the tests (which run
ours): the small configurations, the seeded weights and the fixed input of the stored reference outputs."""

from __future__ import annotations

import torch

SMALL_CONFIGS = {
    "gpen_bfr_512": {
        "model": {"size": 32, "style_dim": 32, "n_mlp": 2, "channel_multiplier": 2, "narrow": 0.0625},
        "input": [1, 3, 32, 32],
    },
    "restoreformer_pp": {
        "model": {"n_embed": 64, "embed_dim": 32, "ch": 32, "ch_mult": [1, 2, 2], "attn_resolutions": [16],
                  "resolution": 64, "z_channels": 32, "head_size": 4, "ex_multi_scale_num": 1},
        "input": [1, 3, 64, 64],
    },
}  # fmt: skip


def seeded_state_dict(shapes: dict[str, tuple[int, ...]], seed: int = 0) -> dict[str, torch.Tensor]:
    """N(0, 0.5²) weights for every key, buffers included, drawn in sorted key order from one generator."""
    gen = torch.Generator().manual_seed(seed)
    return {k: torch.randn(shapes[k], generator=gen) * 0.5 for k in sorted(shapes)}


def reference_input(shape: list[int], seed: int = 1) -> torch.Tensor:
    """The fixed input in [-1, 1]."""
    return torch.rand(shape, generator=torch.Generator().manual_seed(seed)) * 2 - 1
