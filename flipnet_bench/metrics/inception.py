"""The FID Inception-v3 (TF 2015-12-05 graph), written out so it loads our converted weights offline.

The architecture equals pytorch-fid's ``InceptionV3`` with ``use_fid_inception=True`` (the
FIDInceptionA/C/E_1/E_2 blocks: average pools exclude padding, the last block max-pools), and the parameter
names equal torchvision's, so the same safetensors file also loads into stock pytorch-fid for parity checks.
Input handling is pytorch-fid's "legacy" one: bilinear resize to 299×299 (``align_corners=False``, no
antialias), then [0, 1] → [-1, 1].
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from torch import nn
from tqdm import tqdm

from flipnet_bench.errors import BenchError
from flipnet_bench.io import list_images, read_image, to_tensor
from flipnet_bench.metrics.base import Batch, check_range
from flipnet_bench.weights import get_weight_path

#: Feature sizes available, as in pytorch-fid / torch-fidelity: after the first and second max pool, after
#: Mixed_6e, and the final average pool (the standard FID feature).
FEATURE_DIMS = (64, 192, 768, 2048)
WEIGHT_NAME = "fid_inception_v3"
Scaling = Literal["pytorch_fid", "torch_fidelity"]


class BasicConv2d(nn.Module):
    """Convolution without bias, batch norm (eps 1e-3, TF's), ReLU."""

    def __init__(self, cin: int, cout: int, kernel: int | tuple[int, int], **kwargs: object) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, bias=False, **kwargs)  # type: ignore[arg-type]
        self.bn = nn.BatchNorm2d(cout, eps=0.001)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.conv(x)))


def _avg_pool(x: torch.Tensor) -> torch.Tensor:
    return F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)


class InceptionA(nn.Module):
    def __init__(self, cin: int, pool_features: int) -> None:
        super().__init__()
        self.branch1x1 = BasicConv2d(cin, 64, 1)
        self.branch5x5_1 = BasicConv2d(cin, 48, 1)
        self.branch5x5_2 = BasicConv2d(48, 64, 5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(cin, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, padding=1)
        self.branch_pool = BasicConv2d(cin, pool_features, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b5 = self.branch5x5_2(self.branch5x5_1(x))
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return torch.cat([self.branch1x1(x), b5, b3, self.branch_pool(_avg_pool(x))], 1)


class InceptionB(nn.Module):
    def __init__(self, cin: int) -> None:
        super().__init__()
        self.branch3x3 = BasicConv2d(cin, 384, 3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(cin, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return torch.cat([self.branch3x3(x), b3, F.max_pool2d(x, 3, stride=2)], 1)


class InceptionC(nn.Module):
    def __init__(self, cin: int, c7: int) -> None:
        super().__init__()
        self.branch1x1 = BasicConv2d(cin, 192, 1)
        self.branch7x7_1 = BasicConv2d(cin, c7, 1)
        self.branch7x7_2 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 192, (7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(cin, c7, 1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, 192, (1, 7), padding=(0, 3))
        self.branch_pool = BasicConv2d(cin, 192, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        bd = self.branch7x7dbl_1(x)
        for layer in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            bd = layer(bd)
        return torch.cat([self.branch1x1(x), b7, bd, self.branch_pool(_avg_pool(x))], 1)


class InceptionD(nn.Module):
    def __init__(self, cin: int) -> None:
        super().__init__()
        self.branch3x3_1 = BasicConv2d(cin, 192, 1)
        self.branch3x3_2 = BasicConv2d(192, 320, 3, stride=2)
        self.branch7x7x3_1 = BasicConv2d(cin, 192, 1)
        self.branch7x7x3_2 = BasicConv2d(192, 192, (1, 7), padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(192, 192, (7, 1), padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(192, 192, 3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b7 = self.branch7x7x3_1(x)
        for layer in (self.branch7x7x3_2, self.branch7x7x3_3, self.branch7x7x3_4):
            b7 = layer(b7)
        return torch.cat([self.branch3x3_2(self.branch3x3_1(x)), b7, F.max_pool2d(x, 3, stride=2)], 1)


class InceptionE(nn.Module):
    """``pool="avg"`` is FIDInceptionE_1 (Mixed_7b), ``pool="max"`` FIDInceptionE_2 (Mixed_7c): TF's quirk."""

    def __init__(self, cin: int, pool: Literal["avg", "max"]) -> None:
        super().__init__()
        self.pool = pool
        self.branch1x1 = BasicConv2d(cin, 320, 1)
        self.branch3x3_1 = BasicConv2d(cin, 384, 1)
        self.branch3x3_2a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(cin, 448, 1)
        self.branch3x3dbl_2 = BasicConv2d(448, 384, 3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.branch_pool = BasicConv2d(cin, 192, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b3 = self.branch3x3_1(x)
        b3 = torch.cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
        bd = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        bd = torch.cat([self.branch3x3dbl_3a(bd), self.branch3x3dbl_3b(bd)], 1)
        pooled = _avg_pool(x) if self.pool == "avg" else F.max_pool2d(x, 3, stride=1, padding=1)
        return torch.cat([self.branch1x1(x), b3, bd, self.branch_pool(pooled)], 1)


class FIDInceptionV3(nn.Module):
    """Inception-v3 feature extractor returning pooled features of the requested sizes (``FEATURE_DIMS``)."""

    def __init__(self) -> None:
        super().__init__()
        self.Conv2d_1a_3x3 = BasicConv2d(3, 32, 3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, 3)
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, 3, padding=1)
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, 1)
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, 3)
        self.Mixed_5b = InceptionA(192, 32)
        self.Mixed_5c = InceptionA(256, 64)
        self.Mixed_5d = InceptionA(288, 64)
        self.Mixed_6a = InceptionB(288)
        self.Mixed_6b = InceptionC(768, 128)
        self.Mixed_6c = InceptionC(768, 160)
        self.Mixed_6d = InceptionC(768, 160)
        self.Mixed_6e = InceptionC(768, 192)
        self.Mixed_7a = InceptionD(768)
        self.Mixed_7b = InceptionE(1280, "avg")
        self.Mixed_7c = InceptionE(2048, "max")

    @staticmethod
    def preprocess(images: torch.Tensor, scaling: Scaling = "pytorch_fid") -> torch.Tensor:
        """[0, 1] NCHW at any size → 299×299 around 0 (pytorch-fid's legacy resize, then scaling).

        ``scaling="pytorch_fid"`` maps [0, 1] to [-1, 1] (``2x - 1``); ``"torch_fidelity"`` is
        torch-fidelity's and torchmetrics' ``(255x - 128) / 128``, needed only to reproduce their numbers.
        """
        if images.shape[-2:] != (299, 299):
            images = F.interpolate(images, size=(299, 299), mode="bilinear", align_corners=False)
        if scaling == "torch_fidelity":
            return (images * 255 - 128) / 128
        return 2 * images - 1

    def forward(
        self, images: torch.Tensor, dims: tuple[int, ...] = (2048,), scaling: Scaling = "pytorch_fid"
    ) -> dict[int, torch.Tensor]:
        """Pooled (N, d) features for each ``d`` in ``dims``; stops after the deepest one requested."""
        unknown = set(dims) - set(FEATURE_DIMS)
        if unknown:
            raise BenchError(f"Inception features {sorted(unknown)} unknown; choose from {FEATURE_DIMS}")
        out: dict[int, torch.Tensor] = {}
        x = self.preprocess(images, scaling)
        stages = (
            (64, (self.Conv2d_1a_3x3, self.Conv2d_2a_3x3, self.Conv2d_2b_3x3), True),
            (192, (self.Conv2d_3b_1x1, self.Conv2d_4a_3x3), True),
            (768, (self.Mixed_5b, self.Mixed_5c, self.Mixed_5d, self.Mixed_6a, self.Mixed_6b, self.Mixed_6c,
                   self.Mixed_6d, self.Mixed_6e), False),
            (2048, (self.Mixed_7a, self.Mixed_7b, self.Mixed_7c), False),
        )  # fmt: skip
        for dim, layers, max_pool in stages:
            for layer in layers:
                x = layer(x)
            if max_pool:
                x = F.max_pool2d(x, 3, stride=2)
            if dim in dims:
                out[dim] = F.adaptive_avg_pool2d(x, 1).flatten(1)
            if len(out) == len(set(dims)):
                break
        return out


_CACHE: dict[str, FIDInceptionV3] = {}


def load_fid_inception(device: str | torch.device = "cpu") -> FIDInceptionV3:
    """The FID Inception with verified weights, in eval mode (one shared instance per device)."""
    key = str(device)
    if key not in _CACHE:
        model = FIDInceptionV3()
        state = load_file(str(get_weight_path(WEIGHT_NAME)))
        missing, unexpected = model.load_state_dict(state, strict=False)
        missing = [k for k in missing if not k.endswith("num_batches_tracked")]
        if missing or unexpected:
            raise BenchError(
                f"FID Inception weights do not fit: missing {missing[:3]}, unexpected {unexpected[:3]}"
            )
        _CACHE[key] = model.eval().requires_grad_(False).to(device)
    return _CACHE[key]


def batch_features(
    batch: Batch, role: Literal["pred", "gt"], dims: int, scaling: Scaling, device: str | torch.device
) -> np.ndarray:
    """(N, dims) float32 features of ``batch.pred`` or ``batch.gt``, computed once per batch and shared."""
    key = ("fid_inception", role, dims, scaling, str(device))
    if key not in batch.cache:
        images = getattr(batch, role)
        if images is None:
            raise BenchError(f"Inception features of {role!r} requested but the batch has no {role} images")
        check_range(f"inception({role})", images)
        with torch.inference_mode():
            feats = load_fid_inception(device)(images.to(device), (dims,), scaling)[dims]
        batch.cache[key] = feats.float().cpu().numpy()
    return batch.cache[key]


_FOLDER_FEATURES: dict[tuple[str, int, str, str], np.ndarray] = {}


def folder_features(
    folder: str | Path,
    dims: int = 2048,
    scaling: Scaling = "pytorch_fid",
    device: str = "cpu",
    batch_size: int = 16,
) -> np.ndarray:
    """(N, dims) features of every image in ``folder`` (memoised per process: FID and KID share one pass)."""
    key = (str(Path(folder).resolve()), dims, scaling, str(device))
    if key not in _FOLDER_FEATURES:
        paths = list_images(folder)
        model = load_fid_inception(device)
        chunks = []
        for start in tqdm(
            range(0, len(paths), batch_size), desc=f"reference {Path(folder).name}", unit="batch"
        ):
            images = [to_tensor(read_image(p)) for p in paths[start : start + batch_size]]
            if len({tuple(t.shape) for t in images}) > 1:  # mixed sizes: resize each first (same result)
                images = [
                    F.interpolate(t, size=(299, 299), mode="bilinear", align_corners=False) for t in images
                ]
            with torch.inference_mode():
                chunks.append(
                    model(torch.cat(images).to(device), (dims,), scaling)[dims].float().cpu().numpy()
                )
        _FOLDER_FEATURES[key] = np.concatenate(chunks)
    return _FOLDER_FEATURES[key]
