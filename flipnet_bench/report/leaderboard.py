"""The leaderboard: every set × method × metric from the scored results, as Markdown and CSV.

Numbers come from ``out/scores/<set>/<method>/scores.json`` (value, 95% CI, n, definition); the leaderboard
never recomputes a value. Within each set the best value of a metric column is bold only when a paired test
against the runner-up is significant after Holm's correction (:mod:`flipnet_bench.stats.ranking`), else the
two are marked as a tie; reference rows (identity baselines) are never bold; identity on sets without ground
truth is shown as a gate pass rate (:mod:`flipnet_bench.stats.gate`), never ranked. Cells stay empty only
where a metric does not apply (no GT on real sets).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flipnet_bench.errors import BenchError
from flipnet_bench.io import atomic_open
from flipnet_bench.protocols.gates import MAX_BELOW, SPLIT_IMAGES, fails_gate

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
    "fd_deg": "FD-deg",
}


#: Identity-vs-input columns: a gate on sets without ground truth, never ranked there.
IDENTITY_METRICS = ("ids_dlib", "ids_arcface", "deg_arcface", "ids_adaface", "ids_insightface")
TIE = "≈"
#: Marks a row that fails its set's identity gate (shown, not ranked).
UNRANKED_MARK = "†"
GATE_RULE = f"{MAX_BELOW} of {SPLIT_IMAGES} faces, pro rata"


@dataclass
class Cell:
    value: float
    ci95: tuple[float, float] | None = None
    n: int | None = None
    best: bool = False  # bold: best and significantly better than the runner-up
    tie: bool = False  # best or runner-up, the difference not significant
    seeds: tuple[int, float, float] | None = None  # seed spread: (K, min, max) of the per-seed values


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
    reference_rows: list[str] = field(default_factory=list)
    #: (set, metric) → the paired test behind the marks; (set, method) → identity gate (rate, passed, n, t)
    verdicts: dict[tuple[str, str], Any] = field(default_factory=dict)
    gates: dict[tuple[str, str], tuple[float, int, int, float]] = field(default_factory=dict)
    #: (set, method) pairs that fail the set's identity gate: shown, never ranked or bold there
    gate_failed: set[tuple[str, str]] = field(default_factory=set)

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


def load_board(scores_root: Path, sets: list[str], methods: list[str], columns: list[str],
               reference_rows: list[str] | None = None, seeds_root: Path | None = None,
               extra_seeds: list[int] | None = None) -> Board:  # fmt: skip
    """Read ``scores_root/<set>/<method>/scores.json`` for every pair that was scored.

    ``reference_rows``: baseline methods (identity / LQ) shown for reference, never bold. ``seeds_root``:
    ``<set>/<method>/seed<k>/scores.json`` of the seed-spread runs (``out/scores-seeds``) for each ``k`` of
    ``extra_seeds`` (None: every ``seed*`` folder found).
    """
    board = Board(list(sets), list(methods), [], reference_rows=list(reference_rows or []))
    per_image: dict[tuple[str, str], dict[str, Any]] = {}
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
            per_image[(s, m)] = result.get("per_image") or {}
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
    if seeds_root is not None:
        _seed_spread(board, Path(seeds_root), extra_seeds)
    _identity_gates(board, per_image)
    _mark_significant(board, Path(scores_root))
    return board


def _mark_significant(board: Board, scores_root: Path) -> None:
    from flipnet_bench.stats.ranking import rank_set

    for s in board.sets:
        rows = {m: board.cells[(s, m)] for m in board.methods if (s, m) in board.cells}
        values = {m: {k: c.value for k, c in row.items() if k in board.metrics} for m, row in rows.items()}
        unranked = IDENTITY_METRICS if board.set_info.get(s, {}).get("has_gt") is False else ()
        left_out = board.reference_rows + [m for m in rows if (s, m) in board.gate_failed]
        verdicts = rank_set(values, board.higher_is_better, lambda m, s=s: scores_root / s / m,
                            left_out, unranked)  # fmt: skip
        for name, verdict in verdicts.items():
            board.verdicts[(s, name)] = verdict
            if verdict.significant:
                rows[verdict.best][name].best = True
            elif verdict.result is not None:
                rows[verdict.best][name].tie = rows[verdict.runner_up][name].tie = True


def _seed_spread(board: Board, seeds_root: Path, extra_seeds: list[int] | None) -> None:
    """(K, min, max) over the main run and every extra-seed run of the same set and method."""
    for (s, m), row in board.cells.items():
        folder = seeds_root / s / m
        wanted = [folder / f"seed{k}" / "scores.json" for k in extra_seeds or []]
        runs = [p for p in wanted if p.is_file()]
        if extra_seeds is None:
            runs = sorted(folder.glob("seed*/scores.json"))
        if not runs:
            continue
        extra = [json.loads(p.read_text(encoding="utf-8")).get("metrics", {}) for p in runs]
        for name, cell in row.items():
            found = [(e.get(name) or {}).get("value") for e in extra]
            values = [cell.value] + [v for v in found if isinstance(v, int | float)]
            if len(values) > 1:
                cell.seeds = (len(values), min(values), max(values))


def _identity_gates(board: Board, per_image: dict[tuple[str, str], dict[str, Any]]) -> None:
    """Pass rate of the identity gate on every set without ground truth (``ids_dlib`` vs the LQ input), and
    the rows that fail it (:func:`flipnet_bench.protocols.gates.fails_gate`)."""
    from flipnet_bench.stats.gate import gate_threshold, pass_rate

    for (s, m), values in per_image.items():
        info = board.set_info.get(s, {})
        threshold = gate_threshold(str(info.get("dataset", s)))
        if info.get("has_gt") is False and threshold is not None and values.get("ids_dlib"):
            rate, passed, total = pass_rate(values["ids_dlib"], threshold)
            board.gates[(s, m)] = (rate, passed, total, threshold)
            if m not in board.reference_rows and fails_gate(total - passed, total):
                board.gate_failed.add((s, m))


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
    if cell.seeds is not None:
        text += f" ⟨{_fmt(cell.seeds[1])}–{_fmt(cell.seeds[2])}⟩"
    if cell.tie:
        text += f" {TIE}"
    return f"**{text}**" if (cell.best and markdown) else text


def gate_text(board: Board, s: str, m: str) -> str:
    gate = board.gates.get((s, m))
    if gate is None:
        return "—"
    rate, passed, total, threshold = gate
    failed = f" {UNRANKED_MARK} fails" if (s, m) in board.gate_failed else ""
    return f"{rate:.0%} ({passed}/{total}, ≥ {threshold:.3f}){failed}"


def method_label(board: Board, m: str, s: str | None = None) -> str:
    """The row label: ``(reference)`` for baselines, ``†`` (not ranked) where the set's gate fails."""
    if m in board.reference_rows:
        return f"{m} (reference)"
    return f"{m} {UNRANKED_MARK}" if s is not None and (s, m) in board.gate_failed else m


LEGEND = (
    "Value over the set's images with its 95% interval in brackets: means of per-image metrics with a "
    "Student-t interval; FID and KID with a jackknife interval over images (FID is biased in n: it is "
    "shown at the set's n and its interval is about FID at that n, so compare methods on the same set "
    "only). **Bold** = best in the column *and* significantly better than the runner-up (paired test: "
    "per-image metrics by sign-flip permutation, FID/KID by image-swap permutation; Holm-adjusted across "
    f"the set's columns, p < 0.05; `flipnet-bench compare` runs the same test). {TIE} = best and "
    "runner-up do not differ significantly (a tie). Reference rows (identity: the LQ input) take no part in "
    "the ranking and are never bold: a bold method may still be worse than doing nothing, so read it "
    "against its set's reference row. "
    "On sets without ground truth identity is compared with the LQ input, which the identity row passes by "
    "construction: it is a gate, not a ranking — the *ID gate* column gives the share of outputs whose "
    "dlib identity similarity to their input reaches the set's NTIRE-2025 threshold mapped to dlib "
    "(docs/statistics.md). The gate decides ranking, as in the challenge: a method with more outputs "
    f"below the threshold than the challenge allows ({GATE_RULE}) is {UNRANKED_MARK}-marked — shown, "
    "but not ranked and never bold in that set, because its outputs no longer show the input's person. "
    "⟨lo–hi⟩ = seed spread of a stochastic method: the range of the value over its K "
    "seeds (the *seeds* column; the main run is seed 0, the bracketed interval is over images, for that "
    "run). — = the metric does not apply. Synthetic sets are degraded at the preset's 512² reference scale "
    "(every spatial parameter scaled by image size ÷ 512; docs/degradations.md). FLIPNET rows are sampled as "
    "published: from pure noise, one sample. At the bundled default's CPU scale they come from a miniature "
    "(params.yaml flipnet.base, flipnet.restoration.init and flipnet.degradation.init, shipped with their "
    "recipes, then the pipeline's restoration training): they measure that miniature, not the published "
    "method; read them against the identity row (docs/flipnet.md)."
)


def _definition_text(definition: dict[str, Any]) -> str:
    parts = [f"{k}={v}" for k, v in sorted(definition.items()) if k not in ("name", "higher_is_better")]
    return "; ".join(parts) if parts else "(no further definition recorded)"


def to_markdown(board: Board) -> str:
    lines = ["# flipnet-bench leaderboard", ""]
    lines.append(LEGEND)
    gate_col = ["ID gate (pass rate)"] if board.gates else []
    seed_col = ["seeds"] if any(c.seeds for row in board.cells.values() for c in row.values()) else []
    heads = [header(board, m) for m in board.metrics] + gate_col + seed_col
    lines += ["", "| set | method | " + " | ".join(heads) + " |"]
    lines.append("|---|---|" + "---|" * len(heads))
    for s, m in board.rows():
        row = board.cells[(s, m)]
        cells = [cell_text(row.get(k)) for k in board.metrics] + [gate_text(board, s, m) for _ in gate_col]
        k = max((c.seeds[0] for c in row.values() if c.seeds), default=1)
        cells += [str(k) for _ in seed_col]
        lines.append(f"| {s} | {method_label(board, m, s)} | " + " | ".join(cells) + " |")
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
    writer.writerow(["set", "method", "metric", "value", "ci95_low", "ci95_high", "n", "higher_is_better",
                     "best", "tie", "reference_row", "seeds", "seed_min", "seed_max",
                     "ranked"])  # fmt: skip
    for s, m in board.rows():
        ref = m in board.reference_rows
        ranked = not ref and (s, m) not in board.gate_failed
        for name in board.metrics:
            cell = board.cells[(s, m)].get(name)
            if cell is None:
                continue
            low, high = cell.ci95 if cell.ci95 else ("", "")
            hib = board.higher_is_better.get(name)
            seeds = cell.seeds or ("", "", "")
            writer.writerow([s, m, name, repr(cell.value), low, high, cell.n or "", hib, cell.best, cell.tie,
                             ref, *seeds, ranked])  # fmt: skip
        if (s, m) in board.gates:
            rate, _, total, _ = board.gates[(s, m)]
            writer.writerow([s, m, "id_gate_pass_rate", repr(rate), "", "", total, True, False, False, ref,
                             "", "", "", ranked])  # fmt: skip
    return buf.getvalue()


def write_leaderboard(board: Board, markdown_path: Path, csv_path: Path, extra_markdown: str = "") -> None:
    """The table (+ ``extra_markdown`` sections appended, e.g. the training-data contrasts) and its CSV."""
    with atomic_open(markdown_path, "w", encoding="utf-8") as handle:
        handle.write(to_markdown(board) + extra_markdown)
    with atomic_open(csv_path, "w", encoding="utf-8", newline="") as handle:
        handle.write(to_csv(board))
