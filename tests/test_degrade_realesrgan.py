"""Real-ESRGAN second-order model: parameter statistics per the x4plus recipe, determinism, errors."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
import torch

from flipnet_bench.config import ParamsError
from flipnet_bench.degrade import create_degradation, image_generator
from flipnet_bench.degrade.kernels import build_kernel

DRAWS = 3000


def _close(count: int, n: int, p: float) -> bool:
    return abs(count - n * p) <= 5 * math.sqrt(max(n * p * (1 - p), 1e-12))


@pytest.fixture(scope="module")
def draws() -> list[dict]:
    deg = create_degradation("realesrgan")
    return [deg.sample_params(image_generator(9, i)) for i in range(DRAWS)]


def test_kernel_families_sizes_and_shapes(draws: list[dict]) -> None:
    cfg = create_degradation("realesrgan").config
    k1 = [d["kernel1"] for d in draws]
    assert _close(sum(k["type"] == "sinc" for k in k1), DRAWS, cfg.sinc_prob)
    shaped = Counter(k["type"] for k in k1 if k["type"] != "sinc")
    total = sum(shaped.values())
    for family, p in zip(cfg.kernel_list, cfg.kernel_prob):
        assert _close(shaped[family], total, p), (family, shaped[family], total * p)
    sizes = Counter(k["size"] for k in k1)
    assert set(sizes) == set(range(7, 22, 2)) and min(sizes.values()) > DRAWS / 8 * 0.7
    for k in k1:
        if k["type"] == "sinc":
            low = math.pi / 3 if k["size"] < 13 else math.pi / 5
            assert low <= k["omega_c"] <= math.pi
        else:
            assert 0.2 <= k["sigma_x"] <= 3 and 0.2 <= k["sigma_y"] <= 3
            if k["type"].startswith("generalized"):
                assert 0.5 <= k["beta"] <= 4
            if k["type"].startswith("plateau"):
                assert 1 <= k["beta"] <= 2
            if not k["type"].endswith("aniso"):
                assert k["sigma_x"] == k["sigma_y"] and k["theta"] == 0.0
        assert build_kernel(k).sum() == pytest.approx(1.0)
    second = [d["kernel2"] for d in draws]
    assert _close(sum(k is not None for k in second), DRAWS, cfg.second_blur_prob)
    assert all(0.2 <= k["sigma_x"] <= 1.5 for k in second if k is not None and k["type"] != "sinc")


def test_resize_noise_jpeg_and_final_order(draws: list[dict]) -> None:
    cfg = create_degradation("realesrgan").config
    for key, probs, (low, high) in (
        ("resize1", cfg.resize_prob, cfg.resize_range),
        ("resize2", cfg.resize_prob2, cfg.resize_range2),
    ):
        directions = Counter(d[key]["direction"] for d in draws)
        for name, p in zip(("up", "down", "keep"), probs):
            assert _close(directions[name], DRAWS, p), (key, name)
        factors = np.array([d[key]["factor"] for d in draws])
        assert factors.min() >= low and factors.max() <= high
        modes = Counter(d[key]["mode"] for d in draws)
        assert all(_close(modes[m], DRAWS, 1 / 3) for m in ("area", "bilinear", "bicubic"))
    for key, gauss_p, gray_p, sigma, scale in (
        ("noise1", cfg.gaussian_noise_prob, cfg.gray_noise_prob, cfg.noise_range, cfg.poisson_scale_range),
        (
            "noise2",
            cfg.gaussian_noise_prob2,
            cfg.gray_noise_prob2,
            cfg.noise_range2,
            cfg.poisson_scale_range2,
        ),
    ):
        noises = [d[key] for d in draws]
        assert _close(sum(n["type"] == "gaussian" for n in noises), DRAWS, gauss_p)
        assert _close(sum(n["gray"] for n in noises), DRAWS, gray_p)
        assert all(sigma[0] <= n["sigma"] <= sigma[1] for n in noises if n["type"] == "gaussian")
        assert all(scale[0] <= n["scale"] <= scale[1] for n in noises if n["type"] == "poisson")
    for key in ("jpeg1", "jpeg2"):
        q = np.array([d[key] for d in draws])
        assert q.min() == 30 and q.max() == 95
    assert _close(sum(d["final_sinc"] is not None for d in draws), DRAWS, cfg.final_sinc_prob)
    assert _close(sum(d["jpeg_last"] for d in draws), DRAWS, 0.5)


def test_output_same_size_deterministic_and_batch_independent() -> None:
    rng = np.random.default_rng(0)
    hq = torch.from_numpy(rng.random((4, 3, 48, 40), dtype=np.float32))
    deg = create_degradation("realesrgan")
    lq, params = deg(hq, [0, 1, 2, 3], seed=5)
    assert lq.shape == hq.shape and torch.equal(lq * 255, (lq * 255).round())
    assert torch.equal(torch.cat([deg(hq[i : i + 1], [i], seed=5)[0] for i in range(4)]), lq)
    assert torch.equal(deg(hq, [0, 1, 2, 3], seed=5)[0], lq)
    assert (lq - hq).abs().mean() > 0.01  # it does degrade


def test_config_errors_name_the_key() -> None:
    with pytest.raises(ParamsError, match="resize_prob"):
        create_degradation("realesrgan", resize_prob=[0.5, 0.5, 0.5])
    with pytest.raises(ParamsError, match="kernel_range"):
        create_degradation("realesrgan", kernel_range=[6, 21])
    with pytest.raises(ParamsError, match=r"noise_range2\[1\]"):
        create_degradation("realesrgan", noise_range2=[1, 500])
    with pytest.raises(ParamsError, match="did you mean 'jpeg_range'"):
        create_degradation("realesrgan", jpg_range=[30, 95])
