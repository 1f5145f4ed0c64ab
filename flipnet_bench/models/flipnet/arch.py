"""FLIPNET's own configuration: the architecture of its trainable parts.

The model owns this config (as diffusers models own theirs through ``register_to_config``): ``Flipnet`` is
built from a ``FlipnetArch``, keeps it as ``model.arch`` and writes it into its checkpoint's ``flipnet.json``,
from which ``load_flipnet`` rebuilds it. The ``flipnet:`` section of params.yaml (``FlipnetParams``) *extends*
this dataclass with the training and sampling settings, so every architecture key is defined once, here, and
:meth:`FlipnetArch.of` takes the architecture out of any such settings object without copying field by field.
Kept free of torch imports: params.yaml is validated by every command at start-up.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from flipnet_bench.config import ParamsError, check_range, parse_dataclass


@dataclass(frozen=True)
class FlipnetArch:
    """Architecture hyper-parameters of the trainable parts (saved with the checkpoint)."""

    #: LoRA on the prior's attention: the paper's rank 64 (on the 64 held-out faces it restores better
    #: than rank 8 at 3,000 restoration steps; docs/flipnet.md, *What a restoration sample's error is
    #: made of*); alpha = rank keeps the LoRA scale 1.
    lora_rank: int = 64
    lora_alpha: float = 64.0
    #: BoostHub output scale φ (0 switches BoostHub off).
    phi: float = 1.0
    adapter_hidden: int = 512
    finetune_embedding: bool = False
    #: Train every weight of the prior's UNet too, beside LoRA, BoostHub and the adapter (off as published:
    #: the paper keeps the prior frozen). A departure for the miniature, whose frozen prior bounds the
    #: restoration estimate (docs/flipnet.md, "How near the estimate at t = T gets"); its checkpoint then
    #: carries the UNet (null context and autoencoder stay the prior's). It can be switched on when a
    #: frozen checkpoint is continued (``train restoration --arch finetune_unet=true``: the UNet starts as
    #: the prior's), never off again.
    finetune_unet: bool = False
    #: The condition stream's input concatenated to the target's at the UNet's input (off as published: the
    #: paper passes the condition through BoostHub and the embedding only). A departure for the miniature,
    #: whose finest BoostHubs pass a near-even average of their window (docs/flipnet.md, "The condition at
    #: the UNet's input"); it adds one zero-initialised convolution beside ``conv_in``
    #: (``cond_input.ConditionInput``), so it can be switched on when a checkpoint is continued (the model
    #: starts as that checkpoint), never off again.
    cond_concat: bool = False
    #: Noise level of the condition stream at train and sample time (the paper is silent): ``clean`` (t = 0,
    #: the measured choice, docs/flipnet.md), ``tied`` (the target's t) or ``low`` (fixed t = ``cond_low_t``).
    cond_noise: Literal["clean", "tied", "low"] = "clean"
    cond_low_t: int = 100
    #: Noise sample of a noised condition stream: ``independent`` (its own draw) or ``shared`` (the target's
    #: ε, so target and condition tokens at one position correlate). Needs ``cond_noise`` tied or low.
    cond_eps: Literal["independent", "shared"] = "independent"
    #: BoostHub options that give it spatial position (off as published; docs/flipnet.md, "Diagnosis"): a
    #: 2-D sinusoidal code on its Q/K, and a local window of this Chebyshev radius in tokens of each layer's
    #: grid (0 = global attention).
    boosthub_pos: bool = False
    boosthub_window: int = 0
    #: Initialise BoostHub's K projection from the layer's ``to_q`` instead of its ``to_k`` (off as
    #: published): Q_x·K_y then starts as x·W_qᵀW_q·y, largest where target and condition tokens are alike.
    boosthub_k_from_q: bool = False

    def __post_init__(self) -> None:
        check_range("flipnet.lora_rank", self.lora_rank, 1, 1024)
        check_range("flipnet.phi", self.phi, 0.0, 10.0)
        check_range("flipnet.adapter_hidden", self.adapter_hidden, 1, 65536)
        check_range("flipnet.cond_low_t", self.cond_low_t, 0, 999)
        check_range("flipnet.boosthub_window", self.boosthub_window, 0, 1024)
        if self.cond_noise not in ("clean", "tied", "low"):
            raise ParamsError(f"flipnet.cond_noise must be 'clean', 'tied' or 'low', got {self.cond_noise!r}")
        if self.cond_eps not in ("independent", "shared"):
            raise ParamsError(f"flipnet.cond_eps must be 'independent' or 'shared', got {self.cond_eps!r}")
        if self.cond_eps == "shared" and self.cond_noise == "clean":
            raise ParamsError("flipnet.cond_eps 'shared' needs a noised condition (cond_noise tied or low)")

    @classmethod
    def of(cls, settings: FlipnetArch) -> FlipnetArch:
        """The architecture part of ``settings`` (a ``FlipnetArch`` or a subclass: ``FlipnetParams``)."""
        return cls(**{f.name: getattr(settings, f.name) for f in dataclasses.fields(cls)})

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(FlipnetArch)}

    def with_options(self, options: Mapping[str, Any]) -> FlipnetArch:
        """This architecture with ``options`` (``flipnet:`` keys, e.g. ``{"boosthub_window": 2}``) set, each
        checked as params.yaml checks it: only options that leave the trainable weights as they are, so a
        trained checkpoint loads under them (``train restoration --arch``), and ``finetune_unet`` or
        ``cond_concat`` switched on (the prior's UNet, and a zero convolution, are their start)."""
        fixed = sorted(WEIGHT_KEYS & set(options))
        if fixed:
            raise ParamsError(
                f"architecture option(s) {fixed} change the trainable weights; train a new model"
            )
        arch = parse_dataclass(FlipnetArch, {**self.to_dict(), **options}, "flipnet")
        for key in GROWING_KEYS:
            if getattr(self, key) and not getattr(arch, key):
                raise ParamsError(f"{key} cannot be switched off: the checkpoint holds what it trained")
        return arch

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FlipnetArch:
        """From a checkpoint's ``arch``. A key written before its option existed takes the default, except
        ``cond_noise``: checkpoints older than it were trained with the condition at the target's t."""
        return cls(**{"cond_noise": "tied", **data})


#: Options that change which weights are trainable or their shapes: fixed once a model is trained.
WEIGHT_KEYS = frozenset({"lora_rank", "adapter_hidden", "finetune_embedding"})
#: Options that add trained weights when switched on for a continued checkpoint, and so never go off again.
GROWING_KEYS = ("finetune_unet", "cond_concat")
