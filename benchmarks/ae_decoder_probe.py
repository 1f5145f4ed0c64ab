"""Is a latent FLIPNET limited by its autoencoder's decoder? Train the decoder on, the encoder frozen.

    python benchmarks/ae_decoder_probe.py --autoencoder checkpoints/ae-tiny-latent --steps 1000 \
        --out out/ae-dec1000

The encoder (and its ``quant_conv``) stays as it is, so the latent space, the latent scale and every model
trained on it (prior, joint model, restoration mode) stay valid; only the decoding of a latent changes. The
decoder (and ``post_quant_conv``) trains from the given autoencoder's weights with `flipnet-bench train
autoencoder`'s loss and loop (``ae_losses``, ``run_loop``: L1 + LPIPS-alex + KL, AdamW, warm-up, the same
defaults) on ``--data``, and ``OUT`` gets ``vae.safetensors`` and ``autoencoder.json`` (the original latent
scale). Score it with ``scripts/ae_degradation.py``; to restore with it, copy a prior folder with this
``vae.safetensors`` in place of its own (the prior's UNet, whose hash a FLIPNET checkpoint checks, is
unchanged) and point a copy of the FLIPNET checkpoint's ``flipnet.json`` ``prior_path`` at that folder.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from flipnet_bench.train.autoencoder import _AE, ae_losses, load_autoencoder, save_autoencoder
from flipnet_bench.train.autoencoder_config import AutoencoderTrainConfig
from flipnet_bench.train.common import LoopConfig, load_training_faces, run_loop, sample_batch
from flipnet_bench.train.losses import perceptual_fn


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--autoencoder", type=Path, required=True, help="a `train autoencoder` folder")
    ap.add_argument("--data", type=Path, default=Path("data/default/hq/train"))
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True, help="output folder (re-run to resume)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    vae, info = load_autoencoder(args.autoencoder)
    for frozen in (vae.encoder, vae.quant_conv):
        frozen.requires_grad_(False)
    cfg = AutoencoderTrainConfig(config=info["config"], steps=args.steps)
    torch.manual_seed(cfg.seed)
    model = _AE(vae.train())
    faces = load_training_faces(args.data, int(vae.config.sample_size), cfg.batch_size)
    lpips = perceptual_fn("lpips", faces.device)

    def step_fn(m: _AE, step: int, gen: torch.Generator) -> dict[str, torch.Tensor]:
        return ae_losses(m.vae, sample_batch(faces, cfg.batch_size, gen), gen, lpips, cfg)

    loop = LoopConfig(out=args.out, steps=cfg.steps, lr=cfg.lr, seed=cfg.seed, warmup=cfg.warmup,
                      save_every=cfg.save_every, desc="decoder")  # fmt: skip
    run_loop(loop, model, step_fn)
    save_autoencoder(model.vae.eval(), args.out, info["config"], float(info["vae_scaling"]))


if __name__ == "__main__":
    main()
