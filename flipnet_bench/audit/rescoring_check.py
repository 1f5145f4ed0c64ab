"""Re-scoring: recompute metrics from the stored restored images; compare with ``metrics/<set>/<method>``.

Scoring runs exactly as the score stage does (``report.evaluate.score_restored``, same params), in three
tiers so that ``--full`` on the bundled default stays within minutes:

* whole-set metrics without a backbone (:data:`WHOLE_SET`: psnr, ssim) are re-scored over every image of
  every folder and compared with the metrics file;
* per-image metrics (those with per-image values in the stage's ``scores.json``: niqe, lpips, ids_dlib, …)
  are re-scored on the sampled images only and compared image by image with the stored values — by default
  only :data:`DEFAULT_SAMPLED` (niqe), with ``--full`` all of them;
* set-level metrics (fid, kid: no per-image values) are re-scored whole with ``--full``, on one
  reproducibly sampled set per method (each method's outputs, each code path, once).

Every metrics file must also agree exactly with the stage's full result (``out/scores/<set>/<method>/
scores.json``), so a hand-edited value is caught even where nothing is re-scored.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from flipnet_bench.audit.base import AuditContext, CheckResult, rel, summarize
from flipnet_bench.audit.environment_check import metrics_files
from flipnet_bench.errors import BenchError
from flipnet_bench.report.layout import OUT_DIR

WHOLE_SET = ("psnr", "ssim")
DEFAULT_SAMPLED = ("niqe",)
#: |recomputed - recorded| <= ABS + REL * |recorded| on CPU; GPU kernels (cuDNN, TF32) get GPU_REL.
ABS, REL, GPU_REL = 1e-6, 1e-5, 1e-3


def close(recorded: float, recomputed: float, rel_tol: float) -> bool:
    return math.isfinite(recomputed) and abs(recomputed - recorded) <= ABS + rel_tol * abs(recorded)


def _same(recorded: Any, recomputed: Any, rel_tol: float) -> bool:
    """Numbers within tolerance; None (a NaN/undefined value, e.g. no face found) only matches None."""
    if recorded is None or recomputed is None:
        return recorded is None and recomputed is None
    if isinstance(recorded, bool) or not isinstance(recorded, int | float):
        return False
    return close(float(recorded), float(recomputed), rel_tol)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise BenchError(f"{path}: unreadable ({exc})") from exc
    if not isinstance(data, dict):
        raise BenchError(f"{path}: not a JSON object")
    return data


def _compare(
    recorded: dict[str, Any], fresh: dict[str, Any], where: str, rel_tol: float, what: str
) -> list[str]:
    problems = []
    for name, value in sorted(fresh.items()):
        if name not in recorded:
            problems.append(f"{where}: {name} missing ({what} {value!r})")
        elif not _same(recorded[name], value, rel_tol):
            shown = f"{value:.6g}" if isinstance(value, float) else repr(value)
            problems.append(f"{where}: {name} = {recorded[name]!r} recorded, {shown} {what}")
    return problems


class _Folder:
    """One scored (set, method): its paths, recorded numbers and the stage's full result."""

    def __init__(self, ctx: AuditContext, alias: str, method: str, path: Path) -> None:
        from flipnet_bench.report.layout import resolve_set, restored_dir, scores_dir

        pipe = ctx.params("pipeline")
        self.ctx, self.alias, self.method, self.where = ctx, alias, method, rel(path, ctx.root)
        self.recorded = _read_json(path)
        if alias not in pipe.sets:
            raise BenchError(f"{self.where}: set {alias!r} is not in params.yaml pipeline.sets (stale file?)")
        self.test_set = resolve_set(alias, pipe.sets, ctx.params("data"))
        self.pred = restored_dir(OUT_DIR, alias, method)
        self.full_path = scores_dir(OUT_DIR, alias, method) / "scores.json"
        self.full = _read_json(self.full_path) if self.full_path.is_file() else None

    def consistency(self) -> list[str]:
        """The metrics file against the stage's full result (exact: both were written by one run)."""
        from flipnet_bench.report.evaluate import numbers_only

        if self.full is None:
            return [f"{self.full_path} missing: the score stage's full result is gone; `dvc repro`"]
        numbers = numbers_only(self.full)
        extra = [
            f"{self.where}: {k} is not in {self.full_path}" for k in sorted(set(self.recorded) - set(numbers))
        ]
        return extra + _compare(self.recorded, numbers, self.where, 0.0, "in scores.json")

    def stage_metrics(self) -> list[str]:
        """Metrics the score stage computes for this set and the metrics file holds."""
        ev = self.ctx.params("evaluate")
        names = ev.metrics_gt if self.test_set.has_gt else ev.metrics_real
        return [n for n in names if n in self.recorded]

    def score(self, metrics: list[str], keys: list[str] | None = None) -> dict[str, Any]:
        """``score_restored`` as ``pipelines/score.py`` calls it — on the images of ``keys`` only, if given
        (copied with their relative paths, so per-image keys match the stored ones)."""
        from flipnet_bench.report.evaluate import score_restored
        from flipnet_bench.report.layout import gt_stats_file, reference_dir

        out = OUT_DIR
        ref_stats = (
            gt_stats_file(out, self.alias) if self.test_set.has_gt else reference_dir(out) / "fid_stats.npz"
        )
        ev = self.ctx.params("evaluate")
        with tempfile.TemporaryDirectory(prefix="flipnet-audit-") as tmp:
            folders = [self.pred, self.test_set.lq_dir, self.test_set.gt_dir]
            if keys is not None:
                folders = [_subset(f, keys, Path(tmp) / str(i)) if f else None for i, f in enumerate(folders)]
            return score_restored(
                folders[0],
                folders[1],
                folders[2],
                metrics,
                ev.eval_size,
                ref_stats,
                ev.batch_size,
                self.ctx.params("score"),
                self.ctx.params("face_metrics").metric_kwargs(),
            )


def _subset(folder: Path, keys: list[str], dst: Path) -> Path:
    """Copy the images of ``folder`` whose stem key is in ``keys`` into ``dst`` (same relative paths)."""
    from flipnet_bench.io import list_images, stem_key

    wanted = set(keys)
    for path in list_images(folder, recursive=True):
        if stem_key(folder, path) in wanted:
            target = dst / path.relative_to(folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    return dst


def _gpu(ctx: AuditContext, alias: str, method: str) -> bool:
    from flipnet_bench.audit.determinism_check import _recorded_device

    return ctx.environment["device"]["type"] != "cpu" or _recorded_device(ctx, alias, method) not in (
        None,
        "cpu",
    )


def _one(ctx: AuditContext, folder: _Folder, set_level: bool) -> CheckResult:
    from flipnet_bench.report.evaluate import numbers_only

    problems = folder.consistency()
    stored_per_image = (folder.full or {}).get("per_image") or {}
    names = folder.stage_metrics()
    whole = [n for n in names if n in WHOLE_SET]
    whole += [n for n in names if n not in WHOLE_SET and n not in stored_per_image and ctx.full and set_level]
    sampled = [n for n in names if n in stored_per_image and n not in WHOLE_SET]
    sampled = [n for n in sampled if ctx.full or n in DEFAULT_SAMPLED]
    rel_tol = GPU_REL if _gpu(ctx, folder.alias, folder.method) else REL
    done = []
    if whole:
        fresh = numbers_only(folder.score(whole))
        problems += _compare(folder.recorded, fresh, folder.where, rel_tol, "re-scored")
        done.append(f"{', '.join(whole)} (whole set)")
    if sampled:
        keys = ctx.sample(sorted(next(iter(stored_per_image[n] for n in sampled))), f"rescore {folder.where}")
        result = folder.score(sampled, keys)
        for name in sampled:
            stored = {k: stored_per_image[name].get(k) for k in keys}
            fresh = {k: result.get("per_image", {}).get(name, {}).get(k) for k in keys}
            where = f"{rel(folder.full_path, ctx.root)} per_image.{name}"
            problems += _compare(stored, fresh, where, rel_tol, "re-scored")
        done.append(f"{', '.join(sampled)} ({len(keys)} images, per image)")
    subject = f"{folder.alias}/{folder.method}"
    if problems:
        detail = f"{len(problems)} difference(s): {summarize(problems, 2)}"
        return CheckResult("rescoring", subject, "fail", detail, problems)
    what = (
        f"re-scored {'; '.join(done)} within {ABS:g} + {rel_tol:g}·|value|" if done else "nothing re-scored"
    )
    return CheckResult("rescoring", subject, "pass", f"{what}; metrics file matches scores.json")


def check(ctx: AuditContext) -> list[CheckResult]:
    files = metrics_files(ctx)
    by_method: dict[str, list[str]] = defaultdict(list)
    for alias, method, _ in files:
        by_method[method].append(alias)
    set_level = {(a, m) for m, aliases in by_method.items() for a in ctx.sample(aliases, f"set-level {m}", 1)}
    rows = []
    for alias, method, path in ctx.bar(files, "re-scoring"):
        start = time.perf_counter()
        try:
            row = _one(ctx, _Folder(ctx, alias, method, path), (alias, method) in set_level)
        except BenchError as exc:
            row = CheckResult(
                "rescoring", f"{alias}/{method}", "fail", f"could not re-score: {exc}", [rel(path, ctx.root)]
            )
        row.seconds = time.perf_counter() - start
        rows.append(row)
    if not files:
        rows.append(
            CheckResult(
                "rescoring", "metrics/*/*.json", "fail", "no metrics files to re-score: run `dvc repro` first"
            )
        )
    return rows
