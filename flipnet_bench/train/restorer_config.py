"""The restorer's training settings and NAFNet's size settings: one dataclass for the library, the command
line and the pipeline's ``restorer:`` section (kept free of torch so that reading params stays fast)."""

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

#: Restorer architectures: ``unet`` (the half-resolution residual U-Net, :class:`RestorerUNet`) and ``nafnet``
#: (NAFNet, :mod:`flipnet_bench.models.nafnet`, sized by ``RestorerTrainConfig.nafnet``).
RESTORER_ARCHS = ("unet", "nafnet")

#: Seed of the classic degradation of the held-out validation faces (the synthetic test set uses 2024).
VAL_SEED = 2025


@dataclass(frozen=True)
class NAFNetConfig:
    """Base width, NAFBlocks per encoder level, middle blocks, NAFBlocks per decoder level, and the block's
    channel expansions (the paper's DW_Expand and FFN_Expand, both 2)."""

    width: int = 16
    enc_blocks: tuple[int, ...] = (1, 1, 1, 2)
    middle_blocks: int = 2
    dec_blocks: tuple[int, ...] = (1, 1, 1, 1)
    dw_expand: int = 2
    ffn_expand: int = 2

    def __post_init__(self) -> None:
        if len(self.enc_blocks) != len(self.dec_blocks):
            raise ParamsError(
                f"nafnet: enc_blocks {self.enc_blocks} and dec_blocks {self.dec_blocks} need the same length"
            )
        sizes = (self.width, self.dw_expand, self.ffn_expand)
        if min(sizes) <= 0 or self.middle_blocks < 0 or min((*self.enc_blocks, *self.dec_blocks, 0)) < 0:
            raise ParamsError(f"nafnet: widths must be positive and block counts ≥ 0, got {self}")
        if self.dw_expand * self.width % 2 or self.ffn_expand * self.width % 2:
            raise ParamsError("nafnet: width × expansion must be even (SimpleGate halves the channels)")


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
    #: ``unet`` (``channels``, ``blocks``) or ``nafnet`` (``nafnet``); see :data:`RESTORER_ARCHS`.
    arch: str = "unet"
    nafnet: NAFNetConfig = field(default_factory=NAFNetConfig)
    #: Weight of an LPIPS-alex term added to ``loss`` (0 = off; weights from `flipnet-bench weights`).
    perceptual: float = 0.0
    #: A trained restorer folder (``model.safetensors`` + ``config.json`` of the same arch) to start from
    #: instead of a random initialisation; its weights' SHA-256 enters the fingerprint.
    init: str | None = None
    #: Faces of the HQ folder held out of training (a seeded subset) and degraded once (classic ``preset``,
    #: seed :data:`VAL_SEED`) for the validation curve; 0 = none.
    val_images: int = 0
    val_every: int = 250

    def __post_init__(self) -> None:
        check_range("restorer.steps", self.steps, 1, 10_000_000)
        check_range("restorer.pair_fraction", self.pair_fraction, 0.0, 1.0)
        check_range("restorer.perceptual", self.perceptual, 0.0, 1e6)
        check_range("restorer.val_images", self.val_images, 0, 1_000_000)
        check_range("restorer.val_every", self.val_every, 1, 10_000_000)
        if self.arch not in RESTORER_ARCHS:
            raise ParamsError(f"restorer.arch must be one of {', '.join(RESTORER_ARCHS)}, got {self.arch!r}")
        if self.loss not in RESTORER_LOSSES:
            raise ParamsError(f"restorer.loss must be one of {', '.join(RESTORER_LOSSES)}, got {self.loss!r}")

    def fingerprint(self, data_digest: str) -> str:
        settings = {**asdict(self), "checkpoint_every": None, "val_every": None}
        blob = json.dumps({**settings, "data": data_digest}, sort_keys=True)
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
