"""Exported / published datasets: recompute each export's fingerprint and compare it with its card.

An export (``flipnet-bench publish --to-dir``, or a local snapshot of a published Hub dataset) is a folder
with ``README.md`` — a dataset card whose YAML header has ``provenance.fingerprint_sha256`` — and Parquet
shards under ``data/``. The fingerprint covers the shards' bytes (``flipnet_bench.data.hub.fingerprint``),
so a changed, missing or added shard fails; shards that Parquet cannot open are named individually.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import yaml

from flipnet_bench.audit.base import AuditContext, CheckResult, rel, summarize

CARD = "README.md"
SKIP_DIRS = {"node_modules", "__pycache__", "site-packages"}


def read_card(folder: Path) -> dict[str, Any] | None:
    """The card's YAML header, or None when ``folder/README.md`` is not a dataset card."""
    path = folder / CARD
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not text.startswith("---"):
        return None
    header, sep, _ = text[3:].partition("\n---")
    if not sep:
        return None
    try:
        data = yaml.safe_load(header)
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


def card_fingerprint(card: dict[str, Any]) -> str | None:
    provenance = card.get("provenance")
    return provenance.get("fingerprint_sha256") if isinstance(provenance, dict) else None


def find_exports(root: Path) -> list[Path]:
    """Folders under ``root`` holding a dataset card with a fingerprint and ``data/*.parquet`` shards.

    Hidden folders, virtual environments and caches are not searched.
    """
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if "pyvenv.cfg" in filenames:
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIP_DIRS)
        if CARD in filenames and (here / "data").is_dir():
            card = read_card(here)
            if card is not None and card_fingerprint(card) and any((here / "data").glob("*.parquet")):
                found.append(here)
    return found


def _unreadable_shards(shards: list[Path]) -> list[str]:
    import pyarrow.parquet as pq

    bad = []
    for shard in shards:
        try:
            pq.ParquetFile(shard).metadata  # noqa: B018 - reading the footer is the check
        except Exception as exc:  # noqa: BLE001 - any failure to open means a broken shard
            bad.append(f"{shard.name}: not a readable Parquet file ({type(exc).__name__})")
    return bad


def audit_export(folder: Path, root: Path) -> CheckResult:
    """One export folder: fingerprint over its shards vs the card, plus every shard's Parquet footer."""
    from flipnet_bench.data.hub import fingerprint

    start = time.perf_counter()
    subject = rel(folder, root)
    card = read_card(folder)
    expected = card_fingerprint(card) if card else None
    if expected is None:
        return CheckResult(
            "datasets",
            subject,
            "fail",
            f"{CARD} has no provenance.fingerprint_sha256: not a flipnet-bench export (re-export it)",
            [f"{subject}/{CARD}"],
        )
    shards = sorted((folder / "data").glob("*.parquet"), key=lambda p: p.name)
    problems = [f"{subject}/data/{line}" for line in _unreadable_shards(shards)]
    actual = fingerprint(shards) if shards else None
    if actual != expected:
        names = ", ".join(s.name for s in shards) or "none"
        problems.insert(0, f"{subject}: fingerprint {actual} over shards [{names}], card says {expected}")
    seconds = time.perf_counter() - start
    if problems:
        return CheckResult("datasets", subject, "fail", summarize(problems, 2), problems, seconds)
    return CheckResult(
        "datasets", subject, "pass", f"{len(shards)} shard(s) match the card's fingerprint", seconds=seconds
    )


def check(ctx: AuditContext) -> list[CheckResult]:
    explicit = [ctx.root / p for p in ctx.options.datasets]
    folders = list(dict.fromkeys([*explicit, *find_exports(ctx.root)]))
    rows = []
    for folder in folders:
        if not folder.is_dir():
            rows.append(
                CheckResult("datasets", str(folder), "fail", "dataset folder not found", [str(folder)])
            )
            continue
        rows.append(audit_export(folder, ctx.root))
    if not rows:
        rows.append(
            CheckResult(
                "datasets",
                "exports",
                "skip",
                "no exported datasets found (pass --dataset DIR for a published dataset's local copy)",
            )
        )
    return rows
