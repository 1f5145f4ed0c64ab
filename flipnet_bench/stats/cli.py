"""``flipnet-bench compare RUN_A RUN_B``: paired comparison of two scored runs (JSON and a readable table)."""

from __future__ import annotations

import argparse

from flipnet_bench.io import args as types


def cmd_compare(args: argparse.Namespace) -> int:
    from flipnet_bench.io import write_json
    from flipnet_bench.io.outfile import check_output_file
    from flipnet_bench.stats.compare import compare_runs, format_table

    inputs = [args.run_a, args.run_b]
    check_output_file(args.out, "compare", flag="--out", inputs=inputs, overwrite=args.overwrite)
    metrics = [m.strip() for m in args.metrics.split(",") if m.strip()] if args.metrics else None
    report = compare_runs(args.run_a, args.run_b, metrics, seed=args.seed, alpha=args.alpha)
    print(format_table(report))
    if args.out:
        write_json(args.out, report)
        print(f"wrote {args.out}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "compare",
        help="paired comparison of two scored runs on the same set (difference, 95%% CI, Holm-adjusted p)",
        description="Per-image metrics: paired t interval and sign-flip permutation test; FID/KID: "
        "jackknife interval and image-swap permutation test. p-values are Holm-adjusted across metrics.",
    )
    p.add_argument("run_a", help="scored run folder (e.g. out/scores/<set>/<method>) or its scores.json")
    p.add_argument("run_b", help="the other run, scored on the same images")
    p.add_argument("--metrics", help="comma-separated metrics (default: every metric both runs have)")
    p.add_argument("--alpha", type=float, default=0.05, help="family-wise significance level (default 0.05)")
    p.add_argument("--seed", type=types.seed, default=0, help="seed of the permutation draws (default 0)")
    p.add_argument("--out", help="also write the result as JSON (atomically)")
    p.add_argument(
        "--overwrite", action="store_true", help="replace an existing --out not written by compare"
    )
    p.set_defaults(func=cmd_compare)
