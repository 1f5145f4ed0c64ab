"""LPIPS v0.1 (AlexNet or VGG16 backbone), one class behind the ``lpips`` and ``lpips_vgg`` presets.

Same maths as the official ``lpips`` package: inputs [0, 1] → [-1, 1] → fixed ImageNet-style shift/scale, five
ReLU feature maps, each unit-normalised along channels, squared difference weighted by the learned 1×1
"lin" layers, spatial mean, summed over layers. No resize: images are compared at their own size. Backbone
and lin weights come from the weights manager (hash-verified), so no download happens at run time.
"""

from __future__ import annotations

from typing import Any, Literal

import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from torch import nn

from flipnet_bench.errors import BenchError
from flipnet_bench.metrics.base import Batch, PerImageMetric, check_range
from flipnet_bench.weights import get_spec, get_weight_path

Net = Literal["alex", "vgg"]

#: Feature taps: slice boundaries in torchvision's ``features`` (after relu1..relu5, as lpips).
_SLICES = {"alex": (0, 2, 5, 8, 10, 12), "vgg": (0, 4, 9, 16, 23, 30)}
_SHIFT = (-0.030, -0.088, -0.188)
_SCALE = (0.458, 0.448, 0.450)


#: torchvision's ``alexnet().features`` and ``vgg16().features`` layer by layer (so the weights' keys, the
#: Sequential indices, are the same): conv (out channels, kernel, stride, padding), "M" a 3×3 (AlexNet) or
#: 2×2 (VGG) max pool. Written out rather than imported: importing torchvision costs 1.8 s of start-up.
_LAYERS: dict[str, list[tuple[int, int, int, int] | str]] = {
    "alex": [(64, 11, 4, 2), "M", (192, 5, 1, 2), "M", (384, 3, 1, 1), (256, 3, 1, 1), (256, 3, 1, 1), "M"],
    "vgg": [(64, 3, 1, 1), (64, 3, 1, 1), "M", (128, 3, 1, 1), (128, 3, 1, 1), "M"]
    + [(256, 3, 1, 1)] * 3
    + ["M"]
    + [(512, 3, 1, 1)] * 3
    + ["M"]
    + [(512, 3, 1, 1)] * 3
    + ["M"],
}


def _backbone(net: Net) -> nn.Sequential:
    """The backbone's feature layers with zeroed weights (``LPIPSNet.load_weights`` fills them)."""
    layers: list[nn.Module] = []
    cin = 3
    for spec in _LAYERS[net]:
        if spec == "M":
            layers.append(nn.MaxPool2d(3, 2) if net == "alex" else nn.MaxPool2d(2, 2))
            continue
        cout, kernel, stride, padding = spec
        conv = nn.Conv2d(cin, cout, kernel, stride, padding, device="meta")
        layers += [conv.to_empty(device="cpu"), nn.ReLU(inplace=True)]
        cin = cout
    features = nn.Sequential(*layers)
    for param in features.parameters():
        param.detach().zero_()
    return features


class LPIPSNet(nn.Module):
    """The LPIPS network: backbone slices plus per-layer 1×1 linear weights (no bias)."""

    def __init__(self, net: Net = "alex") -> None:
        super().__init__()
        if net not in _SLICES:
            raise BenchError(f"LPIPS net {net!r} unknown; choose 'alex' or 'vgg'")
        self.net = net
        bounds = _SLICES[net]
        self.features = _backbone(net)[: bounds[-1]].requires_grad_(False)
        self.bounds = bounds
        taps = [
            [m for m in self.features[start:end] if isinstance(m, nn.Conv2d)][-1].out_channels
            for start, end in zip(bounds[:-1], bounds[1:])
        ]
        self.lins = nn.ParameterList([nn.Parameter(torch.zeros(1, c, 1, 1)) for c in taps])
        self.register_buffer("shift", torch.tensor(_SHIFT).view(1, 3, 1, 1))
        self.register_buffer("scale", torch.tensor(_SCALE).view(1, 3, 1, 1))

    def load_weights(self) -> None:
        backbone = load_file(str(get_weight_path(f"lpips_{self.net}_backbone")))
        kept = {k: v for k, v in backbone.items() if int(k.split(".")[0]) < len(self.features)}
        self.features.load_state_dict(kept)
        lin = load_file(str(get_weight_path(f"lpips_{self.net}_lin")))
        for i, param in enumerate(self.lins):
            param.data.copy_(lin[f"lin{i}.model.1.weight"])

    def _slices(self) -> list[nn.Sequential]:
        return [self.features[start:end] for start, end in zip(self.bounds[:-1], self.bounds[1:])]

    def _input(self, x: torch.Tensor) -> torch.Tensor:
        return ((2 * x - 1) - self.shift) / self.scale

    @staticmethod
    def _unit(x: torch.Tensor) -> torch.Tensor:
        return x / (x.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)

    def taps(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Unit-normalised feature maps of images in [0, 1]."""
        x, out = self._input(x), []
        for part in self._slices():
            x = part(x)
            out.append(self._unit(x))
        return out

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """(N,) LPIPS distances between two [0, 1] batches of the same size.

        The same operations as comparing ``taps(a)`` with ``taps(b)``, layer by layer: each layer's term is
        added as soon as both images reach it, so only the current feature maps are held, not all five taps
        of both batches."""
        total = torch.zeros(len(a), dtype=a.dtype, device=a.device)
        xa, xb = self._input(a), self._input(b)
        for part, w in zip(self._slices(), self.lins):
            xa, xb = part(xa), part(xb)
            total = total + F.conv2d((self._unit(xa) - self._unit(xb)).pow(2), w).mean((1, 2, 3))
        return total


_CACHE: dict[tuple[str, str], LPIPSNet] = {}


def load_lpips(net: Net = "alex", device: str | torch.device = "cpu") -> LPIPSNet:
    """The LPIPS network with verified weights, eval mode, one shared instance per (net, device)."""
    key = (net, str(device))
    if key not in _CACHE:
        model = LPIPSNet(net)
        model.load_weights()
        _CACHE[key] = model.eval().requires_grad_(False).to(device)
    return _CACHE[key]


class LPIPS(PerImageMetric):
    """Learned perceptual distance between prediction and ground truth (lower is better)."""

    higher_is_better = False
    requires = frozenset({"gt"})

    def __init__(self, net: Net = "alex", device: str = "cpu") -> None:
        self.net_name = net
        self.device = device
        self.name = "lpips" if net == "alex" else f"lpips_{net}"
        super().__init__()

    def score(self, batch: Batch) -> torch.Tensor:
        assert batch.gt is not None
        check_range(self.name, batch.pred)
        check_range(self.name, batch.gt)
        model = load_lpips(self.net_name, self.device)  # type: ignore[arg-type]
        with torch.inference_mode():
            return model(batch.pred.to(self.device), batch.gt.to(self.device)).cpu()

    def definition(self) -> dict[str, Any]:
        return {
            **super().definition(),
            "name": self.name,
            "version": "LPIPS v0.1 (lpips==0.1.4 lin layers)",
            "backbone": {"alex": "AlexNet", "vgg": "VGG16"}[self.net_name],
            "weights_sha256": {
                part: get_spec(f"lpips_{self.net_name}_{part}").sha256 for part in ("backbone", "lin")
            },
            "input_range": "[0, 1] RGB, mapped to [-1, 1] as lpips(normalize=True)",
            "resize": "none (native resolution)",
        }
