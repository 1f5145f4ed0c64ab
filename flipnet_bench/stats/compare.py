"""``compare``: paired comparison of two scored runs on the same set (what the leaderboard's bold rests on).

A run is a ``score`` output folder (``scores.json`` with per-image values, ``features.npz`` with FID/KID
features), as the pipeline writes under ``out/scores/<set>/<method>/``. Per-image metrics are compared on
the images both runs scored; FID and KID by resampling whole images jointly
(:mod:`flipnet_bench.stats.paired`). p-values are Holm-adjusted across the metrics compared.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from flipnet_bench.errors import BenchError
from flipnet_bench.stats.features import FEATURES_FILE, load_features
from flipnet_bench.stats.gram import FrechetSubsets, MMDSubsets, PairedFrechetSubsets, PairedMMDSubsets
from flipnet_bench.stats.paired import PairedResult, holm, paired_distribution, paired_means

ALPHA = 0.05
DISTRIBUTION_METRICS = ("fid", "kid")


class Run:
    """One scored run: its ``scores.json`` and (lazily) its ``features.npz``."""

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        self.folder = path.parent if path.is_file() else path
        scores = path if path.is_file() else path / "scores.json"
        if not scores.is_file():
            raise BenchError(f"{scores} not found: pass a scored run folder (e.g. out/scores/<set>/<method>)")
        try:
            self.result: dict[str, Any] = json.loads(scores.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise BenchError(f"{scores}: not valid JSON ({exc}); re-run the score stage") from exc
        _check_shape(scores, self.result)
        self.path = scores
        self._features: dict[str, dict[str, np.ndarray]] | None = None
        self._load_per_image_file()

    def _load_per_image_file(self) -> None:
        """A standalone ``score --out J --per-image P`` keeps per-image values in P (named in J's info)."""
        name = (self.result.get("info") or {}).get("per_image_file")
        if self.result.get("per_image") or not isinstance(name, str):
            return
        path = self.path.parent / name
        if not path.is_file():
            raise BenchError(f"{self.path} names its per-image file {path}, which is missing; re-run score")
        import pandas as pd

        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # noqa: BLE001 - any unreadable Parquet is the same user-facing error
            raise BenchError(f"{path}: not a readable per-image Parquet ({exc}); re-run score") from exc
        self.result["per_image"] = {str(m): {str(k): float(v) for k, v in frame[m].items()} for m in frame}

    @property
    def features(self) -> dict[str, dict[str, np.ndarray]]:
        if self._features is None:
            self._features = load_features(self.folder / FEATURES_FILE)
        return self._features

    def entry(self, metric: str) -> dict[str, Any]:
        return self.result.get("metrics", {}).get(metric) or {}

    def has_value(self, metric: str) -> bool:
        return isinstance(self.entry(metric).get("value"), int | float)

    def per_image(self, metric: str) -> dict[str, float]:
        return {k: v for k, v in (self.result.get("per_image") or {}).get(metric, {}).items()
                if isinstance(v, int | float) and math.isfinite(v)}  # fmt: skip


def _check_shape(path: Path, result: Any) -> None:
    """A scores JSON is an object whose ``metrics`` map names to objects (and ``per_image``, when present,
    metric names to objects); anything else is named, never an AttributeError."""
    if not isinstance(result, dict) or not isinstance(result.get("metrics"), dict):
        raise BenchError(f"{path}: not a scores JSON (expected an object with a 'metrics' object, as "
                         "`flipnet-bench score` writes)")  # fmt: skip
    for key, section in (("metrics", result["metrics"]), ("per_image", result.get("per_image") or {})):
        if not isinstance(section, dict):
            raise BenchError(f"{path}: '{key}' is not an object")
        for name, entry in section.items():
            if not isinstance(entry, dict):
                raise BenchError(f"{path}: {key}.{name} is {type(entry).__name__}, expected an object")
    if not isinstance(result.get("info", {}), dict):
        raise BenchError(f"{path}: 'info' is not an object")


def _check_definitions(metric: str, a: Run, b: Run) -> None:
    """Two runs' values compare only under the same metric definition (channel, crop, weights, reference)."""
    da, db = a.entry(metric).get("definition"), b.entry(metric).get("definition")
    if da == db:
        return
    if not (isinstance(da, dict) and isinstance(db, dict)):
        raise BenchError(f"{metric}: {a.path} and {b.path} do not both record its definition; re-score them")
    diff = "; ".join(f"{k}: {json.dumps(da.get(k))} vs {json.dumps(db.get(k))}"
                     for k in sorted(set(da) | set(db)) if da.get(k) != db.get(k))  # fmt: skip
    raise BenchError(f"{metric} is defined differently in {a.path} and {b.path} ({diff}); score both runs "
                     "the same way before comparing them")  # fmt: skip


def _compare_means(metric: str, a: Run, b: Run, seed: int) -> PairedResult:
    va, vb = a.per_image(metric), b.per_image(metric)
    for run, values in ((a, va), (b, vb)):
        if not values:
            raise BenchError(
                f"{metric}: {run.path} has no per-image values, which a paired comparison needs. Score with "
                f"`flipnet-bench score ... --out {run.path} --per-image PER_IMAGE.parquet` (the JSON then "
                "names the Parquet), or pass a pipeline score folder (out/scores/<set>/<method>)"
            )
    keys = sorted(set(va) & set(vb))
    if len(keys) < 3:
        raise BenchError(f"{metric}: only {len(keys)} images have values in both {a.path} and {b.path}")
    return paired_means(metric, np.array([va[k] for k in keys]), np.array([vb[k] for k in keys]), seed)


def _aligned(metric: str, a: Run, b: Run) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray]:
    fa, fb = a.features.get(metric), b.features.get(metric)
    for run, feats in ((a, fa), (b, fb)):
        if feats is None:
            raise BenchError(f"{run.folder / FEATURES_FILE} has no {metric} features; re-run its score stage")
    ka, kb = [str(k) for k in fa["keys"]], [str(k) for k in fb["keys"]]  # type: ignore[index]
    if sorted(ka) != sorted(kb):
        only = sorted(set(ka) ^ set(kb))[:5]
        raise BenchError(f"{metric}: the two runs scored different images (e.g. {only}); compare equal sets")
    order = np.array([kb.index(k) for k in ka])
    fb = {name: (arr[order] if name in ("pred", "gt") else arr) for name, arr in fb.items()}  # type: ignore[union-attr]
    return fa, fb, order  # type: ignore[return-value]


def _compare_distribution(metric: str, a: Run, b: Run, seed: int) -> PairedResult:
    fa, fb, _ = _aligned(metric, a, b)
    n = len(fa["pred"])
    stacked = np.concatenate([fa["pred"], fb["pred"]]).astype(np.float64)
    if "gt" in fa:  # reference = the GT of the same images (shared by both runs)
        gt = fa["gt"].astype(np.float64)
        paired = PairedFrechetSubsets(stacked, gt) if metric == "fid" else PairedMMDSubsets(stacked, gt)
        return paired_distribution(metric, lambda idx: paired.distance(idx, idx % n), n, seed)
    if "ref" in fa:
        ref = fa["ref"].astype(np.float64)
        fixed = (FrechetSubsets(stacked, ref.mean(0), np.cov(ref, rowvar=False)) if metric == "fid"
                 else MMDSubsets(stacked, ref))  # fmt: skip
        return paired_distribution(metric, fixed.distance, n, seed)
    stats_a = (a.entry(metric).get("extra") or {}).get("reference_stats")
    stats_b = (b.entry(metric).get("extra") or {}).get("reference_stats")
    if not stats_a or stats_a != stats_b:
        raise BenchError(f"{metric}: the runs used different or unrecorded references ({stats_a}, {stats_b})")
    from flipnet_bench.metrics.frechet import load_stats

    mu, sigma = load_stats(stats_a)
    return paired_distribution(metric, FrechetSubsets(stacked, mu, sigma).distance, n, seed)


def compare_metric(name: str, run_a: Run, run_b: Run, seed: int = 0) -> PairedResult:
    """The paired test of one metric (raw p; Holm is applied by the caller across its family)."""
    if not (run_a.has_value(name) and run_b.has_value(name)):
        raise BenchError(f"metric {name!r} has no value in both {run_a.path} and {run_b.path}")
    _check_definitions(name, run_a, run_b)
    compare = _compare_distribution if name in DISTRIBUTION_METRICS else _compare_means
    return compare(name, run_a, run_b, seed)


def compare_runs(a: str | Path, b: str | Path, metrics: Sequence[str] | None = None, seed: int = 0,
                 alpha: float = ALPHA) -> dict[str, Any]:  # fmt: skip
    """Paired comparison of run ``a`` and run ``b`` on every metric both have (or ``metrics``)."""
    if not (isinstance(alpha, int | float) and 0 < alpha < 1):  # NaN fails both comparisons
        raise BenchError(f"--alpha must lie strictly between 0 and 1, got {alpha}")
    run_a, run_b = Run(a), Run(b)
    names = list(metrics) if metrics else [m for m in run_a.result.get("metrics", {}) if run_b.has_value(m)]
    results: list[PairedResult] = []
    for name in names:
        results.append(compare_metric(name, run_a, run_b, seed))
    if not results:
        raise BenchError(f"{run_a.path} and {run_b.path} share no scored metric")
    holm(results)
    rows = []
    for r in results:
        hib = run_a.entry(r.metric).get("definition", {}).get("higher_is_better")
        significant = r.p_holm is not None and r.p_holm < alpha
        better = None
        if significant and isinstance(hib, bool) and r.diff != 0:
            better = "a" if (r.diff > 0) == hib else "b"
        rows.append({**r.__dict__, "ci95": list(r.ci95) if r.ci95 else None, "higher_is_better": hib,
                     "significant": significant, "better": better})  # fmt: skip
    return {"a": str(run_a.folder), "b": str(run_b.folder), "alpha": alpha, "correction": "holm",
            "metrics": rows}  # fmt: skip


def format_table(report: dict[str, Any], label_a: str = "A", label_b: str = "B") -> str:
    """A readable table of :func:`compare_runs`' result (``better``: which run wins, or a tie)."""
    lines = [f"A = {report['a']}", f"B = {report['b']}",
             f"| metric | A | B | A − B [95% CI] | p | p (Holm) | verdict (α = {report['alpha']}) |",
             "|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in report["metrics"]:
        ci = f" [{r['ci95'][0]:.4g}, {r['ci95'][1]:.4g}]" if r["ci95"] else ""
        wins = {"a": f"{label_a} better", "b": f"{label_b} better"}
        verdict = wins.get(r["better"], "tie (not significant)")
        lines.append(f"| {r['metric']} | {r['a']:.4g} | {r['b']:.4g} | {r['diff']:.4g}{ci} | {r['p']:.4f} | "
                     f"{r['p_holm']:.4f} | {verdict} |")  # fmt: skip
    return "\n".join(lines)
