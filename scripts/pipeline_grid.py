"""The README's restoration figure from `dvc repro` outputs: LQ | each method | HQ for the first faces of the
synthetic test set.

    python scripts/pipeline_grid.py [--methods restorer_o flipnet_o flipnet] [--n 6]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from flipnet_eval import grid  # noqa: E402

from flipnet_bench.data.registry import get_dataset  # noqa: E402
from flipnet_bench.io import list_images, read_image, to_tensor  # noqa: E402


def _load(folder: Path, stem: str) -> torch.Tensor:
    return to_tensor(read_image(next(p for p in list_images(folder) if p.stem == stem)))[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--restored", type=Path, default=Path("out/restored/synthetic-hq-test"))
    ap.add_argument("--methods", nargs="+", default=["restorer_o", "flipnet_o", "flipnet"])
    ap.add_argument("--n", type=int, default=6)
    ap.add_argument("--out", type=Path, default=Path("docs/pipeline_restore.png"))
    args = ap.parse_args()
    pairs = get_dataset("synthetic-celeba-test-style@hq-test")  # shipped LQ files, HQ = the hq-test split
    stems = [p.stem for p in list_images(pairs.lq_root)][: args.n]
    folders = [pairs.lq_root, *(args.restored / m for m in args.methods), pairs.gt_root]
    grid([[_load(f, s) for f in folders] for s in stems], args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
