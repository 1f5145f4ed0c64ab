"""FLIPNET is sampled as published (from pure noise, one sample) and its restoration mode is conditioned."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from flipnet_bench.config import ParamsError, load_section
from flipnet_bench.errors import BenchError
from flipnet_bench.models.flipnet.configs import get_config
from flipnet_bench.models.flipnet.embedding import RESTORE, FaceEmbedding
from flipnet_bench.models.flipnet.model import Flipnet, FlipnetArch
from flipnet_bench.models.flipnet.params import FlipnetParams
from flipnet_bench.models.flipnet.pipeline import flip_sample, make_scheduler
from flipnet_bench.models.flipnet.prior import DiffusionPrior
from flipnet_bench.train.common import item_generator

PARAMS = Path(__file__).resolve().parents[1] / "params.yaml"


def micro(cond_noise: str, perturbed: bool = True, config: str = "micro") -> Flipnet:
    torch.manual_seed(0)
    model = Flipnet(
        DiffusionPrior(get_config(config)),
        FaceEmbedding(dim=16, width=8, resolution=16),
        FlipnetArch(lora_rank=2, cond_noise=cond_noise),
    )
    if perturbed:  # the zero-initialised outputs (BoostHub W_O, LoRA B, adapter) become non-zero
        with torch.no_grad():
            for p in model.parameters():
                if p.requires_grad:
                    p.add_(0.05 * torch.randn_like(p))
    return model.eval()


def test_defaults_are_the_published_method():
    p = FlipnetParams()
    assert p.sample_strength == 1.0 and p.restore_samples == 1 and p.sample_start == "noise"
    assert p.cond_noise == "clean"  # the measured conditioning design (docs/flipnet.md)
    assert FlipnetArch().cond_noise == "clean"
    # the pipeline runs the published method too: no SDEdit start, no posterior mean
    piped = load_section("flipnet", PARAMS)
    assert piped.sample_strength == 1.0 and piped.restore_samples == 1 and piped.sample_start == "noise"
    import yaml

    methods = yaml.safe_load(PARAMS.read_text()).get("methods", {})
    options = (methods.get("flipnet") or {}).get("options") or {}
    assert float(options.get("strength", 1.0)) == 1.0 and int(options.get("samples", 1)) == 1
    assert options.get("start", "noise") == "noise"


def test_a_condition_start_is_the_forward_process_x_T_of_the_condition():
    """``start: condition`` runs every step of the schedule from the condition noised to the first timestep:
    the same x_T a strength whose first index is 0 gives, with the generators' noise; ``noise`` is x_T = ε.
    On SD's schedule (the latent configs) x_T keeps √ᾱ_T = 0.068 of the image, so the two starts differ."""
    model = micro("clean", config="micro-latent")
    cond = torch.rand(2, 3, 16, 16)
    starts: list[torch.Tensor] = []
    eps_pair = model.eps_pair

    def spy(xt, xc, t, context, t_cond=None, record=False):
        starts.append(xt.clone())
        return eps_pair(xt, xc, t, context, t_cond, record)

    model.eps_pair = spy
    gens = lambda: [item_generator(3, i) for i in range(2)]  # noqa: E731
    from_noise = flip_sample(model, cond, RESTORE, gens(), "dpm", 10)
    from_cond = flip_sample(model, cond, RESTORE, gens(), "dpm", 10, start="condition")
    # strength 0.99 of 10 steps drops round(0.1) = 0 of them: the same start and the same schedule
    same = flip_sample(model, cond, RESTORE, gens(), "dpm", 10, strength=0.99)
    assert torch.equal(from_cond, same) and not torch.allclose(from_cond, from_noise, atol=1e-3)
    noise = torch.stack([torch.randn(model.prior.sample_shape, generator=g) for g in gens()])
    sched = make_scheduler(model.prior, "dpm", 10)
    t0 = torch.full((2,), int(sched.timesteps[0]), dtype=torch.long)
    torch.testing.assert_close(starts[0], noise * sched.init_noise_sigma)
    torch.testing.assert_close(starts[1], sched.add_noise(model.prior.encode(cond), noise, t0))
    with pytest.raises(BenchError, match="start"):
        flip_sample(model, cond, RESTORE, gens(), "dpm", 10, start="lq")


@pytest.mark.parametrize("cond_noise", ["clean", "tied", "low"])
def test_the_sampler_feeds_the_condition_at_the_trained_noise_level(cond_noise: str):
    model = micro(cond_noise)
    seen: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []
    eps_pair = model.eps_pair

    def spy(xt, xc, t, context, t_cond=None, record=False):
        seen.append((xc.clone(), t.clone(), t_cond.clone()))
        return eps_pair(xt, xc, t, context, t_cond, record)

    model.eps_pair = spy
    replay = model.eps_target_replay
    replayed: list[torch.Tensor] = []

    def spy_replay(xt, t, context):
        replayed.append(t.clone())
        return replay(xt, t, context)

    model.eps_target_replay = spy_replay
    cond = torch.rand(2, 3, 16, 16)
    flip_sample(model, cond, RESTORE, [item_generator(0, i) for i in range(2)], "ddim", 4)
    # a fixed condition (clean, low) runs through the UNet once; its features are replayed at later steps
    assert (len(seen), len(replayed)) == ((4, 0) if cond_noise == "tied" else (1, 3))
    for xc, t, t_cond in seen:
        if cond_noise == "clean":
            assert torch.equal(t_cond, torch.zeros_like(t))
            torch.testing.assert_close(xc, cond * 2 - 1)  # un-noised, in model space
        elif cond_noise == "tied":
            assert torch.equal(t_cond, t)
        else:
            assert torch.equal(t_cond, torch.full_like(t, model.arch.cond_low_t))
    if cond_noise == "tied":
        assert len({int(t[0]) for _, t, _ in seen}) == 4 and seen[0][1][0] > 500  # starts from pure noise


def test_restoration_from_noise_depends_on_the_condition():
    """Same noise, different LQ inputs → different restorations; an untrained FLIPNET (= the prior) ignores
    the input, so the check can fail."""
    cond_a, cond_b = torch.rand(2, 3, 16, 16), torch.rand(2, 3, 16, 16)
    for perturbed in (True, False):
        model = micro("clean", perturbed)
        out_a = flip_sample(model, cond_a, RESTORE, [item_generator(1, i) for i in range(2)], "dpm", 4)
        out_b = flip_sample(model, cond_b, RESTORE, [item_generator(1, i) for i in range(2)], "dpm", 4)
        differs = (out_a - out_b).abs().max() > 1e-3
        assert differs == perturbed


def test_clean_condition_has_no_condition_eps_loss():
    hq, lq = torch.rand(2, 3, 16, 16), torch.rand(2, 3, 16, 16)
    gen = torch.Generator().manual_seed(0)
    assert "eps_cond" not in micro("clean").losses(hq, lq, RESTORE, gen)
    assert "eps_cond" in micro("tied").losses(hq, lq, RESTORE, torch.Generator().manual_seed(0))


def test_bad_condition_noise_rejected():
    with pytest.raises(ParamsError, match="cond_noise"):
        FlipnetArch(cond_noise="noisy")  # type: ignore[arg-type]


@pytest.mark.parametrize("cond_noise", ["clean", "low"])
def test_replaying_the_condition_features_changes_no_output(cond_noise: str, monkeypatch):
    """Sampling with the condition stream computed once equals sampling with it recomputed at every step."""
    model = micro(cond_noise)
    cond = torch.rand(3, 3, 16, 16)
    fast = flip_sample(model, cond, RESTORE, [item_generator(2, i) for i in range(3)], "dpm", 5)
    assert not model.streams.recorded  # the batch's activations are not kept after sampling
    monkeypatch.setattr(Flipnet, "condition_is_fixed", property(lambda self: False))  # a paired pass per step
    slow = flip_sample(model, cond, RESTORE, [item_generator(2, i) for i in range(3)], "dpm", 5)
    torch.testing.assert_close(fast, slow, rtol=0, atol=1e-6)
    assert (
        fast - flip_sample(model, cond.flip(0), RESTORE, [item_generator(2, i) for i in range(3)], "dpm", 5)
    ).abs().max() > 1e-3
