"""Single-file outputs: the one rule every command that writes a file (``--out``, ``--per-image``) follows.

Checked before any work, so a refused path costs nothing and nothing is half-done:

* an existing folder given as a file output is an error;
* an output that is an input file, or lies inside an input folder, is refused (``--overwrite`` does not lift
  this), as are two outputs of one command on the same path;
* an existing file is replaced only when it is recognisably this command's output of this kind (each kind
  knows its own format: :data:`KINDS`), or with ``--overwrite``; anything else (an image, a user's JSON,
  another command's output) is refused with its name and the flag that allows it.

Writes themselves stay atomic (:mod:`flipnet_bench.io.atomic`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flipnet_bench.errors import BenchError
from flipnet_bench.io.names import safe_name

PathLike = str | os.PathLike[str]


def _json_object(path: Path) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _json_with(*keys: str, nested: tuple[str, str] | None = None) -> Callable[[Path], bool]:
    """A JSON object holding every key of ``keys`` (with ``nested``: ``data[outer]`` holding ``inner``)."""

    def recognise(path: Path) -> bool:
        data = _json_object(path)
        if data is None or not all(k in data for k in keys):
            return False
        if nested is None:
            return True
        outer = data.get(nested[0])
        return isinstance(outer, dict) and nested[1] in outer

    return recognise


def _per_image_parquet(path: Path) -> bool:
    """``score --per-image``: a Parquet table indexed by ``key`` (pandas' schema metadata says so)."""
    try:
        import pyarrow.parquet as pq

        meta = pq.read_schema(path).pandas_metadata or {}
    except Exception:  # noqa: BLE001 - any unreadable file is simply "not this kind"
        return False
    return meta.get("index_columns") == ["key"]


def _fid_stats_npz(path: Path) -> bool:
    """``fid-stats``: an .npz holding exactly ``mu``, ``sigma`` and ``count`` (read without pickles)."""
    try:
        import numpy as np

        with np.load(path, allow_pickle=False) as data:
            return set(data.files) == {"mu", "sigma", "count"}
    except Exception:  # noqa: BLE001
        return False


def _never(path: Path) -> bool:
    """Formats that carry no recognisable record (PNG images): an existing file always needs --overwrite."""
    return False


@dataclass(frozen=True)
class FileKind:
    """One kind of single-file output: the command writing it, what it is, and how to recognise one."""

    command: str
    what: str
    recognise: Callable[[Path], bool]


KINDS: dict[str, FileKind] = {
    "scores": FileKind(
        "score", "a scores JSON", _json_with("metrics", "info", nested=("info", "flipnet_bench_version"))
    ),
    "protocol-scores": FileKind("score --protocol", "a protocol scores JSON", _json_with("protocol", "rows")),
    "per-image": FileKind("score", "a per-image Parquet", _per_image_parquet),
    "fid-stats": FileKind("fid-stats", "FID statistics (.npz mu/sigma/count)", _fid_stats_npz),
    "compare": FileKind(
        "compare", "a comparison JSON", _json_with("a", "b", "alpha", "correction", "metrics")
    ),
    "realism": FileKind(
        "realism", "a realism-study JSON", _json_with("settings", "inputs", "columns", "verdict")
    ),
    "manifest": FileKind(
        "data manifest", "a manifest", _json_with("version", "count", "total_bytes", "files")
    ),
    "audit": FileKind("audit", "an audit report", _json_with("ok", "root", "checks", "counts")),
    "sheet": FileKind("data sheet", "a contact sheet", _never),
    "screenshot": FileKind("report screenshot", "a screenshot", _never),
}


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_output_file(
    path: PathLike | None,
    kind: str,
    *,
    flag: str,
    inputs: Iterable[PathLike | None] = (),
    overwrite: bool = False,
    allow_inside: Iterable[PathLike | None] = (),
) -> Path | None:
    """Apply the module's rules to one output file before any work; returns it as a Path (None passes).

    ``inputs`` are every file and folder the command reads; ``allow_inside`` are input folders the output
    may lie inside by design (``data manifest`` writes ``DIR/manifest.json``) but still never replace a
    file of.
    """
    if path is None:
        return None
    spec = KINDS[kind]
    out = Path(path)
    shown = safe_name(out)
    if out.is_dir():
        raise BenchError(f"{flag} {shown}: is a folder; give a file path (e.g. {shown}/out{_suffix(kind)})")
    target = out.resolve()
    allowed = {Path(p).resolve() for p in allow_inside if p is not None}
    for source in inputs:
        if source is None:
            continue
        src = Path(source).resolve()
        if target == src or (_inside(target, src) and src not in allowed):
            raise BenchError(f"{flag} {shown}: is or lies inside the input {safe_name(source)}; "
                             "inputs are never outputs (--overwrite does not change this)")  # fmt: skip
    if out.exists() or out.is_symlink():
        if out.is_symlink() or not out.is_file():
            raise BenchError(f"{flag} {shown}: exists and is not a regular file; give another path")
        if not overwrite and spec.recognise is _never:
            raise BenchError(f"{flag} {shown}: exists (an image carries no record of what wrote it); give a "
                             "new path, or pass --overwrite to replace it")  # fmt: skip
        if not overwrite and not spec.recognise(out):
            raise BenchError(f"{flag} {shown}: exists and is not {spec.what} written by "
                             f"`flipnet-bench {spec.command}`; give a new path, or pass --overwrite to "
                             "replace it")  # fmt: skip
    return out


def check_distinct(outputs: dict[str, PathLike | None]) -> None:
    """Two outputs of one command (flag → path) must not be the same file."""
    seen: dict[Path, str] = {}
    for flag, path in outputs.items():
        if path is None:
            continue
        resolved = Path(path).resolve()
        if resolved in seen:
            raise BenchError(
                f"{flag} and {seen[resolved]} name the same file {safe_name(path)}; give two paths"
            )
        seen[resolved] = flag


def _suffix(kind: str) -> str:
    return {"per-image": ".parquet", "fid-stats": ".npz", "sheet": ".png", "screenshot": ".png"}.get(
        kind, ".json"
    )
