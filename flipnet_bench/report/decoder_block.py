"""docs/flipnet.md's decoder table, rendered from ``benchmarks/results/flipnet_decoder.jsonl``.

Each row is one ``benchmarks/flipnet_curve.py --resample CKPT --params P.yaml`` run: a restoration checkpoint
sampled as published (from noise, DPM-Solver++ 10, one sample, seed 0) on the 64 held-out faces, its
samples decoded by the prior's own decoder or by ``flipnet.restore_decoder`` (the row's ``decoder``), and
scored by the project's scorer. The targets are the held-out curve's (:mod:`curve_block`), against the LQ
input's row of ``curve_block.RECORD``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flipnet_bench.errors import BenchError
from flipnet_bench.report.curve_block import load_curve, record_lines, targets_met

RECORD = Path("benchmarks") / "results" / "flipnet_decoder.jsonl"
#: How the docs name each decoder folder of the record (a folder not named here is shown as its path).
DECODERS = {
    None: "the prior's own (`checkpoints/prior-tiny-latent-zsnr`: 413 autoencoder steps)",
    "out/dec/noise0": "that decoder trained 1,500 more steps, encoder frozen, no noise (`out/dec/noise0`)",
    "checkpoints/ae-tiny-latent-decoder-noise": "that decoder trained 1,500 more steps on noised latents "
    "(`checkpoints/ae-tiny-latent-decoder-noise`)",
}


def decoder_table(root: Path) -> str:
    """One line per checkpoint and decoder: the scores and the targets met."""
    lq, _ = load_curve(root)

    def line(row: dict[str, Any]) -> list[str]:
        met = [k for k, ok in targets_met(row, lq).items() if ok]
        decoder = DECODERS.get(row.get("decoder"), f"`{row.get('decoder')}`")
        which = f" ({', '.join(met)})" if met else ""
        return [
            f"| `{row['checkpoint']}` | {decoder} | {row['psnr']:.2f} | {row['ssim']:.4f} "
            f"| {row['lpips']:.4f} | {row['ids_dlib']:.4f} | {len(met)} of 3{which} |"
        ]

    lines = record_lines(root / RECORD, "rows of benchmarks/flipnet_curve.py --resample", line)
    head = (
        "\n| restoration checkpoint | decoder | PSNR ↑ | SSIM ↑ | LPIPS ↓ | ids_dlib ↑ | targets met |\n"
        "|---|---|---|---|---|---|---|\n"
    )
    return head + "\n".join(lines) + "\n"


TRAJECTORY = Path("benchmarks") / "results" / "flipnet_trajectory.jsonl"


def trajectory_table(root: Path) -> str:
    """``scripts/flipnet_trajectory.py`` rows: mean PSNR of each column against the HQ, per decoder (the
    columns of the first row)."""
    names: list[str] = []

    def line(r: dict[str, Any]) -> list[str]:
        names[:] = names or list(r["psnr"])
        decoder = DECODERS.get(r.get("decoder"), f"`{r.get('decoder')}`")
        cells = " | ".join(f"{float(r['psnr'][n]):.2f}" for n in names)
        return [
            f"| `{r['checkpoint']}` | {decoder} | {r['faces']} | {cells} | {float(r['latent_error']):.3f} |"
        ]

    lines = record_lines(root / TRAJECTORY, "rows of scripts/flipnet_trajectory.py", line)
    if not lines:
        raise BenchError(f"{root / TRAJECTORY}: no rows")
    head = "\n| checkpoint | decoder | faces | " + " | ".join(f"{n}, dB" for n in names)
    return head + " | sample's latent error |\n" + "|---" * (len(names) + 4) + "|\n" + "\n".join(lines) + "\n"


#: The README's row: the UNet-open restoration checkpoint decoded by the noise-trained decoder.
OPTIONS_ROW = (
    "checkpoints/flipnet-tiny-latent-zsnr-r64-restoration-unet",
    "checkpoints/ae-tiny-latent-decoder-noise",
)


def decoder_sentence(
    root: Path, checkpoint: str = OPTIONS_ROW[0], decoder: str | None = OPTIONS_ROW[1]
) -> str:
    """One row of the record (``checkpoint`` decoded by ``decoder``) against the input, with its targets."""
    lq, _ = load_curve(root)
    rows = record_lines(root / RECORD, "rows of benchmarks/flipnet_curve.py --resample", lambda r: [r])
    found = [r for r in rows if r.get("checkpoint") == checkpoint and r.get("decoder") == decoder]
    if not found:
        raise BenchError(f"{root / RECORD}: no row of {checkpoint} decoded by {decoder}")
    r = found[-1]
    met = [k for k, ok in targets_met(r, lq).items() if ok]
    return (
        f"PSNR {r['psnr']:.2f}, LPIPS {r['lpips']:.3f}, ids_dlib {r['ids_dlib']:.3f} against the input's "
        f"{lq['psnr']:.2f} / {lq['lpips']:.3f} / {lq['ids_dlib']:.3f}: {len(met)} of the 3 targets met"
        + (f" ({', '.join(met)})" if met else "")
    )
