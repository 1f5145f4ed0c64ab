"""The Metric contract: ``update()`` only accumulates, ``compute()`` only reduces, ``reset()`` clears.

One pass over a folder decodes each image once and feeds a :class:`Batch` to every metric. Maths lives in
functional helpers; the classes here are thin stateful wrappers (the torchmetrics idiom).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import torch

from flipnet_bench.errors import BenchError
from flipnet_bench.stats.intervals import mean_interval


@dataclass
class Batch:
    """A batch of aligned images, float32 RGB NCHW in [0, 1]; ``gt``/``lq`` are None when absent."""

    keys: list[str]
    pred: torch.Tensor
    gt: torch.Tensor | None = None
    lq: torch.Tensor | None = None
    #: Per-batch memo shared by the metrics of one pass (e.g. Inception features used by both FID and KID).
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)


@dataclass
class MetricResult:
    """What a metric reports: the value, its 95% interval, the count, per-image values, and (``arrays``) the
    per-image features a paired comparison of distribution metrics needs (saved beside, not in, the JSON)."""

    value: float
    ci95: tuple[float, float] | None
    n: int
    per_image: dict[str, float] | None = None
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict, repr=False)


def check_range(name: str, tensor: torch.Tensor) -> None:
    """Every metric states its input range ([0, 1]) and checks it, so a 0–255 tensor never slips through."""
    if not torch.isfinite(tensor).all():
        raise BenchError(f"{name}: input contains NaN or Inf values")
    if tensor.min() < -1e-6 or tensor.max() > 1 + 1e-6:
        raise BenchError(
            f"{name}: expects images in [0, 1], got [{tensor.min().item():.3g}, {tensor.max().item():.3g}]"
        )


class Metric:
    """Base class. Subclasses set the class attributes and implement ``update``/``compute``/``reset``.

    ``requires`` names the inputs a metric needs besides ``pred``: ``"gt"`` (full-reference), ``"lq"``
    (compares output with the input) or nothing (no-reference / distribution vs a configured reference).
    """

    name: ClassVar[str] = ""
    higher_is_better: ClassVar[bool] = True
    requires: ClassVar[frozenset[str]] = frozenset()

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        raise NotImplementedError

    def update(self, batch: Batch) -> None:
        raise NotImplementedError

    def compute(self) -> MetricResult:
        raise NotImplementedError

    def definition(self) -> dict[str, Any]:
        """The exact definition reported beside the value (weights SHA-256, resize, channel, ...)."""
        return {"name": self.name, "higher_is_better": self.higher_is_better}


class PerImageMetric(Metric):
    """A metric that is the mean of a per-image score; subclasses implement ``score(batch) -> (N,)``."""

    def reset(self) -> None:
        self._keys: list[str] = []
        self._values: list[float] = []
        self._notes: list[str] = []

    def score(self, batch: Batch) -> torch.Tensor:
        raise NotImplementedError

    def update(self, batch: Batch) -> None:
        for required in self.requires:
            if getattr(batch, required) is None:
                raise BenchError(f"metric {self.name!r} needs --{required} images")
        values = self.score(batch).detach().double().cpu().reshape(-1)
        if len(values) != len(batch.keys):
            raise BenchError(f"{self.name}: got {len(values)} scores for {len(batch.keys)} images")
        self._keys.extend(batch.keys)
        self._values.extend(float(v) for v in values)

    def compute(self) -> MetricResult:
        per_image = dict(zip(self._keys, self._values))
        finite = np.array([v for v in self._values if math.isfinite(v)], dtype=np.float64)
        if len(finite) == 0:
            raise BenchError(f"{self.name}: no finite per-image value among {len(self._values)} images")
        notes = list(self._notes)
        if len(finite) < len(self._values):
            notes.append(f"{len(self._values) - len(finite)} image(s) gave no value and are excluded")
        return MetricResult(float(finite.mean()), mean_interval(finite), len(finite), per_image, notes)
