"""``flipnet-bench score`` (score a folder) and ``flipnet-bench fid-stats`` (reference statistics file)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from flipnet_bench.config import load_section
from flipnet_bench.io import args as types
from flipnet_bench.metrics import list_metrics
from flipnet_bench.metrics.params import ScoreParams


def _params(path: str | None) -> ScoreParams:
    """The ``score`` section of ``--params`` (default ``params.yaml`` when present), else the defaults."""
    if path is None and not Path("params.yaml").is_file():
        return ScoreParams()
    return load_section("score", path or "params.yaml")


def _face_kwargs(path: str | None) -> dict[str, dict[str, object]]:
    """Face-metric options (local ArcFace / landmark model paths) from the ``face_metrics`` section."""
    if path is None and not Path("params.yaml").is_file():
        return {}
    return load_section("face_metrics", path or "params.yaml").metric_kwargs()


def _check_score_outputs(args: argparse.Namespace) -> None:
    """The output-file rule (flipnet_bench/io/outfile.py) and the reference statistics, before any work."""
    from flipnet_bench.errors import BenchError
    from flipnet_bench.io.outfile import check_distinct, check_output_file

    if args.batch_size is not None and args.batch_size < 1:
        raise BenchError(f"--batch-size must be >= 1, got {args.batch_size}")
    if args.num_workers is not None and args.num_workers < 0:
        raise BenchError(f"--num-workers must be >= 0, got {args.num_workers}")
    inputs = [args.pred, args.gt, args.lq, args.ref, args.ref_stats, args.mmse, args.params]
    check_distinct({"--out": args.out, "--per-image": args.per_image})
    kind = "protocol-scores" if args.protocol else "scores"
    check_output_file(args.out, kind, flag="--out", inputs=inputs, overwrite=args.overwrite)
    check_output_file(
        args.per_image, "per-image", flag="--per-image", inputs=inputs, overwrite=args.overwrite
    )
    if args.ref_stats:
        from flipnet_bench.metrics.fid import load_reference_stats

        load_reference_stats(args.ref_stats)  # shape, finite, symmetric PSD: refused before scoring


def _score(args: argparse.Namespace) -> int:
    from flipnet_bench.errors import BenchError

    if args.protocol and args.metrics:
        raise BenchError("--protocol fixes the metrics; drop --metrics (or drop --protocol)")
    if not args.protocol and (args.set or args.mmse or args.qalign):
        raise BenchError("--set, --mmse and --qalign belong to --protocol; add --protocol NAME or drop them")
    _check_score_outputs(args)
    if args.protocol:
        from flipnet_bench.protocols.cli import score_with_protocol

        return score_with_protocol(args)
    from dataclasses import replace

    from flipnet_bench.metrics.score import score_folders, write_outputs

    params = _params(args.params)
    if args.num_workers is not None:
        params = replace(params, num_workers=args.num_workers)
    metrics = [m.strip() for m in args.metrics.split(",") if m.strip()] if args.metrics else None
    per_image: dict[str, dict[str, float]] | None = {} if args.per_image else None
    report = score_folders(
        args.pred, gt=args.gt, lq=args.lq, ref=args.ref, ref_stats=args.ref_stats, metrics=metrics,
        batch_size=args.batch_size, lenient=args.lenient, params=params, per_image=per_image,
        metric_kwargs=_face_kwargs(args.params), allow_missing=args.allow_missing,
    )  # fmt: skip
    if args.per_image:  # where compare finds the per-image values (relative to the JSON's folder)
        report["info"]["per_image_file"] = os.path.relpath(
            Path(args.per_image).resolve(), Path(args.out).resolve().parent
        )
    write_outputs(report, args.out, per_image, args.per_image)
    for name, entry in report["metrics"].items():
        value = "skipped" if entry["value"] is None else f"{entry['value']:.4f}"
        ci = f"  [{entry['ci95'][0]:.4f}, {entry['ci95'][1]:.4f}]" if entry["ci95"] else ""
        print(f"{name:16s} {value}{ci}  (n={entry['n']})")
    if report["info"]["missing_predictions"]:
        missing = report["info"]["missing_predictions"]
        shown = ", ".join(missing[:10]) + (", ..." if len(missing) > 10 else "")
        print(f"excluded {len(missing)} GT image(s) without prediction ({shown}): see {args.out}")
    if report["info"]["skipped"]:
        print(f"skipped {len(report['info']['skipped'])} file(s): see info.skipped in {args.out}")
    print(f"wrote {args.out}")
    return 0


def _fid_stats(args: argparse.Namespace) -> int:
    from flipnet_bench.errors import BenchError
    from flipnet_bench.io.outfile import check_output_file
    from flipnet_bench.metrics.frechet import FeatureStats
    from flipnet_bench.metrics.inception import folder_features

    check_output_file(args.out, "fid-stats", flag="--out", inputs=[args.folder], overwrite=args.overwrite)
    if args.batch_size < 1:
        raise BenchError(f"--batch-size must be >= 1, got {args.batch_size}")

    stats = FeatureStats()
    stats.update(folder_features(args.folder, dims=args.dims, batch_size=args.batch_size))
    stats.save(args.out)
    print(f"wrote {args.out} ({stats.count} images, {args.dims}-d)")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "score",
        help="score restored images (FID, KID, LPIPS, PSNR, ...) in one pass",
        description=f"Known metrics: {', '.join(list_metrics())}, and pyiqa:<name>.",
    )
    p.add_argument("--pred", required=True, help="folder of restored images")
    p.add_argument("--gt", help="ground-truth folder, paired by file stem (synthetic sets)")
    p.add_argument("--lq", help="input (degraded) folder, paired by stem, for identity-vs-input metrics")
    ref = p.add_mutually_exclusive_group()
    ref.add_argument("--ref", help="reference image folder for FID/KID (default: the --gt images)")
    ref.add_argument("--ref-stats", help="FID statistics: .npz (mu, sigma) or basicsr .pth (mean, cov)")
    p.add_argument("--metrics", help="comma-separated metric names (default: params.yaml score.metrics)")
    p.add_argument("--out", required=True, help="output JSON (written atomically)")
    p.add_argument("--per-image", help="optional per-image values as parquet (what `compare` reads)")
    p.add_argument(
        "--overwrite", action="store_true", help="replace an existing --out/--per-image not written by score"
    )
    p.add_argument("--lenient", action="store_true", help="skip (and list) bad files instead of failing")
    p.add_argument(
        "--allow-missing",
        action="store_true",
        help="score although some --gt images have no prediction; they are listed in the JSON and printed",
    )
    p.add_argument(
        "--batch-size", type=types.positive, help="images per backbone call (default: score.batch_size)"
    )
    p.add_argument(
        "--num-workers", type=types.non_negative, help="image decoding processes (default: score.num_workers)"
    )
    p.add_argument("--params", help="params file (default: ./params.yaml if present)")
    proto = p.add_argument_group("protocols (`flipnet-bench protocols` lists them)")
    proto.add_argument("--protocol", help="score exactly as a published evaluation did, e.g. ntire2025, pmrf")
    proto.add_argument("--set", help="set name for per-set thresholds (default: the --lq folder's name)")
    proto.add_argument("--mmse", help="posterior-mean estimates, paired by stem (PMRF's IndRMSE)")
    proto.add_argument("--qalign", action="store_true", help="also compute the optional Q-Align column")
    p.set_defaults(func=_score)

    s = subparsers.add_parser("fid-stats", help="write FID reference statistics (.npz mu/sigma) of a folder")
    s.add_argument("folder", help="image folder, e.g. FFHQ 512x512")
    s.add_argument("--out", required=True, help="output .npz (pytorch-fid format plus count)")
    s.add_argument("--dims", type=int, default=2048, choices=[64, 192, 768, 2048])
    s.add_argument("--batch-size", type=types.positive, default=16)
    s.add_argument(
        "--overwrite", action="store_true", help="replace an existing --out not written by fid-stats"
    )
    s.set_defaults(func=_fid_stats)
