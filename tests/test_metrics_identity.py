"""Identity metrics: dlib embeddings vs direct dlib calls; ArcFace ResNet-18 with a stand-in network."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from flipnet_bench.errors import BenchError
from flipnet_bench.io import list_images, read_image, to_tensor, write_image
from flipnet_bench.metrics import Batch, create_metric
from flipnet_bench.metrics.arcface_resnet import ArcFaceResNet18
from flipnet_bench.metrics.face_crop import ALIGNED_FACE_BOX, find_face
from flipnet_bench.metrics.identity import ArcFaceIdentity, DlibIdentity
from tests._strict import fetch_weights


@pytest.fixture(scope="module")
def dlib_weights() -> dict[str, Path]:
    return fetch_weights(["dlib_face_recognition_v1", "dlib_shape_predictor_5"])


@pytest.fixture(scope="module")
def faces(shared_data: Path) -> list[np.ndarray]:
    return [read_image(p)[::2, ::2] for p in list_images(shared_data / "real-lq-dev" / "CelebA")[:3]]  # 256²


def test_dlib_matches_direct_dlib_pipeline(dlib_weights: dict[str, Path], faces: list[np.ndarray]) -> None:
    import dlib

    detector = dlib.get_frontal_face_detector()
    sp = dlib.shape_predictor(str(dlib_weights["dlib_shape_predictor_5"]))
    rec = dlib.face_recognition_model_v1(str(dlib_weights["dlib_face_recognition_v1"]))

    def embed(img: np.ndarray) -> np.ndarray:
        img = np.ascontiguousarray(img)
        dets = detector(img, 0)
        h, w = img.shape[:2]
        x0, y0, x1, y1 = ALIGNED_FACE_BOX
        box = (
            max(dets, key=lambda d: d.area())
            if dets
            else dlib.rectangle(*[round(v) for v in (x0 * w, y0 * h, x1 * w, y1 * h)])
        )
        return np.array(rec.compute_face_descriptor(img, sp(img, box)))

    rng = np.random.default_rng(0)
    noisy = [np.clip(f + rng.normal(0, 12, f.shape), 0, 255).astype(np.uint8) for f in faces]
    metric = DlibIdentity()
    metric.update(Batch(["a", "b", "c"], to_tensor(noisy), gt=to_tensor(faces)))
    res = metric.compute()
    for key, pred, gt in zip("abc", noisy, faces):
        e1, e2 = embed(pred), embed(gt)
        expected = e1 @ e2 / (np.linalg.norm(e1) * np.linalg.norm(e2))
        assert res.per_image[key] == pytest.approx(expected, rel=1e-6)
    assert "compared with gt" in res.notes[0] and "NOT ArcFace" in metric.definition()["network"]


def test_dlib_identity_behaviour(dlib_weights: dict[str, Path], faces: list[np.ndarray]) -> None:
    x = to_tensor(faces)
    metric = create_metric("ids_dlib")
    metric.update(Batch(["a", "b", "c"], x, lq=x.roll(1, 0)))  # no GT: compare with LQ (other people)
    other = metric.compute()
    metric.reset()
    metric.update(Batch(["a", "b", "c"], x, lq=x))
    same = metric.compute()
    assert same.value == pytest.approx(1.0, abs=1e-9) and other.value < 0.95
    assert "compared with lq" in same.notes[0]
    # a blank image has no face: "detect" gives no value (counted), the default falls back to the aligned box
    blank = torch.full((1, 3, 256, 256), 0.5)
    strict = DlibIdentity(face_box="detect")
    both = torch.cat([blank, x[:1]])
    strict.update(Batch(["blank", "face"], both, gt=both))
    res = strict.compute()
    assert math.isnan(res.per_image["blank"]) and res.extra["counts"]["faces not detected (no value)"] == 2
    assert find_face(np.full((128, 128, 3), 127, np.uint8), "detect_or_aligned").detected is False
    with pytest.raises(BenchError, match="--gt or --lq"):
        DlibIdentity().update(Batch(["a"], x[:1]))


@pytest.fixture
def standin_arcface(tmp_path: Path) -> Path:
    torch.manual_seed(0)
    net = ArcFaceResNet18()
    for m in net.modules():  # non-trivial BN statistics so eval-mode BN is exercised
        if isinstance(m, torch.nn.BatchNorm2d | torch.nn.BatchNorm1d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 2.0)
    path = tmp_path / "resnet18_110.pth"
    torch.save({f"module.{k}": v for k, v in net.state_dict().items()}, path)  # DataParallel-style keys
    return path


def test_arcface_degrees_follow_vqfr_pipeline(standin_arcface: Path, faces: list[np.ndarray], tmp_path: Path):
    net = ArcFaceResNet18()
    state = torch.load(standin_arcface, weights_only=True)
    net.load_state_dict({k.removeprefix("module."): v for k, v in state.items()})
    net.eval()

    def vqfr_feature(path: Path) -> np.ndarray:  # VQFR's script: imread gray, resize 128, stack with mirror
        img = cv2.resize(cv2.imread(str(path), 0), (128, 128), interpolation=cv2.INTER_LINEAR)
        pair = np.stack([img, np.fliplr(img)])[:, None].astype(np.float32)
        with torch.no_grad():
            out = net(torch.from_numpy((pair - 127.5) / 127.5)).numpy()
        return np.hstack([out[0], out[1]]).astype(np.float64)

    pred = [np.clip(f.astype(int) + 25, 0, 255).astype(np.uint8) for f in faces]
    deg = ArcFaceIdentity(output="degrees", weights_path=standin_arcface)
    ids = create_metric("ids_arcface", weights_path=standin_arcface)
    batch = Batch(["a", "b", "c"], to_tensor(pred), gt=to_tensor(faces))
    deg.update(batch)
    ids.update(batch)
    r_deg, r_ids = deg.compute(), ids.compute()
    for key, p, g in zip("abc", pred, faces):
        write_image(tmp_path / "p.png", p)
        write_image(tmp_path / "g.png", g)
        f1, f2 = vqfr_feature(tmp_path / "p.png"), vqfr_feature(tmp_path / "g.png")
        cos = float(f1 @ f2 / (np.linalg.norm(f1) * np.linalg.norm(f2)))
        assert r_ids.per_image[key] == pytest.approx(cos, rel=1e-5)
        # arccos is ill-conditioned near 0°: float32 network noise (~1e-7 in cos) moves a 2° angle by ~1e-3°
        assert r_deg.per_image[key] == pytest.approx(math.degrees(math.acos(cos)), abs=3e-3)
        assert r_deg.per_image[key] == pytest.approx(math.degrees(math.acos(r_ids.per_image[key])), rel=1e-9)
    assert deg.name == "deg_arcface" and deg.higher_is_better is False and ids.higher_is_better is True


def test_arcface_min_degrees_and_errors(
    standin_arcface: Path, faces: list[np.ndarray], tmp_path: Path
) -> None:
    x = to_tensor(faces)
    metric = ArcFaceIdentity(output="degrees", weights_path=standin_arcface, min_degrees=1.0)
    metric.update(Batch(["same", "b", "c"], x, gt=torch.cat([x[:1], x[1:].roll(1, 0)])))
    res = metric.compute()
    assert math.isnan(res.per_image["same"]) and res.n == 2
    assert any("under 1 degrees dropped" in n for n in res.notes)
    with pytest.raises(BenchError, match="face_metrics.arcface_resnet18_path"):
        ArcFaceIdentity(weights_path=None)
    with pytest.raises(BenchError, match="does not exist"):
        ArcFaceIdentity(weights_path=tmp_path / "missing.pth")
    bad = tmp_path / "bad.pth"
    torch.save({"fc.weight": torch.zeros(2, 2)}, bad)
    with pytest.raises(BenchError, match="not an ArcFace ResNet-18"):
        ArcFaceIdentity(weights_path=bad)
