"""Overfit check of a restorer architecture: train on a few fixed LQ/HQ pairs (classic gfpgan, seed 7) and
report their PSNR (Y, native size) against the LQ input's. A model and loss that learn at all drive it far
above the input; a model stuck near the input cannot fit even what it is shown (capacity or optimisation).

    OMP_NUM_THREADS=1 python scripts/restorer_overfit.py --arch unet --steps 400
    OMP_NUM_THREADS=1 python scripts/restorer_overfit.py --arch nafnet --steps 150
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict

import torch

from flipnet_bench.degrade import create_degradation
from flipnet_bench.io import list_images, read_image, to_tensor
from flipnet_bench.metrics.functional.psnr_ssim import psnr
from flipnet_bench.train.restorer import build_restorer, restorer_loss
from flipnet_bench.train.restorer_config import RESTORER_ARCHS, RestorerTrainConfig


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arch", choices=RESTORER_ARCHS, default="unet")
    ap.add_argument("--hq", default="data/default/hq/train")
    ap.add_argument("--n", type=int, default=8)
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    cfg = RestorerTrainConfig(arch=args.arch)
    hq = to_tensor([read_image(p) for p in list_images(args.hq)[: args.n]])
    lq, _ = create_degradation("classic", preset=cfg.preset)(hq, list(range(args.n)), seed=7)
    lq = lq.clamp(0, 1).mul(255).round().div(255)
    model = build_restorer(cfg.arch, cfg.channels, cfg.blocks, asdict(cfg.nafnet))
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    rows, t0 = [], time.perf_counter()
    for step in range(1, args.steps + 1):
        loss = restorer_loss(model(lq), hq, cfg.loss)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % max(1, args.steps // 4) == 0 or step == args.steps:
            with torch.no_grad():
                fit = float(psnr(model(lq).clamp(0, 1), hq).mean())
            rows.append({"step": step, "psnr": round(fit, 3), "sec": round(time.perf_counter() - t0, 1)})
            print(json.dumps(rows[-1]), flush=True)
    result = {"arch": args.arch, "n": args.n, "lq_psnr": round(float(psnr(lq, hq).mean()), 3), "curve": rows}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
