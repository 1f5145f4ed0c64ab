"""Metric formulas against independent references: scikit-image's PSNR/SSIM, OpenCV's Gaussian window,
the BT.601 / YIQ coefficients typed out here, scipy's ``sqrtm`` for the Fréchet distance."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from scipy import linalg
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from flipnet_bench.errors import BenchError
from flipnet_bench.metrics import frechet
from flipnet_bench.metrics.frechet import FeatureStats, FrechetToReference, frechet_distance
from flipnet_bench.metrics.functional.color import rgb_to_y_bt601, rgb_to_y_yiq
from flipnet_bench.metrics.functional.psnr_ssim import PSNR_IDENTICAL, gaussian_kernel1d, psnr, ssim


def _pair(seed: int = 0, size: int = 24) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    gt = rng.integers(0, 256, (2, 3, size, size + 4)).astype(np.float64) / 255
    pred = np.clip(gt + rng.normal(0, 0.05, gt.shape), 0, 1)
    return torch.from_numpy(np.round(pred * 255) / 255), torch.from_numpy(gt)


def _y(x: torch.Tensor) -> np.ndarray:
    """MATLAB rgb2ycbcr's Y: 16 + 65.481 R + 128.553 G + 24.966 B (RGB in [0, 1])."""
    r, g, b = x.numpy()[:, 0], x.numpy()[:, 1], x.numpy()[:, 2]
    return 16.0 + 65.481 * r + 128.553 * g + 24.966 * b


def test_luma_conversions_use_the_published_coefficients() -> None:
    pred, _ = _pair()
    np.testing.assert_allclose(rgb_to_y_bt601(pred)[:, 0].numpy(), _y(pred), rtol=1e-12)
    assert rgb_to_y_bt601(pred).dtype == torch.float64 and rgb_to_y_bt601(pred).shape == (2, 1, 24, 28)
    x = pred.numpy().astype(np.float32)
    yiq = np.round((0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]) * 255)
    assert np.abs(rgb_to_y_yiq(pred)[:, 0].numpy() - yiq).max() <= 1  # float32 ties may round apart
    assert (rgb_to_y_yiq(pred)[:, 0].numpy() == yiq).mean() > 0.99
    assert rgb_to_y_yiq(pred).dtype == torch.float64
    for bad in (torch.zeros(3, 8, 8), torch.zeros(1, 1, 8, 8)):
        with pytest.raises(ValueError, match=r"^expected an RGB batch of shape \(N, 3, H, W\), got"):
            rgb_to_y_bt601(bad)
        with pytest.raises(ValueError, match="expected an RGB batch"):
            rgb_to_y_yiq(bad)


@pytest.mark.parametrize("crop", [0, 3])
def test_psnr_is_scikit_images(crop: int) -> None:
    pred, gt = _pair()
    c = slice(crop, -crop) if crop else slice(None)
    y = psnr(pred, gt, crop_border=crop)
    yp, yg = _y(pred)[:, c, c], _y(gt)[:, c, c]
    ref = [peak_signal_noise_ratio(g, p, data_range=255) for p, g in zip(yp, yg)]
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-10)
    rgb = psnr(pred, gt, crop_border=crop, y_channel=False)
    ref = [peak_signal_noise_ratio(g[:, c, c] * 255, p[:, c, c] * 255, data_range=255)
           for p, g in zip(pred.numpy(), gt.numpy())]  # fmt: skip
    np.testing.assert_allclose(rgb.numpy(), ref, rtol=1e-10)


def test_psnr_of_identical_images_and_bad_inputs() -> None:
    _, gt = _pair()
    assert psnr(gt, gt).tolist() == pytest.approx([PSNR_IDENTICAL] * 2)
    assert PSNR_IDENTICAL == pytest.approx(10 * np.log10(255**2 / 1e-10))
    with pytest.raises(
        ValueError, match=r"^pred and gt shapes differ: \(2, 3, 24, 28\) vs \(2, 3, 24, 27\)$"
    ):
        psnr(gt, gt[..., :-1])
    with pytest.raises(ValueError, match=r"^crop_border must be >= 0, got -1$"):
        psnr(gt, gt, crop_border=-1)


@pytest.mark.parametrize("crop", [0, 2])
def test_ssim_is_scikit_images_gaussian_ssim(crop: int) -> None:
    """skimage with gaussian_weights, σ = 1.5, population covariance, data range 255: its mean is over the
    interior where the 11×11 window fits — the valid-mode SSIM of basicsr."""
    pred, gt = _pair(1, 30)
    c = slice(crop, -crop) if crop else slice(None)
    opts = {"gaussian_weights": True, "sigma": 1.5, "use_sample_covariance": False, "data_range": 255}
    ref = [structural_similarity(g, p, **opts) for p, g in zip(_y(pred)[:, c, c], _y(gt)[:, c, c])]
    np.testing.assert_allclose(ssim(pred, gt, crop_border=crop).numpy(), ref, rtol=1e-8)
    rgb = [np.mean([structural_similarity(g[ch, c, c] * 255, p[ch, c, c] * 255, **opts) for ch in range(3)])
           for p, g in zip(pred.numpy(), gt.numpy())]  # fmt: skip
    np.testing.assert_allclose(ssim(pred, gt, crop_border=crop, y_channel=False).numpy(), rgb, rtol=1e-8)
    with pytest.raises(ValueError, match=r"^SSIM needs images of at least 11x11 pixels, got \(10, 14\)$"):
        ssim(pred[..., :10, :14], gt[..., :10, :14])
    ssim(pred[..., :11, :11], gt[..., :11, :11])  # exactly one window fits


@pytest.mark.parametrize(("size", "sigma"), [(11, 1.5), (7, 0.8), (5, 2.0)])
def test_gaussian_window_is_opencvs(size: int, sigma: float) -> None:
    ref = cv2.getGaussianKernel(size, sigma).ravel()
    np.testing.assert_allclose(gaussian_kernel1d(size, sigma).numpy(), ref, rtol=1e-7)
    assert gaussian_kernel1d().numpy() == pytest.approx(cv2.getGaussianKernel(11, 1.5).ravel(), rel=1e-7)
    assert gaussian_kernel1d(size, sigma).dtype == torch.float64


def _frechet_ref(mu1, s1, mu2, s2) -> float:  # noqa: ANN001 - the textbook formula, scipy's sqrtm
    return float(
        (mu1 - mu2) @ (mu1 - mu2) + np.trace(s1) + np.trace(s2) - 2 * np.trace(linalg.sqrtm(s1 @ s2).real)
    )


def test_frechet_distance_closed_forms() -> None:
    a, b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 0.25])
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    # diagonal covariances: |mu1 - mu2|² + Σ (√a - √b)²
    assert frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(5 + 1 + 1 + 2.5**2)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(50, 4)), rng.normal(size=(60, 4)) @ rng.normal(size=(4, 4))
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    ref = _frechet_ref(x.mean(0), s1, y.mean(0), s2)
    assert frechet_distance(
        x.mean(0).tolist(), s1.tolist(), y.mean(0).tolist(), s2.tolist()
    ) == pytest.approx(ref)
    assert frechet_distance(2.0, 4.0, 0.0, 1.0) == pytest.approx(4 + 4 + 1 - 2 * 2)  # 1-d: scalars accepted
    with pytest.raises(BenchError, match="shapes differ"):
        frechet_distance(mu1, np.diag(a), mu2[:2], np.diag(b))
    with pytest.raises(BenchError, match="shapes differ"):
        frechet_distance(mu1, np.diag(a), mu2, np.diag(b[:2]))
    with pytest.raises(BenchError, match="shapes differ"):
        frechet_distance(mu1, np.diag(a[:2]), mu2, np.diag(b[:2]))
    with pytest.raises(BenchError, match=r"imaginary component 1; too few samples"):
        frechet_distance(mu1, np.eye(3), mu2, np.diag([-1.0, 1.0, 1.0]))  # sqrt(-1) on the diagonal


def test_frechet_distance_retries_a_singular_product_with_eps(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = linalg.sqrtm

    def fake(m: np.ndarray) -> np.ndarray:
        calls.append(m.copy())
        return np.full_like(m, np.nan) if len(calls) == 1 else real(m)

    monkeypatch.setattr(frechet.linalg, "sqrtm", fake)
    s1, s2 = np.diag([1.0, 2.0]), np.diag([3.0, 5.0])
    got = frechet_distance(np.zeros(2), s1, np.zeros(2), s2, eps=0.5)
    np.testing.assert_allclose(calls[1], (s1 + 0.5 * np.eye(2)) @ (s2 + 0.5 * np.eye(2)))
    assert got == pytest.approx(3 + 8 - 2 * (np.sqrt(1.5 * 3.5) + np.sqrt(2.5 * 5.5)))
    calls.clear()
    frechet_distance(np.zeros(2), s1, np.zeros(2), s2)
    np.testing.assert_allclose(calls[1], (s1 + 1e-6 * np.eye(2)) @ (s2 + 1e-6 * np.eye(2)))


def test_frechet_to_reference_both_routes_equal_the_formula() -> None:
    rng = np.random.default_rng(2)
    ref = rng.normal(size=(80, 5))
    mu, sigma = ref.mean(0), np.cov(ref, rowvar=False)
    to_ref = FrechetToReference(mu, sigma)
    for n in (4, 5, 40):  # n <= D: the Gram route; n > D: the D×D route
        x = rng.normal(size=(n, 5)) + 0.3
        assert to_ref.distance(x) == pytest.approx(
            _frechet_ref(x.mean(0), np.cov(x, rowvar=False), mu, sigma)
        )
    with pytest.raises(BenchError, match="at least 2 feature vectors, got 1"):
        to_ref.distance(rng.normal(size=(1, 5)))


def test_feature_stats_moments_merge_and_errors() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 3))
    whole, a, b = FeatureStats(), FeatureStats(3), FeatureStats()
    whole.update(torch.from_numpy(x))
    a.update(x[:15])
    b.update(x[15:])
    merged = FeatureStats().merge(a).merge(b).merge(FeatureStats())
    for stats in (whole, merged):
        np.testing.assert_allclose(stats.mu, x.mean(0), rtol=1e-12)
        np.testing.assert_allclose(stats.sigma, np.cov(x, rowvar=False), rtol=1e-10)
        assert stats.count == 40 and stats.dim == 3
    assert FeatureStats().dim is None and FeatureStats(4).dim == 4
    with pytest.raises(BenchError, match=r"expects \(N, D\) features, got shape \(3,\)"):
        FeatureStats().update(np.zeros(3))
    with pytest.raises(BenchError, match="feature size 2 != 3"):
        whole.update(np.zeros((2, 2)))
    with pytest.raises(BenchError, match="merge: feature size 2 != 3"):
        whole.merge(_stats(np.zeros((2, 2))))
    with pytest.raises(BenchError, match="no features were added"):
        _ = FeatureStats(3).mu
    with pytest.raises(BenchError, match="at least 2 samples, have 1"):
        _ = _stats(np.zeros((1, 3))).sigma


def _stats(x: np.ndarray) -> FeatureStats:
    s = FeatureStats()
    s.update(x)
    return s


def test_kid_subsets_are_torchmetrics_poly_mmd_on_the_same_draws() -> None:
    from torchmetrics.image.kid import poly_mmd

    from flipnet_bench.metrics.kid import kid_subsets

    rng = np.random.default_rng(4)
    real, fake = torch.from_numpy(rng.normal(size=(9, 6))), torch.from_numpy(rng.normal(size=(7, 6)) + 0.2)
    got = kid_subsets(real, fake, subsets=4, subset_size=5, generator=torch.Generator().manual_seed(3))
    gen = torch.Generator().manual_seed(3)
    ref = []
    for _ in range(4):  # torchmetrics' order: a permutation of the real features, then of the fake ones
        r = real[torch.randperm(9, generator=gen)[:5]]
        f = fake[torch.randperm(7, generator=gen)[:5]]
        ref.append(float(poly_mmd(r, f, degree=3, gamma=None, coef=1.0)))
    assert got.dtype == torch.float64 and got.shape == (4,)
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-6)
    custom = kid_subsets(
        real, fake, 2, 4, degree=2, gamma=0.5, coef=0.0, generator=torch.Generator().manual_seed(1)
    )
    gen = torch.Generator().manual_seed(1)
    for value in custom:
        r, f = real[torch.randperm(9, generator=gen)[:4]], fake[torch.randperm(7, generator=gen)[:4]]
        assert float(value) == pytest.approx(float(poly_mmd(r, f, degree=2, gamma=0.5, coef=0.0)), rel=1e-6)
    assert len(kid_subsets(real, fake, subset_size=7)) == 100  # 100 subsets by default
    for size in (1, 8):
        with pytest.raises(BenchError, match=rf"^kid: subset size {size} needs 2 to 7 images on each side$"):
            kid_subsets(real, fake, subset_size=size)


def test_frechet_to_reference_float32_small_sets_and_flat_features() -> None:
    rng = np.random.default_rng(8)
    ref = rng.normal(size=(60, 4)) * 20
    mu, sigma = ref.mean(0), np.cov(ref, rowvar=False)
    x = (rng.normal(size=(30, 4)) * 20).astype(np.float32)
    exact = FrechetToReference(mu, sigma).distance(x.astype(np.float64))
    assert FrechetToReference(mu, sigma).distance(x) == pytest.approx(exact, rel=1e-13)
    s32 = sigma.astype(np.float32)
    assert FrechetToReference(mu, s32).distance(x) == pytest.approx(
        FrechetToReference(mu, s32.astype(np.float64)).distance(x.astype(np.float64)), rel=1e-13
    )
    two = rng.normal(size=(2, 4))
    assert FrechetToReference(mu, sigma).distance(two) == pytest.approx(
        _frechet_ref(two.mean(0), np.cov(two, rowvar=False), mu, sigma), rel=1e-6
    )
    flat = rng.normal(size=(40, 4))
    flat[:, 1] = 3.0  # a constant feature: a zero eigenvalue, which rounding can make slightly negative
    for scale in (1.0, 1e3, 1e-3):
        assert np.isfinite(FrechetToReference(mu, sigma).distance(flat * scale))


def test_feature_stats_merge_of_a_single_sample() -> None:
    x = np.random.default_rng(9).normal(size=(5, 2))
    merged = _stats(x[:4]).merge(_stats(x[4:]))
    assert merged.count == 5
    assert FeatureStats().merge(FeatureStats(3)).dim is None  # an empty accumulator adds nothing
    np.testing.assert_allclose(merged.sigma, np.cov(x, rowvar=False), rtol=1e-12)
