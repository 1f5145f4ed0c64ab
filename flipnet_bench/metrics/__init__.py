"""Metric registry. Presets are data kept apart from classes (pyiqa's idiom): one class, many presets.

``PRESETS`` maps a metric name to ``("module:Class", kwargs)``; classes import lazily so a missing
optional dependency only matters when its metric is asked for.
"""

from __future__ import annotations

from typing import Any

from flipnet_bench.errors import BenchError
from flipnet_bench.metrics.base import Batch, Metric, MetricResult, PerImageMetric
from flipnet_bench.registry import Registry

METRICS: Registry[type[Metric]] = Registry("metric")

#: metric name → (lazy class path, constructor kwargs)
PRESETS: dict[str, tuple[str, dict[str, Any]]] = {
    # distribution metrics on Inception-v3 features and LPIPS (helper C)
    "fid": ("flipnet_bench.metrics.fid:FID", {}),
    "kid": ("flipnet_bench.metrics.kid:KID", {}),
    "lpips": ("flipnet_bench.metrics.lpips:LPIPS", {"net": "alex"}),
    "lpips_vgg": ("flipnet_bench.metrics.lpips:LPIPS", {"net": "vgg"}),
    # fidelity, no-reference quality, identity and landmarks (helper D)
    "psnr": ("flipnet_bench.metrics.psnr_ssim:PSNR", {}),
    "ssim": ("flipnet_bench.metrics.psnr_ssim:SSIM", {}),
    "niqe": ("flipnet_bench.metrics.niqe:NIQE", {}),
    "fd_niqe": ("flipnet_bench.metrics.niqe:FDNIQE", {}),
    "ids_dlib": ("flipnet_bench.metrics.identity:DlibIdentity", {}),
    "ids_arcface": ("flipnet_bench.metrics.identity:ArcFaceIdentity", {"output": "cosine"}),
    "deg_arcface": ("flipnet_bench.metrics.identity:ArcFaceIdentity", {"output": "degrees"}),
    "lmd": ("flipnet_bench.metrics.lmd:LandmarkDistance", {}),
}

for _name, (_target, _kwargs) in PRESETS.items():
    METRICS.register_lazy(_name, _target)
METRICS.register_lazy("pyiqa", "flipnet_bench.metrics.pyiqa_metric:PyiqaMetric")  # ``pyiqa:<name>``


def list_metrics() -> list[str]:
    return sorted(PRESETS)


def create_metric(name: str, **overrides: Any) -> Metric:
    """Instantiate a metric preset by name (``pyiqa:<name>`` wraps any pyiqa metric)."""
    if name.startswith("pyiqa:"):
        cls = METRICS.get("pyiqa")
        return cls(pyiqa_name=name.split(":", 1)[1], **overrides)
    if name not in PRESETS:
        METRICS.get(name)  # raises the "did you mean" error
        raise BenchError(f"unknown metric {name!r}")
    cls = METRICS.get(name)
    return cls(**{**PRESETS[name][1], **overrides})


__all__ = [
    "Batch",
    "METRICS",
    "Metric",
    "MetricResult",
    "PRESETS",
    "PerImageMetric",
    "create_metric",
    "list_metrics",
]
