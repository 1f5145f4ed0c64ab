"""Plots of the benchmark: DVC-readable data files (``dvc plots show``) and the same views as PNGs.

Three views: metric bars per set (every method), the perception–distortion plane (LPIPS vs NIQE / FID on the
sets with ground truth) and the degradation-realism chart (each synthesized LQ set vs each real-world set).
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

from flipnet_bench.io import atomic_open, atomic_path
from flipnet_bench.report.leaderboard import LABELS, Board, header


def _write_csv(path: Path, fieldnames: list[str], rows: list[dict[str, Any]]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fieldnames, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    with atomic_open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(buf.getvalue())


def _pyplot():  # noqa: ANN202 - matplotlib's module
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 8, "svg.hashsalt": "flipnet", "figure.dpi": 110})
    return plt


def _save(fig: Any, path: Path) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", bbox_inches="tight", metadata={"Software": None})


def metric_bars(board: Board, data_dir: Path, png: Path | None) -> None:
    """One data file per metric (label = ``set · method``) and a grid of bar charts, one panel per metric."""
    for name in board.metrics:
        rows = [
            {"label": f"{s} · {m}", "set": s, "method": m, "value": board.cells[(s, m)][name].value}
            for s, m in board.rows()
            if name in board.cells[(s, m)]
        ]
        _write_csv(data_dir / f"{name}.csv", ["label", "set", "method", "value"], rows)
    if png is None:
        return
    plt = _pyplot()
    cols = min(3, len(board.metrics))
    nrows = math.ceil(len(board.metrics) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(4.2 * cols, 2.8 * nrows), squeeze=False)
    sets = [s for s in board.sets if any((s, m) in board.cells for m in board.methods)]
    width = 0.8 / max(1, len(board.methods))
    for ax, name in zip(axes.flat, board.metrics):
        for j, m in enumerate(board.methods):
            xs, ys = [], []
            for i, s in enumerate(sets):
                cell = board.cells.get((s, m), {}).get(name)
                if cell is not None:
                    xs.append(i + (j - (len(board.methods) - 1) / 2) * width)
                    ys.append(cell.value)
            ax.bar(xs, ys, width=width, label=m)
        ax.set_title(header(board, name))
        ax.set_xticks(range(len(sets)), sets, rotation=30, ha="right")
    for ax in list(axes.flat)[len(board.metrics) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    _save(fig, png)
    plt.close(fig)


def perception_distortion(board: Board, data_file: Path, png: Path | None) -> None:
    """LPIPS (distortion) vs NIQE and FID (perception) for every method on the sets with ground truth."""
    rows = []
    for s, m in board.rows():
        cells = board.cells[(s, m)]
        if "lpips" in cells:
            row = {"label": f"{s} · {m}", "set": s, "method": m, "lpips": cells["lpips"].value}
            row.update({k: cells[k].value if k in cells else "" for k in ("niqe", "fid")})
            rows.append(row)
    _write_csv(data_file, ["label", "set", "method", "lpips", "niqe", "fid"], rows)
    if png is None or not rows:
        return
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.4))
    for ax, y in zip(axes, ("niqe", "fid")):
        for row in rows:
            if row[y] != "":
                ax.scatter(row["lpips"], row[y], s=30)
                ax.annotate(
                    row["label"],
                    (row["lpips"], row[y]),
                    fontsize=7,
                    xytext=(3, 3),
                    textcoords="offset points",
                )
        ax.set_xlabel("LPIPS ↓ (distortion)")
        ax.set_ylabel(f"{LABELS[y]} ↓ (perception)")
    fig.suptitle("Perception–distortion plane (sets with ground truth)")
    fig.tight_layout()
    _save(fig, png)
    plt.close(fig)


def realism_chart(results: dict[str, dict[str, dict[str, float]]], data_file: Path, png: Path | None) -> None:
    """``results[metric][synth_model][real_set]`` → grouped bars, one panel per metric (lower = more real)."""
    rows = []
    for metric, by_model in results.items():
        for model, by_set in by_model.items():
            for real, value in by_set.items():
                rows.append(
                    {
                        "label": f"{model} vs {real}",
                        "metric": metric,
                        "model": model,
                        "real_set": real,
                        "value": value,
                    }
                )
    _write_csv(data_file, ["label", "metric", "model", "real_set", "value"], rows)
    if png is None or not rows:
        return
    plt = _pyplot()
    metrics = list(results)
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.6 * len(metrics), 3.2), squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        models = list(results[metric])
        reals = sorted({r for v in results[metric].values() for r in v})
        width = 0.8 / max(1, len(models))
        for j, model in enumerate(models):
            xs = [i + (j - (len(models) - 1) / 2) * width for i in range(len(reals))]
            ax.bar(xs, [results[metric][model].get(r, float("nan")) for r in reals], width=width, label=model)
        ax.set_xticks(range(len(reals)), reals, rotation=30, ha="right")
        ax.set_title(f"{LABELS.get(metric, metric)} ↓: synthesized LQ vs real LQ")
    axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    _save(fig, png)
    plt.close(fig)
