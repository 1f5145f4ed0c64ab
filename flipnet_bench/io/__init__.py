"""Image IO: the one reader/writer, folder listing and atomic writes.

Exports load on first use (:mod:`flipnet_bench.lazy`): ``images``/``folders`` import torch and numpy, which
commands that only write JSON or list files should not pay for.
"""

from flipnet_bench.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        ".atomic": ("atomic_open", "atomic_path", "write_bytes", "write_json"),
        ".hashing": ("sha256_file",),
        ".folders": ("Skipped", "list_images", "pair_by_stem", "read_images_lenient", "stem_key"),
        ".images": (
            "IMAGE_SUFFIXES",
            "ImageModeWarning",
            "ImageReadError",
            "read_image",
            "to_tensor",
            "to_uint8",
            "write_image",
        ),
    },
)
