"""Blur kernels of the classic and Real-ESRGAN degradation models, built from their recorded parameters.

Every kernel is a float64 ``size×size`` array that sums to 1 and is point-symmetric
(``k[-y, -x] = k[y, x]``), so convolution and correlation coincide. Parameters (sigmas, rotation, shape
exponent, cut-off) are what the samplers record; the kernel is rebuilt from them deterministically.
"""

from __future__ import annotations

import math

import numpy as np

from flipnet_bench.errors import BenchError

#: Kernel families of Real-ESRGAN; ``iso``/``aniso`` are the classic (GFPGAN) Gaussian ones.
KERNEL_TYPES = (
    "iso",
    "aniso",
    "generalized_iso",
    "generalized_aniso",
    "plateau_iso",
    "plateau_aniso",
    "sinc",
)


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    if size < 1 or size % 2 == 0:
        raise BenchError(f"kernel size must be a positive odd number, got {size}")
    ax = np.arange(size, dtype=np.float64) - size // 2
    return np.meshgrid(ax, ax, indexing="xy")


def _mahalanobis(size: int, sigma_x: float, sigma_y: float, theta: float) -> np.ndarray:
    """``[x y] Σ⁻¹ [x y]ᵀ`` on the grid, Σ = R diag(σx², σy²) Rᵀ with R a rotation by ``theta``."""
    xx, yy = _grid(size)
    cos, sin = math.cos(theta), math.sin(theta)
    # Rotate coordinates into the kernel's principal axes (Rᵀ [x y]).
    u = cos * xx + sin * yy
    v = -sin * xx + cos * yy
    return (u / sigma_x) ** 2 + (v / sigma_y) ** 2


def _normalise(kernel: np.ndarray) -> np.ndarray:
    total = kernel.sum()
    if not np.isfinite(total) or total <= 0:
        raise BenchError("blur kernel has no mass; check its sigma/beta parameters")
    return kernel / total


def gaussian_1d(size: int, sigma: float) -> np.ndarray:
    """The normalised 1-D Gaussian whose outer product is the isotropic 2-D kernel (separable blur)."""
    if size < 1 or size % 2 == 0:
        raise BenchError(f"kernel size must be a positive odd number, got {size}")
    ax = np.arange(size, dtype=np.float64) - size // 2
    return _normalise(np.exp(-0.5 * (ax / sigma) ** 2))


def gaussian_kernel(size: int, sigma_x: float, sigma_y: float, theta: float = 0.0) -> np.ndarray:
    """Bivariate Gaussian ``exp(-½ d²)`` (isotropic when ``sigma_x == sigma_y``)."""
    return _normalise(np.exp(-0.5 * _mahalanobis(size, sigma_x, sigma_y, theta)))


def generalized_gaussian_kernel(
    size: int, sigma_x: float, sigma_y: float, theta: float, beta: float
) -> np.ndarray:
    """Generalised Gaussian ``exp(-½ (d²)^β)``: β < 1 heavier tails, β > 1 flatter top."""
    return _normalise(np.exp(-0.5 * np.power(_mahalanobis(size, sigma_x, sigma_y, theta), beta)))


def plateau_kernel(size: int, sigma_x: float, sigma_y: float, theta: float, beta: float) -> np.ndarray:
    """Plateau-shaped ``1 / (1 + (d²)^β)`` kernel."""
    return _normalise(1.0 / (1.0 + np.power(_mahalanobis(size, sigma_x, sigma_y, theta), beta)))


def sinc_kernel(size: int, omega_c: float, pad_to: int = 0) -> np.ndarray:
    """Circular low-pass (2-D sinc, ringing/overshoot artefacts) with cut-off ``omega_c`` in radians/pixel.

    ``k(r) = ω J₁(ω r) / (2π r)`` with the limit ``ω² / (4π)`` at the centre; optionally zero-padded to
    ``pad_to`` so kernels of different sizes can be stacked.
    """
    from scipy import special  # only sinc kernels need it

    xx, yy = _grid(size)
    r = np.hypot(xx, yy)
    with np.errstate(divide="ignore", invalid="ignore"):
        kernel = omega_c * special.j1(omega_c * r) / (2 * math.pi * r)
    kernel[r == 0] = omega_c**2 / (4 * math.pi)
    kernel = _normalise(kernel)
    if pad_to > size:
        pad = (pad_to - size) // 2
        kernel = np.pad(kernel, pad)
    return kernel


def build_kernel(params: dict) -> np.ndarray:
    """Rebuild a kernel from its recorded parameters (``type``, ``size`` and the family's own keys)."""
    kind = params["type"]
    size = int(params["size"])
    if kind in ("iso", "aniso"):
        return gaussian_kernel(size, params["sigma_x"], params["sigma_y"], params.get("theta", 0.0))
    if kind in ("generalized_iso", "generalized_aniso"):
        return generalized_gaussian_kernel(
            size, params["sigma_x"], params["sigma_y"], params.get("theta", 0.0), params["beta"]
        )
    if kind in ("plateau_iso", "plateau_aniso"):
        return plateau_kernel(
            size, params["sigma_x"], params["sigma_y"], params.get("theta", 0.0), params["beta"]
        )
    if kind == "sinc":
        return sinc_kernel(size, params["omega_c"], int(params.get("pad_to", 0)))
    raise BenchError(f"unknown blur kernel type {kind!r}; known: {', '.join(KERNEL_TYPES)}")


def separable_factors(params: dict) -> tuple[np.ndarray, np.ndarray] | None:
    """``(vertical, horizontal)`` 1-D factors when the kernel is a product of two (isotropic Gaussians).

    Such kernels take the fast exact path (blur folded into the resize matrices); others return None.
    """
    if params["type"] in ("iso", "aniso") and params["sigma_x"] == params["sigma_y"]:
        g = gaussian_1d(int(params["size"]), params["sigma_x"])
        return g, g
    return None
