"""docs/flipnet.md's overfit comparison, rendered from ``benchmarks/results/flipnet_overfit.jsonl``.

Each row is one evaluation of an overfit-check run (``scripts/flipnet_diagnose.py overfit``: restoration
training on 16 fixed pairs), copied with its run's label by ``scripts/flipnet_diagnose.py record``: from-noise
samples (PSNR, LPIPS, how many are nearest their own face), the one-step prediction x̂0 with the right and
with another face's condition at t = 800 and 500, what the right LQ adds to the swapped prediction through
BoostHub alone (the context another face's) and through the face embedding alone (BoostHub reading another
face's LQ), and BoostHub's attention on its finest grid at t = 50.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flipnet_bench.errors import BenchError

RECORD = Path("benchmarks") / "results" / "flipnet_overfit.jsonl"


def _row(r: dict[str, Any]) -> str:
    x0 = {t: r["x0_psnr"][t] for t in ("800", "500")}
    hi, mid = x0["800"], x0["500"]
    parts = f"{hi['boosthub_only'] - hi['swapped']:+.2f} / {hi['embedding_only'] - hi['swapped']:+.2f}"
    grids = r["locality"]["50"]
    side = max(grids, key=int)
    finest = grids[side]
    attn = f"{side}²: {finest['entropy_rel']:.3f}, {finest['mass_same'] / finest['chance_same']:.2f}×"
    return (
        f"| {r['run']} | {int(r['step']):,} | {r['psnr']:.2f} | {r['lpips']:.3f} | {int(r['right_person'])} "
        f"| {hi['right']:.2f} / {hi['swapped']:.2f} ({hi['right'] - hi['swapped']:+.2f}) | {parts} "
        f"| {mid['right'] - mid['swapped']:+.2f} | {attn} |"
    )


def overfit_table(root: Path) -> str:
    """One line per (run, step), the runs in file order; the LQ input's scores head the table."""
    path = root / RECORD
    try:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if not rows:
            raise ValueError("no rows")
        runs = list(dict.fromkeys(r["run"] for r in rows))
        lines = [_row(r) for run in runs for r in sorted((r for r in rows if r["run"] == run), key=_step)]
        first = rows[0]
        lq = f"| LQ input (reference) | – | {first['psnr_lq']:.2f} | {first['lpips_lq']:.3f} |" + " – |" * 5
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BenchError(f"{path}: not overfit rows of scripts/flipnet_diagnose.py record ({exc!r})") from exc
    head = (
        "\n| run | step | PSNR ↑ | LPIPS ↓ | right person (of 16) | x̂0 at t = 800: right / swapped (gap), dB "
        "| t = 800: right LQ through BoostHub alone / the embedding alone, dB | t = 500: gap, dB "
        "| BoostHub attention at t = 50, finest grid: entropy / uniform, own position × chance |\n"
        "|---|---|---|---|---|---|---|---|---|\n"
    )
    return head + lq + "\n" + "\n".join(lines) + "\n"


def _step(row: dict[str, Any]) -> int:
    return int(row["step"])
