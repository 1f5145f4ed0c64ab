"""Does FLIPNET's degradation mode use its condition? x̂0 fidelity with the right clean image and with another.

    python scripts/flipnet_degrade_x0.py --checkpoint checkpoints/flipnet-tiny \
        --out benchmarks/results/flipnet_degrade_x0.jsonl

The degradation-mode twin of ``scripts/flipnet_diagnose.py locality --x0``: the one-step prediction of the
degraded target x̂0 at timesteps t, with the right clean condition (``right``) and with the clean
condition of another item of the batch (``swapped``), as PSNR against the target
(``flipnet_bench.models.flipnet.diagnostics.x0_fidelity``, mode DEGRADE). A model that ignores its
condition scores the same with both. Two kinds of pairs, at the model's resolution and native pixel scale
(no resizing):

- ``real_pairs``: ``--n`` random crops of the real clean/degraded natural-scene pairs (``--real-pairs``),
  drawn as the joint training draws them (``crop_pairs``);
- ``face_tiles``: the centre tile of ``--n`` full-size clean faces of ``--faces`` (the realism study's
  full-size HQ, drawn as the study draws them, seeded), degraded by the classic preset at native scale (the
  realism study's ``classic`` row) as the target.

One JSON row per call is appended to ``--out``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from flipnet_bench.degrade import create_degradation
from flipnet_bench.models.flipnet.checkpoint import load_flipnet
from flipnet_bench.models.flipnet.diagnostics import x0_fidelity
from flipnet_bench.models.flipnet.embedding import DEGRADE
from flipnet_bench.report.realism_features import centre_tiles, load_images
from flipnet_bench.train.flipnet import crop_pairs, load_real_pairs


@torch.no_grad()
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--out", type=Path, required=True, help="a .jsonl file (appended)")
    ap.add_argument("--real-pairs", type=Path, default=Path("data/default/real-pairs"))
    ap.add_argument("--faces", type=Path, default=Path("out/realism-512/realism/hq"))
    ap.add_argument("--n", type=int, default=16)
    ap.add_argument("--timesteps", type=int, nargs="+", default=[800, 500, 200])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = load_flipnet(args.checkpoint, device=torch.device("cpu")).eval()
    res = model.prior.config.resolution
    pairs = load_real_pairs(args.real_pairs, res)
    gt, lq = crop_pairs(pairs, args.n, res, torch.Generator().manual_seed(args.seed))
    hq = centre_tiles(load_images(args.faces, args.n, args.seed), res)
    lq_faces, _ = create_degradation("classic", pixel_scale=1.0)(hq, list(range(len(hq))), args.seed)

    def fidelity(target: torch.Tensor, cond: torch.Tensor) -> dict:
        gen = torch.Generator().manual_seed(args.seed + 1)
        return x0_fidelity(model, target, cond, DEGRADE, args.timesteps, gen)

    row = {
        "checkpoint": args.checkpoint,
        "resolution": res,
        "n": args.n,
        "real_pairs": fidelity(lq, gt),
        "face_tiles": fidelity(lq_faces, hq),
    }
    with args.out.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")
    print(json.dumps(row))


if __name__ == "__main__":
    main()
