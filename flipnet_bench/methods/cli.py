"""``flipnet-bench restore`` (any method over an LQ folder) and ``flipnet-bench train restorer``."""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from flipnet_bench.cli import command_group
from flipnet_bench.errors import BenchError


def _parse_options(items: list[str]) -> dict[str, object]:
    options: dict[str, object] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise BenchError(f"--option expects KEY=VALUE, got {item!r}")
        options[key.replace("-", "_")] = yaml.safe_load(value)
    return options


def cmd_restore(args: argparse.Namespace) -> int:
    from flipnet_bench.methods import build_method
    from flipnet_bench.methods.run import restore_folder

    options = _parse_options(args.option)
    if args.checkpoint is not None:
        options["checkpoint"] = args.checkpoint
    if args.results is not None:
        options["results"] = args.results
    if args.device is not None:
        options["device"] = args.device
    method = build_method(args.method, **options)
    record = restore_folder(method, args.lq, args.out, seed=args.seed, batch_size=args.batch_size)
    print(f"restored {record['n']} image(s) with {args.method} into {args.out}")
    return 0


def cmd_train_restorer(args: argparse.Namespace) -> int:
    from flipnet_bench.train.restorer import RestorerTrainConfig, train_restorer

    cfg = RestorerTrainConfig(
        steps=args.steps,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        crop=args.crop,
        preset=args.preset,
        pair_dirs=tuple(args.pairs),
        pair_fraction=args.pair_fraction,
    )
    path = train_restorer(args.hq, args.out, cfg)
    print(f"restorer written to {path}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("restore", help="restore every image of an LQ folder with a method")
    p.add_argument("--method", required=True, help="method name (identity, restorer, flipnet, external, ...)")
    p.add_argument("--lq", required=True, type=Path, help="folder of low-quality input images")
    p.add_argument("--out", required=True, type=Path, help="output folder (PNG per input stem; resumable)")
    p.add_argument("--checkpoint", default=None, help="checkpoint of a trained method")
    p.add_argument("--results", default=None, help="external method: folder of results with the LQ stems")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--device", default=None, help="torch device (default: the method's choice, cpu here)")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE", help="extra method option")
    p.set_defaults(func=cmd_restore)

    train = command_group(subparsers, "train", help="train a model")
    t = train.add_parser("restorer", help="train the small regression U-Net restorer (+O / +O/F)")
    t.add_argument("--hq", required=True, type=Path, help="HQ training faces (degraded online)")
    t.add_argument("--out", required=True, type=Path, help="output folder (model.safetensors, config.json)")
    t.add_argument("--pairs", action="append", default=[], help="stored pair folder (lq/, hq/), repeatable")
    t.add_argument("--pair-fraction", type=float, default=0.0, help="share of batches taken from --pairs")
    t.add_argument("--preset", default="gfpgan", help="classic degradation preset for online pairs")
    t.add_argument("--steps", type=int, default=400)
    t.add_argument("--batch-size", type=int, default=8)
    t.add_argument("--lr", type=float, default=2e-4)
    t.add_argument("--crop", type=int, default=64)
    t.add_argument("--seed", type=int, default=0)
    t.set_defaults(func=cmd_train_restorer)
