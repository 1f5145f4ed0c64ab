"""docs/flipnet.md's degradation-mode tables, rendered from their records.

- ``benchmarks/results/flipnet_degrade_curve.jsonl``: ``benchmarks/flipnet_degrade_curve.py`` rows, the
  degradation mode trained further from a joint model (the pipeline's, or another named by the row's
  ``design``), each with its ``steps`` and ``arch`` options and the
  x̂0 PSNR with the right and with a swapped clean condition (``scripts/flipnet_degrade_x0.py``);
- ``benchmarks/results/ae_degradation.jsonl``: ``scripts/ae_degradation.py`` rows, what an autoencoder
  reconstructs and how much of a degradation survives its round trip;
- ``benchmarks/results/flipnet_decoder_probe.jsonl``: the restoration mode's held-out samples decoded by the
  shipped decoder and by one trained further on the same latent space;
- ``benchmarks/results/flipnet_finetune_probe.jsonl``: the restoration init's held-out samples against those
  after the pipeline's 100 further steps, at its learning rate and at a tenth of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flipnet_bench.report.curve_block import record_lines, x0_cells

CURVE_RECORD = Path("benchmarks") / "results" / "flipnet_degrade_curve.jsonl"
AE_RECORD = Path("benchmarks") / "results" / "ae_degradation.jsonl"
TIMESTEPS = ("800", "500", "200")


def _design(row: dict[str, Any]) -> str:
    """The BoostHub options (or global, as published), after the row's ``design`` (another joint model)."""
    arch = " ".join(row["arch"]) or "global (published)"
    return f"{row['design']}: {arch}" if row.get("design") else arch


def degrade_curve_table(root: Path) -> str:
    """The degradation mode's use of its condition over its continued training, per BoostHub design."""
    lines = record_lines(
        root / CURVE_RECORD,
        "rows of benchmarks/flipnet_degrade_curve.py (with steps and arch)",
        lambda row: [
            f"| {_design(row)} | {int(row['steps']):,} | {k.replace('_', ' ')} "
            f"| {x0_cells(row[k], TIMESTEPS)} |"
            for k in ("face_tiles", "real_pairs")
        ],
        key=lambda row: (row.get("design", ""), bool(row["arch"]), " ".join(row["arch"]), int(row["steps"])),
    )
    head = (
        "\n| BoostHub | degradation steps | pairs | t = 800: right / swapped (gap), dB "
        "| t = 500 | t = 200 |\n"
        "|---|---|---|---|---|---|\n"
    )
    return head + "\n".join(lines) + "\n"


def ae_table(root: Path) -> str:
    """Reconstruction PSNR of clean images, and the part of each degradation the autoencoder keeps."""

    def line(row: dict[str, Any]) -> list[str]:
        syn, real, tiles = row["synthetic"], row["real_pairs"], row["face_tiles"]
        return [
            f"| {row['label']} | {syn['psnr_clean']:.2f} | {tiles['psnr_clean']:.2f} "
            f"| {real['psnr_clean']:.2f} "
            f"| {syn['kept']:.2f} | {tiles['kept']:.2f} | {real['kept']:.2f} ({real['cosine']:.2f}) |"
        ]

    lines = record_lines(root / AE_RECORD, "rows of scripts/ae_degradation.py with --faces", line)
    head = (
        "\n| autoencoder | held-out faces, dB | face tiles, dB | real-pair clean crops, dB "
        "| kept: synthetic LQ | kept: face tiles (classic) | kept: real pairs (cosine) |\n"
        "|---|---|---|---|---|---|---|\n"
    )
    return head + "\n".join(lines) + "\n"


DECODER_RECORD = Path("benchmarks") / "results" / "flipnet_decoder_probe.jsonl"
#: The restoration init against 100 more restoration steps at two learning rates (the pipeline's and 1/10).
FINETUNE_RECORD = Path("benchmarks") / "results" / "flipnet_finetune_probe.jsonl"


def resample_table(root: Path, record: Path, label: str, header: str) -> str:
    """``benchmarks/flipnet_curve.py --resample`` rows (the held-out faces from noise, one sample), each
    named by its ``label`` key: the decoder probe (``decoder``) and the fine-tuning probe (``run``)."""
    lines = record_lines(
        root / record,
        f"benchmarks/flipnet_curve.py --resample rows with a {label!r} key",
        lambda r: [
            f"| {r[label]} | {r['psnr']:.2f} | {r['ssim']:.4f} | {r['lpips']:.4f} | {r['ids_dlib']:.4f} |"
        ],
    )
    head = f"\n| {header} | PSNR ↑ | SSIM ↑ | LPIPS ↓ | ids_dlib ↑ |\n|---|---|---|---|---|\n"
    return head + "\n".join(lines) + "\n"
