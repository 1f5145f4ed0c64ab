"""``flipnet-bench train decoder``: an autoencoder's decoder trained further with its encoder frozen.

The encoder (and ``quant_conv``) stays as it is, so the latent space, the latent scale and every model trained
on it (prior, joint model, restoration and degradation modes) stay valid; only how a latent is decoded
changes. A sampled latent is never exactly an encoder's mean, and a decoder that has only seen such means can
draw a small latent error as blotches (docs/flipnet.md, "What the decoder draws"): with ``latent_noise`` > 0
each training latent is the face's encoder mean plus Gaussian noise of a std drawn uniformly in
[0, latent_noise] per face (scaled-latent units), and the loss is L1 + ``lpips_weight`` · LPIPS against the
clean face. With ``latent_noise`` 0 the step is the autoencoder's own (``ae_losses``). The output folder is
an autoencoder folder (``vae.safetensors`` + ``autoencoder.json`` with the original latent scale), usable as
``flipnet.restore_decoder``.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from flipnet_bench.train.autoencoder import _AE, ae_losses, load_autoencoder, save_autoencoder
from flipnet_bench.train.autoencoder_config import DecoderTrainConfig
from flipnet_bench.train.common import LoopConfig, load_training_faces, run_loop, sample_batch
from flipnet_bench.train.losses import perceptual_fn


def noisy_latent_losses(
    vae: nn.Module, images: torch.Tensor, gen: torch.Generator, lpips, lpips_weight: float, sigma_max: float
) -> dict[str, torch.Tensor]:
    """L1 + LPIPS of the decoding of each face's latent mean plus noise of std U(0, ``sigma_max``) (the
    autoencoder's own, unscaled latent units)."""
    x = images * 2 - 1
    with torch.no_grad():
        mean = vae.encode(x).latent_dist.mean
    sigma = torch.rand((mean.shape[0], 1, 1, 1), generator=gen) * sigma_max
    rec = vae.decode(mean + sigma.to(mean) * torch.randn(mean.shape, generator=gen).to(mean)).sample
    l1 = (rec - x).abs().mean()
    if lpips is None or lpips_weight <= 0:
        return {"loss": l1, "l1": l1}
    lp = lpips(((rec + 1) / 2).clamp(0, 1), images).mean()
    return {"loss": l1 + lpips_weight * lp, "l1": l1, "lpips": lp}


def train_decoder(data: str | Path, out: str | Path, cfg: DecoderTrainConfig) -> Path:
    """Train (or resume) the decoder of ``cfg.autoencoder`` on the faces of ``data``; exports the whole
    autoencoder (its encoder unchanged) and the original latent scale to ``out`` after every invocation."""
    from flipnet_bench.train.autoencoder_config import AutoencoderTrainConfig

    vae, info = load_autoencoder(cfg.autoencoder)
    for frozen in (vae.encoder, vae.quant_conv):
        frozen.requires_grad_(False)
    scale = float(info["vae_scaling"])
    torch.manual_seed(cfg.seed)
    model = _AE(vae.train())
    faces = load_training_faces(data, int(vae.config.sample_size), cfg.batch_size)
    lpips = perceptual_fn("lpips", faces.device) if cfg.lpips_weight > 0 else None
    own = AutoencoderTrainConfig(config=info["config"], lpips_weight=cfg.lpips_weight)  # its kl_weight

    def step_fn(m: _AE, step: int, gen: torch.Generator) -> dict[str, torch.Tensor]:
        images = sample_batch(faces, cfg.batch_size, gen)
        if cfg.latent_noise <= 0:
            return ae_losses(m.vae, images, gen, lpips, own)
        return noisy_latent_losses(m.vae, images, gen, lpips, cfg.lpips_weight, cfg.latent_noise / scale)

    loop = LoopConfig(out=Path(out), steps=cfg.steps, lr=cfg.lr, seed=cfg.seed, warmup=cfg.warmup,
                      save_every=cfg.save_every, time_limit=cfg.time_limit, desc="decoder")  # fmt: skip
    run_loop(loop, model, step_fn)
    save_autoencoder(model.vae.eval(), Path(out), info["config"], scale)
    return Path(out)
