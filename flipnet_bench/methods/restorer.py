"""The trained regression restorer as a method ("+O" / "+O/F" differ only in their checkpoint)."""

from __future__ import annotations

from pathlib import Path

import torch

from flipnet_bench.errors import BenchError
from flipnet_bench.io.hashing import sha256_file
from flipnet_bench.methods import METHODS, Method


@METHODS.register("restorer")
class RestorerMethod(Method):
    """Runs a :class:`~flipnet_bench.train.restorer.RestorerUNet` checkpoint; deterministic (seed unused)."""

    name = "restorer"
    default_batch_size = 16

    def __init__(
        self, checkpoint: str | Path | None = None, device: str = "cpu", batch_size: int | None = None
    ) -> None:
        from flipnet_bench.train.restorer import load_restorer

        if checkpoint is None:
            raise BenchError("method 'restorer' needs --checkpoint (from `flipnet-bench train restorer`)")
        self.checkpoint = Path(checkpoint)
        self.device = torch.device(device)
        self.model = load_restorer(self.checkpoint).to(self.device)
        if batch_size is not None:
            self.default_batch_size = int(batch_size)

    @torch.no_grad()
    def restore(self, lq: torch.Tensor, keys: list[str], seed: int) -> torch.Tensor:
        return self.model(lq.to(self.device)).clamp(0, 1).cpu()

    def describe(self) -> dict:
        weights = self.checkpoint / "model.safetensors" if self.checkpoint.is_dir() else self.checkpoint
        digest = sha256_file(weights)
        return {"method": self.name, "checkpoint": str(self.checkpoint), "checkpoint_sha256": digest}
