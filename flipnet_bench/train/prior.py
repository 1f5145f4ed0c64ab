"""Stage 0 (tiny config only): pretrain the pixel-space diffusion prior on HQ faces.

No pretrained diffusion prior can be downloaded on the CPU machines, so the ``tiny`` configuration trains
its own: a standard ε-prediction DDPM objective on the HQ training faces (resized to the config resolution
with area interpolation, randomly mirrored), AdamW, EMA of the weights (the EMA weights are exported).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from flipnet_bench.errors import BenchError
from flipnet_bench.models.flipnet.configs import get_config
from flipnet_bench.models.flipnet.prior import DiffusionPrior, save_prior
from flipnet_bench.train.common import LoopConfig, load_faces, run_loop, sample_batch


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


def diffusion_loss(prior: DiffusionPrior, x0: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """ε-prediction MSE at a uniformly drawn timestep (noise and t from the step's generator)."""
    sched = prior.noise_scheduler()
    noise = torch.randn(x0.shape, generator=gen).to(x0)
    t = torch.randint(0, sched.config.num_train_timesteps, (x0.shape[0],), generator=gen).to(x0.device)
    x_t = sched.add_noise(x0, noise, t)
    return F.mse_loss(prior(x_t, t), noise)


def train_prior(data: str | Path, out: str | Path, cfg: PriorTrainConfig) -> Path:
    """Train (or resume) a prior; exports EMA weights + config to ``out`` after every invocation."""
    model_cfg = get_config(cfg.config)
    if model_cfg.space != "pixel":
        raise BenchError(f"train prior only trains pixel-space priors; {cfg.config!r} loads a pretrained one")
    torch.manual_seed(cfg.seed)
    prior = DiffusionPrior(model_cfg)
    faces = load_faces(data, model_cfg.resolution, desc="HQ faces")
    if faces.shape[0] < cfg.batch_size:
        raise BenchError(f"{data}: only {faces.shape[0]} faces, fewer than batch size {cfg.batch_size}")

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
