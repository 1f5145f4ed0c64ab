"""Is a latent FLIPNET limited by its autoencoder's decoder? Train the decoder on, the encoder frozen.

    python benchmarks/ae_decoder_probe.py --autoencoder checkpoints/ae-tiny-latent --steps 1000 \
        --out out/ae-dec1000 [--latent-noise 0.5]

The same training as ``flipnet-bench train decoder`` (``flipnet_bench.train.decoder.train_decoder``), with
the output-folder rule left out and ``--latent-noise`` 0 by default (the autoencoder's own loss, as the
first measurements used). Score it with ``scripts/ae_degradation.py``; restore with it through
``flipnet.restore_decoder``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from flipnet_bench.train.autoencoder_config import DecoderTrainConfig
from flipnet_bench.train.decoder import train_decoder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--autoencoder", type=Path, required=True, help="a `train autoencoder` folder")
    ap.add_argument("--data", type=Path, default=Path("data/default/hq/train"))
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True, help="output folder (re-run to resume)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--latent-noise", type=float, default=0.0, help="largest latent noise std (scaled units)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cfg = DecoderTrainConfig(
        autoencoder=str(args.autoencoder), steps=args.steps, latent_noise=args.latent_noise
    )
    train_decoder(args.data, args.out, cfg)


if __name__ == "__main__":
    main()
