"""Make the shipped synthetic CelebA-Test-style test pairs once (``data/default/synthetic-…@hq-test``).

Usage: ``python scripts/make_test_pairs.py [--overwrite]``. Reads params.yaml ``data`` (the HQ test split
and ``data.synthetic_test``, the folder written) and ``prepare`` (model, preset, seed), degrades every HQ test
face once and writes lq/*.webp, metadata.csv, recipe.json and manifest.json (flipnet_bench/data/testpairs.py).
``dvc repro`` never runs this: it verifies the committed files. Re-making the set on another CPU type can give
other bytes (docs/reproducibility.md), so a new set is a deliberate, committed change of the benchmark.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flipnet_bench.config import load_section  # noqa: E402
from flipnet_bench.data.registry import get_dataset  # noqa: E402
from flipnet_bench.data.testpairs import Recipe, make_test_pairs  # noqa: E402
from flipnet_bench.errors import BenchError  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default=str(ROOT / "params.yaml"))
    parser.add_argument("--overwrite", action="store_true", help="replace an existing shipped set")
    args = parser.parse_args()
    try:
        data, prep = load_section("data", args.params), load_section("prepare", args.params)
        pairs = get_dataset(f"synthetic-celeba-test-style@{prep.source}", data)
        record = make_test_pairs(
            pairs.gt_root, pairs.root, Recipe(prep.model, prep.preset, prep.seed), overwrite=args.overwrite
        )
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    print(f"{pairs.root}: {len(record['pairs'])} pairs written with manifest.json")


if __name__ == "__main__":
    main()
