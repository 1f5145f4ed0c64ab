"""FLIPNET conditioning ablations (docs/flipnet.md, "Conditioning and sampling as published"): short runs,
scored from pure noise with one sample on held-out faces, at several training steps.

    python benchmarks/flipnet_ablate.py --embedding out/exp-f/embedding --out out/exp-f/clean \
        --cond-noise clean --steps 50 100 150 --degrade-prob 0

Each ``--steps`` value trains the same run further (training resumes from ``--out``; a step's randomness
depends only on (seed, step), so stopping at 50 and resuming to 100 gives the 100-step weights), then restores
the first ``--n`` faces of ``--hq`` degraded by classic gfpgan (seed 2024) and scores LPIPS, PSNR, SSIM and
ids_dlib at ``--eval-size``² (the pipeline's evaluation resize), beside the identity baseline on the same
faces.
Attention statistic: mean over BoostHub layers and sampling steps of ‖BoostHub output‖ / ‖self-attention
output‖ on the target stream. ``--no-embedding`` ablates the face embedding (the adapter's tokens are left
out of the context at train and sample time; the mode token stays). Results append to ``OUT/results.jsonl``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import torch

from flipnet_bench.config import load_section
from flipnet_bench.degrade import create_degradation
from flipnet_bench.errors import BenchError
from flipnet_bench.io import list_images, read_image, to_tensor, to_uint8, write_image
from flipnet_bench.models.flipnet.boosthub import BoostHubProcessor
from flipnet_bench.models.flipnet.checkpoint import FLIPNET_CONFIG, load_flipnet
from flipnet_bench.models.flipnet.embedding import RESTORE
from flipnet_bench.models.flipnet.model import Flipnet
from flipnet_bench.models.flipnet.params import FlipnetParams
from flipnet_bench.models.flipnet.pipeline import flip_sample
from flipnet_bench.report.evaluate import score_restored
from flipnet_bench.train.common import item_generator
from flipnet_bench.train.flipnet import train_flipnet_folder

METRICS = ["lpips", "psnr", "ssim", "ids_dlib"]


def write_set(folder: Path, images: torch.Tensor, stems: list[str]) -> Path:
    for img, stem in zip(to_uint8(images), stems):
        write_image(folder / f"{stem}.png", img)
    return folder


def scores(pred: Path, lq: Path, hq: Path, eval_size: int, metrics: list[str] = METRICS) -> dict[str, float]:
    rep = score_restored(pred, lq, hq, metrics, eval_size)
    return {m: rep["metrics"][m]["value"] for m in metrics}


def without_embedding(model: Flipnet, cond_images: torch.Tensor, mode: int) -> torch.Tensor:
    """Context of the embedding ablation: the prior's null context + the mode token only."""
    n = cond_images.shape[0]
    modes = torch.full((n,), mode, dtype=torch.long, device=cond_images.device)
    return model.prior.context(n) + model.adapter.mode(modes).view(n, *model.prior.null_context.shape[1:])


class AttentionRatio:
    """Records ‖BoostHub(x, y)‖ / ‖self-attention(x)‖ on the target half at every BoostHub call."""

    def __init__(self, model: Flipnet) -> None:
        self.ratios: list[float] = []
        for proc in model.prior.unet.attn_processors.values():
            if isinstance(proc, BoostHubProcessor):
                self._wrap(proc)

    def _wrap(self, proc: BoostHubProcessor) -> None:
        base, boost, last = proc.base, proc.boost, {}

        def base_call(attn, hidden, *args, **kwargs):
            out = base(attn, hidden, *args, **kwargs)
            last["self"] = out[: out.shape[0] // 2].norm().item()
            return out

        def boost_call(x, y):
            out = boost(x, y)
            self.ratios.append(out.norm().item() / max(last.get("self", 0.0), 1e-12))
            return out

        proc.base, proc.boost = base_call, boost_call

    def mean(self) -> float:
        return sum(self.ratios) / max(len(self.ratios), 1)


def prepare(args: argparse.Namespace) -> tuple[torch.Tensor, list[str], Path, Path]:
    paths = list_images(args.hq)[: args.n]
    stems = [p.stem for p in paths]
    hq = to_tensor([read_image(p) for p in paths])
    lq, _ = create_degradation("classic", preset="gfpgan")(hq, list(range(len(paths))), 2024)
    pairs = args.out.parent / f"eval-pairs-{args.n}"
    return lq, stems, write_set(pairs / "lq", lq, stems), write_set(pairs / "hq", hq, stems)


def check_steps(folder: Path, steps: int) -> None:
    """A row's step label must be the checkpoint's: ``--eval-only`` scores whatever ``--out`` holds."""
    trained = json.loads((folder / FLIPNET_CONFIG).read_text(encoding="utf-8")).get("trained_steps")
    if trained != steps:
        raise BenchError(f"{folder / FLIPNET_CONFIG}: trained_steps is {trained}, not --steps {steps}")


def evaluate(args: argparse.Namespace, step: int, lq: torch.Tensor, stems: list[str], lq_dir, hq_dir) -> dict:
    model = load_flipnet(args.out)
    stats = AttentionRatio(model)
    t0 = time.perf_counter()
    total = torch.zeros_like(lq)
    for k in range(args.samples):
        gens = [item_generator(args.seed, "restore", s, *(() if k == 0 else (k,))) for s in stems]
        total += flip_sample(model, lq, RESTORE, gens, "dpm", args.sample_steps, strength=args.strength)
    sec = (time.perf_counter() - t0) / len(stems)
    name = f"restored-{step}-s{args.strength}-k{args.samples}"
    pred = write_set(args.out / name, total / args.samples, stems)
    return {
        "step": step,
        "strength": args.strength,
        "samples": args.samples,
        **scores(pred, lq_dir, hq_dir, args.eval_size),
        "boosthub_ratio": stats.mean(),
        "sec_per_image": sec,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--params", type=Path, default=Path("params.yaml"), help="base flipnet: section")
    ap.add_argument("--embedding", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--hq", type=Path, default=Path("data/default/hq/test"))
    ap.add_argument("--train-hq", type=Path, default=Path("data/default/hq/train"))
    ap.add_argument("--real-pairs", type=Path, default=Path("data/default/real-pairs"))
    ap.add_argument("--steps", type=int, nargs="+", default=[150])
    ap.add_argument("--cond-noise", choices=["clean", "tied", "low"], default=None)
    ap.add_argument("--cond-low-t", type=int, default=None)
    ap.add_argument("--phi", type=float, default=None, help="BoostHub scale; 0 = BoostHub off")
    ap.add_argument("--degrade-prob", type=float, default=None)
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--no-embedding", action="store_true")
    ap.add_argument("--eval-only", action="store_true", help="score the checkpoint in --out as it is")
    ap.add_argument("--n", type=int, default=16)
    ap.add_argument("--strength", type=float, default=1.0)
    ap.add_argument("--samples", type=int, default=1)
    ap.add_argument("--sample-steps", type=int, default=None, help="default: flipnet.sample_steps")
    ap.add_argument("--eval-size", type=int, default=256)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    base: FlipnetParams = load_section("flipnet", args.params)
    if args.sample_steps is None:
        args.sample_steps = base.sample_steps
    changes = {
        k: v
        for k, v in {
            "cond_noise": args.cond_noise,
            "cond_low_t": args.cond_low_t,
            "phi": args.phi,
            "degrade_prob": args.degrade_prob,
            "lr": args.lr,
        }.items()
        if v is not None
    }
    if args.no_embedding:
        Flipnet.context = without_embedding
    lq, stems, lq_dir, hq_dir = prepare(args)
    identity = args.out.parent / f"identity-{args.n}.json"
    if not identity.is_file():
        identity.write_text(json.dumps(scores(lq_dir, lq_dir, hq_dir, args.eval_size)))
    print("identity", identity.read_text())
    for steps in args.steps:
        params = dataclasses.replace(base, steps=steps, save_every=min(base.save_every, steps), **changes)
        if not args.eval_only:
            # the pipeline stage's entry point: same inputs as `train-flipnet`, writes params.json
            train_flipnet_folder(args.embedding, args.train_hq, args.out, params, real_pairs=args.real_pairs)
        check_steps(args.out, steps)
        result = evaluate(args, steps, lq, stems, lq_dir, hq_dir)
        row = {**changes, "no_embedding": args.no_embedding, **result}
        print(json.dumps(row))
        with open(args.out / "results.jsonl", "a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
