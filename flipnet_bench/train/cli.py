"""``flipnet-bench train prior|embedding|flipnet``: the FLIPNET training stages.

Each command resumes from its ``--out`` folder when re-run, and runs unchanged under ``accelerate launch``
(``accelerate launch -m flipnet_bench.cli train ...``).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path


def _prior(args: argparse.Namespace) -> int:
    from flipnet_bench.train.prior import PriorTrainConfig, train_prior

    cfg = PriorTrainConfig(
        config=args.config,
        steps=args.steps,
        batch_size=args.batch_size,
        lr=args.lr,
        warmup=args.warmup,
        ema_decay=args.ema_decay,
        seed=args.seed,
        save_every=args.save_every,
        time_limit=args.time_limit,
    )
    out = train_prior(args.data, args.out, cfg)
    print(f"prior written to {out}")
    return 0


def _embedding(args: argparse.Namespace) -> int:
    from flipnet_bench.config import load_section
    from flipnet_bench.train.embedding import train_embedding_folder

    weights = train_embedding_folder(args.hq, args.lq_real, args.out, load_section("flipnet", args.params))
    print(f"face embedding written to {weights}")
    return 0


def _flipnet(args: argparse.Namespace) -> int:
    from flipnet_bench.config import load_section
    from flipnet_bench.train.flipnet import train_flipnet_folder

    out = train_flipnet_folder(
        args.embedding,
        args.hq,
        args.out,
        load_section("flipnet", args.params),
        real_pairs=args.real_pairs,
        real_lq=args.real_lq,
        prior_dir=args.prior,
        time_limit=args.time_limit,
    )
    print(f"FLIPNET checkpoint written to {out}")
    return 0


def command_line() -> str:
    """The command as typed (recorded in checkpoints for provenance)."""
    return "flipnet-bench " + shlex.join(sys.argv[1:])


def register(subparsers: argparse._SubParsersAction) -> None:
    from flipnet_bench.cli import command_group

    stages = command_group(subparsers, "train", help="train a model")

    p = stages.add_parser("prior", help="pretrain the tiny pixel-space diffusion prior on HQ faces")
    p.add_argument("--config", default="tiny", help="model config (pixel-space only; default tiny)")
    p.add_argument("--data", required=True, type=Path, help="folder of HQ faces (searched recursively)")
    p.add_argument("--out", required=True, type=Path, help="output folder (re-run to resume)")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--ema-decay", type=float, default=0.995)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--save-every", type=int, default=50)
    p.add_argument("--time-limit", type=float, default=None, help="stop (resumable) after this many seconds")
    p.set_defaults(func=_prior)

    e = stages.add_parser("embedding", help="face embedding: stage I autoencoders + stage II contrastive")
    e.add_argument("--hq", required=True, type=Path, help="HQ faces (LQ partners are degraded online)")
    e.add_argument("--lq-real", nargs="*", type=Path, default=[], help="unpaired real LQ faces (LQ AE only)")
    e.add_argument("--out", required=True, type=Path)
    e.add_argument("--params", type=Path, default=Path("params.yaml"))
    e.set_defaults(func=_embedding)

    f = stages.add_parser("flipnet", help="joint FLIPNET training of both modes on top of prior + embedding")
    f.add_argument("--prior", type=Path, default=None, help="prior folder (default: flipnet.prior_path)")
    f.add_argument("--embedding", required=True, type=Path)
    f.add_argument("--hq", required=True, type=Path, help="HQ faces (restoration pairs degraded online)")
    f.add_argument("--real-pairs", type=Path, default=None, help="real pairs folder with lq/ and gt/")
    f.add_argument("--real-lq", nargs="*", type=Path, default=[], help="unpaired real-world LQ faces")
    f.add_argument("--out", required=True, type=Path)
    f.add_argument("--params", type=Path, default=Path("params.yaml"))
    f.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="stop after this many seconds; the checkpoint "
        "records the steps done and re-running the command resumes",
    )
    f.set_defaults(func=_flipnet)
