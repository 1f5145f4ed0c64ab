"""Degradation operators against their references: cv2 resize/filter2D, PIL JPEG, kernel invariants."""

from __future__ import annotations

import io
import math

import cv2
import numpy as np
import pytest
import torch
import torchvision.transforms.functional as TF
from PIL import Image

from flipnet_bench.degrade import color, kernels, ops
from flipnet_bench.io import to_tensor, to_uint8

CV2_MODES = {"bilinear": cv2.INTER_LINEAR, "bicubic": cv2.INTER_CUBIC, "area": cv2.INTER_AREA}

KERNEL_CASES = [
    {"type": "iso", "size": 41, "sigma_x": 3.0, "sigma_y": 3.0, "theta": 0.0},
    {"type": "aniso", "size": 41, "sigma_x": 0.1, "sigma_y": 10.0, "theta": 0.7},
    {"type": "aniso", "size": 41, "sigma_x": 9.0, "sigma_y": 2.0, "theta": -2.5},
    {"type": "generalized_iso", "size": 21, "sigma_x": 2.0, "sigma_y": 2.0, "theta": 0.0, "beta": 0.5},
    {"type": "generalized_aniso", "size": 15, "sigma_x": 1.0, "sigma_y": 3.0, "theta": 1.0, "beta": 4.0},
    {"type": "plateau_iso", "size": 7, "sigma_x": 0.2, "sigma_y": 0.2, "theta": 0.0, "beta": 1.0},
    {"type": "plateau_aniso", "size": 21, "sigma_x": 3.0, "sigma_y": 0.5, "theta": 0.3, "beta": 2.0},
    {"type": "sinc", "size": 21, "omega_c": math.pi / 5},
    {"type": "sinc", "size": 7, "omega_c": math.pi, "pad_to": 21},
]


@pytest.mark.parametrize("params", KERNEL_CASES, ids=lambda p: p["type"])
def test_kernels_sum_to_one_and_are_point_symmetric(params: dict) -> None:
    k = kernels.build_kernel(params)
    assert k.shape == (params.get("pad_to", params["size"]),) * 2
    assert k.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(k, k[::-1, ::-1], atol=1e-15)


def test_iso_kernel_is_the_outer_product_of_its_1d_factor() -> None:
    params = KERNEL_CASES[0]
    vertical, horizontal = kernels.separable_factors(params)
    np.testing.assert_allclose(np.outer(vertical, horizontal), kernels.build_kernel(params), atol=1e-15)
    assert kernels.separable_factors(KERNEL_CASES[1]) is None


def test_aniso_kernel_orientation() -> None:
    """sigma_x along the rotated x axis: theta=0 elongates horizontally, theta=pi/2 vertically."""
    k0 = kernels.gaussian_kernel(21, 5.0, 1.0, 0.0)
    k90 = kernels.gaussian_kernel(21, 5.0, 1.0, math.pi / 2)
    assert k0[10, 15] > k0[15, 10]
    np.testing.assert_allclose(k90, k0.T, atol=1e-12)


def test_reflect101_matches_numpy_reflect() -> None:
    idx = np.arange(-25, 35)
    expected = np.pad(np.arange(7), 28, mode="reflect")[idx + 28]
    np.testing.assert_array_equal(ops.reflect101(idx, 7), expected)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "area"])
@pytest.mark.parametrize(("src", "dst"), [((40, 56), (13, 9)), ((37, 53), (11, 29)), ((24, 24), (8, 8)),
                                          ((17, 23), (45, 61)), ((30, 20), (45, 12))])  # fmt: skip
def test_resize_matches_cv2(
    mode: str, src: tuple[int, int], dst: tuple[int, int], rng: np.random.Generator
) -> None:
    img = rng.integers(0, 256, (*src, 3), dtype=np.uint8)
    ours = ops.resize(to_tensor(img)[0], dst[0], dst[1], mode)
    ref_float = cv2.resize(img.astype(np.float32) / 255.0, (dst[1], dst[0]), interpolation=CV2_MODES[mode])
    np.testing.assert_allclose(ours.permute(1, 2, 0).numpy(), ref_float, atol=2e-5)
    ref_uint8 = cv2.resize(img, (dst[1], dst[0]), interpolation=CV2_MODES[mode])
    assert np.abs(to_uint8(ours).astype(int) - ref_uint8).max() <= 1  # within one grey level


@pytest.mark.parametrize("params", KERNEL_CASES, ids=lambda p: p["type"])
def test_blur_matches_cv2_filter2d(params: dict, rng: np.random.Generator) -> None:
    img = rng.random((45, 38, 3), dtype=np.float32)
    k = kernels.build_kernel(params).astype(np.float32)
    ref = cv2.filter2D(img, -1, k, borderType=cv2.BORDER_REFLECT_101)
    ours = ops.blur(torch.from_numpy(img).permute(2, 0, 1).contiguous(), k)
    np.testing.assert_allclose(ours.permute(1, 2, 0).numpy(), ref, atol=2e-5)


def test_blur_on_images_smaller_than_the_kernel(rng: np.random.Generator) -> None:
    img = rng.random((5, 9, 3), dtype=np.float32)
    k = kernels.gaussian_kernel(41, 8.0, 3.0, 0.4).astype(np.float32)
    ref = cv2.filter2D(img, -1, k, borderType=cv2.BORDER_REFLECT_101)
    ours = ops.blur(torch.from_numpy(img).permute(2, 0, 1).contiguous(), k)
    np.testing.assert_allclose(ours.permute(1, 2, 0).numpy(), ref, atol=2e-5)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "area"])
def test_folded_separable_blur_equals_blur_then_resize(mode: str, rng: np.random.Generator) -> None:
    img = torch.from_numpy(rng.random((3, 64, 48), dtype=np.float32))
    g = kernels.gaussian_1d(41, 4.0)
    folded = ops.blur_resize_separable(img, g, g, 19, 13, mode)
    direct = ops.resize(ops.blur(img, np.outer(g, g)), 19, 13, mode)
    torch.testing.assert_close(folded, direct, atol=2e-5, rtol=0)


@pytest.mark.parametrize("quality", [30, 61, 95])
def test_jpeg_is_pil_at_that_quality(quality: int, rng: np.random.Generator) -> None:
    base = cv2.GaussianBlur(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8), (0, 0), 2)

    def pil_roundtrip(q: int) -> np.ndarray:
        buf = io.BytesIO()
        Image.fromarray(base).save(buf, format="JPEG", quality=q)
        return np.array(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))

    ours = to_uint8(ops.jpeg(to_tensor(base)[0], quality))
    np.testing.assert_array_equal(ours, pil_roundtrip(quality))
    assert not np.array_equal(ours, pil_roundtrip(quality + 5))


def test_noise_is_seeded_and_statistically_right() -> None:
    img = torch.full((3, 128, 128), 0.5)
    a = ops.gaussian_noise(img.clone(), 10.0, False, 7)
    assert torch.equal(a, ops.gaussian_noise(img.clone(), 10.0, False, 7))
    assert not torch.equal(a, ops.gaussian_noise(img.clone(), 10.0, False, 8))
    assert float((a - 0.5).std()) * 255 == pytest.approx(10.0, rel=0.05)
    gray = ops.gaussian_noise(img.clone(), 10.0, True, 7)
    assert torch.equal(gray[0], gray[1]) and torch.equal(gray[1], gray[2])
    shot = ops.poisson_noise(img.clone(), 1.0, False, 3)
    assert torch.equal(shot, ops.poisson_noise(img.clone(), 1.0, False, 3))
    # one grey level → 1 distinct value → level 1: counts ~ Poisson(0.5), noise std sqrt(0.5)
    assert float((shot - 0.5).std()) > 0.1


@pytest.mark.parametrize("op", ["brightness", "contrast", "saturation", "hue"])
@pytest.mark.parametrize("factor", [0.0, 0.45, 1.3])
def test_color_ops_match_torchvision(op: str, factor: float) -> None:
    img = torch.rand(3, 40, 30, generator=torch.Generator().manual_seed(1))
    img[:, :5] = 0.5  # grey (no chroma) and black pixels
    img[:, 5:8] = 0.0
    factor = {0.0: -0.5, 0.45: 0.1, 1.3: 0.5}[factor] if op == "hue" else factor  # hue: shift in [-0.5, 0.5]
    ours = getattr(color, f"adjust_{op}")(img.clone(), factor)
    torch.testing.assert_close(ours, getattr(TF, f"adjust_{op}")(img, factor), atol=2e-6, rtol=0)
