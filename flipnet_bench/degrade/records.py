"""The parameter records of a ``degrade`` output folder (``OUT/.params/``): what each LQ file was made with.

During a run, each degradation call writes one record file named after its first output (fewer fsyncs than
one per file). Those names depend on where a run was resumed, so at the end they are merged into one file of
fixed name: a resumed folder then has the same bytes, and the same DVC hash, as an uninterrupted one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flipnet_bench.io import write_json

#: The merged records of a finished run.
RECORDS_FILE = "records.json"


def load_records(records: Path) -> dict[str, dict[str, Any]]:
    """File name → ``{"call_seed", "params"}`` (or ``{"skipped"}``) from every record file of ``records``."""
    merged: dict[str, dict[str, Any]] = {}
    for path in sorted(records.glob("*.json")) if records.is_dir() else []:
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def write_call_record(records: Path, first_name: str, entries: dict[str, dict[str, Any]]) -> None:
    """Record one call's outputs; merged with an earlier file of the same name (a resumed call)."""
    record_file = records / f"{first_name}.json"
    batch = json.loads(record_file.read_text(encoding="utf-8")) if record_file.exists() else {}
    batch.update(entries)
    write_json(record_file, batch)


def merge_records(records: Path) -> None:
    """Fold every per-call record file into ``RECORDS_FILE`` (written first, so a kill loses nothing)."""
    parts = [p for p in sorted(records.glob("*.json")) if p.name != RECORDS_FILE]
    if parts:
        write_json(records / RECORDS_FILE, load_records(records))
        for path in parts:
            path.unlink()
