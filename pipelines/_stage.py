"""Shared plumbing of the stage scripts: typed params, the weights cache and the stage's own arguments."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.chdir(ROOT)  # DVC runs stages from the project root; make direct `python pipelines/x.py` calls agree.
sys.path.insert(0, str(ROOT))

from flipnet_bench.config import load_section  # noqa: E402
from flipnet_bench.errors import BenchError  # noqa: E402


def pipeline_params():  # noqa: ANN201 - the typed section
    """The ``pipeline`` section; points the weights manager at ``pipeline.weights_dir`` when set."""
    params = load_section("pipeline")
    if params.weights_dir is not None:
        os.environ["FLIPNET_BENCH_WEIGHTS"] = str(Path(params.weights_dir).resolve())
    return params


def run(main: Callable[[argparse.Namespace], None], parser: argparse.ArgumentParser) -> None:
    """Run a stage: BenchErrors print as one clear line with exit status 2 (like the CLI)."""
    try:
        main(parser.parse_args())
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
