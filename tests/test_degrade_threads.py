"""Sampled degradations run their ops on one thread whatever the caller's torch thread count (several CPU
kernels round differently per thread count), so the pixels must not depend on it, and the caller's setting
must be restored afterwards."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from flipnet_bench.degrade import create_degradation
from flipnet_bench.degrade.calls import degrade_batches
from flipnet_bench.degrade.runner import degrade_folder
from flipnet_bench.io import read_image, to_tensor, write_image


@pytest.fixture(scope="module")
def faces() -> torch.Tensor:
    rng = np.random.default_rng(3)
    return to_tensor([rng.integers(0, 256, (96, 96, 3), dtype=np.uint8) for _ in range(5)])


@pytest.mark.parametrize("model", ["classic", "realesrgan"])
def test_pixels_do_not_depend_on_the_thread_budget(model: str, faces: torch.Tensor) -> None:
    deg = create_degradation(model)
    before = torch.get_num_threads()
    outputs = []
    try:
        for threads in (1, 3):
            torch.set_num_threads(threads)
            outputs.append(deg(faces, [4, 9, 2, 7, 0], seed=21)[0])
            assert torch.get_num_threads() == threads  # the caller's setting is restored
    finally:
        torch.set_num_threads(before)
    assert torch.equal(outputs[0], outputs[1])


def test_runner_workers_give_the_pixels_of_one_batched_call(tmp_path: Path) -> None:
    """``degrade_folder`` runs per-image models' tensor path (``backend="torch"``) on its I/O threads with
    torch on one thread: the files hold the pixels of a plain batched call, and the caller's thread count is
    back afterwards."""
    rng = np.random.default_rng(5)
    faces = [rng.integers(0, 256, (72 if i % 2 else 64, 64, 3), dtype=np.uint8) for i in range(5)]
    for i, face in enumerate(faces):
        write_image(tmp_path / "hq" / f"f{i}.png", face)
    deg = create_degradation("classic")
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        degrade_folder(deg, tmp_path / "hq", tmp_path / "out", seed=8, model="classic", batch_size=2,
                       io_workers=2, progress=False, backend="torch")  # fmt: skip
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
    batched = degrade_batches(deg, dict(enumerate(faces)), {i: {0: 8} for i in range(len(faces))})
    for i in range(len(faces)):
        assert np.array_equal(read_image(tmp_path / "out" / f"f{i}.png"), batched[i][1][0][0])


@pytest.mark.parametrize("shape", [(20, 17, 3), (20, 17)])
def test_png_writer_keeps_every_pixel(tmp_path: Path, shape: tuple[int, ...]) -> None:
    """The PNG encoder (libpng through OpenCV) is lossless for RGB and gray arrays, read back by Pillow."""
    pixels = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    write_image(tmp_path / "a.png", pixels)
    with Image.open(tmp_path / "a.png") as img:
        assert img.mode == ("RGB" if len(shape) == 3 else "L")
        assert np.array_equal(np.asarray(img), pixels)


def test_resume_remakes_only_the_missing_variant(tmp_path: Path) -> None:
    """A resumed run with several variants makes what is missing, with the bytes of an uninterrupted run."""
    rng = np.random.default_rng(6)
    for i in range(3):
        write_image(tmp_path / "hq" / f"f{i}.png", rng.integers(0, 256, (48, 48, 3), dtype=np.uint8))
    deg = create_degradation("classic")
    run = dict(seed=3, model="classic", variants=2, batch_size=2, io_workers=2, progress=False)
    degrade_folder(deg, tmp_path / "hq", tmp_path / "out", **run)
    reference = {p.name: p.read_bytes() for p in (tmp_path / "out").glob("*.png")}
    (tmp_path / "out" / "f1_v1.png").unlink()
    (tmp_path / "out" / "metadata.parquet").unlink()
    summary = degrade_folder(deg, tmp_path / "hq", tmp_path / "out", **run)
    assert summary["written"] == 1 and summary["already"] == 5
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").glob("*.png")} == reference
