"""LMD: dlib landmarks on real faces, and the TorchScript backend with a stand-in model."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import torch

from flipnet_bench.errors import BenchError
from flipnet_bench.io import list_images, read_image, to_tensor
from flipnet_bench.metrics import Batch, create_metric
from flipnet_bench.metrics.lmd import LandmarkDistance
from tests._strict import fetch_weights


@pytest.fixture(scope="module")
def faces(shared_data: Path) -> torch.Tensor:
    fetch_weights(["dlib_shape_predictor_68", "dlib_shape_predictor_5"])
    return to_tensor(
        [read_image(p)[::2, ::2] for p in list_images(shared_data / "real-lq-dev" / "CelebA")[:3]]
    )


@pytest.mark.parametrize("backend", ["dlib68", "dlib5"])
def test_dlib_landmark_distance(faces: torch.Tensor, backend: str) -> None:
    metric = create_metric("lmd", backend=backend)
    metric.update(Batch(["a", "b", "c"], faces, gt=faces))
    assert metric.compute().value == pytest.approx(0.0)
    metric.reset()
    shifted = faces.roll(shifts=(4, 3), dims=(2, 3))  # the face moves by 5 px; the GT box stays
    metric.update(Batch(["a", "b", "c"], shifted, gt=faces))
    res = metric.compute()
    assert 2.5 < res.value < 7.5, res.per_image
    assert metric.definition()["backend"] == backend


class _MeanPoint(torch.nn.Module):
    """Stand-in landmark model: one point at (mean intensity · S, S / 2) of the S×S input."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = float(x.shape[-1])
        m = x.mean(dim=(1, 2, 3))
        return torch.stack([m * s, torch.full_like(m, s / 2)], dim=1)[:, None, :]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_torchscript_backend(tmp_path: Path) -> None:
    path = tmp_path / "landmarks.pt"
    torch.jit.script(_MeanPoint()).save(str(path))
    gt = torch.full((2, 3, 128, 96), 0.25)
    pred = torch.full((2, 3, 128, 96), 0.75)
    metric = LandmarkDistance(backend="torchscript", model_path=path, input_size=64, model_sha256=_sha(path))
    metric.update(Batch(["a", "b"], pred, gt=gt))
    # x differs by 0.5 · 64 input pixels = 0.5 · 96 image pixels (scaled back to the image width)
    assert metric.compute().value == pytest.approx(48.0, rel=1e-5)


def test_lmd_errors(tmp_path: Path) -> None:
    with pytest.raises(BenchError, match="face_metrics.awing_path"):
        LandmarkDistance(backend="torchscript")
    with pytest.raises(BenchError, match="backend"):
        LandmarkDistance(backend="awing")

    class _Bad(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x.mean(dim=(2, 3))

    path = tmp_path / "bad.pt"
    torch.jit.script(_Bad()).save(str(path))
    metric = LandmarkDistance(backend="torchscript", model_path=path, model_sha256=_sha(path))
    with pytest.raises(BenchError, match=r"\(N, K, 2\)"):
        metric.update(Batch(["a"], torch.rand(1, 3, 32, 32), gt=torch.rand(1, 3, 32, 32)))
    with pytest.raises(BenchError, match="needs --gt"):
        metric.update(Batch(["a"], torch.rand(1, 3, 32, 32)))
    not_ts = tmp_path / "x.pt"
    not_ts.write_bytes(b"nope")
    with pytest.raises(BenchError, match="not a TorchScript"):
        LandmarkDistance(backend="torchscript", model_path=not_ts, model_sha256=_sha(not_ts))


@pytest.mark.parametrize("backend", ["dlib68", "dlib5"])
def test_dlib_distance_equals_hand_computation(faces: torch.Tensor, backend: str) -> None:
    """The value is the mean over landmarks of the Euclidean distance between dlib's points on the output
    and on the GT, both fitted in the GT's face box: recomputed here from direct dlib calls."""
    import dlib
    import numpy as np

    from flipnet_bench.io import to_uint8
    from flipnet_bench.metrics.face_crop import find_face
    from flipnet_bench.weights import get_weight_path

    weight = {"dlib68": "dlib_shape_predictor_68", "dlib5": "dlib_shape_predictor_5"}[backend]
    predictor = dlib.shape_predictor(str(get_weight_path(weight)))
    shifted = faces.roll(shifts=(4, 3), dims=(2, 3))
    metric = create_metric("lmd", backend=backend)
    metric.update(Batch(["a", "b", "c"], shifted, gt=faces))
    got = metric.compute().per_image
    for key, pred, gt in zip("abc", to_uint8(shifted), to_uint8(faces)):
        rect = find_face(np.ascontiguousarray(gt), "detect_or_aligned").to_dlib()
        points = [[(p.x, p.y) for p in predictor(np.ascontiguousarray(i), rect).parts()] for i in (pred, gt)]
        (px, py), (gx, gy) = (np.array(p, float).T for p in points)
        expected = float(np.mean(np.sqrt((px - gx) ** 2 + (py - gy) ** 2)))
        assert expected > 1.0 and got[key] == pytest.approx(expected, rel=1e-12), key


class _ThreePoints(torch.nn.Module):
    """Stand-in landmark model: points (mS, 0), (0, mS), (mS, mS), m the mean intensity of the S×S input."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ms = x.mean(dim=(1, 2, 3)) * float(x.shape[-1])
        zero = torch.zeros_like(ms)
        points = [torch.stack([ms, zero], 1), torch.stack([zero, ms], 1), torch.stack([ms, ms], 1)]
        return torch.stack(points, 1)


def test_torchscript_distance_hand_computed(tmp_path: Path) -> None:
    """Known landmarks on a non-square image: the means differ by 0.5, i.e. 32 px of the 64² input, which
    is 48 px across (×96/64) and 64 px down (×128/64); distances 48, 64 and 80, mean 64."""
    path = tmp_path / "three.pt"
    torch.jit.script(_ThreePoints()).save(str(path))
    metric = LandmarkDistance(backend="torchscript", model_path=path, input_size=64, model_sha256=_sha(path))
    metric.update(Batch(["a"], torch.full((1, 3, 128, 96), 0.75), gt=torch.full((1, 3, 128, 96), 0.25)))
    assert metric.compute().value == pytest.approx((48 + 64 + 80) / 3, rel=1e-6)
