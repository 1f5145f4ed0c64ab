"""docs/flipnet.md's held-out curve, rendered from ``benchmarks/results/flipnet_curve.jsonl``.

The record is what ``benchmarks/flipnet_curve.py`` appends: one row for the LQ input (``steps`` 0), then one
per restoration-training length of FLIPNET's restoration mode, each scored on the same held-out faces; a row
of an ablation names its architecture options (``arch``), a row of another joint model its ``design``
(``--design``), the published design's rows neither. The table
marks the three restoration targets against the LQ input's own values: LPIPS below it, PSNR within 3 dB of
it, ids_dlib within 0.03 of it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flipnet_bench.config import load_section
from flipnet_bench.errors import BenchError

RECORD = Path("benchmarks") / "results" / "flipnet_curve.jsonl"
#: The UNet-open run's own record (``R64_UNET_OPEN`` rows and their LQ input's row), and the records of the
#: run with the condition at the UNet's input too (``R64_UNET_CONCAT``).
RECORD_UNET = Path("benchmarks") / "results" / "flipnet_curve_unet.jsonl"
RECORD_CONCAT = Path("benchmarks") / "results" / "flipnet_curve_concat.jsonl"
#: How far below the input's PSNR and ids_dlib a restoration may stay and still meet the target.
PSNR_MARGIN_DB = 3.0
IDS_MARGIN = 0.03
KEYS = ("steps", "lpips", "psnr", "ssim", "ids_dlib")
PUBLISHED = "as published"
#: The latent miniature's rows (``--design`` of benchmarks/flipnet_curve.py), as published and with a window.
LATENT = "tiny-latent"
LATENT_WINDOW = "tiny-latent boosthub_window=2"
#: The zero-terminal-SNR ablation (``tiny-latent-zsnr``) with the window.
LATENT_ZSNR_WINDOW = "tiny-latent-zsnr boosthub_window=2"
#: The same, on a prior and joint model retrained on an autoencoder trained to 3,000 steps.
LATENT_ZSNR_AE3000_WINDOW = "tiny-latent-zsnr ae-3000 boosthub_window=2"
#: The zero-SNR window rows trained without the LPIPS term on x̂0 (``flipnet.perceptual: none``).
LATENT_ZSNR_WINDOW_NOPERC = "tiny-latent-zsnr boosthub_window=2 perceptual=none"
#: The zero-SNR window rows on a joint model with LoRA rank 64 (the paper's) instead of 8.
LATENT_ZSNR_R64_WINDOW = "tiny-latent-zsnr lora_rank=64 boosthub_window=2"
#: Those rows' training with one setting changed (``--params``): the image-space MSE term on x̂0 weighted
#: 20 instead of 1, and the checkpoint's weights an exponential moving average of the trained ones.
R64_MSE20 = LATENT_ZSNR_R64_WINDOW + " lambda_mse=20"
R64_EMA = LATENT_ZSNR_R64_WINDOW + " ema_decay=0.999"
#: The shipped rank-64 restoration mode (``flipnet.restoration.init``, 3,000 steps) trained further with every
#: weight of the prior's UNet trainable too (``--arch finetune_unet=true``); its steps count from there.
R64_UNET_OPEN = LATENT_ZSNR_R64_WINDOW + " finetune_unet (from the 3,000-step restoration mode)"
#: The same start trained with the UNet open and the condition concatenated at the UNet's input too
#: (``--arch finetune_unet=true cond_concat=true``).
R64_UNET_CONCAT = LATENT_ZSNR_R64_WINDOW + " finetune_unet cond_concat (from the 3,000-step restoration mode)"
#: The ae-3000 chain with its prior trained 6,000 steps instead of 3,000 (then the same joint and restoration
#: training).
AE3000_PRIOR6000 = "tiny-latent-zsnr ae-3000 prior-6000 boosthub_window=2"


def design(row: dict[str, Any]) -> str:
    """The row's name: its own ``design`` (another joint model), else its options, else as published."""
    return str(row.get("design") or "") or " ".join(row.get("arch") or []) or PUBLISHED


def load_curve(root: Path, record: Path = RECORD) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(the LQ input's row, the model rows by steps) of ``root / record``; a missing file or key is an
    error naming the file."""
    path = root / record
    try:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for row in rows:
            for key in KEYS:
                float(row[key])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BenchError(f"{path}: not a curve record of benchmarks/flipnet_curve.py ({exc!r})") from exc
    inputs = [r for r in rows if r["steps"] == 0]
    if len(inputs) != 1:
        raise BenchError(f"{path}: needs exactly one LQ-input row (steps 0), found {len(inputs)}")
    model = sorted(
        (r for r in rows if r["steps"] > 0), key=lambda r: (design(r) != PUBLISHED, design(r), r["steps"])
    )
    return inputs[0], model


def targets_met(row: dict[str, Any], lq: dict[str, Any]) -> dict[str, bool]:
    """The three restoration targets, each against the LQ input's value on the same faces."""
    return {
        "lpips": row["lpips"] < lq["lpips"],
        "psnr": row["psnr"] >= lq["psnr"] - PSNR_MARGIN_DB,
        "ids_dlib": row["ids_dlib"] >= lq["ids_dlib"] - IDS_MARGIN,
    }


def design_rows(root: Path, name: str, record: Path = RECORD) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(the LQ input's row, design ``name``'s rows by steps) of ``record``; none is an error naming it."""
    lq, rows = load_curve(root, record)
    rows = [r for r in rows if design(r) == name]
    if not rows:
        raise BenchError(f"{root / record}: no rows of the design {name!r} yet")
    return lq, rows


def curve_table(root: Path, name: str | None = None, record: Path = RECORD) -> str:
    """Every row of ``record`` (or only design ``name``'s), each with the targets it meets."""
    lq, rows = load_curve(root, record) if name is None else design_rows(root, name, record)
    head = (
        "\n| design | restoration steps | PSNR ↑ | SSIM ↑ | LPIPS ↓ | ids_dlib ↑ | targets met |\n"
        "|---|---|---|---|---|---|---|\n"
        f"| LQ input (reference) | – | {lq['psnr']:.2f} | {lq['ssim']:.4f} | {lq['lpips']:.4f} | "
        f"{lq['ids_dlib']:.4f} | target: LPIPS < {lq['lpips']:.4f}, "
        f"PSNR ≥ {lq['psnr'] - PSNR_MARGIN_DB:.2f}, ids_dlib ≥ {lq['ids_dlib'] - IDS_MARGIN:.4f} |\n"
    )
    lines = []
    for row in rows:
        met = targets_met(row, lq)
        names = [k for k in ("lpips", "psnr", "ids_dlib") if met[k]]
        which = f" ({', '.join(names)})" if names else ""
        lines.append(
            f"| {design(row)} | {row['steps']:,} | {row['psnr']:.2f} | {row['ssim']:.4f} | "
            f"{row['lpips']:.4f} | {row['ids_dlib']:.4f} | {len(names)} of 3{which} |"
        )
    return head + "\n".join(lines) + "\n"


def curve_sentence(root: Path, name: str = PUBLISHED, steps: int | None = None) -> str:
    """The README's one line: design ``name``'s longest-trained row (or its row at ``steps``, e.g. a shipped
    checkpoint's length) against the input, and the targets it meets (default: the published design)."""
    lq, rows = design_rows(root, name)
    at = [r for r in rows if steps is None or r["steps"] == steps]
    if not at:
        raise BenchError(f"{root / RECORD}: no row of the design {name!r} at {steps} steps")
    last, first = at[-1], rows[0]
    met = [k for k, ok in targets_met(last, lq).items() if ok]
    return (
        f"after {last['steps']:,} restoration steps PSNR {last['psnr']:.2f}, LPIPS {last['lpips']:.3f}, "
        f"ids_dlib {last['ids_dlib']:.3f} (at {first['steps']:,} steps {first['psnr']:.2f} / "
        f"{first['lpips']:.3f} / {first['ids_dlib']:.3f}; the input {lq['psnr']:.2f} / {lq['lpips']:.3f} / "
        f"{lq['ids_dlib']:.3f}): {len(met)} of the 3 targets met"
    )


def targets_summary(root: Path, name: str, record: Path = RECORD) -> str:
    """At how many, and which, of design ``name``'s lengths in ``record`` one sample meets all three
    targets."""
    lq, rows = design_rows(root, name, record)
    met = [r["steps"] for r in rows if all(targets_met(r, lq).values())]
    where = f" ({', '.join(f'{s:,}' for s in met)} steps)" if met else ""
    return f"all three targets met at {len(met)} of its {len(rows)} lengths{where}"


def shipped_sentence(root: Path, name: str) -> str:
    """``curve_sentence`` of design ``name`` at the length of the pipeline's ``flipnet.restoration.init``
    (the ``steps`` of its ``restoration.json``); a missing or unreadable file is an error naming it."""
    init = load_section("flipnet", root / "params.yaml").restoration.init
    if init is None:
        raise BenchError(f"{root / 'params.yaml'}: flipnet.restoration.init is null (no shipped checkpoint)")
    path = root / init / "restoration.json"
    try:
        steps = int(json.loads(path.read_text(encoding="utf-8"))["steps"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BenchError(f"{path}: not a restoration checkpoint's record ({exc!r})") from exc
    return curve_sentence(root, name, steps)


def curve_contrast(
    root: Path, name: str, other: str, record: Path = RECORD, other_record: Path | None = None
) -> str:
    """Design ``name`` (in ``record``) against ``other`` (in ``other_record``, default the same) at every
    restoration length both were trained to: at how many of them each column is better (PSNR and ids_dlib
    higher, LPIPS lower), and the differences at the longest."""
    places = {name: record, other: other_record or record}
    by = {d: {r["steps"]: r for r in design_rows(root, d, rec)[1]} for d, rec in places.items()}
    steps = sorted(set(by[name]) & set(by[other]))
    if not steps:
        raise BenchError(f"{root / record}: no restoration length with rows of both {name!r} and {other!r}")
    cols = (
        ("psnr", 1, "PSNR", ".2f", " dB"),
        ("lpips", -1, "LPIPS", ".3f", ""),
        ("ids_dlib", 1, "ids_dlib", ".3f", ""),
    )
    a, b = by[name][steps[-1]], by[other][steps[-1]]
    wins = ", ".join(
        f"{label} at {sum(sign * (by[name][s][k] - by[other][s][k]) > 0 for s in steps)}"
        for k, sign, label, _, _ in cols
    )
    diffs = ", ".join(f"{label} {a[k] - b[k]:+{fmt}}{unit}" for k, _, label, fmt, unit in cols)
    return (
        f"better than `{other}` at the {len(steps)} lengths both were trained to ({steps[0]:,}–{steps[-1]:,} "
        f"steps): {wins}; at {steps[-1]:,} steps {diffs}"
    )


#: One-setting ablations rendered as a sentence and a contrast: (block name, design, the design it changes).
ABLATIONS = (
    ("flipnet-curve-r64-mse20", R64_MSE20, LATENT_ZSNR_R64_WINDOW),
    ("flipnet-curve-r64-ema", R64_EMA, LATENT_ZSNR_R64_WINDOW),
    ("flipnet-curve-ae3000-prior6000", AE3000_PRIOR6000, LATENT_ZSNR_AE3000_WINDOW),
)


#: Further contrasts between designs of different chains: (block name, design, its record, the design
#: compared with, that one's record).
CONTRASTS = (
    ("flipnet-curve-prior6000-vs-r8", AE3000_PRIOR6000, RECORD, LATENT_ZSNR_WINDOW, RECORD),
    ("flipnet-curve-unet-concat-vs", R64_UNET_CONCAT, RECORD_CONCAT, R64_UNET_OPEN, RECORD_UNET),
)

#: Runs kept in a record of their own: (block name, design, record). Each gives the blocks NAME (its table)
#: and NAME-met (at which lengths it meets all three targets).
OWN_RECORDS = (
    ("flipnet-curve-unet", R64_UNET_OPEN, RECORD_UNET),
    ("flipnet-curve-unet-concat", R64_UNET_CONCAT, RECORD_CONCAT),
)


def ablation_renderers() -> dict[str, Callable[[Any], str]]:
    """Blocks ``NAME`` (the ablation's own sentence) and ``NAME-vs`` (its contrast with the design it
    changes, trained with the same seed, so on the same batches and noise) for each of ``ABLATIONS``, one
    contrast block for each of ``CONTRASTS``, and a table and a targets block for each of ``OWN_RECORDS``."""
    blocks: dict[str, Callable[[Any], str]] = {}
    for block, name, other in ABLATIONS:
        blocks[block] = lambda out, n=name: curve_sentence(out.root, n)
        blocks[f"{block}-vs"] = lambda out, n=name, o=other: curve_contrast(out.root, n, o)
    for block, name, record, other, other_record in CONTRASTS:
        blocks[block] = lambda out, n=name, r=record, o=other, q=other_record: curve_contrast(
            out.root, n, o, r, q
        )
    for block, name, record in OWN_RECORDS:
        blocks[block] = lambda out, n=name, r=record: curve_table(out.root, n, r)
        blocks[f"{block}-met"] = lambda out, n=name, r=record: targets_summary(out.root, n, r)
    return blocks


X0_RECORD = Path("benchmarks") / "results" / "flipnet_curve_x0.jsonl"


def record_lines(
    path: Path,
    what: str,
    lines_of: Callable[[dict[str, Any]], list[str]],
    key: Callable[[dict[str, Any]], Any] | None = None,
) -> list[str]:
    """The table lines of a JSON-lines record (``lines_of`` per row, rows ordered by ``key``); an unreadable
    file or a row without the keys a line needs is an error naming the file and ``what`` it should hold."""
    try:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return [line for row in (sorted(rows, key=key) if key else rows) for line in lines_of(row)]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BenchError(f"{path}: not {what} ({exc!r})") from exc


def x0_cells(x0_psnr: dict[str, Any], timesteps: tuple[str, ...]) -> str:
    """Table cells "right / swapped (gap)" in dB of ``x0_fidelity`` results at ``timesteps``."""
    pairs = [(float(x0_psnr[t]["right"]), float(x0_psnr[t]["swapped"])) for t in timesteps]
    return " | ".join(f"{r:.2f} / {w:.2f} ({r - w:+.2f})" for r, w in pairs)


def x0_table(root: Path) -> str:
    """x̂0 fidelity of the curve's checkpoints on held-out faces (``scripts/flipnet_diagnose.py locality
    --x0`` rows, each with its ``steps``): PSNR with the right condition, with another face's, and the gap."""
    cells = record_lines(
        root / X0_RECORD,
        "x̂0 rows of scripts/flipnet_diagnose.py with steps",
        lambda row: [
            f"| {design(row)} | {int(row['steps']):,} | {x0_cells(row['x0_psnr'], ('800', '500'))} |"
        ],
        key=lambda r: (design(r) != PUBLISHED, design(r), int(r["steps"])),
    )
    head = (
        "\n| design | restoration steps | t = 800: right / swapped (gap), dB "
        "| t = 500: right / swapped (gap), dB |\n"
        "|---|---|---|---|\n"
    )
    return head + "\n".join(cells) + "\n"


SAMPLER_RECORD = Path("benchmarks") / "results" / "flipnet_sampler.jsonl"


def sampler_table(root: Path) -> str:
    """``benchmarks/flipnet_curve.py --resample`` rows: one checkpoint restored under other sampler settings
    (from noise; one sample, or the mean of several), scored like the curve. Rows started at the condition
    are the sampling-start study's (:mod:`flipnet_bench.report.start_block`)."""
    lines = record_lines(
        root / SAMPLER_RECORD,
        "rows of benchmarks/flipnet_curve.py --resample",
        lambda r: (
            []
            if r["start"] == "condition"
            else [
                f"| `{r['checkpoint']}` | {r['scheduler']} | {int(r['sample_steps'])} | "
                f"{int(r['samples'])} | {float(r['psnr']):.2f} | "
                f"{float(r['ssim']):.4f} | {float(r['lpips']):.4f} | {float(r['ids_dlib']):.4f} | "
                f"{float(r['restore_s_per_image']):.2f} |"
            ]
        ),
    )
    head = (
        "\n| checkpoint | scheduler | steps | samples | PSNR ↑ | SSIM ↑ | LPIPS ↓ | ids_dlib ↑ "
        "| s per image |\n"
        "|---|---|---|---|---|---|---|---|---|\n"
    )
    return head + "\n".join(lines) + "\n"
