"""``lmd``: mean L2 distance (pixels) between the facial landmarks of each output and its GT.

VQFR/PMRF use the AWing WFLW model (98 points) on 512² aligned faces; it cannot be had offline, so two
backends exist, and the definition names which one produced a number (they are not comparable):

* ``"dlib68"`` (default, offline) / ``"dlib5"``: dlib shape predictors. Both images use the *GT's* face box
  (detected, or the aligned box — :mod:`flipnet_bench.metrics.face_crop`), so only the landmark positions
  differ, not the box;
* ``"torchscript"``: a TorchScript landmark model from a local path (``face_metrics.awing_path``) mapping
  (N, 3, S, S) RGB in [0, 1] to (N, K, 2) (x, y) pixel coordinates of that S×S input (wrap AWing's heatmap
  decoding into the module); images are resized to S = ``input_size`` and the points scaled back. Loading
  TorchScript runs code, so the file is only loaded when its SHA-256 equals the user's
  ``face_metrics.awing_sha256`` (checked first; without it the backend refuses).
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F

from flipnet_bench.errors import BenchError
from flipnet_bench.io import to_uint8
from flipnet_bench.metrics.base import Batch, PerImageMetric, check_range
from flipnet_bench.metrics.face_crop import POLICIES, find_face, shape_predictor
from flipnet_bench.weights import get_spec, get_weight_path
from flipnet_bench.weights.sources import check_sha256

BACKENDS = ("dlib68", "dlib5", "torchscript")
_DLIB_WEIGHTS = {"dlib68": "dlib_shape_predictor_68", "dlib5": "dlib_shape_predictor_5"}


@functools.lru_cache(maxsize=2)
def _torchscript(path: str | None, sha256: str | None) -> torch.jit.ScriptModule:
    resolved = get_weight_path("awing_landmarks", path)
    if sha256 is None:
        raise BenchError(
            f"{resolved}: a TorchScript file runs code when loaded; set face_metrics.awing_sha256 to the "
            "SHA-256 of the file you trust (`sha256sum FILE`) to allow it"
        )
    check_sha256(resolved, sha256.lower(), "face_metrics.awing_path")
    try:
        return torch.jit.load(str(resolved), map_location="cpu").eval()
    except (RuntimeError, ValueError) as exc:
        raise BenchError(f"{resolved}: not a TorchScript landmark model ({exc})") from exc


class LandmarkDistance(PerImageMetric):
    """Mean Euclidean landmark distance in pixels of the scored resolution (lower is better)."""

    name = "lmd"
    higher_is_better = False
    requires: ClassVar[frozenset[str]] = frozenset({"gt"})

    def __init__(
        self,
        backend: str = "dlib68",
        model_path: str | Path | None = None,
        input_size: int = 256,
        face_box: str = "detect_or_aligned",
        model_sha256: str | None = None,
    ) -> None:
        if backend not in BACKENDS:
            raise BenchError(f"lmd: backend must be one of {BACKENDS}, got {backend!r}")
        if face_box not in POLICIES:
            raise BenchError(f"lmd: face_box must be one of {POLICIES}, got {face_box!r}")
        self.backend, self.input_size, self.face_box = backend, input_size, face_box
        path = str(model_path) if model_path else None
        self.model_sha256 = model_sha256
        if backend == "torchscript":
            self._model = _torchscript(path, model_sha256)
        else:
            self._predictor = shape_predictor(_DLIB_WEIGHTS[backend], path)
        super().__init__()

    def reset(self) -> None:
        super().reset()
        self._fallbacks = 0

    def _dlib_pair(self, pred: np.ndarray, gt: np.ndarray) -> float:
        box = find_face(gt, self.face_box)  # type: ignore[arg-type]
        if box is None:
            return math.nan
        self._fallbacks += not box.detected
        rect = box.to_dlib()
        pts = [
            np.array([(p.x, p.y) for p in self._predictor(img, rect).parts()], float) for img in (pred, gt)
        ]
        return float(np.linalg.norm(pts[0] - pts[1], axis=1).mean())

    @torch.inference_mode()
    def _torchscript_points(self, images: torch.Tensor) -> torch.Tensor:
        h, w = images.shape[-2:]
        size = self.input_size
        x = F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
        pts = self._model(x)
        if (
            not isinstance(pts, torch.Tensor)
            or pts.ndim != 3
            or pts.shape[0] != len(images)
            or pts.shape[2] != 2
        ):
            got = tuple(pts.shape) if isinstance(pts, torch.Tensor) else type(pts).__name__
            raise BenchError(f"lmd: the TorchScript model must return (N, K, 2) points, got {got}")
        return pts.double() * torch.tensor([w / size, h / size], dtype=torch.float64)

    def score(self, batch: Batch) -> torch.Tensor:
        assert batch.gt is not None
        check_range(self.name, batch.pred)
        check_range(self.name, batch.gt)
        if batch.pred.shape != batch.gt.shape:
            raise BenchError(f"lmd: prediction and GT sizes differ for {batch.keys[0]!r}")
        if self.backend == "torchscript":
            diff = self._torchscript_points(batch.pred) - self._torchscript_points(batch.gt)
            return diff.norm(dim=2).mean(1)
        preds, gts = to_uint8(batch.pred), to_uint8(batch.gt)
        values = [
            self._dlib_pair(np.ascontiguousarray(p), np.ascontiguousarray(g)) for p, g in zip(preds, gts)
        ]
        missing = [k for k, v in zip(batch.keys, values) if math.isnan(v)]
        if missing:
            self._notes.append(f"no face detected in the GT of: {', '.join(missing)}")
        return torch.tensor(values, dtype=torch.float64)

    def compute(self):  # noqa: ANN201 - MetricResult
        result = super().compute()
        if self._fallbacks:
            result.notes.append(f"faces not detected in the GT, aligned box used: {self._fallbacks}")
        return result

    def definition(self) -> dict[str, Any]:
        weight = "awing_landmarks" if self.backend == "torchscript" else _DLIB_WEIGHTS[self.backend]
        return {
            **super().definition(),
            "backend": self.backend,
            "weights": weight,
            "weights_sha256": get_spec(weight).sha256 or self.model_sha256,
            "unit": "pixels at the scored resolution, mean over landmarks",
            "face_box": self.face_box
            if self.backend != "torchscript"
            else f"whole image at {self.input_size}^2",
        }
