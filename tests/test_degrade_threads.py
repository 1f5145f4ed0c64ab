"""Sampled degradations run their ops on one thread whatever the caller's torch thread count (several CPU
kernels round differently per thread count), so the pixels must not depend on it, and the caller's setting
must be restored afterwards."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from flipnet_bench.degrade import create_degradation
from flipnet_bench.io import to_tensor


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
