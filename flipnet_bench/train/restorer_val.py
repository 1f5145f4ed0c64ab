"""The restorer's validation split and curve: HQ faces held out of training, degraded once, scored during
training (PSNR on Y as the scorer computes it, and LPIPS-alex, both at the faces' own size)."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from flipnet_bench.errors import BenchError
from flipnet_bench.train.restorer_config import VAL_SEED, RestorerTrainConfig


def split_holdout(files: list[Path], n_val: int, seed: int = 0) -> tuple[list[Path], list[Path]]:
    """(train, val): ``n_val`` files drawn by a seeded permutation of the sorted list, the rest for training
    (both keep the folder's order)."""
    if n_val <= 0:
        return list(files), []
    if n_val >= len(files):
        raise BenchError(
            f"restorer.val_images = {n_val} leaves no training faces (the folder has {len(files)})"
        )
    order = torch.randperm(len(files), generator=torch.Generator().manual_seed(seed)).tolist()
    held = set(order[:n_val])
    return [f for i, f in enumerate(files) if i not in held], [f for i, f in enumerate(files) if i in held]


class Validator:
    """Scores a model on the held-out faces; ``baseline`` holds the LQ input's own scores."""

    def __init__(self, hq: torch.Tensor, cfg: RestorerTrainConfig, batch_size: int = 16) -> None:
        from flipnet_bench.degrade import create_degradation

        self.hq = hq
        lq, _ = create_degradation("classic", preset=cfg.preset)(hq, list(range(len(hq))), seed=VAL_SEED)
        self.lq = lq.clamp(0, 1).mul(255).round().div(255)  # 8-bit, as a stored LQ face
        self.batch_size = batch_size
        self.baseline = self.scores(self.lq)

    def scores(self, pred: torch.Tensor) -> dict[str, float]:
        from flipnet_bench.metrics.functional.psnr_ssim import psnr
        from flipnet_bench.metrics.lpips import load_lpips

        pred = pred.clamp(0, 1).mul(255).round().div(255)
        lp = load_lpips("alex")
        with torch.no_grad():
            lpips = torch.cat([lp(p, h) for p, h in zip(pred.split(16), self.hq.split(16))])
        return {"psnr": float(psnr(pred, self.hq).mean()), "lpips": float(lpips.mean())}

    @torch.no_grad()
    def __call__(self, model: nn.Module) -> dict[str, float]:
        was_training = model.training
        model.eval()
        pred = torch.cat([model(x) for x in self.lq.split(self.batch_size)])
        model.train(was_training)
        return {k: round(v, 5) for k, v in self.scores(pred).items()}
