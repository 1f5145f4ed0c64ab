"""Model configurations: ``tiny`` (pixel space, trains its own prior on 2 CPU cores) and ``sd21`` (latent).

A config names the UNet / VAE shapes and the noise schedule; weights come from a checkpoint folder
(``tiny``) or from a local path / hub id given in params (``sd21``) — never from a hard-coded location.
``sd21-mini`` is a randomly initialised miniature with the SD-2.1 block structure, used by the offline tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

from flipnet_bench.errors import BenchError


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild the prior's modules (saved as ``config.json`` beside the weights)."""

    name: str
    space: Literal["pixel", "latent"]
    #: Image resolution the model works at (faces are resized to it on load).
    resolution: int
    unet: dict[str, Any]
    #: Cross-attention context: ``context_tokens`` tokens of width ``unet["cross_attention_dim"]``.
    context_tokens: int = 4
    scheduler: dict[str, Any] = field(default_factory=dict)
    #: Latent space only: AutoencoderKL kwargs (random init, for the miniature) or None (load from path).
    vae: dict[str, Any] | None = None
    vae_scaling: float = 0.18215

    @property
    def context_dim(self) -> int:
        return int(self.unet["cross_attention_dim"])

    @property
    def latent_channels(self) -> int:
        return int(self.unet.get("in_channels", 4))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "space": self.space,
            "resolution": self.resolution,
            "unet": dict(self.unet),
            "context_tokens": self.context_tokens,
            "scheduler": dict(self.scheduler),
            "vae": None if self.vae is None else dict(self.vae),
            "vae_scaling": self.vae_scaling,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        try:
            return cls(**data)
        except TypeError as exc:
            raise BenchError(f"model config.json is not a FLIPNET model config ({exc})") from exc


_PIXEL_SCHEDULE = {
    "num_train_timesteps": 1000,
    "beta_schedule": "squaredcos_cap_v2",
    "prediction_type": "epsilon",
    "clip_sample": False,
}
_SD_SCHEDULE = {
    "num_train_timesteps": 1000,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "prediction_type": "epsilon",
    "clip_sample": False,
}

#: SD's schedule rescaled to zero terminal SNR (ᾱ_T = 0: x_T holds no image, as a from-noise start has none)
#: with v-prediction, which stays defined there, and trailing timesteps, so a sampler starts at T (Lin et
#: al., WACV 2024). An ablation of the `tiny-latent` prior (docs/flipnet.md, "Terminal SNR").
_SD_ZERO_SNR_SCHEDULE = {
    **_SD_SCHEDULE,
    "prediction_type": "v_prediction",
    "rescale_betas_zero_snr": True,
    "timestep_spacing": "trailing",
}


def _small_vae(channels: list[int], sample_size: int, **extra: Any) -> dict[str, Any]:
    """AutoencoderKL kwargs of the miniatures: three levels (two downsamples), 4 latent channels."""
    return {
        "in_channels": 3,
        "out_channels": 3,
        "down_block_types": ["DownEncoderBlock2D"] * 3,
        "up_block_types": ["UpDecoderBlock2D"] * 3,
        "block_out_channels": channels,
        "latent_channels": 4,
        "layers_per_block": 1,
        "norm_num_groups": 8,
        **extra,
        "sample_size": sample_size,
    }


TINY = ModelConfig(
    name="tiny",
    space="pixel",
    resolution=64,
    unet={
        "sample_size": 64,
        "in_channels": 3,
        "out_channels": 3,
        "layers_per_block": 1,
        "block_out_channels": [32, 64, 64, 128],
        "down_block_types": ["DownBlock2D", "DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
        "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D", "UpBlock2D"],
        "cross_attention_dim": 128,
        # 32 heads (diffusers reads attention_head_dim as the head count), so heads 2 and 4 channels wide:
        # the architecture checkpoints/prior-tiny was trained with (docs/flipnet.md, "Attention heads")
        "attention_head_dim": 32,
        "norm_num_groups": 16,
    },
    scheduler=_PIXEL_SCHEDULE,
)

_SD_BLOCKS = {
    "down_block_types": [
        "CrossAttnDownBlock2D",
        "CrossAttnDownBlock2D",
        "CrossAttnDownBlock2D",
        "DownBlock2D",
    ],
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
    "use_linear_projection": True,
}

#: SD-2.1: the UNet and VAE come from ``flipnet.prior_path`` (local folder or hub id with unet/ and vae/).
SD21 = ModelConfig(
    name="sd21",
    space="latent",
    resolution=512,
    unet={"in_channels": 4, "out_channels": 4, "cross_attention_dim": 1024, **_SD_BLOCKS},
    context_tokens=77,
    scheduler=_SD_SCHEDULE,
)

#: Same block structure as SD-2.1 (4 levels, linear-projection transformers, KL-VAE, 4 latent channels),
#: tiny channels; randomly initialised — only for offline tests of the latent-space code path.
SD21_MINI = ModelConfig(
    name="sd21-mini",
    space="latent",
    resolution=32,
    unet={
        "sample_size": 8,
        "in_channels": 4,
        "out_channels": 4,
        "layers_per_block": 1,
        "block_out_channels": [16, 16, 32, 32],
        "attention_head_dim": [2, 2, 4, 4],
        "cross_attention_dim": 32,
        "norm_num_groups": 8,
        **_SD_BLOCKS,
    },
    context_tokens=4,
    scheduler=_SD_SCHEDULE,
    vae=_small_vae([8, 16, 16], 32),
)

#: The bundled-scale latent miniature: the data's 128² faces through a small KL autoencoder trained on them
#: (``flipnet-bench train autoencoder``; 128² → 32² × 4, two downsamples) and a UNet on the 32² latents with
#: self/cross-attention at 32², 16², 8² and in the mid block — as SD-2.1 has at 64², 32², 16² and 8² — so
#: BoostHub reads the condition at the working resolution. ``vae_scaling`` is replaced by the trained
#: autoencoder's measured 1/std of its latents when the prior is trained.
TINY_LATENT = ModelConfig(
    name="tiny-latent",
    space="latent",
    resolution=128,
    unet={
        "sample_size": 32,
        "in_channels": 4,
        "out_channels": 4,
        "layers_per_block": 1,
        "block_out_channels": [32, 64, 96],
        "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
        "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
        "cross_attention_dim": 128,
        # diffusers reads attention_head_dim as the number of heads per block (its naming quirk): 1/2/3 heads
        # of width 32 at 32/64/96 channels (SD-2.1: width 64). 16 heads there left widths of 2/4/6.
        "attention_head_dim": [1, 2, 3],
        "norm_num_groups": 16,
        "use_linear_projection": True,
    },
    scheduler=_SD_SCHEDULE,
    vae=_small_vae([16, 32, 32], 128, mid_block_add_attention=False),
)

#: `tiny-latent` with the zero-terminal-SNR schedule and v-prediction: the same networks, another schedule.
TINY_LATENT_ZSNR = replace(TINY_LATENT, name="tiny-latent-zsnr", scheduler=_SD_ZERO_SNR_SCHEDULE)

#: A pixel-space model of a few thousand parameters at 16²: for tests and smoke runs of the commands only.
MICRO = ModelConfig(
    name="micro",
    space="pixel",
    resolution=16,
    unet={
        "sample_size": 16,
        "in_channels": 3,
        "out_channels": 3,
        "layers_per_block": 1,
        "block_out_channels": [8, 16],
        "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D"],
        "up_block_types": ["CrossAttnUpBlock2D", "UpBlock2D"],
        "cross_attention_dim": 16,
        "attention_head_dim": 8,
        "norm_num_groups": 4,
    },
    context_tokens=2,
    scheduler=_PIXEL_SCHEDULE,
)

#: ``tiny-latent``'s structure at 16² (a 4² × 4 latent): for tests of the autoencoder / latent prior commands.
MICRO_LATENT = ModelConfig(
    name="micro-latent",
    space="latent",
    resolution=16,
    unet={
        **{k: v for k, v in TINY_LATENT.unet.items() if k not in ("sample_size", "block_out_channels")},
        "sample_size": 4,
        "block_out_channels": [16, 16, 16],
        "cross_attention_dim": 16,
        "attention_head_dim": 8,
        "norm_num_groups": 4,
    },
    context_tokens=2,
    scheduler=_SD_SCHEDULE,
    vae={**(TINY_LATENT.vae or {}), "block_out_channels": [8, 8, 8], "norm_num_groups": 4, "sample_size": 16},
)

CONFIGS: dict[str, ModelConfig] = {
    c.name: c for c in (TINY, TINY_LATENT, TINY_LATENT_ZSNR, SD21, SD21_MINI, MICRO, MICRO_LATENT)
}


def get_config(name: str) -> ModelConfig:
    """The named model config; unknown names fail listing the known ones."""
    if name not in CONFIGS:
        raise BenchError(f"unknown FLIPNET model config {name!r}; choose one of {sorted(CONFIGS)}")
    return CONFIGS[name]
