"""FLIPNET mechanics on the ``micro`` config (16² pixels, a few thousand parameters)."""

from __future__ import annotations

import pytest
import torch

from flipnet_bench.models.flipnet.configs import get_config
from flipnet_bench.models.flipnet.embedding import DEGRADE, RESTORE, FaceEmbedding
from flipnet_bench.models.flipnet.model import Flipnet, FlipnetArch
from flipnet_bench.models.flipnet.prior import DiffusionPrior


def make(arch: FlipnetArch | None = None) -> tuple[DiffusionPrior, Flipnet]:
    torch.manual_seed(0)
    prior = DiffusionPrior(get_config("micro"))
    with torch.no_grad():
        prior.null_context.normal_()
    ref = DiffusionPrior(get_config("micro"))
    ref.load_state_dict(prior.state_dict())
    model = Flipnet(prior, FaceEmbedding(dim=16, width=8, resolution=16), arch or FlipnetArch(lora_rank=2))
    return ref, model


def perturb(model: Flipnet) -> None:
    """Give every zero-initialised trainable tensor (LoRA B, BoostHub W_O, adapter out) non-zero values."""
    with torch.no_grad():
        for p in model.parameters():
            if p.requires_grad:
                p.add_(0.05 * torch.randn_like(p))


def test_at_init_flipnet_equals_the_frozen_prior():
    ref, model = make()
    x, y = torch.randn(3, 3, 16, 16), torch.randn(3, 3, 16, 16)
    t = torch.tensor([5, 400, 999])
    cond = torch.rand(3, 3, 16, 16)
    with torch.no_grad():
        expected = ref(torch.cat([x, y]), torch.cat([t, t]))  # same batch composition as the paired pass
        for mode in (RESTORE, DEGRADE):
            eps_x, eps_y = model.eps_pair(x, y, t, model.context(cond, mode))
            torch.testing.assert_close(torch.cat([eps_x, eps_y]), expected, rtol=0, atol=1e-6)
    perturb(model)
    with torch.no_grad():
        eps_x, _ = model.eps_pair(x, y, t, model.context(cond, RESTORE))
    assert (eps_x - expected[:3]).abs().max() > 1e-3  # the check above can fail


def test_only_lora_boosthub_adapter_embedding_get_gradients():
    _, model = make(FlipnetArch(lora_rank=2, finetune_embedding=True))
    perturb(model)  # so gradients reach LoRA A and BoostHub Q/K/V through the non-zero outputs
    hq, lq = torch.rand(4, 3, 16, 16), torch.rand(4, 3, 16, 16)
    losses = model.losses(hq, lq, RESTORE, torch.Generator().manual_seed(0), lambda_mse=1.0)
    losses["loss"].backward()
    with_grad = {n for n, p in model.named_parameters() if p.grad is not None and p.grad.abs().sum() > 0}
    allowed = ("lora_", ".processor.bh_", "adapter.", "embedding.")
    assert with_grad and all(any(a in n for a in allowed) for n in with_grad), sorted(with_grad)[:5]
    for group in ("lora_A", "lora_B", ".bh_q", ".bh_out", "adapter.mlp", "embedding.lq"):
        assert any(group in n for n in with_grad), group
    frozen = [n for n, p in model.named_parameters() if not any(a in n for a in allowed)]
    assert frozen and all(not model.get_parameter(n).requires_grad for n in frozen)


def test_frozen_embedding_by_default():
    _, model = make()
    assert not any(p.requires_grad for p in model.embedding.parameters())
    assert all(p.requires_grad for p in model.adapter.parameters())


def test_flipping_the_mode_swaps_the_roles_of_the_streams():
    _, model = make()
    perturb(model)
    hq, lq = torch.rand(2, 3, 16, 16), torch.rand(2, 3, 16, 16)
    assert Flipnet.roles(hq, lq, RESTORE)[0] is hq and Flipnet.roles(hq, lq, DEGRADE)[0] is lq
    t = torch.tensor([300, 300])
    noise = torch.randn(2, 3, 16, 16)

    def eps(mode: int, hq_img: torch.Tensor, lq_img: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """ε̂ of the (hq, lq) streams in ``mode``, without any image-dependent context."""
        target, cond = Flipnet.roles(hq_img + noise, lq_img + noise, mode)
        ctx = model.prior.context(2)
        with torch.no_grad():
            e_t, e_c = model.eps_pair(target, cond, t, ctx)
        return (e_t, e_c) if mode == RESTORE else (e_c, e_t)

    for mode in (RESTORE, DEGRADE):
        base_hq, base_lq = eps(mode, hq, lq)
        new_hq, new_lq = eps(mode, hq, lq + 0.5)  # change only the LQ image
        if mode == RESTORE:  # LQ is the condition: the HQ (target) stream reads it through BoostHub
            assert (new_hq - base_hq).abs().max() > 1e-4
        else:  # LQ is the target: the HQ (condition) stream never sees it
            torch.testing.assert_close(new_hq, base_hq, rtol=0, atol=0)
        assert (new_lq - base_lq).abs().max() > 1e-4
    # the mode token and the embedding encoder differ between modes
    cond = torch.rand(2, 3, 16, 16)
    assert not torch.equal(model.context(cond, RESTORE), model.context(cond, DEGRADE))


def test_bad_mode_rejected():
    with pytest.raises(ValueError):
        Flipnet.roles(torch.zeros(1), torch.zeros(1), 2)
