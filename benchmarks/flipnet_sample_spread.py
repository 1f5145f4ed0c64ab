"""Where a single FLIPNET restoration loses its PSNR: the posterior mean's error against the samples' spread.

    python benchmarks/flipnet_sample_spread.py --checkpoint checkpoints/flipnet-tiny-latent-zsnr-restoration \
        --samples 8 --out out/spread --label "flipnet.restoration.init"

Restores the fixed synthetic test set (``data.synthetic_test``, 64 held-out faces) ``--samples`` times with
one checkpoint and the default sampler (from pure noise, DPM-Solver++ ``flipnet.sample_steps``), sample k of a
face drawn from the generator the posterior-mean option gives it ((seed, key) for k = 0, (seed, key, k)
after), so sample 0 is the published single sample and the mean of the first K is ``restore_samples: K``
up to 8-bit rounding. It writes ``OUT/sample-k/`` and ``OUT/mean-K/`` (K = 2, 4, 8, … up to ``--samples``)
and scores each with the project's scorer at ``evaluate.eval_size``, beside ``OUT/one-pass/``: one DDIM step
from pure noise, i.e. the network's one-pass prediction x̂0 at t = T, which for a zero-terminal-SNR model is
its direct estimate of the posterior mean E[HQ | LQ] (the noise carries nothing of the face there).

The split of a single sample's squared error (``flipnet_bench.stats.spread.posterior_split``: RGB in [0, 1]
of the written 8-bit samples at the faces' own 128², over all pixels of the set): ``mse_sample`` (one sample),
``mse_mean_inf`` (the checkpoint's own posterior mean, K → ∞) and ``spread`` (the samples' variance), with
``mse_sample`` = ``mse_mean_inf`` + ``spread``; each also in dB (10 log10 of 1 / MSE). One JSON row per call
is appended to ``--record``.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

import torch

from flipnet_bench.config import load_section
from flipnet_bench.io import list_images, read_image, to_tensor, write_image
from flipnet_bench.methods.flipnet import FlipnetRestorer
from flipnet_bench.methods.run import restore_folder
from flipnet_bench.models.flipnet.embedding import RESTORE
from flipnet_bench.report.evaluate import score_restored
from flipnet_bench.stats.spread import posterior_split
from flipnet_bench.train.common import item_generator

METRICS = ["lpips", "psnr", "ssim", "ids_dlib"]


class KthSample(FlipnetRestorer):
    """Sample ``k`` of each face alone, with the generator ``restore_samples`` gives that sample."""

    k = 0

    def restore(self, lq: torch.Tensor, keys: list[str], seed: int) -> torch.Tensor:
        extra = () if self.k == 0 else (self.k,)
        gens = [item_generator(seed, "restore", key, *extra) for key in keys]
        return self.sampler.sample(lq, RESTORE, gens)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "sample_index": self.k}


def _stack(folder: Path, stems: list[str]) -> torch.Tensor:
    return to_tensor([read_image(folder / f"{s}.png") for s in stems])


def _db(mse: float) -> float:
    return 10 * math.log10(1 / mse)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", type=Path, required=True)
    ap.add_argument("--samples", type=int, default=8)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--label", required=True, help="the checkpoint's name in the table")
    ap.add_argument("--record", type=Path, default=Path("benchmarks/results/flipnet_sample_spread.jsonl"))
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    if args.samples < 2:
        raise SystemExit("--samples: at least 2 (the spread needs two samples)")
    if args.threads:
        torch.set_num_threads(args.threads)
    data, ev = load_section("data"), load_section("evaluate")
    params = load_section("flipnet")
    lq_dir, gt_dir = Path(data.synthetic_test) / "lq", Path(data.hq_test)
    stems = [p.stem for p in list_images(lq_dir)]
    method = KthSample(checkpoint=str(args.checkpoint), params=params, samples=1)
    t0 = time.time()
    for k in range(args.samples):
        method.k = k
        restore_folder(method, lq_dir, args.out / f"sample-{k}", seed=0, overwrite=True, progress=False)
    restore_s = time.time() - t0
    one_pass = FlipnetRestorer(checkpoint=str(args.checkpoint), params=params, scheduler="ddim", steps=1)
    restore_folder(one_pass, lq_dir, args.out / "one-pass", seed=0, overwrite=True, progress=False)
    samples = torch.stack([_stack(args.out / f"sample-{k}", stems) for k in range(args.samples)])
    hq = to_tensor([read_image(next(gt_dir.glob(f"{s}.*"))) for s in stems])
    if hq.shape[-2:] != samples.shape[-2:]:
        raise SystemExit(f"{gt_dir}: HQ size {tuple(hq.shape[-2:])} is not the restorations' size")
    scores: dict[str, dict[str, float]] = {}
    means = [m for m in (2, 4, 8, 16, 32) if m <= args.samples]
    for m in means:
        folder = args.out / f"mean-{m}"
        folder.mkdir(parents=True, exist_ok=True)
        for stem, img in zip(stems, samples[:m].mean(0)):
            write_image(folder / f"{stem}.png", (img.permute(1, 2, 0) * 255).round().to(torch.uint8).numpy())
    for name in [f"sample-{k}" for k in range(args.samples)] + [f"mean-{m}" for m in means] + ["one-pass"]:
        rep = score_restored(args.out / name, lq_dir, gt_dir, METRICS, ev.eval_size)
        scores[name] = {m: rep["metrics"][m]["value"] for m in METRICS}
    single = {m: sum(scores[f"sample-{k}"][m] for k in range(args.samples)) / args.samples for m in METRICS}
    parts = posterior_split(samples, hq)
    row = {
        "checkpoint": str(args.checkpoint),
        "label": args.label,
        "samples": args.samples,
        "scheduler": params.scheduler,
        "sample_steps": params.sample_steps,
        "sample_0": scores["sample-0"],
        "single_mean_over_seeds": single,
        "means": {str(m): scores[f"mean-{m}"] for m in means},
        "one_pass": scores["one-pass"],
        **parts,
        **{f"{k}_db": _db(v) for k, v in parts.items()},
        "restore_s_per_image": round(restore_s / (len(stems) * args.samples), 3),
        "threads": torch.get_num_threads(),
        "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    }
    args.record.parent.mkdir(parents=True, exist_ok=True)
    with args.record.open("a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")
    print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
