"""``ids_adaface``: NTIRE's ID_Sim — cosine of AdaFace IR-50 embeddings (``adaface_ir50_ms1mv2.ckpt``).

As the NTIRE repositories compute it (``face_alignment/inference.py``): both faces are warped to 112x112 by
the similarity transform that maps the same five points onto AdaFace's square reference points, converted
RGB → BGR and scaled ``(x/255 - 0.5)/0.5`` (AdaFace's ``to_input``), embedded by IR-50 (unit vectors), and
compared by their dot product. The five points are the FFHQ template of an aligned face scaled to the image
size (``landmarks="ffhq_template"``): the NTIRE sets are FFHQ-aligned, and the challenge takes its points
from MTCNN (2025) or from a landmark file of the LQ inputs (2026).
"""

from __future__ import annotations

import argparse
import functools
from pathlib import Path
from typing import Any

import numpy as np
import torch

from flipnet_bench.errors import BenchError
from flipnet_bench.metrics.identity import _IdentityMetric
from flipnet_bench.models.identity.adaface_ir import AdaFaceIR50
from flipnet_bench.models.identity.align5 import REFERENCE_112, ffhq_points, warp_5pt
from flipnet_bench.weights import get_weight_path, sha256_file
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


def adaface_input(images: np.ndarray, points: np.ndarray | None = None) -> torch.Tensor:
    """uint8 RGB (N, H, W, 3) → (N, 3, 112, 112) BGR in [-1, 1], warped by the five ``points`` (default:
    the FFHQ template of the image size)."""
    out = []
    for img in images:
        pts = ffhq_points(img.shape[1], img.shape[0]) if points is None else points
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
        landmarks: str = "ffhq_template",
        device: str = "cpu",
    ) -> None:
        if landmarks != "ffhq_template":
            raise BenchError(f"ids_adaface: landmarks must be 'ffhq_template', got {landmarks!r}")
        path = get_weight_path(WEIGHT, str(weights_path) if weights_path else None)
        model, self._sha256 = load_adaface_ir50(str(path))
        self._model, self.device, self.landmarks = model.to(device), device, landmarks
        super().__init__(compare_with)

    @torch.inference_mode()
    def embed(self, images: np.ndarray) -> torch.Tensor:
        feature, _ = self._model(adaface_input(images).to(self.device))
        return feature.double().cpu()

    def definition(self) -> dict[str, Any]:
        return {
            **super().definition(),
            "network": "AdaFace IR-50 (mk-minchul/AdaFace net.build_model('ir_50')), user-supplied weights",
            "weights_sha256": self._sha256,
            "alignment": "similarity transform (MTCNN cp2tform) of the FFHQ 5-point template onto AdaFace's "
            "112x112 reference points; cv2.warpAffine bilinear",
            "input": "BGR, (x/255 - 0.5)/0.5",
            "similarity": "cosine (dot product of unit embeddings)",
            "compare_with": self.compare_with,
        }
