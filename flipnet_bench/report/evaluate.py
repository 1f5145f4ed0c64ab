"""Scoring a restored set the same way for every method: resize to the evaluation size, score, split results.

Why resize: the bundled sets are 128², where NIQE sees a single 96-px block per scale; every image (method
output, GT and LQ alike) is therefore brought to ``eval_size``² with one fixed bicubic resize before scoring,
and that resize is recorded in each result's definitions. ``eval_size: 0`` scores at the native size.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from flipnet_bench.errors import BenchError
from flipnet_bench.io import list_images, read_image, stem_key, to_tensor, to_uint8, write_image, write_json

RESIZE_DEFINITION = (
    "bicubic (torch, align_corners=False, antialias when shrinking), clamped, rounded to uint8"
)


def resize_image(image: torch.Tensor, size: int) -> torch.Tensor:
    """float NCHW [0, 1] → ``size``×``size`` with the evaluation resize (identity when already that size)."""
    if size <= 0 or tuple(image.shape[-2:]) == (size, size):
        return image
    shrink = size < max(image.shape[-2:])
    out = F.interpolate(image, size=(size, size), mode="bicubic", align_corners=False, antialias=shrink)
    return out.clamp(0, 1)


def resize_folder(src: Path, dst: Path, size: int) -> Path:
    """Write the evaluation-size copy of every image of ``src`` into ``dst`` (PNG, same stems)."""
    for path in list_images(src, recursive=True):
        image = to_tensor(read_image(path))
        write_image(dst / f"{stem_key(src, path)}.png", to_uint8(resize_image(image, size))[0])
    return dst


def _clean(value: Any) -> Any:
    """JSON-safe numbers (NaN/Inf → None) so metrics files always parse."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def score_restored(
    pred_dir: Path,
    lq_dir: Path,
    gt_dir: Path | None,
    metrics: list[str],
    eval_size: int,
    ref_stats: Path | None = None,
    batch_size: int = 16,
    score_params: Any = None,
    metric_kwargs: dict[str, dict[str, Any]] | None = None,
    arrays: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Score ``pred_dir`` (with GT when given, else against the LQ input and a reference set).

    Returns ``score_folders``' report (``metrics``: value, ci95, n, definition, notes; ``info``) plus
    ``per_image`` (metric → image → value) and ``evaluation`` (the resize applied to every image); pass a
    dict as ``arrays`` to receive FID/KID per-image features (for ``compare``).
    """
    from flipnet_bench.metrics.score import score_folders

    per_image: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="flipnet-eval-") as tmp:
        root = Path(tmp)
        pred = resize_folder(pred_dir, root / "pred", eval_size)
        lq = resize_folder(lq_dir, root / "lq", eval_size)
        gt = resize_folder(gt_dir, root / "gt", eval_size) if gt_dir is not None else None
        result = score_folders(
            pred=pred,
            gt=gt,
            lq=lq,
            ref_stats=ref_stats,
            metrics=list(metrics),
            batch_size=batch_size,
            params=score_params,
            metric_kwargs=metric_kwargs,
            per_image=per_image,
            arrays=arrays,
        )
    result["info"]["folders"] = {
        "pred": str(pred_dir),
        "lq": str(lq_dir),
        "gt": str(gt_dir) if gt_dir else None,
    }
    result = _clean(result)
    result["per_image"] = _clean(per_image)
    result["evaluation"] = {"eval_size": eval_size, "resize": RESIZE_DEFINITION}
    return result


def numbers_only(result: dict[str, Any]) -> dict[str, float]:
    """metric → value (the ``metrics/<set>/<method>.json`` DVC tracks); skipped metrics are left out."""
    out: dict[str, float] = {}
    for name, entry in result["metrics"].items():
        if isinstance(entry, dict) and "value" in entry:
            value = entry["value"]
            if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
                out[name] = float(value)
    if not out:
        raise BenchError("scoring produced no metric values; check the metric names in params.yaml evaluate")
    return out


def write_scores(result: dict[str, Any], full_json: Path, metrics_json: Path) -> dict[str, float]:
    """Full result (CIs, definitions, notes) to ``full_json``; numbers only to ``metrics_json``."""
    numbers = numbers_only(result)
    write_json(full_json, result)
    write_json(metrics_json, numbers)
    return numbers
