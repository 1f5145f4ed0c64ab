"""Loss helpers and the online "+O" degradation used by the training stages."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from flipnet_bench.errors import BenchError


def _gauss_window(size: int = 7, sigma: float = 1.5) -> torch.Tensor:
    x = torch.arange(size, dtype=torch.float32) - (size - 1) / 2
    g = torch.exp(-(x**2) / (2 * sigma**2))
    g = g / g.sum()
    return (g[:, None] * g[None, :]).expand(3, 1, size, size).contiguous()


def ssim_loss(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """1 − mean SSIM (Gaussian 7×7 window, per channel), differentiable; images in [0, 1], N×3×H×W."""
    w = _gauss_window().to(a)
    pad = w.shape[-1] // 2

    def blur(x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(F.pad(x, (pad,) * 4, mode="reflect"), w, groups=3)

    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a**2
    var_b = blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    c1, c2 = 0.01**2, 0.03**2
    ssim = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return 1 - ssim.mean()


def perceptual_fn(kind: str, device: str | torch.device = "cpu"):
    """x0 perceptual loss: ``lpips`` (the metric suite's LPIPS-alex network, frozen; its weights come from
    the weights manager), ``ssim`` (1 − SSIM) or ``none``. Images in [0, 1]."""
    if kind == "none":
        return None
    if kind == "ssim":
        return ssim_loss
    if kind == "lpips":
        from flipnet_bench.metrics.lpips import load_lpips

        # frozen, eval mode; a missing weight file raises an error naming `flipnet-bench weights fetch`
        return load_lpips("alex", device)
    raise BenchError(f"unknown flipnet.perceptual {kind!r}; choose lpips, ssim or none")


class OnlineDegrader:
    """Classic-preset LQ partners made on the fly ("+O"); step ``s``'s batch uses indices s·N … s·N+N−1."""

    def __init__(self, preset: str, seed: int) -> None:
        from flipnet_bench.degrade import create_degradation

        self.seed = seed
        self.deg = create_degradation("classic", preset=preset)

    def __call__(self, hq: torch.Tensor, step: int) -> torch.Tensor:
        n = hq.shape[0]
        lq, _ = self.deg(hq.cpu().float().clamp(0, 1), list(range(step * n, step * n + n)), self.seed)
        return lq.to(hq.device)  # degradations run on the CPU (real JPEG codec)
