"""FLIPNET as a restoration method (``restore --method flipnet``) and as a degradation model
(``degrade --model flipnet``): the same checkpoint, sampled in restoration or degradation mode.

Settings come from a typed ``flipnet:`` section (``params``, passed by whoever builds the sampler: the
pipeline stage, the command line's ``--params`` or the audit), else the dataclass defaults; explicit keyword
arguments override single settings (benchmarks). Every image is sampled with its own generator: seeded
from (seed, stem) when restoring and from (seed, index) when degrading, so outputs never depend on batching
or on resumed runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from tqdm import tqdm

from flipnet_bench.degrade.base import Degradation, check_batch
from flipnet_bench.errors import BenchError
from flipnet_bench.methods import METHODS, Method
from flipnet_bench.models.flipnet.embedding import DEGRADE, RESTORE
from flipnet_bench.models.flipnet.params import SAMPLE_STARTS, FlipnetParams
from flipnet_bench.train.common import item_generator


def _defaults(params: FlipnetParams | None) -> FlipnetParams:
    if params is not None and not isinstance(params, FlipnetParams):
        raise BenchError(f"flipnet: params must be the typed flipnet section, got {type(params).__name__}")
    return params if params is not None else FlipnetParams()


class _FlipnetSampler:
    """Loads the checkpoint once and samples batches of either mode."""

    def __init__(
        self,
        checkpoint: str | None = None,
        scheduler: str | None = None,
        steps: int | None = None,
        batch_size: int | None = None,
        device: str | None = None,
        params: FlipnetParams | None = None,
        strength: float | None = None,
        start: str | None = None,
    ) -> None:
        from flipnet_bench.models.flipnet.checkpoint import load_flipnet

        self.params = p = _defaults(params)
        self.checkpoint = str(checkpoint or p.checkpoint)
        self.scheduler = scheduler or p.scheduler
        self.steps = int(steps or p.sample_steps)
        self.batch_size = int(batch_size or p.sample_batch_size)
        self.strength = float(strength if strength is not None else p.sample_strength)
        self.start = start or p.sample_start
        if self.start not in SAMPLE_STARTS:
            raise BenchError(
                f"flipnet start (flipnet.sample_start) must be one of {SAMPLE_STARTS}, got {self.start!r}"
            )
        if self.scheduler not in ("ddim", "dpm"):
            raise BenchError(f"flipnet scheduler must be 'ddim' or 'dpm', got {self.scheduler!r}")
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.model = load_flipnet(self.checkpoint, device=self.device)

    def sample(self, images: torch.Tensor, mode: int, generators: list[torch.Generator]) -> torch.Tensor:
        from flipnet_bench.models.flipnet.pipeline import flip_sample

        outs = []
        starts = range(0, images.shape[0], self.batch_size)
        # one call can hold many batches (a study's tiles): show them, in batches, when there are several
        desc = "flipnet " + ("degrade" if mode == DEGRADE else "restore")
        for i in tqdm(starts, desc=desc, unit="batch", leave=False, disable=len(starts) < 2):
            chunk, gens = images[i : i + self.batch_size], generators[i : i + self.batch_size]
            n = chunk.shape[0]
            if n < self.batch_size:
                # CPU kernels pick other code paths for small batches, so every image is sampled in a batch
                # of exactly ``batch_size`` (padded with copies and throw-away generators); ``flip_sample``
                # makes its input contiguous, so an image's output does not depend on its batch (audit).
                pad = self.batch_size - n
                chunk = torch.cat([chunk, chunk[:1].expand(pad, -1, -1, -1)])
                gens = list(gens) + [torch.Generator().manual_seed(0) for _ in range(pad)]
            out = flip_sample(
                self.model,
                chunk,
                mode,
                gens,
                self.scheduler,
                self.steps,
                strength=self.strength,
                start=self.start,
            )
            outs.append(out[:n])
        return torch.cat(outs).to(images.dtype)

    def describe(self) -> dict[str, Any]:
        return {"checkpoint": self.checkpoint, "scheduler": self.scheduler, "steps": self.steps,
                "strength": self.strength, "start": self.start}  # fmt: skip


@METHODS.register("flipnet")
class FlipnetRestorer(Method):
    """FLIPNET restoration mode: target = HQ (sampled), condition = the LQ input."""

    name = "flipnet"
    default_batch_size = 16
    params_section = "flipnet"

    def __init__(self, samples: int | None = None, **options: Any) -> None:
        """``options``: the sampler's (checkpoint, scheduler, steps, batch_size, device, params, strength,
        start)."""
        self.sampler = _FlipnetSampler(**options)
        self.decoder = self.sampler.params.restore_decoder
        if self.decoder is not None:
            self.sampler.model.prior.use_decoder(self.decoder)
        self.samples = int(samples if samples is not None else self.sampler.params.restore_samples)
        if self.samples < 1:
            raise BenchError(
                f"flipnet: restore_samples (option samples) must be at least 1, got {self.samples}"
            )

    def restore(self, lq: torch.Tensor, keys: list[str], seed: int) -> torch.Tensor:
        """The mean of ``samples`` posterior samples; sample k of an image uses its own generator, seeded
        from (seed, key, k) — sample 0 from (seed, key), so ``samples: 1`` is the plain single sample."""
        total = torch.zeros_like(lq, dtype=torch.float32)
        for k in range(self.samples):
            extra = () if k == 0 else (k,)
            gens = [item_generator(seed, "restore", key, *extra) for key in keys]
            total += self.sampler.sample(lq, RESTORE, gens).float()
        return (total / self.samples).to(lq.dtype)

    def describe(self) -> dict[str, Any]:
        decoder = {"decoder": self.decoder} if self.decoder is not None else {}  # written only when set
        return {"method": self.name, **self.sampler.describe(), "samples": self.samples, **decoder}


def tile_starts(length: int, tile: int, overlap: int = 0) -> list[int]:
    """Starts of ``tile``-px tiles covering ``[0, length)``: every ``tile - overlap`` px, the last one flush
    with the end (overlapping its neighbour when the length does not fit): each tile a whole native crop."""
    starts = list(range(0, length - tile + 1, tile - overlap))
    if starts[-1] + tile < length:
        starts.append(length - tile)
    return starts


def _ramp(tile: int, overlap: int) -> torch.Tensor:
    """Blending weight across a tile: 1 inside, a linear ramp over ``overlap`` px at both edges (> 0)."""
    i = torch.arange(tile, dtype=torch.float32)
    return torch.minimum((i + 1) / (overlap + 1), (tile - i) / (overlap + 1)).clamp(max=1.0)


class FlipnetDegradation(Degradation):
    """FLIPNET degradation mode: target = LQ (sampled), condition = the HQ input.

    ``tiled`` (default off: the whole image at the model resolution, as the pipeline's pairs are made)
    degrades an image at its own pixel scale instead: it is cut into model-resolution tiles (64² for
    ``tiny``, the native-scale crops the degradation mode learned from), each sampled with its own generator
    seeded from (seed, index, tile origin) and pasted back in place (a flush last tile overwrites the
    overlap), so the output has the input's size and does not depend on batching. ``tile_overlap`` > 0 (a
    fraction of the tile, at most 0.5) overlaps neighbouring tiles by that much and cross-fades them linearly
    (against visible seams).
    A side shorter than a tile (but longer than half of one) is mirror-padded at its end to one tile and the
    output cropped back, so every output pixel is still sampled at the input's own scale.
    """

    name = "flipnet"
    params_section = "flipnet"

    def __init__(self, tiled: bool = False, tile_overlap: float = 0.0, **options: Any) -> None:
        """``options``: the sampler's (checkpoint, scheduler, steps, batch_size, device, params, strength,
        start)."""
        self.sampler = _FlipnetSampler(**options)
        self.tiled, self.overlap = bool(tiled), float(tile_overlap)
        if not 0.0 <= self.overlap <= 0.5:
            raise BenchError(f"flipnet tile_overlap = {tile_overlap}: use a fraction of the tile in [0, 0.5]")

    def __call__(
        self, hq: torch.Tensor, indices: Sequence[int], seed: int
    ) -> tuple[torch.Tensor, list[dict]]:
        check_batch(hq, indices)
        if self.tiled:
            lq = self._tiled(hq, indices, seed)
        else:
            lq = self.sampler.sample(hq, DEGRADE, [item_generator(seed, "degrade", int(i)) for i in indices])
        info = {k: v for k, v in self.describe().items() if k != "model"}
        return lq, [{**info, "seed": int(seed), "index": int(i)} for i in indices]

    def _tiled(self, hq: torch.Tensor, indices: Sequence[int], seed: int) -> torch.Tensor:
        size = self.sampler.model.prior.config.resolution
        h, w = hq.shape[-2:]
        if 2 * min(h, w) <= size:
            raise BenchError(
                f"flipnet tiled degradation: images of {h}×{w} px are not larger than half the model's "
                f"{size}² tiles; use larger images or tiled: false"
            )
        if min(h, w) < size:  # mirror-pad the short side(s) at the end to one tile, crop the output back
            padded = torch.nn.functional.pad(hq, (0, max(size - w, 0), 0, max(size - h, 0)), mode="reflect")
            return self._tiled(padded, indices, seed)[..., :h, :w]
        ov = round(self.overlap * size)  # px
        origins = [(top, left) for top in tile_starts(h, size, ov) for left in tile_starts(w, size, ov)]
        tiles = torch.stack([img[:, t : t + size, x : x + size] for img in hq for t, x in origins])
        gens = [item_generator(seed, "degrade", int(i), t, x) for i in indices for t, x in origins]
        out = self.sampler.sample(tiles, DEGRADE, gens).view(len(indices), len(origins), *tiles.shape[1:])
        if not ov:
            lq = torch.empty_like(hq)
            for k, (t, x) in enumerate(origins):
                lq[:, :, t : t + size, x : x + size] = out[:, k]
            return lq
        ramp = _ramp(size, ov)
        weight = ramp[:, None] * ramp[None, :]
        total, norm = torch.zeros(hq.shape, dtype=torch.float32), torch.zeros(hq.shape[-2:])
        for k, (t, x) in enumerate(origins):
            total[:, :, t : t + size, x : x + size] += out[:, k].float() * weight
            norm[t : t + size, x : x + size] += weight
        return (total / norm).to(hq.dtype)

    def describe(self) -> dict[str, Any]:
        # the default's records stay as they were: "tiled" is written only when on
        tiling = {"tiled": True, "tile_overlap": self.overlap} if self.tiled else {}
        return {"model": self.name, **self.sampler.describe(), **tiling}
