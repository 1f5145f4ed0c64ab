"""docs/flipnet.md's sample-spread tables, rendered from ``benchmarks/results/flipnet_sample_spread.jsonl``.

Each row is one ``benchmarks/flipnet_sample_spread.py`` call: K single samples of one checkpoint on the
held-out faces, the means of the first 2, 4, … of them and its one-pass prediction, scored by the project's
scorer; and the split of a single sample's squared error into the error of the checkpoint's own posterior mean
and the samples' spread. ``colour_table`` renders ``benchmarks/results/flipnet_colour_bias.jsonl``
(``benchmarks/flipnet_colour_bias.py``): how much of restored sets' PSNR goes to colour.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flipnet_bench.report.curve_block import record_lines

RECORD = Path("benchmarks") / "results" / "flipnet_sample_spread.jsonl"
WHAT = "rows of benchmarks/flipnet_sample_spread.py"
#: The posterior-mean columns (means of the first K samples; a row with fewer samples shows "–").
MEANS = (2, 4, 8)


def _table(
    columns: list[str],
    path: Path,
    what: str,
    line: Callable[[dict[str, Any]], list[str]],
    key: Callable[[dict[str, Any]], Any] | None = None,
) -> str:
    """A markdown table with these column titles, one or more lines per record row (``record_lines``)."""
    head = "\n| " + " | ".join(columns) + " |\n|" + "---|" * len(columns) + "\n"
    return head + "\n".join(record_lines(path, what, line, key)) + "\n"


def _cell(scores: dict[str, Any]) -> str:
    return f"{scores['psnr']:.2f} / {scores['lpips']:.3f} / {scores['ids_dlib']:.3f}"


def spread_table(root: Path) -> str:
    """PSNR / LPIPS / ids_dlib of one sample and of the mean of K samples, per checkpoint."""

    def line(r: dict[str, Any]) -> list[str]:
        cells = [_cell(r["means"][str(k)]) if str(k) in r["means"] else "–" for k in MEANS]
        return [
            f"| {r['label']} | {_cell(r['sample_0'])} "
            f"| {_cell(r['single_mean_over_seeds'])} ({r['samples']}) | "
            + " | ".join(cells)
            + f" | {_cell(r['one_pass'])} |"
        ]

    columns = ["checkpoint", "one sample (seed 0)", "one sample, mean over seeds (how many)"]
    columns += [f"mean of {k} samples" for k in MEANS] + ["one pass (x̂0 at t = T)"]
    return _table(columns, root / RECORD, WHAT, line)


def split_table(root: Path) -> str:
    """A single sample's squared error = its checkpoint's posterior-mean error + the samples' spread (dB)."""

    def line(r: dict[str, Any]) -> list[str]:
        share = r["spread"] / r["mse_sample"]
        return [
            f"| {r['label']} | {r['mse_sample_db']:.2f} | {r['mse_mean_inf_db']:.2f} | {r['spread_db']:.2f} "
            f"| {share:.0%} |"
        ]

    columns = ["checkpoint", "one sample, dB", "its posterior mean (K → ∞), dB", "spread, dB",
               "spread's share of a sample's error"]  # fmt: skip
    return _table(columns, root / RECORD, WHAT, line)


COLOUR_RECORD = Path("benchmarks") / "results" / "flipnet_colour_bias.jsonl"
COLOUR_WHAT = "rows of benchmarks/flipnet_colour_bias.py"


def colour_table(root: Path) -> str:
    """PSNR as restored, without the set-wide colour bias, and with each face's mean colour its HQ's."""

    def line(r: dict[str, Any]) -> list[str]:
        bias = " / ".join(f"{v:+.1f}" for v in r["bias_rgb_255"])
        cells = " | ".join(f"{r[k]['psnr']:.2f}" for k in ("as_restored", "without_bias", "own_colour"))
        gain = r["own_colour"]["psnr"] - r["as_restored"]["psnr"]
        return [f"| {r['label']} | {bias} | {cells} | {gain:+.2f} |"]

    columns = ["restored set", "set-wide colour bias R / G / B (of 255)", "PSNR as restored",
               "without that bias", "each face at its HQ's mean colour", "gain of the last"]  # fmt: skip
    return _table(columns, root / COLOUR_RECORD, COLOUR_WHAT, line)


PROBE_RECORD = Path("benchmarks") / "results" / "flipnet_regression_probe.jsonl"
PROBE_WHAT = "rows of benchmarks/flipnet_regression_probe.py"
#: What each ``--trainable`` choice of the probe trains, as the table names it.
PROBE_TRAINS = {
    "adapters": "FLIPNET's trainable parts (LoRA, BoostHub, adapter)",
    "unet": "those and the prior's whole UNet",
}


def probe_table(root: Path) -> str:
    """The one-pass estimate of E[HQ | LQ] trained at t = T only, per trained part, architecture option and
    length (and one sample drawn as published, where the row has one), below the autoencoder's round trips
    of the HQ faces (the ceiling of any latent estimate) and of their LQ inputs."""

    def line(r: dict[str, Any]) -> list[str]:
        scores = f"{r['psnr']:.2f} | {r['lpips']:.3f} | {r['ids_dlib']:.3f}"
        if "row" in r:
            return [f"| {r['row']} | – | – | {scores} | – | – |"]
        when = ["timesteps drawn over the schedule"] if r.get("timesteps") == "all" else []
        what = ", ".join([PROBE_TRAINS[r["trainable"]], *r.get("arch", []), *when])
        steps = "the base" if r["steps"] == 0 else f"{r['steps']:,}"
        params = f"{r['trainable_params'] / 1e6:.2f} M"
        sample = _cell(r["sample"]) if "sample" in r else "–"
        return [f"| {what} | {steps} | {params} | {scores} | {sample} | {r['train_s']:.0f} |"]

    def order(r: dict[str, Any]) -> tuple:
        if "row" in r:
            return (0, "", r["row"], 0)
        return (1, r.get("timesteps", "T"), r["trainable"] + " ".join(r.get("arch", [])), r["steps"])

    columns = ["trained (at t = T unless said)", "steps", "trainable parameters", "one pass: PSNR", "LPIPS",
               "ids_dlib", "one sample as published", "seconds of steps since the row above"]  # fmt: skip
    return _table(columns, root / PROBE_RECORD, PROBE_WHAT, line, order)
