"""The ``flipnet:`` section of params.yaml (validated; unknown keys fail naming the allowed ones)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from flipnet_bench.config import ParamsError, check_range
from flipnet_bench.degrade.defaults import DEFAULT_PRESET
from flipnet_bench.models.flipnet.arch import FlipnetArch
from flipnet_bench.train.restorer_config import RestorerVariant


@dataclass(frozen=True)
class EmbeddingParams:
    """Stage I (autoencoders) and stage II (contrastive alignment) of the face embedding."""

    dim: int = 256
    width: int = 32
    resolution: int = 64
    batch_size: int = 16
    lr: float = 1e-3
    steps_autoencoder: int = 150
    steps_contrastive: int = 100
    #: Stage I loss = L1 + ssim_weight · (1 − SSIM) (no downloadable perceptual network is assumed).
    ssim_weight: float = 0.2
    #: Stage II keeps the autoencoders' reconstruction loss at this weight so the codes stay informative.
    recon_weight: float = 0.5

    def __post_init__(self) -> None:
        check_range("flipnet.embedding.dim", self.dim, 8, 4096)
        check_range("flipnet.embedding.batch_size", self.batch_size, 2, 4096)
        check_range("flipnet.embedding.lr", self.lr, 1e-7, 1.0)
        if self.resolution % 16:
            raise ParamsError(f"flipnet.embedding.resolution = {self.resolution} must be a multiple of 16")


def _restoration_variants() -> dict[str, RestorerVariant]:
    return {"flipnet_o": RestorerVariant(), "flipnet": RestorerVariant(["flipnet"], 0.5)}


#: Where a sample starts (``flipnet.sample_start``): pure noise, or the condition noised to the first step.
SampleStart = Literal["noise", "condition"]
SAMPLE_STARTS: tuple[str, ...] = get_args(SampleStart)


@dataclass(frozen=True)
class RestorationParams:
    """The restoration mode trained on synthesized pairs, after the joint model (``flipnet.base``) has
    synthesized them: the paper's "+O" (classic pairs made online) against "+O/F" (online pairs mixed with
    FLIPNET-synthesized ones, with probability ``pair_fraction`` per step). Both variants start from the same
    base and train the same number of steps, so they differ in training data only; the variant's key is its
    method name."""

    steps: int = 100
    #: The checkpoint both variants continue from; None = ``flipnet.base`` itself. Set to a restoration-mode
    #: checkpoint trained further from that base on "+O" (shipped, its recipe.md), as the baseline restorer's
    #: ``restorer.train.init``: the variants then differ in what their last ``steps`` trained on.
    init: str | None = None
    variants: dict[str, RestorerVariant] = field(default_factory=_restoration_variants)

    def __post_init__(self) -> None:
        check_range("flipnet.restoration.steps", self.steps, 1, 10_000_000)

    def variant(self, name: str) -> RestorerVariant:
        if name not in self.variants:
            known = sorted(self.variants)
            raise ParamsError(f"params.yaml flipnet.restoration.variants has no {name!r} (known: {known})")
        return self.variants[name]


@dataclass(frozen=True)
class DegradationParams:
    """The degradation mode trained further from the joint model (``flipnet.base``) on the real
    natural-scene pairs, as the joint training trains that mode (`train degradation`; not run by
    `dvc repro`)."""

    steps: int = 1000
    #: The checkpoint the pipeline's ``synth-flipnet`` stage degrades with; None = ``flipnet.base`` itself.
    #: Set to a degradation-mode checkpoint trained further from that base (shipped, its recipe.md).
    init: str | None = None

    def __post_init__(self) -> None:
        check_range("flipnet.degradation.steps", self.steps, 1, 10_000_000)


@dataclass(frozen=True)
class FlipnetParams(FlipnetArch):
    """Joint FLIPNET training and sampling settings, on top of the model's own architecture settings
    (:class:`FlipnetArch`, whose keys are this section's too: ``flipnet.lora_rank``, ``flipnet.phi``, …)."""

    #: Model config: ``tiny`` (pixel space, own prior), ``tiny-latent`` (128² through its own autoencoder, own
    #: prior; docs/flipnet.md) or ``sd21`` (latent; prior_path = local path / hub id).
    config: Literal["tiny", "tiny-latent", "tiny-latent-zsnr", "sd21", "sd21-mini", "micro"] = "tiny"
    prior_path: str = "checkpoints/prior-tiny"
    #: Default output of ``train flipnet`` = the checkpoint ``restore --method flipnet`` uses by default.
    checkpoint: str = "out/methods/flipnet"
    #: The jointly trained model (both modes) the pipeline synthesizes pairs with and trains the restoration
    #: variants from: shipped, made by `train embedding` + `train flipnet` (its recipe.md says how).
    base: str = "checkpoints/flipnet-tiny-latent-zsnr-r64"
    seed: int = 0
    steps: int = 300
    batch_size: int = 8
    lr: float = 2e-4
    warmup: int = 20
    save_every: int = 50
    #: Decay of an exponential moving average of the trainable weights, saved as the checkpoint's weights
    #: (with the warm-up min(decay, (1 + s) / (10 + s))); 0 saves the last step's weights.
    ema_decay: float = 0.0
    lambda_mse: float = 1.0
    lambda_perceptual: float = 0.1
    #: Perceptual loss on x0: ``lpips`` (needs its weights, see the metrics section) or ``ssim``.
    perceptual: Literal["lpips", "ssim", "none"] = "ssim"
    #: Probability that a training step uses degradation mode (else restoration mode).
    degrade_prob: float = 0.5
    #: Among degradation-mode steps: fraction using real natural-scene pairs
    #: (the rest use real LQ faces, LQ stream only).
    real_pairs_prob: float = 0.5
    #: Online "+O" restoration pairs: classic degradation preset.
    train_preset: str = DEFAULT_PRESET
    scheduler: Literal["ddim", "dpm"] = "dpm"
    #: DPM-Solver++ steps. 10 restores as well as 20 on the 64 synthetic test faces (paired: PSNR +0.05 dB
    #: [−0.01, 0.12], LPIPS −0.005, IDS tied; docs/flipnet.md) at half the sampling time of the CPU budget.
    sample_steps: int = 10
    sample_batch_size: int = 16
    #: 1 = sample from pure noise; < 1 = start from the condition noised to this fraction of the schedule.
    sample_strength: float = 1.0
    #: Where a strength-1 sample starts: ``noise`` (x_T ~ N(0, I), as published) or ``condition`` (x_T is the
    #: condition's latent noised to the first sampling timestep, the forward process's own x_T with the
    #: condition standing in for the unknown target). SD's schedule keeps √ᾱ_T = 0.068 of the image in x_T,
    #: and a frozen prior reads its low frequencies from there (docs/flipnet.md, "Terminal SNR").
    sample_start: SampleStart = "noise"
    #: Restoration output = mean of this many posterior samples (a Monte-Carlo MMSE estimate: higher PSNR and
    #: identity similarity, slightly smoother; 1 = a single sample). Degradation mode always draws one sample.
    restore_samples: int = 1
    #: An autoencoder folder whose decoder turns restoration samples into images instead of the prior's own
    #: (null: the prior's, as published). Its encoder must be the prior's, so the latent space is the same:
    #: e.g. the prior's decoder trained further on latents with noise added
    #: (``checkpoints/ae-tiny-latent-decoder-noise``, docs/flipnet.md, "What the decoder draws"). An option;
    #: training and the degradation mode keep the prior's decoder.
    restore_decoder: str | None = None
    embedding: EmbeddingParams = field(default_factory=EmbeddingParams)
    restoration: RestorationParams = field(default_factory=RestorationParams)
    degradation: DegradationParams = field(default_factory=DegradationParams)

    @property
    def restoration_start(self) -> str:
        """The checkpoint the restoration variants (and `train restoration` without --base) continue from."""
        return self.restoration.init or self.base

    @property
    def degradation_start(self) -> str:
        """The checkpoint the pipeline synthesizes pairs with (and `train degradation` continues from its
        base)."""
        return self.degradation.init or self.base

    def __post_init__(self) -> None:
        super().__post_init__()
        check_range("flipnet.steps", self.steps, 0, 10_000_000)
        check_range("flipnet.batch_size", self.batch_size, 1, 4096)
        check_range("flipnet.lr", self.lr, 1e-8, 1.0)
        check_range("flipnet.ema_decay", self.ema_decay, 0.0, 0.99999)
        check_range("flipnet.degrade_prob", self.degrade_prob, 0.0, 1.0)
        check_range("flipnet.real_pairs_prob", self.real_pairs_prob, 0.0, 1.0)
        check_range("flipnet.sample_steps", self.sample_steps, 1, 1000)
        check_range("flipnet.sample_batch_size", self.sample_batch_size, 1, 4096)
        check_range("flipnet.sample_strength", self.sample_strength, 0.01, 1.0)
        check_range("flipnet.restore_samples", self.restore_samples, 1, 256)
