"""Sampling: batched, seeded DDIM / DPM-Solver sampling of either mode, and unconditional prior samples.

Every image's randomness comes from its own ``torch.Generator`` (seeded from (seed, index[, variant]) by the
caller), so a result never depends on batch size or on which images a resumed run already finished.
The condition stream is prepared as in training (``Flipnet.noised_condition``): clean, or noised to the
current or a fixed low timestep with one fixed per-image noise draw. A clean or fixed-t condition is the same
at every step, so its UNet features are computed once and replayed (``Flipnet.eps_target_replay``).
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from tqdm import tqdm

from flipnet_bench.errors import BenchError
from flipnet_bench.models.flipnet.model import Flipnet
from flipnet_bench.models.flipnet.params import SAMPLE_STARTS, FlipnetParams
from flipnet_bench.models.flipnet.prior import DiffusionPrior
from flipnet_bench.train.common import resize_square

SchedulerName = Literal["ddim", "dpm"]


def make_scheduler(prior: DiffusionPrior, name: str, steps: int):
    """DDIM (η = 0) or multistep DPM-Solver++ on the prior's training noise schedule."""
    from diffusers import DDIMScheduler, DPMSolverMultistepScheduler

    base = prior.noise_scheduler().config
    if name == "ddim":
        sched = DDIMScheduler.from_config(base)
    elif name == "dpm":
        # Pixel space: the cosine schedule's first steps have alpha ≈ 0, where DPM-Solver++'s data prediction
        # x0 = (x - σε)/α explodes and the multistep update diverges (measured: saturated noise); dynamic
        # thresholding of x0 into [-1, 1] (Imagen's fix, built into diffusers) makes it match DDIM.
        sched = DPMSolverMultistepScheduler.from_config(
            base, algorithm_type="dpmsolver++", solver_order=2,
            thresholding=prior.config.space == "pixel", sample_max_value=1.0,
        )  # fmt: skip
    else:
        raise BenchError(f"unknown sampling scheduler {name!r}; choose 'ddim' or 'dpm'")
    if steps < 1:
        raise BenchError(f"sampling steps must be >= 1, got {steps}")
    sched.set_timesteps(steps)
    return sched


def _noise(shape: tuple[int, ...], generators: list[torch.Generator]) -> torch.Tensor:
    return torch.stack([torch.randn(shape, generator=g) for g in generators])


def to_model_resolution(prior: DiffusionPrior, images: torch.Tensor) -> torch.Tensor:
    return resize_square(images, prior.config.resolution)


def back_to_size(images: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Model-resolution outputs back to the caller's size (bicubic up / area down)."""
    if tuple(images.shape[-2:]) == tuple(size):
        return images
    up = size[0] > images.shape[-2]
    out = F.interpolate(
        images, size=size, mode="bicubic" if up else "area", **({"align_corners": False} if up else {})
    )
    return out.clamp(0.0, 1.0)


@torch.no_grad()
def flip_sample(
    model: Flipnet,
    cond: torch.Tensor,
    mode: int,
    generators: list[torch.Generator],
    scheduler: str,
    steps: int,
    progress: bool = False,
    strength: float = FlipnetParams.sample_strength,
    start: str = FlipnetParams.sample_start,
) -> torch.Tensor:
    """Sample the target stream given condition images (N×3×H×W in [0, 1]); returns N×3×H×W in [0, 1].

    ``scheduler`` and ``steps`` have no defaults here: callers pass ``flipnet.scheduler`` and
    ``flipnet.sample_steps`` (or a benchmark's own). ``strength`` < 1 starts the target at the condition
    image noised to the ``strength`` fraction of the schedule (SDEdit-style) and runs only the remaining
    steps; the default, ``flipnet.sample_strength``'s (1), starts from pure noise as published, unless
    ``start`` is ``condition`` (``flipnet.sample_start``): then the full schedule starts at the condition
    noised to its first timestep, which keeps the √ᾱ_T share of the image that the prior saw there in
    training.
    """
    if len(generators) != cond.shape[0]:
        raise ValueError("one generator per image is required")
    if not 0.0 < strength <= 1.0:
        raise BenchError(f"sampling strength must be in (0, 1], got {strength}")
    if start not in SAMPLE_STARTS:
        raise BenchError(f"sampling start must be one of {SAMPLE_STARTS}, got {start!r}")
    prior = model.prior
    device = next(model.parameters()).device
    size = tuple(cond.shape[-2:])
    # NCHW-contiguous whatever the caller's layout: CPU convolutions pick other kernels for channels-last
    # inputs (decoded images often are), which moved outputs by one gray level between runs of one image.
    cond_m = to_model_resolution(prior, cond.contiguous()).to(device)
    sched = make_scheduler(prior, scheduler, steps)
    shape = prior.sample_shape
    noise = _noise(shape, generators).to(device)
    cond_noise = model.condition_noise(noise, _noise(shape, generators).to(device))
    x0_c = prior.encode(cond_m)
    context = model.context(cond_m, mode)
    timesteps = sched.timesteps
    if strength < 1.0:
        timesteps = timesteps[min(int(round(len(timesteps) * (1 - strength))), len(timesteps) - 1) :]
    if strength < 1.0 or start == "condition":
        t0 = torch.full((noise.shape[0],), int(timesteps[0]), dtype=torch.long, device=device)
        x = sched.add_noise(x0_c, noise, t0)
    else:
        x = noise * sched.init_noise_sigma
    reuse = model.condition_is_fixed  # the condition stream's features are the same at every step
    try:
        for i, t in enumerate(tqdm(timesteps, desc="sampling", leave=False, disable=not progress)):
            tt = torch.full((x.shape[0],), int(t), dtype=torch.long, device=device)
            x_in = sched.scale_model_input(x, t)
            if reuse and i > 0:
                eps = model.eps_target_replay(x_in, tt, context)
            else:
                xt_c, t_c = model.noised_condition(x0_c, cond_noise, tt)
                eps, _ = model.eps_pair(x_in, xt_c, tt, context, t_c, record=reuse)
            x = sched.step(eps, t, x).prev_sample
    finally:
        model.forget_condition()
    return back_to_size(prior.decode(x).float().cpu(), size)


@torch.no_grad()
def prior_sample(
    prior: DiffusionPrior, generators: list[torch.Generator], scheduler: str = "ddim", steps: int = 50
) -> torch.Tensor:
    """Unconditional samples of the prior alone (to check what it learned)."""
    device = next(prior.unet.parameters()).device
    sched = make_scheduler(prior, scheduler, steps)
    x = _noise(prior.sample_shape, generators).to(device) * sched.init_noise_sigma
    for t in sched.timesteps:
        tt = torch.full((x.shape[0],), int(t), dtype=torch.long, device=device)
        x = sched.step(prior(sched.scale_model_input(x, t), tt), t, x).prev_sample
    return prior.decode(x).float().cpu()
