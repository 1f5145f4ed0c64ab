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
PRESETS: dict[str, tuple[str, dict[str, Any]]] = {}

for _name, (_target, _kwargs) in PRESETS.items():
    METRICS.register_lazy(_name, _target)


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
