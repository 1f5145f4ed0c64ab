"""The measured run time of the README's first command, rendered from the record that
``scripts/time_repro.py`` writes (``benchmarks/results/repro_time.json``): the docs show the last timed run.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from flipnet_bench.errors import BenchError

RECORD = Path("benchmarks") / "results" / "repro_time.json"


def load_record(root: Path) -> dict[str, Any]:
    path = root / RECORD
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        record["stages"], record["repro_s"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BenchError(f"{path}: not a run-time record of scripts/time_repro.py ({exc})") from exc
    return record


def families(stages: list[dict[str, Any]]) -> list[tuple[str, int, float]]:
    """(family, stage count, seconds) per stage family (the name before ``@``), slowest first."""
    seconds: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for stage in stages:
        name = str(stage["stage"])
        family = name.split("@", 1)[0] + ("@*" if "@" in name else "")
        seconds[family] += float(stage["seconds"])
        counts[family] += 1
    return sorted(((f, counts[f], seconds[f]) for f in seconds), key=lambda row: (-row[2], row[0]))


def _minutes(seconds: float) -> str:
    return f"{seconds:,.0f} s ({seconds / 60:.1f} min)"


def total_sentence(root: Path) -> str:
    record = load_record(root)
    setup = "" if record.get("setup_s") is None else f", setup {record['setup_s']:,.0f} s more"
    return (
        f"**{record['repro_s'] / 60:.1f} minutes** on this {record['cpus']}-core CPU ({record['cpu']}) "
        f"from a fresh clone of `{record['commit']}`, {record['began_utc']}{setup}"
    )


def stage_table(root: Path) -> str:
    record = load_record(root)
    shared = "yes" if record["shared_beside"] else "no"
    lines = [
        "",
        f"Fresh clone of commit `{record['commit']}`, {record['began_utc']}, {record['cpu']} "
        f"({record['cpus']} cores), load average {record['load_before'][0]} before and "
        f"{record['load_after'][0]} after; `../shared` beside it: {shared}. "
        "Each stage from the start of its run to the start of the next (`python3 scripts/time_repro.py`):",
        "",
        "| step | stages | wall time |",
        "|---|---|---|",
    ]
    if record.get("setup_s") is not None:
        lines.append(f"| `bash scripts/setup.sh` | – | {record['setup_s']:,.0f} s |")
    total = _minutes(record["repro_s"])
    lines.append(f"| `dvc repro`, every stage | {len(record['stages'])} | **{total}** |")
    for family, count, seconds in families(record["stages"]):
        lines.append(f"| — `{family}` | {count} | {seconds:,.0f} s |")
    return "\n".join(lines) + "\n"
