"""Classic model: sampled parameters follow each preset, errors name the key, output is deterministic."""

from __future__ import annotations

import importlib.util
import io
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from flipnet_bench.config import ParamsError
from flipnet_bench.degrade import DEGRADATIONS, create_degradation, image_generator
from flipnet_bench.degrade.presets import CLASSIC_PRESETS, classic_config
from flipnet_bench.errors import BenchError
from flipnet_bench.io import to_tensor, to_uint8

DRAWS = 3000


def _binomial_ok(hits: int, n: int, p: float) -> bool:
    """Observed count within 5 standard deviations of n·p (false-alarm rate ~1e-6)."""
    return abs(hits - n * p) <= 5 * math.sqrt(max(n * p * (1 - p), 1e-12)) + 1e-9


def _uniform_ok(values: np.ndarray, low: float, high: float) -> None:
    assert values.min() >= low and values.max() <= high
    span = high - low
    assert abs(values.mean() - (low + high) / 2) < 5 * span / math.sqrt(12 * len(values))
    # every tenth of the range is populated about equally (chi-square style bound, generous)
    counts = np.histogram(values, bins=10, range=(low, high))[0]
    assert counts.min() > len(values) / 10 * 0.6


@pytest.mark.parametrize("preset", list(CLASSIC_PRESETS))
def test_sampled_params_follow_the_preset(preset: str) -> None:
    deg = create_degradation("classic", preset=preset)
    cfg = deg.config
    draws = [deg.sample_params(image_generator(123, i)) for i in range(DRAWS)]
    kinds = np.array([d["kernel"]["type"] for d in draws])
    assert _binomial_ok(int((kinds == "iso").sum()), DRAWS, cfg.kernel_prob[cfg.kernel_list.index("iso")])
    iso = [d["kernel"] for d in draws if d["kernel"]["type"] == "iso"]
    aniso = [d["kernel"] for d in draws if d["kernel"]["type"] == "aniso"]
    assert all(k["sigma_x"] == k["sigma_y"] and k["size"] == 41 for k in iso)
    _uniform_ok(np.array([k["sigma_x"] for k in iso]), *cfg.blur_sigma)
    _uniform_ok(np.array([k["sigma_y"] for k in aniso]), *cfg.blur_sigma)
    _uniform_ok(np.array([k["theta"] for k in aniso]), -math.pi, math.pi)
    _uniform_ok(np.array([d["scale"] for d in draws]), *cfg.downsample_range)
    _uniform_ok(np.array([d["noise_sigma"] for d in draws]), *cfg.noise_range)
    quality = np.array([d["jpeg_quality"] for d in draws])
    lo, hi = cfg.jpeg_range
    assert quality.min() == lo and quality.max() == hi  # inclusive integer range
    assert np.bincount(quality - lo).min() > DRAWS / (hi - lo + 1) * 0.4
    for key, option in (("color_jitter_prob", "color_shift"), ("color_jitter_pt_prob", "color_jitter")):
        fired = sum(d[option] is not None for d in draws)
        assert _binomial_ok(fired, DRAWS, getattr(cfg, key)), (key, fired)
    assert _binomial_ok(sum(d["gray"] for d in draws), DRAWS, cfg.gray_prob)
    shifts = np.array([d["color_shift"] for d in draws if d["color_shift"] is not None])
    if len(shifts):
        assert np.abs(shifts).max() <= cfg.color_jitter_shift / 255
    json.dumps(draws, allow_nan=False)  # JSON-able as recorded


def test_gfpgan_preset_has_the_published_values() -> None:
    cfg = classic_config("gfpgan")
    assert (cfg.kernel_size, cfg.blur_sigma, cfg.downsample_range) == (41, (0.1, 10.0), (0.8, 8.0))
    assert (cfg.noise_range, cfg.jpeg_range) == ((0.0, 20.0), (60, 100))
    assert (cfg.color_jitter_prob, cfg.color_jitter_shift, cfg.color_jitter_pt_prob, cfg.gray_prob) == (
        0.3,
        20.0,
        0.3,
        0.01,
    )
    assert classic_config("codeformer").downsample_range == (4.0, 30.0)


def test_bad_settings_are_errors_naming_key_and_range() -> None:
    with pytest.raises(ParamsError, match=r"blur_sigma\[1\] = 99.0 is out of range; allowed range is"):
        create_degradation("classic", preset="gfpgan", blur_sigma=[1, 99])
    with pytest.raises(ParamsError, match="did you mean 'noise_range'"):
        create_degradation("classic", preset="gfpgan", noise_rang=[0, 5])
    with pytest.raises(ParamsError, match="lower bound exceeds"):
        create_degradation("classic", jpeg_range=[90, 30])
    with pytest.raises(ParamsError, match="did you mean 'difface'"):
        create_degradation("classic", preset="diffface")
    with pytest.raises(ParamsError, match="sum to 1"):
        create_degradation("classic", kernel_prob=[0.5, 0.6])
    with pytest.raises(BenchError, match="did you mean 'classic'"):
        create_degradation("clasic")
    assert {"classic", "realesrgan", "flipnet"} <= set(DEGRADATIONS.names())


@pytest.fixture(scope="module")
def faces() -> torch.Tensor:
    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[0:64, 0:64]
    base = np.stack([128 + 100 * np.sin(xx / 7.0), 128 + 90 * np.cos(yy / 5.0), (xx + yy) * 2.0], -1)
    imgs = [np.clip(base + rng.normal(0, 8, base.shape), 0, 255).astype(np.uint8) for _ in range(6)]
    return to_tensor(imgs)


@pytest.mark.parametrize("preset", ["gfpgan", "codeformer"])
def test_output_is_independent_of_batching(preset: str, faces: torch.Tensor) -> None:
    deg = create_degradation("classic", preset=preset)
    lq, params = deg(faces, [10, 11, 12, 13, 14, 15], seed=3)
    assert lq.shape == faces.shape and lq.dtype == torch.float32
    assert torch.equal(lq * 255, (lq * 255).round())  # already on the 8-bit grid
    single = torch.cat([deg(faces[i : i + 1], [10 + i], seed=3)[0] for i in range(6)])
    assert torch.equal(lq, single)
    reordered, params_r = deg(faces[[4, 1]], [14, 11], seed=3)
    assert torch.equal(reordered, lq[[4, 1]]) and params_r == [params[4], params[1]]
    assert not torch.equal(deg(faces, list(range(10, 16)), seed=4)[0], lq)


def test_jpeg_quality_used_is_the_sampled_one(faces: torch.Tensor) -> None:
    """With blur, resize and noise made identities, the output must be PIL's JPEG at the sampled quality."""
    deg = create_degradation("classic", preset="difface")
    params = deg.sample_params(image_generator(0, 0))
    params.update(scale=1.0, noise_sigma=0.0, color_shift=None, gray=False, color_jitter=None)
    params["kernel"].update(type="iso", sigma_x=0.05, sigma_y=0.05)
    out = to_uint8(deg.apply(faces[:1], [params]))[0]
    buf = io.BytesIO()
    Image.fromarray(to_uint8(faces[0])).save(buf, format="JPEG", quality=params["jpeg_quality"])
    expected = np.array(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))
    np.testing.assert_array_equal(out, expected)


def _reference_module():
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "degrade.py"
    spec = importlib.util.spec_from_file_location("degrade_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_matches_a_per_image_cv2_implementation(faces: torch.Tensor) -> None:
    """Same parameters through cv2.filter2D / cv2.resize / cv2 JPEG give (nearly) the same LQ."""
    ref = _reference_module()
    # the cv2 reference is the published chain in image pixels (reference scaling: test_degrade_scale.py)
    deg = create_degradation("classic", preset="gfpgan", reference_size=None)
    lq, params = deg(faces, list(range(6)), seed=11)
    ours = to_uint8(lq).astype(np.float64)
    for i, p in enumerate(params):
        expected = ref.classic_cv2(to_uint8(faces[i]), p).astype(np.float64)
        mse = np.mean((ours[i] - expected) ** 2)
        assert mse < 1.0 or 10 * np.log10(255**2 / mse) > 40, (i, p["kernel"]["type"], mse)


def test_rejects_bad_batches(faces: torch.Tensor) -> None:
    deg = create_degradation("classic")
    with pytest.raises(BenchError, match="one index per image"):
        deg(faces, [0, 1], seed=0)
    with pytest.raises(BenchError, match=r"\(N, 3, H, W\)"):
        deg(faces[:, :1], list(range(6)), seed=0)
    with pytest.raises(BenchError, match=r"\[0, 1\]"):
        deg(faces * 255, list(range(6)), seed=0)
