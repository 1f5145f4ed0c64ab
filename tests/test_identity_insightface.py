"""insightface ArcFace (``ids_insightface``): the package's own ONNX inference on a random-weight model in
the model zoo's format, checked against onnxruntime on an independently aligned and normalised crop."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from flipnet_bench.errors import BenchError
from flipnet_bench.metrics import create_metric
from tests._strict import require

onnx = require("onnx")
ort = require("onnxruntime")
require("insightface")

#: insightface's ArcFace reference points (face_align.arcface_dst), restated from the package's source.
ARCFACE_DST = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]]
)
FFHQ_512 = np.array(
    [[192.98138, 239.94708], [318.90277, 240.1936], [256.63416, 314.01935],
     [201.26117, 371.41043], [313.08905, 371.15118]]
)  # fmt: skip


def random_arcface_onnx(path: Path, seed: int = 0) -> Path:
    """A random recognition network as the zoo ships it: input (N, 3, 112, 112) RGB, one (N, 512) output."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    inits = [
        numpy_helper.from_array(rng.normal(0, 0.2, (16, 3, 3, 3)).astype(np.float32), "conv_w"),
        numpy_helper.from_array(rng.normal(0, 0.1, (16,)).astype(np.float32), "conv_b"),
        numpy_helper.from_array(rng.normal(0, 0.1, (16 * 14 * 14, 512)).astype(np.float32), "fc_w"),
        numpy_helper.from_array(rng.normal(0, 0.1, (512,)).astype(np.float32), "fc_b"),
    ]
    nodes = [
        helper.make_node(
            "Conv", ["data", "conv_w", "conv_b"], ["c"], name="Conv_0", strides=[2, 2], pads=[1] * 4
        ),
        helper.make_node("Relu", ["c"], ["r"], name="Relu_1"),
        helper.make_node("MaxPool", ["r"], ["p"], name="MaxPool_2", kernel_shape=[4, 4], strides=[4, 4]),
        helper.make_node("Flatten", ["p"], ["f"], name="Flatten_3"),
        helper.make_node("Gemm", ["f", "fc_w", "fc_b"], ["fc1"], name="Gemm_4"),
    ]
    graph = helper.make_graph(
        nodes, "arcface", [helper.make_tensor_value_info("data", TensorProto.FLOAT, ["None", 3, 112, 112])],
        [helper.make_tensor_value_info("fc1", TensorProto.FLOAT, ["None", 512])], inits,
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def _reference(path: Path, rgb: np.ndarray) -> np.ndarray:
    """Align (least-squares similarity, skimage) and normalise ((x - 127.5) / 127.5, RGB) by hand."""
    import cv2
    from skimage.transform import SimilarityTransform

    scale = rgb.shape[1] / 512
    tform = SimilarityTransform.from_estimate(FFHQ_512 * scale, ARCFACE_DST)
    crop = cv2.warpAffine(rgb, tform.params[:2], (112, 112), borderValue=0.0)
    x = ((crop.astype(np.float32) - 127.5) / 127.5).transpose(2, 0, 1)[None]
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"data": x})[0][0]


def test_embedding_is_the_packages_arcface_inference(tmp_path: Path, rng: np.random.Generator) -> None:
    path = random_arcface_onnx(tmp_path / "w600k_r50.onnx")
    metric = create_metric("ids_insightface", weights_path=str(path))
    images = rng.integers(0, 256, (2, 256, 256, 3), dtype=np.uint8)
    got = metric.embed(images)
    expected = np.stack([_reference(path, img) for img in images])
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-4, atol=1e-4)
    same = metric.similarity(got, got)
    torch.testing.assert_close(same, torch.ones(2, dtype=torch.float64))
    assert len(metric.definition()["weights_sha256"]) == 64


def test_missing_weights_name_the_file_and_where_it_is_published(tmp_path: Path) -> None:
    with pytest.raises(
        BenchError, match=r"w600k_r50\.onnx.*insightface.*face_metrics\.insightface_arcface_path"
    ):
        create_metric("ids_insightface")
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not onnx")
    with pytest.raises(BenchError, match="cannot load as an ONNX model"):
        create_metric("ids_insightface", weights_path=str(bad))
