"""Noise schedules of the priors: ε- and v-prediction targets and their x̂0, the zero-terminal-SNR ablation
``tiny-latent-zsnr`` (its x_T holds no image), and the autoencoder it shares with ``tiny-latent``."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from flipnet_bench.errors import BenchError
from flipnet_bench.io import write_image
from flipnet_bench.models.flipnet.configs import MICRO_LATENT, get_config
from flipnet_bench.models.flipnet.embedding import DEGRADE, RESTORE, FaceEmbedding
from flipnet_bench.models.flipnet.model import Flipnet, FlipnetArch
from flipnet_bench.models.flipnet.pipeline import flip_sample, make_scheduler
from flipnet_bench.models.flipnet.prior import DiffusionPrior, load_prior
from flipnet_bench.train.autoencoder import train_autoencoder
from flipnet_bench.train.autoencoder_config import AutoencoderTrainConfig
from flipnet_bench.train.common import item_generator
from flipnet_bench.train.prior import PriorTrainConfig, diffusion_loss, train_prior

#: ``micro-latent`` with the schedule of ``tiny-latent-zsnr``
MICRO_ZSNR = dataclasses.replace(MICRO_LATENT, scheduler=get_config("tiny-latent-zsnr").scheduler)


def test_the_ablation_differs_from_tiny_latent_in_its_schedule_only():
    base, zsnr = get_config("tiny-latent"), get_config("tiny-latent-zsnr")
    assert dataclasses.replace(zsnr, name=base.name, scheduler=base.scheduler) == base
    prior = DiffusionPrior(zsnr)
    sched = prior.noise_scheduler()
    assert float(sched.alphas_cumprod[-1]) == 0.0  # x_T holds no image
    assert float(DiffusionPrior(base).noise_scheduler().alphas_cumprod[-1]) == pytest.approx(
        0.00466, abs=1e-5
    )
    for name in ("ddim", "dpm"):  # trailing timesteps: the sampler starts at T
        assert int(make_scheduler(prior, name, 10).timesteps[0]) == 999


@pytest.mark.parametrize("config", ["tiny-latent", "tiny-latent-zsnr"])
def test_the_clean_sample_implied_by_the_training_target_is_x0(config: str):
    prior = DiffusionPrior(get_config(config))
    sched = prior.noise_scheduler()
    gen = torch.Generator().manual_seed(0)
    x0, noise = torch.randn(4, 4, 8, 8, generator=gen), torch.randn(4, 4, 8, 8, generator=gen)
    t = torch.tensor([0, 500, 990, 999 if config.endswith("zsnr") else 998])
    x_t = sched.add_noise(x0, noise, t)
    target = prior.training_target(sched, x0, noise, t)
    if config.endswith("zsnr"):
        torch.testing.assert_close(target[3], -x0[3])  # v at ᾱ = 0 is −x0: the model predicts the image
    else:
        assert torch.equal(target, noise)
    torch.testing.assert_close(prior.predicted_x0(sched, x_t, target, t), x0, rtol=1e-4, atol=1e-4)


def test_the_prior_loss_regresses_the_velocity():
    torch.manual_seed(0)
    prior = DiffusionPrior(MICRO_ZSNR)
    x0 = torch.randn(2, *prior.sample_shape)
    loss = diffusion_loss(prior, x0, torch.Generator().manual_seed(3))
    gen = torch.Generator().manual_seed(3)  # the draws diffusion_loss makes, in its order
    noise = torch.randn(x0.shape, generator=gen)
    t = torch.randint(0, 1000, (2,), generator=gen)
    sched = prior.noise_scheduler()
    with torch.no_grad():
        out = prior(sched.add_noise(x0, noise, t), t)
    loss = loss.detach()
    assert float(loss) == pytest.approx(float(F.mse_loss(out, sched.get_velocity(x0, noise, t))), rel=1e-5)
    assert float(loss) != pytest.approx(float(F.mse_loss(out, noise)), rel=1e-3)


def test_a_v_prediction_flipnet_trains_and_samples_both_modes():
    torch.manual_seed(0)
    model = Flipnet(DiffusionPrior(MICRO_ZSNR), FaceEmbedding(16, 8, 16), FlipnetArch(lora_rank=2))
    hq, lq = torch.rand(2, 3, 16, 16), torch.rand(2, 3, 16, 16)
    losses = model.losses(hq, lq, RESTORE, torch.Generator().manual_seed(0), lambda_mse=1.0)
    assert all(torch.isfinite(v) for v in losses.values()) and "mse_x0" in losses
    losses["loss"].backward()
    for mode in (RESTORE, DEGRADE):
        out = flip_sample(model.eval(), lq, mode, [item_generator(0, i) for i in range(2)], "dpm", 4)
        assert out.shape == lq.shape and torch.isfinite(out).all()


def test_losses_at_given_timesteps_are_the_drawn_ones_and_at_t_max_regress_the_face():
    torch.manual_seed(0)
    model = Flipnet(DiffusionPrior(MICRO_ZSNR), FaceEmbedding(16, 8, 16), FlipnetArch(lora_rank=2))
    hq, lq = torch.rand(2, 3, 16, 16), torch.rand(2, 3, 16, 16)
    shape = (2, *model.prior.sample_shape)
    gen = torch.Generator().manual_seed(5)  # the draws losses() makes, in its order: ε, condition ε, t
    eps, _ = torch.randn(shape, generator=gen), torch.randn(shape, generator=gen)
    drawn = torch.randint(0, 1000, (2,), generator=gen)
    with torch.no_grad():
        default = model.losses(hq, lq, RESTORE, torch.Generator().manual_seed(5))["eps_target"]
        given = model.losses(hq, lq, RESTORE, torch.Generator().manual_seed(5), t=drawn)["eps_target"]
        last = torch.full((2,), 999)
        at_t = model.losses(hq, lq, RESTORE, torch.Generator().manual_seed(5), t=last)["eps_target"]
        # at ᾱ = 0 the target is −x0 whatever the noise: the loss regresses the face from the condition
        x0 = model.prior.encode(hq)
        xt = model.prior.noise_scheduler().add_noise(x0, eps, last)
        x0_c, t_c = model.prior.encode(lq), torch.zeros_like(last)  # the clean condition stream
        v, _ = model.eps_pair(xt, x0_c, last, model.context(lq, RESTORE), t_c)
    assert torch.equal(given, default)
    assert float(at_t) == pytest.approx(float(F.mse_loss(v, -x0)), rel=1e-5)
    assert float(at_t) != pytest.approx(float(default), rel=1e-3)


def test_a_schedule_ablation_shares_its_base_configs_autoencoder(tmp_path: Path):
    faces = tmp_path / "faces"
    rng = np.random.default_rng(0)
    for i in range(4):
        write_image(faces / f"f{i}.png", rng.integers(0, 256, (20, 20, 3), dtype=np.uint8))
    ae = AutoencoderTrainConfig(config="tiny-latent", steps=1, batch_size=2, warmup=1, lpips_weight=0.0)
    train_autoencoder(faces, tmp_path / "ae", ae)
    cfg = PriorTrainConfig(config="tiny-latent-zsnr", steps=1, batch_size=2, warmup=1, save_every=1,
                           autoencoder=str(tmp_path / "ae"))  # fmt: skip
    train_prior(faces, tmp_path / "prior", cfg)
    assert load_prior(tmp_path / "prior").config.scheduler["prediction_type"] == "v_prediction"
    with pytest.raises(BenchError, match="autoencoder of 'tiny-latent', not 'micro-latent'"):
        train_prior(faces, tmp_path / "p2", dataclasses.replace(cfg, config="micro-latent"))
