"""LMD: dlib landmarks on real faces, and the TorchScript backend with a stand-in model."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from flipnet_bench.errors import BenchError
from flipnet_bench.io import list_images, read_image, to_tensor
from flipnet_bench.metrics import Batch, create_metric
from flipnet_bench.metrics.lmd import LandmarkDistance
from flipnet_bench.weights import fetch


@pytest.fixture(scope="module")
def faces(shared_data: Path) -> torch.Tensor:
    try:
        fetch(["dlib_shape_predictor_68", "dlib_shape_predictor_5"])
    except BenchError as exc:
        pytest.skip(str(exc))
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


def test_torchscript_backend(tmp_path: Path) -> None:
    path = tmp_path / "landmarks.pt"
    torch.jit.script(_MeanPoint()).save(str(path))
    gt = torch.full((2, 3, 128, 96), 0.25)
    pred = torch.full((2, 3, 128, 96), 0.75)
    metric = LandmarkDistance(backend="torchscript", model_path=path, input_size=64)
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
    metric = LandmarkDistance(backend="torchscript", model_path=path)
    with pytest.raises(BenchError, match=r"\(N, K, 2\)"):
        metric.update(Batch(["a"], torch.rand(1, 3, 32, 32), gt=torch.rand(1, 3, 32, 32)))
    with pytest.raises(BenchError, match="needs --gt"):
        metric.update(Batch(["a"], torch.rand(1, 3, 32, 32)))
    not_ts = tmp_path / "x.pt"
    not_ts.write_bytes(b"nope")
    with pytest.raises(BenchError, match="not a TorchScript"):
        LandmarkDistance(backend="torchscript", model_path=not_ts)
