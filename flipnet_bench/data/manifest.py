"""Dataset manifests: per file relative path, SHA-256, bytes and width × height, and their verification.

A manifest pins a folder's exact contents so a benchmark number can be traced to the bytes it was computed on;
``verify_manifest`` names every missing, extra and changed file rather than stopping at the first.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from flipnet_bench.errors import BenchError
from flipnet_bench.io import IMAGE_SUFFIXES, ImageReadError, write_json
from flipnet_bench.io.folders import FOLDER_NAMED_LIKE_IMAGE, entry_problem
from flipnet_bench.io.hashing import sha256_file
from flipnet_bench.io.images import image_size
from flipnet_bench.io.names import check_unique, safe_name

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1


def _size(path: Path) -> list[int] | None:
    """[width, height] of an image file (header only, size-limited like every read), None for other files."""
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        return None
    try:
        return list(image_size(path))
    except ImageReadError as exc:
        raise BenchError(f"{exc}; fix or remove it before writing a manifest") from exc


def _walk(root: Path, exclude: set[Path]) -> list[Path]:
    """Every file under ``root`` except hidden ones and the manifest(s) themselves, sorted.

    A dangling link, a link loop or a link to a folder is an error naming it: a manifest never leaves a file
    out unseen.
    """
    files = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=_walk_error):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in [*dirnames, *filenames]:
            path = Path(dirpath) / name
            if name.startswith(".") or name == MANIFEST_NAME:
                continue
            problem = entry_problem(path, follows_folders=True)
            if problem == FOLDER_NAMED_LIKE_IMAGE or (problem is None and path.is_dir()):
                continue  # an ordinary folder (whatever its name): walked into
            if problem is not None:
                raise BenchError(f"{safe_name(path)}: {problem}; fix or remove it before writing a manifest")
            if path.resolve() not in exclude:
                files.append(path)
    check_unique((p.relative_to(root).as_posix() for p in files), safe_name(root))
    return sorted(files, key=lambda p: _rel(root, p))


def _walk_error(exc: OSError) -> None:
    raise BenchError(f"{safe_name(exc.filename)}: cannot list this folder ({exc.strerror})") from exc


def _rel(root: Path, path: Path) -> str:
    """The manifest key of ``path``: relative, POSIX, undecodable bytes as ``\\xNN`` (see io/names.py)."""
    return safe_name(path.relative_to(root).as_posix())


def file_entry(root: Path, path: Path) -> dict[str, Any]:
    entry: dict[str, Any] = {"path": _rel(root, path), "sha256": sha256_file(path)}
    entry["bytes"] = path.stat().st_size
    size = _size(path)
    if size is not None:
        entry["width"], entry["height"] = size
    return entry


def build_manifest(root: str | Path, exclude: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The manifest of ``root`` as a dict (not written)."""
    root = Path(root)
    if not root.is_dir():
        raise BenchError(f"{root}: not a folder")
    files = _walk(root, {p.resolve() for p in exclude})
    entries = [file_entry(root, p) for p in tqdm(files, desc=f"hash {root.name}", unit="file", leave=False)]
    return {
        "version": MANIFEST_VERSION,
        "count": len(entries),
        "total_bytes": sum(e["bytes"] for e in entries),
        "files": entries,
    }


def write_manifest(root: str | Path, out: str | Path | None = None) -> Path:
    """Write ``root``'s manifest to ``out`` (default ``root/manifest.json``); returns the path written."""
    root = Path(root)
    out = Path(out) if out is not None else root / MANIFEST_NAME
    write_json(out, build_manifest(root, exclude=(out,)))
    return out


@dataclass
class VerifyReport:
    """Differences between a folder and its manifest."""

    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    checked: int = 0

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.changed)

    def lines(self) -> list[str]:
        out = [f"missing {p}" for p in self.missing]
        out += [f"extra   {p}" for p in self.extra]
        out += [f"changed {p}" for p in self.changed]
        return out

    def summary(self) -> str:
        state = "OK" if self.ok else "FAILED"
        return (
            f"{state}: {self.checked} files in manifest, {len(self.missing)} missing, "
            f"{len(self.extra)} extra, {len(self.changed)} changed"
        )


def read_manifest(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise BenchError(
            f"{path}: manifest not found; create it with `flipnet-bench data manifest {path.parent}`"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BenchError(f"{path}: manifest is not valid JSON ({exc}); re-create it") from exc
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise BenchError(f"{path}: not a flipnet-bench manifest (no 'files' list)")
    for index, entry in enumerate(data["files"]):
        _check_entry(path, index, entry)
    return data


# Keys every manifest entry has, with their type (width/height are optional: only images have them).
_ENTRY_KEYS: dict[str, type] = {"path": str, "sha256": str, "bytes": int}


def _check_entry(path: Path, index: int, entry: object) -> None:
    """A manifest entry with a missing or mistyped key is an error naming the entry and the key."""
    if not isinstance(entry, dict):
        raise BenchError(f"{path}: files[{index}] is not an object; re-create the manifest")
    name = entry.get("path", f"files[{index}]")
    for key, kind in _ENTRY_KEYS.items():
        value = entry.get(key)
        if value is None:
            raise BenchError(f"{path}: entry {name!r} has no {key!r}; re-create the manifest")
        if not isinstance(value, kind) or isinstance(value, bool) or (kind is int and value < 0):
            raise BenchError(
                f"{path}: entry {name!r} has {key!r} = {value!r}, expected "
                f"{'a non-negative integer' if kind is int else 'a string'}; re-create the manifest"
            )
    if len(entry["sha256"]) != 64:
        raise BenchError(f"{path}: entry {name!r} has a malformed 'sha256'; re-create the manifest")


def verify_manifest(root: str | Path, manifest: str | Path | None = None) -> VerifyReport:
    """Compare ``root`` with its manifest (size first, then SHA-256); never stops at the first difference."""
    root = Path(root)
    if not root.is_dir():
        raise BenchError(f"{root}: not a folder")
    mpath = Path(manifest) if manifest is not None else root / MANIFEST_NAME
    expected = {e["path"]: e for e in read_manifest(mpath)["files"]}
    present = {_rel(root, p): p for p in _walk(root, {mpath.resolve()})}
    report = VerifyReport(checked=len(expected))
    report.missing = sorted(set(expected) - set(present))
    report.extra = sorted(set(present) - set(expected))
    for rel in tqdm(
        sorted(set(expected) & set(present)), desc=f"verify {root.name}", unit="file", leave=False
    ):
        path, entry = present[rel], expected[rel]
        if path.stat().st_size != entry["bytes"] or sha256_file(path) != entry["sha256"]:
            report.changed.append(rel)
    return report
