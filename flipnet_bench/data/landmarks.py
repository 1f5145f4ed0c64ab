"""Where the 5 alignment landmarks come from: a landmarks file, or an offline face detector.

Landmarks files map an image's path relative to the source folder to a list of (x, y) points in that image's
pixel coordinates. Three layouts are understood, told apart by the number of points:

* 5 points: already eye-left, eye-right, nose tip, mouth-left, mouth-right;
* 68 points (iBUG / dlib): eyes = mean of the 6 contour points (36-41, 42-47), nose tip 30, mouth 48 and 54;
* 189 points (webmorph FRL template, as in hq-webmorph/landmarks.json): pupils 0 and 1, nose tip = mean of
  the two nasal-tip points 54 and 60 (pronasale), mouth corners 87 and 93. These indices were found by
  plotting the numbered points on ``london-neutral/001_03.jpg`` and checked on all 242 faces (87 left of 93,
  eyes above nose above mouth).

Detectors: MTCNN (weights ship inside facenet-pytorch, works offline) and dlib's HOG detector + 68-point shape
model from face-recognition-models (located with ``importlib.util.find_spec`` and read as a data file).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Literal, Protocol

import cv2
import numpy as np

from flipnet_bench.errors import BenchError

WEBMORPH_189 = {"eyes": (0, 1), "nose": (54, 60), "mouth": (87, 93)}
Pick = Literal["largest", "center"]


def to_five(points: np.ndarray | list[list[float]], where: str = "landmarks") -> np.ndarray:
    """Reduce a 5-, 68- or 189-point landmark set to the 5 alignment points (see module docstring)."""
    p = np.asarray(points, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != 2 or not np.isfinite(p).all():
        raise BenchError(f"{where}: expected a list of finite (x, y) pairs, got shape {p.shape}")
    if len(p) == 5:
        return p.copy()
    if len(p) == 68:
        return np.stack([p[36:42].mean(0), p[42:48].mean(0), p[30], p[48], p[54]])
    if len(p) == 189:
        m = WEBMORPH_189
        return np.stack(
            [p[m["eyes"][0]], p[m["eyes"][1]], p[list(m["nose"])].mean(0), p[m["mouth"][0]], p[m["mouth"][1]]]
        )
    raise BenchError(f"{where}: {len(p)} points; supported layouts have 5, 68 (iBUG/dlib) or 189 (webmorph)")


def load_landmarks_file(path: str | Path) -> dict[str, np.ndarray]:
    """Read a landmarks JSON (relative image path → points) into relative path → 5 points."""
    path = Path(path)
    if not path.is_file():
        raise BenchError(f"{path}: landmarks file not found")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BenchError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(raw, dict):
        raise BenchError(f"{path}: expected a mapping of image path → list of [x, y] points")
    return {str(k).replace("\\", "/"): to_five(v, f"{path}[{k!r}]") for k, v in raw.items()}


class Detector(Protocol):
    """Finds the 5 alignment points of the chosen face, or None when there is no face."""

    def detect(self, image: np.ndarray) -> np.ndarray | None: ...


def _choose(boxes: np.ndarray, shape: tuple[int, ...], pick: Pick) -> int:
    """Index of the face to keep: the largest box, or the one nearest the image centre (LFW-style crops)."""
    if pick == "largest":
        return int(np.argmax((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])))
    centre = np.array([shape[1] / 2, shape[0] / 2])
    mids = np.stack([(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2], 1)
    return int(np.argmin(np.linalg.norm(mids - centre, axis=1)))


def _shrink(image: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """Detect on a copy at most ``max_side`` px long (speed); returns it and the factor back to full size."""
    side = max(image.shape[:2])
    if side <= max_side:
        return image, 1.0
    f = max_side / side
    small = cv2.resize(
        image, (round(image.shape[1] * f), round(image.shape[0] * f)), interpolation=cv2.INTER_AREA
    )
    return small, side / max_side


class MtcnnDetector:
    """facenet-pytorch's MTCNN on CPU; its 5 points are already eyes, nose, mouth corners."""

    def __init__(self, min_prob: float = 0.9, pick: Pick = "largest", max_side: int = 640) -> None:
        try:
            from facenet_pytorch import MTCNN
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise BenchError(
                "the MTCNN detector needs facenet-pytorch: pip install facenet-pytorch --no-deps"
            ) from exc
        self.model = MTCNN(keep_all=True, device="cpu")
        self.min_prob, self.pick, self.max_side = min_prob, pick, max_side

    def detect(self, image: np.ndarray) -> np.ndarray | None:
        small, back = _shrink(image, self.max_side)
        boxes, probs, points = self.model.detect(small, landmarks=True)
        if boxes is None:
            return None
        # numpy 2: facenet-pytorch returns object arrays; rebuild plain float arrays.
        boxes = np.array([np.asarray(b, dtype=np.float64) for b in boxes])
        probs = np.array([float(p) for p in probs])
        points = np.array([np.asarray(p, dtype=np.float64) for p in points])
        keep = probs >= self.min_prob
        if not keep.any():
            return None
        boxes, points = boxes[keep], points[keep]
        return points[_choose(boxes, small.shape, self.pick)] * back


class DlibDetector:
    """dlib HOG face detector + the 68-point shape model shipped in face-recognition-models."""

    def __init__(self, pick: Pick = "largest", max_side: int = 1024) -> None:
        import dlib

        spec = importlib.util.find_spec("face_recognition_models")
        if spec is None or not spec.submodule_search_locations:
            raise BenchError(
                "the dlib detector needs face-recognition-models: pip install face-recognition-models"
            )
        model = (
            Path(list(spec.submodule_search_locations)[0])
            / "models"
            / "shape_predictor_68_face_landmarks.dat"
        )
        if not model.is_file():
            raise BenchError(f"{model}: dlib 68-point model missing; reinstall face-recognition-models")
        self.detector = dlib.get_frontal_face_detector()
        self.predictor = dlib.shape_predictor(str(model))
        self.pick, self.max_side = pick, max_side

    def detect(self, image: np.ndarray) -> np.ndarray | None:
        small, back = _shrink(image, self.max_side)
        rects = self.detector(small, 1)
        if len(rects) == 0:
            return None
        boxes = np.array([[r.left(), r.top(), r.right(), r.bottom()] for r in rects], dtype=np.float64)
        rect = rects[_choose(boxes, small.shape, self.pick)]
        shape = self.predictor(small, rect)
        pts = np.array([[shape.part(i).x, shape.part(i).y] for i in range(68)], dtype=np.float64)
        return to_five(pts) * back


DETECTORS = {"mtcnn": MtcnnDetector, "dlib": DlibDetector}


def make_detector(name: str, pick: Pick = "largest") -> Detector:
    """Build a detector by name (``mtcnn`` or ``dlib``)."""
    if name not in DETECTORS:
        raise BenchError(f"unknown face detector {name!r}; choose one of {sorted(DETECTORS)}")
    return DETECTORS[name](pick=pick)
