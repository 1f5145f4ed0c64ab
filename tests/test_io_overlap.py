"""``ImageIOPool``: threaded decode/encode gives the same pixels and bytes as the plain reader/writer, and
errors reach the caller naming the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from flipnet_bench.errors import BenchError
from flipnet_bench.io import ImageReadError, write_image
from flipnet_bench.io.overlap import ImageIOPool


def _images(n: int) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (24 + i, 32, 3), dtype=np.uint8) for i in range(n)]


@pytest.mark.parametrize("workers", [0, 1, 3])
def test_pool_writes_the_same_bytes_and_reads_the_same_pixels(tmp_path: Path, workers: int) -> None:
    images = _images(6)
    for i, img in enumerate(images):
        write_image(tmp_path / "plain" / f"{i}.png", img)
    with ImageIOPool(workers, max_pending=2) as pool:
        for i, img in enumerate(images):
            pool.write(tmp_path / "pool" / f"{i}.png", img)
    for i in range(len(images)):
        assert (tmp_path / "pool" / f"{i}.png").read_bytes() == (tmp_path / "plain" / f"{i}.png").read_bytes()
    with ImageIOPool(workers) as pool:
        decoded = [f.result() for f in pool.read_many([tmp_path / "pool" / f"{i}.png" for i in range(6)])]
    assert all(np.array_equal(a, b) for a, b in zip(decoded, images))


@pytest.mark.parametrize("workers", [0, 2])
def test_pool_errors_name_the_file(tmp_path: Path, workers: int) -> None:
    (tmp_path / "broken.png").write_bytes(b"not a png")
    with ImageIOPool(workers) as pool:
        (future,) = pool.read_many([tmp_path / "broken.png"])
        with pytest.raises(ImageReadError, match="broken.png"):
            future.result()
    with pytest.raises(BenchError, match="out.tiff"), ImageIOPool(workers) as pool:
        pool.write(tmp_path / "out.tiff", _images(1)[0])
    assert not (tmp_path / "out.tiff").exists()


def test_pool_rejects_bad_settings() -> None:
    with pytest.raises(BenchError, match="workers"):
        ImageIOPool(-1)
