"""``flipnet-bench report screenshot``: render the HTML leaderboard with headless Chromium into a PNG."""

from __future__ import annotations

import argparse
from pathlib import Path


def cmd_screenshot(args: argparse.Namespace) -> int:
    from flipnet_bench.errors import BenchError
    from flipnet_bench.io.outfile import check_output_file
    from flipnet_bench.report.browser import screenshot

    check_output_file(args.out, "screenshot", flag="--out", inputs=[args.page], overwrite=args.overwrite)
    if args.width < 1 or args.height < 1:
        raise BenchError(f"--width and --height must be >= 1, got {args.width} and {args.height}")
    path = screenshot(args.page, args.out, args.width, args.height)
    print(f"screenshot written to {path}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    from flipnet_bench.cli import command_group

    report = command_group(subparsers, "report", help="leaderboard page utilities")
    s = report.add_parser("screenshot", help="screenshot the HTML leaderboard (needs Debian's chromium)")
    s.add_argument("--page", type=Path, default=Path("out/leaderboard/index.html"))
    s.add_argument("--out", type=Path, default=Path("out/leaderboard/screenshot.png"))
    s.add_argument("--width", type=int, default=1400)
    s.add_argument("--height", type=int, default=1000)
    s.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    s.set_defaults(func=cmd_screenshot)
