"""The identity method: the LQ input returned unchanged — the floor every restorer must beat."""

from __future__ import annotations

import torch

from flipnet_bench.methods import METHODS, Method


@METHODS.register("identity")
class IdentityMethod(Method):
    """Returns its input; scores of "identity" are the scores of the degraded images themselves."""

    name = "identity"
    default_batch_size = 32

    def restore(self, lq: torch.Tensor, keys: list[str], seed: int) -> torch.Tensor:
        return lq.clone()
