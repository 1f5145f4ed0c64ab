"""The leaderboard: every set × method × metric from the scored results, as Markdown and CSV.

Numbers come from ``out/scores/<set>/<method>/scores.json`` (value, 95% CI, n, definition); the leaderboard
never recomputes anything. Within each set the best value of every metric column is marked (direction from the
metric's own ``higher_is_better``); cells stay empty only where a metric does not apply (no GT on real sets).
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flipnet_bench.errors import BenchError
from flipnet_bench.io import atomic_open

LABELS = {
    "psnr": "PSNR",
    "ssim": "SSIM",
    "lpips": "LPIPS",
    "lpips_vgg": "LPIPS-vgg",
    "fid": "FID",
    "kid": "KID",
    "niqe": "NIQE",
    "ids_dlib": "IDS (dlib)",
    "ids_arcface": "IDS (ArcFace)",
    "deg_arcface": "Deg.",
    "lmd": "LMD",
    "fd_niqe": "FD-NIQE",
}


@dataclass
class Cell:
    value: float
    ci95: tuple[float, float] | None = None
    n: int | None = None
    best: bool = False


@dataclass
class Board:
    """Parsed results: ``cells[(set, method)][metric]`` plus what is needed to explain them."""

    sets: list[str]
    methods: list[str]
    metrics: list[str]
    cells: dict[tuple[str, str], dict[str, Cell]] = field(default_factory=dict)
    higher_is_better: dict[str, bool | None] = field(default_factory=dict)
    definitions: dict[str, dict[str, Any]] = field(default_factory=dict)
    set_info: dict[str, dict[str, Any]] = field(default_factory=dict)
    evaluation: dict[str, Any] = field(default_factory=dict)

    def rows(self) -> list[tuple[str, str]]:
        return [(s, m) for s in self.sets for m in self.methods if (s, m) in self.cells]


def _direction(name: str, definition: dict[str, Any]) -> bool | None:
    if isinstance(definition.get("higher_is_better"), bool):
        return definition["higher_is_better"]
    try:
        from flipnet_bench.metrics import PRESETS

        if name in PRESETS:
            from flipnet_bench.metrics import METRICS

            return bool(METRICS.get(name).higher_is_better)
    except Exception:  # noqa: BLE001 - a direction we cannot learn is shown as "?" rather than guessed
        return None
    return None


def load_board(scores_root: Path, sets: list[str], methods: list[str], columns: list[str]) -> Board:
    """Read ``scores_root/<set>/<method>/scores.json`` for every pair that was scored."""
    board = Board(list(sets), list(methods), [])
    found: list[str] = []
    for s in sets:
        for m in methods:
            path = Path(scores_root) / s / m / "scores.json"
            if not path.is_file():
                continue
            result = json.loads(path.read_text(encoding="utf-8"))
            row: dict[str, Cell] = {}
            for name, entry in result["metrics"].items():
                if not isinstance(entry, dict) or not isinstance(entry.get("value"), int | float):
                    continue
                ci = entry.get("ci95")
                row[name] = Cell(float(entry["value"]), tuple(ci) if ci else None, entry.get("n"))
                board.definitions.setdefault(name, entry.get("definition") or {})
                found.append(name)
            board.cells[(s, m)] = row
            run = result.get("run", {})
            info = board.set_info.setdefault(
                s, {"dataset": run.get("dataset", s), "has_gt": run.get("has_gt")}
            )
            info["n"] = max([c.n or 0 for c in row.values()] + [info.get("n", 0)])
            board.evaluation = result.get("evaluation", board.evaluation)
    if not board.cells:
        raise BenchError(f"no scores found under {scores_root}; run the score stages (`dvc repro`) first")
    board.metrics = [c for c in columns if c in found] + sorted(set(found) - set(columns))
    for name in board.metrics:
        board.higher_is_better[name] = _direction(name, board.definitions.get(name, {}))
    _mark_best(board)
    return board


def _mark_best(board: Board) -> None:
    for s in board.sets:
        for name in board.metrics:
            hib = board.higher_is_better.get(name)
            cells = [board.cells[(s, m)][name] for m in board.methods if name in board.cells.get((s, m), {})]
            cells = [c for c in cells if math.isfinite(c.value)]
            if hib is None or len(cells) < 2:
                continue
            best = max(c.value for c in cells) if hib else min(c.value for c in cells)
            for c in cells:
                c.best = c.value == best


def _fmt(value: float) -> str:
    if value == 0 or 0.01 <= abs(value) < 1e5:
        return f"{value:.4f}" if abs(value) < 10 else f"{value:.2f}"
    return f"{value:.3g}"


def header(board: Board, name: str) -> str:
    arrow = {True: " ↑", False: " ↓"}.get(board.higher_is_better.get(name), "")
    return f"{LABELS.get(name, name)}{arrow}"


def cell_text(cell: Cell | None, markdown: bool = True) -> str:
    if cell is None:
        return "—"
    text = _fmt(cell.value)
    if cell.ci95 is not None:
        text += f" [{_fmt(cell.ci95[0])}, {_fmt(cell.ci95[1])}]"
    return f"**{text}**" if (cell.best and markdown) else text


def _definition_text(definition: dict[str, Any]) -> str:
    parts = [f"{k}={v}" for k, v in sorted(definition.items()) if k not in ("name", "higher_is_better")]
    return "; ".join(parts) if parts else "(no further definition recorded)"


def to_markdown(board: Board) -> str:
    lines = ["# flipnet-bench leaderboard", ""]
    lines.append(
        "Mean over the set's images with a 95% bootstrap confidence interval in brackets; **bold** = best "
        "within the set for that column; — = the metric does not apply (no ground truth on real-world sets)."
    )
    lines += ["", "| set | method | " + " | ".join(header(board, m) for m in board.metrics) + " |"]
    lines.append("|---|---|" + "---|" * len(board.metrics))
    for s, m in board.rows():
        row = board.cells[(s, m)]
        lines.append(f"| {s} | {m} | " + " | ".join(cell_text(row.get(k)) for k in board.metrics) + " |")
    lines += ["", "## Sets", "", "| set | dataset | images | ground truth |", "|---|---|---|---|"]
    for s in board.sets:
        info = board.set_info.get(s)
        if info:
            gt = {True: "yes", False: "no (real-world)"}.get(info.get("has_gt"), "?")
            lines.append(f"| {s} | {info['dataset']} | {info.get('n', '?')} | {gt} |")
    lines += ["", "## Metric definitions", ""]
    if board.evaluation:
        ev = board.evaluation
        lines.append(f"- All images resized to {ev.get('eval_size')}² before scoring: {ev.get('resize')}.")
    for name in board.metrics:
        lines.append(
            f"- **{header(board, name)}** (`{name}`): {_definition_text(board.definitions.get(name, {}))}"
        )
    return "\n".join(lines) + "\n"


def to_csv(board: Board) -> str:
    """Long format: one row per set × method × metric (the shape pandas and spreadsheets pivot easily)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(
        ["set", "method", "metric", "value", "ci95_low", "ci95_high", "n", "higher_is_better", "best"]
    )
    for s, m in board.rows():
        for name in board.metrics:
            cell = board.cells[(s, m)].get(name)
            if cell is None:
                continue
            low, high = cell.ci95 if cell.ci95 else ("", "")
            hib = board.higher_is_better.get(name)
            writer.writerow([s, m, name, repr(cell.value), low, high, cell.n or "", hib, cell.best])
    return buf.getvalue()


def write_leaderboard(board: Board, markdown_path: Path, csv_path: Path) -> None:
    with atomic_open(markdown_path, "w", encoding="utf-8") as handle:
        handle.write(to_markdown(board))
    with atomic_open(csv_path, "w", encoding="utf-8", newline="") as handle:
        handle.write(to_csv(board))
