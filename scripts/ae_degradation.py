"""Does a latent FLIPNET's autoencoder carry the degradations its degradation mode must learn?

    python scripts/ae_degradation.py --autoencoder checkpoints/ae-tiny-latent \
        --out benchmarks/results/ae_degradation.jsonl

A latent diffusion model can only produce what its autoencoder can represent. For clean/degraded pairs (c, d)
this measures, after encoding (the posterior mean) and decoding each image:

- ``psnr_clean`` / ``psnr_degraded``: reconstruction PSNR of the clean and of the degraded image;
- ``psnr_degradation``: PSNR of d against c itself (how small the degradation is);
- ``kept``: the part of the degradation Δ = d − c that survives the round trip in its own direction,
  ⟨AE(d) − AE(c), Δ⟩ / ⟨Δ, Δ⟩ over all pixels of the set (1: carried whole, 0: erased), and ``cosine``, the
  mean per-pair cosine between AE(d) − AE(c) and Δ.

Pair sets (all at 128², the autoencoder's input size, none resized): ``synthetic`` = the held-out faces of
``--hq`` and their classic LQ in ``--synthetic`` (the restoration test pairs); ``real_pairs`` = the bundled
real natural-scene pairs (``--real-pairs``: real sensor noise and optical zoom, the degradation mode's
training data); ``face_tiles`` (with ``--faces``) = the centre 128² tiles of full-size clean faces and their
classic degradation at native scale, as ``scripts/flipnet_degrade_x0.py`` and the realism study draw them.
One JSON row per call is appended to ``--out``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from flipnet_bench.io import list_images, pair_by_stem, read_image, to_tensor
from flipnet_bench.train.autoencoder import load_autoencoder


def _load(paths: list[Path]) -> torch.Tensor:
    return torch.cat([to_tensor(read_image(p)) for p in paths])


def _psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((10 * torch.log10(1 / (a - b).pow(2).mean(dim=(1, 2, 3)))).mean())


@torch.no_grad()
def carried(vae: torch.nn.Module, clean: torch.Tensor, degraded: torch.Tensor) -> dict[str, float]:
    """The reconstruction and degradation measures of the module docstring for one pair set."""

    def round_trip(x: torch.Tensor) -> torch.Tensor:
        out = [vae.decode(vae.encode(b * 2 - 1).latent_dist.mean).sample for b in x.split(16)]
        return ((torch.cat(out) + 1) / 2).clamp(0, 1)

    rc, rd = round_trip(clean), round_trip(degraded)
    delta, delta_ae = (degraded - clean).flatten(1), (rd - rc).flatten(1)
    return {
        "n": len(clean),
        "psnr_clean": _psnr(rc, clean),
        "psnr_degraded": _psnr(rd, degraded),
        "psnr_degradation": _psnr(degraded, clean),
        "kept": float((delta_ae * delta).sum() / (delta * delta).sum()),
        "cosine": float(torch.nn.functional.cosine_similarity(delta_ae, delta).mean()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--autoencoder", required=True, help="a `train autoencoder` folder (or a latent prior's)")
    ap.add_argument("--out", type=Path, required=True, help="a .jsonl file (appended)")
    ap.add_argument("--label", required=True, help="the row's name in the docs table (how it was trained)")
    ap.add_argument("--hq", type=Path, default=Path("data/default/hq/test"))
    ap.add_argument(
        "--synthetic", type=Path, default=Path("data/default/synthetic-celeba-test-style@hq-test/lq")
    )
    ap.add_argument("--real-pairs", type=Path, default=Path("data/default/real-pairs"))
    ap.add_argument("--faces", type=Path, default=None, help="full-size clean faces (face_tiles; optional)")
    ap.add_argument("--n", type=int, default=16, help="face tiles drawn from --faces")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    vae, _ = load_autoencoder(args.autoencoder)
    sets = {}
    hq_paths = {p.stem: p for p in list_images(args.hq)}
    lq_paths = [p for p in list_images(args.synthetic) if p.stem in hq_paths]
    sets["synthetic"] = (_load([hq_paths[p.stem] for p in lq_paths]), _load(lq_paths))
    real = pair_by_stem(args.real_pairs / "lq", args.real_pairs / "gt")
    sets["real_pairs"] = (_load([g for _, g in real]), _load([q for q, _ in real]))
    if args.faces is not None:
        from flipnet_bench.degrade import create_degradation
        from flipnet_bench.report.realism_features import centre_tiles, load_images

        clean = centre_tiles(load_images(args.faces, args.n, args.seed), 128)
        classic = create_degradation("classic", pixel_scale=1.0)
        sets["face_tiles"] = (clean, classic(clean, list(range(len(clean))), args.seed)[0])
    row = {"autoencoder": args.autoencoder, "label": args.label}
    row.update({name: carried(vae, clean, degraded) for name, (clean, degraded) in sets.items()})
    with args.out.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")
    print(json.dumps(row, indent=1))


if __name__ == "__main__":
    main()
