"""Output-folder ownership: the one rule every command that writes a folder follows.

A folder the tool creates gets a marker file holding the settings record of the command that made it. Then:

* a re-run with the same settings resumes (leftover temp files of a killed run are removed first), and so
  does one whose only change is a larger value of the command's ``grows`` setting (a training length);
* a re-run with other settings refuses, naming both, unless ``overwrite``: then only the files of the kinds
  the command writes (its ``owned`` patterns) are deleted before it starts clean;
* a non-empty folder without the marker is never touched, unless ``overwrite`` (again: only owned patterns);
* an output folder that is, contains or lies inside a source folder, or contains the current folder, the
  home folder or ``/``, is refused outright (``overwrite`` does not lift this);
* one process at a time: the folder is locked (:mod:`flipnet_bench.io.lock`) before it is read or cleaned,
  so a second command on it stops with "in use by PID …" and deletes nothing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from flipnet_bench.errors import BenchError
from flipnet_bench.io.atomic import write_json
from flipnet_bench.io.lock import lock_output

MARKER = ".flipnet-bench-output.json"
#: Names :func:`flipnet_bench.io.atomic.atomic_path` gives its temporary files (``.NAME.XXXXXXXX.tmp.SUF``).
TEMP_NAME = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp(\.[^./]*)?$")


def _normalised(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The settings as they round-trip through JSON, so a record read back compares equal."""
    return json.loads(json.dumps(dict(settings), sort_keys=True, default=str))


def _differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    return "; ".join(f"{k}: recorded {json.dumps(old.get(k))}, now {json.dumps(new.get(k))}" for k in keys)


def _grown(old: Mapping[str, Any], new: Mapping[str, Any], key: str | None) -> bool:
    """``new`` equals ``old`` except for a larger number under ``key``."""
    if key is None or not isinstance(old.get(key), int) or not isinstance(new.get(key), int):
        return False
    return new[key] > old[key] and {**old, key: new[key]} == new


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_location(out: Path, sources: Iterable[str | os.PathLike[str]] = ()) -> None:
    """Refuse output folders whose cleaning could reach user data: sources, ``.``, home, ``/``."""
    target = out.resolve()
    protected = {"/": Path("/").resolve(), "the current folder": Path.cwd().resolve(), "home": Path.home()}
    for what, path in protected.items():
        if _is_within(path.resolve(), target):
            raise BenchError(f"{out}: refusing to write outputs into a folder that is or contains {what}; "
                             "give a new sub-folder")  # fmt: skip
    for source in sources:
        src = Path(source).resolve()
        if _is_within(src, target) or _is_within(target, src):
            raise BenchError(f"{out}: the output folder is, contains or lies inside the input folder "
                             f"{source}; give a separate output folder")  # fmt: skip


def clean_temp_files(out: Path) -> int:
    """Delete temp files left by a killed atomic write anywhere under ``out``; returns how many."""
    count = 0
    for path in out.rglob(".*"):
        if TEMP_NAME.match(path.name) and (path.is_file() or path.is_symlink()):
            path.unlink()
            count += 1
    return count


def remove_owned(out: Path, owned: Iterable[str]) -> None:
    """Delete what matches the glob patterns ``owned`` under ``out`` (a link itself, never its target)."""
    for pattern in owned:
        for path in sorted(out.glob(pattern), reverse=True):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            elif path.exists() or path.is_symlink():
                path.unlink()
    clean_temp_files(out)


def read_record(out: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The marker's record of ``out`` (None when the folder was not made by this tool)."""
    marker = Path(out) / MARKER
    if not marker.is_file():
        return None
    try:
        record = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BenchError(
            f"{marker}: unreadable output record ({exc}); pass --overwrite to start clean"
        ) from exc
    if not isinstance(record, dict) or not isinstance(record.get("settings"), dict):
        raise BenchError(f"{marker}: not an output record; pass --overwrite to start clean")
    return record


def claim_output(
    out: str | os.PathLike[str],
    command: str,
    settings: Mapping[str, Any],
    *,
    owned: Iterable[str],
    sources: Iterable[str | os.PathLike[str]] = (),
    overwrite: bool = False,
    grows: str | None = None,
) -> bool:
    """Make ``out`` this command's output folder (see the module rules); returns True when resuming.

    ``owned`` are glob patterns (relative to ``out``) of everything the command writes; ``settings`` must
    not hold anything that varies between identical runs (it is part of the folder's bytes). ``grows`` names
    a setting (a training length whose first steps do not depend on it) that may be larger than recorded: the
    run then continues and the record takes the new value; a smaller value is refused like any other change.
    """
    out = Path(out)
    check_location(out, sources)
    if out.exists() and not out.is_dir():
        raise BenchError(f"{out}: exists and is not a folder; give a folder path")
    lock_output(out, command)  # before anything is read or cleaned: one process per folder
    owned = tuple(owned)
    record = {"command": command, "created_by": "flipnet-bench", "settings": _normalised(settings)}
    try:
        previous = read_record(out)
    except BenchError:
        if not overwrite:
            raise
        previous = None
    if previous is not None:
        old = previous["settings"]
        same = previous.get("command") == command and old == record["settings"]
        if same or (previous.get("command") == command and _grown(old, record["settings"], grows)):
            clean_temp_files(out)
            if not same:
                write_json(out / MARKER, record)
            return True
        if not overwrite:
            diff = _differences(
                {**previous["settings"], "command": previous.get("command")},
                {**record["settings"], "command": command},
            )
            raise BenchError(f"{out} holds the output of other settings ({diff}); give a new output folder, "
                             "or pass --overwrite to delete the old outputs and start clean")  # fmt: skip
        remove_owned(out, owned)
    elif out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise BenchError(f"{out}: not empty and not created by flipnet-bench (no {MARKER}); refusing to "
                             "write into it. Give a new or empty folder, or pass --overwrite to replace the "
                             f"files this command writes there ({', '.join(owned)})")  # fmt: skip
        remove_owned(out, owned)
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / MARKER, record)
    return False
