"""The README's performance rows, rendered from the speed benchmarks' records in ``benchmarks/results/``.

Each record (``benchmarks/perf_record.py``) holds whole-process wall times of every timed side, peak RSS, the
per-pair speed-ups and the machine's load before the runs. A block spans the command and result cells of one
table row (``| what | <!-- BEGIN generated:perf-score -->…<!-- END generated:perf-score --> |``), so a
re-run benchmark changes the README only through ``scripts/render_docs.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flipnet_bench.errors import BenchError

RESULTS = Path("benchmarks") / "results"
#: block → (record file, the benchmark's command when the record does not name it).
RECORDS = {
    "perf-score": ("score_speed.json", "python benchmarks/score_speed.py --pairs 200 --repeats 5"),
    "perf-degrade": ("degrade_speed.json", "python benchmarks/degrade.py --images 200 --repeats 5"),
    "perf-flipnet": ("flipnet_speed.json", "python benchmarks/flipnet_speed.py --repeats 5"),
}


def load_record(root: Path, file_name: str) -> dict[str, Any]:
    """A speed record; a missing file or key is an error naming the file."""
    path = root / RESULTS / file_name
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        for key in ("title", "when_utc", "load_before", "cpu", "rows", "ratios"):
            record[key]
        for row in record["rows"]:
            row["label"], row["min"], row["median"], row["max"], row["wall_s"]
        for ratio in record["ratios"]:
            ratio["a"], ratio["b"], ratio["min"], ratio["median"], ratio["max"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BenchError(f"{path}: not a speed record of benchmarks/perf_record.py ({exc!r})") from exc
    return record


def _spread(low: float, mid: float, high: float, digits: int = 2) -> str:
    return f"{low:.{digits}f} / {mid:.{digits}f} / {high:.{digits}f}"


def _rss(row: dict[str, Any]) -> str:
    value = row.get("peak_rss_mib")
    return "" if value is None else f", peak RSS {value:,.0f} MiB"


def _context(record: dict[str, Any]) -> str:
    load = record["load_before"][0] if record["load_before"] else "?"
    threads = f", OMP_NUM_THREADS={record['omp_num_threads']}" if record.get("omp_num_threads") else ""
    return f"{record['cpu']}{threads}, load average {load} before, {record['when_utc']}"


def _command(record: dict[str, Any], default: str) -> str:
    return f"`{record.get('argv') or default}`"


def comparison(record: dict[str, Any], default_command: str) -> str:
    """``command | result`` cells: every side's time and peak memory, then each speed-up, bold."""
    sides = "; ".join(
        f"{row['label']} {_spread(row['min'], row['median'], row['max'])} s{_rss(row)}"
        for row in record["rows"]
    )
    ratios = "; ".join(
        f"{r['a']} over {r['b']} **{_spread(r['min'], r['median'], r['max'])}×**" for r in record["ratios"]
    )
    runs = min(len(row["wall_s"]) for row in record["rows"])
    result = f"{record['title']}: {sides} (min / median / max of {runs} runs)"
    result += f"; speed-up {ratios}" if ratios else ""
    return f"{_command(record, default_command)} | {result}; {_context(record)}"


def throughput(record: dict[str, Any], default_command: str) -> str:
    """``command | result`` cells: images/s of each row with ``images`` (slowest / median / fastest run)."""
    parts = []
    for row in record["rows"]:
        if not row.get("images"):
            raise BenchError(f"{record['title']}: row {row['label']!r} has no image count")
        n = row["images"]
        rate = _spread(n / row["max"], n / row["median"], n / row["min"])
        parts.append(
            f"{row['label']} **{rate} images/s** ({_spread(row['min'], row['median'], row['max'])} s"
            f"{_rss(row)}, slowest / median / fastest of {len(row['wall_s'])} runs)"
        )
    return f"{_command(record, default_command)} | {record['title']}: {'; '.join(parts)}; {_context(record)}"


def render(block: str, root: Path) -> str:
    file_name, command = RECORDS[block]
    record = load_record(root, file_name)
    if any("images" in row for row in record["rows"]):
        return throughput(record, command)
    return comparison(record, command)


def renderers() -> dict[str, Any]:
    """Block name → renderer of doc_blocks (it receives doc_blocks.Outputs; only its ``root`` is read)."""
    return {name: (lambda out, name=name: render(name, out.root)) for name in RECORDS}
