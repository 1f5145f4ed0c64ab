"""The diffusion prior: a UNet (+ a frozen VAE in latent space) and a learned "null" cross-attention context.

The prior is unconditional; its cross-attention sees ``null_context`` (learned with the tiny prior, zeros
or a supplied empty-prompt embedding for SD-2.1). FLIPNET later *adds* its face-embedding tokens to this
context through zero-initialised layers, so at initialisation FLIPNET computes exactly the prior.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

from flipnet_bench.errors import BenchError
from flipnet_bench.models.flipnet.configs import ModelConfig

WEIGHTS_NAME = "model.safetensors"
#: Latent priors with a trained autoencoder (``tiny-latent``) keep its frozen weights beside theirs.
VAE_NAME = "vae.safetensors"
CONFIG_NAME = "config.json"
#: The autoencoder's parts that define its latent space (``use_decoder`` requires them unchanged).
_ENCODER = ("encoder.", "quant_conv.")


class DiffusionPrior(nn.Module):
    """UNet2DConditionModel + null context (+ AutoencoderKL for latent configs)."""

    def __init__(self, config: ModelConfig, unet: nn.Module | None = None, vae: nn.Module | None = None):
        super().__init__()
        from diffusers import AutoencoderKL, UNet2DConditionModel

        self.config = config
        self.unet = unet if unet is not None else UNet2DConditionModel(**config.unet)
        self.null_context = nn.Parameter(torch.zeros(1, config.context_tokens, config.context_dim))
        if config.space == "latent":
            if vae is None:
                if config.vae is None:
                    raise BenchError(f"model config {config.name!r} is latent-space but has no VAE")
                vae = AutoencoderKL(**config.vae)
            self.vae = vae.requires_grad_(False).eval()
        else:
            self.vae = None

    @property
    def sample_shape(self) -> tuple[int, int, int]:
        """Shape (C, H, W) of one sample in model space."""
        c = self.config
        size = c.resolution if c.space == "pixel" else c.resolution // self._vae_factor()
        return (c.latent_channels, size, size)

    def _vae_factor(self) -> int:
        return 2 ** (len(self.vae.config.block_out_channels) - 1)

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """Images in [0, 1] at the config resolution → model space (pixels in [-1, 1] or scaled latents)."""
        x = images * 2.0 - 1.0
        if self.vae is None:
            return x
        with torch.no_grad():
            return self.vae.encode(x).latent_dist.mean * self.config.vae_scaling

    def decode(self, x: torch.Tensor) -> torch.Tensor:
        """Model space → images in [0, 1] (differentiable: the x0 losses go through the frozen decoder)."""
        if self.vae is not None:
            x = self.vae.decode(x / self.config.vae_scaling).sample
        return ((x + 1.0) / 2.0).clamp(0.0, 1.0)

    def use_decoder(self, folder: str | Path) -> None:
        """Decode with the decoder of another autoencoder folder (``vae.safetensors``: a `train autoencoder`
        output or a prior folder) that shares this prior's encoder, so its latent space is this prior's:
        the decoder and ``post_quant_conv`` are taken from it. A missing file, another architecture or
        another encoder is an error naming the folder."""
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        path = Path(folder) / VAE_NAME
        if self.vae is None:
            raise BenchError(
                f"{folder}: a decoder was given, but the {self.config.name!r} prior has no autoencoder"
            )
        try:
            theirs = load_file(str(path))
        except (OSError, SafetensorError) as exc:
            raise BenchError(f"{path}: cannot read an autoencoder's weights ({exc})") from exc
        own = self.vae.state_dict()
        if set(theirs) != set(own) or any(theirs[k].shape != v.shape for k, v in own.items()):
            raise BenchError(f"{path}: not an autoencoder of the {self.config.name!r} prior's architecture")
        if any(not torch.equal(theirs[k], v) for k, v in own.items() if k.startswith(_ENCODER)):
            raise BenchError(
                f"{path}: its encoder is not this prior's (another latent space); train its decoder with "
                "the prior's encoder frozen (`flipnet-bench train decoder`)"
            )
        self.vae.load_state_dict(theirs)

    def context(self, batch: int) -> torch.Tensor:
        return self.null_context.expand(batch, -1, -1)

    def forward(
        self, x_t: torch.Tensor, t: torch.Tensor, context: torch.Tensor | None = None
    ) -> torch.Tensor:
        """The UNet output at (x_t, t): predicted noise ε̂, or velocity v̂ for a v-prediction schedule."""
        ctx = self.context(x_t.shape[0]) if context is None else context
        return self.unet(x_t, t, encoder_hidden_states=ctx).sample

    def noise_scheduler(self):  # -> DDPMScheduler
        from diffusers import DDPMScheduler

        return DDPMScheduler(**self.config.scheduler)

    def training_target(self, sched, x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """What the UNet is trained to output for x_t = add_noise(x0, noise, t): the noise (ε-prediction) or
        the velocity √ᾱ·ε − √(1−ᾱ)·x0 (``prediction_type: v_prediction``)."""
        if sched.config.prediction_type == "v_prediction":
            return sched.get_velocity(x0, noise, t)
        return noise

    def predicted_x0(self, sched, x_t: torch.Tensor, out: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """The clean sample implied by the UNet output ``out`` at (x_t, t): (x_t − √(1−ᾱ)·ε̂)/√ᾱ, or
        √ᾱ·x_t − √(1−ᾱ)·v̂ for v-prediction (defined at ᾱ = 0 too)."""
        ab = sched.alphas_cumprod.to(x_t)[t].view(-1, *([1] * (x_t.dim() - 1)))
        if sched.config.prediction_type == "v_prediction":
            return ab.sqrt() * x_t - (1 - ab).sqrt() * out
        return (x_t - (1 - ab).sqrt() * out) / ab.sqrt()


def save_prior(
    prior: DiffusionPrior, folder: str | Path, state_dict: dict[str, torch.Tensor] | None = None
) -> None:
    """Write ``model.safetensors`` (UNet + null context; the VAE is not trained so not saved) and config."""
    from safetensors.torch import save_file

    from flipnet_bench.io import atomic_path, write_json

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sd = state_dict if state_dict is not None else prior.state_dict()
    tensors = {k: v.detach().cpu().contiguous() for k, v in sd.items() if not k.startswith("vae.")}
    with atomic_path(folder / WEIGHTS_NAME) as tmp:
        # One metadata key only: safetensors writes metadata in hash-map order, which changes per process, and
        # the file's bytes must not (training outputs are content-hashed).
        save_file(tensors, str(tmp), metadata={"kind": "flipnet-prior"})
    if prior.vae is not None and prior.config.vae is not None:
        vae_sd = {k[4:]: v.detach().cpu().contiguous() for k, v in sd.items() if k.startswith("vae.")}
        with atomic_path(folder / VAE_NAME) as tmp:
            save_file(vae_sd, str(tmp), metadata={"kind": "flipnet-autoencoder"})
    write_json(folder / CONFIG_NAME, prior.config.to_dict())


def load_prior(folder: str | Path, vae: nn.Module | None = None) -> DiffusionPrior:
    """Rebuild a prior saved by :func:`save_prior`."""
    from safetensors.torch import load_file

    folder = Path(folder)
    for name in (CONFIG_NAME, WEIGHTS_NAME):
        if not (folder / name).is_file():
            raise BenchError(
                f"{folder}: not a prior checkpoint ({name} missing); train one with "
                "`flipnet-bench train prior` or pass the right --prior folder"
            )
    config = ModelConfig.from_dict(json.loads((folder / CONFIG_NAME).read_text(encoding="utf-8")))
    prior = DiffusionPrior(config, vae=vae)
    if vae is None and config.space == "latent" and config.vae is not None:
        if not (folder / VAE_NAME).is_file():
            raise BenchError(f"{folder}: latent prior without its autoencoder ({VAE_NAME} missing)")
        prior.vae.load_state_dict(load_file(str(folder / VAE_NAME)))
    state = load_file(str(folder / WEIGHTS_NAME))
    missing, unexpected = prior.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.startswith("vae.")]
    if missing or unexpected:
        raise BenchError(
            f"{folder / WEIGHTS_NAME}: weights do not match config {config.name!r} "
            f"(missing {missing[:3]}, unexpected {unexpected[:3]})"
        )
    return prior


def load_sd21_prior(config: ModelConfig, path: str) -> DiffusionPrior:
    """SD-2.1-shaped UNet and VAE from a local folder or hub id (subfolders ``unet`` and ``vae``)."""
    from diffusers import AutoencoderKL, UNet2DConditionModel

    try:
        unet = UNet2DConditionModel.from_pretrained(path, subfolder="unet")
        vae = AutoencoderKL.from_pretrained(path, subfolder="vae")
    except (OSError, ValueError) as exc:
        raise BenchError(
            f"could not load an SD-2.1 UNet/VAE from {path!r} (flipnet.prior_path): {exc}"
        ) from exc
    cfg = ModelConfig(
        **{
            **config.to_dict(),
            "unet": {k: v for k, v in unet.config.items() if not k.startswith("_")},
            "vae": None,
            "resolution": int(unet.config.sample_size) * 2 ** (len(vae.config.block_out_channels) - 1),
        }
    )
    return DiffusionPrior(cfg, unet=unet, vae=vae)
