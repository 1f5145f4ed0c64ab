"""The degradation contract shared by every model (classic, Real-ESRGAN, FLIPNET).

``deg(hq, indices, seed) -> (lq, params)``: ``hq`` is float32 RGB NCHW in [0, 1]; ``lq`` has the same shape
(degradations that shrink the image resize it back) and ``params`` holds one JSON-able dict per image with
everything that was drawn. The output for image ``i`` depends only on ``(seed, indices[i])``, the model's
configuration and that image's pixels — never on batch size, worker or process count — because every image's
random draws come from its own generator seeded by ``(seed, index)``.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from flipnet_bench.errors import BenchError

if TYPE_CHECKING:  # torch loads on first use: the OpenCV file path never needs it
    import torch


def image_generator(seed: int, index: int) -> np.random.Generator:
    """The one random stream of image ``index`` under run seed ``seed`` (SeedSequence streams)."""
    if seed < 0 or index < 0:
        raise BenchError(f"seed and index must be non-negative integers, got seed={seed}, index={index}")
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), int(index)])))


def variant_seed(seed: int, variant: int) -> int:
    """Run seed of the ``variant``-th degraded copy; variant 0 is ``seed`` itself (K=1 = training)."""
    if variant == 0:
        return int(seed)
    return int(np.random.SeedSequence([int(seed), int(variant), 0x5EED]).generate_state(1, np.uint32)[0])


def check_batch(hq: torch.Tensor, indices: Sequence[int]) -> None:
    """Reject inputs that break the contract with a message saying what was expected."""
    import torch

    if not isinstance(hq, torch.Tensor) or hq.ndim != 4 or hq.shape[1] != 3:
        shape = tuple(hq.shape) if isinstance(hq, torch.Tensor) else type(hq).__name__
        raise BenchError(f"degradation input must be a float tensor of shape (N, 3, H, W), got {shape}")
    if not hq.is_floating_point():
        raise BenchError(f"degradation input must be float in [0, 1], got dtype {hq.dtype}")
    if len(indices) != hq.shape[0]:
        raise BenchError(f"got {hq.shape[0]} images but {len(indices)} indices; pass one index per image")
    if hq.numel():
        # One pass, over a view whose memory is contiguous (to_tensor's batches are channels-last in memory;
        # min/max do not care about element order, and a strided walk costs ~6× more). NaN fails both tests.
        low, high = torch.aminmax(_dense_view(hq.detach()))
        if not (bool(low >= -1e-6) and bool(high <= 1 + 1e-6)):
            raise BenchError(
                f"degradation input must be finite and in [0, 1], got values in [{float(low)}, "
                f"{float(high)}] (convert uint8 images with flipnet_bench.io.to_tensor)"
            )


def _dense_view(t: torch.Tensor) -> torch.Tensor:
    """``t`` itself, or a permuted view of it that is contiguous in memory when one exists (NHWC, CHW...)."""
    if t.is_contiguous():
        return t
    order = sorted(range(t.ndim), key=lambda d: t.stride(d), reverse=True)
    view = t.permute(*order)
    return view if view.is_contiguous() else t


@contextlib.contextmanager
def single_threaded() -> Iterator[None]:
    """Run torch ops on one intra-op thread, restoring the caller's setting afterwards.

    Several CPU kernels (bilinear upsampling, mean/sum reductions) split work by thread count and then round
    differently, so a 2-thread run and a 1-thread run (e.g. under ``accelerate launch``) would differ in the
    last bit and, after 8-bit rounding, in a few pixels. One thread makes the bytes independent of the caller.
    """
    import torch

    threads = torch.get_num_threads()
    if threads == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


class Degradation(abc.ABC):
    """A degradation model: HQ batch → same-size LQ batch plus the per-image parameters drawn."""

    #: registry name, set by subclasses
    name: str = ""

    @abc.abstractmethod
    def __call__(
        self, hq: torch.Tensor, indices: Sequence[int], seed: int
    ) -> tuple[torch.Tensor, list[dict[str, Any]]]:
        """Degrade ``hq`` (N, 3, H, W) float [0, 1]; image ``n`` uses the stream of ``(seed, indices[n])``."""

    def describe(self) -> dict[str, Any]:
        """JSON-able configuration saved beside outputs (model name plus its settings)."""
        return {"model": self.name}


class SampledDegradation(Degradation):
    """Degradations that draw all parameters first (``sample_params``) then apply them deterministically.

    Subclasses implement ``sample_params(generator)`` and ``apply_one(image, params)``; ``apply`` processes
    one image at a time (sizes differ per image after the random downscale, and per-image work keeps
    results independent of batching).
    """

    @abc.abstractmethod
    def sample_params(self, generator: np.random.Generator) -> dict[str, Any]:
        """Every random choice for one image, as a JSON-able dict (ints, floats, strings, bools, lists)."""

    @abc.abstractmethod
    def apply_one(self, image: torch.Tensor, params: dict[str, Any]) -> torch.Tensor:
        """Degrade one ``(3, H, W)`` float32 image with recorded ``params``; returns the same size."""

    def apply(self, hq: torch.Tensor, params_list: Sequence[dict[str, Any]]) -> torch.Tensor:
        """Deterministic batched application of already-drawn parameters (CPU; result on ``hq``'s device)."""
        import torch

        if len(params_list) != hq.shape[0]:
            raise BenchError(f"got {hq.shape[0]} images but {len(params_list)} parameter sets")
        src = hq.detach().to("cpu", torch.float32)
        out = torch.empty(src.shape, dtype=torch.float32)  # NCHW-contiguous, whatever the input's layout
        with single_threaded(), torch.no_grad():
            for n, params in enumerate(params_list):
                out[n] = self.apply_one(src[n].contiguous(), params)
        return out.to(hq.device, hq.dtype)

    def __call__(
        self, hq: torch.Tensor, indices: Sequence[int], seed: int
    ) -> tuple[torch.Tensor, list[dict[str, Any]]]:
        check_batch(hq, indices)
        params = [self.sample_params(image_generator(seed, int(i))) for i in indices]
        return self.apply(hq, params), params
