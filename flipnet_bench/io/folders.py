"""Listing image folders and pairing files by stem, with clear errors and an opt-in lenient mode."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from flipnet_bench.errors import BenchError
from flipnet_bench.io.images import IMAGE_SUFFIXES, ImageReadError, read_image


@dataclass
class Skipped:
    """Files left out in lenient mode, with the reason for each (reported, never silent)."""

    items: list[tuple[str, str]] = field(default_factory=list)

    def add(self, path: Path | str, reason: str) -> None:
        self.items.append((str(path), reason))

    def __len__(self) -> int:
        return len(self.items)

    def report(self) -> str:
        return "\n".join(f"skipped {p}: {r}" for p, r in self.items)


def list_images(
    folder: str | os.PathLike[str],
    recursive: bool = False,
    lenient: bool = False,
    skipped: Skipped | None = None,
) -> list[Path]:
    """Sorted image files of ``folder``; errors on a missing/empty folder, non-images and duplicate stems.

    With ``lenient`` the offending files are left out and recorded in ``skipped`` instead.
    """
    root = Path(folder)
    if not root.is_dir():
        raise BenchError(f"{root}: not a folder")
    skipped = skipped if skipped is not None else Skipped()
    pattern = "**/*" if recursive else "*"
    files = sorted(p for p in root.glob(pattern) if p.is_file() and not p.name.startswith("."))
    images: list[Path] = []
    for path in files:
        if path.suffix.lower() in IMAGE_SUFFIXES:
            images.append(path)
        elif path.suffix.lower() not in (".json", ".csv", ".txt", ".md", ".parquet", ".yaml"):
            if lenient:
                skipped.add(path, "not an image file")
            else:
                raise BenchError(f"{path}: not an image file in {root}; remove it or use --lenient")
    by_stem: dict[str, Path] = {}
    unique: list[Path] = []
    for path in images:
        key = str(path.relative_to(root).with_suffix(""))
        if key in by_stem:
            message = f"{path} and {by_stem[key]} have the same stem; rename one"
            if not lenient:
                raise BenchError(message)
            skipped.add(path, message)
            continue
        by_stem[key] = path
        unique.append(path)
    if not unique:
        raise BenchError(f"{root}: folder contains no images ({', '.join(IMAGE_SUFFIXES)})")
    return unique


def stem_key(root: str | os.PathLike[str], path: Path) -> str:
    """The pairing key of ``path``: its path relative to ``root`` without the suffix."""
    return str(path.relative_to(root).with_suffix(""))


def read_images_lenient(paths: list[Path], skipped: Skipped) -> list[tuple[Path, np.ndarray]]:
    """Decode ``paths``, recording undecodable ones in ``skipped`` instead of raising."""
    out = []
    for path in paths:
        try:
            out.append((path, read_image(path)))
        except ImageReadError as exc:
            skipped.add(path, str(exc))
    return out


def pair_by_stem(
    pred_dir: str | os.PathLike[str],
    gt_dir: str | os.PathLike[str],
    lenient: bool = False,
    skipped: Skipped | None = None,
) -> list[tuple[Path, Path]]:
    """Match prediction and ground-truth files by stem; a missing partner is an error (or skipped)."""
    skipped = skipped if skipped is not None else Skipped()
    preds = {stem_key(pred_dir, p): p for p in list_images(pred_dir, lenient=lenient, skipped=skipped)}
    gts = {stem_key(gt_dir, p): p for p in list_images(gt_dir, lenient=lenient, skipped=skipped)}
    missing = sorted(set(preds) - set(gts))
    if missing and not lenient:
        raise BenchError(
            f"{len(missing)} prediction(s) in {pred_dir} have no ground truth in {gt_dir}, e.g. "
            f"{preds[missing[0]]}; add the GT or pass --lenient"
        )
    for key in missing:
        skipped.add(preds[key], f"no ground-truth partner in {gt_dir}")
    return [(preds[k], gts[k]) for k in sorted(preds) if k in gts]
