"""The degradation-realism study: how close is each synthesized LQ set to each real LQ set, and can it tell?

Measured where degradations live: images are compared at their own pixel scale (no resize; the bundled real
sets are native-pixel crops of 512² faces), and synthesized sets are made from clean HQ at that same scale.
Every table carries its own yardsticks, computed exactly like the models' rows:

* floors — the clean HQ itself and single-factor degradations (blur / downscale / noise / JPEG only, the
  classic GFPGAN ranges): a model that is no closer than these has not captured the real degradation;
* the split-half ceiling — a real set's one half against its other half: the closest any model can get at
  that number of images.

The study *discriminates* on a real set only when the clean floor's interval lies entirely above the
split-half interval; otherwise it cannot rank degradation models there and says so loudly. The first distance
of ``metrics`` decides that verdict (default ``fd_deg``, the degradation space, the only one that separated
clean faces from every bundled real set at n = 12); the others are reported beside it, their own
non-discrimination as notes.

Per real set every distance uses the same estimator at the same size ``m`` (half the real set, capped by the
smallest candidate set): a fixed half ``A`` of the real set against ``m`` images of the candidate (the other
half ``B`` for the split-half row). Intervals are delete-one(-group) jackknife intervals of that estimator
(:mod:`flipnet_bench.stats`); FID is biased in ``m``, so values compare within a real set's column only.
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from flipnet_bench.errors import BenchError
from flipnet_bench.models.flipnet.params import FlipnetParams
from flipnet_bench.report.params import DEFAULT_REALISM_MODELS, REALISM_DISTANCES
from flipnet_bench.report.realism import SPACE_OF
from flipnet_bench.report.realism_features import extract, load_images, synthesize

#: Rows made from the clean HQ: name → (model, constructor kwargs); None = the HQ itself.
_NO_COLOUR = {"color_jitter_prob": 0.0, "color_jitter_pt_prob": 0.0, "gray_prob": 0.0}
FLOORS: dict[str, tuple[str, dict[str, Any]] | None] = {
    "clean": None,
    "blur_only": ("classic", {"preset": "gfpgan", "stages": ["blur"], **_NO_COLOUR}),
    "downscale_only": ("classic", {"preset": "gfpgan", "stages": ["downsample"], **_NO_COLOUR}),
    "noise_only": ("classic", {"preset": "gfpgan", "stages": ["noise"], **_NO_COLOUR}),
    "jpeg_only": ("classic", {"preset": "gfpgan", "stages": ["jpeg"], **_NO_COLOUR}),
}
#: Degradation models synthesized from the same clean HQ at the study's scale.
MODELS: dict[str, tuple[str, dict[str, Any]]] = {
    "classic": ("classic", {"preset": "gfpgan"}),
    "realesrgan": ("realesrgan", {}),
    # model-resolution tiles at the native pixel scale it learned from, cross-faded over a quarter tile (16 px
    # of 64): without the overlap the tile seams were visible and read as 8-px-grid blocking (docs/realism.md)
    "flipnet": ("flipnet", {"tiled": True, "tile_overlap": 0.25}),
}


@dataclass(frozen=True)
class StudySettings:
    """How the study reads and measures (the pipeline fills it from params.yaml ``realism``)."""

    metrics: tuple[str, ...] = REALISM_DISTANCES  # the first gives the verdict
    max_images: int = 64  # per set, a seeded subset beyond this
    seed: int = 0
    pixel_scale: float | None = 1.0  # of the clean HQ, for the degradations (None: from the image size)
    eval_size: int | None = None  # None: native pixels; a size resizes every image first
    models: tuple[str, ...] = DEFAULT_REALISM_MODELS
    jackknife_groups: int = 100
    #: the ``flipnet`` row's checkpoint (default: FlipnetParams' typed degradation checkpoint)
    flipnet_checkpoint: str = field(default_factory=lambda: FlipnetParams().degradation_start)
    #: where the ``flipnet`` row's samples start (``flipnet.sample_start``: noise as published, or condition)
    flipnet_start: str = FlipnetParams.sample_start

    def recipe(self, model: str) -> tuple[str, dict[str, Any]]:
        """(registered model, constructor kwargs) of a model row; FLIPNET's names its checkpoint."""
        name, kwargs = MODELS[model]
        if name == "flipnet":
            kwargs = {**kwargs, "checkpoint": self.flipnet_checkpoint, "start": self.flipnet_start}
        return name, kwargs


def _perm(n: int, seed: int, name: str) -> np.ndarray:
    return np.random.default_rng([seed, zlib.crc32(name.encode())]).permutation(n)


def _jackknife(distance: Callable, ix: np.ndarray, iy: np.ndarray, groups: int) -> dict[str, Any]:
    """Estimate on (ix, iy) and its jackknife interval, deleting the same positions from both sides."""
    from flipnet_bench.stats.gram import jackknife_sets
    from flipnet_bench.stats.intervals import jackknife_interval

    est = float(distance(ix[None], iy[None])[0])
    sets = jackknife_sets(len(ix), groups)
    loo = np.empty(len(sets))
    for size in {len(s) for s in sets}:
        pick = [k for k, s in enumerate(sets) if len(s) == size]
        loo[pick] = distance(np.stack([ix[sets[k]] for k in pick]), np.stack([iy[sets[k]] for k in pick]))
    ci = jackknife_interval(est, loo)
    return {"value": est, "ci": None if ci is None else [float(ci[0]), float(ci[1])]}


def _estimator(metric: str, x: np.ndarray, y: np.ndarray) -> Callable:
    from flipnet_bench.stats.gram import PairedFrechetSubsets, PairedMMDSubsets

    if metric == "kid":
        return PairedMMDSubsets(x, y).distance
    return PairedFrechetSubsets(x, y).distance


def _column(
    real_name: str,
    real: dict[str, np.ndarray],
    rows: dict[str, dict[str, np.ndarray]],
    settings: StudySettings,
) -> dict[str, Any]:
    """Every row against one real set, plus its split-half ceiling and the discrimination verdict."""
    n_real = len(next(iter(real.values())))
    m = min([n_real // 2, *(len(next(iter(f.values()))) for f in rows.values())])
    if m < 3:
        raise BenchError(
            f"realism: real set {real_name!r} has {n_real} images; the split-half needs at least 6 "
            "(and every synthesized set at least 3)"
        )
    order = _perm(n_real, settings.seed, real_name)
    half_a, half_b = order[:m], order[m : 2 * m]
    out: dict[str, Any] = {"n": n_real, "m": m, "rows": {}, "split_half": {}, "discriminates": {}}
    for metric in settings.metrics:
        space = SPACE_OF[metric]
        out["split_half"][metric] = _jackknife(
            _estimator(metric, real[space], real[space]), half_b, half_a, settings.jackknife_groups
        )
        for name, feats in rows.items():
            idx = _perm(len(feats[space]), settings.seed, name)[:m]
            dist = _estimator(metric, feats[space], real[space])
            out["rows"].setdefault(name, {})[metric] = _jackknife(
                dist, idx, half_a, settings.jackknife_groups
            )
        clean = out["rows"].get("clean", {}).get(metric)
        split, verdict = out["split_half"][metric], None
        if clean is not None and clean["ci"] is not None and split["ci"] is not None:
            verdict = bool(clean["ci"][0] > split["ci"][1])
        out["discriminates"][metric] = verdict
    out["verdict"] = out["discriminates"][settings.metrics[0]]
    return out


def run_study(
    real: dict[str, Path],
    synth: dict[str, Path] | None = None,
    hq: Path | None = None,
    settings: StudySettings | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """The full study as a JSON-able dict (settings, per-set n, one column per real set, warnings)."""
    settings = settings or StudySettings()
    synth = dict(synth or {})
    if not real:
        raise BenchError("realism: give at least one real LQ set (--real NAME=DIR)")
    if hq is None and not synth:
        raise BenchError("realism: nothing to compare; give --hq (clean HQ for floors and models) or --synth")
    unknown = sorted(set(settings.metrics) - set(SPACE_OF))
    if unknown:
        raise BenchError(f"realism.metrics: {unknown} not supported; choose from {sorted(SPACE_OF)}")
    spaces = sorted({SPACE_OF[m] for m in settings.metrics})
    rows: dict[str, dict[str, np.ndarray]] = {}
    counts: dict[str, int] = {}

    def measure(name: str, images: list[np.ndarray]) -> dict[str, np.ndarray]:
        feats = extract(images, spaces, settings.eval_size, name)
        counts[name] = len(next(iter(feats.values())))
        log(f"realism: features of {name} ({counts[name]} images)")
        return feats

    if hq is not None:
        clean = load_images(hq, settings.max_images, settings.seed)
        recipes = {**FLOORS, **{k: settings.recipe(k) for k in settings.models}}
        for name, recipe in recipes.items():
            images = (
                clean if recipe is None else synthesize(clean, *recipe, settings.seed, settings.pixel_scale)
            )
            rows[name] = measure(name, images)
    for name, folder in synth.items():
        if name in rows:
            raise BenchError(f"realism: synthesized set name {name!r} is taken by a built-in row; rename it")
        rows[name] = measure(name, load_images(folder, settings.max_images, settings.seed))
    columns, warnings, notes = {}, [], []
    for name, folder in real.items():
        feats = measure(f"real:{name}", load_images(folder, settings.max_images, settings.seed))
        columns[name] = _column(name, feats, rows, settings)
        for metric, verdict in columns[name]["discriminates"].items():
            if verdict is False:
                (warnings if metric == settings.metrics[0] else notes).append(
                    f"{name} / {metric}: the clean-HQ floor is not clearly farther than the split-half "
                    "distance; this column cannot rank degradation models"
                    + ("" if metric == settings.metrics[0] else f" by {metric}")
                )
    if hq is None:
        warnings.append("no clean HQ given (--hq): floors missing, discrimination not assessed")
    for line in warnings:
        print(f"WARNING: realism study: {line}", file=sys.stderr)
    for line in notes:
        print(f"note: realism study: {line}", file=sys.stderr)
    return {
        "settings": {**settings.__dict__, "metrics": list(settings.metrics), "models": list(settings.models)},
        "inputs": {
            "hq": None if hq is None else str(hq),
            "synth": {k: str(v) for k, v in synth.items()},
            "real": {k: str(v) for k, v in real.items()},
        },  # fmt: skip
        "n": counts,
        "order": {"rows": list(rows), "real": list(real)},  # the JSON writer sorts keys; tables use this
        "columns": columns,
        "verdict": settings.metrics[0],  # the distance whose discrimination is each column's "verdict"
        "warnings": warnings,
        "notes": notes,
    }


def chart_table(result: dict[str, Any]) -> dict[str, dict[str, dict[str, float]]]:
    """``table[metric][row][real set]`` of the estimates (split-half as its own row) for the bar chart."""
    table: dict[str, dict[str, dict[str, float]]] = {}
    for real_name, col in result["columns"].items():
        for metric, cell in col["split_half"].items():
            table.setdefault(metric, {}).setdefault("split_half", {})[real_name] = cell["value"]
        for row, by_metric in col["rows"].items():
            for metric, cell in by_metric.items():
                table.setdefault(metric, {}).setdefault(row, {})[real_name] = cell["value"]
    return table


def markdown_table(result: dict[str, Any], metric: str) -> str:
    """One metric's table: rows × real sets, ``value [lo, hi]``, with n/m and the discrimination verdict."""
    order = result.get("order", {})
    columns = {c: result["columns"][c] for c in order.get("real", result["columns"])}
    fmt = (lambda v: f"{v:.2e}") if metric == "kid" else (lambda v: f"{v:.3g}")

    def cell(c: dict[str, Any] | None) -> str:
        if c is None:
            return "–"
        ci = c["ci"]
        return fmt(c["value"]) + ("" if ci is None else f" [{fmt(ci[0])}, {fmt(ci[1])}]")

    def line(label: str, cells: list[str]) -> str:
        return f"| {label} | " + " | ".join(cells) + " |"

    verdicts = {True: "yes", False: "**NO**", None: "n/a"}
    rows = order.get("rows") or list(next(iter(columns.values()))["rows"])
    lines = [
        line(
            metric + (" (verdict)" if metric == result.get("verdict") else ""),
            [f"{c} (n={col['n']}, m={col['m']})" for c, col in columns.items()],
        ),
        "|---|" + "---|" * len(columns),
        *(line(row, [cell(col["rows"][row].get(metric)) for col in columns.values()]) for row in rows),
        line("split-half (ceiling)", [cell(col["split_half"][metric]) for col in columns.values()]),
        line("discriminates?", [verdicts[col["discriminates"][metric]] for col in columns.values()]),
    ]
    return "\n".join(lines)
