"""Numbers in the docs rendered from the pipeline's outputs, so they change when the outputs do.

A doc marks a rendered span ``<!-- BEGIN generated:NAME -->…<!-- END generated:NAME -->``; ``NAME`` is a
renderer below, reading the checked-in outputs of ``dvc repro``: ``leaderboard.csv`` (every value, interval
and mark, gathered from ``metrics/`` and the scores) and ``leaderboard.md`` (its tables as the leaderboard
stage formats them); the ``perf-*`` blocks read the speed benchmarks' records (report/perf_blocks.py).
``scripts/render_docs.py`` rewrites the spans; ``tests/test_docs_generated.py`` fails when one differs.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from pathlib import Path

from flipnet_bench.errors import BenchError
from flipnet_bench.report import (
    curve_block,
    decoder_block,
    degrade_block,
    locality_block,
    of_block,
    overfit_block,
    perf_blocks,
    prior_block,
    realism_block,
    repro_time,
    spread_block,
    start_block,
)

SYNTHETIC = "synthetic-hq-test"
#: ``dvc repro``'s outputs (leaderboard.csv, leaderboard.md, metrics/realism.json) of a run with
#: ``flipnet.restoration.init`` set to the restoration mode trained with the prior's UNet open
#: (``finetune_unet``), kept beside the benchmarks' records (docs/flipnet.md).
UNET_OPEN = Path("benchmarks") / "results" / "flipnet_unet_open"
#: The same run's outputs with ``flipnet.restore_decoder`` set too (the noise-trained decoder).
UNET_DECODER = Path("benchmarks") / "results" / "flipnet_unet_open_decoder"
#: Kept pipeline runs: (block prefix, folder) -> blocks PREFIX-rows, PREFIX-vs-input and PREFIX-contrast.
KEPT_RUNS = (("flipnet-unet", UNET_OPEN), ("flipnet-unet-decoder", UNET_DECODER))
FLIPNET_ROWS = ("identity", "flipnet_o", "flipnet")
DOCS = ("README.md", "docs/*.md")
BLOCK = re.compile(r"(<!-- BEGIN generated:([\w-]+) -->)(.*?)(<!-- END generated:\2 -->)", re.S)
LABELS = {
    "psnr": "PSNR",
    "ssim": "SSIM",
    "lpips": "LPIPS",
    "fid": "FID",
    "niqe": "NIQE",
    "ids_dlib": "ids_dlib",
}


class Outputs:
    """The checked-in pipeline outputs a renderer reads."""

    def __init__(self, root: Path) -> None:
        self.root = root
        with open(root / "leaderboard.csv", encoding="utf-8", newline="") as handle:
            self.rows = list(csv.DictReader(handle))
        self.markdown = (root / "leaderboard.md").read_text(encoding="utf-8").splitlines()
        self.realism = json.loads((root / "metrics" / "realism.json").read_text(encoding="utf-8"))

    def value(self, set_name: str, method: str, metric: str) -> dict[str, str]:
        for row in self.rows:
            if (row["set"], row["method"], row["metric"]) == (set_name, method, metric):
                return row
        raise BenchError(f"leaderboard.csv has no {set_name} / {method} / {metric}")

    def table(
        self, first_header: str, sets: tuple[str, ...] | None = None, methods: tuple[str, ...] | None = None
    ) -> str:
        """Header and rows (of ``sets`` and, by the second cell's first word, ``methods``; all when None) of
        the leaderboard.md table whose header starts so."""
        start = next((i for i, ln in enumerate(self.markdown) if ln.startswith(first_header)), None)
        if start is None:
            raise BenchError(f"leaderboard.md has no table starting {first_header!r}")
        lines = []
        for line in self.markdown[start:]:
            if not line.startswith("|"):
                break
            lines.append(line)

        def kept(cells: list[str]) -> bool:
            return (sets is None or cells[1].strip() in sets) and (
                methods is None or cells[2].split()[0] in methods
            )

        body = [ln for ln in lines[2:] if kept(ln.split("|"))]
        return "\n".join([*lines[:2], *body])

    def contrasts(self, set_name: str) -> dict[str, dict[str, str]]:
        """contrast ("a − b") -> column label -> cell, from the leaderboard.md contrast table."""
        lines = self.table("| set | contrast |", (set_name,)).splitlines()
        header = [c.strip() for c in lines[0].strip("|").split("|")]
        out = {}
        for line in lines[2:]:
            cells = [c.strip() for c in line.strip("|").split("|")]
            out[cells[1]] = dict(zip(header[2:], cells[2:], strict=True))
        return out


def _num(text: str, digits: int) -> str:
    return f"{float(text):.{digits}f}".replace("-", "−")


def synthetic_table(out: Outputs) -> str:
    return "\n" + out.table("| set | method |", (SYNTHETIC,)) + "\n"


def flipnet_rows(out: Outputs) -> str:
    """The leaderboard.md rows of the input and FLIPNET's two variants, on every set."""
    return "\n" + out.table("| set | method |", methods=FLIPNET_ROWS) + "\n"


def synthetic_contrasts(out: Outputs) -> str:
    return "\n" + out.table("| set | contrast |", (SYNTHETIC,)) + "\n"


def all_contrasts(out: Outputs) -> str:
    return "\n" + out.table("| set | contrast |") + "\n"


def flipnet_vs_input(out: Outputs) -> str:
    """FLIPNET's two rows against the input's on the synthetic set."""
    parts = []
    for metric, digits in (("psnr", 1), ("lpips", 2), ("ids_dlib", 2)):
        a, b, ref = (
            _num(out.value(SYNTHETIC, m, metric)["value"], digits)
            for m in ("flipnet_o", "flipnet", "identity")
        )
        parts.append(f"{LABELS[metric]} {a} (`flipnet_o`) and {b} (`flipnet`) against the input's {ref}")
    worse = []
    for metric in LABELS:
        ref = out.value(SYNTHETIC, "identity", metric)
        up = ref["higher_is_better"] == "True"
        for m in ("flipnet_o", "flipnet"):
            v = float(out.value(SYNTHETIC, m, metric)["value"])
            if (v < float(ref["value"])) == up:
                worse.append((m, metric))
    n_worse = {m: sum(1 for w in worse if w[0] == m) for m in ("flipnet_o", "flipnet")}
    counts = ", ".join(f"`{m}` on {n} of {len(LABELS)}" for m, n in n_worse.items())
    return "; ".join(parts) + f" — means worse than the input's: {counts} columns"


def _contrast_sentence(out: Outputs, contrast: str) -> str:
    cells = out.contrasts(SYNTHETIC)[contrast]
    better = [f"{k} {v.replace(' ▲', '')}" for k, v in cells.items() if v.endswith("▲")]
    worse = [f"{k} {v.replace(' ▼', '')}" for k, v in cells.items() if v.endswith("▼")]
    text = f"`{contrast}` on {SYNTHETIC}: "
    text += ("better on " + ", ".join(better)) if better else "better on no column"
    text += ("; worse on " + ", ".join(worse)) if worse else "; worse on no column"
    real = [
        f"{s} {k} {v[:-2]}{' (better)' if v.endswith('▲') else ' (worse)'}"
        for s in sorted({r["set"] for r in out.rows} - {SYNTHETIC})
        for k, v in out.contrasts(s).get(contrast, {}).items()
        if v.endswith(("▲", "▼"))
    ]
    return text + (
        "; on the real-world sets: " + ", ".join(real) if real else "; none resolved on the real-world sets"
    )


def flipnet_contrast(out: Outputs) -> str:
    return _contrast_sentence(out, "flipnet − flipnet_o")


def restorer_contrast(out: Outputs) -> str:
    return _contrast_sentence(out, "restorer_of − restorer_o")


def restorer_vs_input(out: Outputs) -> str:
    """The "+O" restorer's means against the input's, and the columns it wins significantly."""
    parts = []
    for metric in LABELS:
        v, ref = out.value(SYNTHETIC, "restorer_o", metric), out.value(SYNTHETIC, "identity", metric)
        digits = 2 if metric in ("psnr", "fid") else 4
        parts.append(f"{LABELS[metric]} {_num(v['value'], digits)} vs {_num(ref['value'], digits)}")
    best = [LABELS[m] for m in LABELS if out.value(SYNTHETIC, "restorer_o", m)["best"] == "True"]
    won = ", ".join(best) if best else "no column"
    return "; ".join(parts) + f"; best and significantly ahead of the runner-up on {won}"


def id_gate_range(out: Outputs) -> str:
    """The range of the FLIPNET rows' and the restorers' ID-gate pass rates over the real-world sets."""

    def rates(methods: tuple[str, ...]) -> str:
        values = [
            float(r["value"])
            for r in out.rows
            if r["metric"] == "id_gate_pass_rate" and r["method"] in methods
        ]
        lo, hi = min(values) * 100, max(values) * 100
        return f"{lo:.0f} %" if lo == hi else f"{lo:.0f}–{hi:.0f} %"

    restorers, flipnet = rates(("restorer_o", "restorer_of")), rates(("flipnet_o", "flipnet"))
    return f"the restorers pass {restorers}, FLIPNET {flipnet}"


REALISM_ROWS = ("flipnet", "clean", "classic", "realesrgan", "jpeg_only")


def realism_flipnet(out: Outputs) -> str:
    """metrics/realism.json, native study: the FLIPNET row beside the floors and the other models."""
    table = out.realism["native"]
    sets = sorted(table["fd_deg"]["flipnet"])
    lines = ["| row | " + " | ".join(sets) + " |", "|---" * (len(sets) + 1) + "|"]
    for metric in table:
        rows = REALISM_ROWS if metric == "fd_deg" else ("flipnet",)
        for row in rows:
            cells = [f"{table[metric][row][s]:.3g}" for s in sets]
            lines.append(f"| {row}, {metric} | " + " | ".join(cells) + " |")
    return "\n" + "\n".join(lines) + "\n"


def realism_flipnet_verdict(out: Outputs) -> str:
    fd = out.realism["native"]["fd_deg"]
    sets = sorted(fd["flipnet"])
    farther = [s for s in sets if fd["flipnet"][s] > max(fd["classic"][s], fd["realesrgan"][s])]
    closer = [s for s in sets if fd["flipnet"][s] < fd["clean"][s]]
    return (
        f"in fd_deg FLIPNET is farther from the real set than classic and Real-ESRGAN on {len(farther)} of "
        f"{len(sets)} sets and closer than the undegraded faces (clean floor) on {len(closer)} of {len(sets)}"
    )


RENDERERS: dict[str, Callable[[Outputs], str]] = {
    "synthetic-table": synthetic_table,
    "synthetic-contrasts": synthetic_contrasts,
    "all-contrasts": all_contrasts,
    "flipnet-vs-input": flipnet_vs_input,
    "flipnet-contrast": flipnet_contrast,
    "restorer-contrast": restorer_contrast,
    "restorer-vs-input": restorer_vs_input,
    "id-gate-range": id_gate_range,
    "realism-flipnet": realism_flipnet,
    **{
        f"{prefix}-{kind}": lambda out, f=folder, r=render: r(Outputs(out.root / f))
        for prefix, folder in KEPT_RUNS
        for kind, render in (
            ("rows", flipnet_rows),
            ("vs-input", flipnet_vs_input),
            ("contrast", flipnet_contrast),
        )
    },
    "realism-flipnet-verdict": realism_flipnet_verdict,
    **realism_block.study_renderers("realism-full"),  # benchmarks/results/realism_full.json
    **realism_block.study_renderers("realism-full-long", realism_block.RECORD_LONG),
    **realism_block.study_renderers("realism-full-cond", realism_block.RECORD_COND),
    **realism_block.study_renderers("realism-full-3000", realism_block.RECORD_3000),
    **realism_block.study_renderers("realism-full-zsnr", realism_block.RECORD_ZSNR),
    **realism_block.study_renderers("realism-full-degrade", realism_block.RECORD_DEGRADE),
    **realism_block.study_renderers("realism-full-ae3000", realism_block.RECORD_AE3000),
    **realism_block.study_renderers("realism-full-r64", realism_block.RECORD_R64),
    **realism_block.pairs_renderers(),
    "flipnet-degrade-x0": lambda out: realism_block.degrade_x0_table(out.root),  # flipnet_degrade_x0.jsonl
    "flipnet-degrade-curve": lambda out: degrade_block.degrade_curve_table(out.root),
    "ae-degradation": lambda out: degrade_block.ae_table(out.root),  # benchmarks/results/ae_degradation.jsonl
    "flipnet-decoder-probe": lambda out: degrade_block.resample_table(
        out.root, degrade_block.DECODER_RECORD, "decoder", "decoder"
    ),
    "flipnet-finetune-probe": lambda out: degrade_block.resample_table(
        out.root, degrade_block.FINETUNE_RECORD, "run", "checkpoint"
    ),
    "flipnet-sample-spread": lambda out: spread_block.spread_table(out.root),  # flipnet_sample_spread.jsonl
    "flipnet-sample-split": lambda out: spread_block.split_table(out.root),
    "flipnet-colour-bias": lambda out: spread_block.colour_table(out.root),  # flipnet_colour_bias.jsonl
    "flipnet-regression-probe": lambda out: spread_block.probe_table(out.root),
    "flipnet-window-locality": lambda out: locality_block.window_table(out.root),
    "repro-time-table": lambda out: repro_time.stage_table(out.root),
    "repro-time-total": lambda out: repro_time.total_sentence(out.root),
    "flipnet-curve": lambda out: curve_block.curve_table(out.root),  # benchmarks/results/flipnet_curve.jsonl
    "flipnet-decoder": lambda out: decoder_block.decoder_table(out.root),  # results/flipnet_decoder.jsonl
    "flipnet-trajectory": lambda out: decoder_block.trajectory_table(out.root),
    "flipnet-decoder-options": lambda out: decoder_block.decoder_sentence(out.root),
    "flipnet-curve-last": lambda out: curve_block.curve_sentence(out.root),
    "flipnet-curve-latent": lambda out: curve_block.curve_sentence(out.root, curve_block.LATENT),
    "flipnet-curve-latent-window": lambda out: curve_block.curve_sentence(
        out.root, curve_block.LATENT_WINDOW
    ),
    "flipnet-curve-zsnr-window": lambda out: curve_block.curve_sentence(
        out.root, curve_block.LATENT_ZSNR_WINDOW
    ),
    "flipnet-curve-zsnr-ae3000-window": lambda out: curve_block.curve_sentence(
        out.root, curve_block.LATENT_ZSNR_AE3000_WINDOW
    ),
    "flipnet-curve-zsnr-window-noperc": lambda out: curve_block.curve_sentence(
        out.root, curve_block.LATENT_ZSNR_WINDOW_NOPERC
    ),
    "flipnet-curve-zsnr-r64-window": lambda out: curve_block.curve_sentence(
        out.root, curve_block.LATENT_ZSNR_R64_WINDOW
    ),
    "flipnet-curve-r64-shipped": lambda out: curve_block.shipped_sentence(
        out.root, curve_block.LATENT_ZSNR_R64_WINDOW
    ),
    "flipnet-curve-r64-vs-r8": lambda out: curve_block.curve_contrast(
        out.root, curve_block.LATENT_ZSNR_R64_WINDOW, curve_block.LATENT_ZSNR_WINDOW
    ),
    **curve_block.ablation_renderers(),
    "flipnet-curve-x0": lambda out: curve_block.x0_table(out.root),
    "flipnet-sampler": lambda out: curve_block.sampler_table(out.root),  # results/flipnet_sampler.jsonl
    "flipnet-start": lambda out: start_block.start_table(out.root),  # sampler rows with design and steps
    "flipnet-start-latent-window": lambda out: start_block.start_sentence(
        out.root, curve_block.LATENT_WINDOW
    ),
    "flipnet-schedule": lambda out: start_block.schedule_table(out.root),  # results/flipnet_schedule.jsonl
    "flipnet-of-latent": lambda out: of_block.of_table(out.root),  # results/flipnet_of_latent/*.json
    "flipnet-x0-start": lambda out: start_block.x0_start_table(out.root),  # results/flipnet_x0_start.jsonl
    "prior-curve": lambda out: prior_block.prior_table(out.root),  # benchmarks/results/prior_curve.jsonl
    "flipnet-overfit": lambda out: overfit_block.overfit_table(out.root),  # results/flipnet_overfit.jsonl
    **perf_blocks.renderers(),  # perf-score, perf-degrade, perf-flipnet: benchmarks/results/*_speed.json
}


def render_text(text: str, out: Outputs, where: str) -> str:
    def one(match: re.Match) -> str:
        name = match.group(2)
        if name not in RENDERERS:
            raise BenchError(f"{where}: unknown generated block {name!r}; known: {', '.join(RENDERERS)}")
        return match.group(1) + RENDERERS[name](out) + match.group(4)

    return BLOCK.sub(one, text)


def doc_files(root: Path) -> list[Path]:
    return sorted({p for pattern in DOCS for p in root.glob(pattern)})


def stale_blocks(root: Path) -> dict[str, list[str]]:
    """Doc file -> names of its blocks whose text differs from what the outputs render."""
    out, found = Outputs(root), {}
    for path in doc_files(root):
        text = path.read_text(encoding="utf-8")
        rendered = render_text(text, out, str(path))
        if rendered != text:
            old = {m.group(2): m.group(3) for m in BLOCK.finditer(text)}
            new = {m.group(2): m.group(3) for m in BLOCK.finditer(rendered)}
            found[path.relative_to(root).as_posix()] = sorted(n for n in old if old[n] != new[n])
    return found
