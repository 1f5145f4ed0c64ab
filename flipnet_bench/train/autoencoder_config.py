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


@dataclass(frozen=True)
class DecoderTrainConfig:
    """Settings of ``flipnet-bench train decoder``: an autoencoder's decoder trained further, its encoder (and
    so its latent space) frozen. The loop settings are the autoencoder's own."""

    #: The ``train autoencoder`` folder whose decoder is trained.
    autoencoder: str = ""
    steps: int = 1500
    #: Largest std of the Gaussian noise added to each training latent (per image uniform in [0, this]), in
    #: the prior's scaled-latent units: the decoder learns to decode latents a little off the encoder's,
    #: as a sample's are. 0 = the autoencoder's own loss (a sample of q(z|x), L1 + LPIPS + KL).
    latent_noise: float = 0.5
    batch_size: int = AutoencoderTrainConfig.batch_size
    lr: float = AutoencoderTrainConfig.lr
    warmup: int = AutoencoderTrainConfig.warmup
    lpips_weight: float = AutoencoderTrainConfig.lpips_weight
    seed: int = AutoencoderTrainConfig.seed
    save_every: int = AutoencoderTrainConfig.save_every
    time_limit: float | None = None
