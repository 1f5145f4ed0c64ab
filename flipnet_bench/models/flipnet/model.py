"""FLIPNET: frozen prior + LoRA + BoostHub + face embedding/adapter, with the restoration/degradation flip.

Restoration mode: target = HQ, condition = LQ. Degradation mode: target = LQ, condition = HQ. The network
learns the mode from a learned mode token added to the cross-attention context (zero at init) and from
which embedding encoder sees the condition (LQ encoder when restoring, HQ encoder when degrading).
Both streams are noised with the same t and pass through the UNet as one batch ``[target; condition]``;
each stream has its own ε-loss, and restoration adds MSE + perceptual losses on the target's predicted x0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from flipnet_bench.models.flipnet.boosthub import BoostHubProcessor, add_boosthub
from flipnet_bench.models.flipnet.embedding import DEGRADE, RESTORE, ContextAdapter, FaceEmbedding
from flipnet_bench.models.flipnet.prior import DiffusionPrior

LORA_TARGETS = ["to_q", "to_k", "to_v", "to_out.0"]


@dataclass(frozen=True)
class FlipnetArch:
    """Architecture hyper-parameters of the trainable parts (saved with the checkpoint)."""

    lora_rank: int = 8
    lora_alpha: float = 8.0
    phi: float = 1.0
    adapter_hidden: int = 512
    finetune_embedding: bool = False


class Flipnet(nn.Module):
    """The unified restoration/degradation network. Only LoRA, BoostHub, adapter (+ optionally embedding)
    parameters are trainable; the prior (UNet, null context, VAE) stays frozen."""

    def __init__(self, prior: DiffusionPrior, embedding: FaceEmbedding, arch: FlipnetArch) -> None:
        super().__init__()
        from peft import LoraConfig

        self.arch = arch
        self.prior = prior.requires_grad_(False)
        self.streams = add_boosthub(prior.unet, arch.phi)
        lora = LoraConfig(
            r=arch.lora_rank, lora_alpha=arch.lora_alpha, target_modules=LORA_TARGETS, init_lora_weights=True
        )
        prior.unet.add_adapter(lora)
        for module in prior.unet.modules():  # peft freezes everything that is not LoRA: re-open BoostHub
            if isinstance(module, BoostHubProcessor):
                module.requires_grad_(True)
        self.embedding = embedding.requires_grad_(arch.finetune_embedding)
        cfg = prior.config
        self.adapter = ContextAdapter(embedding.dim, cfg.context_tokens, cfg.context_dim, arch.adapter_hidden)

    # -- building blocks -------------------------------------------------------------------------------------
    def context(self, cond_images: torch.Tensor, mode: int) -> torch.Tensor:
        """Cross-attention context: the prior's null context + adapter(embedding of the condition) + mode."""
        z = self.embedding.embed(cond_images, "lq" if mode == RESTORE else "hq")
        modes = torch.full((z.shape[0],), mode, dtype=torch.long, device=z.device)
        return self.prior.context(z.shape[0]) + self.adapter(z, modes)

    def eps_pair(
        self, xt_target: torch.Tensor, xt_cond: torch.Tensor, t: torch.Tensor, context: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """ε̂ for both streams in one UNet pass; BoostHub lets the target attend to the condition."""
        n = xt_target.shape[0]
        self.streams.paired = True
        try:
            eps = self.prior.unet(
                torch.cat([xt_target, xt_cond]),
                torch.cat([t, t]),
                encoder_hidden_states=torch.cat([context, context]),
            ).sample
        finally:
            self.streams.paired = False
        return eps[:n], eps[n:]

    @staticmethod
    def roles(hq: torch.Tensor, lq: torch.Tensor, mode: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(target, condition) images for ``mode``: the flip."""
        if mode not in (RESTORE, DEGRADE):
            raise ValueError(f"mode must be RESTORE ({RESTORE}) or DEGRADE ({DEGRADE}), got {mode}")
        return (hq, lq) if mode == RESTORE else (lq, hq)

    # -- training --------------------------------------------------------------------------------------------
    def losses(
        self,
        hq: torch.Tensor,
        lq: torch.Tensor,
        mode: int,
        gen: torch.Generator,
        lambda_mse: float = 0.0,
        lambda_perceptual: float = 0.0,
        perceptual: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
        cond_eps_weight: float = 1.0,
    ) -> dict[str, torch.Tensor]:
        """Training losses for one batch of pairs (images in [0, 1] at the model resolution)."""
        device = self.prior.null_context.device
        target, cond = self.roles(hq.to(device), lq.to(device), mode)
        x0_t, x0_c = self.prior.encode(target), self.prior.encode(cond)
        sched = self.prior.noise_scheduler()
        n_t = torch.randn(x0_t.shape, generator=gen).to(x0_t)
        n_c = torch.randn(x0_c.shape, generator=gen).to(x0_c)
        t = torch.randint(0, sched.config.num_train_timesteps, (x0_t.shape[0],), generator=gen).to(
            x0_t.device
        )
        xt_t, xt_c = sched.add_noise(x0_t, n_t, t), sched.add_noise(x0_c, n_c, t)
        eps_t, eps_c = self.eps_pair(xt_t, xt_c, t, self.context(cond, mode))
        out = {"eps_target": F.mse_loss(eps_t, n_t), "eps_cond": F.mse_loss(eps_c, n_c)}
        loss = out["eps_target"] + cond_eps_weight * out["eps_cond"]
        if mode == RESTORE and (lambda_mse > 0 or lambda_perceptual > 0):
            ab = sched.alphas_cumprod.to(x0_t)[t].view(-1, 1, 1, 1)
            x0_hat = (xt_t - (1 - ab).sqrt() * eps_t) / ab.sqrt()
            img_hat = self.prior.decode(x0_hat)
            out["mse_x0"] = F.mse_loss(img_hat, target)
            loss = loss + lambda_mse * out["mse_x0"]
            if lambda_perceptual > 0 and perceptual is not None:
                out["perceptual_x0"] = perceptual(img_hat, target).mean()
                loss = loss + lambda_perceptual * out["perceptual_x0"]
        out["loss"] = loss
        return {"loss": out.pop("loss"), **out}

    def trainable_state_dict(self) -> dict[str, torch.Tensor]:
        """Only what training changes (LoRA, BoostHub, adapter, embedding): the FLIPNET checkpoint."""
        return {
            k: v
            for k, v in self.state_dict().items()
            if "lora_" in k or ".processor.bh_" in k or k.startswith(("adapter.", "embedding."))
        }
