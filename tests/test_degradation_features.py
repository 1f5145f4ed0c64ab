"""The realism study's degradation space follows blur, noise and JPEG on real faces, and ignores what does
not degrade (mirroring, exposure)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from flipnet_bench.degrade import ops
from flipnet_bench.degrade.kernels import gaussian_kernel
from flipnet_bench.errors import BenchError
from flipnet_bench.io import read_image, to_tensor
from flipnet_bench.report.degradation_features import FEATURES, degradation_features

HQ = Path(__file__).resolve().parents[1] / "data" / "default" / "realism" / "hq"
SHARP_0, SHARP_1, NOISE, BLOCKING = (FEATURES.index(n) for n in ("sharp_0", "sharp_1", "noise", "blocking"))


@pytest.fixture(scope="module")
def faces() -> list[torch.Tensor]:
    """Three clean native-scale face crops (C×H×W in [0, 1])."""
    return [to_tensor([read_image(p)])[0] for p in sorted(HQ.glob("*.png"))[:3]]


def _features(images: list[torch.Tensor]) -> np.ndarray:
    return degradation_features(torch.stack([ops.quantise(x) for x in images])).numpy()


def _strictly_monotone(values: np.ndarray, increasing: bool) -> bool:
    steps = np.diff(values)
    return bool(np.all(steps > 0) if increasing else np.all(steps < 0))


def test_sharpness_falls_with_blur(faces: list[torch.Tensor]) -> None:
    sigmas = (1.0, 2.0, 4.0)
    for face in faces:
        blurred = [face] + [ops.blur(face, gaussian_kernel(2 * int(3 * s) + 1, s, s)) for s in sigmas]
        feats = _features(blurred)
        assert _strictly_monotone(feats[:, SHARP_0], increasing=False), feats
        assert _strictly_monotone(feats[:, SHARP_1], increasing=False), feats


def test_noise_feature_rises_with_noise_and_reads_its_sigma(faces: list[torch.Tensor]) -> None:
    sigmas = (5.0, 10.0, 20.0)
    for face in faces:
        feats = _features([face] + [ops.gaussian_noise(face, s, True, seed=1) for s in sigmas])
        assert _strictly_monotone(feats[:, NOISE], increasing=True), feats
        # strong noise dominates the face's own: the estimate is that sigma (grey levels) within 15 %
        assert abs(feats[-1, NOISE] - np.log(20.0)) < np.log(1.15), feats[-1, NOISE]


def test_noise_level_of_pure_noise_is_its_sigma() -> None:
    gen = torch.Generator().manual_seed(0)
    field = (0.5 + torch.randn(1, 1, 96, 192, generator=gen) * 10 / 255).expand(1, 3, 96, 192)
    value = degradation_features(field)[0, NOISE].item()
    assert value == pytest.approx(0.5 * np.log(100 + 1 / 12), abs=0.05)


def test_blocking_rises_as_jpeg_quality_falls(faces: list[torch.Tensor]) -> None:
    for face in faces:
        feats = _features([face] + [ops.jpeg(face, q) for q in (70, 40, 20)])
        assert _strictly_monotone(feats[:, BLOCKING], increasing=True), feats


def test_invariant_to_mirroring_and_sharpness_to_exposure(faces: list[torch.Tensor]) -> None:
    batch = torch.stack([ops.quantise(x) for x in faces])
    base = degradation_features(batch).numpy()
    for flipped in (batch.flip(-1), batch.flip(-2)):
        np.testing.assert_allclose(degradation_features(flipped).numpy(), base, rtol=0, atol=1e-9)
    dimmer = degradation_features(0.6 * batch.double() + 0.1).numpy()  # gain and offset, unquantised
    np.testing.assert_allclose(dimmer[:, :3], base[:, :3], rtol=0, atol=1e-9)


def test_flat_images_are_undefined_and_tiny_ones_refused() -> None:
    flat = degradation_features(torch.full((1, 3, 64, 64), 0.5))[0].numpy()
    assert np.isnan(flat).all()  # the study drops images whose features are not finite
    with pytest.raises(BenchError, match="at least 32"):
        degradation_features(torch.rand(1, 3, 16, 64))


def test_registered_as_the_deg_space_of_fd_deg(faces: list[torch.Tensor]) -> None:
    from flipnet_bench.io import to_uint8
    from flipnet_bench.report.params import RealismParams
    from flipnet_bench.report.realism import FEATURE_SPACES, SPACE_OF
    from flipnet_bench.report.realism_features import extract

    assert SPACE_OF["fd_deg"] == "deg" and FEATURE_SPACES.get("deg").dim == len(FEATURES)
    assert set(RealismParams().metrics) == set(SPACE_OF)  # params list every distance, and only those
    feats = extract(list(to_uint8(torch.stack(faces))), ["deg"], None, "faces")["deg"]
    assert feats.shape == (len(faces), len(FEATURES)) and np.isfinite(feats).all()


def test_first_distance_gives_the_verdict_others_are_notes(tmp_path: Path) -> None:
    """'Real' faces made like the clean ones cannot be told apart: a loud warning for the verdict only."""
    from flipnet_bench.io import write_image
    from flipnet_bench.report.realism_study import StudySettings, markdown_table, run_study

    rng = np.random.default_rng(0)
    for name, count in (("hq", 8), ("real", 12)):
        for i in range(count):  # smooth shading plus fine texture, the same recipe for both sets
            field = rng.normal(0, 1, (12, 24, 3)).repeat(8, 0).repeat(8, 1)
            img = 128 + 20 * field + rng.normal(0, 6, (96, 192, 3))
            write_image(tmp_path / name / f"{i:02d}.png", np.clip(img, 0, 255).astype(np.uint8))
    settings = StudySettings(metrics=("fd_deg", "fd_niqe"), models=())
    result = run_study({"real": tmp_path / "real"}, hq=tmp_path / "hq", settings=settings, log=lambda _: None)
    col = result["columns"]["real"]
    assert result["verdict"] == "fd_deg" and col["verdict"] is col["discriminates"]["fd_deg"] is False
    assert [w.split(":")[0] for w in result["warnings"]] == ["real / fd_deg"]
    assert [n.split(":")[0] for n in result["notes"]] == ["real / fd_niqe"]  # reported, not a warning
    assert markdown_table(result, "fd_deg").startswith("| fd_deg (verdict) |")
