"""The one image reader/writer used everywhere.

Convention at every boundary: ``uint8`` RGB arrays ``H×W×3`` on disk-facing code, and float32 RGB NCHW
tensors in [0, 1] inside models and metrics (``to_tensor`` / ``to_uint8``). Other modes are converted with a
warning; anything unreadable raises :class:`ImageReadError` naming the file.
"""

from __future__ import annotations

import io
import math
import os
import struct
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from flipnet_bench.errors import BenchError
from flipnet_bench.io.atomic import atomic_path
from flipnet_bench.io.hints import lenient_hint
from flipnet_bench.io.names import safe_name

if TYPE_CHECKING:  # torch loads inside the two converters: listing and hashing files never need it
    import torch

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
_Z_RLE = 3  # zlib's run-length-only match strategy
# Largest accepted image: 8192² (64 Mpx, ~200 MB as uint8 RGB, ~800 MB as float32) — far above any face
# benchmark size, far below what a hostile header can declare. Checked from the header before decoding.
MAX_PIXELS = 8192 * 8192
# What a decoder may raise on a hostile file (corrupt chunks, bad EXIF, absurd tags): each means "unreadable".
_DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, TypeError, KeyError, IndexError,
                  struct.error, EOFError, ZeroDivisionError, OverflowError)  # fmt: skip
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: The IEND chunk (length 0, type, CRC) that ends every complete PNG.
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_PIL_FORMAT = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".bmp": "BMP", ".webp": "WEBP"}


class ImageReadError(BenchError):
    """A file that should be an image could not be decoded."""


class ImageTooLargeError(ImageReadError):
    """The header declares more pixels than ``MAX_PIXELS``; refused without decoding."""


class ImageModeWarning(UserWarning):
    """An image was converted from a non-RGB mode (gray, RGBA, palette, 16-bit)."""


def _to_rgb8(img: Image.Image, path: Path) -> np.ndarray:
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, dtype=np.float64)
        scale = 65535.0 if (mode != "I" or arr.max() > 255) else 255.0
        arr8 = np.clip(np.round(arr / scale * 255.0), 0, 255).astype(np.uint8)
        warnings.warn(f"{path}: {mode} (16-bit gray) converted to 8-bit RGB", ImageModeWarning, stacklevel=3)
        return np.repeat(arr8[:, :, None], 3, axis=2)
    if mode != "RGB":
        warnings.warn(f"{path}: mode {mode} converted to RGB", ImageModeWarning, stacklevel=3)
        if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in img.info):
            rgba = img.convert("RGBA")
            background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            img = Image.alpha_composite(background, rgba)
        img = img.convert("RGB")
    return np.asarray(img, dtype=np.uint8).copy()


def _read_16bit_png(data: bytes) -> np.ndarray | None:
    """16-bit colour PNGs: PIL silently truncates them to 8 bits, cv2 keeps the full depth."""
    import cv2

    arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if arr is None or arr.dtype != np.uint16 or arr.ndim != 3:
        return None
    arr = arr[:, :, :3][:, :, ::-1].astype(np.float64)
    return np.clip(np.round(arr / 65535.0 * 255.0), 0, 255).astype(np.uint8)


def _decode_plain_png(data: bytes) -> np.ndarray | None:
    """A complete 8-bit RGB PNG with no transparency or EXIF chunk (what this suite and most tools write),
    decoded by libpng through OpenCV: the same samples as Pillow's decoder, 5.1 against 7.1 ms of CPU per
    512² face. ``None`` for every other file, and for any decode failure, so Pillow decodes it and names the
    problem. (A chunk name matched inside compressed data only costs this shortcut.)"""
    if data[:8] != _PNG_SIGNATURE or data[24:26] != b"\x08\x02" or not data.endswith(_PNG_END):
        return None
    if b"tRNS" in data or b"eXIf" in data or b"exif" in data:  # exif: a "Raw profile type exif" text
        return None
    import cv2

    arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if arr is None or arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] != 3:
        return None
    return cv2.cvtColor(arr, cv2.COLOR_BGR2RGB)


def _open_checked(source: str | os.PathLike[str] | io.BytesIO, path: Path) -> Image.Image:
    """Open lazily (header only) and refuse a declared size above ``MAX_PIXELS`` before anything is decoded.

    Pillow's own bomb guard (a warning above ~89 Mpx, an error above twice that) fires inside ``open``; both
    are turned into the same :class:`ImageTooLargeError` so no caller ever sees Pillow's exception or warning.
    """
    try:
        # catch_warnings is process-wide: a racing reader thread can at worst keep this one filter, which
        # only turns the same warning into the same refusal.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(source)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLargeError(f"{safe_name(path)}: {_too_large('declares over 89 Mpx')}") from exc
    width, height = img.size
    if width * height > MAX_PIXELS or width <= 0 or height <= 0:
        img.close()
        raise ImageTooLargeError(f"{safe_name(path)}: {_too_large(f'declares {width}x{height} pixels')}")
    return img


def _too_large(what: str) -> str:
    return (
        f"image too large ({what}; the limit is {MAX_PIXELS:,} pixels, 8192x8192) or a corrupt header; "
        f"refused before decoding: downscale it or remove it{lenient_hint()}"
    )


def _unreadable(path: Path, exc: BaseException) -> ImageReadError:
    return ImageReadError(f"{safe_name(path)}: not a readable image ({exc}); re-export it{lenient_hint()}")


def image_size(path: str | os.PathLike[str]) -> tuple[int, int]:
    """``(width, height)`` from the header only, with ``read_image``'s size limit and errors."""
    path = Path(path)
    try:
        with _open_checked(path, path) as img:
            return int(img.width), int(img.height)
    except ImageReadError:
        raise
    except _DECODE_ERRORS as exc:
        raise _unreadable(path, exc) from exc


def read_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Decode ``path`` into a ``uint8`` RGB ``H×W×3`` array, applying EXIF orientation.

    Raises :class:`ImageReadError` for missing, empty, truncated, corrupt, oversized or non-image files; the
    size comes from the header and is checked before any pixel is decoded.
    """
    path = Path(path)
    shown = safe_name(path)
    if not path.is_file():
        raise ImageReadError(f"{shown}: no such file (or a dangling link or a link loop)")
    data = path.read_bytes()
    if not data:
        raise ImageReadError(f"{shown}: file is empty (0 bytes); re-create or remove it")
    try:
        with _open_checked(io.BytesIO(data), path) as img:
            plain = _decode_plain_png(data)
            if plain is not None:
                return plain
            img.load()  # forces a full decode: truncated files fail here, not later
            if data[:8] == _PNG_SIGNATURE and data[24:25] == b"\x10" and data[25:26] in (b"\x02", b"\x06"):
                arr16 = _read_16bit_png(data)
                if arr16 is not None:
                    warnings.warn(f"{shown}: 16-bit RGB converted to 8-bit", ImageModeWarning, stacklevel=2)
                    return arr16
            oriented = ImageOps.exif_transpose(img)
            return _to_rgb8(oriented, Path(shown))
    except ImageReadError:
        raise
    except _DECODE_ERRORS as exc:
        raise _unreadable(path, exc) from exc


def _encode_png(image: np.ndarray) -> bytes:
    """PNG bytes through libpng (OpenCV): Paeth row filter, zlib level 6 with the run-length strategy.

    No timestamps, so identical pixels give identical bytes. Measured on 512² faces (one thread): 9.9 ms
    and 227 KB per degraded face, against 15.9 ms and the same size with Pillow (its per-row adaptive filter
    choice is the cost) and 8.4 ms but 284 KB with OpenCV's defaults (Sub filter). The GIL is released for
    the whole encode, so I/O threads scale with the cores.
    """
    import cv2

    pixels = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    options = [cv2.IMWRITE_PNG_COMPRESSION, 6, cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE,
               cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_PAETH]  # fmt: skip
    ok, encoded = cv2.imencode(".png", pixels, options)
    if not ok:
        raise BenchError(f"PNG encoding failed for an array of shape {image.shape}")
    return encoded.tobytes()


def write_image(
    path: str | os.PathLike[str], image: np.ndarray, quality: int | None = None, durable: bool = True
) -> None:
    """Atomically write a ``uint8`` RGB (or gray) array; the format follows the suffix (``durable``: see
    :func:`flipnet_bench.io.atomic.atomic_path`).

    PNGs are encoded by :func:`_encode_png` (other channel counts by Pillow); JPEG and WebP by Pillow.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _PIL_FORMAT:
        raise BenchError(f"{path}: unsupported image suffix {suffix!r}; use one of {IMAGE_SUFFIXES}")
    if image.dtype != np.uint8:
        raise BenchError(f"{path}: write_image expects uint8 pixels, got {image.dtype}")
    if _PIL_FORMAT[suffix] == "PNG" and (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)):
        data = _encode_png(image)
        with atomic_path(path, durable) as tmp:
            tmp.write_bytes(data)
        return
    img = Image.fromarray(image)
    kwargs: dict[str, object] = {}
    if _PIL_FORMAT[suffix] == "JPEG":
        kwargs["quality"] = 95 if quality is None else int(quality)
    elif _PIL_FORMAT[suffix] == "PNG":
        kwargs["compress_level"] = 6
        kwargs["compress_type"] = _Z_RLE
    elif _PIL_FORMAT[suffix] == "WEBP":
        kwargs["lossless"] = quality is None
        if quality is not None:
            kwargs["quality"] = int(quality)
    with atomic_path(path, durable) as tmp:
        img.save(tmp, format=_PIL_FORMAT[suffix], **kwargs)


def to_tensor(images: np.ndarray | list[np.ndarray]) -> torch.Tensor:
    """``uint8`` HWC (or a list / NHWC batch) → float32 NCHW in [0, 1].

    The result is an NCHW *view* whose memory stays channels-last (no extra copy). Slices keep that layout,
    ``torch.cat`` and ``.contiguous()`` do not, and CPU kernels may round differently for the two: code that
    must give bit-identical results for any batching makes its input contiguous first (``flip_sample`` does).
    """
    import torch

    arr = np.stack(images) if isinstance(images, list) else images
    if arr.ndim == 3:
        arr = arr[None]
    if arr.dtype != np.uint8:
        raise BenchError(f"to_tensor expects uint8 images, got {arr.dtype}")
    return torch.from_numpy(np.ascontiguousarray(arr)).permute(0, 3, 1, 2).float().div_(255.0)


def to_uint8(tensor: torch.Tensor) -> np.ndarray:
    """float NCHW (or CHW) in [0, 1] → ``uint8`` NHWC (or HWC), rounded and clipped.

    It runs on every output image, so it makes few passes: a float32 sum detects NaN/Inf (any of them makes
    it non-finite; only then, or on overflow, does the exact check run), the scaling, rounding and
    clipping happen in place, and the channel transpose is done on the 8-bit copy.
    """
    import torch

    squeeze = tensor.ndim == 3
    t = (tensor[None] if squeeze else tensor).detach()
    if not math.isfinite(float(t.sum())) and not bool(torch.isfinite(t).all()):
        raise BenchError("image tensor contains NaN or Inf values; the model or degradation diverged")
    scaled = t.to("cpu", torch.float32).mul(255.0).round_().clamp_(0, 255)
    arr = scaled.to(torch.uint8).permute(0, 2, 3, 1).contiguous().numpy()
    return arr[0] if squeeze else arr
