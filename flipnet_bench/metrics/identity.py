"""Identity preservation: ``ids_dlib`` (dlib 128-d), ``ids_arcface`` (cosine) and ``deg_arcface`` (degrees).

Each compares a restored face with its GT, or — on real-world sets without GT — with its LQ input
(``compare_with="auto"``: GT when present, else LQ; the report notes which). They are different
definitions and are labelled as such: dlib's ResNet is *not* ArcFace.

* ``ids_dlib``: cosine similarity of dlib's face-recognition embeddings (``face-recognition-models``
  weights, offline). The face box follows :mod:`flipnet_bench.metrics.face_crop`; faces not found are
  counted in the notes (and, with ``face_box="detect"``, excluded).
* ``deg_arcface`` (VQFR / PMRF / FLIPNET "Deg."): ArcFace ResNet-18 (``resnet18_110.pth``) on 128×128
  grayscale (OpenCV luma, bilinear resize, (x - 127.5) / 127.5), the embedding of the image concatenated
  with that of its mirror image, ``arccos(cos)`` in degrees. VQFR/PMRF drop pairs under 1°:
  ``min_degrees=1.0`` does that (default 0: keep every pair), and the count is noted.
* ``ids_arcface``: the cosine of the same embeddings.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any, ClassVar

import cv2
import numpy as np
import torch

from flipnet_bench.errors import BenchError
from flipnet_bench.io import to_uint8
from flipnet_bench.metrics.arcface_resnet import load_arcface_resnet18
from flipnet_bench.metrics.base import Batch, PerImageMetric, check_range
from flipnet_bench.metrics.face_crop import POLICIES, dlib_module, find_face, shape_predictor
from flipnet_bench.weights import get_spec, get_weight_path


def cosine(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Row-wise cosine similarity in float64 (NaN rows stay NaN)."""
    a, b = a.double(), b.double()
    return (a * b).sum(1) / (a.norm(dim=1) * b.norm(dim=1))


class _IdentityMetric(PerImageMetric):
    """Shared plumbing: choose the reference (GT, else LQ), embed both sides, count failures."""

    requires: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, compare_with: str = "auto") -> None:
        if compare_with not in ("auto", "gt", "lq"):
            raise BenchError(f"{self.name}: compare_with must be 'auto', 'gt' or 'lq', got {compare_with!r}")
        self.compare_with = compare_with
        if compare_with != "auto":
            self.requires = frozenset({compare_with})  # type: ignore[misc]
        super().__init__()

    def reset(self) -> None:
        super().reset()
        self._roles: set[str] = set()
        self._counts: dict[str, int] = {}

    def _count(self, what: str, n: int = 1) -> None:
        self._counts[what] = self._counts.get(what, 0) + n

    def embed(self, images: np.ndarray) -> torch.Tensor:
        """uint8 (N, H, W, 3) RGB → (N, D) embeddings; a row of NaN where no face could be embedded."""
        raise NotImplementedError

    def similarity(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return cosine(a, b)

    def score(self, batch: Batch) -> torch.Tensor:
        role = self.compare_with
        if role == "auto":
            role = "gt" if batch.gt is not None else "lq"
        ref = getattr(batch, role)
        if ref is None:
            raise BenchError(f"metric {self.name!r} needs --gt or --lq images to compare identities with")
        check_range(self.name, batch.pred)
        check_range(self.name, ref)
        self._roles.add(role)
        return self.similarity(self.embed(to_uint8(batch.pred)), self.embed(to_uint8(ref)))

    def compute(self):  # noqa: ANN201 - MetricResult
        result = super().compute()
        result.notes.insert(0, "compared with " + " and ".join(sorted(self._roles)))
        result.notes += [f"{what}: {n}" for what, n in sorted(self._counts.items())]
        result.extra["counts"] = dict(self._counts)
        return result


@functools.lru_cache(maxsize=2)
def _dlib_recognizer(path: str | None):  # noqa: ANN202
    return dlib_module().face_recognition_model_v1(str(get_weight_path("dlib_face_recognition_v1", path)))


class DlibIdentity(_IdentityMetric):
    """Cosine similarity of dlib ResNet 128-d face embeddings (label: dlib, not ArcFace)."""

    name = "ids_dlib"
    higher_is_better = True

    def __init__(
        self,
        compare_with: str = "auto",
        face_box: str = "detect_or_aligned",
        upsample: int = 0,
        recognition_path: str | Path | None = None,
        predictor_path: str | Path | None = None,
    ) -> None:
        if face_box not in POLICIES:
            raise BenchError(f"ids_dlib: face_box must be one of {POLICIES}, got {face_box!r}")
        self.face_box, self.upsample = face_box, upsample
        self._recognizer = _dlib_recognizer(str(recognition_path) if recognition_path else None)
        self._predictor = shape_predictor(
            "dlib_shape_predictor_5", str(predictor_path) if predictor_path else None
        )
        super().__init__(compare_with)

    def embed(self, images: np.ndarray) -> torch.Tensor:
        out = torch.full((len(images), 128), math.nan, dtype=torch.float64)
        for i, img in enumerate(images):
            img = np.ascontiguousarray(img)
            box = find_face(img, self.face_box, self.upsample)  # type: ignore[arg-type]
            if box is None:
                self._count("faces not detected (no value)")
                continue
            if not box.detected and self.face_box == "detect_or_aligned":
                self._count("faces not detected, aligned box used")
            shape = self._predictor(img, box.to_dlib())
            out[i] = torch.tensor(
                list(self._recognizer.compute_face_descriptor(img, shape)), dtype=torch.float64
            )
        return out

    def definition(self) -> dict[str, Any]:
        return {
            **super().definition(),
            "network": "dlib face recognition ResNet v1 (128-d), NOT ArcFace",
            "weights_sha256": get_spec("dlib_face_recognition_v1").sha256,
            "landmarks": "dlib 5-point shape predictor (dlib's own 150x150 face chip)",
            "face_box": self.face_box,
            "similarity": "cosine",
            "compare_with": self.compare_with,
        }


@functools.lru_cache(maxsize=2)
def _arcface(path: str | None):  # noqa: ANN202
    return load_arcface_resnet18(get_weight_path("arcface_resnet18_vqfr", path))


def arcface_input(images: np.ndarray) -> torch.Tensor:
    """uint8 RGB (N, H, W, 3) → (2N, 1, 128, 128): each image then its mirror, as VQFR's script feeds it."""
    out = []
    for img in images:
        gray = cv2.resize(cv2.cvtColor(np.ascontiguousarray(img), cv2.COLOR_RGB2GRAY), (128, 128))
        out += [gray, np.fliplr(gray)]
    x = torch.from_numpy(np.stack(out).astype(np.float32))[:, None]
    return (x - 127.5) / 127.5


class ArcFaceIdentity(_IdentityMetric):
    """ArcFace ResNet-18 identity: ``output="cosine"`` (``ids_arcface``) or ``"degrees"`` (``deg_arcface``)"""

    name = "ids_arcface"

    def __init__(
        self,
        output: str = "cosine",
        compare_with: str = "auto",
        weights_path: str | Path | None = None,
        min_degrees: float = 0.0,
        device: str = "cpu",
    ) -> None:
        if output not in ("cosine", "degrees"):
            raise BenchError(f"arcface: output must be 'cosine' or 'degrees', got {output!r}")
        self.output, self.min_degrees, self.device = output, float(min_degrees), device
        self.name = "ids_arcface" if output == "cosine" else "deg_arcface"  # type: ignore[misc]
        self.higher_is_better = output == "cosine"  # type: ignore[misc]
        self._model = _arcface(str(weights_path) if weights_path else None).to(device)
        super().__init__(compare_with)

    @torch.inference_mode()
    def embed(self, images: np.ndarray) -> torch.Tensor:
        feats = self._model(arcface_input(images).to(self.device)).double().cpu()
        return feats.view(len(images), -1)  # [image, mirror] concatenated → 1024-d

    def similarity(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        cos = cosine(a, b)
        degrees = torch.rad2deg(torch.arccos(cos.clamp(-1.0, 1.0)))
        if self.min_degrees > 0:
            low = degrees < self.min_degrees
            if low.any():
                self._count(
                    f"pairs under {self.min_degrees:g} degrees dropped (VQFR/PMRF convention)", int(low.sum())
                )
            cos, degrees = cos.masked_fill(low, math.nan), degrees.masked_fill(low, math.nan)
        return cos if self.output == "cosine" else degrees

    def definition(self) -> dict[str, Any]:
        return {
            **super().definition(),
            "network": "ArcFace ResNet-18 (resnet_face18, VQFR resnet18_110.pth), user-supplied weights",
            "input": "OpenCV gray, bilinear 128x128, (x-127.5)/127.5; embedding of image ++ mirror (1024-d)",
            "output": "cosine" if self.output == "cosine" else "arccos(cosine) in degrees",
            "min_degrees": self.min_degrees,
            "compare_with": self.compare_with,
        }
