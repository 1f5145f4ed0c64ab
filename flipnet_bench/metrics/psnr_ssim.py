"""``psnr`` and ``ssim``: full-reference fidelity in the basicsr convention (Y channel, crop_border 0)."""

from __future__ import annotations

from typing import Any, ClassVar

import torch

from flipnet_bench.errors import BenchError
from flipnet_bench.metrics.base import Batch, PerImageMetric, check_range
from flipnet_bench.metrics.functional import psnr_ssim as F


class _FidelityMetric(PerImageMetric):
    """Shared option handling of PSNR and SSIM (compare pred with gt)."""

    requires: ClassVar[frozenset[str]] = frozenset({"gt"})

    def __init__(self, crop_border: int = 0, channel: str = "y") -> None:
        if channel not in ("y", "rgb"):
            raise BenchError(f"{self.name}: channel must be 'y' or 'rgb', got {channel!r}")
        if crop_border < 0:
            raise BenchError(f"{self.name}: crop_border must be >= 0, got {crop_border}")
        self.crop_border = crop_border
        self.channel = channel
        super().__init__()

    def _inputs(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        assert batch.gt is not None
        check_range(self.name, batch.pred)
        check_range(self.name, batch.gt)
        if batch.pred.shape != batch.gt.shape:
            raise BenchError(
                f"{self.name}: prediction and GT sizes differ ({tuple(batch.pred.shape[-2:])} vs "
                f"{tuple(batch.gt.shape[-2:])}) for {batch.keys[0]!r}..."
            )
        return batch.pred, batch.gt

    def definition(self) -> dict[str, Any]:
        return {
            **super().definition(),
            "channel": "Y of YCbCr (ITU-R BT.601, 16-235, basicsr rgb2ycbcr)"
            if self.channel == "y"
            else "RGB",
            "crop_border": self.crop_border,
            "range": "0-255",
            "convention": "basicsr calculate_psnr/calculate_ssim",
        }


class PSNR(_FidelityMetric):
    """Peak signal-to-noise ratio in dB; identical pairs score a documented finite value, never dropped."""

    name = "psnr"
    higher_is_better = True

    def definition(self) -> dict[str, Any]:
        return {
            **super().definition(),
            "identical_images": f"MSE floored at {F.MSE_FLOOR:g} (0-255 scale): identical images score "
            f"{F.PSNR_IDENTICAL:.2f} dB and count in the mean; two different 8-bit images (< 1e8 pixels) "
            "keep the basicsr value",
        }

    def score(self, batch: Batch) -> torch.Tensor:
        pred, gt = self._inputs(batch)
        return F.psnr(pred, gt, self.crop_border, self.channel == "y")


class SSIM(_FidelityMetric):
    """Structural similarity, 11×11 Gaussian window σ = 1.5, valid mode (basicsr ``_ssim``)."""

    name = "ssim"
    higher_is_better = True

    def score(self, batch: Batch) -> torch.Tensor:
        pred, gt = self._inputs(batch)
        try:
            return F.ssim(pred, gt, self.crop_border, self.channel == "y")
        except ValueError as exc:
            raise BenchError(f"ssim: {exc} (first image {batch.keys[0]!r})") from exc

    def definition(self) -> dict[str, Any]:
        return {
            **super().definition(),
            "window": "11x11 Gaussian, sigma 1.5, valid",
            "c1_c2": "(0.01*255)^2, (0.03*255)^2",
        }
