"""docs/realism.md's full-size study of a FLIPNET checkpoint, and its degradation mode's use of the
condition, rendered from their records.

The record ``benchmarks/results/realism_full.json`` is what ``flipnet-bench realism --out`` writes for the
64 full-size (512²) clean faces against the five real sets, with ``--models classic realesrgan flipnet``.
The verdict sentence checks the degradation-mode target in the verdict distance (``fd_deg``): FLIPNET
nearer than the clean floor on every real set, and at least as near as classic on three of them; "clearly"
counts the sets where the 95 % intervals do not overlap. ``benchmarks/results/flipnet_degrade_x0.jsonl`` holds
``scripts/flipnet_degrade_x0.py`` rows (x̂0 with the right and with a swapped clean condition).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flipnet_bench.errors import BenchError
from flipnet_bench.report.curve_block import record_lines, x0_cells
from flipnet_bench.report.realism_study import markdown_table

RECORD = Path("benchmarks") / "results" / "realism_full.json"
#: The same study with the joint model trained twice as long (2,000 joint steps).
RECORD_LONG = Path("benchmarks") / "results" / "realism_full_long.json"
#: The joint model at 3,000 joint steps, its samples started at the condition (``--flipnet-start condition``).
RECORD_COND = Path("benchmarks") / "results" / "realism_full_cond.json"
#: The same checkpoint from noise (as published).
RECORD_3000 = Path("benchmarks") / "results" / "realism_full_3000.json"
#: The rank-8 joint model (``tiny-latent-zsnr``, checkpoints/flipnet-tiny-latent-zsnr), from noise.
RECORD_ZSNR = Path("benchmarks") / "results" / "realism_full_zsnr.json"
#: Its degradation mode trained 2,000 more steps on the real pairs with BoostHub's window (from noise).
RECORD_DEGRADE = Path("benchmarks") / "results" / "realism_full_degrade.json"
#: The same study of the degradation mode of a chain retrained on an autoencoder trained to 3,000 steps.
RECORD_AE3000 = Path("benchmarks") / "results" / "realism_full_ae3000.json"
#: The pipeline's degradation checkpoint: the rank-64 joint model's degradation mode, trained the same way.
RECORD_R64 = Path("benchmarks") / "results" / "realism_full_r64.json"
#: The same study on the real natural-scene pairs the degradation mode trains on: their clean crops as --hq,
#: their own LQ as a --synth row, all 101 and each kind (optical zoom, sensor noise) alone.
RECORD_PAIRS = {
    kind: Path("benchmarks") / "results" / f"realism_pairs{'_' + kind if kind else ''}.json"
    for kind in ("", "zoom", "noise")
}
ROWS = ("flipnet", "clean", "classic")


def load_study(root: Path, record: Path = RECORD) -> dict[str, Any]:
    """The study record; a missing file, a missing row or a cell without an interval names the file."""
    path = root / record
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
        for col in result["columns"].values():
            for row in ROWS:
                lo, hi = col["rows"][row][result["verdict"]]["ci"]
                float(lo), float(hi)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BenchError(f"{path}: not a realism study with rows {ROWS} and intervals ({exc!r})") from exc
    return result


def study_tables(root: Path, record: Path = RECORD) -> str:
    """The verdict distance's table, then the other distances' (values with 95 % intervals)."""
    result = load_study(root, record)
    metrics = list(result["settings"]["metrics"])
    return "\n" + "\n\n".join(markdown_table(result, m) for m in metrics) + "\n"


def target_sentence(root: Path, record: Path = RECORD, row: str = "flipnet", who: str = "FLIPNET") -> str:
    """Row ``row`` (named ``who``) against the clean floor and against classic, per real set, in the verdict
    distance; a study without that row is an error naming its file."""
    result = load_study(root, record)
    metric, cols = result["verdict"], result["columns"]

    def cell(col: dict[str, Any], name: str) -> tuple[float, float, float]:
        c = col["rows"][name][metric]
        return float(c["value"]), float(c["ci"][0]), float(c["ci"][1])

    if any(row not in c["rows"] for c in cols.values()):
        raise BenchError(f"{root / record}: no row {row!r} in every column")
    nearer_clean = [s for s, c in cols.items() if cell(c, row)[0] < cell(c, "clean")[0]]
    clearly_clean = [s for s, c in cols.items() if cell(c, row)[2] < cell(c, "clean")[1]]
    as_near_classic = [s for s, c in cols.items() if cell(c, row)[0] <= cell(c, "classic")[0]]
    clearly_farther = [s for s, c in cols.items() if cell(c, row)[1] > cell(c, "classic")[2]]
    n = len(cols)
    met = len(nearer_clean) == n and len(as_near_classic) >= 3
    return (
        f"in {metric} {who} is nearer than the clean floor on {len(nearer_clean)} of {n} real sets "
        f"(clearly, intervals apart, on {len(clearly_clean)}: {', '.join(clearly_clean) or 'none'}) and at "
        f"least as near as classic on {len(as_near_classic)} of {n} (clearly farther on "
        f"{len(clearly_farther)}): the target (nearer than clean on all {n}, as near as classic on 3) is "
        + ("met" if met else "not met")
    )


def study_renderers(
    name: str, record: Path = RECORD, row: str = "flipnet", who: str = "FLIPNET"
) -> dict[str, Callable[[Any], str]]:
    """The doc blocks of one study record, for ``doc_blocks.RENDERERS`` (each reads ``out.root``): ``name``
    (its tables) and ``name-target`` (the verdict sentence on ``row``)."""
    return {
        name: lambda out: study_tables(out.root, record),
        f"{name}-target": lambda out: target_sentence(out.root, record, row, who),
    }


def pairs_renderers() -> dict[str, Callable[[Any], str]]:
    """The blocks of the studies on the real pairs (``RECORD_PAIRS``): ``realism-pairs[-KIND]`` and its
    ``-target``, judging the row of the pairs' own LQ (``--synth real-pairs[-KIND]-lq=…``)."""
    blocks: dict[str, Callable[[Any], str]] = {}
    for kind, record in RECORD_PAIRS.items():
        suffix = f"-{kind}" if kind else ""
        blocks |= study_renderers(
            f"realism-pairs{suffix}", record, f"real-pairs{suffix}-lq", "the pairs' own LQ"
        )
    return blocks


X0_RECORD = Path("benchmarks") / "results" / "flipnet_degrade_x0.jsonl"


def degrade_x0_table(root: Path) -> str:
    """``scripts/flipnet_degrade_x0.py`` rows: the degradation mode's x̂0 PSNR with the right clean condition
    and with another's, and the gap, on real-pair crops and on classic-degraded face tiles."""
    kinds = ("real_pairs", "face_tiles")
    lines = record_lines(
        root / X0_RECORD,
        "rows of scripts/flipnet_degrade_x0.py",
        lambda row: [
            f"| `{row['checkpoint']}` | {k.replace('_', ' ')} | {x0_cells(row[k], ('800', '500', '200'))} |"
            for k in kinds
        ],
    )
    head = (
        "\n| checkpoint | pairs | t = 800: right / swapped (gap), dB | t = 500 | t = 200 |\n"
        "|---|---|---|---|---|\n"
    )
    return head + "\n".join(lines) + "\n"
