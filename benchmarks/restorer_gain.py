"""The regression restorer's gain over identity (docs/flipnet.md, "Conditioning and sampling as published"):
train it with given settings, restore held-out faces degraded by classic gfpgan (seed 2024), score PSNR,
SSIM and LPIPS at the evaluation size beside the identity baseline.

    python benchmarks/restorer_gain.py --out out/exp-f/restorer-lr2e-3 --steps 600 --lr 2e-3

Results append to ``OUT/../restorer_results.jsonl`` (one JSON row per run, with the seconds of training).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from flipnet_ablate import scores, write_set  # the same scoring as the FLIPNET ablations

from flipnet_bench.degrade import create_degradation
from flipnet_bench.io import list_images, read_image, to_tensor
from flipnet_bench.methods.restorer import RestorerMethod
from flipnet_bench.train.restorer import RestorerTrainConfig, train_restorer

METRICS = ["psnr", "ssim", "lpips"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--train-hq", type=Path, default=Path("data/default/hq/train"))
    ap.add_argument("--hq", type=Path, default=Path("data/default/hq/test"))
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--crop", type=int, default=64)
    ap.add_argument("--channels", type=int, nargs="+", default=[16, 32, 64])
    ap.add_argument("--eval-size", type=int, default=256)
    args = ap.parse_args()
    cfg = RestorerTrainConfig(steps=args.steps, batch_size=args.batch_size, lr=args.lr, crop=args.crop,
                              channels=tuple(args.channels))  # fmt: skip
    t0 = time.perf_counter()
    train_restorer(args.train_hq, args.out, cfg)
    train_sec = time.perf_counter() - t0
    paths = list_images(args.hq)[: args.n]
    stems = [p.stem for p in paths]
    hq = to_tensor([read_image(p) for p in paths])
    lq, _ = create_degradation("classic", preset="gfpgan")(hq, list(range(len(paths))), 2024)
    pairs = args.out.parent / f"restorer-eval-{args.n}"
    lq_dir, hq_dir = write_set(pairs / "lq", lq, stems), write_set(pairs / "hq", hq, stems)
    identity = pairs / "identity.json"
    if not identity.is_file():
        identity.write_text(json.dumps(scores(lq_dir, lq_dir, hq_dir, args.eval_size, METRICS)))
    restored = RestorerMethod(args.out).restore(lq, stems, 0)
    row = {
        "steps": args.steps, "lr": args.lr, "batch_size": args.batch_size, "crop": args.crop,
        "channels": args.channels, "train_sec": round(train_sec, 1),
        **scores(write_set(args.out / "restored", restored, stems), lq_dir, hq_dir, args.eval_size, METRICS),
        "identity": json.loads(identity.read_text()),
    }  # fmt: skip
    print(json.dumps(row))
    with open(args.out.parent / "restorer_results.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
