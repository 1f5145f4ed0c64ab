"""Rebuild the bundled default data (``data/default``) from the shared data folder.

Usage: ``python scripts/make_default_data.py SHARED_DATA [--out data/default] [--parts hq real-lq ...]``

Each part is built into a temporary sibling folder and swapped in only when complete, then every dataset
folder gets a ``manifest.json``. The selection and processing are deterministic, so a rebuild gives identical
manifests (compare with ``git diff data/default``).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

from flipnet_bench.data.bundle import REAL_LQ_SETS, build_hq, build_real_lq, build_real_pairs, build_realism
from flipnet_bench.data.manifest import write_manifest
from flipnet_bench.errors import BenchError
from flipnet_bench.io import atomic_open

PARTS = ("hq", "real-lq", "real-pairs", "realism", "attribution")
LFW_COUNT = 1200  # as many LFW faces as keep data/default under 20 MB (see docs/data.md)


def _swap_in(tmp: Path, final: Path) -> None:
    if final.exists():
        shutil.rmtree(final)
    tmp.rename(final)


def _fresh(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def write_attribution(shared: Path, out: Path, lfw_count: int) -> None:
    """ATTRIBUTION.md: the licence table of the shared data README, kept with everything derived from it."""
    readme = (shared / "README.md").read_text(encoding="utf-8")
    used = ("folder", "---", "`hq-webmorph/`", "`lfw-train/`", "`real-lq-dev/`", "`real-pairs/`")
    table = "\n".join(
        line
        for line in readme.splitlines()
        if re.match(r"^\|[ -]*(" + "|".join(map(re.escape, used)) + ")", line)
    )
    text = (
        "# Attribution of the bundled default data\n\n"
        "`data/default` is a small derived subset (aligned and resized, see the Data section of README.md)\n"
        "of the following collections; their licences and attributions apply to the derived files.\n\n"
        f"- `hq/` — aligned 128² faces from `hq-webmorph` (all 344) and {lfw_count} of `lfw-train`.\n"
        "- `real-lq/` — 16 images per set from `real-lq-dev`, downscaled 512→128.\n"
        "- `real-pairs/` — centre 128² crops of pairs from `real-pairs` (`pairs.csv` keeps provenance).\n"
        "- `realism/` — native-pixel 96×192 crops (eyes–nose band of the 512² face) of 12 further\n"
        "  images per `real-lq-dev` set and of 8 held-out `hq-webmorph` faces aligned at 512²\n"
        "  (degradation realism study).\n"
        "- `synthetic-celeba-test-style@hq-test/` — the synthetic CelebA-Test-style test pairs: the 64\n"
        "  `hq/test` faces degraded once (classic model, GFPGAN preset, seed 2024) by\n"
        "  `python scripts/make_test_pairs.py`, stored as lossless WebP; derived from the `hq-webmorph`\n"
        "  faces above, whose licences apply.\n\n"
        f"{table}\n"
    )
    with atomic_open(out / "ATTRIBUTION.md", "w", encoding="utf-8") as handle:
        handle.write(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "shared", type=Path, help="the shared data folder (holds hq-webmorph/, lfw-train/, ...)"
    )
    parser.add_argument("--out", type=Path, default=Path("data/default"))
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument("--size", type=int, default=128, help="side of the HQ and real-LQ images")
    parser.add_argument("--lfw-count", type=int, default=LFW_COUNT)
    parser.add_argument(
        "--realism-full", action="store_true",
        help="realism part for the full-size run: 64 whole 512² HQ faces only (not for the bundle)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    try:
        if "hq" in args.parts:
            tmp = _fresh(out / ".build-hq")
            info = build_hq(args.shared, tmp, args.size, args.lfw_count)
            for split in ("train", "test"):
                write_manifest(tmp / split)
            _swap_in(tmp, out / "hq")
            print(f"hq: {info['counts']}, no face found in {len(info['no_face'])}: {info['no_face']}")
        if "real-lq" in args.parts:
            tmp = _fresh(out / ".build-real-lq")
            counts = build_real_lq(args.shared, tmp, args.size)
            for name in REAL_LQ_SETS.values():
                write_manifest(tmp / name)
            _swap_in(tmp, out / "real-lq")
            print(f"real-lq: {counts}")
        if "real-pairs" in args.parts:
            tmp = _fresh(out / ".build-real-pairs")
            n = build_real_pairs(args.shared, tmp)
            write_manifest(tmp)
            _swap_in(tmp, out / "real-pairs")
            print(f"real-pairs: {n} pairs")
        if "realism" in args.parts:
            tmp = _fresh(out / ".build-realism")
            full = {"real_count": 0, "hq_count": 64, "crop": False} if args.realism_full else {}
            counts = build_realism(args.shared, tmp, **full)
            for name in counts:
                write_manifest(tmp / name)
            _swap_in(tmp, out / "realism")
            print(f"realism: {counts}")
        if "attribution" in args.parts:
            write_attribution(args.shared, out, args.lfw_count)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"{out}: {total / 1e6:.2f} MB in total")
    return 0


if __name__ == "__main__":
    sys.exit(main())
