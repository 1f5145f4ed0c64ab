"""``flipnet-bench audit``: check that the benchmark's numbers reproduce, print a table, write JSON.

Exit status 0 when no check failed, 1 when any did (the summary names each), 2 for unusable input.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from flipnet_bench.audit.base import CHECK_ORDER, DEFAULT_SAMPLES, FULL_SAMPLES, AuditOptions
from flipnet_bench.io import args as types


def run(args: argparse.Namespace) -> int:
    from flipnet_bench.audit.report import run_audit, write_report
    from flipnet_bench.io.outfile import check_output_file

    json_path = Path(args.json) if args.json else Path(args.root).resolve() / "out" / "audit.json"
    datasets = [*args.dataset, Path(args.root) / args.params]
    check_output_file(json_path, "audit", flag="--json", inputs=datasets, overwrite=args.overwrite)
    params_file = Path(args.root) / args.params
    if params_file.is_file():  # unusable params are an input error (exit 2), not a failed check
        from flipnet_bench.config import load_params

        load_params(params_file)
    options = AuditOptions(
        root=Path(args.root).resolve(),
        full=args.full,
        fail_on_env_diff=args.fail_on_env_diff,
        samples=args.samples,
        seed=args.seed,
        params=args.params,
        datasets=tuple(Path(d).resolve() for d in args.dataset),
    )
    checks = [c.strip() for c in args.checks.split(",") if c.strip()] if args.checks else None
    report = run_audit(options, checks, progress=not args.quiet)
    report.render(verbose=args.verbose)
    write_report(report, json_path)
    print(f"audit report written to {json_path}")
    return 0 if report.ok else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "audit",
        help="check that the pipeline's outputs and metrics reproduce",
        description="Checks, in order: dvc status against dvc.lock; dataset manifests and the prepare "
        "stage's file records; weight files against their pinned SHA-256; the environment recorded beside "
        "each metrics file against this machine; determinism (re-runs a sample of synthesis and restoration "
        "with the recorded seeds: identical pixels on CPU); re-scoring (recomputes metrics from the stored "
        "images); exported datasets' fingerprints against their cards. Exits 1 if any check fails.",
    )
    p.add_argument(
        "--full",
        action="store_true",
        help=f"re-run {FULL_SAMPLES} images per folder (default {DEFAULT_SAMPLES}) and re-score "
        "every metric (default: psnr, ssim, niqe)",
    )
    p.add_argument("--json", metavar="OUT", help="write the JSON report here (default ROOT/out/audit.json)")
    p.add_argument(
        "--overwrite", action="store_true", help="replace an existing --json that is not an audit report"
    )
    p.add_argument(
        "--fail-on-env-diff",
        action="store_true",
        help="fail (not only warn) when a recorded environment differs from this machine",
    )
    p.add_argument("--root", default=".", help="project root (folder with dvc.yaml and params.yaml)")
    p.add_argument("--params", default="params.yaml", help="params file, relative to the root")
    p.add_argument("--checks", help=f"comma-separated subset of: {', '.join(CHECK_ORDER)}")
    p.add_argument(
        "--samples", type=types.positive, help="images re-run per output folder (overrides --full's count)"
    )
    p.add_argument("--seed", type=types.seed, default=0, help="seed of the sample selection")
    p.add_argument(
        "--dataset",
        action="append",
        default=[],
        metavar="DIR",
        help="an exported/published dataset folder to check (besides those found under the root)",
    )
    p.add_argument("--verbose", "-v", action="store_true", help="list every named item under its row")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
