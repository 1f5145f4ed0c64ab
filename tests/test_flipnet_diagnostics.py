"""FLIPNET diagnosis tools (attention locality, gradient and gate norms) and the BoostHub position options."""

from __future__ import annotations

import math

import pytest
import torch

from flipnet_bench.models.flipnet.arch import FlipnetArch
from flipnet_bench.models.flipnet.boosthub import BoostHubProcessor, sincos_2d
from flipnet_bench.models.flipnet.configs import get_config
from flipnet_bench.models.flipnet.diagnostics import (
    GROUPS,
    LocalityMeter,
    attention_locality,
    gate_norms,
    grad_norms,
    neighbourhood_mask,
)
from flipnet_bench.models.flipnet.embedding import DEGRADE, RESTORE, FaceEmbedding
from flipnet_bench.models.flipnet.model import Flipnet
from flipnet_bench.models.flipnet.pipeline import flip_sample
from flipnet_bench.models.flipnet.prior import DiffusionPrior
from flipnet_bench.train.common import item_generator


def micro(config: str = "micro", perturbed: bool = True, **arch) -> Flipnet:
    torch.manual_seed(0)
    res = get_config(config).resolution
    model = Flipnet(
        DiffusionPrior(get_config(config)), FaceEmbedding(16, 8, res), FlipnetArch(lora_rank=2, **arch)
    )
    if perturbed:  # open the zero-initialised gates
        with torch.no_grad():
            for p in model.parameters():
                if p.requires_grad:
                    p.add_(0.05 * torch.randn_like(p))
    return model


def test_the_published_architecture_has_no_position_option():
    arch = FlipnetArch()
    assert (arch.boosthub_pos, arch.boosthub_window, arch.cond_eps) == (False, 0, "independent")
    procs = [m for m in micro(perturbed=False).modules() if isinstance(m, BoostHubProcessor)]
    assert procs and all(p.bh_pos_gain is None and p.attention_bias(16, None, torch.float32) is None
                         for p in procs)  # fmt: skip


def test_locality_meter_on_known_maps():
    side, d = 4, 8
    n = side * side
    proc = torch.nn.Module()
    sharp = LocalityMeter()
    q = torch.eye(n)[None, None] * 10
    sharp(proc, q, q)  # orthogonal tokens: each query matches only its own key (logit 25 against 0)
    s = sharp.summary()[side]
    assert s["mass_same"] > 0.99 and s["entropy_rel"] < 0.02 and s["mass_near"] >= s["mass_same"]
    assert s["top1_same"] == 1.0
    shifted = LocalityMeter()
    shifted(proc, q, torch.roll(q, 1, dims=-2))  # each query's match sits one token further on
    assert shifted.summary()[side]["top1_same"] == 0.0
    flat = LocalityMeter()
    flat(proc, torch.zeros(1, 2, n, d), torch.randn(1, 2, n, d))  # uniform attention
    f = flat.summary()[side]
    assert f["entropy_rel"] == pytest.approx(1.0, abs=1e-6)
    assert f["mass_same"] == pytest.approx(1 / n) and f["mass_near"] == pytest.approx(f["chance_near"])
    # a 4×4 grid, radius 1: 4 corners × 4 + 8 edges × 6 + 4 inner × 9 neighbours
    assert f["chance_near"] == pytest.approx((4 * 4 + 8 * 6 + 4 * 9) / n / n)
    assert neighbourhood_mask(side, 0).equal(torch.eye(n, dtype=torch.bool))


def test_window_confines_attention_and_changes_the_output():
    glob, local = micro(), micro(boosthub_window=1)
    local.load_state_dict(glob.state_dict())
    hq, lq = torch.rand(2, 3, 16, 16), torch.rand(2, 3, 16, 16)
    loc = attention_locality(local, hq, lq, RESTORE, [500], torch.Generator().manual_seed(0), radius=1)
    for stats in loc[500].values():
        assert stats["mass_near"] == pytest.approx(1.0, abs=1e-6)  # nothing outside the 3×3 window
    wide = attention_locality(glob, hq, lq, RESTORE, [500], torch.Generator().manual_seed(0), radius=1)
    assert all(stats["mass_near"] < 0.99 for stats in wide[500].values())
    gens = [item_generator(0, i) for i in range(2)]
    with torch.no_grad():
        a = flip_sample(glob.eval(), lq, RESTORE, gens, "ddim", 2)
        b = flip_sample(local.eval(), lq, RESTORE, [item_generator(0, i) for i in range(2)], "ddim", 2)
    assert not torch.equal(a, b)


def test_position_code_peaks_at_the_same_position():
    code = sincos_2d(64, 32)
    sim = code @ code.t()
    assert torch.equal(sim.argmax(1), torch.arange(64))
    assert sim.diagonal().allclose(torch.full((64,), 16.0))  # d/2: one unit per sin/cos pair
    with pytest.raises(ValueError, match="square"):
        sincos_2d(60, 32)
    model = micro(boosthub_pos=True, perturbed=False)
    hq, lq = torch.rand(2, 3, 16, 16), torch.rand(2, 3, 16, 16)
    base = micro(perturbed=False)
    near = attention_locality(model, hq, lq, RESTORE, [999], torch.Generator().manual_seed(0))
    far = attention_locality(base, hq, lq, RESTORE, [999], torch.Generator().manual_seed(0))
    for side in near[999]:  # the code alone raises the attention on the query's own position
        assert near[999][side]["mass_same"] > far[999][side]["mass_same"]
    assert any(".processor.bh_pos_gain" in k for k in model.trainable_state_dict())


def test_shared_noise_feeds_the_targets_epsilon_to_the_condition(monkeypatch):
    model = micro(cond_noise="tied", cond_eps="shared")
    seen = {}

    def spy(xt_t, xt_c, t, context, t_c=None, record=False):
        seen.update(xt_t=xt_t, xt_c=xt_c, t=t)
        return torch.zeros_like(xt_t), torch.zeros_like(xt_c)

    monkeypatch.setattr(model, "eps_pair", spy)
    hq, lq = torch.rand(3, 3, 16, 16), torch.rand(3, 3, 16, 16)
    model.losses(hq, lq, RESTORE, torch.Generator().manual_seed(0))
    ab = model.prior.noise_scheduler().alphas_cumprod[seen["t"]].view(-1, 1, 1, 1)
    eps_t = (seen["xt_t"] - ab.sqrt() * (hq * 2 - 1)) / (1 - ab).sqrt()
    eps_c = (seen["xt_c"] - ab.sqrt() * (lq * 2 - 1)) / (1 - ab).sqrt()
    assert torch.allclose(eps_t, eps_c, atol=1e-4)
    other = micro(cond_noise="tied")
    monkeypatch.setattr(other, "eps_pair", spy)
    other.losses(hq, lq, RESTORE, torch.Generator().manual_seed(0))
    eps_c2 = (seen["xt_c"] - ab.sqrt() * (lq * 2 - 1)) / (1 - ab).sqrt()
    assert not torch.allclose(eps_t, eps_c2, atol=1e-2)


def test_gradients_reach_every_trainable_part_and_gates_start_closed():
    closed = micro(perturbed=False, finetune_embedding=True)
    assert set(gate_norms(closed).values()) == {0.0}
    model = micro(finetune_embedding=True)
    hq, lq = torch.rand(2, 3, 16, 16), torch.rand(2, 3, 16, 16)
    model.losses(hq, lq, RESTORE, torch.Generator().manual_seed(0), lambda_mse=1.0)["loss"].backward()
    norms = grad_norms(model)
    assert set(norms) == set(GROUPS) and all(v > 0 for v in norms.values()), norms
    assert all(v > 0 for v in gate_norms(model).values())


@pytest.mark.parametrize("arch", [{"boosthub_window": 1}, {"boosthub_pos": True}])
def test_sd21_miniature_takes_the_position_options(arch):
    model = micro("sd21-mini", **arch)
    hq, lq = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    loss = model.losses(hq, lq, RESTORE, torch.Generator().manual_seed(0), lambda_mse=1.0)["loss"]
    loss.backward()
    assert torch.isfinite(loss)
    out = flip_sample(model.eval(), lq, DEGRADE, [item_generator(0, i) for i in range(2)], "ddim", 1)
    assert out.shape == lq.shape and torch.isfinite(out).all()
    assert math.isfinite(float(out.mean()))


def test_x0_fidelity_separates_the_condition_from_what_x_t_carries():
    """An unperturbed FLIPNET is its prior: every condition column is equal; ``right_noise_only`` feeds the
    noise alone, which on SD's schedule (√ᾱ_T = 0.068) is another input at t = 999, so it differs."""
    from flipnet_bench.models.flipnet.diagnostics import x0_fidelity

    target, cond = torch.rand(3, 3, 16, 16), torch.rand(3, 3, 16, 16)
    for perturbed in (False, True):
        model = micro("micro-latent", perturbed=perturbed).eval()
        row = x0_fidelity(model, target, cond, RESTORE, [999], torch.Generator().manual_seed(0))[999]
        assert set(row) == {"right", "swapped", "boosthub_only", "embedding_only", "right_noise_only"}
        conditioned = len({round(row[k], 6) for k in ("right", "swapped", "boosthub_only", "embedding_only")})
        assert conditioned == (4 if perturbed else 1)
        assert abs(row["right_noise_only"] - row["right"]) > 1e-4
