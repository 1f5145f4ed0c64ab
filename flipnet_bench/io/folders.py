"""Listing image folders and pairing files by stem, with clear errors and an opt-in lenient mode."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from flipnet_bench.errors import BenchError
from flipnet_bench.io.hints import lenient_hint
from flipnet_bench.io.images import IMAGE_SUFFIXES, ImageReadError, read_image
from flipnet_bench.io.names import check_unique, safe_name


@dataclass
class Skipped:
    """Files left out in lenient mode, with the reason for each (reported, never silent)."""

    items: list[tuple[str, str]] = field(default_factory=list)

    def add(self, path: Path | str, reason: str) -> None:
        self.items.append((safe_name(path), reason))

    def __len__(self) -> int:
        return len(self.items)

    def report(self) -> str:
        return "\n".join(f"skipped {p}: {r}" for p, r in self.items)


FOLDER_NAMED_LIKE_IMAGE = "a folder named like an image file"


def entry_problem(path: Path, follows_folders: bool = False) -> str | None:
    """Why a folder entry cannot be listed as a file (never skipped silently), or None when it can.

    Dangling links and link loops, a folder named like an image (``x.png/``) and, in recursive listings, a
    link to a folder (not followed, so its files would be left out unseen).
    """
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop"
        return "dangling symbolic link" if path.is_symlink() else f"cannot be read ({exc.strerror})"
    if path.is_dir():
        if follows_folders and path.is_symlink():
            return "a link to a folder (not followed); replace it with the folder itself"
        if path.suffix.lower() in IMAGE_SUFFIXES:
            return FOLDER_NAMED_LIKE_IMAGE
    return None


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
    files = []
    for path in sorted(p for p in root.glob(pattern) if not p.name.startswith(".")):
        problem = entry_problem(path, recursive)
        if problem is None:
            if path.is_file():
                files.append(path)
        elif lenient:
            skipped.add(path, problem)
        else:
            raise BenchError(f"{safe_name(path)}: {problem} in {safe_name(root)}; fix it{lenient_hint()}")
    images: list[Path] = []
    for path in files:
        if path.suffix.lower() in IMAGE_SUFFIXES:
            images.append(path)
        elif path.suffix.lower() not in (".json", ".csv", ".txt", ".md", ".parquet", ".yaml"):
            if lenient:
                skipped.add(path, "not an image file")
            else:
                raise BenchError(f"{path}: not an image file in {root}; remove it{lenient_hint()}")
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
    check_unique(by_stem, safe_name(root))
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
    missing_preds: list[str] | None = None,
) -> list[tuple[Path, Path]]:
    """Match prediction and ground-truth files by stem; a missing partner is an error (or skipped).

    A ground truth without prediction would silently shrink the scored set, so it is an error naming the
    stems (``--lenient`` does not lift it); only a caller that passes a ``missing_preds`` list, which
    receives the stems to record and print, accepts it.
    """
    skipped = skipped if skipped is not None else Skipped()
    preds = {stem_key(pred_dir, p): p for p in list_images(pred_dir, lenient=lenient, skipped=skipped)}
    gts = {stem_key(gt_dir, p): p for p in list_images(gt_dir, lenient=lenient, skipped=skipped)}
    missing = sorted(set(preds) - set(gts))
    if missing and not lenient:
        raise BenchError(
            f"{len(missing)} prediction(s) in {pred_dir} have no ground truth in {gt_dir}, e.g. "
            f"{preds[missing[0]]}; add the GT{lenient_hint('score the others')}"
        )
    for key in missing:
        skipped.add(preds[key], f"no ground-truth partner in {gt_dir}")
    absent = sorted(set(gts) - set(preds))
    if absent and missing_preds is None:
        shown = ", ".join(absent[:10]) + (f", ... ({len(absent)} in all)" if len(absent) > 10 else "")
        raise BenchError(
            f"{len(absent)} ground-truth image(s) in {gt_dir} have no prediction in {pred_dir}: {shown}; "
            "add the predictions, or pass --allow-missing to score the rest (the exclusion is recorded)"
        )
    if missing_preds is not None:
        missing_preds.extend(absent)
    return [(preds[k], gts[k]) for k in sorted(preds) if k in gts]
