"""Write dvc.yaml from the stage table (flipnet_bench/pipeline/stages.py) and params.yaml.

python scripts/gen_dvc.py           # rewrite dvc.yaml
python scripts/gen_dvc.py --check   # exit 1 and print the diff when dvc.yaml is not what it generates
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flipnet_bench.errors import BenchError  # noqa: E402
from flipnet_bench.io import atomic_open  # noqa: E402
from flipnet_bench.pipeline.imports import REPO  # noqa: E402
from flipnet_bench.pipeline.render import diff, generate  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on a difference")
    parser.add_argument("--out", type=Path, default=REPO / "dvc.yaml")
    parser.add_argument("--params", type=Path, default=REPO / "params.yaml")
    args = parser.parse_args()
    try:
        if args.check:
            text = diff(args.out, args.params)
            print(text or f"{args.out}: up to date", end="" if text else "\n")
            return 1 if text else 0
        with atomic_open(args.out, "w", encoding="utf-8") as handle:
            handle.write(generate(args.params))
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
