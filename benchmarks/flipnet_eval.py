"""FLIPNET evaluation (docs/flipnet.md): restoration vs identity, degradation realism, DPM vs DDIM.

    python benchmarks/flipnet_eval.py baseline            # no checkpoint needed
    python benchmarks/flipnet_eval.py flipnet --checkpoint out/methods/flipnet
    python benchmarks/flipnet_eval.py prior               # docs/flipnet_prior_samples.png

1. held-out HQ faces (``--hq``, default the bundled test split) degraded by classic gfpgan (seed 2024);
2. FLIPNET restoration (DPM-Solver, ``--dpm-steps``) vs identity: LPIPS, PSNR, ids_dlib against HQ;
3. DPM-Solver (``--dpm-steps``) vs DDIM (``--ddim-steps``) on the first ``--ddim-n`` images: seconds per
   image, LPIPS;
4. degradation mode (K variants per HQ face) vs classic gfpgan (K variants): fd_niqe and FID against each
   real-world LQ set in ``--real-lq``;
5. grids ``docs/flipnet_restore.png`` (LQ | restored | HQ) and ``docs/flipnet_degrade.png`` (HQ | K variants).
Every image is brought to ``--eval-size``² (the pipeline's evaluation resize) before scoring.
Both phases merge their numbers into ``WORK/results.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from flipnet_bench.degrade import create_degradation
from flipnet_bench.degrade.base import variant_seed
from flipnet_bench.io import list_images, read_image, to_tensor, to_uint8, write_image, write_json
from flipnet_bench.methods.flipnet import FlipnetDegradation, FlipnetRestorer
from flipnet_bench.metrics.score import score_folders
from flipnet_bench.models.flipnet.params import FlipnetParams
from flipnet_bench.report.evaluate import resize_folder, score_restored


def write_set(folder: Path, images: torch.Tensor, stems: list[str]) -> Path:
    for img, stem in zip(to_uint8(images), stems):
        write_image(folder / f"{stem}.png", img)
    return folder


def grid(rows: list[list[torch.Tensor]], path: Path) -> None:
    """Rows of equally sized images → one PNG (2-px white gaps)."""
    h, w = rows[0][0].shape[-2:]
    cols = max(len(r) for r in rows)
    canvas = torch.ones(3, len(rows) * (h + 2), cols * (w + 2))
    for i, row in enumerate(rows):
        for j, img in enumerate(row):
            canvas[:, i * (h + 2) : i * (h + 2) + h, j * (w + 2) : j * (w + 2) + w] = img
    write_image(path, to_uint8(canvas))


def timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


def value(report: dict, name: str) -> float | None:
    return report["metrics"][name]["value"]


def prepare(args: argparse.Namespace) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """The held-out pairs (HQ, classic-gfpgan LQ with seed 2024), written once under WORK."""
    paths = list_images(args.hq)[: args.n]
    stems = [p.stem for p in paths]
    hq = to_tensor([read_image(p) for p in paths])
    lq, _ = create_degradation("classic", preset="gfpgan")(hq, list(range(len(paths))), 2024)
    write_set(args.work / "hq", hq, stems)
    write_set(args.work / "lq", lq, stems)
    return hq, lq, stems


def realism(args: argparse.Namespace, name: str, outs: list[torch.Tensor], stems: list[str]) -> dict:
    """fd_niqe and FID of one degradation model's K variants against every real-world LQ set."""
    work = args.work
    for k, out in enumerate(outs):
        write_set(work / "synth" / name, out, [f"{s}_v{k}" for s in stems])
    resize_folder(work / "synth" / name, work / "synth_eval" / name, args.eval_size)
    scores = {}
    for real in sorted(p for p in args.real_lq.iterdir() if p.is_dir()):
        ref = resize_folder(real, work / "real_eval" / name / real.name, args.eval_size)
        rep = score_folders(work / "synth_eval" / name, ref=ref, metrics=["fd_niqe", "fid"])
        scores[real.name] = {"fd_niqe": value(rep, "fd_niqe"), "fid": value(rep, "fid")}
    return scores


def baseline(args: argparse.Namespace, results: dict) -> None:
    """Everything that needs no FLIPNET checkpoint: identity scores and classic-gfpgan realism."""
    hq, lq, stems = prepare(args)
    rep = score_restored(args.work / "lq", args.work / "lq", args.work / "hq", METRICS, args.eval_size)
    results["restore_identity"] = {m: value(rep, m) for m in METRICS}
    gfpgan = create_degradation("classic", preset="gfpgan")
    idx = list(range(len(stems)))
    outs = [gfpgan(hq, idx, variant_seed(args.seed, k))[0] for k in range(args.k)]
    results["realism_classic_gfpgan"] = realism(args, "classic_gfpgan", outs, stems)


def flipnet(args: argparse.Namespace, results: dict) -> None:
    """FLIPNET restoration (DPM and DDIM) and degradation mode, scored like the baseline."""
    hq, lq, stems = prepare(args)
    work, n, tag = args.work, len(stems), args.tag
    dpm = FlipnetRestorer(
        checkpoint=args.checkpoint,
        scheduler="dpm",
        steps=args.dpm_steps,
        strength=args.strength,
        samples=args.samples,
    )
    restored, sec = timed(dpm.restore, lq, stems, args.seed)
    write_set(work / ("restored_dpm" + tag), restored, stems)
    rep = score_restored(work / ("restored_dpm" + tag), work / "lq", work / "hq", METRICS, args.eval_size)
    results["restore_flipnet" + tag] = {m: value(rep, m) for m in METRICS}
    results["restore_flipnet" + tag]["sec_per_image"] = sec / n
    grid([[lq[i], restored[i], hq[i]] for i in range(min(8, n))], args.docs / f"flipnet_restore{tag}.png")

    m = min(args.ddim_n, n)
    ddim = FlipnetRestorer(
        checkpoint=args.checkpoint,
        scheduler="ddim",
        steps=args.ddim_steps,
        strength=args.strength,
        samples=args.samples,
    )
    restored_ddim, sec_ddim = timed(ddim.restore, lq[:m], stems[:m], args.seed)
    _, sec_dpm_m = timed(dpm.restore, lq[:m], stems[:m], args.seed)
    write_set(work / ("restored_ddim" + tag), restored_ddim, stems[:m])
    write_set(work / ("restored_dpm_subset" + tag), restored[:m], stems[:m])
    lp = {}
    for name in ("restored_ddim", "restored_dpm_subset"):
        lp[name] = value(
            score_restored(work / (name + tag), work / "lq", work / "hq", ["lpips"], args.eval_size), "lpips"
        )
    results["dpm_vs_ddim" + tag] = {
        "n": m,
        "dpm_steps": args.dpm_steps,
        "ddim_steps": args.ddim_steps,
        "dpm_sec_per_image": sec_dpm_m / m,
        "ddim_sec_per_image": sec_ddim / m,
        "lpips_dpm": lp["restored_dpm_subset"],
        "lpips_ddim": lp["restored_ddim"],
    }

    flip = FlipnetDegradation(
        checkpoint=args.checkpoint, scheduler="dpm", steps=args.dpm_steps, strength=args.strength
    )
    idx = list(range(n))
    outs = [flip(hq, idx, variant_seed(args.seed, k))[0] for k in range(args.k)]
    grid([[hq[i], *[o[i] for o in outs]] for i in range(min(8, n))], args.docs / f"flipnet_degrade{tag}.png")
    results["realism_flipnet" + tag] = realism(args, "flipnet" + tag, outs, stems)


METRICS = ["lpips", "psnr", "ids_dlib"]


def prior_samples(args: argparse.Namespace, results: dict) -> None:
    """Unconditional samples of the shipped prior (DDIM, 50 steps) → docs/flipnet_prior_samples.png."""
    from flipnet_bench.models.flipnet.pipeline import prior_sample
    from flipnet_bench.models.flipnet.prior import load_prior
    from flipnet_bench.train.common import item_generator

    prior = load_prior(args.prior).eval()
    gens = [item_generator(args.seed, "prior", i) for i in range(16)]
    images, sec = timed(prior_sample, prior, gens, "ddim", 50)
    grid([list(images[i : i + 8]) for i in (0, 8)], args.docs / "flipnet_prior_samples.png")
    results["prior_samples"] = {"n": 16, "ddim_steps": 50, "sec_per_image": sec / 16}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("phase", choices=["baseline", "flipnet", "prior"])
    ap.add_argument("--prior", default="checkpoints/prior-tiny")
    ap.add_argument("--checkpoint", default="out/methods/flipnet")
    ap.add_argument("--hq", type=Path, default=Path("data/default/hq/test"))
    ap.add_argument("--real-lq", type=Path, default=Path("data/default/real-lq"))
    ap.add_argument("--work", type=Path, default=Path("out/flipnet-eval"))
    ap.add_argument("--n", type=int, default=64, help="held-out HQ faces used")
    ap.add_argument("--k", type=int, default=2, help="degradation variants per HQ face")
    ap.add_argument("--dpm-steps", type=int, default=FlipnetParams.sample_steps)
    ap.add_argument("--ddim-steps", type=int, default=50)
    ap.add_argument("--ddim-n", type=int, default=8)
    ap.add_argument("--eval-size", type=int, default=256)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--strength", type=float, default=1.0, help="sampling strength (1 = from pure noise)")
    ap.add_argument("--samples", type=int, default=1, help="restoration = mean of this many samples")
    ap.add_argument("--tag", default="", help="suffix of the result keys and grid names (compare settings)")
    ap.add_argument("--docs", type=Path, default=Path("docs"))
    args = ap.parse_args()
    path = args.work / "results.json"
    results = json.loads(path.read_text()) if path.is_file() else {}
    results.update({"n": args.n, "k": args.k, "eval_size": args.eval_size})
    if args.phase == "baseline":
        baseline(args, results)
    elif args.phase == "prior":
        prior_samples(args, results)
    else:
        results["checkpoint"] = args.checkpoint
        results["strength" + args.tag] = args.strength
        results["samples" + args.tag] = args.samples
        flipnet(args, results)
    latest = (
        json.loads(path.read_text()) if path.is_file() else {}
    )  # another phase may have finished meanwhile
    write_json(path, {**latest, **results})
    print(json.dumps({**latest, **results}, indent=2))


if __name__ == "__main__":
    main()
