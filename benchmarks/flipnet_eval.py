"""FLIPNET evaluation (docs/sections/flipnet.md): restoration vs identity, degradation realism, DPM vs DDIM.

    python benchmarks/flipnet_eval.py --checkpoint out/methods/flipnet --work out/flipnet-eval

1. held-out HQ faces (``--hq``, default the bundled test split) degraded by classic gfpgan (seed 2024);
2. FLIPNET restoration (DPM-Solver, ``--dpm-steps``) vs identity: LPIPS, PSNR, ids_dlib against HQ;
3. DPM-Solver (20 steps) vs DDIM (50 steps) on the first ``--ddim-n`` images: seconds per image, LPIPS;
4. degradation mode (K variants per HQ face) vs classic gfpgan (K variants): fd_niqe and FID against each
   real-world LQ set in ``--real-lq``;
5. grids ``docs/flipnet_restore.png`` (LQ | restored | HQ) and ``docs/flipnet_degrade.png`` (HQ | K variants).
Every image is brought to ``--eval-size``² (the pipeline's evaluation resize) before scoring.
Writes ``WORK/results.json`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from flipnet_bench.degrade import create_degradation
from flipnet_bench.degrade.base import variant_seed
from flipnet_bench.io import list_images, read_image, to_tensor, to_uint8, write_image, write_json
from flipnet_bench.methods.flipnet import FlipnetDegradation, FlipnetRestorer
from flipnet_bench.metrics.score import score_folders
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", default="out/methods/flipnet")
    ap.add_argument("--hq", type=Path, default=Path("data/default/hq/test"))
    ap.add_argument("--real-lq", type=Path, default=Path("data/default/real-lq"))
    ap.add_argument("--work", type=Path, default=Path("out/flipnet-eval"))
    ap.add_argument("--n", type=int, default=64, help="held-out HQ faces used")
    ap.add_argument("--k", type=int, default=2, help="degradation variants per HQ face")
    ap.add_argument("--dpm-steps", type=int, default=20)
    ap.add_argument("--ddim-steps", type=int, default=50)
    ap.add_argument("--ddim-n", type=int, default=8)
    ap.add_argument("--eval-size", type=int, default=256)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--docs", type=Path, default=Path("docs"))
    args = ap.parse_args()
    work = args.work
    paths = list_images(args.hq)[: args.n]
    stems = [p.stem for p in paths]
    hq = to_tensor([read_image(p) for p in paths])
    gfpgan = create_degradation("classic", preset="gfpgan")
    lq, _ = gfpgan(hq, list(range(len(paths))), 2024)
    write_set(work / "hq", hq, stems)
    write_set(work / "lq", lq, stems)
    results: dict = {"n": len(paths), "k": args.k, "checkpoint": args.checkpoint, "eval_size": args.eval_size}

    # -- restoration ---------------------------------------------------------------------------------------
    dpm = FlipnetRestorer(checkpoint=args.checkpoint, scheduler="dpm", steps=args.dpm_steps)
    restored, sec = timed(dpm.restore, lq, stems, args.seed)
    write_set(work / "restored_dpm", restored, stems)
    results["dpm_sec_per_image"] = sec / len(paths)
    metrics = ["lpips", "psnr", "ids_dlib"]
    for name, folder in (("identity", work / "lq"), ("flipnet", work / "restored_dpm")):
        rep = score_restored(folder, work / "lq", work / "hq", metrics, args.eval_size)
        results[f"restore_{name}"] = {m: value(rep, m) for m in metrics}
    grid([[lq[i], restored[i], hq[i]] for i in range(min(8, len(paths)))], args.docs / "flipnet_restore.png")

    # -- DPM-Solver vs DDIM ----------------------------------------------------------------------------------
    m = min(args.ddim_n, len(paths))
    ddim = FlipnetRestorer(checkpoint=args.checkpoint, scheduler="ddim", steps=args.ddim_steps)
    restored_ddim, sec_ddim = timed(ddim.restore, lq[:m], stems[:m], args.seed)
    _, sec_dpm_m = timed(dpm.restore, lq[:m], stems[:m], args.seed)
    write_set(work / "restored_ddim", restored_ddim, stems[:m])
    write_set(work / "restored_dpm_subset", restored[:m], stems[:m])
    lp = {}
    for name in ("restored_ddim", "restored_dpm_subset"):
        rep = score_restored(work / name, work / "lq", work / "hq", ["lpips"], args.eval_size)
        lp[name] = value(rep, "lpips")
    results["dpm_vs_ddim"] = {
        "n": m,
        "dpm_steps": args.dpm_steps,
        "ddim_steps": args.ddim_steps,
        "dpm_sec_per_image": sec_dpm_m / m,
        "ddim_sec_per_image": sec_ddim / m,
        "lpips_dpm": lp["restored_dpm_subset"],
        "lpips_ddim": lp["restored_ddim"],
    }

    # -- degradation mode vs classic gfpgan ------------------------------------------------------------------
    flip = FlipnetDegradation(checkpoint=args.checkpoint, scheduler="dpm", steps=args.dpm_steps)
    variants = {"flipnet": [], "classic_gfpgan": []}
    for k in range(args.k):
        seed_k = variant_seed(args.seed, k)
        idx = list(range(len(paths)))
        variants["flipnet"].append(flip(hq, idx, seed_k)[0])
        variants["classic_gfpgan"].append(gfpgan(hq, idx, seed_k)[0])
    for name, outs in variants.items():
        for k, out in enumerate(outs):
            write_set(work / "synth" / name, out, [f"{s}_v{k}" for s in stems])
        resize_folder(work / "synth" / name, work / "synth_eval" / name, args.eval_size)
    grid(
        [[hq[i], *[v[i] for v in variants["flipnet"]]] for i in range(min(8, len(paths)))],
        args.docs / "flipnet_degrade.png",
    )
    realism: dict = {}
    for real in sorted(p for p in args.real_lq.iterdir() if p.is_dir()):
        ref = resize_folder(real, work / "real_eval" / real.name, args.eval_size)
        realism[real.name] = {}
        for name in variants:
            rep = score_folders(work / "synth_eval" / name, ref=ref, metrics=["fd_niqe", "fid"])
            realism[real.name][name] = {"fd_niqe": value(rep, "fd_niqe"), "fid": value(rep, "fid")}
    results["realism"] = realism
    write_json(work / "results.json", json.loads(json.dumps(results, default=float)))
    print(json.dumps(results, indent=2, default=float))
    _ = np  # numpy kept for callers extending the script


if __name__ == "__main__":
    main()
