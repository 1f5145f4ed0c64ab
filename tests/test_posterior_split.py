"""``posterior_split``: a sample's squared error = its posterior mean's error + the samples' spread, and each
part recovers the bias and the noise it is built from."""

from __future__ import annotations

import pytest
import torch

from flipnet_bench.stats.spread import posterior_split


def test_parts_add_up_and_recover_bias_and_noise() -> None:
    gen = torch.Generator().manual_seed(0)
    target = torch.rand(64, 3, 8, 8, generator=gen)
    bias, sigma = 0.1, 0.05
    samples = target + bias + sigma * torch.randn(4, *target.shape, generator=gen)
    parts = posterior_split(samples, target)
    assert parts["mse_sample"] == pytest.approx(parts["mse_mean_inf"] + parts["spread"], rel=1e-12)
    assert parts["spread"] == pytest.approx(sigma**2, rel=0.02)
    assert parts["mse_mean_inf"] == pytest.approx(bias**2, rel=0.02)


def test_two_identical_samples_have_no_spread() -> None:
    target = torch.zeros(2, 3)
    parts = posterior_split(torch.ones(2, 2, 3), target)
    assert parts == {"mse_sample": 1.0, "spread": 0.0, "mse_mean_inf": 1.0}


def test_one_sample_or_a_shape_mismatch_is_refused() -> None:
    with pytest.raises(ValueError, match="K>=2"):
        posterior_split(torch.zeros(1, 3), torch.zeros(3))
    with pytest.raises(ValueError, match="K>=2"):
        posterior_split(torch.zeros(2, 4), torch.zeros(3))
