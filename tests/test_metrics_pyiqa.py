"""``pyiqa:<name>``: wraps pyiqa metrics whose weights are present; clear errors otherwise."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from flipnet_bench.errors import BenchError
from flipnet_bench.io import list_images, read_image, to_tensor
from flipnet_bench.metrics import Batch, create_metric
from flipnet_bench.metrics.functional import psnr
from tests._strict import require

pyiqa = require("pyiqa")


def _pairs(shared_data: Path) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(0)
    gt = np.stack(
        [read_image(p)[:200, :256] for p in list_images(shared_data / "real-lq-dev" / "CelebA")[:2]]
    )
    pred = np.clip(np.round(gt + rng.normal(0, 8, gt.shape)), 0, 255).astype(np.uint8)
    return to_tensor(pred), to_tensor(gt)


def test_full_reference_wrapper_and_luma_conventions(shared_data: Path) -> None:
    pred, gt = _pairs(shared_data)
    metric = create_metric("pyiqa:psnry")
    assert metric.requires == frozenset({"gt"}) and metric.higher_is_better
    metric.update(Batch(["a", "b"], pred, gt=gt))
    res = metric.compute()
    # pyiqa's Y is YIQ luma on the full 0-255 range; basicsr's is BT.601 studio swing (16 + 219/255 · it),
    # so the same pair scores exactly 20·log10(255/219) ≈ 1.32 dB lower in pyiqa.
    ours = psnr(pred, gt)
    for key, value in zip("ab", ours.tolist()):
        assert res.per_image[key] == pytest.approx(value - 20 * math.log10(255 / 219), rel=1e-5)
    assert "pyiqa 0.1.16" in metric.definition()["implementation"]


def test_no_reference_wrapper(rng: np.random.Generator) -> None:
    metric = create_metric("pyiqa:piqe")  # weight-free no-reference metric
    assert metric.requires == frozenset() and not metric.higher_is_better
    x = to_tensor(rng.integers(0, 256, (2, 64, 64, 3), dtype=np.uint8))
    metric.update(Batch(["a", "b"], x))
    direct = pyiqa.create_metric("piqe", device="cpu")(x).reshape(-1)
    assert list(metric.compute().per_image.values()) == pytest.approx(direct.double().tolist(), rel=1e-6)


def test_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(BenchError, match=r"weights not present; download https://.*musiq"):
        create_metric("pyiqa:musiq")  # no weights offline: a clear error instead of a download
    with pytest.raises(BenchError, match="did you mean pyiqa:psnr"):
        create_metric("pyiqa:psnrr")
    with pytest.raises(BenchError, match="use the suite's fid"):
        create_metric("pyiqa:fid")
    monkeypatch.setitem(sys.modules, "pyiqa", None)  # simulate pyiqa not installed
    with pytest.raises(BenchError, match="pip install pyiqa==0.1.16"):
        create_metric("pyiqa:psnr")
