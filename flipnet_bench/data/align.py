"""FFHQ-style face alignment: a similarity transform from 5 landmarks onto a fixed template, then a crop.

The 5 points are, in order: left eye centre, right eye centre (left/right as seen in the image), nose tip,
left mouth corner, right mouth corner.

Template (derived, not copied; numbers for a 512² crop, scaled linearly for other sizes):

* FFHQ's rule (Karras et al. 2019, ``recreate_aligned_images``): the crop is a square of side
  ``2·max(2·|e2e|, 1.8·|e2m|)`` centred on ``eye_mid + 0.1·e2m`` (``e2e`` eye-to-eye, ``e2m`` eye-midpoint to
  mouth-midpoint vectors). For faces whose ``|e2m| ≤ 1.11·|e2e|`` the eyes are therefore ``N/4`` apart,
  at ``x = N/2 ± N/8`` = 192 / 320.
* Facial proportions measured on the 242 landmarked hq-webmorph faces (medians): ``|e2m|/|e2e| = 1.11``
  (at the FFHQ boundary, so ``|e2m| = 1.11·128 = 142``), mouth width ``0.78·|e2e|`` = 100 px, nose tip
  (pronasale) at ``0.47`` of the way from the eye line to the mouth line.
* Vertical placement from the FFHQ centre rule: ``eye_y = 256 - 0.1·142 = 241.8``, ``mouth_y = 384.2``,
  ``nose_y = 241.8 + 0.47·142.4 = 308.7``.

The fit is a weighted least-squares similarity (closed form). Eyes get most of the weight because the eye
line fixes scale and rotation in FFHQ's rule, and because detectors disagree on where "the nose" is (MTCNN's
nose point sits near the nostrils, the landmark-file pronasale higher). Measured on the 242 landmarked
hq-webmorph faces at 512: equal weights put the eyes up to 9.9 px off their template positions; the default
weights (1, 1, 0.01, 0.02, 0.02) keep them within 1.5 px (tested: < 2 px), while nose and mouth stay 7.5-8 px
(mean) from the template, i.e. the natural spread of face shapes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from flipnet_bench.data.landmarks import Detector, Pick, load_landmarks_file, make_detector
from flipnet_bench.errors import BenchError
from flipnet_bench.io import (
    ImageReadError,
    Skipped,
    atomic_open,
    list_images,
    read_image,
    write_image,
    write_json,
)
from flipnet_bench.io.outputs import claim_output

#: Template at 512×512: left eye, right eye, nose tip, left mouth corner, right mouth corner (x, y).
TEMPLATE_512 = np.array(
    [
        [192.0, 241.8],
        [320.0, 241.8],
        [256.0, 308.7],
        [205.8, 384.2],
        [306.2, 384.2],
    ],
    dtype=np.float64,
)

#: Least-squares weights of the 5 points (eyes dominate; see module docstring).
DEFAULT_WEIGHTS = (1.0, 1.0, 0.01, 0.02, 0.02)


def template(size: int) -> np.ndarray:
    """The 5-point template for an ``size``×``size`` crop (pixel-centre coordinates)."""
    return TEMPLATE_512 * (size / 512.0)


def estimate_similarity(src: np.ndarray, dst: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """2×3 matrix of the similarity (scale, rotation, translation) best mapping ``src`` onto ``dst``.

    Weighted least squares in closed form: with centred points, ``a = Σw p·q / Σw|p|²`` and
    ``b = Σw p×q / Σw|p|²`` give ``[[a, -b], [b, a]]``.
    """
    src = np.asarray(src, dtype=np.float64)
    dst = np.asarray(dst, dtype=np.float64)
    w = np.ones(len(src)) if weights is None else np.asarray(weights, dtype=np.float64)
    if src.shape != dst.shape or src.shape[1:] != (2,) or len(w) != len(src):
        raise BenchError(f"landmarks must be matching (K, 2) arrays, got {src.shape} and {dst.shape}")
    w = w / w.sum()
    mu_s, mu_d = w @ src, w @ dst
    p, q = src - mu_s, dst - mu_d
    denom = float(w @ (p**2).sum(axis=1))
    if denom <= 1e-12:
        raise BenchError("degenerate landmarks: all points coincide")
    a = float(w @ (p[:, 0] * q[:, 0] + p[:, 1] * q[:, 1])) / denom
    b = float(w @ (p[:, 0] * q[:, 1] - p[:, 1] * q[:, 0])) / denom
    rot = np.array([[a, -b], [b, a]])
    t = mu_d - rot @ mu_s
    return np.hstack([rot, t[:, None]])


def apply_affine(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Map (K, 2) points through a 2×3 affine matrix."""
    pts = np.asarray(points, dtype=np.float64)
    return pts @ matrix[:, :2].T + matrix[:, 2]


def alignment_matrix(
    points5: np.ndarray, size: int, weights: tuple[float, ...] = DEFAULT_WEIGHTS
) -> np.ndarray:
    """The 2×3 transform taking source-image pixel coordinates into the aligned ``size``² crop."""
    pts = np.asarray(points5, dtype=np.float64)
    if pts.shape != (5, 2) or not np.isfinite(pts).all():
        raise BenchError(f"expected 5 finite (x, y) landmarks, got array of shape {pts.shape}")
    return estimate_similarity(pts, template(size), np.asarray(weights))


def warp_face(
    image: np.ndarray, points5: np.ndarray, size: int = 512, weights: tuple[float, ...] = DEFAULT_WEIGHTS
) -> np.ndarray:
    """Crop the aligned face; strong downscales are supersampled then area-averaged (no aliasing).

    Pixels outside the photo are mirrored (FFHQ pads by reflection too).
    """
    if image.dtype != np.uint8 or image.ndim != 3:
        raise BenchError(f"warp_face expects a uint8 HxWx3 image, got {image.dtype} {image.shape}")
    matrix = alignment_matrix(points5, size, weights)
    scale = float(np.hypot(matrix[0, 0], matrix[1, 0]))
    factor = int(min(8, max(1, np.floor(1.0 / scale)))) if scale < 1 else 1
    big = size * factor
    hi = matrix.copy()
    # Pixel centres: output pixel (i, j) of the big grid covers factor² source-aligned samples.
    hi[:, :2] *= factor
    hi[:, 2] = (matrix[:, 2] + 0.5) * factor - 0.5
    warped = cv2.warpAffine(
        image,
        hi,
        (big, big),
        flags=cv2.INTER_CUBIC if factor == 1 else cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REFLECT_101,
    )
    if factor > 1:
        warped = cv2.resize(warped, (size, size), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(warped)


class LandmarkSource:
    """Landmarks for an image: from the landmarks file when it lists the image, else from the detector.

    The detector is built lazily, so a fully landmarked folder never loads detector weights.
    """

    def __init__(
        self, landmarks: dict[str, np.ndarray] | None = None, detector: str = "mtcnn", pick: Pick = "largest"
    ) -> None:
        self.landmarks = landmarks or {}
        self.detector_name, self.pick = detector, pick
        self._detector: Detector | None = None

    def points(self, rel: str, image: np.ndarray) -> tuple[np.ndarray | None, str]:
        """(5 points or None when no face was found, where they came from)."""
        if rel in self.landmarks:
            return self.landmarks[rel], "file"
        if self._detector is None:
            self._detector = make_detector(self.detector_name, self.pick)
        return self._detector.detect(image), self.detector_name


@dataclass
class AlignReport:
    """What ``align_folder`` did; ``no_face`` lists inputs without a usable face (also in OUT/no_face.txt)."""

    written: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)
    no_face: list[str] = field(default_factory=list)
    skipped: Skipped = field(default_factory=Skipped)

    def summary(self) -> str:
        return (
            f"aligned {len(self.written)} new, {len(self.resumed)} already done, "
            f"{len(self.no_face)} without a face, {len(self.skipped)} unreadable/skipped"
        )


def flat_name(rel: str, suffix: str) -> str:
    """Output name for a relative input path: sub-folders flattened as ``sub__name`` (one flat folder)."""
    return "__".join(Path(rel).with_suffix("").parts) + suffix


def align_folder(
    src: str | Path,
    out: str | Path,
    landmarks: str | Path | dict[str, np.ndarray] | None = None,
    size: int = 512,
    detector: str = "mtcnn",
    pick: Pick = "largest",
    suffix: str = ".png",
    lenient: bool = False,
    overwrite: bool = False,
) -> AlignReport:
    """Align every image under ``src`` (recursively) into flat ``out``; resumable (existing outputs are kept).

    Writes ``out/no_face.txt`` (one relative input path per line, empty when every face was found) and
    ``out/landmarks_used.json`` (output name → the 5 points in source pixels and where they came from).
    ``out`` is claimed via :mod:`flipnet_bench.io.outputs` (other settings refuse unless ``overwrite``).
    """
    if size < 16:
        raise BenchError(f"--size {size} is too small; use at least 16")
    src, out = Path(src), Path(out)
    if out.resolve() == src.resolve():
        raise BenchError(
            f"{out}: output folder must differ from the input folder (inputs are never modified)"
        )
    marks = load_landmarks_file(landmarks) if isinstance(landmarks, str | Path) else landmarks
    given = {k: np.asarray(v).round(3).tolist() for k, v in sorted((marks or {}).items())}
    settings = {"size": size, "detector": detector, "pick": pick, "suffix": suffix,
                "landmarks_sha256": hashlib.sha256(json.dumps(given).encode()).hexdigest()}  # fmt: skip
    owned = (f"*{suffix}", "landmarks_used.json", "no_face.txt")
    claim_output(out, "data align", settings, owned=owned, sources=[src], overwrite=overwrite)
    source = LandmarkSource(marks, detector, pick)
    report = AlignReport()
    files = list_images(src, recursive=True, lenient=lenient, skipped=report.skipped)
    log_path = out / "landmarks_used.json"
    used: dict[str, dict] = json.loads(log_path.read_text()) if log_path.is_file() else {}
    out.mkdir(parents=True, exist_ok=True)
    for path in tqdm(files, desc=f"align {src.name}", unit="img"):
        rel = path.relative_to(src).as_posix()
        name = flat_name(rel, suffix)
        if (out / name).is_file() and name in used:
            report.resumed.append(name)
            continue
        try:
            image = read_image(path)
        except ImageReadError as exc:
            if not lenient:
                raise
            report.skipped.add(path, str(exc))
            continue
        pts, origin = source.points(rel, image)
        if pts is None:
            report.no_face.append(rel)
            continue
        write_image(out / name, warp_face(image, pts, size))
        used[name] = {"source": rel, "from": origin, "points": np.round(pts, 3).tolist()}
        report.written.append(name)
        if len(report.written) % 25 == 0:
            write_json(log_path, used)
    write_json(log_path, used)
    with atomic_open(out / "no_face.txt", "w", encoding="utf-8") as handle:
        handle.writelines(f"{rel}\n" for rel in report.no_face)
    return report
