"""Score a folder of restored images with many metrics in one pass.

Each image is decoded once (optionally in DataLoader workers); consecutive images of equal size form a batch
that every metric sees, so backbones run batched and shared features (Inception for FID and KID) are computed
once. Outputs are written atomically after everything is computed: no partial JSON on failure.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from flipnet_bench import __version__, heap
from flipnet_bench.errors import BenchError
from flipnet_bench.io import (
    ImageReadError,
    Skipped,
    atomic_path,
    list_images,
    pair_by_stem,
    read_image,
    stem_key,
    to_tensor,
    write_json,
)
from flipnet_bench.io.names import safe_name
from flipnet_bench.metrics import METRICS, PRESETS, Batch, Metric, MetricResult, create_metric
from flipnet_bench.metrics.params import ScoreParams


@dataclass(frozen=True)
class Item:
    key: str
    pred: Path
    gt: Path | None
    lq: Path | None


def plan_items(
    pred: Path,
    gt: Path | None,
    lq: Path | None,
    lenient: bool,
    skipped: Skipped,
    missing_preds: list[str] | None = None,
) -> list[Item]:
    """Pair predictions with GT/LQ by stem (a missing partner is an error, or skipped with ``lenient``); a GT
    without prediction is an error unless ``missing_preds`` is given to receive its stem."""
    if gt is not None:
        pairs = pair_by_stem(pred, gt, lenient=lenient, skipped=skipped, missing_preds=missing_preds)
        base = [(stem_key(pred, p), p, g) for p, g in pairs]
    else:
        base = [(stem_key(pred, p), p, None) for p in list_images(pred, lenient=lenient, skipped=skipped)]
    lqs = {stem_key(lq, p): p for p in list_images(lq, lenient=lenient, skipped=skipped)} if lq else {}
    items = []
    for key, p, g in base:
        if lq is not None and key not in lqs:
            if not lenient:
                raise BenchError(f"prediction {p} has no input partner in {lq}; add it or pass --lenient")
            skipped.add(p, f"no LQ partner in {lq}")
            continue
        items.append(Item(key, p, g, lqs.get(key)))
    if not items:
        raise BenchError(f"nothing to score in {pred}: every prediction was skipped")
    return items


def _no_collate(item: Any) -> Any:
    return item


class _Decoded(Dataset):
    """Decodes one item; a failure is returned (not raised) so the main process can report or skip it."""

    def __init__(self, items: list[Item]) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> tuple[int, dict[str, np.ndarray] | str]:
        item = self.items[index]
        images = {}
        for role in ("pred", "gt", "lq"):
            path = getattr(item, role)
            if path is None:
                continue
            try:
                images[role] = read_image(path)
            except (ImageReadError, BenchError) as exc:
                return index, f"{path}: {exc}" if str(path) not in str(exc) else str(exc)
        if "gt" in images and images["gt"].shape != images["pred"].shape:
            return index, (
                f"size mismatch: prediction {item.pred} is {images['pred'].shape[1::-1]} but ground truth "
                f"{item.gt} is {images['gt'].shape[1::-1]} (width, height)"
            )
        return index, images


def iter_batches(
    items: list[Item], batch_size: int, num_workers: int, lenient: bool, skipped: Skipped
) -> Iterator[Batch]:
    """Consecutive equal-size images as float32 NCHW [0, 1] batches; bad files raise or go to ``skipped``."""
    loader = DataLoader(
        _Decoded(items), batch_size=None, shuffle=False, num_workers=num_workers, collate_fn=_no_collate
    )
    pending: list[tuple[str, dict[str, np.ndarray]]] = []

    def flush() -> Batch:
        roles = pending[0][1].keys()
        tensors = {r: to_tensor([imgs[r] for _, imgs in pending]) for r in roles}
        batch = Batch([k for k, _ in pending], tensors["pred"], tensors.get("gt"), tensors.get("lq"))
        pending.clear()
        return batch

    for index, decoded in tqdm(loader, total=len(items), desc="score", unit="img"):
        if isinstance(decoded, str):
            if not lenient:
                raise BenchError(decoded + "; fix or remove it, or pass --lenient to skip it")
            skipped.add(items[index].pred, decoded)
            continue
        shapes = {r: a.shape for r, a in decoded.items()}
        if pending and (
            len(pending) == batch_size or {r: a.shape for r, a in pending[0][1].items()} != shapes
        ):
            yield flush()
        pending.append((items[index].key, decoded))
    if pending:
        yield flush()


def _build_metric(name: str, common: dict[str, Any], own: dict[str, Any] | None = None) -> Metric:
    """Instantiate ``name``: of the ``common`` inputs offered to every metric (ref_dir, device, ...) it gets
    those its constructor accepts; its ``own`` settings must all be accepted (a typo is an error, not a
    setting silently ignored)."""
    if name not in PRESETS and not name.startswith("pyiqa:"):
        METRICS.get(name)  # raises the "did you mean" error
    cls = METRICS.get("pyiqa" if name.startswith("pyiqa:") else name)
    params = inspect.signature(cls.__init__).parameters
    accepts_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    unknown = sorted(k for k in (own or {}) if not accepts_any and k not in params)
    if unknown:
        allowed = sorted(k for k in params if k != "self")
        raise BenchError(f"metric {name!r} has no setting {unknown}; its settings: {allowed}")
    kwargs = {k: v for k, v in common.items() if v is not None and (accepts_any or k in params)}
    kwargs.update((k, v) for k, v in (own or {}).items() if v is not None)
    return create_metric(name, **kwargs)


def _result_entry(metric: Metric, result: MetricResult) -> dict[str, Any]:
    value = result.value if math.isfinite(result.value) else None
    notes = list(result.notes) + (
        [] if value is not None else [f"value was {result.value}: reported as null"]
    )
    entry: dict[str, Any] = {
        "value": value,
        "ci95": list(result.ci95) if result.ci95 is not None else None,
        "n": result.n,
        "definition": metric.definition(),
        "notes": notes,
    }
    if result.extra:
        entry["extra"] = {k: (str(v) if isinstance(v, Path) else v) for k, v in result.extra.items()}
    return entry


def score_folders(
    pred: str | Path,
    gt: str | Path | None = None,
    lq: str | Path | None = None,
    ref: str | Path | None = None,
    ref_stats: str | Path | None = None,
    metrics: Sequence[str] | None = None,
    batch_size: int | None = None,
    lenient: bool = False,
    params: ScoreParams | None = None,
    metric_kwargs: dict[str, dict[str, Any]] | None = None,
    per_image: dict[str, dict[str, float]] | None = None,
    arrays: dict[str, dict[str, np.ndarray]] | None = None,
    unavailable: dict[str, str] | None = None,
    allow_missing: bool = False,
) -> dict[str, Any]:
    """Score ``pred`` (paired by stem with ``gt``/``lq``) and return the JSON-able report.

    ``{"metrics": {name: {value, ci95, n, definition, notes[, extra]}}, "info": {...}}``. Metrics whose
    inputs are absent (no ``gt`` on a real-world set) are listed with ``value: null`` and a note. Pass a dict
    as ``per_image`` to receive per-image values (metric → key → value), and as ``arrays`` to receive the
    per-image features of distribution metrics (metric → name → array; what ``compare`` resamples).
    With an ``unavailable`` dict, a metric that cannot be built (weights or package missing) is left out and
    its error recorded there (metric → message) instead of failing the run (``score --protocol``).
    """
    params = params or ScoreParams()
    heap.configure()  # fixed allocator thresholds: flat peak RSS, no per-batch page faults
    names = list(metrics or params.metrics)
    if len(set(names)) != len(names):
        raise BenchError(f"metric names repeat in {names}")
    pred, gt, lq = Path(pred), Path(gt) if gt else None, Path(lq) if lq else None
    if ref is not None and not Path(ref).is_dir():
        raise BenchError(f"--ref {ref}: not a folder")
    extra_kwargs = params.metric_kwargs()
    for name, kw in (metric_kwargs or {}).items():
        extra_kwargs[name] = {**extra_kwargs.get(name, {}), **kw}
    common = {"ref_dir": ref, "ref_stats": ref_stats, "device": params.device}
    built: dict[str, Metric] = {}
    for n in names:
        try:
            built[n] = _build_metric(n, common, extra_kwargs.get(n, {}))
        except BenchError as exc:  # missing weights/packages: recorded for the caller when it asks
            if unavailable is None:
                raise
            unavailable[n] = str(exc)
    available = {"gt"} if gt else set()
    available |= {"lq"} if lq else set()
    active = {n: m for n, m in built.items() if not (set(m.requires) - available)}

    skipped = Skipped()
    # A GT image without prediction is an error unless allow_missing: then it is listed in the report.
    missing_preds: list[str] | None = [] if allow_missing else None
    items = plan_items(pred, gt, lq, lenient, skipped, missing_preds)
    n_scored = 0
    batches = iter_batches(items, batch_size or params.batch_size, params.num_workers, lenient, skipped)
    for batch in batches if active else ():  # nothing to decode when every metric lacks its inputs
        for metric in active.values():
            metric.update(batch)
        n_scored += len(batch.keys)
    if n_scored == 0 and active:
        raise BenchError(f"nothing to score in {pred}: every image was skipped ({skipped.report()})")

    report: dict[str, Any] = {}
    for name, metric in built.items():
        if name not in active:
            missing = sorted(set(metric.requires) - available)
            why = ", ".join(f"--{m}" for m in missing)
            report[name] = {"value": None, "ci95": None, "n": 0, "definition": metric.definition(),
                            "notes": [f"skipped: needs {why} images, which were not given"]}  # fmt: skip
            continue
        result = metric.compute()
        report[name] = _result_entry(metric, result)
        if per_image is not None and result.per_image:
            per_image[name] = dict(result.per_image)
        if arrays is not None and result.arrays:
            arrays[name] = dict(result.arrays)
    info = {
        "flipnet_bench_version": __version__,
        "folders": {"pred": str(pred), "gt": str(gt) if gt else None, "lq": str(lq) if lq else None,
                    "ref": str(ref) if ref else None, "ref_stats": str(ref_stats) if ref_stats else None},
        "counts": {"planned": len(items), "scored": n_scored, "skipped": len(skipped)},
        "skipped": [{"path": p, "reason": r} for p, r in skipped.items],
        "missing_predictions": [safe_name(k) for k in missing_preds or []],
        "torch_threads": torch.get_num_threads(),
    }  # fmt: skip
    return {"metrics": report, "info": info}


def write_outputs(report: dict[str, Any], out: str | Path, per_image: dict[str, dict[str, float]] | None,
                  per_image_path: str | Path | None) -> None:  # fmt: skip
    """Write the per-image parquet (if asked) and then the JSON, each atomically.

    Keys (file stems) are written with undecodable bytes as ``\\xNN`` (io/names.py): Parquet refuses them raw.
    """
    if per_image_path is not None:
        import pandas as pd

        shown = {m: {safe_name(k): v for k, v in values.items()} for m, values in (per_image or {}).items()}
        frame = pd.DataFrame(shown)
        frame.index.name = "key"
        with atomic_path(per_image_path) as tmp:
            frame.sort_index().to_parquet(tmp)
    write_json(out, report)
