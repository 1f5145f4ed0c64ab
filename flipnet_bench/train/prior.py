"""Stage 0 (tiny, tiny-latent): pretrain the diffusion prior on HQ faces.

A latent config (``tiny-latent``) trains on the latents of its frozen autoencoder (``--autoencoder``, made by
``flipnet-bench train autoencoder``), scaled by that autoencoder's measured latent scale; the autoencoder's
weights are exported into the prior folder so the folder is self-contained.

No pretrained diffusion prior can be downloaded on the CPU machines, so the ``tiny`` configuration trains
its own: a standard ε-prediction DDPM objective on the HQ training faces (resized to the config resolution
with area interpolation, randomly mirrored), AdamW, EMA of the weights (the EMA weights are exported).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from flipnet_bench.errors import BenchError
from flipnet_bench.models.flipnet.configs import get_config
from flipnet_bench.models.flipnet.prior import DiffusionPrior, save_prior
from flipnet_bench.train.common import LoopConfig, load_training_faces, run_loop, sample_batch


@dataclass(frozen=True)
class PriorTrainConfig:
    config: str = "tiny"
    steps: int = 2000
    batch_size: int = 16
    lr: float = 3e-4
    warmup: int = 100
    ema_decay: float = 0.995
    seed: int = 0
    save_every: int = 50
    time_limit: float | None = None
    #: Latent configs only: folder of the trained autoencoder.
    autoencoder: str | None = None


def diffusion_loss(prior: DiffusionPrior, x0: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """MSE of the schedule's prediction (ε, or v) at a uniformly drawn timestep (noise and t from the step's
    generator)."""
    sched = prior.noise_scheduler()
    noise = torch.randn(x0.shape, generator=gen).to(x0)
    t = torch.randint(0, sched.config.num_train_timesteps, (x0.shape[0],), generator=gen).to(x0.device)
    x_t = sched.add_noise(x0, noise, t)
    return F.mse_loss(prior(x_t, t), prior.training_target(sched, x0, noise, t))


def train_prior(data: str | Path, out: str | Path, cfg: PriorTrainConfig) -> Path:
    """Train (or resume) a prior; exports EMA weights + config to ``out`` after every invocation."""
    model_cfg = get_config(cfg.config)
    vae = None
    if model_cfg.space != "pixel":
        if model_cfg.vae is None or cfg.autoencoder is None:
            raise BenchError(
                f"train prior on the latent config {cfg.config!r} needs a trainable autoencoder in the "
                "config and --autoencoder (a folder made by `flipnet-bench train autoencoder`)"
            )
        from flipnet_bench.train.autoencoder import load_autoencoder

        vae, info = load_autoencoder(cfg.autoencoder)
        if info["config"] != cfg.config and get_config(info["config"]).vae != model_cfg.vae:
            # configs that differ only in their noise schedule (tiny-latent-zsnr) share an autoencoder
            raise BenchError(f"{cfg.autoencoder}: autoencoder of {info['config']!r}, not {cfg.config!r}")
        model_cfg = dataclasses.replace(model_cfg, vae=info["vae"], vae_scaling=float(info["vae_scaling"]))
    torch.manual_seed(cfg.seed)
    prior = DiffusionPrior(model_cfg, vae=vae)
    faces = load_training_faces(data, model_cfg.resolution, cfg.batch_size)

    def step_fn(model: DiffusionPrior, step: int, gen: torch.Generator) -> dict[str, torch.Tensor]:
        x0 = model.encode(sample_batch(faces, cfg.batch_size, gen))
        return {"loss": diffusion_loss(model, x0, gen)}

    loop = LoopConfig(
        out=Path(out),
        steps=cfg.steps,
        lr=cfg.lr,
        seed=cfg.seed,
        warmup=cfg.warmup,
        save_every=cfg.save_every,
        ema_decay=cfg.ema_decay,
        time_limit=cfg.time_limit,
        desc=f"prior-{cfg.config}",
    )
    result = run_loop(loop, prior, step_fn)
    state = prior.state_dict()
    if result.ema is not None:
        state.update(result.ema)
    save_prior(prior, out, state)
    return Path(out)
