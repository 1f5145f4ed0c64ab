"""A sampler's squared error split into the error of its own posterior mean and the samples' spread.

For K samples ``s_k`` of one posterior and the truth ``x``: mean over k of ‖s_k − x‖² = ‖s̄ − x‖² + (K−1)/K ·
spread, with ``spread`` the unbiased variance of the samples around their mean ``s̄``. With
``mse_mean_inf`` = ‖s̄ − x‖² − spread / K (the error the mean of infinitely many samples is expected to have),
``mse_sample`` = ``mse_mean_inf`` + ``spread`` holds exactly. For a sampler of the true posterior, ``spread``
equals the true posterior mean's error, so one sample's error is twice it (3.01 dB below it).
"""

from __future__ import annotations

import torch


def posterior_split(samples: torch.Tensor, target: torch.Tensor) -> dict[str, float]:
    """``samples`` [K, ...] (K ≥ 2) and ``target`` [...]: ``mse_sample``, ``spread`` and ``mse_mean_inf``,
    each a mean over all elements (the docstring's definitions)."""
    k = samples.shape[0]
    if k < 2 or samples.shape[1:] != target.shape:
        raise ValueError(
            f"need [K>=2, *target.shape] samples, got {tuple(samples.shape)} for {tuple(target.shape)}"
        )
    samples, target = samples.double(), target.double()
    mean = samples.mean(0)
    spread = float((samples - mean).pow(2).mean()) * k / (k - 1)
    return {
        "mse_sample": float((samples - target).pow(2).mean()),
        "spread": spread,
        "mse_mean_inf": float((mean - target).pow(2).mean()) - spread / k,
    }
