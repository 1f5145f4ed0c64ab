"""docs/flipnet.md's section on where a sample starts (``flipnet.sample_start``), rendered from records.

``benchmarks/results/flipnet_sampler.jsonl`` holds ``benchmarks/flipnet_curve.py --resample`` rows; those with
a ``design`` and ``steps`` name a checkpoint of the held-out curve, so each joins the curve row
(``benchmarks/results/flipnet_curve.jsonl``, from pure noise) of the same checkpoint.
``benchmarks/results/flipnet_x0_start.jsonl`` holds ``scripts/flipnet_diagnose.py locality --x0`` rows at
t = 999 with the ``right_noise_only`` column (x_t replaced by its noise alone).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flipnet_bench.errors import BenchError
from flipnet_bench.report.curve_block import (
    IDS_MARGIN,
    PSNR_MARGIN_DB,
    SAMPLER_RECORD,
    design,
    load_curve,
    record_lines,
    targets_met,
)

X0_START_RECORD = Path("benchmarks") / "results" / "flipnet_x0_start.jsonl"
CONDITION = "condition"


def _scores(row: dict[str, Any]) -> str:
    return f"{float(row['psnr']):.2f} / {float(row['lpips']):.3f} / {float(row['ids_dlib']):.3f}"


def _met(row: dict[str, Any], lq: dict[str, Any]) -> str:
    met = [k for k, ok in targets_met(row, lq).items() if ok]
    return f"{len(met)} of 3" + (f" ({', '.join(met)})" if met else "")


def start_rows(root: Path) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(curve row from noise, resample row from the condition) pairs of the same checkpoint, in curve order;
    a labelled condition row without its curve row is an error naming both records."""
    lq, curve = load_curve(root)
    by_key = {(design(r), int(r["steps"])): r for r in curve}
    path = root / SAMPLER_RECORD
    try:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        labelled = [r for r in rows if r["start"] == CONDITION and "steps" in r]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BenchError(f"{path}: not a sampler record of benchmarks/flipnet_curve.py ({exc!r})") from exc
    pairs = []
    for row in labelled:
        key = (design(row), int(row["steps"]))
        if key not in by_key:
            raise BenchError(f"{path}: row {key} has no curve row of that design and steps")
        pairs.append((by_key[key], row))
    order = {key: i for i, key in enumerate(by_key)}
    return sorted(pairs, key=lambda p: (order[(design(p[0]), int(p[0]["steps"]))], int(p[1]["samples"])))


def start_table(root: Path) -> str:
    """Each curve checkpoint sampled from pure noise (its curve row) and from the condition's x_T."""
    lq, _ = load_curve(root)
    head = (
        "\n| design | restoration steps | samples | from noise (published): PSNR / LPIPS / ids_dlib "
        "| condition start: PSNR / LPIPS / ids_dlib | targets met, condition start |\n"
        "|---|---|---|---|---|---|\n"
        f"| LQ input (reference) | – | – | {_scores(lq)} | – | target: LPIPS < {lq['lpips']:.3f}, "
        f"PSNR ≥ {lq['psnr'] - PSNR_MARGIN_DB:.2f}, ids_dlib ≥ {lq['ids_dlib'] - IDS_MARGIN:.3f} |\n"
    )
    lines = []
    for noise, cond in start_rows(root):
        k = int(cond["samples"])
        lines.append(
            f"| {design(noise)} | {int(noise['steps']):,} | {k} | {_scores(noise) if k == 1 else '–'} | "
            f"{_scores(cond)} | {_met(cond, lq)} |"
        )
    return head + "\n".join(lines) + "\n"


def x0_start_table(root: Path) -> str:
    """x̂0 PSNR at t = 999 (the first step of a sampler) with the right condition, given the forward process's
    x_T and given its noise alone (what a from-noise start feeds), and with another face's condition."""

    def line(row: dict[str, Any]) -> list[str]:
        x = row["x0_psnr"]["999"]
        right, noise, swapped = (float(x[k]) for k in ("right", "right_noise_only", "swapped"))
        return [
            f"| `{row['checkpoint']}` | {int(row['n'])} | {right:.2f} | {noise:.2f} ({noise - right:+.2f}) | "
            f"{swapped:.2f} ({swapped - right:+.2f}) |"
        ]

    lines = record_lines(
        root / X0_START_RECORD, "x̂0 rows of scripts/flipnet_diagnose.py with right_noise_only", line
    )
    head = (
        "\n| checkpoint | faces | x_T of the forward process, right condition, dB "
        "| noise alone, right condition (Δ) | x_T of the forward process, swapped condition (Δ) |\n"
        "|---|---|---|---|---|\n"
    )
    return head + "\n".join(lines) + "\n"


def start_sentence(root: Path, name: str) -> str:
    """The README's line: design ``name``'s longest-trained checkpoint, one sample started at the condition
    against the same checkpoint from noise, and the targets the condition start meets."""
    lq, _ = load_curve(root)
    pairs = [(n, c) for n, c in start_rows(root) if design(n) == name and int(c["samples"]) == 1]
    if not pairs:
        raise BenchError(f"{root / SAMPLER_RECORD}: no condition-start row of the design {name!r}")
    noise, cond = pairs[-1]
    return (
        f"after {int(noise['steps']):,} restoration steps, one sample started at the condition scores "
        f"PSNR / LPIPS / ids_dlib {_scores(cond)} (from noise {_scores(noise)}; the input {_scores(lq)}): "
        f"targets met {_met(cond, lq)}"
    )


SCHEDULE_RECORD = Path("benchmarks") / "results" / "flipnet_schedule.jsonl"


def schedule_table(root: Path) -> str:
    """``--resample`` rows of the noise-schedule ablation (``--record`` SCHEDULE_RECORD, ``--design`` naming
    each joint model): each joint model from noise and from the condition, against the LQ input."""
    lq, _ = load_curve(root)
    lines = record_lines(
        root / SCHEDULE_RECORD,
        "rows of benchmarks/flipnet_curve.py --resample with a design",
        lambda r: [f"| {r['design']} | {r['start']} | {int(r['samples'])} | {_scores(r)} | {_met(r, lq)} |"],
    )
    head = (
        "\n| joint model | start | samples | PSNR / LPIPS / ids_dlib | targets met |\n"
        "|---|---|---|---|---|\n"
        f"| LQ input (reference) | – | – | {_scores(lq)} | – |\n"
    )
    return head + "\n".join(lines) + "\n"
