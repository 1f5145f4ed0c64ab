"""AdaFace IR-50 (mk-minchul/AdaFace ``net.build_model("ir_50")``): 112x112 BGR in (x/255-0.5)/0.5 → 512-d.

Written from the published definition: a 3x3 stem (conv, BN, PReLU); 3 + 4 + 14 + 3 "IR" units of widths 64,
128, 256, 512, the first unit of each stage with stride 2; each unit is BN → conv3x3 → BN → PReLU(depth) →
conv3x3(stride) → BN plus a shortcut (1x1 max-pool with the stride when the width is unchanged, else a
strided 1x1 conv and BN); then BN, dropout, flatten, a 512·7·7 → 512 linear layer and a BN without affine
parameters. The forward returns the L2-normalised embedding and its norm, as the official model does.
Parameter names are the official ones, so the checkpoint's ``model.`` entries load strictly.
"""

from __future__ import annotations

import torch
from torch import nn

#: (width, units) per stage of IR-50.
IR50_STAGES = ((64, 3), (128, 4), (256, 14), (512, 3))


class BasicBlockIR(nn.Module):
    def __init__(self, in_channel: int, depth: int, stride: int) -> None:
        super().__init__()
        if in_channel == depth:
            self.shortcut_layer: nn.Module = nn.MaxPool2d(1, stride)
        else:
            self.shortcut_layer = nn.Sequential(
                nn.Conv2d(in_channel, depth, 1, stride, bias=False), nn.BatchNorm2d(depth)
            )
        self.res_layer = nn.Sequential(
            nn.BatchNorm2d(in_channel),
            nn.Conv2d(in_channel, depth, 3, 1, 1, bias=False),
            nn.BatchNorm2d(depth),
            nn.PReLU(depth),
            nn.Conv2d(depth, depth, 3, stride, 1, bias=False),
            nn.BatchNorm2d(depth),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.res_layer(x) + self.shortcut_layer(x)


class AdaFaceIR50(nn.Module):
    """(N, 3, 112, 112) BGR in [-1, 1] → ((N, 512) unit embedding, (N, 1) its norm)."""

    def __init__(self) -> None:
        super().__init__()
        self.input_layer = nn.Sequential(
            nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.PReLU(64)
        )
        units, in_channel = [], 64
        for depth, count in IR50_STAGES:
            for i in range(count):
                units.append(BasicBlockIR(in_channel, depth, 2 if i == 0 else 1))
                in_channel = depth
        self.body = nn.Sequential(*units)
        self.output_layer = nn.Sequential(
            nn.BatchNorm2d(512),
            nn.Dropout(0.4),
            nn.Flatten(),
            nn.Linear(512 * 7 * 7, 512),
            nn.BatchNorm1d(512, affine=False),
        )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.output_layer(self.body(self.input_layer(x)))
        norm = torch.norm(x, 2, 1, True)
        return x / norm, norm
