"""``flipnet-bench realism``: measure any degradation pipeline's output against any real LQ photos."""

from __future__ import annotations

import argparse
from pathlib import Path

from flipnet_bench.io import args as types


def parse_named_dirs(values: list[str] | None, flag: str) -> dict[str, Path]:
    """``NAME=DIR`` arguments → {name: folder}; a malformed, duplicate or missing entry is a BenchError."""
    from flipnet_bench.config import split_assignment
    from flipnet_bench.errors import BenchError

    out: dict[str, Path] = {}
    for value in values or []:
        name, folder = split_assignment(value, flag, "NAME=DIR", "mine=out/my_lq")
        if not folder.strip():
            raise BenchError(f"{flag} {value!r}: expected NAME=DIR, e.g. {flag} mine=out/my_lq")
        if name in out:
            raise BenchError(f"{flag} {name!r} given twice; each set needs its own name")
        path = Path(folder)
        if not path.is_dir():
            raise BenchError(f"{flag} {name}={folder}: {path} is not a folder")
        out[name] = path
    return out


def cmd_realism(args: argparse.Namespace) -> int:
    from flipnet_bench.errors import BenchError
    from flipnet_bench.io import write_json
    from flipnet_bench.io.outfile import check_output_file
    from flipnet_bench.report.realism_study import StudySettings, markdown_table, run_study

    if args.hq is not None and not args.hq.is_dir():
        raise BenchError(f"--hq {args.hq}: not a folder")
    if args.max_images < 1:
        raise BenchError(f"--max-images must be >= 1, got {args.max_images}")
    real, synth = parse_named_dirs(args.real, "--real"), parse_named_dirs(args.synth, "--synth")
    inputs = [*real.values(), *synth.values(), args.hq, args.flipnet_checkpoint]
    check_output_file(args.out, "realism", flag="--out", inputs=inputs, overwrite=args.overwrite)
    settings = StudySettings(
        metrics=tuple(args.metrics),
        max_images=args.max_images,
        seed=args.seed,
        pixel_scale=None if args.pixel_scale <= 0 else args.pixel_scale,
        eval_size=None if args.eval_size <= 0 else args.eval_size,
        models=tuple(args.models),
        flipnet_checkpoint=args.flipnet_checkpoint,
        flipnet_start=args.flipnet_start,
    )
    result = run_study(real, synth, args.hq, settings)
    write_json(args.out, result)
    for metric in settings.metrics:
        print(markdown_table(result, metric) + "\n")
    print(f"written to {args.out}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "realism",
        help="distances of synthesized LQ sets to real LQ sets, with floors, ceilings and intervals",
        description=(
            "Compare synthesized LQ folders with real LQ folders at their own pixel scale. With --hq "
            "(clean faces at the real sets' scale) the table gets floors (clean, blur/downscale/noise/JPEG "
            "only) and the built-in models; every real set gets its split-half ceiling and a verdict on "
            "whether the study discriminates there."
        ),
    )
    p.add_argument("--real", action="append", metavar="NAME=DIR", help="a real LQ set (repeatable)")
    p.add_argument("--synth", action="append", metavar="NAME=DIR", help="a synthesized LQ set (repeatable)")
    p.add_argument("--hq", type=Path, default=None, help="clean HQ at the real sets' scale (floors, models)")
    p.add_argument("--out", type=Path, required=True, help="JSON file for the full result")
    p.add_argument(
        "--overwrite", action="store_true", help="replace an existing --out not written by realism"
    )
    from flipnet_bench.report.params import REALISM_MODELS, RealismParams

    distances = RealismParams().metrics  # the default runs every distance
    p.add_argument(
        "--metrics", nargs="+", default=distances, choices=distances, help="the first decides the verdict"
    )
    p.add_argument("--models", nargs="*", default=RealismParams().models, choices=REALISM_MODELS)
    from flipnet_bench.models.flipnet.params import SAMPLE_STARTS, FlipnetParams

    p.add_argument(
        "--flipnet-checkpoint",
        default=FlipnetParams().degradation_start,
        help="checkpoint of the flipnet row (tiled at native scale; default: %(default)s)",
    )
    p.add_argument(
        "--flipnet-start",
        default=FlipnetParams.sample_start,
        choices=SAMPLE_STARTS,
        help="where the flipnet row's samples start (flipnet.sample_start; %(default)s as published)",
    )
    p.add_argument("--max-images", type=types.positive, default=64, help="per set (seeded subset beyond)")
    p.add_argument("--seed", type=types.seed, default=0)
    p.add_argument(
        "--pixel-scale",
        type=float,
        default=1.0,
        help="face scale of --hq relative to 512² (1 = native crops/512² faces; 0 = from image size)",
    )
    p.add_argument(
        "--eval-size", type=int, default=0, help="0 = native pixels (default); N = resize to N² first"
    )
    p.set_defaults(func=cmd_realism)
