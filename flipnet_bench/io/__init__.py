"""Image IO: the one reader/writer, folder listing and atomic writes."""

from flipnet_bench.io.atomic import atomic_open, atomic_path, write_bytes, write_json
from flipnet_bench.io.folders import Skipped, list_images, pair_by_stem, read_images_lenient, stem_key
from flipnet_bench.io.images import (
    IMAGE_SUFFIXES,
    ImageModeWarning,
    ImageReadError,
    read_image,
    to_tensor,
    to_uint8,
    write_image,
)

__all__ = [
    "IMAGE_SUFFIXES",
    "ImageModeWarning",
    "ImageReadError",
    "Skipped",
    "atomic_open",
    "atomic_path",
    "list_images",
    "pair_by_stem",
    "read_image",
    "read_images_lenient",
    "stem_key",
    "to_tensor",
    "to_uint8",
    "write_bytes",
    "write_image",
    "write_json",
]
