"""Reference statistics checks (``check_gaussian``) at their tolerance edges, with the exact messages; the YIQ
luma reads its input as float32 (pyiqa's convention), which decides grey levels at exact .5 ties."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from flipnet_bench.errors import BenchError
from flipnet_bench.metrics.frechet import PSD_TOL, SYMMETRY_TOL, check_gaussian
from flipnet_bench.metrics.functional.color import rgb_to_y_yiq


def _message(mu: np.ndarray, sigma: np.ndarray) -> str | None:
    try:
        check_gaussian("s.npz", mu, sigma)
    except BenchError as err:
        return str(err)
    return None


def test_non_finite_values_are_counted_and_named() -> None:
    sigma = np.eye(3)
    assert _message(np.array([np.nan, 1.0, np.inf]), sigma) == (
        "s.npz: the mean has 2 non-finite value(s); not usable statistics"
    )
    sigma[1, 2] = np.nan
    assert (
        _message(np.zeros(3), sigma)
        == "s.npz: the covariance has 1 non-finite value(s); not usable statistics"
    )


def test_symmetry_tolerance_is_relative_to_the_largest_entry_from_1e_12() -> None:
    assert SYMMETRY_TOL == 1e-6
    at_edge = np.eye(2)
    at_edge[1, 0] = 1e-6  # |S - Sᵀ| = 1e-6 = tolerance · max |S|: accepted
    assert _message(np.zeros(2), at_edge) is None
    scaled = 4 * np.eye(2)
    scaled[1, 0] = 2e-6  # within 1e-6 · 4
    assert _message(np.zeros(2), scaled) is None
    small = 1e-3 * np.eye(2)
    small[1, 0] = 1e-8  # above 1e-6 · 1e-3
    assert _message(np.zeros(2), small) == (
        "s.npz: the covariance is not symmetric (max |S - Sᵀ| = 1e-08, max |S| = 0.001); "
        "not usable statistics"
    )
    assert _message(np.zeros(0), np.zeros((0, 0))) is None  # no dimensions: nothing to refuse


@pytest.mark.parametrize(
    ("diag", "accepted"),
    [
        ((1.0, 0.0), True),  # singular but PSD
        ((4.0, -2e-6), True),  # -2e-6 is within the jitter 1e-6 · trace
        ((4.0, -4.8e-6), False),  # beyond it
        ((1e-3, -1e-8), False),  # the jitter scales with a small trace too
    ],
)
def test_psd_tolerance_is_relative_to_the_trace(diag: tuple[float, float], accepted: bool) -> None:
    assert PSD_TOL == 1e-6
    sigma = np.diag(diag)
    got = _message(np.zeros(2), sigma)
    if accepted:
        assert got is None
    else:
        assert got == (
            f"s.npz: the covariance is not positive semi-definite (smallest eigenvalue {diag[1]:.4g}, trace "
            f"{sum(diag):.4g})"
        )


def test_yiq_luma_reads_float64_input_as_float32() -> None:
    """A grey ramp at the .5 ties of round(255·Y): float64 values that round to other float32 values."""
    k = torch.arange(256, dtype=torch.float64)
    ties = (k + 0.5) / 255 / (0.299 + 0.587 + 0.114)
    v = torch.cat([ties + d for d in (0.0, 1e-9, -1e-9, 3e-9, -3e-9, 1e-8, -1e-8, 3e-8, -3e-8)]).clamp(0, 1)
    x = v.reshape(1, 1, 1, -1).expand(1, 3, 1, -1).contiguous()
    assert torch.equal(rgb_to_y_yiq(x), rgb_to_y_yiq(x.float()))
