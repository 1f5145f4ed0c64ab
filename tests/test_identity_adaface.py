"""AdaFace IR-50 (``ids_adaface``, NTIRE's ID_Sim): the official key list, the official checkpoint format,
the MTCNN-code alignment and AdaFace's BGR input, and the error without the weights."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from flipnet_bench.errors import BenchError
from flipnet_bench.metrics import create_metric
from flipnet_bench.models.identity.adaface_ir import AdaFaceIR50
from flipnet_bench.models.identity.align5 import REFERENCE_112, cp2tform_similarity, ffhq_points, warp_5pt
from tests._strict import require

KEYS = Path(__file__).with_name("data") / "adaface_ir50_keys.json"


def random_adaface_checkpoint(path: Path, seed: int = 0) -> Path:
    """Random IR-50 weights in the released format: a Lightning checkpoint, ``model.`` + ``head.`` entries."""
    torch.manual_seed(seed)
    model = AdaFaceIR50()  # PyTorch's default initialisation of convolutions and the linear layer
    prelu = {f"{name}.weight" for name, m in model.named_modules() if isinstance(m, torch.nn.PReLU)}
    state = {}
    for key, value in model.state_dict().items():
        if key in prelu:
            value = torch.full_like(value, 0.25) + torch.randn_like(value) * 0.05
        elif key.endswith("running_var"):
            value = torch.rand_like(value) + 0.5
        elif key.endswith(("running_mean", ".bias")):
            value = torch.randn_like(value) * 0.1
        elif value.dim() == 1 and value.is_floating_point():  # BN scales
            value = 1.0 + torch.randn_like(value) * 0.1
        state["model." + key] = value
    state["head.kernel"] = torch.randn(512, 16)
    hyper = argparse.Namespace(arch="ir_50", head="adaface")
    torch.save({"epoch": 1, "state_dict": state, "hyper_parameters": hyper}, path)
    return path


def test_the_key_and_shape_list_is_the_official_definitions() -> None:
    """Generated from mk-minchul/AdaFace net.py ``build_model('ir_50').state_dict()`` (source in the file)."""
    official = json.loads(KEYS.read_text())
    assert "build_model('ir_50')" in official["source"]
    ours = sorted([k, list(v.shape)] for k, v in AdaFaceIR50().state_dict().items())
    assert ours == sorted(official["keys"]) and len(ours) == 467


def test_alignment_equals_the_mtcnn_reference_code(rng: np.random.Generator) -> None:
    """facexlib ships the same MTCNN ``align_trans`` / ``matlab_cp2tform`` as AdaFace's face_alignment."""
    align_trans = require("facexlib.detection.align_trans")
    cp2tform = require("facexlib.detection.matlab_cp2tform")
    img = rng.integers(0, 256, (512, 512, 3), dtype=np.uint8)
    for k in range(6):
        pts = ffhq_points(512, 512) + rng.normal(0, 10, (5, 2))
        if k % 2:
            pts[:, 0] = 512 - pts[:, 0]  # mirrored faces exercise the reflective branch
        ref = cp2tform.get_similarity_transform_for_cv2(
            pts.astype(np.float32), REFERENCE_112.astype(np.float32)
        )
        np.testing.assert_allclose(cp2tform_similarity(pts, REFERENCE_112), ref, atol=1e-5)
        expected = align_trans.warp_and_crop_face(img, pts, REFERENCE_112.copy(), crop_size=(112, 112))
        np.testing.assert_array_equal(warp_5pt(img, pts, REFERENCE_112, 112), expected)


def test_embedding_follows_adafaces_inference(tmp_path: Path, rng: np.random.Generator) -> None:
    """The metric's embedding is IR-50 on AdaFace's ``to_input`` of the warped face (BGR, (x/255-.5)/.5)."""
    ckpt = random_adaface_checkpoint(tmp_path / "adaface_ir50_ms1mv2.ckpt")
    metric = create_metric("ids_adaface", weights_path=str(ckpt))
    images = rng.integers(0, 256, (2, 256, 256, 3), dtype=np.uint8)
    model = AdaFaceIR50()
    state = torch.load(ckpt, weights_only=False)["state_dict"]
    model.load_state_dict({k[6:]: v for k, v in state.items() if k.startswith("model.")})
    model.eval()
    expected = []
    for img in images:
        aligned = warp_5pt(img, ffhq_points(256, 256), REFERENCE_112, 112)
        bgr = ((aligned[:, :, ::-1] / 255.0) - 0.5) / 0.5  # AdaFace inference.py to_input
        x = torch.tensor(bgr.transpose(2, 0, 1)).unsqueeze(0).float()
        with torch.no_grad():
            expected.append(model(x)[0][0])
    got = metric.embed(images)
    torch.testing.assert_close(got.float(), torch.stack(expected), atol=1e-5, rtol=0)
    assert metric.definition()["weights_sha256"] and "BGR" in metric.definition()["input"]
    swapped = metric.embed(images[:, :, :, ::-1].copy()).float()  # colour order matters to this network
    assert not torch.allclose(swapped, got.float(), atol=1e-3)


def test_missing_and_wrong_weight_files_name_the_file_and_where_it_is_published(tmp_path: Path) -> None:
    with pytest.raises(
        BenchError, match=r"adaface_ir50_ms1mv2\.ckpt.*mk-minchul/AdaFace.*face_metrics\.adaface"
    ):
        create_metric("ids_adaface")
    with pytest.raises(BenchError, match="does not exist"):
        create_metric("ids_adaface", weights_path=str(tmp_path / "nope.ckpt"))
    bad = tmp_path / "bad.ckpt"
    torch.save({"state_dict": {"model.x": torch.zeros(1)}}, bad)
    with pytest.raises(BenchError, match="not an AdaFace IR-50 checkpoint"):
        create_metric("ids_adaface", weights_path=str(bad))


def test_landmarks_from_an_ntire_2026_style_csv(tmp_path: Path, rng: np.random.Generator) -> None:
    """Per-image points from the challenge's landmark file warp the output and its reference alike."""
    from flipnet_bench.metrics.base import Batch

    ckpt = random_adaface_checkpoint(tmp_path / "adaface_ir50_ms1mv2.ckpt")
    points = {"a": ffhq_points(256, 256) + 6.0, "b": ffhq_points(256, 256) - 4.0}
    names = [f"{p}_{c}" for p in ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right") for c in "xy"]
    lines = ["filename,dataset,x1,y1,x2,y2," + ",".join(names)]
    lines += [f"{k},CelebA,0,0,1,1," + ",".join(f"{v:.5f}" for v in pts.ravel()) for k, pts in points.items()]
    table = tmp_path / "test_2026_face.csv"
    table.write_text("\n".join(lines) + "\n")
    metric = create_metric("ids_adaface", weights_path=str(ckpt), landmarks_csv=str(table), compare_with="lq")
    images = rng.integers(0, 256, (2, 256, 256, 3), dtype=np.uint8)
    pred = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255
    lq = pred.flip(-1)
    got = metric.score(Batch(["sub/a.png", "b.png"], pred, None, lq))
    plain = create_metric("ids_adaface", weights_path=str(ckpt))
    for i, key in enumerate("ab"):
        a, b = (
            np.ascontiguousarray((x[i].permute(1, 2, 0) * 255).round().byte().numpy()) for x in (pred, lq)
        )
        warp = [warp_5pt(img, points[key], REFERENCE_112, 112) for img in (a, b)]
        with torch.no_grad():
            ea, eb = (plain._model(plain_input(w))[0][0].double() for w in warp)
        assert float(got[i]) == pytest.approx(float((ea * eb).sum()), abs=1e-5)
    assert "test_2026_face.csv" in metric.definition()["alignment"]
    with pytest.raises(BenchError, match=r"no landmarks for \['c'\]"):
        metric.score(Batch(["c.png"], pred[:1], None, lq[:1]))


def plain_input(aligned: np.ndarray) -> torch.Tensor:
    """AdaFace inference.py ``to_input`` of an aligned RGB crop."""
    bgr = ((aligned[:, :, ::-1] / 255.0) - 0.5) / 0.5
    return torch.tensor(bgr.transpose(2, 0, 1).copy()).unsqueeze(0).float()
