"""Metric registry. Presets are data kept apart from classes (pyiqa's idiom): one class, many presets.

``PRESETS`` maps a metric name to ``("module:Class", kwargs)``; classes import lazily so a missing
optional dependency only matters when its metric is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flipnet_bench.errors import BenchError
from flipnet_bench.lazy import lazy_exports
from flipnet_bench.registry import Registry

if TYPE_CHECKING:
    from flipnet_bench.metrics.base import Metric

# ``base`` imports torch: loaded on first use so that the command line starts fast
__getattr__, __dir__, _BASE_EXPORTS = lazy_exports(
    __name__, {".base": ("Batch", "Metric", "MetricResult", "PerImageMetric")}
)

METRICS: Registry[type[Metric]] = Registry("metric")

#: metric name → (lazy class path, constructor kwargs)
PRESETS: dict[str, tuple[str, dict[str, Any]]] = {
    # distribution metrics on Inception-v3 features and LPIPS
    "fid": ("flipnet_bench.metrics.fid:FID", {}),
    "kid": ("flipnet_bench.metrics.kid:KID", {}),
    "lpips": ("flipnet_bench.metrics.lpips:LPIPS", {"net": "alex"}),
    "lpips_vgg": ("flipnet_bench.metrics.lpips:LPIPS", {"net": "vgg"}),
    # fidelity, no-reference quality, identity and landmarks
    "psnr": ("flipnet_bench.metrics.psnr_ssim:PSNR", {}),
    "ssim": ("flipnet_bench.metrics.psnr_ssim:SSIM", {}),
    "niqe": ("flipnet_bench.metrics.niqe:NIQE", {}),
    "fd_niqe": ("flipnet_bench.metrics.niqe:FDNIQE", {}),
    "ids_dlib": ("flipnet_bench.metrics.identity:DlibIdentity", {}),
    "ids_arcface": ("flipnet_bench.metrics.identity:ArcFaceIdentity", {"output": "cosine"}),
    "deg_arcface": ("flipnet_bench.metrics.identity:ArcFaceIdentity", {"output": "degrees"}),
    "ids_adaface": ("flipnet_bench.metrics.adaface:AdaFaceIdentity", {}),
    "ids_insightface": ("flipnet_bench.metrics.arcface_insightface:InsightFaceIdentity", {}),
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


__all__ = ["METRICS", "PRESETS", "create_metric", "list_metrics", *_BASE_EXPORTS]
