"""PSNR/SSIM: parity with basicsr 1.4.2's own formulas (executed from its sdist) and with scikit-image."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from flipnet_bench.errors import BenchError
from flipnet_bench.io import list_images, read_image, to_tensor
from flipnet_bench.metrics import Batch
from flipnet_bench.metrics.functional import psnr, rgb_to_y_bt601, ssim
from flipnet_bench.metrics.psnr_ssim import PSNR, SSIM
from tests._basicsr_ref import download_sdist, load_reference


@pytest.fixture(scope="module")
def basicsr(tmp_path_factory: pytest.TempPathFactory):
    return load_reference(download_sdist(tmp_path_factory.mktemp("basicsr")))


def _pairs(shared_data: Path, n: int = 2) -> list[tuple[np.ndarray, np.ndarray]]:
    """Real faces vs a JPEG-like degraded copy (blur + noise, rounded to uint8), plus the TID2013 pairs."""
    rng = np.random.default_rng(0)
    out = []
    for path in list_images(shared_data / "real-lq-dev" / "CelebA")[:n]:
        gt = read_image(path)[:256, :200]  # non-square crop exercises H != W
        noisy = gt.astype(np.float64) + rng.normal(0, 8, gt.shape)
        out.append((np.clip(np.round(noisy), 0, 255).astype(np.uint8), gt))
    for stem in ("I19",):
        tid = shared_data / "tid2013"
        out.append(
            (read_image(tid / "dist_dir" / f"{stem}.png"), read_image(tid / "ref_dir" / f"{stem}.png"))
        )
    return out


def test_parity_with_basicsr_formulas(shared_data: Path, basicsr) -> None:
    pairs = _pairs(shared_data)
    for pred, gt in pairs:
        # basicsr works on BGR uint8 (cv2.imread); its Y conversion is bgr2ycbcr
        ref_psnr = basicsr.calculate_psnr(pred[..., ::-1], gt[..., ::-1], crop_border=0, test_y_channel=True)
        ref_ssim = basicsr.calculate_ssim(pred[..., ::-1], gt[..., ::-1], crop_border=0, test_y_channel=True)
        ours_p = psnr(to_tensor(pred), to_tensor(gt)).item()
        ours_s = ssim(to_tensor(pred), to_tensor(gt)).item()
        assert ours_p == pytest.approx(ref_psnr, rel=1e-4)
        assert ours_s == pytest.approx(ref_ssim, rel=1e-4)
        # crop_border and RGB variants follow the same formulas
        ref_c = basicsr.calculate_ssim(pred[..., ::-1], gt[..., ::-1], crop_border=4, test_y_channel=False)
        assert ssim(to_tensor(pred), to_tensor(gt), 4, False).item() == pytest.approx(ref_c, rel=1e-4)
        ref_pc = basicsr.calculate_psnr(pred[..., ::-1], gt[..., ::-1], crop_border=4, test_y_channel=False)
        assert psnr(to_tensor(pred), to_tensor(gt), 4, False).item() == pytest.approx(ref_pc, rel=1e-4)


def test_bt601_y_matches_the_standard() -> None:
    """Y of pure colours on the 0-255 scale, from the BT.601 coefficients (MATLAB ``rgb2ycbcr``, basicsr):
    black 16, white 235, red 16 + 65.481, green 16 + 128.553, blue 16 + 24.966. No download needed, so
    this check runs wherever the basicsr parity test cannot."""
    colours = torch.tensor([[0, 0, 0], [1, 1, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=torch.float32)
    y = rgb_to_y_bt601(colours.view(5, 3, 1, 1))[:, 0, 0, 0].numpy()
    np.testing.assert_allclose(y, [16.0, 235.0, 81.481, 144.553, 40.966], atol=1e-5)
    grey = rgb_to_y_bt601(torch.full((1, 3, 2, 2), 128 / 255))  # Y = 16 + 219 * 128 / 255
    np.testing.assert_allclose(grey.numpy(), 16 + 219 * 128 / 255, atol=1e-5)


def test_cross_check_with_skimage(shared_data: Path) -> None:
    from skimage import metrics  # a test dependency: never skipped

    pred, gt = _pairs(shared_data, n=2)[0]
    yp = rgb_to_y_bt601(to_tensor(pred))[0, 0].numpy()
    yg = rgb_to_y_bt601(to_tensor(gt))[0, 0].numpy()
    ref_s = metrics.structural_similarity(
        yp, yg, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255
    )
    ref_p = metrics.peak_signal_noise_ratio(yg, yp, data_range=255)
    assert ssim(to_tensor(pred), to_tensor(gt)).item() == pytest.approx(ref_s, rel=1e-4)
    assert psnr(to_tensor(pred), to_tensor(gt)).item() == pytest.approx(ref_p, rel=1e-6)


def test_batch_equals_single_and_metric_objects(rng: np.random.Generator) -> None:
    gt = rng.integers(0, 256, (4, 40, 48, 3), dtype=np.uint8)
    pred = np.clip(gt.astype(int) + rng.integers(-20, 21, gt.shape), 0, 255).astype(np.uint8)
    p, g = to_tensor(pred), to_tensor(gt)
    batched = ssim(p, g)
    single = torch.cat([ssim(p[i : i + 1], g[i : i + 1]) for i in range(4)])
    assert torch.allclose(batched, single, rtol=0, atol=1e-12)
    keys = [f"img{i}" for i in range(4)]
    m = PSNR()
    m.update(Batch(keys[:2], p[:2], gt=g[:2]))
    m.update(Batch(keys[2:], p[2:], gt=g[2:]))
    res = m.compute()
    assert res.n == 4 and res.value == pytest.approx(psnr(p, g).mean().item())
    assert list(res.per_image) == keys
    assert res.ci95 is not None and res.ci95[0] <= res.value <= res.ci95[1]
    assert m.definition()["crop_border"] == 0 and "BT.601" in m.definition()["channel"]


def test_identical_images_and_bad_input() -> None:
    x = torch.rand(2, 3, 16, 16)
    assert torch.allclose(psnr(x, x), torch.full((2,), 148.1308, dtype=torch.float64))  # MSE floor
    assert torch.allclose(ssim(x, x), torch.ones(2, dtype=torch.float64))
    m = PSNR()
    m.update(Batch(["a", "b"], x, gt=x))
    m.update(Batch(["c"], x[:1] * 0.5, gt=x[:1]))
    res = m.compute()
    assert res.n == 3 and not any("excluded" in note for note in res.notes)  # perfect images count
    with pytest.raises(BenchError, match="needs --gt"):
        SSIM().update(Batch(["a"], x[:1]))
    with pytest.raises(BenchError, match=r"\[0, 1\]"):
        SSIM().update(Batch(["a"], x[:1] * 255, gt=x[:1]))
    with pytest.raises(BenchError, match="sizes differ"):
        SSIM().update(Batch(["a"], x[:1], gt=x[:1, :, :8]))
    with pytest.raises(BenchError, match="at least 11x11"):
        SSIM().update(Batch(["a"], x[:1, :, :8, :8], gt=x[:1, :, :8, :8]))
    with pytest.raises(BenchError, match="channel"):
        SSIM(channel="lab")
