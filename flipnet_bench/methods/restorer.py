"""A trained regression restorer as a method: the checkpoint's ``config.json`` names its architecture
(``unet`` or ``nafnet``, :data:`~flipnet_bench.train.restorer_config.RESTORER_ARCHS`); "+O" / "+O/F" differ
only in their checkpoint."""

from __future__ import annotations

from pathlib import Path

import torch

from flipnet_bench.errors import BenchError
from flipnet_bench.io.hashing import sha256_file
from flipnet_bench.methods import METHODS, Method


@METHODS.register("restorer")
class RestorerMethod(Method):
    """Runs a checkpoint of ``flipnet-bench train restorer`` (any arch); deterministic (seed unused)."""

    name = "restorer"
    default_batch_size = 16

    def __init__(
        self,
        checkpoint: str | Path | None = None,
        device: str = "cpu",
        batch_size: int | None = None,
        flip_ensemble: bool = False,
    ) -> None:
        """``flip_ensemble`` (an option, off by default): average the output with that of the mirrored input,
        mirrored back (a test-time self-ensemble; twice the cost)."""
        from flipnet_bench.models.restorers import load_restorer

        if checkpoint is None:
            raise BenchError("method 'restorer' needs --checkpoint (from `flipnet-bench train restorer`)")
        self.checkpoint = Path(checkpoint)
        self.device = torch.device(device)
        self.model = load_restorer(self.checkpoint).to(self.device)
        if batch_size is not None:
            self.default_batch_size = int(batch_size)
        if not isinstance(flip_ensemble, bool):
            raise BenchError(f"method 'restorer': flip_ensemble must be true or false, got {flip_ensemble!r}")
        self.flip_ensemble = flip_ensemble

    @torch.no_grad()
    def restore(self, lq: torch.Tensor, keys: list[str], seed: int) -> torch.Tensor:
        x = lq.to(self.device)
        out = self.model(x)
        if self.flip_ensemble:
            out = 0.5 * (out + self.model(x.flip(-1)).flip(-1))
        return out.clamp(0, 1).cpu()

    def describe(self) -> dict:
        weights = self.checkpoint / "model.safetensors" if self.checkpoint.is_dir() else self.checkpoint
        digest = sha256_file(weights)
        return {"method": self.name, "checkpoint": str(self.checkpoint), "checkpoint_sha256": digest,
                "flip_ensemble": self.flip_ensemble}  # fmt: skip
