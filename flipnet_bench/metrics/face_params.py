"""The ``face_metrics`` params section: local weight paths and options of the face metrics.

ArcFace and AWing weights cannot be redistributed, so they are configured here (never downloaded); the
score stage passes :meth:`FaceMetricParams.metric_kwargs` to ``create_metric``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from flipnet_bench.config import ParamsError, check_range


@dataclass(frozen=True)
class FaceMetricParams:
    """``arcface_resnet18_path``: VQFR's ``resnet18_110.pth`` (for ``ids_arcface``/``deg_arcface``);
    ``adaface_path``: AdaFace's ``adaface_ir50_ms1mv2.ckpt`` (``ids_adaface``, NTIRE's ID_Sim);
    ``adaface_landmarks_csv``: per-image 5 points for it (NTIRE 2026's ``test_2026_face.csv`` format);
    ``insightface_arcface_path``: an insightface ArcFace ONNX model (``ids_insightface``);
    ``awing_path``: a TorchScript landmark model (``lmd`` with ``lmd_backend: torchscript``), loaded only when
    its SHA-256 equals ``awing_sha256`` (TorchScript runs code when loaded);
    ``face_box``: how dlib metrics find the face; ``deg_min_degrees``: drop pairs under this angle
    (VQFR/PMRF use 1.0; 0 keeps all); ``lmd_backend``: ``dlib68`` (offline), ``dlib5`` or ``torchscript``."""

    arcface_resnet18_path: str | None = None
    adaface_path: str | None = None
    adaface_landmarks_csv: str | None = None
    insightface_arcface_path: str | None = None
    awing_path: str | None = None
    awing_sha256: str | None = None
    face_box: Literal["detect", "aligned", "detect_or_aligned"] = "detect_or_aligned"
    deg_min_degrees: float = 0.0
    lmd_backend: Literal["dlib68", "dlib5", "torchscript"] = "dlib68"

    def __post_init__(self) -> None:
        check_range("face_metrics.deg_min_degrees", self.deg_min_degrees, 0.0, 180.0)
        if self.awing_sha256 is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", self.awing_sha256):
            raise ParamsError(f"face_metrics.awing_sha256 = {self.awing_sha256!r}: expected 64 hex digits")

    def metric_kwargs(self) -> dict[str, dict[str, Any]]:
        """Constructor overrides per metric name (merge into the score stage's kwargs)."""
        arc = {"weights_path": self.arcface_resnet18_path}
        return {
            "ids_dlib": {"face_box": self.face_box},
            "ids_arcface": dict(arc),
            "deg_arcface": {**arc, "min_degrees": self.deg_min_degrees},
            "ids_adaface": {"weights_path": self.adaface_path, "landmarks_csv": self.adaface_landmarks_csv},
            "ids_insightface": {"weights_path": self.insightface_arcface_path},
            "lmd": {"backend": self.lmd_backend, "face_box": self.face_box}
            | (
                {"model_path": self.awing_path, "model_sha256": self.awing_sha256}
                if self.lmd_backend == "torchscript"
                else {}
            ),
        }
