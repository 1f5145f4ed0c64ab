"""``ids_insightface``: cosine of insightface ArcFace embeddings, computed by the ``insightface`` package.

The network is an ONNX recognition model of insightface's model zoo (e.g. ``w600k_r50.onnx`` of the
buffalo_l pack) from a local path, run by onnxruntime through ``insightface.model_zoo.get_model``. Each face
is warped with ``insightface.utils.face_align.norm_crop`` (similarity transform onto the ArcFace reference
points) from the FFHQ five-point template of the aligned input, given to ``ArcFaceONNX.get_feat`` in BGR (as
insightface reads images with OpenCV; the package swaps to RGB and normalises with the model's mean/std),
and the embeddings are compared by cosine.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np
import torch

from flipnet_bench.errors import BenchError
from flipnet_bench.io.hashing import sha256_file
from flipnet_bench.metrics.identity import _IdentityMetric
from flipnet_bench.models.identity.align5 import ffhq_points
from flipnet_bench.weights import get_weight_path
from flipnet_bench.weights.identity_nets import IDENTITY_NETS

WEIGHT = IDENTITY_NETS[1].name  # "insightface_arcface_r50"


@functools.lru_cache(maxsize=2)
def load_insightface(path: str) -> tuple[Any, str]:
    """insightface's ``ArcFaceONNX`` for ``path`` on the CPU provider, and the file's SHA-256."""
    try:
        from insightface.model_zoo import get_model
        from insightface.model_zoo.arcface_onnx import ArcFaceONNX
    except ImportError as exc:
        raise BenchError(
            "ids_insightface needs the insightface package and onnxruntime (scripts/setup.sh installs them)"
        ) from exc
    try:
        model = get_model(path, providers=["CPUExecutionProvider"])
    except Exception as exc:  # noqa: BLE001 - onnx / onnxruntime reject a bad file in many ways
        raise BenchError(f"{path}: cannot load as an ONNX model ({str(exc)[:300]})") from exc
    if not isinstance(model, ArcFaceONNX):
        raise BenchError(f"{path}: insightface does not read it as an ArcFace recognition model")
    return model, sha256_file(path)


class InsightFaceIdentity(_IdentityMetric):
    """Cosine similarity of insightface ArcFace embeddings (the package's own inference)."""

    name = "ids_insightface"
    higher_is_better = True

    def __init__(self, compare_with: str = "auto", weights_path: str | Path | None = None) -> None:
        path = get_weight_path(WEIGHT, str(weights_path) if weights_path else None)
        self._model, self._sha256 = load_insightface(str(path))
        super().__init__(compare_with)

    def embed(self, images: np.ndarray) -> torch.Tensor:
        from insightface.utils.face_align import norm_crop

        size = self._model.input_size[0]
        crops = [
            norm_crop(np.ascontiguousarray(img[:, :, ::-1]), ffhq_points(img.shape[1], img.shape[0]), size)
            for img in images
        ]
        return torch.from_numpy(np.asarray(self._model.get_feat(crops), dtype=np.float64))

    def definition(self) -> dict[str, Any]:
        return {
            **super().definition(),
            "network": "insightface ArcFace (ONNX, insightface.model_zoo ArcFaceONNX), user-supplied weights",
            "weights_sha256": self._sha256,
            "alignment": "insightface face_align.norm_crop of the FFHQ 5-point template",
            "input": f"BGR crop, the package's mean/std ({self._model.input_mean}, {self._model.input_std})",
            "similarity": "cosine",
            "compare_with": self.compare_with,
        }
