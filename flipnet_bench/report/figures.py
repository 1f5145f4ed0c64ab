"""Figure records (``docs/figures.json``): for each figure in docs/, the command that makes it, the SHA-256
of the figure and of each input it was made from. A figure is stale when an input's hash differs from its
record (the input changed after the figure was made) or the figure's own hash does (replaced, not recorded).
Content hashes, not file times: they mean the same in a fresh clone.

An input is a path in the repository (a file, or a folder: every file's name and SHA-256) or ``dvc:PATH``, a
pipeline output named by its hash in ``dvc.lock`` (outputs are not in git; their lock entry is).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml

from flipnet_bench.errors import BenchError
from flipnet_bench.io import atomic_open
from flipnet_bench.io.hashing import sha256_file

RECORD = Path("docs/figures.json")
DVC_PREFIX = "dvc:"


def _folder_sha256(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(bytes.fromhex(sha256_file(path)))
    return digest.hexdigest()


def _lock_hashes(root: Path) -> dict[str, str]:
    lock = yaml.safe_load((root / "dvc.lock").read_text(encoding="utf-8")) or {}
    return {
        str(out["path"]): str(out.get("md5"))
        for stage in lock.get("stages", {}).values()
        for out in stage.get("outs", [])
    }


def input_hash(root: Path, name: str, lock: dict[str, str] | None = None) -> str:
    """The hash of one input (see the module docstring); a BenchError naming it when it does not exist."""
    if name.startswith(DVC_PREFIX):
        lock = _lock_hashes(root) if lock is None else lock
        path = name[len(DVC_PREFIX) :]
        if path not in lock:
            raise BenchError(f"{RECORD}: input {name}: no output {path} in dvc.lock")
        return "md5:" + lock[path]
    path = root / name
    if path.is_file():
        return sha256_file(path)
    if path.is_dir():
        return _folder_sha256(path)
    raise BenchError(f"{RECORD}: input {name} does not exist")


def load(root: Path) -> dict[str, dict[str, Any]]:
    path = root / RECORD
    if not path.is_file():
        raise BenchError(f"{path} is missing: every figure in docs/ needs its record")
    return json.loads(path.read_text(encoding="utf-8"))


def stale(root: Path) -> dict[str, list[str]]:
    """Figure -> what disagrees with its record (empty when every figure is up to date)."""
    records, lock = load(root), _lock_hashes(root)
    problems: dict[str, list[str]] = {
        f: ["no record in docs/figures.json: record it with its command and inputs"]
        for f in sorted(p.relative_to(root).as_posix() for p in (root / "docs").glob("*.png"))
        if f not in records
    }
    for figure, record in records.items():
        found = []
        if not (root / figure).is_file():
            found.append("the figure does not exist")
        elif sha256_file(root / figure) != record["sha256"]:
            found.append("the figure differs from its record (made without recording it)")
        for name, recorded in record["inputs"].items():
            try:
                if input_hash(root, name, lock) != recorded:
                    found.append(f"input {name} changed after the figure was made")
            except BenchError as exc:
                found.append(str(exc))
        if found:
            problems[figure] = [*found, f"re-make it with `{record['command']}`, then record it"]
    return problems


def record(
    root: Path,
    figure: str,
    command: str | None = None,
    inputs: list[str] | None = None,
    note: str | None = None,
) -> None:
    """Record ``figure`` as made now from its inputs (a new figure needs ``command`` and ``inputs``); ``note``
    names inputs outside the repository, which no hash can follow."""
    records = load(root) if (root / RECORD).is_file() else {}
    old = records.get(figure, {})
    command = command or old.get("command")
    names = inputs if inputs is not None else list(old.get("inputs", {}))
    if not command or not names:
        raise BenchError(f"{figure}: not in {RECORD}; give its command and inputs")
    if not (root / figure).is_file():
        raise BenchError(f"{figure} does not exist: make it with `{command}` first")
    lock = _lock_hashes(root)
    records[figure] = {
        "command": command,
        "sha256": sha256_file(root / figure),
        "inputs": {name: input_hash(root, name, lock) for name in names},
    }
    if note or old.get("note"):
        records[figure]["note"] = note or old["note"]
    with atomic_open(root / RECORD, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(dict(sorted(records.items())), indent=2, ensure_ascii=False) + "\n")


def refresh_pipeline_figures(root: Path) -> list[str]:
    """Re-record the figures a pipeline stage writes (an input ``dvc:<the figure>``) whose bytes match their
    ``dvc.lock`` entry: DVC made them from the stage's recorded inputs. Returns the figures re-recorded."""
    lock, done = _lock_hashes(root), []
    for figure, rec in load(root).items():
        own = DVC_PREFIX + figure
        if own not in rec["inputs"] or not (root / figure).is_file():
            continue
        made_by_dvc = hashlib.md5((root / figure).read_bytes()).hexdigest() == lock.get(figure)
        if made_by_dvc and any(input_hash(root, n, lock) != h for n, h in rec["inputs"].items()):
            record(root, figure)
            done.append(figure)
    return done
