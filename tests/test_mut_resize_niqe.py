"""MATLAB bicubic resize, NIQE's helpers, KID's subsets, SSIM's window options and the Fréchet distance's
dtype and warning handling, against references written out here: MATLAB imresize's ``contributions`` with
Keys' published kernel, the brute-force argmin, ``numpy.cov``, scikit-image's SSIM and scipy's ``sqrtm``."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from skimage.metrics import structural_similarity

from flipnet_bench.errors import BenchError
from flipnet_bench.metrics.frechet import frechet_distance
from flipnet_bench.metrics.functional import niqe as niqe_mod
from flipnet_bench.metrics.functional.imresize import imresize
from flipnet_bench.metrics.functional.niqe import NIQESizeError, _nancov_rows, _nearest, check_size
from flipnet_bench.metrics.functional.psnr_ssim import ssim
from flipnet_bench.metrics.kid import kid_subsets


def _keys(x: np.ndarray) -> np.ndarray:
    """Keys (1981) cubic convolution with a = -0.5, as MATLAB's imresize defines it."""
    ax = np.abs(x)
    inner = 1.5 * ax**3 - 2.5 * ax**2 + 1
    outer = -0.5 * ax**3 + 2.5 * ax**2 - 4 * ax + 2
    return np.where(ax <= 1, inner, 0.0) + np.where((ax > 1) & (ax <= 2), outer, 0.0)


def _matlab_axis(x: np.ndarray, scale: float, antialias: bool) -> np.ndarray:
    """MATLAB imresize along the last axis: its ``contributions`` loop, 1-based, symmetric padding."""
    n = x.shape[-1]
    widen = antialias and scale < 1
    width = 4.0 / scale if widen else 4.0
    out = []
    for i in range(1, math.ceil(n * scale) + 1):
        u = i / scale + 0.5 * (1 - 1 / scale)
        idx = math.floor(u - width / 2) + np.arange(math.ceil(width) + 2)
        w = scale * _keys(scale * (u - idx)) if widen else _keys(u - idx)
        w = w / w.sum()
        mirror = np.concatenate([np.arange(n), np.arange(n - 1, -1, -1)])
        out.append(x[..., mirror[np.mod(idx - 1, 2 * n)]] @ w)
    return np.stack(out, -1)


@pytest.mark.parametrize(("scale", "antialias"), [(0.45, True), (0.5, True), (0.75, True), (1.5, True),
                                                   (0.45, False), (1.0, True)])  # fmt: skip
def test_imresize_equals_matlab_contributions_in_float64(scale: float, antialias: bool) -> None:
    x = np.random.default_rng(1).random((2, 1, 23, 31))
    ref = np.swapaxes(_matlab_axis(np.swapaxes(_matlab_axis(x, scale, antialias), -1, -2), scale, antialias),
                      -1, -2)  # fmt: skip
    ours = imresize(torch.from_numpy(x), scale, antialias=antialias)
    assert ours.dtype == torch.float64 and ours.shape == ref.shape
    np.testing.assert_allclose(ours.numpy(), ref, rtol=0, atol=1e-13)


def test_nearest_is_the_first_argmin() -> None:
    ratio = torch.tensor([0.0, 1.0, 2.0, 3.0], dtype=torch.float64)
    r = torch.tensor([-1.0, 0.0, 0.5, 1.5, 2.9, 3.0, 5.0, math.nan], dtype=torch.float64)
    brute = [int(np.argmin(np.abs(ratio.numpy() - v))) if not math.isnan(v) else 0 for v in r.tolist()]
    assert _nearest(ratio, r).tolist() == brute == [0, 0, 0, 1, 3, 3, 3, 0]


def test_nancov_rows_uses_complete_rows_from_two_on() -> None:
    rows = torch.tensor([[1.0, 2.0], [3.0, 7.0], [math.nan, 1.0]], dtype=torch.float64)
    np.testing.assert_allclose(_nancov_rows(rows).numpy(), np.cov(rows[:2].numpy().T), rtol=1e-15)
    one = _nancov_rows(rows[1:])
    assert one.shape == (2, 2) and one.dtype == torch.float64 and torch.isnan(one).all()


def test_niqe_is_nan_not_an_error_with_one_complete_block(monkeypatch: pytest.MonkeyPatch) -> None:
    feats = torch.tensor([[[1.0, 2.0], [math.nan, 3.0]]], dtype=torch.float64)  # (N, blocks, D)
    monkeypatch.setattr(niqe_mod, "niqe_block_features", lambda images: feats)
    out = niqe_mod.niqe(torch.zeros(1, 3, 8, 8), torch.zeros(2), torch.eye(2))
    assert out.shape == (1,) and math.isnan(out.item())


def test_check_size_counts_whole_blocks_and_names_the_minimum() -> None:
    check_size(96, 192)  # exactly two whole 96x96 blocks
    check_size(192, 96)
    for h, w in ((70, 288), (288, 70), (95, 500), (96, 191)):
        message = (f"image is {h}x{w}; NIQE needs at least 2 whole 96x96 blocks "
                   "(minimum 96x192 or 192x96; 192x192 or larger recommended)")  # fmt: skip
        with pytest.raises(NIQESizeError) as err:
            check_size(h, w)
        assert str(err.value) == message


def test_kid_subsets_sizes_and_dtype() -> None:
    g = torch.Generator().manual_seed(0)
    real, fake = torch.randn(1000, 3, generator=g), torch.randn(1000, 3, generator=g) + 0.5
    scores = kid_subsets(real, fake, subsets=1, generator=torch.Generator().manual_seed(1))
    assert scores.dtype == torch.float64 and scores.shape == (1,)  # the default subset: all 1000
    two = kid_subsets(real[:2], fake[:2], subsets=3, subset_size=2)
    assert two.dtype == torch.float64 and two.shape == (3,)
    with pytest.raises(BenchError, match="subset size 1 needs 2 to 2 images"):
        kid_subsets(real[:2], fake[:2], subset_size=1)


def test_frechet_promotes_float32_statistics_and_handles_singular_products() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(200, 40)), rng.normal(size=(200, 40)) * 1.3
    stats64 = [a.mean(0), np.cov(a.T), b.mean(0), np.cov(b.T)]
    stats32 = [s.astype(np.float32) for s in stats64]
    promoted = frechet_distance(*[s.astype(np.float64) for s in stats32])
    for i in range(4):  # each argument alone in float32 gives the float64 result of its float32 values
        mixed = [stats32[j] if j == i else stats32[j].astype(np.float64) for j in range(4)]
        assert frechet_distance(*mixed) == pytest.approx(promoted, rel=1e-13, abs=0), i
    singular = np.zeros((3, 3))
    singular[0, 0] = 1.0  # sqrtm warns that the product is singular; the value is still exact
    assert frechet_distance(np.zeros(3), singular, np.ones(3), singular) == pytest.approx(3.0, abs=1e-6)


def test_ssim_window_and_sigma_reach_the_gaussian() -> None:
    """scikit-image with σ = 1 (its window: 2·int(3.5σ + 0.5) + 1 = 9) on MATLAB's Y channel."""
    rng = np.random.default_rng(7)
    gt = rng.integers(0, 256, (2, 3, 20, 23)) / 255
    pred = np.round(np.clip(gt + rng.normal(0, 0.05, gt.shape), 0, 1) * 255) / 255
    y = lambda x: 16.0 + 65.481 * x[:, 0] + 128.553 * x[:, 1] + 24.966 * x[:, 2]  # noqa: E731
    opts = {"gaussian_weights": True, "sigma": 1.0, "use_sample_covariance": False, "data_range": 255}
    ref = [structural_similarity(g, p, **opts) for p, g in zip(y(pred), y(gt))]
    got = ssim(torch.from_numpy(pred), torch.from_numpy(gt), window=9, sigma=1.0)
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-8)
