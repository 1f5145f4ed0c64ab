"""Blur kernels against the published formulas, written out here without the package's kernel code.

Real-ESRGAN (Wang et al., ICCVW 2021, Sec. 3.1; its degradation code) defines, for a grid point
``x = (col, row) - centre`` and ``Σ = R diag(σx², σy²) Rᵀ`` (``R`` the rotation by θ):

* Gaussian ``k ∝ exp(-½ xᵀΣ⁻¹x)`` (isotropic when σx = σy),
* generalised Gaussian ``k ∝ exp(-½ (xᵀΣ⁻¹x)^β)``,
* plateau ``k ∝ 1 / (1 + (xᵀΣ⁻¹x)^β)``,
* 2-D sinc ``k(r) ∝ ω J₁(ω r) / (2π r)``, ``ω² / (4π)`` at r = 0, optionally zero-padded,

each normalised to sum 1. ``J₁`` is computed here from Bessel's integral, not from scipy.special.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from flipnet_bench.degrade.kernels import (
    _normalise,
    build_kernel,
    gaussian_1d,
    gaussian_kernel,
    generalized_gaussian_kernel,
    plateau_kernel,
    separable_factors,
    sinc_kernel,
)
from flipnet_bench.errors import BenchError


def _quadratic_form(size: int, sx: float, sy: float, theta: float) -> np.ndarray:
    """``xᵀ Σ⁻¹ x`` at every grid point, Σ built as a matrix and inverted (no rotated-axis shortcut)."""
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    inv = np.linalg.inv(rot @ np.diag([sx**2, sy**2]) @ rot.T)
    half = size // 2
    out = np.empty((size, size))
    for row in range(size):
        for col in range(size):
            x = np.array([col - half, row - half], float)
            out[row, col] = x @ inv @ x
    return out


def _j1(x: float) -> float:
    """Bessel J₁ from its integral ``(1/π) ∫₀^π cos(τ - x sin τ) dτ`` (Simpson, 2,001 points)."""
    tau = np.linspace(0.0, math.pi, 2001)
    f = np.cos(tau - x * np.sin(tau))
    h = tau[1] - tau[0]
    return float(h / 3 * (f[0] + f[-1] + 4 * f[1:-1:2].sum() + 2 * f[2:-1:2].sum()) / math.pi)


SHAPES = [(7, 1.0, 1.0, 0.0), (9, 2.5, 1.0, 0.4), (11, 1.2, 3.0, -1.1), (21, 3.0, 0.7, 2.5)]


@pytest.mark.parametrize(("size", "sx", "sy", "theta"), SHAPES)
def test_gaussian_is_the_published_formula(size: int, sx: float, sy: float, theta: float) -> None:
    ref = np.exp(-0.5 * _quadratic_form(size, sx, sy, theta))
    ref /= ref.sum()
    np.testing.assert_allclose(gaussian_kernel(size, sx, sy, theta), ref, rtol=1e-12, atol=1e-15)
    if theta == 0.0:
        np.testing.assert_allclose(gaussian_kernel(size, sx, sy), ref, rtol=1e-12, atol=1e-15)
    kind = "iso" if sx == sy else "aniso"
    params = {"type": kind, "size": size, "sigma_x": sx, "sigma_y": sy, "theta": theta}
    np.testing.assert_allclose(build_kernel(params), ref, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("size", "sx", "sy", "theta"), SHAPES)
@pytest.mark.parametrize("beta", [0.5, 1.0, 1.7, 4.0])
def test_generalised_gaussian_is_the_published_formula(
    size: int, sx: float, sy: float, theta: float, beta: float
) -> None:
    ref = np.exp(-0.5 * _quadratic_form(size, sx, sy, theta) ** beta)
    ref /= ref.sum()
    got = generalized_gaussian_kernel(size, sx, sy, theta, beta)
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-15)
    params = {
        "type": "generalized_aniso",
        "size": size,
        "sigma_x": sx,
        "sigma_y": sy,
        "theta": theta,
        "beta": beta,
    }
    np.testing.assert_allclose(build_kernel(params), ref, rtol=1e-12, atol=1e-15)
    params["type"] = "generalized_iso"
    np.testing.assert_allclose(build_kernel(params), ref, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("size", "sx", "sy", "theta"), SHAPES)
@pytest.mark.parametrize("beta", [1.0, 1.5, 2.0])
def test_plateau_is_the_published_formula(size: int, sx: float, sy: float, theta: float, beta: float) -> None:
    ref = 1.0 / (1.0 + _quadratic_form(size, sx, sy, theta) ** beta)
    ref /= ref.sum()
    np.testing.assert_allclose(plateau_kernel(size, sx, sy, theta, beta), ref, rtol=1e-12, atol=1e-15)
    for kind in ("plateau_iso", "plateau_aniso"):
        params = {"type": kind, "size": size, "sigma_x": sx, "sigma_y": sy, "theta": theta, "beta": beta}
        np.testing.assert_allclose(build_kernel(params), ref, rtol=1e-12, atol=1e-15)


def test_theta_defaults_to_zero_in_recorded_params() -> None:
    ref = np.exp(-0.5 * _quadratic_form(9, 2.0, 1.0, 0.0))
    np.testing.assert_allclose(gaussian_kernel(9, 2.0, 1.0), ref / ref.sum(), rtol=1e-12)
    plain = {"size": 9, "sigma_x": 2.0, "sigma_y": 1.0, "beta": 1.5}
    for kind in ("aniso", "generalized_aniso", "plateau_aniso"):
        ref = _quadratic_form(9, 2.0, 1.0, 0.0)
        ref = {
            "aniso": np.exp(-0.5 * ref),
            "generalized_aniso": np.exp(-0.5 * ref**1.5),
            "plateau_aniso": 1 / (1 + ref**1.5),
        }[kind]
        np.testing.assert_allclose(build_kernel({"type": kind, **plain}), ref / ref.sum(), rtol=1e-12)


@pytest.mark.parametrize(("size", "omega"), [(7, math.pi / 3), (13, 1.1), (21, 2.9), (15, math.pi)])
def test_sinc_is_the_published_formula(size: int, omega: float) -> None:
    half = size // 2
    ref = np.empty((size, size))
    for row in range(size):
        for col in range(size):
            r = math.hypot(col - half, row - half)
            ref[row, col] = omega**2 / (4 * math.pi) if r == 0 else omega * _j1(omega * r) / (2 * math.pi * r)
    ref /= ref.sum()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the 0/0 at the centre is expected and must stay silent
        np.testing.assert_allclose(sinc_kernel(size, omega), ref, rtol=1e-7, atol=1e-10)
    unpadded = build_kernel({"type": "sinc", "size": size, "omega_c": omega})
    np.testing.assert_allclose(unpadded, ref, rtol=1e-7, atol=1e-10)
    padded = build_kernel({"type": "sinc", "size": size, "omega_c": omega, "pad_to": size + 8})
    assert padded.shape == (size + 8, size + 8)
    np.testing.assert_allclose(padded[4:-4, 4:-4], ref, rtol=1e-7, atol=1e-10)
    assert (
        not padded[:4].any()
        and not padded[-4:].any()
        and not padded[:, :4].any()
        and not padded[:, -4:].any()
    )
    same = build_kernel({"type": "sinc", "size": size, "omega_c": omega, "pad_to": size})
    assert same.shape == (size, size)


def test_gaussian_1d_and_separable_factors() -> None:
    ax = np.arange(9) - 4.0
    ref = np.exp(-0.5 * (ax / 1.7) ** 2)
    np.testing.assert_allclose(gaussian_1d(9, 1.7), ref / ref.sum(), rtol=1e-12)
    params = {"type": "iso", "size": 9, "sigma_x": 1.7, "sigma_y": 1.7, "theta": 0.3}
    v, h = separable_factors(params)
    np.testing.assert_allclose(np.outer(v, h), build_kernel(params), rtol=1e-10, atol=1e-15)
    assert separable_factors({**params, "sigma_y": 1.0, "type": "aniso"}) is None
    v, h = separable_factors({**params, "type": "aniso"})  # equal sigmas: an isotropic Gaussian after all
    np.testing.assert_allclose(np.outer(v, h), build_kernel(params), rtol=1e-10, atol=1e-15)
    assert separable_factors({**params, "type": "generalized_iso", "beta": 1.0}) is None
    assert separable_factors({**params, "type": "plateau_iso", "beta": 1.0}) is None


@pytest.mark.parametrize("size", [0, -3, 4, 10])
def test_even_or_empty_sizes_are_refused(size: int) -> None:
    with pytest.raises(BenchError, match="odd"):
        gaussian_kernel(size, 1.0, 1.0)
    with pytest.raises(BenchError, match="odd"):
        gaussian_1d(size, 1.0)


def test_size_one_is_a_delta_and_massless_kernels_are_refused() -> None:
    assert gaussian_kernel(1, 1.0, 1.0).tolist() == [[1.0]]
    assert gaussian_1d(1, 1.0).tolist() == [1.0]
    no_mass = r"^blur kernel has no mass; check its sigma/beta parameters$"
    with pytest.raises(BenchError, match=no_mass), np.errstate(all="ignore"):
        gaussian_kernel(5, 0.0, 0.0)  # 0/0 at the centre
    with pytest.raises(BenchError, match=no_mass):
        sinc_kernel(5, float("nan"))
    with pytest.raises(BenchError, match=no_mass):
        _normalise(np.zeros((3, 3)))
    known = "known: iso, aniso, generalized_iso, generalized_aniso, plateau_iso, plateau_aniso, sinc$"
    with pytest.raises(BenchError, match=f"^unknown blur kernel type 'box'; {known}"):
        build_kernel({"type": "box", "size": 3})
