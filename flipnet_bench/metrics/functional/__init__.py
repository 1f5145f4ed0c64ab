"""Stateless metric maths (the torchmetrics idiom): float32/float64 NCHW tensors in, per-image tensors out.

The stateful classes in ``flipnet_bench.metrics`` are thin wrappers over these functions.
"""

from flipnet_bench.metrics.functional.color import rgb_to_y_bt601, rgb_to_y_yiq
from flipnet_bench.metrics.functional.psnr_ssim import psnr, ssim

__all__ = ["psnr", "rgb_to_y_bt601", "rgb_to_y_yiq", "ssim"]
