"""LPIPS: published TID2013 values, and equality with the stock ``lpips`` package given the same weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file
from torchvision import models

from flipnet_bench.io import read_image, to_tensor
from flipnet_bench.metrics import Batch, create_metric
from flipnet_bench.metrics.lpips import load_lpips
from flipnet_bench.weights import fetch

TID_STEMS = ["I03", "I04", "I06", "I08", "I19"]
TID_LPIPS_ALEX = [0.7237, 0.2572, 0.0508, 0.0521, 0.4253]  # official values (docs/metrics.md)


@pytest.fixture(scope="module")
def weights() -> dict[str, Path]:
    return fetch(["lpips_alex_backbone", "lpips_alex_lin", "lpips_vgg_backbone", "lpips_vgg_lin"])


def _tid(shared_data: Path) -> tuple[torch.Tensor, torch.Tensor]:
    tid = shared_data / "tid2013"
    dist = to_tensor([read_image(tid / "dist_dir" / f"{s}.png") for s in TID_STEMS])
    ref = to_tensor([read_image(tid / "ref_dir" / f"{s}.png") for s in TID_STEMS])
    return dist, ref


def _faces(shared_data: Path, count: int = 40, size: int = 96) -> tuple[torch.Tensor, torch.Tensor]:
    """``count`` real faces at ``size``² and a degraded copy (blur + noise), seeded."""
    paths = sorted((shared_data / "real-lq-dev" / "CelebA").glob("*.png"))[:count]
    gt = torch.nn.functional.interpolate(
        to_tensor([read_image(p) for p in paths]), size=(size, size), mode="area"
    )
    gen = torch.Generator().manual_seed(0)
    blurred = torch.nn.functional.avg_pool2d(gt, 3, stride=1, padding=1, count_include_pad=False)
    return (blurred + 0.05 * torch.randn(gt.shape, generator=gen)).clamp(0, 1), gt


def test_tid2013_published_values(weights: dict[str, Path], shared_data: Path) -> None:
    dist, ref = _tid(shared_data)
    metric = create_metric("lpips")
    metric.update(Batch(TID_STEMS, dist, ref))
    result = metric.compute()
    np.testing.assert_allclose([result.per_image[s] for s in TID_STEMS], TID_LPIPS_ALEX, atol=1e-3)
    assert result.value == pytest.approx(np.mean(TID_LPIPS_ALEX), abs=1e-3)
    from flipnet_bench.io.hashing import sha256_file

    assert metric.definition()["weights_sha256"]["backbone"] == sha256_file(weights["lpips_alex_backbone"])


def _stock_lpips(net: str, weights: dict[str, Path], torch_home: Path, monkeypatch: pytest.MonkeyPatch):
    """The stock ``lpips.LPIPS``, offline: our backbone saved as torchvision's cached ImageNet checkpoint."""
    import lpips

    tv_name, tv_file = {
        "alex": ("alexnet", "alexnet-owt-7be5be79.pth"),
        "vgg": ("vgg16", "vgg16-397923af.pth"),
    }[net]
    full = getattr(models, tv_name)(weights=None).state_dict()
    full = {k: torch.zeros_like(v) for k, v in full.items()}  # classifier unused by LPIPS
    full.update({f"features.{k}": v for k, v in load_file(str(weights[f"lpips_{net}_backbone"])).items()})
    (torch_home / "hub" / "checkpoints").mkdir(parents=True, exist_ok=True)
    torch.save(full, torch_home / "hub" / "checkpoints" / tv_file)
    monkeypatch.setenv("TORCH_HOME", str(torch_home))
    return lpips.LPIPS(net=net, verbose=False).eval()


@pytest.mark.parametrize("net", ["alex", "vgg"])
def test_equals_stock_lpips(
    net: str, weights: dict[str, Path], shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pred, gt = _faces(shared_data)
    ours = load_lpips(net)  # loaded before TORCH_HOME changes
    stock = _stock_lpips(net, weights, tmp_path / "torch", monkeypatch)
    with torch.inference_mode():
        expected = stock(pred, gt, normalize=True).flatten()
        got = ours(pred, gt)
    assert len(got) == 40
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-4, atol=1e-6)
    if net == "alex":
        dist, ref = _tid(shared_data)
        with torch.inference_mode():
            np.testing.assert_allclose(
                ours(dist, ref).numpy(), stock(dist, ref, normalize=True).flatten().numpy(), rtol=1e-4
            )


def test_lpips_contract(weights: dict[str, Path]) -> None:
    metric = create_metric("lpips_vgg")
    assert metric.name == "lpips_vgg" and not metric.higher_is_better and metric.requires == {"gt"}
    image = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    metric.update(Batch(["a", "b"], image, image.clone()))
    assert metric.compute().value == pytest.approx(0, abs=1e-6)
    definition = metric.definition()
    assert definition["backbone"] == "VGG16" and len(definition["weights_sha256"]["lin"]) == 64
    with pytest.raises(Exception, match=r"expects images in \[0, 1\]"):
        metric.update(Batch(["c"], image[:1] * 255, image[:1]))


@pytest.mark.parametrize("net", ["alex", "vgg"])
def test_backbone_is_torchvisions_layer_by_layer(net: str) -> None:
    """The written-out backbone (no torchvision import at run time) is torchvision's ``features``: the same
    modules with the same settings at the same indices, so the pinned weights' keys load unchanged."""
    from flipnet_bench.metrics.lpips import _backbone

    reference = (models.alexnet if net == "alex" else models.vgg16)(weights=None).features
    assert [repr(m) for m in _backbone(net)] == [repr(m) for m in reference]
    assert all(float(p.detach().abs().sum()) == 0 for p in _backbone(net).parameters())
