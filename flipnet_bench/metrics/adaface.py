"""``ids_adaface``: NTIRE's ID_Sim — cosine of AdaFace IR-50 embeddings (``adaface_ir50_ms1mv2.ckpt``).

As the NTIRE repositories compute it (``face_alignment/inference.py``): both faces are warped to 112x112 by
the similarity transform that maps the same five points onto AdaFace's square reference points, converted
RGB → BGR and scaled ``(x/255 - 0.5)/0.5`` (AdaFace's ``to_input``), embedded by IR-50 (unit vectors), and
compared by their dot product. The five points are, by default, the FFHQ template of an aligned face
scaled to the image size (the NTIRE sets are FFHQ-aligned). ``landmarks_csv`` instead reads each image's
points from a landmark file in the NTIRE 2026 format (``face_alignment/test_2026_face.csv``: the file stem
first, then ``left_eye_x, left_eye_y, right_eye_x, ..., mouth_right_y``), in the pixels of the images as
scored; as in the challenge, the same points warp the output and its reference.
"""

from __future__ import annotations

import argparse
import csv
import functools
from pathlib import Path
from typing import Any

import numpy as np
import torch

from flipnet_bench.errors import BenchError
from flipnet_bench.io.hashing import sha256_file
from flipnet_bench.metrics.base import Batch
from flipnet_bench.metrics.identity import _IdentityMetric
from flipnet_bench.models.identity.adaface_ir import AdaFaceIR50
from flipnet_bench.models.identity.align5 import REFERENCE_112, ffhq_points, warp_5pt
from flipnet_bench.weights import get_weight_path
from flipnet_bench.weights.identity_nets import IDENTITY_NETS

WEIGHT = IDENTITY_NETS[0].name  # "adaface_ir50_ms1mv2"


def _state_dict(path: Path) -> dict[str, torch.Tensor]:
    """The network's entries of an AdaFace checkpoint: Lightning's ``state_dict`` with its ``model.`` prefix
    (the ``head.`` entries are the training loss's and are dropped), or a bare state dict."""
    try:
        with torch.serialization.safe_globals([argparse.Namespace]):
            ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure is a bad user file
        raise BenchError(f"{path}: cannot load as an AdaFace checkpoint ({str(exc)[:300]})") from exc
    state = ckpt.get("state_dict", ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict):
        raise BenchError(f"{path}: expected a checkpoint dict with 'state_dict', got {type(ckpt).__name__}")
    if any(k.startswith("model.") for k in state):
        state = {k.removeprefix("model."): v for k, v in state.items() if k.startswith("model.")}
    return state


@functools.lru_cache(maxsize=2)
def load_adaface_ir50(path: str) -> tuple[AdaFaceIR50, str]:
    """The network (eval mode, strict load) and the file's SHA-256."""
    model = AdaFaceIR50()
    try:
        model.load_state_dict(_state_dict(Path(path)), strict=True)
    except RuntimeError as exc:
        raise BenchError(f"{path}: not an AdaFace IR-50 checkpoint: {str(exc)[:400]}") from exc
    return model.eval(), sha256_file(path)


_POINTS = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")


def read_landmarks(path: str | Path) -> dict[str, np.ndarray]:
    """file stem → (5, 2) points from an NTIRE 2026-style landmark CSV."""
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            first = (reader.fieldnames or [""])[0]
            return {
                Path(row[first]).stem: np.array(
                    [[float(row[f"{p}_x"]), float(row[f"{p}_y"])] for p in _POINTS]
                )
                for row in reader
            }
    except (OSError, KeyError, ValueError) as exc:
        raise BenchError(
            f"{path}: not a landmark CSV with {', '.join(_POINTS)} _x/_y columns ({exc})"
        ) from exc


def adaface_input(images: np.ndarray, points: list[np.ndarray] | None = None) -> torch.Tensor:
    """uint8 RGB (N, H, W, 3) → (N, 3, 112, 112) BGR in [-1, 1], each warped by its five ``points``
    (default: the FFHQ template of the image size)."""
    out = []
    for i, img in enumerate(images):
        pts = ffhq_points(img.shape[1], img.shape[0]) if points is None else points[i]
        aligned = warp_5pt(img, pts, REFERENCE_112, 112)[:, :, ::-1]  # RGB → BGR
        out.append(((aligned.astype(np.float64) / 255.0) - 0.5) / 0.5)
    return torch.from_numpy(np.stack(out).transpose(0, 3, 1, 2).copy()).float()


class AdaFaceIdentity(_IdentityMetric):
    """Cosine similarity of AdaFace IR-50 embeddings (NTIRE 2025/2026 ``ID_Sim``)."""

    name = "ids_adaface"
    higher_is_better = True

    def __init__(
        self,
        compare_with: str = "auto",
        weights_path: str | Path | None = None,
        landmarks_csv: str | Path | None = None,
        device: str = "cpu",
    ) -> None:
        path = get_weight_path(WEIGHT, str(weights_path) if weights_path else None)
        model, self._sha256 = load_adaface_ir50(str(path))
        self._model, self.device = model.to(device), device
        self.landmarks_csv = str(landmarks_csv) if landmarks_csv else None
        self._landmarks = read_landmarks(self.landmarks_csv) if self.landmarks_csv else None
        self._points: list[np.ndarray] | None = None
        super().__init__(compare_with)

    def score(self, batch: Batch) -> torch.Tensor:
        if self._landmarks is not None:
            stems = [Path(k).stem for k in batch.keys]
            unknown = [s for s in stems if s not in self._landmarks]
            if unknown:
                raise BenchError(f"ids_adaface: no landmarks for {unknown[:3]} in {self.landmarks_csv}")
            self._points = [self._landmarks[s] for s in stems]
        try:
            return super().score(batch)
        finally:
            self._points = None

    @torch.inference_mode()
    def embed(self, images: np.ndarray) -> torch.Tensor:
        feature, _ = self._model(adaface_input(images, self._points).to(self.device))
        return feature.double().cpu()

    def definition(self) -> dict[str, Any]:
        return {
            **super().definition(),
            "network": "AdaFace IR-50 (mk-minchul/AdaFace net.build_model('ir_50')), user-supplied weights",
            "weights_sha256": self._sha256,
            "alignment": "similarity transform (MTCNN cp2tform) of "
            + (f"the points in {self.landmarks_csv}" if self.landmarks_csv else "the FFHQ 5-point template")
            + " onto AdaFace's 112x112 reference points; cv2.warpAffine bilinear",
            "input": "BGR, (x/255 - 0.5)/0.5",
            "similarity": "cosine (dot product of unit embeddings)",
            "compare_with": self.compare_with,
        }
