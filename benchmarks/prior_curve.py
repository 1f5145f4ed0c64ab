"""FID/KID of a prior's unconditional samples against held-out faces, over training steps.

    python benchmarks/prior_curve.py --out out/prior-curve/curve.jsonl \
        --runs 500=out/prior-tl/snap-500 1000=out/prior-tl/snap-1000
    python benchmarks/prior_curve.py --out out/prior-curve/curve.jsonl --reference

Each ``STEPS=FOLDER`` is a prior folder written by `flipnet-bench train prior` (its export after STEPS
steps). The script draws ``--n`` unconditional samples of it (DDIM, ``--ddim-steps``; sample ``i`` from the
generator ``item_generator(seed, "prior", i)``, so every row sees the same noise), writes them as 128² PNGs
(a 64² pixel prior's samples are bicubic-upscaled, as the restore stage does) and scores them with the
project's scorer (FID and KID, Inception-v3) against ``--ref`` (the 64 held-out faces of
``data/default/hq/test`` by default). Rows append to ``--out``; a grid of the first 16 samples goes beside
each sample folder. With 64 images per side FID carries a large positive bias: compare rows of one file,
never FIDs of other sample sizes.

``--reference`` adds the reference rows of real images: the first ``--n`` training faces (in file order),
and with ``--autoencoder`` (a latent prior folder) its autoencoder's reconstructions of the held-out faces,
the best a latent prior's samples can look. ``--figure PNG --rows DIR ...`` draws the first 8 images of each
sample folder as one row (docs/flipnet_prior_curve.png) and exits.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from flipnet_bench.io import list_images, read_image, to_tensor, write_image
from flipnet_bench.metrics.score import score_folders
from flipnet_bench.models.flipnet.pipeline import prior_sample
from flipnet_bench.models.flipnet.prior import load_prior
from flipnet_bench.train.common import item_generator

SIZE = 128
METRICS = ["fid", "kid"]


def save_images(images: torch.Tensor, folder: Path) -> None:
    """[N, 3, H, W] in [0, 1] → ``folder/00000.png`` … at 128²."""
    folder.mkdir(parents=True, exist_ok=True)
    if images.shape[-1] != SIZE:
        images = torch.nn.functional.interpolate(images, size=(SIZE, SIZE), mode="bicubic")
    for i, img in enumerate(images.clamp(0, 1)):
        write_image(folder / f"{i:05d}.png", (img.permute(1, 2, 0) * 255).round().to(torch.uint8).numpy())
    rows = [torch.cat(list(images[r : r + 8].clamp(0, 1)), -1) for r in (0, 8) if r < len(images)]
    grid = torch.cat(rows, -2)
    write_image(folder.with_suffix(".png"), (grid.permute(1, 2, 0) * 255).round().to(torch.uint8).numpy())


def score(folder: Path, ref: Path) -> dict[str, float]:
    rep = score_folders(folder, ref=ref, metrics=METRICS)
    return {m: rep["metrics"][m]["value"] for m in METRICS}


def load_faces(folder: Path, n: int) -> torch.Tensor:
    return to_tensor([read_image(p) for p in list_images(folder)[:n]])


def append(path: Path, row: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")
    print(json.dumps(row))


def reference_rows(args: argparse.Namespace, work: Path) -> None:
    train = load_faces(Path(args.train), args.n)
    save_images(train, work / "train-faces")
    append(args.out, {"row": "training faces", "n": args.n, **score(work / "train-faces", args.ref)})
    if args.autoencoder:
        prior = (
            load_prior(args.autoencoder) if (Path(args.autoencoder) / "model.safetensors").is_file() else None
        )
        if prior is None:
            raise SystemExit(
                f"--autoencoder {args.autoencoder}: give a latent prior folder (it holds its VAE)"
            )
        test = load_faces(args.ref, args.n)
        with torch.no_grad():
            recon = torch.cat([prior.decode(prior.encode(test[i : i + 16])) for i in range(0, len(test), 16)])
        save_images(recon.float(), work / "ae-recon")
        row = {"row": "autoencoder reconstructions", "n": len(test), **score(work / "ae-recon", args.ref)}
        append(args.out, row)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="a .jsonl file (rows append)")
    ap.add_argument("--runs", nargs="*", default=[], help="STEPS=PRIOR_FOLDER ...")
    ap.add_argument("--label", default="", help="names the prior in each row, e.g. tiny-latent")
    ap.add_argument("--reference", action="store_true", help="add the training-face and autoencoder rows")
    ap.add_argument("--autoencoder", default=None, help="a latent prior folder, for --reference")
    ap.add_argument("--ref", type=Path, default=Path("data/default/hq/test"))
    ap.add_argument("--train", default="data/default/hq/train")
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--ddim-steps", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--figure", type=Path, help="draw the first 8 images of each --rows folder here")
    ap.add_argument("--rows", type=Path, nargs="*", default=[])
    args = ap.parse_args()
    if args.figure:
        rows = [torch.cat(list(load_faces(d, 8)), -1) for d in args.rows]
        img = torch.cat(rows, -2).clamp(0, 1)
        write_image(args.figure, (img.permute(1, 2, 0) * 255).round().to(torch.uint8).numpy())
        return
    if args.out is None:
        ap.error("--out is needed to score")
    if args.threads:
        torch.set_num_threads(args.threads)
    work = args.out.parent
    if args.reference:
        reference_rows(args, work)
    for item in args.runs:
        steps, _, folder = item.partition("=")
        if not steps.isdigit() or not folder:
            raise SystemExit(f"--runs {item}: expected STEPS=FOLDER")
        prior = load_prior(folder).eval()
        gens = [item_generator(args.seed, "prior", i) for i in range(args.n)]
        t0 = time.time()
        with torch.no_grad():
            images = torch.cat(
                [prior_sample(prior, gens[i : i + 16], "ddim", args.ddim_steps) for i in range(0, args.n, 16)]
            )
        sample_s = time.time() - t0
        samples = work / f"samples-{args.label or 'prior'}-{steps}"
        save_images(images, samples)
        row = {
            "row": "prior samples",
            "prior": args.label or folder,
            "steps": int(steps),
            "n": args.n,
            "ddim_steps": args.ddim_steps,
            **score(samples, args.ref),
            "sample_s_per_image": round(sample_s / args.n, 3),
            "threads": torch.get_num_threads(),
        }
        append(args.out, row)


if __name__ == "__main__":
    main()
