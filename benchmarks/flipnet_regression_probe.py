"""How near FLIPNET's one-pass estimate of E[HQ | LQ] can get: its restoration mode trained at t = T only.

    python benchmarks/flipnet_regression_probe.py \
        --base checkpoints/flipnet-tiny-latent-zsnr-r64-restoration --trainable adapters \
        --steps 0 250 500 1000 --out out/probe/adapters

For a zero-terminal-SNR model the noisy target at t = T holds nothing of the face, so the network's one-pass
prediction there (x̂0, one DDIM step from pure noise) is a plain regression of the HQ face from the LQ input,
through the condition stream, BoostHub and the embedding tokens. A sample's error is mostly its posterior
mean's (``flipnet_sample_spread.py``); this probe asks how good that estimate can get when every step trains
it: the restoration loss of ``train restoration`` (the same online "+O" pairs, batch, learning rate, λ's and
seed) with every pair's timestep set to T − 1 instead of drawn over the schedule.

``--trainable adapters`` trains what FLIPNET trains (LoRA, BoostHub, the embedding adapter and mode tokens);
``unet`` also every weight of the prior's UNet (the ``finetune_unet`` option; the autoencoder stays frozen:
it is the output's ceiling either way). ``--arch key=value`` sets weight-free architecture options on the
base first, as ``train restoration --arch`` does (e.g. another BoostHub window). ``--timesteps all`` draws
the timesteps over the schedule as training does (the control: the same parts trained by the plain
restoration loss).

After each length in ``--steps`` (the run continues on ``--out``; its state is saved there) the one-pass
predictions of the 64 held-out faces of ``data.synthetic_test`` are written to ``OUT/one-pass-N/`` and
scored with the project's scorer at ``evaluate.eval_size``; length 0 is the base. One JSON row per length
is appended to ``--record``; with ``--sample`` it also holds the scores of one sample drawn as published
(from noise, ``flipnet.scheduler`` with ``flipnet.sample_steps``, ``OUT/sample-N/``), to see whether a
better estimate at t = T makes a better sample.

``--ceiling`` instead writes ``OUT/round-trip-hq/``, the held-out HQ faces encoded and decoded by the
base's autoencoder (what a perfect latent estimate would give), and ``OUT/round-trip-lq/``, their LQ inputs
the same way (what the condition stream's latent keeps of the face, as the decoder reads it), and records
the scores of each against the HQ as one row.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from flipnet_bench.config import load_section, parse_assignments
from flipnet_bench.io import list_images, read_image, to_tensor, to_uint8, write_image
from flipnet_bench.methods.flipnet import FlipnetRestorer
from flipnet_bench.methods.run import restore_folder
from flipnet_bench.models.flipnet.embedding import RESTORE
from flipnet_bench.report.evaluate import score_restored
from flipnet_bench.train.common import LoopConfig, load_faces, resize_square, run_loop, sample_batch
from flipnet_bench.train.flipnet import DATA_RESOLUTION, load_base
from flipnet_bench.train.losses import OnlineDegrader, perceptual_fn

METRICS = ["lpips", "psnr", "ssim", "ids_dlib"]
TRAINABLE = ("adapters", "unet")


def _record(path: Path, row: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")
    print(json.dumps(row), flush=True)


@torch.no_grad()
def _round_trip(model, src: Path, gt_dir: Path, lq_dir: Path, out: Path, name: str, eval_size: int) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    for path in list_images(src):
        img = model.prior.decode(model.prior.encode(to_tensor([read_image(path)]))).clamp(0, 1)
        write_image(out / f"{path.stem}.png", to_uint8(img[0]))
    rep = score_restored(out, lq_dir, gt_dir, METRICS, eval_size)
    scores = {m: rep["metrics"][m]["value"] for m in METRICS}
    when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    return {"row": f"autoencoder round trip of the {name}", **scores, "when": when}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True, help="a FLIPNET checkpoint folder to start from")
    ap.add_argument("--trainable", choices=TRAINABLE, default="adapters")
    ap.add_argument("--steps", type=int, nargs="+", required=True, help="lengths to score (ascending)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--hq", type=Path, default=Path("data/default/hq/train"))
    ap.add_argument("--record", type=Path, default=Path("benchmarks/results/flipnet_regression_probe.jsonl"))
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--timesteps", choices=("T", "all"), default="T", help="all: drawn as in training")
    ap.add_argument("--arch", nargs="*", default=[], help="weight-free options, e.g. boosthub_window=1")
    ap.add_argument("--sample", action="store_true", help="also score one sample drawn as published")
    ap.add_argument("--ceiling", action="store_true", help="score the autoencoder's round trip of the HQ")
    args = ap.parse_args()
    if args.steps != sorted(args.steps) or args.steps[0] < 0:
        raise SystemExit("--steps: non-negative lengths in ascending order")
    if args.threads:
        torch.set_num_threads(args.threads)
    data, ev, params = load_section("data"), load_section("evaluate"), load_section("flipnet")
    lq_dir, gt_dir = Path(data.synthetic_test) / "lq", Path(data.hq_test)
    arch = parse_assignments(args.arch, "--arch")
    if args.trainable == "unet":  # the prior's UNet trained too: the flipnet.finetune_unet option
        arch["finetune_unet"] = True
    model = load_base(args.base, params, arch or None)
    if args.ceiling:
        for name, src in (("HQ", gt_dir), ("LQ", lq_dir)):
            out = args.out / f"round-trip-{name.lower()}"
            _record(args.record, _round_trip(model, src, gt_dir, lq_dir, out, name, ev.eval_size))
        return
    n_trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    res = model.prior.config.resolution
    last_t = model.prior.noise_scheduler().config.num_train_timesteps - 1
    hq = load_faces(args.hq, DATA_RESOLUTION, desc="HQ faces")
    degrader = OnlineDegrader(params.train_preset, params.seed)
    perceptual = perceptual_fn(params.perceptual, torch.device("cpu"))
    n = params.batch_size

    def step_fn(m, step: int, gen: torch.Generator) -> dict[str, torch.Tensor]:
        h = sample_batch(hq, n, gen)
        lq, h = resize_square(degrader(h, step), res), resize_square(h, res)
        t = torch.full((n,), last_t, dtype=torch.long) if args.timesteps == "T" else None
        return m.losses(h, lq, RESTORE, gen, params.lambda_mse, params.lambda_perceptual, perceptual, t=t)

    one_pass = FlipnetRestorer(checkpoint=str(args.base), params=params, scheduler="ddim", steps=1)
    one_pass.sampler.model = model
    published = FlipnetRestorer(checkpoint=str(args.base), params=params, samples=1)
    published.sampler.model = model
    for steps in args.steps:
        t0 = time.time()
        if steps > 0:
            what = f"probe ({args.trainable}, t: {args.timesteps})"
            cfg = LoopConfig(
                args.out, steps, params.lr, params.seed, params.warmup, params.save_every, desc=what
            )
            result = run_loop(cfg, model, step_fn)
            if not result.finished:
                raise SystemExit("training stopped early; re-run the same command to resume")
            if result.step != steps:
                raise SystemExit(f"{args.out}: a run at step {result.step}, past {steps}; use a new --out")
        train_s = time.time() - t0
        model.eval()
        folder = args.out / f"one-pass-{steps}"
        with torch.no_grad():
            restore_folder(one_pass, lq_dir, folder, seed=0, overwrite=True, progress=False)
        rep = score_restored(folder, lq_dir, gt_dir, METRICS, ev.eval_size)
        extra = {}
        if args.sample:
            folder = args.out / f"sample-{steps}"
            with torch.no_grad():
                restore_folder(published, lq_dir, folder, seed=0, overwrite=True, progress=False)
            drawn = score_restored(folder, lq_dir, gt_dir, METRICS, ev.eval_size)
            extra["sample"] = {m: drawn["metrics"][m]["value"] for m in METRICS}
        row = {
            "base": str(args.base),
            "trainable": args.trainable,
            "trainable_params": n_trainable,
            "arch": args.arch,
            "timesteps": args.timesteps,
            "steps": steps,
            **{m: rep["metrics"][m]["value"] for m in METRICS},
            **extra,
            "train_s": round(train_s, 1),
            "threads": torch.get_num_threads(),
            "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        }
        _record(args.record, row)


if __name__ == "__main__":
    main()
