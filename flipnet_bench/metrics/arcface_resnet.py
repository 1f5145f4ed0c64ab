"""The ArcFace ResNet-18 behind VQFR/PMRF's "Deg." (``resnet18_110.pth``): 128×128 grayscale → 512-d.

Written from the published architecture (arcface-pytorch's ``resnet_face18``, ``use_se=False``): a 3×3 stem
with PReLU and 2×2 max-pool, four stages of two "IR" blocks (BN → conv → BN → PReLU → conv(stride) → BN,
plus a 1×1 projection shortcut when the shape changes; one PReLU shared inside a block), then BN, dropout,
a 512·8·8 → 512 linear layer and BN. Parameter names match the checkpoint so it loads strictly.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from flipnet_bench.errors import BenchError


class IRBlock(nn.Module):
    def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.bn0 = nn.BatchNorm2d(inplanes)
        self.conv1 = nn.Conv2d(inplanes, inplanes, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(inplanes)
        self.prelu = nn.PReLU()
        self.conv2 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn2(self.conv2(self.prelu(self.bn1(self.conv1(self.bn0(x))))))
        residual = x if self.downsample is None else self.downsample(x)
        return self.prelu(out + residual)


class ArcFaceResNet18(nn.Module):
    """(N, 1, 128, 128) grayscale scaled to [-1, 1] → (N, 512) embedding."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 64, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.prelu = nn.PReLU()
        self.maxpool = nn.MaxPool2d(2, 2)
        widths, inplanes = (64, 128, 256, 512), 64
        for i, planes in enumerate(widths):
            stride = 1 if i == 0 else 2
            setattr(
                self,
                f"layer{i + 1}",
                nn.Sequential(IRBlock(inplanes, planes, stride), IRBlock(planes, planes)),
            )
            inplanes = planes
        self.bn4 = nn.BatchNorm2d(512)
        self.dropout = nn.Dropout()
        self.fc5 = nn.Linear(512 * 8 * 8, 512)
        self.bn5 = nn.BatchNorm1d(512)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.prelu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = self.dropout(self.bn4(x))
        return self.bn5(self.fc5(x.flatten(1)))


def load_arcface_resnet18(path: str | Path) -> ArcFaceResNet18:
    """Load with ``torch.load(weights_only=True)``; a DataParallel ``module.`` prefix is dropped."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure is a bad user file
        raise BenchError(f"{path}: cannot load as a PyTorch state dict ({exc})") from exc
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise BenchError(f"{path}: expected a state dict, got {type(state).__name__}")
    state = {k.removeprefix("module."): v for k, v in state.items()}
    model = ArcFaceResNet18()
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise BenchError(
            f"{path}: not an ArcFace ResNet-18 (resnet_face18) checkpoint: {str(exc)[:400]}"
        ) from exc
    return model.eval()
