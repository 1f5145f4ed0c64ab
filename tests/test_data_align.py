from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from flipnet_bench.cli import main
from flipnet_bench.data import landmarks as lm
from flipnet_bench.data.align import (
    TEMPLATE_512,
    align_folder,
    alignment_matrix,
    apply_affine,
    estimate_similarity,
    template,
    warp_face,
)
from flipnet_bench.errors import BenchError
from flipnet_bench.io import read_image, write_image


def test_similarity_recovers_known_transform(rng: np.random.Generator) -> None:
    src = rng.uniform(0, 500, size=(5, 2))
    angle, scale, shift = 0.3, 0.42, np.array([17.0, -5.0])
    rot = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    dst = src @ rot.T + shift
    matrix = estimate_similarity(src, dst, np.array([1, 2, 3, 4, 5.0]))
    np.testing.assert_allclose(matrix[:, :2], rot, atol=1e-9)
    np.testing.assert_allclose(apply_affine(matrix, src), dst, atol=1e-8)


def test_template_scales_with_size() -> None:
    np.testing.assert_allclose(template(128), TEMPLATE_512 / 4)
    # FFHQ rule: eyes N/4 apart, centred horizontally.
    assert TEMPLATE_512[1, 0] - TEMPLATE_512[0, 0] == 128
    assert (TEMPLATE_512[0, 0] + TEMPLATE_512[1, 0]) / 2 == 256


def _dot_image(points: np.ndarray, shape: tuple[int, int], radius: float) -> np.ndarray:
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    img = np.zeros(shape, np.float64)
    for x, y in points[:2]:
        img += np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * radius**2))
    return np.repeat((np.clip(img, 0, 1) * 255).round().astype(np.uint8)[:, :, None], 3, axis=2)


@pytest.mark.parametrize(("face_scale", "size"), [(3.0, 128), (0.5, 256), (1.0, 64)])
def test_warp_puts_eye_pixels_on_template(face_scale: float, size: int) -> None:
    """The pixel content (not only the maths) lands on the template, also with supersampled downscaling."""
    pts = TEMPLATE_512 * face_scale * size / 512 + np.array([40.0, 30.0])
    side = int(size * face_scale) + 80  # the whole crop lies inside the image (no mirrored dots)
    image = _dot_image(pts, (side, side), radius=2.0 * face_scale)
    out = warp_face(image, pts, size)[:, :, 0].astype(np.float64)
    for x_t, y_t in template(size)[:2]:
        half = slice(0, size // 2) if x_t < size / 2 else slice(size // 2, size)
        patch = out[:, half]
        yy, xx = np.mgrid[: patch.shape[0], : patch.shape[1]]
        cx = (patch * xx).sum() / patch.sum() + half.start
        cy = (patch * yy).sum() / patch.sum()
        assert abs(cx - x_t) < 0.5 and abs(cy - y_t) < 0.5


def test_to_five_layouts(rng: np.random.Generator) -> None:
    five = rng.uniform(size=(5, 2))
    np.testing.assert_array_equal(lm.to_five(five), five)
    p68 = rng.uniform(size=(68, 2))
    np.testing.assert_allclose(lm.to_five(p68)[0], p68[36:42].mean(0))
    np.testing.assert_allclose(lm.to_five(p68)[4], p68[54])
    p189 = rng.uniform(size=(189, 2))
    got = lm.to_five(p189)
    np.testing.assert_allclose(got[[0, 1, 3, 4]], p189[[0, 1, 87, 93]])
    np.testing.assert_allclose(got[2], (p189[54] + p189[60]) / 2)
    with pytest.raises(BenchError, match="7 points"):
        lm.to_five(rng.uniform(size=(7, 2)))


def test_eyes_within_2px_of_template_for_landmarked_faces(shared_data: Path) -> None:
    marks = lm.load_landmarks_file(shared_data / "hq-webmorph" / "landmarks.json")
    assert len(marks) == 242
    errors = []
    for pts in marks.values():
        mapped = apply_affine(alignment_matrix(pts, 512), pts)
        errors.append(np.linalg.norm(mapped[:2] - TEMPLATE_512[:2], axis=1).max())
    assert max(errors) < 2.0, f"worst eye offset {max(errors):.2f} px"


class FakeDetector:
    """Finds a "face" only in images whose top-left pixel is bright (no weights needed)."""

    def __init__(self, pick: str = "largest") -> None:
        self.calls = 0

    def detect(self, image: np.ndarray) -> np.ndarray | None:
        self.calls += 1
        return TEMPLATE_512 * image.shape[0] / 512 if image[0, 0, 0] > 128 else None


def test_align_folder_reports_no_face_and_resumes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(lm.DETECTORS, "fake", FakeDetector)
    src = tmp_path / "src"
    face = np.full((96, 96, 3), 200, np.uint8)
    write_image(src / "a" / "face.png", face)
    write_image(src / "blank.png", np.zeros((96, 96, 3), np.uint8))
    write_image(src / "b" / "marked.png", np.zeros((80, 80, 3), np.uint8))
    marks = tmp_path / "marks.json"
    marks.write_text(json.dumps({"b/marked.png": (TEMPLATE_512 * 80 / 512).tolist()}))
    out = tmp_path / "out"
    report = align_folder(src, out, marks, size=32, detector="fake")
    assert sorted(report.written) == ["a__face.png", "b__marked.png"]
    assert report.no_face == ["blank.png"]
    assert (out / "no_face.txt").read_text() == "blank.png\n"
    used = json.loads((out / "landmarks_used.json").read_text())
    assert used["b__marked.png"]["from"] == "file" and used["a__face.png"]["from"] == "fake"
    assert read_image(out / "a__face.png").shape == (32, 32, 3)
    again = align_folder(src, out, marks, size=32, detector="fake")
    assert again.written == [] and sorted(again.resumed) == ["a__face.png", "b__marked.png"]
    assert again.no_face == ["blank.png"]


def test_align_cli_prints_no_face(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    monkeypatch.setitem(lm.DETECTORS, "mtcnn", FakeDetector)
    write_image(tmp_path / "src" / "blank.png", np.zeros((40, 40, 3), np.uint8))
    assert main(["data", "align", str(tmp_path / "src"), str(tmp_path / "out"), "--size", "32"]) == 0
    err = capsys.readouterr().err
    assert "no face found: blank.png" in err


def test_mtcnn_finds_lfw_face_and_not_blank(shared_data: Path) -> None:
    detector = lm.MtcnnDetector(pick="center")
    face = read_image(sorted((shared_data / "lfw-train").glob("*.jpg"))[0])
    pts = detector.detect(face)
    assert pts is not None and pts.shape == (5, 2)
    assert pts[0, 0] < pts[1, 0] and pts[:2, 1].mean() < pts[3:, 1].mean()  # eyes left→right, above the mouth
    assert detector.detect(np.full((160, 160, 3), 128, np.uint8)) is None


@pytest.mark.slow  # loads dlib's 99 MB 68-point model (~15-30 s on 2 shared cores)
def test_dlib_and_mtcnn_agree_on_an_lfw_face(shared_data: Path) -> None:
    """Two independent offline detectors: eyes within 3 px, mouth corners within 4 px (250² image)."""
    face = read_image(sorted((shared_data / "lfw-train").glob("*.jpg"))[0])
    a = lm.MtcnnDetector(pick="center").detect(face)
    b = lm.DlibDetector(pick="center").detect(face)
    assert a is not None and b is not None
    dist = np.linalg.norm(a - b, axis=1)
    assert dist[:2].max() < 3 and dist[3:].max() < 4, dist


def test_align_lenient_lists_unreadable_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(lm.DETECTORS, "fake", FakeDetector)
    src = tmp_path / "src"
    write_image(src / "ok.png", np.full((64, 64, 3), 200, np.uint8))
    (src / "broken.jpg").write_bytes(b"\xff\xd8 not a jpeg")
    with pytest.raises(BenchError, match="broken.jpg"):
        align_folder(src, tmp_path / "strict", size=32, detector="fake")
    report = align_folder(src, tmp_path / "out", size=32, detector="fake", lenient=True)
    assert report.written == ["ok.png"] and [p for p, _ in report.skipped.items] == [str(src / "broken.jpg")]
    with pytest.raises(BenchError, match="must differ"):
        align_folder(src, src, size=32, detector="fake")
