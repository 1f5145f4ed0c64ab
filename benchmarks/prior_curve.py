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

The held-out faces are studio portraits, while the training set mixes sources (in the bundled default 1,200
of its 1,480 faces are LFW photos). Each row is therefore also scored against the ``--reference`` sample of
training faces (``fid_train``, ``kid_train``): how near a prior comes to what it was trained on, beside how
near it comes to the held-out set. ``--rescore`` scores every row of ``--out`` again from its image folder
(both references) and rewrites the file, so rows written before a reference existed gain its columns.

``--reference`` adds the reference rows of real images: ``--n`` training faces drawn at random (without
replacement, from ``--seed``), so in the training set's own mix of sources, and with ``--autoencoder`` (a
latent prior folder) its autoencoder's reconstructions of the held-out faces, the best a latent prior's
samples can look. ``--figure PNG --rows DIR ...`` draws the first 8 images of each sample folder as one row
(docs/flipnet_prior_curve.png) and exits.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from flipnet_bench.io import atomic_open, list_images, read_image, to_tensor, write_image
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


def score(folder: Path, ref: Path, train_ref: Path | None = None) -> dict[str, float]:
    """FID and KID against ``ref``; with ``train_ref`` (a training-face sample) also ``*_train``."""
    rep = score_folders(folder, ref=ref, metrics=METRICS)
    out = {m: rep["metrics"][m]["value"] for m in METRICS}
    if train_ref is not None:
        rep = score_folders(folder, ref=train_ref, metrics=METRICS)
        out |= {f"{m}_train": rep["metrics"][m]["value"] for m in METRICS}
    return out


def row_folder(row: dict, work: Path) -> Path:
    """The image folder a row of this script scored."""
    if row["row"] == "prior samples":
        return work / row.get("samples", f"samples-{row['prior']}-{row['steps']}")
    return work / {"autoencoder reconstructions": "ae-recon"}.get(row["row"], "train-faces")


def rescore(path: Path, ref: Path) -> None:
    """Score every row of ``path`` again from its folder, against ``ref`` and the training-face sample."""
    work = path.parent
    train_ref = work / "train-faces"
    if not train_ref.is_dir():
        raise SystemExit(f"{train_ref}: missing; run --reference first")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        folder = row_folder(row, work)
        if not folder.is_dir():
            raise SystemExit(f"{path}: the images of row {row} are not in {folder}")
        row |= score(folder, ref, None if folder == train_ref else train_ref)
    with atomic_open(path, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(row) + "\n" for row in rows)


def load_faces(folder: Path, n: int) -> torch.Tensor:
    return to_tensor([read_image(p) for p in list_images(folder)[:n]])


def sample_faces(folder: Path, n: int, seed: int) -> torch.Tensor:
    """``n`` images of ``folder`` drawn without replacement from ``seed``, in draw order."""
    files = list_images(folder)
    if n > len(files):
        raise SystemExit(f"{folder}: {len(files)} images, fewer than --n {n}")
    order = torch.randperm(len(files), generator=torch.Generator().manual_seed(seed))[:n]
    return to_tensor([read_image(files[i]) for i in order.tolist()])


def append(path: Path, row: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")
    print(json.dumps(row))


def reference_rows(args: argparse.Namespace, work: Path) -> None:
    train = sample_faces(Path(args.train), args.n, args.seed)
    save_images(train, work / "train-faces")
    row = {"row": "training faces, drawn at random", "seed": args.seed, "n": args.n}
    append(args.out, {**row, **score(work / "train-faces", args.ref)})
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
        row = {"row": "autoencoder reconstructions", "n": len(test)}
        row |= score(work / "ae-recon", args.ref, work / "train-faces")
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
    ap.add_argument("--rescore", action="store_true", help="score every row of --out again and rewrite it")
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
    if args.rescore:
        rescore(args.out, args.ref)
        return
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
        train_ref = work / "train-faces"
        row = {
            "row": "prior samples",
            "prior": args.label or folder,
            "steps": int(steps),
            "n": args.n,
            "ddim_steps": args.ddim_steps,
            "samples": samples.name,
            **score(samples, args.ref, train_ref if train_ref.is_dir() else None),
            "sample_s_per_image": round(sample_s / args.n, 3),
            "threads": torch.get_num_threads(),
        }
        append(args.out, row)


if __name__ == "__main__":
    main()
