"""Weight entries of the identity networks the protocols name (user-supplied files, never downloaded).

Their licences forbid redistribution here, so each entry has no source and names the params key that points
at the local file; the metrics record the file's SHA-256 in their definition on use.
"""

from __future__ import annotations

from flipnet_bench.weights.spec import WeightSpec
from flipnet_bench.weights.specs import WEIGHTS, register_weight

_LICENSE = "not redistributable here (research / non-commercial release); supply a local copy"

IDENTITY_NETS = (
    WeightSpec(
        name="adaface_ir50_ms1mv2",
        filename="adaface_ir50_ms1mv2.ckpt",
        sha256=None,
        sources=(),
        description="AdaFace IR-50 trained on MS1MV2 (PyTorch Lightning checkpoint; its 'model.' entries), "
        "published in the mk-minchul/AdaFace README (pretrained models table) and linked by the NTIRE 2025 "
        "and 2026 face-restoration repositories",
        license=_LICENSE,
        local_path_param="face_metrics.adaface_path",
    ),
    WeightSpec(
        name="insightface_arcface_r50",
        filename="w600k_r50.onnx",
        sha256=None,
        sources=(),
        description="insightface ArcFace recognition model (ONNX, 112x112 input), e.g. w600k_r50.onnx of the "
        "buffalo_l model pack published on the deepinsight/insightface model zoo",
        license=_LICENSE,
        local_path_param="face_metrics.insightface_arcface_path",
    ),
)

for _spec in IDENTITY_NETS:
    if _spec.name not in WEIGHTS:
        register_weight(_spec)
