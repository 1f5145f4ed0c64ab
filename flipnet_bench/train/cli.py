"""``flipnet-bench train prior|autoencoder|decoder|embedding|flipnet|restoration|degradation``: FLIPNET
training.

Each command resumes from its ``--out`` folder when re-run, and runs unchanged under ``accelerate launch``
(``accelerate launch -m flipnet_bench.cli train ...``).
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys
from pathlib import Path
from typing import Any

#: What each trainer writes into its ``--out`` folder: all that ``--overwrite`` may delete there.
_LOOP_FILES = ("state", "state.tmp", "train_log.csv", "train_time.csv")
OWNED = {
    "prior": (*_LOOP_FILES, "model.safetensors", "config.json", "vae.safetensors"),
    "autoencoder": (*_LOOP_FILES, "vae.safetensors", "autoencoder.json"),
    "decoder": (*_LOOP_FILES, "vae.safetensors", "autoencoder.json"),
    "embedding": ("stage1", "stage2", "embedding.safetensors", "embedding.json", "params.json"),
    "flipnet": (*_LOOP_FILES, "flipnet.safetensors", "flipnet.json", "params.json"),
    "restoration": (*_LOOP_FILES, "flipnet.safetensors", "flipnet.json", "params.json", "restoration.json"),
    "degradation": (*_LOOP_FILES, "flipnet.safetensors", "flipnet.json", "params.json", "degradation.json"),
}


#: Trainers whose learning rate does not depend on the run's length (a linear warm-up, then constant;
#: ``run_loop``) and whose step ``s`` draws only from (seed, s): their first N steps are the same whatever
#: ``--steps`` says, so a larger ``--steps`` on the same ``--out`` continues the run instead of refusing it.
EXTENDABLE = frozenset({"prior", "autoencoder", "decoder", "flipnet"})


def _claim(args: argparse.Namespace, what: str, settings: Any, sources: list[Path]) -> None:
    """The output-folder rule of every command (flipnet_bench/io/outputs.py): a foreign or differently-made
    ``--out`` is refused unless ``--overwrite``; the same settings resume, and so does a larger ``--steps``
    of an :data:`EXTENDABLE` trainer."""
    from flipnet_bench.config import to_dict
    from flipnet_bench.io.outputs import claim_output

    claim_output(args.out, f"train {what}", to_dict(settings), owned=OWNED[what], sources=sources,
                 overwrite=args.overwrite, grows="steps" if what in EXTENDABLE else None)  # fmt: skip


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
        time_limit=None,
        autoencoder=None if args.autoencoder is None else str(args.autoencoder),
    )
    _claim(args, "prior", cfg, [args.data, *([args.autoencoder] if args.autoencoder else [])])
    cfg = dataclasses.replace(cfg, time_limit=args.time_limit)  # a time limit does not change the result
    out = train_prior(args.data, args.out, cfg)
    print(f"prior written to {out}")
    return 0


def _autoencoder(args: argparse.Namespace) -> int:
    from flipnet_bench.train.autoencoder import train_autoencoder
    from flipnet_bench.train.autoencoder_config import AutoencoderTrainConfig

    cfg = AutoencoderTrainConfig(
        config=args.config,
        steps=args.steps,
        batch_size=args.batch_size,
        lr=args.lr,
        warmup=args.warmup,
        lpips_weight=args.lpips_weight,
        kl_weight=args.kl_weight,
        seed=args.seed,
        save_every=args.save_every,
    )
    _claim(args, "autoencoder", cfg, [args.data])
    cfg = dataclasses.replace(cfg, time_limit=args.time_limit)  # a time limit does not change the result
    out = train_autoencoder(args.data, args.out, cfg)
    print(f"autoencoder written to {out}")
    return 0


#: ``train decoder``'s flags, one per ``DecoderTrainConfig`` field (besides the autoencoder and time limit).
_DECODER_FLAGS = ("steps", "latent_noise", "batch_size", "lr", "warmup", "lpips_weight", "seed", "save_every")


def _decoder(args: argparse.Namespace) -> int:
    from flipnet_bench.train.autoencoder_config import DecoderTrainConfig
    from flipnet_bench.train.decoder import train_decoder

    cfg = DecoderTrainConfig(
        autoencoder=str(args.autoencoder), **{f: getattr(args, f) for f in _DECODER_FLAGS}
    )
    _claim(args, "decoder", cfg, [args.data, args.autoencoder])
    cfg = dataclasses.replace(cfg, time_limit=args.time_limit)  # a time limit does not change the result
    out = train_decoder(args.data, args.out, cfg)
    print(f"autoencoder with the trained decoder written to {out}")
    return 0


def _embedding(args: argparse.Namespace) -> int:
    from flipnet_bench.config import load_section
    from flipnet_bench.train.embedding import train_embedding_folder

    params = load_section("flipnet", args.params)
    _claim(args, "embedding", {"embedding": params.embedding, "seed": params.seed}, [args.hq, *args.lq_real])
    weights = train_embedding_folder(args.hq, args.lq_real, args.out, params)
    print(f"face embedding written to {weights}")
    return 0


def _flipnet(args: argparse.Namespace) -> int:
    from flipnet_bench.config import load_section
    from flipnet_bench.train.flipnet import train_flipnet_folder

    params = load_section("flipnet", args.params)
    sources = [args.embedding, args.hq, *([args.real_pairs] if args.real_pairs else []), *args.real_lq]
    _claim(args, "flipnet", params, sources)
    out = train_flipnet_folder(
        args.embedding,
        args.hq,
        args.out,
        params,
        real_pairs=args.real_pairs,
        real_lq=args.real_lq,
        prior_dir=args.prior,
        time_limit=args.time_limit,
    )
    print(f"FLIPNET checkpoint written to {out}")
    return 0


def _restoration(args: argparse.Namespace) -> int:
    from flipnet_bench.config import load_section, parse_assignments
    from flipnet_bench.train.flipnet import train_restoration_folder

    params = load_section("flipnet", args.params)
    from flipnet_bench.io.hashing import sha256_file
    from flipnet_bench.models.flipnet.checkpoint import FLIPNET_WEIGHTS

    base = args.base if args.base is not None else Path(params.restoration_start)
    arch = parse_assignments(args.arch, "--arch")
    # the base's weights, not just its path: resuming on top of a retrained base would mix two runs
    weights = base / FLIPNET_WEIGHTS
    settings = {"flipnet": params, "base": str(base), "pairs": [str(p) for p in args.pairs],
                "base_sha256": sha256_file(weights) if weights.is_file() else None,
                "pair_fraction": args.pair_fraction, "arch": arch}  # fmt: skip
    _claim(args, "restoration", settings, [base, args.hq, *args.pairs])
    out = train_restoration_folder(
        base, args.hq, args.out, params, tuple(map(str, args.pairs)), args.pair_fraction,
        arch_options=arch,
    )  # fmt: skip
    print(f"FLIPNET restoration checkpoint written to {out}")
    return 0


def _degradation(args: argparse.Namespace) -> int:
    from flipnet_bench.config import load_section, parse_assignments
    from flipnet_bench.io.hashing import sha256_file
    from flipnet_bench.models.flipnet.checkpoint import FLIPNET_WEIGHTS
    from flipnet_bench.train.flipnet_degradation import train_degradation_folder

    params = load_section("flipnet", args.params)
    base = args.base if args.base is not None else Path(params.degradation_start)
    arch = parse_assignments(args.arch, "--arch")
    weights = base / FLIPNET_WEIGHTS
    settings = {"flipnet": params, "base": str(base), "real_pairs": str(args.real_pairs),
                "base_sha256": sha256_file(weights) if weights.is_file() else None, "arch": arch}  # fmt: skip
    _claim(args, "degradation", settings, [base, args.real_pairs])
    out = train_degradation_folder(base, args.real_pairs, args.out, params, arch_options=arch)
    print(f"FLIPNET degradation checkpoint written to {out}")
    return 0


_OVERWRITE = "replace a folder made with other settings (or not by flipnet-bench): only the trainer's files"


def command_line() -> str:
    """The command as typed (recorded in checkpoints for provenance)."""
    return "flipnet-bench " + shlex.join(sys.argv[1:])


def _continue_args(parser: argparse.ArgumentParser, mode: str) -> None:
    """The options of a command that continues a FLIPNET checkpoint in one mode."""
    parser.add_argument(
        "--base",
        type=Path,
        default=None,
        help=f"FLIPNET checkpoint to continue (default: flipnet.{mode}.init, else flipnet.base)",
    )
    parser.add_argument(
        "--arch",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="architecture options that add no weights, set on the base first (e.g. boosthub_window=2), or "
        "finetune_unet=true (trains the prior's UNet too) or cond_concat=true (the condition at the UNet's "
        "input too); each a departure from the paper (docs/flipnet.md)",
    )
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--overwrite", action="store_true", help=_OVERWRITE)


def register(subparsers: argparse._SubParsersAction) -> None:
    from flipnet_bench.cli import command_group

    stages = command_group(subparsers, "train", help="train a model")

    p = stages.add_parser("prior", help="pretrain the diffusion prior (tiny, tiny-latent) on HQ faces")
    p.add_argument(
        "--config", default="tiny", help="tiny (pixels), tiny-latent or tiny-latent-zsnr (default tiny)"
    )
    p.add_argument("--autoencoder", type=Path, default=None, help="latent config: its autoencoder")
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
    p.add_argument("--overwrite", action="store_true", help=_OVERWRITE)
    p.set_defaults(func=_prior)

    from flipnet_bench.train.autoencoder_config import AutoencoderTrainConfig as _A

    a = stages.add_parser("autoencoder", help="train the KL autoencoder of a latent miniature on HQ faces")
    a.add_argument("--config", default=_A.config, help=f"latent model config (default {_A.config})")
    a.add_argument("--data", required=True, type=Path, help="folder of HQ faces (searched recursively)")
    a.add_argument("--out", required=True, type=Path, help="output folder (re-run to resume)")
    for flag in ("steps", "batch_size", "lr", "warmup", "lpips_weight", "kl_weight", "seed", "save_every"):
        default = getattr(_A, flag)
        a.add_argument("--" + flag.replace("_", "-"), type=type(default), default=default)
    a.add_argument("--time-limit", type=float, default=None, help="stop (resumable) after this many seconds")
    a.add_argument("--overwrite", action="store_true", help=_OVERWRITE)
    a.set_defaults(func=_autoencoder)

    from flipnet_bench.train.autoencoder_config import DecoderTrainConfig as _D

    dec = stages.add_parser(
        "decoder", help="train an autoencoder's decoder further, its encoder (the latent space) frozen"
    )
    dec.add_argument("--autoencoder", required=True, type=Path, help="a `train autoencoder` folder")
    dec.add_argument("--data", required=True, type=Path, help="folder of HQ faces (searched recursively)")
    dec.add_argument("--out", required=True, type=Path, help="output folder (re-run to resume)")
    for flag in _DECODER_FLAGS:
        default = getattr(_D, flag)
        dec.add_argument("--" + flag.replace("_", "-"), type=type(default), default=default)
    dec.add_argument(
        "--time-limit", type=float, default=None, help="stop (resumable) after this many seconds"
    )
    dec.add_argument("--overwrite", action="store_true", help=_OVERWRITE)
    dec.set_defaults(func=_decoder)

    e = stages.add_parser("embedding", help="face embedding: stage I autoencoders + stage II contrastive")
    e.add_argument("--hq", required=True, type=Path, help="HQ faces (LQ partners are degraded online)")
    e.add_argument("--lq-real", nargs="*", type=Path, default=[], help="unpaired real LQ faces (LQ AE only)")
    e.add_argument("--out", required=True, type=Path)
    e.add_argument("--params", type=Path, default=Path("params.yaml"))
    e.add_argument("--overwrite", action="store_true", help=_OVERWRITE)
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
    f.add_argument("--overwrite", action="store_true", help=_OVERWRITE)
    f.set_defaults(func=_flipnet)

    r = stages.add_parser(
        "restoration",
        help='train the restoration mode further from a joint checkpoint: "+O" or, with --pairs, "+O/F"',
    )
    _continue_args(r, "restoration")
    r.add_argument("--hq", required=True, type=Path, help="HQ faces (classic pairs degraded online)")
    r.add_argument("--pairs", nargs="*", type=Path, default=[], help="synthesized pair folders (lq/ + hq/)")
    r.add_argument("--pair-fraction", type=float, default=0.0, help="probability a step uses --pairs")
    r.set_defaults(func=_restoration)

    d = stages.add_parser(
        "degradation",
        help="train the degradation mode further from a joint checkpoint on real natural-scene pairs",
    )
    _continue_args(d, "degradation")
    d.add_argument("--real-pairs", required=True, type=Path, help="real pairs folder with lq/ and gt/")
    d.set_defaults(func=_degradation)
