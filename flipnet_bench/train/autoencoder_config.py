"""Settings of ``flipnet-bench train autoencoder`` (torch-free: the command line reads them at start-up)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AutoencoderTrainConfig:
    config: str = "tiny-latent"
    steps: int = 600
    batch_size: int = 8
    lr: float = 2e-3
    warmup: int = 50
    lpips_weight: float = 0.2
    kl_weight: float = 1e-4
    seed: int = 0
    save_every: int = 50
    time_limit: float | None = None
