"""FLIPNET diagnosis (docs/flipnet.md, "Diagnosis"): can the restoration mode reproduce its training pairs?

    OMP_NUM_THREADS=1 python scripts/flipnet_diagnose.py overfit --out out/diag/published \
        --init checkpoint --n 16 --eval 0 50 100 200 400 700 1000 --lr 1e-3 [--arch boosthub_window=2 ...]
    OMP_NUM_THREADS=1 python scripts/flipnet_diagnose.py locality --out out/diag/locality.jsonl \
        [--checkpoint checkpoints/flipnet-tiny] [--arch boosthub_pos=true ...]

``overfit`` trains the restoration mode on ``--n`` fixed pairs only (the first n faces of ``--hq``, each with
one fixed classic-gfpgan LQ, the whole set as every batch, no mirroring), from the shipped joint model
(``--init checkpoint``) or from the frozen prior with fresh LoRA/BoostHub/adapter and the checkpoint's face
embedding (``--init prior``). Every step logs the loss parts, the gradient norm of each trainable part and
the norms of the zero-initialised gates (``OUT/log.csv``). At each ``--eval`` step it samples the n pairs from
pure noise (one sample, DPM-Solver++ ``--sample-steps``) and records, at 128²: RGB PSNR and LPIPS-alex
against the HQ, the LQ input's own scores, how many samples are nearest (MSE) to their own HQ among the n
("right person"), and BoostHub's attention locality (``diagnostics.attention_locality``) at several noise
levels (``OUT/results.jsonl``, a grid ``OUT/grid_<step>.png``: LQ | sample | HQ rows). Training resumes from
``OUT/state`` (safetensors); a step's randomness depends only on (seed, step).
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from flipnet_bench.config import load_section
from flipnet_bench.io import list_images, read_image, to_tensor, to_uint8, write_image, write_json
from flipnet_bench.models.flipnet.arch import FlipnetArch
from flipnet_bench.models.flipnet.boosthub import BoostHubProcessor
from flipnet_bench.models.flipnet.checkpoint import FLIPNET_CONFIG, FLIPNET_WEIGHTS, load_flipnet
from flipnet_bench.models.flipnet.diagnostics import (
    GROUPS,
    attention_locality,
    gate_norms,
    grad_norms,
    x0_fidelity,
)
from flipnet_bench.models.flipnet.embedding import RESTORE, FaceEmbedding
from flipnet_bench.models.flipnet.model import Flipnet
from flipnet_bench.models.flipnet.pipeline import flip_sample
from flipnet_bench.models.flipnet.prior import load_prior
from flipnet_bench.train.common import item_generator, resize_square, step_generator
from flipnet_bench.train.losses import OnlineDegrader, perceptual_fn

TIMESTEPS = [999, 800, 500, 200, 50]
X0_TIMESTEPS = [800, 500, 200]
DATA_RES = 128


def parse_arch(items: list[str]) -> dict:
    out = {}
    for item in items:
        key, value = item.split("=", 1)
        default = getattr(FlipnetArch(), key)
        out[key] = (
            value.lower() in ("1", "true", "yes") if isinstance(default, bool) else type(default)(value)
        )
    return out


def build_model(init: str, checkpoint: Path, arch_over: dict, prior: str | None = None) -> Flipnet:
    """The shipped joint model (with ``arch_over`` applied to its architecture), or the frozen prior with
    fresh trainable parts and the checkpoint's face embedding. ``prior``: another prior folder (e.g. a
    ``tiny-latent`` one), which implies fresh trainable parts."""
    from safetensors.torch import load_file

    info = json.loads((checkpoint / FLIPNET_CONFIG).read_text(encoding="utf-8"))
    if prior is not None:
        init = "prior"
    if init == "checkpoint" and not arch_over:
        return load_flipnet(checkpoint)
    arch = FlipnetArch(**{**info["arch"], **arch_over})
    e = info["embedding"]
    model = Flipnet(
        load_prior(prior if prior is not None else info["prior_path"]),
        FaceEmbedding(int(e["dim"]), int(e["width"]), int(e["resolution"])),
        arch,
    )
    state = load_file(str(checkpoint / FLIPNET_WEIGHTS))
    if init == "prior":
        state = {k: v for k, v in state.items() if k.startswith("embedding.")}
    model.load_state_dict(state, strict=False)
    return model


def fixed_pairs(hq_dir: Path, n: int, preset: str, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(HQ, LQ) at 128²: the first n faces of hq_dir and one classic-preset degradation each."""
    paths = list_images(hq_dir, recursive=True)[:n]
    hq = torch.cat([resize_square(to_tensor(read_image(p)), DATA_RES) for p in paths])
    return hq, OnlineDegrader(preset, seed)(hq, 0)


def psnr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return -10 * torch.log10(((a - b) ** 2).flatten(1).mean(1).clamp_min(1e-10))


def up(x: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, size=(DATA_RES, DATA_RES), mode="bicubic", align_corners=False).clamp(0, 1)


@torch.no_grad()
def evaluate(model: Flipnet, hq: torch.Tensor, lq: torch.Tensor, args, lpips) -> dict:
    model.eval()
    res = model.prior.config.resolution
    gens = [item_generator(args.seed, "diag", i) for i in range(hq.shape[0])]
    t0 = time.monotonic()
    out = up(flip_sample(model, resize_square(lq, res), RESTORE, gens, "dpm", args.sample_steps))
    sample_s = time.monotonic() - t0
    dist = ((out[:, None] - hq[None]) ** 2).flatten(2).mean(2)  # sample i vs HQ j
    right = int((dist.argmin(1) == torch.arange(hq.shape[0])).sum())
    loc = attention_locality(
        model, resize_square(hq, res), resize_square(lq, res), RESTORE, TIMESTEPS,
        torch.Generator().manual_seed(args.seed), radius=1,
    )  # fmt: skip
    x0 = x0_fidelity(
        model, resize_square(hq, res), resize_square(lq, res), RESTORE, X0_TIMESTEPS,
        torch.Generator().manual_seed(args.seed),
    )  # fmt: skip
    model.train()
    return {
        "x0_psnr": x0,
        "psnr": float(psnr(out, hq).mean()),
        "lpips": float(lpips(out, hq).mean()),
        "psnr_lq": float(psnr(lq, hq).mean()),
        "lpips_lq": float(lpips(lq, hq).mean()),
        "right_person": right,
        "sample_s": round(sample_s, 1),
        "locality": {str(t): {str(s): v for s, v in d.items()} for t, d in loc.items()},
        "_images": out,
    }


def save_state(out: Path, model: Flipnet, opt: torch.optim.Optimizer, step: int) -> None:
    from safetensors.torch import save_file

    from flipnet_bench.io import atomic_path

    tensors = {f"model/{k}": v.detach().contiguous() for k, v in model.trainable_state_dict().items()}
    for i, st in opt.state_dict()["state"].items():
        for k, v in st.items():
            tensors[f"opt/{i}/{k}"] = v.detach().reshape(-1).contiguous() if v.ndim == 0 else v.contiguous()
    with atomic_path(out / "state.safetensors") as tmp:
        save_file(tensors, str(tmp), metadata={"step": str(step)})


def load_state(out: Path, model: Flipnet, opt: torch.optim.Optimizer) -> int:
    from safetensors import safe_open
    from safetensors.torch import load_file

    path = out / "state.safetensors"
    if not path.is_file():
        return 0
    with safe_open(str(path), "pt") as f:
        step = int(f.metadata()["step"])
    tensors = load_file(str(path))
    model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model/")}, strict=False)
    state = opt.state_dict()
    for key, v in tensors.items():
        if key.startswith("opt/"):
            _, i, name = key.split("/")
            state["state"].setdefault(int(i), {})[name] = v.reshape(()) if name == "step" else v
    opt.load_state_dict(state)
    return step


def overfit(args) -> None:
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    params = load_section("flipnet", args.params)
    model = build_model(args.init, Path(args.checkpoint), parse_arch(args.arch), args.prior)
    res = model.prior.config.resolution
    hq, lq = fixed_pairs(Path(args.hq), args.n, params.train_preset, args.seed)
    hq_m, lq_m = resize_square(hq, res), resize_square(lq, res)
    from flipnet_bench.metrics.lpips import load_lpips

    lpips = load_lpips("alex")
    perceptual = perceptual_fn(params.perceptual)
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=0.0)
    step = load_state(out, model, opt)
    write_json(out / "run.json", {**vars(args), "arch": dict(vars(model.arch))})
    log_path = out / "log.csv"
    if log_path.is_file():  # keep the rows of the steps the saved state holds
        with open(log_path, encoding="utf-8") as handle:
            rows = [r for r in csv.DictReader(handle) if int(r["step"]) < step]
        with open(log_path, "w", newline="", encoding="utf-8") as handle:
            if rows:
                w = csv.DictWriter(handle, fieldnames=list(rows[0]))
                w.writeheader()
                w.writerows(rows)
    model.train()
    results = out / "results.jsonl"
    done = {json.loads(line)["step"] for line in results.open()} if results.is_file() else set()
    for target in sorted(set(args.eval)):
        if target < step or target in done:
            continue  # a resumed run: evaluated before, or past
        while step < target:
            gen = step_generator(args.seed, step)
            t0 = time.monotonic()
            losses = model.losses(
                hq_m, lq_m, RESTORE, gen, params.lambda_mse, params.lambda_perceptual, perceptual
            )
            losses["loss"].backward()
            grads = grad_norms(model)
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
            row = {"step": step, **{k: f"{float(v.detach()):.5f}" for k, v in losses.items()}}
            row.update({f"grad_{k}": f"{v:.3e}" for k, v in grads.items()})
            row.update({f"gate_{k}": f"{v:.3e}" for k, v in gate_norms(model).items()})
            row["sec"] = f"{time.monotonic() - t0:.2f}"
            new = not log_path.is_file() or log_path.stat().st_size == 0
            with open(log_path, "a", newline="", encoding="utf-8") as handle:
                w = csv.DictWriter(handle, fieldnames=list(row))
                if new:
                    w.writeheader()
                w.writerow(row)
            step += 1
            if step % args.save_every == 0:
                save_state(out, model, opt, step)
        save_state(out, model, opt, step)
        rec = evaluate(model, hq, lq, args, lpips)
        images = rec.pop("_images")
        grid = torch.cat([torch.cat([lq[i], images[i], hq[i]], 2) for i in range(min(8, len(hq)))], 1)
        write_image(out / f"grid_{step}.png", to_uint8(grid[None])[0])
        rec = {"step": step, **rec}
        with open(results, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(rec) + "\n")
        print(json.dumps({k: v for k, v in rec.items() if k != "locality"}), flush=True)


def locality(args) -> None:
    """Attention locality (and with ``--x0`` the condition's share of the x̂0 prediction) of a checkpoint
    (with ``--arch`` overrides) on the n fixed pairs, no training."""
    torch.set_num_threads(args.threads)
    params = load_section("flipnet", args.params)
    model = build_model("checkpoint", Path(args.checkpoint), parse_arch(args.arch), args.prior).eval()
    if args.state:  # the trainable weights of an ``overfit`` run
        from safetensors.torch import load_file

        tensors = load_file(args.state)
        model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model/")}, strict=False)
    if args.probe_k_from_q:  # a probe, not a model: do the two streams' features match under one projection?
        with torch.no_grad():
            for proc in model.modules():
                if isinstance(proc, BoostHubProcessor):
                    proc.bh_k.weight.copy_(proc.bh_q.weight)
    res = model.prior.config.resolution
    hq, lq = fixed_pairs(Path(args.hq), args.n, params.train_preset, args.seed)
    loc = attention_locality(
        model, resize_square(hq, res), resize_square(lq, res), RESTORE, args.timesteps,
        torch.Generator().manual_seed(args.seed), radius=1,
    )  # fmt: skip
    x0 = x0_fidelity(
        model, resize_square(hq, res), resize_square(lq, res), RESTORE, args.timesteps,
        torch.Generator().manual_seed(args.seed),
    ) if args.x0 else None  # fmt: skip
    arch = args.arch + (["probe: K = Q"] if args.probe_k_from_q else [])
    rec = {"checkpoint": args.checkpoint, "state": args.state, "arch": arch, "n": args.n}
    rec.update(locality=loc, x0_psnr=x0)
    with open(args.out, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(rec) + "\n")
    print(json.dumps(rec))


@torch.no_grad()
def autoencoder(args) -> None:
    """Reconstruction PSNR / LPIPS-alex (at the data's 128²) of a ``train autoencoder`` folder or of a latent
    prior's autoencoder on ``--hq`` (appends a record to ``--out``)."""
    from flipnet_bench.metrics.lpips import load_lpips
    from flipnet_bench.train.autoencoder import load_autoencoder

    torch.set_num_threads(args.threads)
    vae, info = load_autoencoder(args.autoencoder)
    paths = list_images(Path(args.hq), recursive=True)
    hq = torch.cat([resize_square(to_tensor(read_image(p)), DATA_RES) for p in paths])
    rec = torch.cat([((vae.decode(vae.encode(b * 2 - 1).latent_dist.mean).sample + 1) / 2).clamp(0, 1)
                     for b in hq.split(16)])  # fmt: skip
    lpips = load_lpips("alex")
    row = {"autoencoder": args.autoencoder, "hq": args.hq, "n": len(paths),
           "psnr": float(psnr(rec, hq).mean()), "lpips": float(lpips(rec, hq).mean()),
           "vae_scaling": info["vae_scaling"]}  # fmt: skip
    grid = torch.cat([torch.cat([hq[i], rec[i]], 2) for i in range(min(8, len(hq)))], 1)
    write_image(Path(args.out).with_suffix(".png"), to_uint8(grid[None])[0])
    with open(args.out, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")
    print(json.dumps(row))


def _ratio(v: dict, key: str) -> str:
    chance = v["chance_same"] if key == "mass_same" else v["chance_near"]
    return f"{v[key]:.4f} ({v[key] / chance:.2f}×)"


def table(args) -> None:
    """Markdown tables of overfit runs (``OUT/results.jsonl``) and locality records (``*.jsonl``)."""
    print("| run | step | PSNR ↑ | LPIPS ↓ | right person (of n) | LQ PSNR / LPIPS |")
    print("|---|---|---|---|---|---|")
    for run in args.runs:
        results = Path(run) / "results.jsonl"
        for line in results.open(encoding="utf-8") if results.is_file() else []:
            r = json.loads(line)
            print(
                f"| {Path(run).name} | {r['step']} | {r['psnr']:.2f} | {r['lpips']:.3f} "
                f"| {r['right_person']} | {r['psnr_lq']:.2f} / {r['lpips_lq']:.3f} |"
            )
    print()
    print("| run | steps | " + " | ".join(f"grad {g}" for g in GROUPS[:5]) + " | gate W_O | gate adapter |")
    print("|---|---|" + "---|" * 7)
    for run in args.runs:
        with open(Path(run) / "log.csv", encoding="utf-8") as handle:
            rows = {int(r["step"]): r for r in csv.DictReader(handle)}  # a resumed step: its last row
        steps = sorted(rows)
        for part in (steps[:10], steps[-10:]):
            mean = {k: sum(float(rows[s][k]) for s in part) / len(part) for k in rows[part[0]] if "_" in k}
            cells = " | ".join(f"{mean[f'grad_{g}']:.1e}" for g in GROUPS[:5])
            print(
                f"| {Path(run).name} | {part[0]}–{part[-1]} | {cells} "
                f"| {mean['gate_boosthub_W_O']:.2f} | {mean['gate_adapter_out']:.2f} |"
            )
    print()
    print("| source | t | grid | entropy / uniform | own position (× chance) | 3×3 (× chance) | own top-1 |")
    print("|---|---|---|---|---|---|---|")
    records = []
    for run in args.runs:
        for line in (Path(run) / "results.jsonl").open(encoding="utf-8"):
            r = json.loads(line)
            records.append((f"{Path(run).name} @ {r['step']}", r["locality"]))
    for path in args.locality:
        for line in Path(path).open(encoding="utf-8"):
            r = json.loads(line)
            name = " ".join(r["arch"]) or "as shipped"
            records.append((name + (" (trained state)" if r.get("state") else ""), r["locality"]))
    x0_rows = []
    for run in args.runs:  # overfit runs record x̂0 fidelity at every evaluation
        for line in (Path(run) / "results.jsonl").open(encoding="utf-8"):
            r = json.loads(line)
            x0_rows += [(f"{Path(run).name} @ {r['step']}", t, v) for t, v in r.get("x0_psnr", {}).items()]
    for path in args.locality:
        for line in Path(path).open(encoding="utf-8"):
            r = json.loads(line)
            if r.get("x0_psnr"):
                name = (" ".join(r["arch"]) or "as shipped") + (f" ({r['state']})" if r.get("state") else "")
                x0_rows += [(name, t, v) for t, v in r["x0_psnr"].items()]
    for name, loc in records:
        for t, grids in loc.items():
            for side, v in grids.items():
                print(
                    f"| {name} | {t} | {side}² | {v['entropy_rel']:.3f} | {_ratio(v, 'mass_same')} "
                    f"| {_ratio(v, 'mass_near')} | {v.get('top1_same', float('nan')):.3f} |"
                )
    if x0_rows:
        print()
        print("| model | t | x̂0 PSNR, right cond. | swapped | BoostHub right, context swapped | reverse |")
        print("|---|---|---|---|---|---|")
        for name, t, v in x0_rows:
            print(
                f"| {name} | {t} | {v['right']:.2f} | {v['swapped']:.2f} | {v['boosthub_only']:.2f} "
                f"| {v['embedding_only']:.2f} |"
            )


def record(args) -> None:
    """Append an overfit run's evaluations, each with ``run`` = ``--label`` and its run settings, to ``--to``
    (what flipnet_bench/report/overfit_block.py renders)."""
    run = Path(args.run)
    settings = json.loads((run / "run.json").read_text(encoding="utf-8"))
    keep = {k: settings[k] for k in ("init", "prior", "checkpoint", "lr", "n", "arch")}
    with open(args.to, "a", encoding="utf-8") as handle:
        for line in (run / "results.jsonl").open(encoding="utf-8"):
            handle.write(json.dumps({"run": args.label, **json.loads(line), "settings": keep}) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    o = sub.add_parser("overfit", help="train the restoration mode on n fixed pairs; score from noise")
    o.add_argument("--out", required=True)
    o.add_argument("--init", choices=["checkpoint", "prior"], default="checkpoint")
    o.add_argument("--checkpoint", default="checkpoints/flipnet-tiny")
    o.add_argument("--prior", default=None, help="another prior folder (fresh trainable parts)")
    o.add_argument("--hq", default="data/default/hq/train")
    o.add_argument("--n", type=int, default=16)
    o.add_argument("--eval", type=int, nargs="+", default=[0, 50, 100, 200, 400, 700, 1000])
    o.add_argument("--lr", type=float, default=1e-3)
    o.add_argument("--seed", type=int, default=0)
    o.add_argument("--sample-steps", type=int, default=10)
    o.add_argument("--save-every", type=int, default=25)
    o.add_argument("--threads", type=int, default=1)
    o.add_argument("--params", default="params.yaml")
    o.add_argument("--arch", nargs="*", default=[], help="FlipnetArch overrides, e.g. boosthub_window=2")
    lo = sub.add_parser("locality", help="BoostHub attention locality of a checkpoint (appends to --out)")
    lo.add_argument("--out", required=True, help="a .jsonl file")
    lo.add_argument("--checkpoint", default="checkpoints/flipnet-tiny")
    lo.add_argument("--prior", default=None, help="another prior folder (fresh trainable parts)")
    lo.add_argument("--hq", default="data/default/hq/train")
    lo.add_argument("--n", type=int, default=16)
    lo.add_argument("--seed", type=int, default=0)
    lo.add_argument("--threads", type=int, default=1)
    lo.add_argument("--params", default="params.yaml")
    lo.add_argument("--arch", nargs="*", default=[], help="FlipnetArch overrides, e.g. boosthub_pos=true")
    lo.add_argument("--timesteps", type=int, nargs="+", default=TIMESTEPS)
    lo.add_argument("--probe-k-from-q", action="store_true", help="BoostHub K := Q projection (a probe)")
    lo.add_argument("--state", default=None, help="an overfit run's OUT/state.safetensors")
    lo.add_argument(
        "--x0", action="store_true", help="also diagnostics.x0_fidelity (right/swapped condition)"
    )
    ae = sub.add_parser("autoencoder", help="reconstruction PSNR / LPIPS of a trained autoencoder")
    ae.add_argument("--autoencoder", required=True, help="a `train autoencoder` folder")
    ae.add_argument("--hq", default="data/default/hq/test")
    ae.add_argument("--out", required=True, help="a .jsonl file (grid beside it as .png)")
    ae.add_argument("--threads", type=int, default=1)
    ta = sub.add_parser("table", help="markdown tables of overfit runs and locality records")
    ta.add_argument("--runs", nargs="*", default=[])
    ta.add_argument("--locality", nargs="*", default=[])
    rec = sub.add_parser("record", help="append an overfit run's evaluations to a record, with a label")
    rec.add_argument("--run", required=True, help="an overfit run's --out")
    rec.add_argument("--label", required=True)
    rec.add_argument("--to", required=True, help="e.g. benchmarks/results/flipnet_overfit.jsonl")
    args = ap.parse_args()
    commands = {"overfit": overfit, "locality": locality, "autoencoder": autoencoder, "table": table}
    {**commands, "record": record}[args.cmd](args)


if __name__ == "__main__":
    main()
