"""The regression restorer's gain over identity (docs/flipnet.md, "The regression restorer"): train it with
given settings (the defaults are the pipeline's recipe), restore held-out faces degraded by classic gfpgan
(seed 2024, the synthetic test set's recipe), score PSNR, SSIM and LPIPS at the evaluation size beside the
identity baseline, with the paired 95 % t interval of each per-image difference (restorer − identity).

    python benchmarks/restorer_gain.py --out out/exp-r/default
    python benchmarks/restorer_gain.py --out out/exp-r/l1 --loss l1
    python benchmarks/restorer_gain.py --out out/exp-r/of --pairs out/synth/flipnet --pair-fraction 0.5

Results append to ``OUT/../restorer_results.jsonl`` (one JSON row per run, with the wall and CPU seconds of
training).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from flipnet_ablate import write_set  # the same image writing as the FLIPNET ablations

from flipnet_bench.degrade import create_degradation
from flipnet_bench.io import list_images, read_image, to_tensor
from flipnet_bench.methods.restorer import RestorerMethod
from flipnet_bench.report.evaluate import score_restored
from flipnet_bench.stats.intervals import mean_interval
from flipnet_bench.train.restorer import RESTORER_LOSSES, RestorerTrainConfig, train_restorer

METRICS = ["psnr", "ssim", "lpips"]


def per_image(pred: Path, lq: Path, hq: Path, eval_size: int) -> dict[str, dict[str, float]]:
    """metric → image → value, scored as the pipeline scores (bicubic to ``eval_size`` first)."""
    return score_restored(pred, lq, hq, METRICS, eval_size)["per_image"]


def paired_rows(method: dict, identity: dict) -> dict[str, dict[str, float]]:
    """Per metric: both means, the mean difference, its paired 95 % t interval, and images improved."""
    rows = {}
    for m in METRICS:
        keys = sorted(identity[m])
        a = np.array([method[m][k] for k in keys])
        b = np.array([identity[m][k] for k in keys])
        low, high = mean_interval(a - b)
        better = (a > b) if m != "lpips" else (a < b)
        rows[m] = {
            "restorer": round(float(a.mean()), 4), "identity": round(float(b.mean()), 4),
            "diff": round(float((a - b).mean()), 4), "ci95": [round(low, 4), round(high, 4)],
            "better": int(better.sum()), "n": len(keys),
        }  # fmt: skip
    return rows


def subset_diff(scored: dict, identity_file: Path, subset: set[str], inside: bool) -> float:
    """Mean per-image PSNR difference (restorer − identity) over the faces in (or outside) ``subset``."""
    identity = json.loads(identity_file.read_text())["psnr"]
    keys = [k for k in identity if (k in subset) == inside]
    return round(float(np.mean([scored["psnr"][k] - identity[k] for k in keys])), 4)


def main() -> None:
    d = RestorerTrainConfig()  # the pipeline's recipe: one definition of every default
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--train-hq", type=Path, default=Path("data/default/hq/train"))
    ap.add_argument("--hq", type=Path, default=Path("data/default/hq/test"))
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--steps", type=int, default=d.steps)
    ap.add_argument("--lr", type=float, default=d.lr)
    ap.add_argument("--batch-size", type=int, default=d.batch_size)
    ap.add_argument("--crop", type=int, default=d.crop)
    ap.add_argument("--channels", type=int, nargs="+", default=list(d.channels))
    ap.add_argument("--blocks", type=int, default=d.blocks)
    ap.add_argument("--loss", choices=RESTORER_LOSSES, default=d.loss)
    ap.add_argument("--pairs", nargs="*", default=list(d.pair_dirs), help="stored pair folders (+O/F)")
    ap.add_argument("--pair-fraction", type=float, default=d.pair_fraction)
    ap.add_argument("--eval-size", type=int, default=256)
    args = ap.parse_args()
    cfg = RestorerTrainConfig(steps=args.steps, batch_size=args.batch_size, lr=args.lr, crop=args.crop,
                              channels=tuple(args.channels), blocks=args.blocks, loss=args.loss,
                              pair_dirs=tuple(args.pairs), pair_fraction=args.pair_fraction)  # fmt: skip
    t0, c0 = time.perf_counter(), time.process_time()
    train_restorer(args.train_hq, args.out, cfg)
    train_sec, train_cpu = time.perf_counter() - t0, time.process_time() - c0
    paths = list_images(args.hq)[: args.n]
    stems = [p.stem for p in paths]
    hq = to_tensor([read_image(p) for p in paths])
    lq, records = create_degradation("classic", preset="gfpgan")(hq, list(range(len(paths))), 2024)
    # gfpgan's LQ-only colour shift / jitter / grey: the faces a pooled loss lets dominate training
    coloured = {s for s, r in zip(stems, records) if r["color_shift"] or r["color_jitter"] or r["gray"]}
    pairs = args.out.parent / f"restorer-eval-{args.n}"
    lq_dir, hq_dir = write_set(pairs / "lq", lq, stems), write_set(pairs / "hq", hq, stems)
    identity_file = pairs / f"identity-per-image-{args.eval_size}.json"
    if not identity_file.is_file():
        identity_file.write_text(json.dumps(per_image(lq_dir, lq_dir, hq_dir, args.eval_size)))
    restored = write_set(args.out / "restored", RestorerMethod(args.out).restore(lq, stems, 0), stems)
    scored = per_image(restored, lq_dir, hq_dir, args.eval_size)
    (args.out / "per_image.json").write_text(json.dumps(scored))  # for paired comparisons between runs
    row = {
        "steps": args.steps, "lr": args.lr, "batch_size": args.batch_size, "crop": args.crop,
        "channels": args.channels, "blocks": args.blocks, "loss": args.loss,
        "pairs": args.pairs, "pair_fraction": args.pair_fraction, "train_sec": round(train_sec, 1),
        "train_cpu_sec": round(train_cpu, 1),  # one thread: ≈ the wall time on a quiet machine
        **paired_rows(scored, json.loads(identity_file.read_text())),
        "psnr_diff_colour_altered": subset_diff(scored, identity_file, coloured, True),
        "psnr_diff_colour_kept": subset_diff(scored, identity_file, coloured, False),
        "n_colour_altered": len(coloured),
    }  # fmt: skip
    print(json.dumps(row))
    with open(args.out.parent / "restorer_results.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
