"""``flipnet-bench restore`` (any method over an LQ folder) and ``flipnet-bench train restorer``."""

from __future__ import annotations

import argparse
from pathlib import Path

from flipnet_bench.cli import command_group
from flipnet_bench.io import args as types


def cmd_restore(args: argparse.Namespace) -> int:
    from flipnet_bench.config import cli_params_file, parse_assignments, section_loader
    from flipnet_bench.methods import build_method
    from flipnet_bench.methods.run import restore_folder

    options = parse_assignments(args.option, "--option")
    if args.checkpoint is not None:
        options["checkpoint"] = args.checkpoint
    if args.results is not None:
        options["results"] = args.results
    if args.device is not None:
        options["device"] = args.device
    method = build_method(args.method, section_loader(cli_params_file(args.params)), **options)
    record = restore_folder(
        method, args.lq, args.out, seed=args.seed, batch_size=args.batch_size, overwrite=args.overwrite
    )
    print(f"restored {record['n']} image(s) with {args.method} into {args.out}")
    return 0


def cmd_train_restorer(args: argparse.Namespace) -> int:
    from flipnet_bench.train.restorer import RestorerTrainConfig, train_restorer
    from flipnet_bench.train.restorer_config import NAFNetConfig

    nafnet = NAFNetConfig(
        width=args.width,
        enc_blocks=tuple(args.enc_blocks),
        middle_blocks=args.middle_blocks,
        dec_blocks=tuple(args.dec_blocks),
    )
    cfg = RestorerTrainConfig(
        arch=args.arch,
        nafnet=nafnet,
        loss=args.loss,
        perceptual=args.perceptual,
        init=None if args.init is None else str(args.init),
        val_images=args.val_images,
        val_every=args.val_every,
        checkpoint_every=args.checkpoint_every,
        steps=args.steps,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        crop=args.crop,
        preset=args.preset,
        pair_dirs=tuple(args.pairs),
        pair_fraction=args.pair_fraction,
    )
    path = train_restorer(args.hq, args.out, cfg, overwrite=args.overwrite)
    print(f"restorer written to {path}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    from flipnet_bench.train.restorer_config import RESTORER_ARCHS, RESTORER_LOSSES, RestorerTrainConfig

    p = subparsers.add_parser("restore", help="restore every image of an LQ folder with a method")
    p.add_argument("--method", required=True, help="method name (identity, restorer, flipnet, external, ...)")
    p.add_argument("--lq", required=True, type=Path, help="folder of low-quality input images")
    p.add_argument("--out", required=True, type=Path, help="output folder (PNG per input stem; resumable)")
    p.add_argument("--checkpoint", default=None, help="checkpoint of a trained method")
    p.add_argument("--results", default=None, help="external method: folder of results with the LQ stems")
    p.add_argument("--seed", type=types.seed, default=0)
    p.add_argument("--batch-size", type=types.positive, default=None)
    p.add_argument("--device", default=None, help="torch device (default: the method's choice, cpu here)")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE", help="extra method option")
    p.add_argument(
        "--params",
        help="params file whose section configures the method (flipnet: the flipnet: sampling keys, as in "
        "the pipeline); default: ./params.yaml when it exists",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="--out holds another run's results or was not made by restore: delete its PNGs and start clean",
    )
    p.set_defaults(func=cmd_restore)

    train = command_group(subparsers, "train", help="train a model")
    t = train.add_parser("restorer", help="train the small regression U-Net restorer (+O / +O/F)")
    t.add_argument("--hq", required=True, type=Path, help="HQ training faces (degraded online)")
    t.add_argument("--out", required=True, type=Path, help="output folder (model.safetensors, config.json)")
    t.add_argument("--pairs", action="append", default=[], help="stored pair folder (lq/, hq/), repeatable")
    defaults = RestorerTrainConfig()  # torch-free: the one definition of the restorer's defaults
    t.add_argument(
        "--pair-fraction", type=float, default=defaults.pair_fraction, help="share of batches from --pairs"
    )
    t.add_argument("--preset", default=defaults.preset, help="classic degradation preset for online pairs")
    t.add_argument("--steps", type=int, default=defaults.steps)
    t.add_argument("--batch-size", type=int, default=defaults.batch_size)
    t.add_argument("--lr", type=float, default=defaults.lr)
    t.add_argument("--crop", type=int, default=defaults.crop)
    t.add_argument("--seed", type=int, default=defaults.seed)
    t.add_argument("--arch", choices=RESTORER_ARCHS, default=defaults.arch, help="restorer architecture")
    t.add_argument("--width", type=int, default=defaults.nafnet.width, help="nafnet: base width")
    t.add_argument("--enc-blocks", type=int, nargs="+", default=list(defaults.nafnet.enc_blocks))
    t.add_argument("--middle-blocks", type=int, default=defaults.nafnet.middle_blocks)
    t.add_argument("--dec-blocks", type=int, nargs="+", default=list(defaults.nafnet.dec_blocks))
    t.add_argument("--loss", choices=RESTORER_LOSSES, default=defaults.loss)
    t.add_argument("--perceptual", type=float, default=defaults.perceptual, help="weight of an LPIPS term")
    t.add_argument("--init", type=Path, default=None, help="trained restorer folder to start from")
    t.add_argument("--val-images", type=int, default=defaults.val_images, help="HQ faces held out")
    t.add_argument("--val-every", type=int, default=defaults.val_every)
    t.add_argument("--checkpoint-every", type=int, default=defaults.checkpoint_every)
    t.add_argument(
        "--overwrite",
        action="store_true",
        help="--out holds other settings or was not made by this command: delete what it writes there first",
    )
    t.set_defaults(func=cmd_train_restorer)
