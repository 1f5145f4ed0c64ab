"""Where the face is, for the dlib-based metrics (``ids_dlib``, ``lmd``): detect, or use the aligned box.

BFR test sets are FFHQ-aligned, so the face box is known up to a few pixels. Policies:

* ``"detect"`` — dlib's HOG frontal detector (largest face); no face → the image gives no value (counted);
* ``"aligned"`` — always :data:`ALIGNED_FACE_BOX` (fractions of width/height), no detector;
* ``"detect_or_aligned"`` (default) — detect, and fall back to the aligned box when nothing is found
  (counted), so heavily degraded aligned inputs are still scored instead of silently dropped.

:data:`ALIGNED_FACE_BOX` is the mean HOG detection on 56 aligned 512² faces of real-lq-dev (CelebA, LFW,
WebPhoto, Wider, CelebChild; per-side std ≤ 0.045).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

import numpy as np

from flipnet_bench.errors import BenchError
from flipnet_bench.weights import get_weight_path

BoxPolicy = Literal["detect", "aligned", "detect_or_aligned"]
POLICIES: tuple[str, ...] = ("detect", "aligned", "detect_or_aligned")

#: (left, top, right, bottom) as fractions of the image size, for FFHQ-style aligned faces.
ALIGNED_FACE_BOX = (0.209, 0.305, 0.786, 0.881)


def dlib_module():  # noqa: ANN201 - dlib has no type stubs
    """Import dlib lazily (it is a compiled extension that only these metrics need)."""
    try:
        import dlib
    except ImportError as exc:
        raise BenchError("dlib is not installed; `pip install dlib-bin` (a project dependency)") from exc
    return dlib


@functools.lru_cache(maxsize=1)
def _detector():  # noqa: ANN202
    return dlib_module().get_frontal_face_detector()


@functools.lru_cache(maxsize=4)
def shape_predictor(weight_name: str, path: str | None = None):  # noqa: ANN201
    """A dlib shape predictor from the verified weight ``weight_name`` (loaded once per process)."""
    return dlib_module().shape_predictor(str(get_weight_path(weight_name, path)))


@dataclass(frozen=True)
class FaceBox:
    left: int
    top: int
    right: int
    bottom: int
    detected: bool

    def to_dlib(self):  # noqa: ANN201
        return dlib_module().rectangle(self.left, self.top, self.right, self.bottom)


def aligned_box(height: int, width: int) -> FaceBox:
    x0, y0, x1, y1 = ALIGNED_FACE_BOX
    return FaceBox(round(x0 * width), round(y0 * height), round(x1 * width), round(y1 * height), False)


def find_face(
    image: np.ndarray, policy: BoxPolicy = "detect_or_aligned", upsample: int = 0
) -> FaceBox | None:
    """The face box of a uint8 RGB HxWx3 image under ``policy``; None when ``"detect"`` finds nothing."""
    if policy not in POLICIES:
        raise BenchError(f"face box policy must be one of {POLICIES}, got {policy!r}")
    h, w = image.shape[:2]
    if policy == "aligned":
        return aligned_box(h, w)
    faces = _detector()(np.ascontiguousarray(image), upsample)
    if len(faces):
        r = max(faces, key=lambda f: f.area())
        return FaceBox(r.left(), r.top(), r.right(), r.bottom(), detected=True)
    return aligned_box(h, w) if policy == "detect_or_aligned" else None
