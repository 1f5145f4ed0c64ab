"""FLIPNET restoration mode over training steps, on held-out faces (docs/flipnet.md, "Held-out curve").

    python benchmarks/flipnet_curve.py --out out/flipnet-curve --steps 500 1000 2000 4000

Continues the joint model ``flipnet.base`` (or ``--base DIR``) in restoration mode on "+O" pairs (classic
pairs made online from ``data.hq_train``) with ``train_restoration_folder``, the function behind
`flipnet-bench train restoration` and the pipeline's train-flipnet-o stage, and params.yaml's ``flipnet:``
settings with only ``restoration.steps`` set per row. Each ``--steps`` value trains the same run further
(``OUT/model`` resumes; a step's randomness depends only on (seed, step), so stopping at 500 and resuming to
1000 gives the 1000-step weights). At every value the checkpoint restores the fixed synthetic test set
(``data.synthetic_test``: 64 held-out faces, LQ bytes shipped) with the default sampler (from pure noise,
one sample, the flipnet: sampling keys) through ``restore_folder``, and is scored at ``evaluate.eval_size``
by ``score_restored``, beside the LQ input itself. Rows append to ``OUT/curve.jsonl``; the checkpoint of
each row is kept as ``OUT/ckpt-<steps>/`` and a grid LQ | FLIPNET | HQ of the first faces as
``OUT/grid-<steps>.png``.

``--figure PNG --columns DIR ...`` draws LQ | each restored folder | HQ for the first ``--grid`` faces and
exits (docs/flipnet_heldout.png).

``--resample CKPT --sampler SCHEDULER:STEPS[:SAMPLES[:START]] ... --out DIR`` restores the same test set
with one checkpoint under other sampler settings (e.g. ``dpm:10 dpm:25 ddim:50``: still from pure noise, one
sample, seed 0; ``dpm:10:4`` the mean of 4 samples, the posterior-mean option; ``dpm:10:1:condition`` one
sample started at the condition noised to the first timestep, the ``flipnet.sample_start`` option), scores
each like a curve row and appends the rows to ``--record`` (default
benchmarks/results/flipnet_sampler.jsonl), then exits. ``--design NAME --steps N`` with it name the
checkpoint's curve row (the design and its restoration steps) in each row.

``--params P.yaml`` trains and samples with that file's ``flipnet:`` section (an ablation of one setting; the
row records the file, and ``--design`` names it); data and evaluation settings stay params.yaml's.

``--base DIR --design NAME`` continues another joint model (e.g. a ``tiny-latent`` one) and names its rows
NAME in the table. ``--arch key=value`` (an ablation) trains the restoration mode with these architecture
options set on the base, as ``flipnet-bench train restoration --arch`` does (only options without new
weights, such as ``boosthub_window``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import torch

from flipnet_bench import heap
from flipnet_bench.config import load_section, parse_assignments
from flipnet_bench.io import list_images, read_image, to_tensor, write_image, write_json
from flipnet_bench.methods.flipnet import FlipnetRestorer
from flipnet_bench.methods.run import restore_folder
from flipnet_bench.models.flipnet.params import FlipnetParams
from flipnet_bench.report.evaluate import score_restored

METRICS = ["lpips", "psnr", "ssim", "ids_dlib"]
DEFAULT_PARAMS = Path("params.yaml")


def score(pred: Path, lq: Path, gt: Path, eval_size: int) -> dict[str, float]:
    rep = score_restored(pred, lq, gt, METRICS, eval_size)
    return {m: rep["metrics"][m]["value"] for m in METRICS}


def grid(folders: list[Path], stems: list[str], path: Path) -> None:
    rows = []
    for stem in stems:
        row = [to_tensor([read_image(next(f.glob(f"{stem}.*")))])[0] for f in folders]
        size = row[-1].shape[-1]
        row = [torch.nn.functional.interpolate(x[None], size=(size, size), mode="bicubic")[0] for x in row]
        rows.append(torch.cat(row, -1))
    img = torch.cat(rows, -2).clamp(0, 1)
    write_image(path, (img.permute(1, 2, 0) * 255).round().to(torch.uint8).numpy())


def resample(
    ckpt: Path,
    samplers: list[str],
    out: Path,
    record: Path,
    lq: Path,
    gt: Path,
    size: int,
    params: FlipnetParams,
    label: dict[str, Any],
) -> None:
    """Restore ``lq`` with ``ckpt`` under each SCHEDULER:STEPS[:SAMPLES[:START]] sampler (seed 0; one sample
    unless SAMPLES; from noise unless START is ``condition``, ``flipnet.sample_start``) into
    ``out/<scheduler><steps>[x<samples>][-cond]`` and append a scored row per sampler to ``record``; ``label``
    (the checkpoint's ``design`` and restoration ``steps``, when given) joins the row to its curve row."""
    for item in samplers:
        parts = item.split(":")
        if not 2 <= len(parts) <= 4:
            raise SystemExit(f"--sampler {item!r}: expected SCHEDULER:STEPS[:SAMPLES[:START]]")
        scheduler, n, k, start = parts + ["", "", "1", params.sample_start][len(parts) :]
        pred = out / (
            f"{scheduler}{n}" + (f"x{k}" if k != "1" else "") + ("-cond" if start == "condition" else "")
        )
        method = FlipnetRestorer(
            checkpoint=str(ckpt),
            params=params,
            scheduler=scheduler,
            steps=int(n),
            samples=int(k),
            start=start,
        )
        t0 = time.time()
        restore_folder(method, lq, pred, seed=0, overwrite=True, progress=False)
        restore_s = time.time() - t0
        row = {
            "checkpoint": str(ckpt),
            **label,
            "scheduler": scheduler,
            "sample_steps": int(n),
            "samples": int(k),
            "start": start,
            **({"decoder": params.restore_decoder} if params.restore_decoder else {}),
            **score(pred, lq, gt, size),
            "restore_s_per_image": round(restore_s / len(list_images(lq)), 3),
            "threads": torch.get_num_threads(),
            "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        }
        with record.open("a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path)
    ap.add_argument("--steps", type=int, nargs="+", help="restoration steps, ascending")
    ap.add_argument("--figure", type=Path, help="draw LQ | --columns | HQ here instead of training")
    ap.add_argument("--columns", type=Path, nargs="*", default=[], help="restored folders for --figure")
    ap.add_argument("--grid", type=int, default=6, help="faces in each grid")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--arch", nargs="*", default=[], help="architecture options, e.g. boosthub_window=2")
    ap.add_argument("--base", type=Path, default=None, help="joint model to continue (default: flipnet.base)")
    ap.add_argument("--design", default=None, help="the rows' name in the table, e.g. the --base's config")
    ap.add_argument("--params", type=Path, default=DEFAULT_PARAMS, help="flipnet: settings to train with")
    ap.add_argument("--resample", type=Path, help="a checkpoint to restore with each --sampler instead")
    ap.add_argument(
        "--sampler", nargs="*", default=[], help="SCHEDULER:STEPS[:SAMPLES[:START]] for --resample"
    )
    ap.add_argument("--record", type=Path, default=Path("benchmarks/results/flipnet_sampler.jsonl"))
    args = ap.parse_args()
    # Training follows scoring in this process: keep glibc's defaults, under which training runs faster
    # (flipnet_bench/heap.py); scoring's heap settings only change its speed and memory, not its values.
    os.environ.setdefault(heap.OPT_OUT, "default")
    if args.threads:
        torch.set_num_threads(args.threads)
    from flipnet_bench.train.flipnet import train_restoration_folder

    params, data, ev = load_section("flipnet", args.params), load_section("data"), load_section("evaluate")
    test = Path(data.synthetic_test)
    lq_dir, gt_dir = test / "lq", Path(data.hq_test)
    stems = [p.stem for p in list_images(lq_dir)][: args.grid]
    if args.figure:
        grid([lq_dir, *args.columns, gt_dir], stems, args.figure)
        return
    if args.resample:
        if args.out is None or not args.sampler:
            ap.error("--resample needs --out and at least one --sampler")
        if args.steps and len(args.steps) > 1:
            ap.error("--resample takes at most one --steps: the checkpoint's restoration steps, for its row")
        label = {
            **({"design": args.design} if args.design else {}),
            **({"steps": args.steps[0]} if args.steps else {}),
        }
        resample(
            args.resample, args.sampler, args.out, args.record, lq_dir, gt_dir, ev.eval_size, params, label
        )
        return
    if args.out is None or not args.steps:
        ap.error("--out and --steps are needed to train")
    args.out.mkdir(parents=True, exist_ok=True)
    results = args.out / "curve.jsonl"
    if not results.is_file():
        row = {"steps": 0, "method": "lq input", **score(lq_dir, lq_dir, gt_dir, ev.eval_size)}
        with results.open("a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
    model_dir = args.out / "model"
    base = args.base or Path(params.base)
    arch = parse_assignments(args.arch, "--arch")
    for steps in args.steps:
        p = dataclasses.replace(params, restoration=dataclasses.replace(params.restoration, steps=steps))
        t0 = time.time()
        train_restoration_folder(base, Path(data.hq_train), model_dir, p, arch_options=arch)
        train_s = time.time() - t0
        ckpt = args.out / f"ckpt-{steps}"
        if not ckpt.is_dir():
            shutil.copytree(model_dir, ckpt, ignore=shutil.ignore_patterns("state*"))
        pred = args.out / f"restored-{steps}"
        method = FlipnetRestorer(checkpoint=str(ckpt), params=p)
        t0 = time.time()
        restore_folder(method, lq_dir, pred, seed=0, overwrite=True, progress=False)
        restore_s = time.time() - t0
        row = {
            "steps": steps,
            "method": "flipnet restoration mode",
            "arch": args.arch,
            **({"base": str(args.base)} if args.base else {}),
            **({"design": args.design} if args.design else {}),
            **({"params": str(args.params)} if args.params != DEFAULT_PARAMS else {}),
            **score(pred, lq_dir, gt_dir, ev.eval_size),
            "train_s": round(train_s, 1),
            "restore_s_per_image": round(restore_s / len(list_images(lq_dir)), 3),
            "threads": torch.get_num_threads(),
            "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        }
        with results.open("a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
        grid([lq_dir, pred, gt_dir], stems, args.out / f"grid-{steps}.png")
        print(json.dumps(row), flush=True)
    settings = {"flipnet": dataclasses.asdict(params), "arch": args.arch, "base": str(base)}
    write_json(args.out / "settings.json", settings)


if __name__ == "__main__":
    main()
