"""The restorer's training batches and loss: aligned pairs, and images weighted as the scorer weights them."""

from __future__ import annotations

import pytest
import torch

from flipnet_bench.config import ParamsError
from flipnet_bench.train import restorer as rt


def test_crop_and_flip_are_shared_by_lq_and_hq() -> None:
    gen = torch.Generator().manual_seed(0)
    hq = torch.rand(16, 3, 40, 40)
    lq = hq + 0.25  # a known, position-independent offset: any misaligned crop or flip breaks it
    lq_c, hq_c = rt._random_crop(lq, 16, gen, [hq])
    torch.testing.assert_close(lq_c - hq_c, torch.full_like(lq_c, 0.25))
    assert not torch.equal(hq_c[0], hq_c[1])  # crops do differ between samples


def test_psnr_loss_is_minus_the_mean_per_image_psnr() -> None:
    target = torch.rand(3, 3, 16, 16)
    pred = (target + torch.randn(3, 3, 16, 16) * torch.tensor([0.01, 0.1, 0.3]).view(3, 1, 1, 1)).clamp(0, 1)
    psnr = -10 * torch.log10((pred - target).pow(2).flatten(1).mean(1))
    torch.testing.assert_close(rt.restorer_loss(pred, target, "psnr"), -psnr.mean(), rtol=1e-5, atol=1e-5)


def test_psnr_loss_does_not_let_a_heavily_degraded_image_dominate() -> None:
    """The failure the pooled L1 had: the mildly degraded face's gradient is swamped by the heavy one's."""
    target = torch.zeros(2, 3, 8, 8)
    pred = torch.stack([torch.full((3, 8, 8), 0.01), torch.full((3, 8, 8), 0.3)]).requires_grad_(True)
    grads = {}
    for kind in ("psnr", "l1"):
        pred.grad = None
        rt.restorer_loss(pred, target, kind).backward()
        g = pred.grad.flatten(1).norm(dim=1)
        grads[kind] = float(g[0] / g[1])
    assert grads["l1"] == pytest.approx(1.0)  # pooled L1: equal pull, whatever each image's error
    assert grads["psnr"] == pytest.approx(30.0, rel=1e-3)  # per-image log-MSE: pull ∝ 1 / error


def test_unknown_loss_is_refused() -> None:
    with pytest.raises(ParamsError, match="restorer.loss"):
        rt.RestorerTrainConfig(loss="mse")
