"""FLIPNET: frozen prior + LoRA + BoostHub + face embedding/adapter, with the restoration/degradation flip.

Restoration mode: target = HQ, condition = LQ. Degradation mode: target = LQ, condition = HQ. The network
learns the mode from a learned mode token added to the cross-attention context (zero at init) and from
which embedding encoder sees the condition (LQ encoder when restoring, HQ encoder when degrading).
Both streams pass through the UNet as one batch ``[target; condition]``. The condition stream's noise
level is ``FlipnetArch.cond_noise`` (the paper does not state it): ``clean`` (the measured default,
docs/flipnet.md) feeds the condition un-noised at t = 0, so BoostHub reads the input's structure even at the
high-noise steps that fix a face's layout; ``tied`` noises it to the target's own t and adds the condition
stream's own ε-loss; ``low`` noises it to a fixed small t. Restoration adds MSE + perceptual losses on the
target's predicted x0.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from flipnet_bench.models.flipnet.arch import FlipnetArch
from flipnet_bench.models.flipnet.boosthub import BoostHubProcessor, add_boosthub
from flipnet_bench.models.flipnet.cond_input import ConditionInput
from flipnet_bench.models.flipnet.embedding import DEGRADE, RESTORE, ContextAdapter, FaceEmbedding
from flipnet_bench.models.flipnet.prior import DiffusionPrior

LORA_TARGETS = ["to_q", "to_k", "to_v", "to_out.0"]


def is_trained_key(key: str, arch: FlipnetArch) -> bool:
    """Is the state-dict entry ``key`` one that training under ``arch`` changes (and the checkpoint holds)?
    LoRA, BoostHub, adapter and embedding always; every UNet weight with ``arch.finetune_unet``; the
    condition's input convolution with ``arch.cond_concat``."""
    if "lora_" in key or ".processor.bh_" in key or key.startswith(("adapter.", "embedding.")):
        return True
    if key.startswith("cond_in."):
        return arch.cond_concat
    return arch.finetune_unet and key.startswith("prior.unet.")


class Flipnet(nn.Module):
    """The unified restoration/degradation network. Only LoRA, BoostHub, adapter (+ optionally embedding,
    and the UNet with ``arch.finetune_unet``) parameters are trainable; the rest of the prior (null context,
    VAE) stays frozen. The model owns its configuration ``arch`` (:class:`FlipnetArch`), which its
    checkpoint records."""

    def __init__(self, prior: DiffusionPrior, embedding: FaceEmbedding, arch: FlipnetArch) -> None:
        super().__init__()
        from peft import LoraConfig

        self.arch = arch
        self.prior = prior.requires_grad_(False)
        self.streams = add_boosthub(
            prior.unet, arch.phi, arch.boosthub_pos, arch.boosthub_window, arch.boosthub_k_from_q
        )
        lora = LoraConfig(
            r=arch.lora_rank, lora_alpha=arch.lora_alpha, target_modules=LORA_TARGETS, init_lora_weights=True
        )
        prior.unet.add_adapter(lora)
        for module in prior.unet.modules():  # peft freezes everything that is not LoRA: re-open BoostHub
            if isinstance(module, BoostHubProcessor):
                module.requires_grad_(True)
        if arch.finetune_unet:
            prior.unet.requires_grad_(True)
        #: the condition concatenated at the UNet's input (``arch.cond_concat``; trainable, zero at start)
        self.cond_in = ConditionInput(prior.unet.conv_in, self.streams) if arch.cond_concat else None
        self.embedding = embedding.requires_grad_(arch.finetune_embedding)
        cfg = prior.config
        self.adapter = ContextAdapter(embedding.dim, cfg.context_tokens, cfg.context_dim, arch.adapter_hidden)

    # -- building blocks -------------------------------------------------------------------------------------
    def context(self, cond_images: torch.Tensor, mode: int) -> torch.Tensor:
        """Cross-attention context: the prior's null context + adapter(embedding of the condition) + mode."""
        z = self.embedding.embed(cond_images, "lq" if mode == RESTORE else "hq")
        modes = torch.full((z.shape[0],), mode, dtype=torch.long, device=z.device)
        return self.prior.context(z.shape[0]) + self.adapter(z, modes)

    def noised_condition(
        self, x0_cond: torch.Tensor, noise: torch.Tensor, t: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(condition stream input, its timesteps) for target timesteps ``t``, per ``arch.cond_noise``.
        The training schedule's forward process is used at train and sample time alike."""
        mode = self.arch.cond_noise
        if mode == "clean":
            return x0_cond, torch.zeros_like(t)
        t_c = t if mode == "tied" else torch.full_like(t, self.arch.cond_low_t)
        return self.prior.noise_scheduler().add_noise(x0_cond, noise, t_c), t_c

    def condition_noise(self, target_noise: torch.Tensor, own_noise: torch.Tensor) -> torch.Tensor:
        """The noise sample of the condition stream: its own draw, or the target's (``cond_eps``)."""
        return target_noise if self.arch.cond_eps == "shared" else own_noise

    def eps_pair(
        self,
        xt_target: torch.Tensor,
        xt_cond: torch.Tensor,
        t: torch.Tensor,
        context: torch.Tensor,
        t_cond: torch.Tensor | None = None,
        record: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """ε̂ for both streams in one UNet pass; BoostHub lets the target attend to the condition.
        ``t_cond`` defaults to ``t`` (both streams at one noise level). ``record`` keeps the condition
        stream's BoostHub inputs for :meth:`eps_target_replay`."""
        n = xt_target.shape[0]
        self.streams.paired, self.streams.record = True, record
        if record:
            self.streams.recorded.clear()
        try:
            eps = self.prior.unet(
                torch.cat([xt_target, xt_cond]),
                torch.cat([t, t if t_cond is None else t_cond]),
                encoder_hidden_states=torch.cat([context, context]),
            ).sample
        finally:
            self.streams.paired = self.streams.record = False
        return eps[:n], eps[n:]

    def eps_target_replay(
        self, xt_target: torch.Tensor, t: torch.Tensor, context: torch.Tensor
    ) -> torch.Tensor:
        """ε̂ of the target stream alone, BoostHub reading the condition features the last
        ``eps_pair(record=True)`` kept: equal to that pass's target output whenever the condition stream's
        input (image, timestep, context) is unchanged, at half the cost."""
        if not self.streams.recorded:
            raise RuntimeError("eps_target_replay needs a preceding eps_pair(..., record=True)")
        self.streams.replay = True
        try:
            return self.prior.unet(xt_target, t, encoder_hidden_states=context).sample
        finally:
            self.streams.replay = False

    def forget_condition(self) -> None:
        """Drop the recorded condition features (they hold a batch's activations)."""
        self.streams.recorded.clear()

    @property
    def condition_is_fixed(self) -> bool:
        """Is the condition stream's input the same at every sampling step (clean, or one fixed low t)?"""
        return self.arch.cond_noise != "tied"

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
        t: torch.Tensor | None = None,
    ) -> dict[str, torch.Tensor]:
        """Training losses for one batch of pairs (images in [0, 1] at the model resolution), at timesteps
        ``t`` (one per pair; default: drawn uniformly over the training schedule from ``gen``)."""
        device = self.prior.null_context.device
        target, cond = self.roles(hq.to(device), lq.to(device), mode)
        x0_t, x0_c = self.prior.encode(target), self.prior.encode(cond)
        sched = self.prior.noise_scheduler()
        n_t = torch.randn(x0_t.shape, generator=gen).to(x0_t)
        n_c = self.condition_noise(n_t, torch.randn(x0_c.shape, generator=gen).to(x0_c))
        if t is None:
            t = torch.randint(0, sched.config.num_train_timesteps, (x0_t.shape[0],), generator=gen)
        t = t.to(x0_t.device)
        xt_t = sched.add_noise(x0_t, n_t, t)
        xt_c, t_c = self.noised_condition(x0_c, n_c, t)
        eps_t, eps_c = self.eps_pair(xt_t, xt_c, t, self.context(cond, mode), t_c)
        prior = self.prior
        out = {"eps_target": F.mse_loss(eps_t, prior.training_target(sched, x0_t, n_t, t))}
        loss = out["eps_target"]
        if self.arch.cond_noise == "tied":  # an input at (near) t = 0 has no noise to predict
            out["eps_cond"] = F.mse_loss(eps_c, prior.training_target(sched, x0_c, n_c, t_c))
            loss = loss + cond_eps_weight * out["eps_cond"]
        if mode == RESTORE and (lambda_mse > 0 or lambda_perceptual > 0):
            x0_hat = prior.predicted_x0(sched, xt_t, eps_t, t)
            img_hat = self.prior.decode(x0_hat)
            out["mse_x0"] = F.mse_loss(img_hat, target)
            loss = loss + lambda_mse * out["mse_x0"]
            if lambda_perceptual > 0 and perceptual is not None:
                out["perceptual_x0"] = perceptual(img_hat, target).mean()
                loss = loss + lambda_perceptual * out["perceptual_x0"]
        out["loss"] = loss
        return {"loss": out.pop("loss"), **out}

    def trainable_state_dict(self) -> dict[str, torch.Tensor]:
        """Only what training changes (:func:`is_trained_key`): the FLIPNET checkpoint."""
        return {k: v for k, v in self.state_dict().items() if is_trained_key(k, self.arch)}
