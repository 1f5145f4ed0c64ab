"""Hostile image files for tests/test_hostile_inputs.py: seeds made from real faces, seeded mutants of them,
and file-system traps (links, folders named like images, names that are not valid UTF-8).

Every mutant is a (label, file name, payload) triple; a payload is either bytes or one of the ``TRAPS``.
"""

from __future__ import annotations

import functools
import io
import os
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
FACES = REPO / "data" / "default" / "hq" / "test"
SIZE = 40  # small seeds: the mutants are about the decoder, not the pixels
TRAPS = ("symlink_loop", "dangling_link", "folder_named_png")
NON_UTF8 = os.fsdecode(b"face-\xff\xfe")  # a name the file system allows and UTF-8 cannot decode


def _encode(image: Image.Image, fmt: str, **kwargs: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def face(index: int = 0) -> Image.Image:
    """A real face of the bundled default data, shrunk to ``SIZE``²."""
    path = sorted(FACES.glob("*.png"))[index]
    with Image.open(path) as img:
        return img.convert("RGB").resize((SIZE, SIZE), Image.BICUBIC)


@functools.cache
def seeds() -> dict[str, tuple[str, bytes]]:
    """Label → (suffix, bytes): real faces in every container and pixel layout the reader accepts."""
    rgb = face(0)
    arr16 = (np.asarray(rgb, np.uint16) * 257)[:, :, ::-1]
    gray16 = (np.asarray(rgb.convert("L"), np.uint16) * 257).astype(">u2")
    ok16, png16 = cv2.imencode(".png", np.ascontiguousarray(arr16))
    assert ok16
    return {
        "png": (".png", _encode(rgb, "PNG")),
        "png_palette": (".png", _encode(rgb.convert("P", palette=Image.ADAPTIVE), "PNG")),
        "png_gray": (".png", _encode(rgb.convert("L"), "PNG")),
        "png_rgba": (".png", _encode(rgb.convert("RGBA"), "PNG")),
        "png_rgb16": (".png", png16.tobytes()),
        "png_gray16": (".png", _encode(Image.frombytes("I;16B", rgb.size, gray16.tobytes()), "PNG")),
        "png_other_face": (".png", _encode(face(1), "PNG")),
        "jpeg": (".jpg", _encode(rgb, "JPEG", quality=90)),
        "jpeg_progressive": (".jpg", _encode(face(1), "JPEG", quality=80, progressive=True)),
        "jpeg_cmyk": (".jpg", _encode(rgb.convert("CMYK"), "JPEG", quality=90)),
        "webp_lossy": (".webp", _encode(rgb, "WEBP", quality=80)),
        "webp_lossless": (".webp", _encode(face(1), "WEBP", lossless=True)),
        "bmp": (".bmp", _encode(rgb, "BMP")),
    }


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.cache
def huge_png(width: int, height: int, full: bool) -> bytes:
    """A PNG declaring ``width``×``height``: only the header (``full=False``), or every row of zeros
    compressed (``full=True``: a genuinely valid image, ~300 KB on disk for 10000², 300 MB decoded)."""
    header = _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    packer = zlib.compressobj(9)
    rows = height if full else 1
    body = b"".join(packer.compress(bytes(1 + 3 * width)) for _ in range(rows)) + packer.flush()
    return b"\x89PNG\r\n\x1a\n" + header + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")


def _set_png_size(data: bytes, width: int, height: int) -> bytes:
    """Rewrite IHDR's size and fix its CRC, so only the declared size is hostile."""
    if data[12:16] != b"IHDR":
        return data
    ihdr = struct.pack(">II", width, height) + data[24:29]
    return data[:16] + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr)) + data[33:]


def _set_jpeg_size(data: bytes, width: int, height: int) -> bytes:
    """Rewrite the first SOF marker's size."""
    for marker in (b"\xff\xc0", b"\xff\xc2"):
        at = data.find(marker)
        if at > 0:
            return data[: at + 5] + struct.pack(">HH", height, width) + data[at + 9 :]
    return data


def _mutate(rng: np.random.Generator, data: bytes, suffix: str) -> tuple[str, bytes]:
    """One random mutation of ``data``: (kind, bytes)."""
    kind = str(rng.choice(["truncate", "bitflip", "header_bytes", "declared_size", "splice", "zero"], p=[
        0.25, 0.3, 0.2, 0.15, 0.07, 0.03]))  # fmt: skip
    buf = bytearray(data)
    if kind == "truncate":
        return kind, bytes(buf[: int(rng.integers(0, len(buf)))])
    if kind == "bitflip":
        for pos in rng.integers(0, len(buf), size=int(rng.integers(1, 9))):
            buf[pos] ^= 1 << int(rng.integers(0, 8))
        return kind, bytes(buf)
    if kind == "header_bytes":
        for pos in rng.integers(0, min(64, len(buf)), size=int(rng.integers(1, 4))):
            buf[pos] = int(rng.integers(0, 256))
        return kind, bytes(buf)
    if kind == "declared_size":
        width, height = (int(v) for v in rng.choice([0, 1, 39, 41, 9000, 65535, 2**31 - 1, 2**32 - 1], 2))
        if suffix == ".png":
            return kind, _set_png_size(data, width, height)
        return kind, _set_jpeg_size(data, min(width, 65535), min(height, 65535))
    if kind == "splice":
        cut = int(rng.integers(1, len(buf)))
        return kind, bytes(buf[:cut] + buf[cut:][::-1])
    return kind, b""


def special_cases() -> Iterator[tuple[str, str, bytes | str]]:
    """The hand-picked hostile inputs every run includes."""
    base = seeds()
    png, jpeg = base["png"][1], base["jpeg"][1]
    yield "huge_header_20000", "huge.png", huge_png(20000, 20000, full=False)
    yield "huge_valid_10000", "huge.png", huge_png(10000, 10000, full=True)
    yield "zero_bytes", "empty.png", b""
    yield "jpeg_named_png", "jpeg.png", jpeg
    yield "text_named_png", "text.png", b"this is not an image\n"
    yield "truncated_png", "cut.png", png[: len(png) // 2]
    yield "non_utf8_name", f"{NON_UTF8}.png", png
    yield "non_utf8_name_corrupt", f"{NON_UTF8}.png", png[:40]
    for trap in TRAPS:
        yield trap, f"{trap}.png", trap


def mutants(count: int, seed: int = 0) -> Iterator[tuple[str, str, bytes | str]]:
    """``count`` seeded mutants of the seeds: (label, file name, bytes)."""
    rng = np.random.default_rng(seed)
    base = seeds()
    labels = sorted(base)
    for index in range(count):
        label = labels[index % len(labels)]
        suffix, data = base[label]
        kind, payload = _mutate(rng, data, suffix)
        name = f"m{index}{suffix}" if rng.random() > 0.05 else f"m{index}-{NON_UTF8}{suffix}"
        yield f"{label}/{kind}", name, payload


def place(folder: Path, name: str, payload: bytes | str) -> Path:
    """Put a mutant into ``folder`` as ``name`` (bytes written, or the named trap made)."""
    path = folder / name
    if payload == "symlink_loop":
        os.symlink(path.name, path)  # a link to itself
    elif payload == "dangling_link":
        os.symlink(folder / "does-not-exist.png", path)
    elif payload == "folder_named_png":
        path.mkdir()
    else:
        assert isinstance(payload, bytes)
        path.write_bytes(payload)
    return path
