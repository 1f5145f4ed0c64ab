"""The autoencoder of a latent miniature (``tiny-latent``): a small ``AutoencoderKL`` trained on the HQ faces.

Loss per step: L1 + ``lpips_weight`` · LPIPS-alex (the metric suite's frozen network, as the FLIPNET x0
losses use) + ``kl_weight`` · KL(q(z|x) ‖ N(0, I)) (per-element mean), on randomly mirrored faces at the
config resolution; the decoder reads a sample of q(z|x). The exported folder holds the weights
(``vae.safetensors``), the config and the latent scale 1/std of the encoder means over the training faces
(``autoencoder.json``), which the latent prior uses as its ``vae_scaling``.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

from flipnet_bench.errors import BenchError
from flipnet_bench.io import atomic_path, write_json
from flipnet_bench.models.flipnet.configs import get_config
from flipnet_bench.train.autoencoder_config import AutoencoderTrainConfig
from flipnet_bench.train.common import LoopConfig, load_training_faces, run_loop, sample_batch

VAE_WEIGHTS = "vae.safetensors"
VAE_INFO = "autoencoder.json"


class _AE(nn.Module):
    def __init__(self, vae: nn.Module) -> None:
        super().__init__()
        self.vae = vae


def build_vae(config: str) -> nn.Module:
    """A randomly initialised ``AutoencoderKL`` of the named latent config."""
    from diffusers import AutoencoderKL

    cfg = get_config(config)
    if cfg.space != "latent" or cfg.vae is None:
        raise BenchError(f"model config {config!r} has no trainable autoencoder (a latent config with 'vae')")
    return AutoencoderKL(**cfg.vae)


def ae_losses(vae: nn.Module, images: torch.Tensor, gen: torch.Generator, lpips, cfg: AutoencoderTrainConfig):
    """The step's loss terms (images in [0, 1])."""
    x = images * 2 - 1
    dist = vae.encode(x).latent_dist
    z = dist.mean + dist.std * torch.randn(dist.mean.shape, generator=gen).to(x)
    rec = vae.decode(z).sample
    l1 = (rec - x).abs().mean()
    kl = 0.5 * (dist.mean.pow(2) + dist.var - 1.0 - dist.logvar).mean()
    out = {"l1": l1, "kl": kl}
    loss = l1 + cfg.kl_weight * kl
    if lpips is not None and cfg.lpips_weight > 0:
        lp = lpips(((rec + 1) / 2).clamp(0, 1), images).mean()
        out["lpips"] = lp
        loss = loss + cfg.lpips_weight * lp
    return {"loss": loss, **out}


@torch.no_grad()
def latent_scale(vae: nn.Module, faces: torch.Tensor, batch: int = 64) -> float:
    """1 / std of the encoder means over ``faces`` (the scale that gives the prior unit-variance latents)."""
    zs = [vae.encode(faces[i : i + batch] * 2 - 1).latent_dist.mean for i in range(0, faces.shape[0], batch)]
    return float(1.0 / torch.cat(zs).std())


def save_autoencoder(vae: nn.Module, folder: Path, config: str, scale: float) -> None:
    from safetensors.torch import save_file

    with atomic_path(folder / VAE_WEIGHTS) as tmp:
        tensors = {k: v.detach().cpu().contiguous() for k, v in vae.state_dict().items()}
        save_file(tensors, str(tmp), metadata={"kind": "flipnet-autoencoder"})
    write_json(folder / VAE_INFO, {"config": config, "vae": get_config(config).vae, "vae_scaling": scale})


def load_autoencoder(folder: str | Path) -> tuple[nn.Module, dict]:
    """The autoencoder of ``folder`` (written by ``train autoencoder``) and its info (config, vae_scaling)."""
    from diffusers import AutoencoderKL
    from safetensors.torch import load_file

    folder = Path(folder)
    for name in (VAE_INFO, VAE_WEIGHTS):
        if not (folder / name).is_file():
            raise BenchError(
                f"{folder}: not an autoencoder folder ({name} missing); make one with "
                "`flipnet-bench train autoencoder`"
            )
    info = json.loads((folder / VAE_INFO).read_text(encoding="utf-8"))
    vae = AutoencoderKL(**info["vae"])
    vae.load_state_dict(load_file(str(folder / VAE_WEIGHTS)))
    return vae.eval(), info


def train_autoencoder(data: str | Path, out: str | Path, cfg: AutoencoderTrainConfig) -> Path:
    """Train (or resume) the autoencoder; exports weights + latent scale to ``out`` after every invocation."""
    from flipnet_bench.train.losses import perceptual_fn

    model_cfg = get_config(cfg.config)
    torch.manual_seed(cfg.seed)
    model = _AE(build_vae(cfg.config))
    faces = load_training_faces(data, model_cfg.resolution, cfg.batch_size)
    lpips = perceptual_fn("lpips", faces.device) if cfg.lpips_weight > 0 else None

    def step_fn(m: _AE, step: int, gen: torch.Generator) -> dict[str, torch.Tensor]:
        return ae_losses(m.vae, sample_batch(faces, cfg.batch_size, gen), gen, lpips, cfg)

    loop = LoopConfig(
        out=Path(out),
        steps=cfg.steps,
        lr=cfg.lr,
        seed=cfg.seed,
        warmup=cfg.warmup,
        save_every=cfg.save_every,
        time_limit=cfg.time_limit,
        desc=f"autoencoder-{cfg.config}",
    )
    run_loop(loop, model, step_fn)
    vae = model.vae.eval()
    save_autoencoder(vae, Path(out), cfg.config, latent_scale(vae, faces[:512]))
    return Path(out)
