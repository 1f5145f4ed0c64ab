"""``flipnet-bench degrade``: synthesize LQ images (or an LQ/HQ pair set) from an HQ folder."""

from __future__ import annotations

import argparse

from flipnet_bench.degrade.defaults import DEFAULT_FILE_BACKEND, FILE_BACKENDS
from flipnet_bench.errors import BenchError
from flipnet_bench.io import args as types


def run(args: argparse.Namespace) -> int:
    from flipnet_bench.config import cli_params_file, parse_assignments, section_loader
    from flipnet_bench.degrade.make import degrade_to_folder
    from flipnet_bench.io.args import SEED_MAX

    sections = section_loader(cli_params_file(args.params))
    base = sections("degrade")
    model = args.model or base.model
    preset = args.preset if args.preset is not None else (base.preset if model == base.model else None)
    overrides = (dict(base.overrides) if model == base.model else {}) | parse_assignments(args.set, "--set")
    seed = base.seed if args.seed is None else args.seed
    if not 0 <= seed <= SEED_MAX:  # recorded as int64 in metadata.parquet
        raise BenchError(f"seed must be an integer in [0, 2**63 - 1], got {seed}")
    summary = degrade_to_folder(
        args.hq,
        args.out,
        model=model,
        seed=seed,
        preset=preset,
        overrides=overrides,
        checkpoint=args.checkpoint,
        sections=sections,
        variants=base.variants if args.variants is None else args.variants,
        batch_size=base.batch_size if args.batch_size is None else args.batch_size,
        pairs=args.pairs,
        lenient=args.lenient,
        progress=not args.quiet,
        io_workers=args.io_workers,
        overwrite=args.overwrite,
        backend=args.backend,
    )
    n_skipped = summary["skipped_outputs"]
    skipped = f", {n_skipped} skipped (unreadable input)" if n_skipped else ""
    print(
        f"degrade: {summary['outputs']} LQ files planned in {args.out} ({summary['written']} written now, "
        f"{summary['already']} already there{skipped})"
    )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "degrade",
        help="synthesize LQ images from an HQ folder with a degradation model",
        description="Degrade every image of --hq (sorted; image i gets index i) into --out, same stems, PNG; "
        "writes metadata.parquet/.csv with every sampled parameter. Re-running resumes. Under "
        "`accelerate launch --num_processes N -m flipnet_bench.cli degrade ...` the work is sharded and the "
        "bytes are identical to one process.",
    )
    p.add_argument("--model", help="classic | realesrgan | flipnet (default: params or classic)")
    p.add_argument("--preset", help="classic: gfpgan, codeformer, difface, diffbir, daefr (default gfpgan)")
    p.add_argument("--hq", required=True, help="folder of HQ images")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--seed", type=types.seed, help="run seed (default: params or 10000)")
    p.add_argument(
        "--variants", type=types.positive, help="degraded copies per image, named <stem>_vK (default 1)"
    )
    p.add_argument("--batch-size", type=types.positive, help="images per call (does not change the output)")
    p.add_argument("--checkpoint", help="model checkpoint (learned degradations such as flipnet)")
    p.add_argument("--pairs", action="store_true", help="write a pair set: OUT/hq and OUT/lq plus metadata")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a model setting")
    p.add_argument(
        "--params",
        help="params file: defaults from its degrade: section, learned models' settings from their section "
        "(flipnet:); default: ./params.yaml when it exists",
    )
    p.add_argument(
        "--lenient", action="store_true", help="skip (and list) unreadable inputs instead of failing"
    )
    p.add_argument(
        "--io-workers",
        type=types.non_negative,
        help="threads decoding/encoding images, and degrading them for per-image models such as classic "
        "(default: one per core, at most 4; 0 = none); the output bytes do not depend on it",
    )
    p.add_argument(
        "--backend",
        choices=FILE_BACKENDS,
        default=DEFAULT_FILE_BACKEND,
        help="per-image models' implementation: cv2 = the OpenCV calls of the published chain (classic), "
        "torch = the tensor path of online training pairs; recorded with the output (default %(default)s)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="--out holds other settings or was not made by degrade: delete the files degrade writes there "
        "(LQ/HQ images, .params, metadata, params.json) and start clean",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
