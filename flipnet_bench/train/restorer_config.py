"""The baseline restorer's training settings: one dataclass for the library, the command line and the
pipeline's ``restorer:`` section (kept free of torch so that reading params stays fast)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from flipnet_bench.config import ParamsError, check_range
from flipnet_bench.degrade.defaults import DEFAULT_PRESET

#: Training losses: ``psnr`` = the mean over images of 10·log10(MSE_i) (RGB), weighting each image as the
#: scorer's mean per-image PSNR does (by 1/MSE_i); ``l1`` = the pooled L1 over the batch, which the strongly
#: degraded (colour-jittered) faces dominate (docs/flipnet.md, "The regression restorer").
RESTORER_LOSSES = ("psnr", "l1")


@dataclass(frozen=True)
class RestorerTrainConfig:
    """Everything that determines the trained weights (hashed into the checkpoint's fingerprint)."""

    steps: int = 250
    batch_size: int = 8
    lr: float = 1e-3
    seed: int = 0
    crop: int = 128  # whole faces at the bundled 128²: as the model is scored
    channels: tuple[int, ...] = (16, 32, 64)
    blocks: int = 1
    preset: str = DEFAULT_PRESET
    pair_dirs: tuple[str, ...] = field(default_factory=tuple)
    pair_fraction: float = 0.0
    loss: str = "psnr"
    checkpoint_every: int = 100

    def __post_init__(self) -> None:
        check_range("restorer.steps", self.steps, 1, 10_000_000)
        check_range("restorer.pair_fraction", self.pair_fraction, 0.0, 1.0)
        if self.loss not in RESTORER_LOSSES:
            raise ParamsError(f"restorer.loss must be one of {', '.join(RESTORER_LOSSES)}, got {self.loss!r}")

    def fingerprint(self, data_digest: str) -> str:
        blob = json.dumps({**asdict(self), "checkpoint_every": None, "data": data_digest}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class RestorerVariant:
    """What tells one trained restorer from another: its stored training pairs (names of synth sets)."""

    pairs: list[str] = field(default_factory=list)
    pair_fraction: float = 0.0

    def __post_init__(self) -> None:
        check_range("restorer.variants.<name>.pair_fraction", self.pair_fraction, 0.0, 1.0)
        if self.pair_fraction > 0 and not self.pairs:
            raise ParamsError("restorer.variants.<name>: pair_fraction > 0 needs `pairs` (synth set names)")
