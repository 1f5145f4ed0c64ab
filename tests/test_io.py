from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from flipnet_bench.errors import BenchError
from flipnet_bench.io import (
    ImageModeWarning,
    ImageReadError,
    Skipped,
    list_images,
    pair_by_stem,
    read_image,
    to_tensor,
    to_uint8,
    write_image,
)


def _img(rng: np.random.Generator, h: int = 16, w: int = 12) -> np.ndarray:
    return rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)


@pytest.mark.parametrize("suffix", [".png", ".bmp", ".webp"])
def test_lossless_roundtrip(tmp_path: Path, rng: np.random.Generator, suffix: str) -> None:
    img = _img(rng)
    write_image(tmp_path / f"a{suffix}", img)
    assert np.array_equal(read_image(tmp_path / f"a{suffix}"), img)


def test_png_bytes_are_deterministic(tmp_path: Path, rng: np.random.Generator) -> None:
    img = _img(rng)
    write_image(tmp_path / "a.png", img)
    write_image(tmp_path / "b.png", img)
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()


def test_modes_are_converted_with_warning(tmp_path: Path, rng: np.random.Generator) -> None:
    gray = rng.integers(0, 256, size=(8, 8), dtype=np.uint8)
    Image.fromarray(gray).save(tmp_path / "g.png")
    with pytest.warns(ImageModeWarning):
        out = read_image(tmp_path / "g.png")
    assert out.shape == (8, 8, 3) and np.array_equal(out[:, :, 1], gray)
    gray16 = gray.astype(np.uint16) * 257
    Image.fromarray(gray16).save(tmp_path / "g16.png")
    with pytest.warns(ImageModeWarning):
        assert np.array_equal(read_image(tmp_path / "g16.png")[:, :, 0], gray)
    rgba = np.dstack([_img(rng, 8, 8), np.full((8, 8), 255, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    with pytest.warns(ImageModeWarning):
        assert np.array_equal(read_image(tmp_path / "a.png"), rgba[:, :, :3])
    Image.fromarray(_img(rng, 8, 8)).convert("P").save(tmp_path / "p.png")
    with pytest.warns(ImageModeWarning):
        assert read_image(tmp_path / "p.png").shape == (8, 8, 3)


def test_16bit_rgb_png(tmp_path: Path, rng: np.random.Generator) -> None:
    import cv2

    img = _img(rng)
    cv2.imwrite(str(tmp_path / "c16.png"), (img[:, :, ::-1].astype(np.uint16) * 257))
    with pytest.warns(ImageModeWarning):
        assert np.array_equal(read_image(tmp_path / "c16.png"), img)


def test_exif_orientation_applied(tmp_path: Path, rng: np.random.Generator) -> None:
    img = _img(rng, 10, 20)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise on display
    Image.fromarray(img).save(tmp_path / "r.jpg", exif=exif, quality=100)
    assert read_image(tmp_path / "r.jpg").shape == (20, 10, 3)


def test_bad_files_name_the_file(tmp_path: Path, rng: np.random.Generator) -> None:
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "text.png").write_text("hello")
    write_image(tmp_path / "full.jpg", _img(rng, 64, 64))
    (tmp_path / "trunc.jpg").write_bytes((tmp_path / "full.jpg").read_bytes()[:200])
    for name in ("empty.png", "text.png", "trunc.jpg", "missing.png"):
        with pytest.raises(ImageReadError, match=name):
            read_image(tmp_path / name)


def test_list_images_errors_and_lenient(tmp_path: Path, rng: np.random.Generator) -> None:
    with pytest.raises(BenchError, match="no images"):
        list_images(tmp_path)
    write_image(tmp_path / "a.png", _img(rng))
    write_image(tmp_path / "a.jpg", _img(rng))
    (tmp_path / "notes.bin").write_bytes(b"x")
    with pytest.raises(BenchError, match="notes.bin"):
        list_images(tmp_path)
    skipped = Skipped()
    files = list_images(tmp_path, lenient=True, skipped=skipped)
    assert [f.name for f in files] == ["a.jpg"]
    assert len(skipped) == 2 and "same stem" in skipped.report()


def test_pair_by_stem_missing_partner(tmp_path: Path, rng: np.random.Generator) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "g").mkdir()
    for name in ("x", "y"):
        write_image(tmp_path / "p" / f"{name}.png", _img(rng))
    write_image(tmp_path / "g" / "x.jpg", _img(rng))
    with pytest.raises(BenchError, match="y.png"):
        pair_by_stem(tmp_path / "p", tmp_path / "g")
    skipped = Skipped()
    pairs = pair_by_stem(tmp_path / "p", tmp_path / "g", lenient=True, skipped=skipped)
    assert [(a.stem, b.stem) for a, b in pairs] == [("x", "x")] and len(skipped) == 1


def test_tensor_roundtrip(rng: np.random.Generator) -> None:
    img = _img(rng)
    t = to_tensor(img)
    assert t.shape == (1, 3, 16, 12) and t.dtype.is_floating_point
    assert np.array_equal(to_uint8(t)[0], img)
    with pytest.raises(BenchError, match="NaN"):
        to_uint8(t * float("nan"))


def test_input_folder_not_modified(tmp_path: Path, rng: np.random.Generator) -> None:
    write_image(tmp_path / "a.png", _img(rng))
    with warnings.catch_warnings():
        before = sorted((p.name, p.stat().st_mtime_ns) for p in tmp_path.iterdir())
        list_images(tmp_path)
        read_image(tmp_path / "a.png")
    assert sorted((p.name, p.stat().st_mtime_ns) for p in tmp_path.iterdir()) == before
