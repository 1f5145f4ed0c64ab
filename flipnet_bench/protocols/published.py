"""Published numbers beside measured ones: ``score --protocol P`` on the output folder of ``restore
--method NAME`` shows the values the literature reports for NAME on that set (published_numbers.yaml).

The method is read from the scored folder's ``run.json`` (written by ``restore``), the set from the row's
name (``--set`` or the ``--lq`` folder name, matched through the file's ``sets`` aliases). A row is shown
only under the protocols listed for it, whose columns carry the same metric definitions.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from flipnet_bench.errors import BenchError

NUMBERS = Path(__file__).with_name("published_numbers.yaml")
_DEFINITION_KEYS = {"pmrf": "pmrf_", "osdface": "osd_"}


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@cache
def load_numbers(path: Path = NUMBERS) -> dict[str, Any]:
    """The checked data file, validated: every row names a known source, set and definition."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for i, row in enumerate(data["rows"]):
        where = f"{path.name} rows[{i}]"
        if row["source"] not in data["sources"] or row["set"] not in data["sets"]:
            raise BenchError(f"{where}: unknown source {row['source']!r} or set {row['set']!r}")
        for column in row["values"]:
            if _definition(data, row, column) is None:
                raise BenchError(f"{where}: no definition for column {column!r}")
    return data


def _definition(data: dict[str, Any], row: dict[str, Any], column: str) -> str | None:
    return data["definitions"].get(_DEFINITION_KEYS.get(row["source"], "") + column.lower())


def canonical_set(name: str, data: dict[str, Any] | None = None) -> str | None:
    """The paper's set name for a suite set name (``lfw-test`` -> ``LFW-Test``), else None."""
    data = data or load_numbers()
    for paper_name, aliases in data["sets"].items():
        if _norm(name) in {_norm(paper_name), *map(_norm, aliases)}:
            return paper_name
    return None


def method_of(folder: Path) -> dict[str, Any] | None:
    """The ``method`` record of the ``restore`` run that wrote ``folder`` (None without a run.json)."""
    run = folder / "run.json"
    if not run.is_file():
        return None
    try:
        return json.loads(run.read_text(encoding="utf-8")).get("method")
    except (OSError, json.JSONDecodeError):
        return None


def published_for(method: str, set_name: str, protocol: str) -> list[dict[str, Any]]:
    """Published values for ``method`` on ``set_name`` under ``protocol``: one entry per column."""
    data = load_numbers()
    paper_set = canonical_set(set_name, data)
    out = []
    for row in data["rows"]:
        if row["method"] != method or row["set"] != paper_set or protocol not in row["protocols"]:
            continue
        source = data["sources"][row["source"]]
        for column, value in row["values"].items():
            out.append({
                "column": column, "value": float(value), "set": paper_set, "source": row["source"],
                "paper": source["paper"], "table": source["table"],
                "definition": _definition(data, row, column), "note": row.get("note", ""),
            })  # fmt: skip
    return out


def attach_published(report: dict[str, Any], pred: Path) -> None:
    """Add ``published`` (column -> entry) and ``published_method`` to each row of a protocol report whose
    folder was restored by a method with published numbers (``pred/<set>/run.json`` or ``pred/run.json``)."""
    protocol = report["protocol"]["name"]
    for row in report["rows"]:
        described = method_of(pred / row["set"]) or method_of(pred)
        if not described:
            continue
        entries = published_for(str(described.get("method")), row["set"], protocol)
        if entries:
            row["published_method"] = {k: described[k] for k in ("method", "options") if k in described}
            row["published"] = {e["column"]: e for e in entries}


def published_cell(row: dict[str, Any], column: str) -> str:
    """`` | published 53.16 (pmrf, CelebA-Test)`` for a printed column, or ""."""
    entry = row.get("published", {}).get(column)
    if entry is None:
        return ""
    return f" | published {entry['value']:g} ({entry['source']}, {entry['set']})"
