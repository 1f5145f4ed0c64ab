"""``flipnet-bench data {info,manifest,verify,align}`` and ``flipnet-bench publish``."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from flipnet_bench.cli import command_group
from flipnet_bench.config import load_section
from flipnet_bench.data.params import DataParams
from flipnet_bench.errors import BenchError

if TYPE_CHECKING:  # the registry lists folders (numpy, PIL): loaded when a command runs, not for --help
    from flipnet_bench.data.registry import DatasetSpec


def _data_params(path: str) -> DataParams:
    """The ``data:`` section of ``path``; the bundled defaults when the file is absent."""
    return load_section("data", path) if Path(path).is_file() else DataParams()


def _count(spec: DatasetSpec) -> int:
    from flipnet_bench.data.registry import DatasetCountWarning
    from flipnet_bench.io import Skipped, list_images

    if spec.kind == "pairs":
        with warnings.catch_warnings():  # the count note is printed by the caller
            warnings.simplefilter("ignore", DatasetCountWarning)
            return len(spec.pairs(lenient=True, skipped=Skipped()))
    return len(list_images(spec.root, lenient=True, skipped=Skipped()))


def cmd_info(args: argparse.Namespace) -> int:
    from flipnet_bench.data.registry import DATASETS, get_dataset

    params = _data_params(args.params)
    for name in args.names or DATASETS.names():
        entry = DATASETS.get(name)
        try:
            spec = get_dataset(name, params)
            n = _count(spec)
            where, count = str(spec.lq_root if spec.kind == "pairs" else spec.root), str(n)
            note = spec.count_note(n)
        except BenchError as exc:
            if args.names:
                raise
            where, count, note = "-", "-", f"NOT AVAILABLE: {exc}"
        official = entry.official_count if entry.official_count is not None else "-"
        print(f"{name:38s} {entry.kind:8s} {count:>6s} / {official!s:<5s} {where}")
        if note and not note.startswith("NOT AVAILABLE"):
            note = f"WARNING {note}"
        print(f"{'':38s} {entry.note}" + (f"\n{'':38s} {note}" if note else ""))
    return 0


def _spec_for_folder(folder: Path, params: DataParams) -> DatasetSpec | None:
    """The registered dataset whose root is ``folder``, if any (to compare counts with the official one)."""
    from flipnet_bench.data.registry import DATASETS, get_dataset

    for name in DATASETS.names():
        try:
            spec = get_dataset(name, params)
        except BenchError:
            continue
        if folder.resolve() in {p.resolve() for p in (spec.root, spec.lq_root) if p is not None}:
            return spec
    return None


def cmd_manifest(args: argparse.Namespace) -> int:
    from flipnet_bench.data.manifest import MANIFEST_NAME, write_manifest
    from flipnet_bench.io.outfile import check_output_file

    target = args.out if args.out is not None else Path(args.dir) / MANIFEST_NAME
    check_output_file(target, "manifest", flag="--out", inputs=[args.dir], allow_inside=[args.dir],
                      overwrite=args.overwrite)  # fmt: skip
    out = write_manifest(args.dir, args.out)
    print(f"wrote {out}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from flipnet_bench.data.manifest import verify_manifest
    from flipnet_bench.data.registry import DATASETS, get_dataset

    target = Path(args.dir)
    if not target.exists() and args.dir in DATASETS:
        target = get_dataset(args.dir, _data_params(args.params)).root
    report = verify_manifest(target, args.manifest)
    for line in report.lines():
        print(line)
    print(f"{target}: {report.summary()}")
    spec = _spec_for_folder(target, _data_params(args.params))
    if spec is not None:
        note = spec.count_note(report.checked - len(report.missing))
        print(
            f"dataset {spec.name}: "
            + (f"WARNING {note}" if note else "count matches or has no official value")
        )
    return 0 if report.ok else 1


def cmd_align(args: argparse.Namespace) -> int:
    from flipnet_bench.data.align import align_folder

    report = align_folder(
        args.src,
        args.out,
        args.landmarks,
        args.size,
        args.detector,
        args.pick,
        args.suffix,
        args.lenient,
        overwrite=args.overwrite,
    )
    print(report.summary())
    for rel in report.no_face:
        print(f"no face found: {rel}", file=sys.stderr)
    if report.skipped:
        print(report.skipped.report(), file=sys.stderr)
    print(f"no-face list: {Path(args.out) / 'no_face.txt'}")
    return 0


def cmd_sheet(args: argparse.Namespace) -> int:
    from flipnet_bench.data.bundle import contact_sheet
    from flipnet_bench.io import list_images, write_image
    from flipnet_bench.io.outfile import check_output_file

    check_output_file(args.out, "sheet", flag="OUT", inputs=[args.dir], overwrite=args.overwrite)
    for flag, value in (("--count", args.count), ("--cols", args.cols), ("--cell", args.cell)):
        if value < 1:
            raise BenchError(f"{flag} must be >= 1, got {value}")
    files = list_images(args.dir)
    write_image(args.out, contact_sheet(files, args.count, args.cols, args.cell, not args.no_marks))
    print(f"wrote {args.out} ({min(args.count, len(files))} of {len(files)} images)")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    import tempfile

    from flipnet_bench.data.hub import export_pairs, resolve_pair_folder, upload

    folder = resolve_pair_folder(args.dir, args.lq, args.hq, args.metadata)
    if args.to_dir:
        out = export_pairs(folder, args.to_dir, args.repo_id, args.license, overwrite=args.overwrite)
        print(f"wrote the Hub export of {args.repo_id} to {out} (nothing uploaded)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        out = export_pairs(folder, Path(tmp) / "export", args.repo_id, args.license, claim=False)
        upload(out, args.repo_id, private=args.private)
    print(f"uploaded to https://huggingface.co/datasets/{args.repo_id}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    sub = command_group(subparsers, "data", help="dataset registry, manifests and face alignment")
    p = sub.add_parser("info", help="list registered datasets with roots and counts vs official counts")
    p.add_argument("names", nargs="*")
    p.add_argument("--params", default="params.yaml")
    p.set_defaults(func=cmd_info)
    p = sub.add_parser("manifest", help="write DIR/manifest.json (path, sha256, bytes, width×height)")
    p.add_argument("dir")
    p.add_argument("--out", default=None, help="manifest file (default DIR/manifest.json)")
    p.add_argument(
        "--overwrite", action="store_true", help="replace an existing --out that is not a manifest"
    )
    p.set_defaults(func=cmd_manifest)
    p = sub.add_parser("verify", help="check DIR (or a dataset name) against its manifest")
    p.add_argument("dir")
    p.add_argument("--manifest", default=None)
    p.add_argument("--params", default="params.yaml")
    p.set_defaults(func=cmd_verify)
    p = sub.add_parser("align", help="FFHQ-style aligned crops of every face image under SRC")
    p.add_argument("src")
    p.add_argument("out")
    p.add_argument("--landmarks", default=None, help="JSON: relative image path -> 5/68/189 (x, y) points")
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--detector", choices=("mtcnn", "dlib"), default="mtcnn")
    p.add_argument("--pick", choices=("largest", "center"), default="largest", help="face kept when several")
    p.add_argument("--suffix", choices=(".png", ".jpg"), default=".png")
    p.add_argument(
        "--lenient", action="store_true", help="skip unreadable files (listed) instead of stopping"
    )
    p.add_argument(
        "--overwrite", action="store_true", help="OUT holds other settings: delete its aligned images first"
    )
    p.set_defaults(func=cmd_align)
    p = sub.add_parser("sheet", help="contact sheet of evenly spaced images of DIR (template points marked)")
    p.add_argument("dir")
    p.add_argument("out")
    p.add_argument("--count", type=int, default=24)
    p.add_argument("--cols", type=int, default=6)
    p.add_argument("--cell", type=int, default=128)
    p.add_argument("--no-marks", action="store_true")
    p.add_argument("--overwrite", action="store_true", help="replace an existing OUT file")
    p.set_defaults(func=cmd_sheet)
    for parent in (subparsers, sub):  # `flipnet-bench publish` and its alias `flipnet-bench data publish`
        _add_publish(parent)


def _add_publish(parent: argparse._SubParsersAction) -> None:
    p = parent.add_parser("publish", help="export an LQ/HQ pair folder as a Hugging Face dataset")
    p.add_argument("dir", nargs="?", default=None, help="pair folder with lq/, hq/, metadata.(parquet|csv)")
    p.add_argument("--lq", default=None)
    p.add_argument("--hq", default=None)
    p.add_argument("--metadata", default=None)
    p.add_argument("--repo-id", required=True)
    p.add_argument("--to-dir", default=None, help="write exactly what would be uploaded here; no upload")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="--to-dir holds other settings or was not made by publish: replace its README.md and data/",
    )
    p.add_argument("--private", action="store_true")
    p.add_argument("--license", default="other")
    p.set_defaults(func=cmd_publish)
