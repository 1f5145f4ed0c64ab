"""Measurements of FLIPNET's conditioning path (docs/flipnet.md, "Diagnosis").

- :func:`param_groups` / :func:`grad_norms`: the trainable parameters by part (LoRA, BoostHub projections,
  BoostHub output W_O, adapter MLP, mode tokens, embedding) and the L2 norm of each part's gradient, to see
  whether a gradient reaches every part.
- :func:`gate_norms`: the norms of the zero-initialised products (BoostHub W_O, the adapter's last layer, the
  mode tokens): a part whose gate stays at zero never opens.
- :func:`attention_locality`: BoostHub's attention maps on the target stream at given noise levels: the
  entropy relative to a uniform map (1 = uniform, 0 = one token), the attention mass on the query's own
  spatial position, and on its 3×3 neighbourhood (chance levels 1/L and about 9/L for L tokens), and how
  often the own position is the largest weight (chance 1/L).
"""

from __future__ import annotations

import math
from collections import defaultdict

import torch
from torch import nn

from flipnet_bench.models.flipnet.boosthub import BoostHubProcessor

GROUPS = ("lora", "boosthub_qkv", "boosthub_out", "adapter_mlp", "mode_tokens", "embedding")


def group_of(name: str) -> str:
    """The part a trainable parameter belongs to (one of :data:`GROUPS`)."""
    if "lora_" in name:
        return "lora"
    if ".processor.bh_out" in name:
        return "boosthub_out"
    if ".processor.bh_" in name:
        return "boosthub_qkv"
    if name.startswith("adapter.mode"):
        return "mode_tokens"
    if name.startswith("adapter."):
        return "adapter_mlp"
    if name.startswith("embedding."):
        return "embedding"
    raise ValueError(f"unexpected trainable parameter {name!r}")


def param_groups(model: nn.Module) -> dict[str, list[nn.Parameter]]:
    groups: dict[str, list[nn.Parameter]] = defaultdict(list)
    for name, p in model.named_parameters():
        if p.requires_grad:
            groups[group_of(name)].append(p)
    return dict(groups)


def _norm(tensors: list[torch.Tensor]) -> float:
    return math.sqrt(sum(float(t.detach().float().pow(2).sum()) for t in tensors))


def grad_norms(model: nn.Module) -> dict[str, float]:
    """L2 norm of the gradient of each part (0.0 where no gradient arrived)."""
    return {g: _norm([p.grad for p in ps if p.grad is not None]) for g, ps in param_groups(model).items()}


def gate_norms(model: nn.Module) -> dict[str, float]:
    """Norms of the zero-initialised layers: BoostHub W_O (all layers), adapter output layer, mode tokens."""
    procs = [m for m in model.modules() if isinstance(m, BoostHubProcessor)]
    adapter = model.adapter
    return {
        "boosthub_W_O": _norm([t for p in procs for t in (p.bh_out.weight, p.bh_out.bias)]),
        "adapter_out": _norm([adapter.mlp[-1].weight, adapter.mlp[-1].bias]),
        "mode_tokens": _norm([adapter.mode.weight]),
    }


def neighbourhood_mask(side: int, radius: int, device: torch.device | None = None) -> torch.Tensor:
    """L×L boolean mask (L = side²), True where two tokens of a side×side grid are within ``radius``
    (Chebyshev distance) of each other: radius 0 = the same position."""
    yy, xx = torch.meshgrid(torch.arange(side), torch.arange(side), indexing="ij")
    y, x = yy.flatten(), xx.flatten()
    near = ((y[:, None] - y[None, :]).abs() <= radius) & ((x[:, None] - x[None, :]).abs() <= radius)
    return near.to(device)


class LocalityMeter:
    """Accumulates, per BoostHub layer resolution, the attention statistics of every observed pass."""

    def __init__(self, radius: int = 1) -> None:
        self.radius = radius
        self.sums: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))

    def __call__(self, proc: nn.Module, q: torch.Tensor, k: torch.Tensor) -> None:
        n = q.shape[-2]
        side = math.isqrt(n)
        if side * side != n or k.shape[-2] != n:
            return
        bias = proc.attention_bias(n, q.device, q.dtype) if hasattr(proc, "attention_bias") else None
        logits = (q.float() @ k.float().transpose(-1, -2)) / math.sqrt(q.shape[-1])
        if bias is not None:
            logits = logits + bias.float()
        a = logits.softmax(-1)  # B×h×L×L, rows sum to 1
        entropy = -(a * a.clamp_min(1e-12).log()).sum(-1) / math.log(n)
        same = a.diagonal(dim1=-2, dim2=-1)
        near = (a * neighbourhood_mask(side, self.radius, a.device)).sum(-1)
        s = self.sums[side]
        s["rows"] += entropy.numel()
        s["entropy"] += float(entropy.sum())
        s["same"] += float(same.sum())
        s["near"] += float(near.sum())
        s["top1"] += float((a.argmax(-1) == torch.arange(n, device=a.device)).sum())

    def summary(self) -> dict[int, dict[str, float]]:
        """Per grid side: mean relative entropy, mass on the same position and on the neighbourhood, the
        fraction of queries whose largest weight is on their own position (``top1_same``: a ranking, blind
        to the softmax temperature), and the chance (uniform-attention) levels of the two masses."""
        out = {}
        for side, s in sorted(self.sums.items()):
            rows = s["rows"]
            n = side * side
            chance_near = float(neighbourhood_mask(side, self.radius).float().sum()) / n / n
            out[side] = {
                "entropy_rel": s["entropy"] / rows,
                "mass_same": s["same"] / rows,
                "mass_near": s["near"] / rows,
                "top1_same": s["top1"] / rows,
                "chance_same": 1.0 / n,
                "chance_near": chance_near,
            }
        return out


@torch.no_grad()
def attention_locality(
    model: nn.Module,
    target: torch.Tensor,
    cond: torch.Tensor,
    mode: int,
    timesteps: list[int],
    gen: torch.Generator,
    radius: int = 1,
) -> dict[int, dict[int, dict[str, float]]]:
    """BoostHub attention statistics (see :class:`LocalityMeter`) on pairs ``target``/``cond`` (images in
    [0, 1] at the model resolution): for each timestep, the target is noised to it (the condition stream is
    prepared as in training) and one paired UNet pass is observed. Returns {t: {grid side: stats}}."""
    prior = model.prior
    device = prior.null_context.device
    x0_t, x0_c = prior.encode(target.to(device)), prior.encode(cond.to(device))
    sched = prior.noise_scheduler()
    context = model.context(cond.to(device), mode)
    result = {}
    for t_val in timesteps:
        n_t = torch.randn(x0_t.shape, generator=gen).to(x0_t)
        n_c = model.condition_noise(n_t, torch.randn(x0_c.shape, generator=gen).to(x0_c))
        t = torch.full((x0_t.shape[0],), int(t_val), dtype=torch.long, device=device)
        xt_c, t_c = model.noised_condition(x0_c, n_c, t)
        meter = LocalityMeter(radius)
        model.streams.observer = meter
        try:
            model.eps_pair(sched.add_noise(x0_t, n_t, t), xt_c, t, context, t_c)
        finally:
            model.streams.observer = None
        result[int(t_val)] = meter.summary()
    return result


@torch.no_grad()
def x0_fidelity(
    model: nn.Module,
    target: torch.Tensor,
    cond: torch.Tensor,
    mode: int,
    timesteps: list[int],
    gen: torch.Generator,
) -> dict[int, dict[str, float]]:
    """How much the condition decides the prediction: for each timestep, the mean PSNR (dB, model space
    decoded to [0, 1]) of the one-step clean-image prediction x̂0 (``DiffusionPrior.predicted_x0``) against
    the target, with the right condition (``right``), with the conditions of the batch rolled by one
    (``swapped``: a model that ignores its condition scores the same), with the right condition through
    BoostHub but the swapped one through the embedding context (``boosthub_only``), the reverse
    (``embedding_only``), and the right condition with x_t replaced by its noise alone
    (``right_noise_only``: the input a from-noise sampler gives the model at its first step; against
    ``right`` it shows how much x̂0 reads from the √ᾱ share of the target that x_t carries)."""
    prior = model.prior
    device = prior.null_context.device
    target, cond = target.to(device), cond.to(device)
    x0_t, x0_c = prior.encode(target), prior.encode(cond)
    swap = torch.roll(torch.arange(cond.shape[0]), 1)
    ctx, ctx_swapped = model.context(cond, mode), model.context(cond[swap], mode)
    sched = prior.noise_scheduler()
    result = {}
    for t_val in timesteps:
        noise = torch.randn(x0_t.shape, generator=gen).to(x0_t)
        n_c = model.condition_noise(noise, torch.randn(x0_c.shape, generator=gen).to(x0_c))
        t = torch.full((x0_t.shape[0],), int(t_val), dtype=torch.long, device=device)
        xt = sched.add_noise(x0_t, noise, t)
        xc, t_c = model.noised_condition(x0_c, n_c, t)
        xc_swapped, _ = model.noised_condition(x0_c[swap], n_c[swap], t)

        def psnr(c_in: torch.Tensor, context: torch.Tensor, x_in: torch.Tensor = xt) -> float:
            eps, _ = model.eps_pair(x_in, c_in, t, context, t_c)  # noqa: B023 (called in this iteration)
            img = prior.decode(prior.predicted_x0(sched, x_in, eps, t))  # noqa: B023
            mse = ((img - target) ** 2).flatten(1).mean(1).clamp_min(1e-10)
            return float((-10 * torch.log10(mse)).mean())

        result[int(t_val)] = {
            "right": psnr(xc, ctx),
            "swapped": psnr(xc_swapped, ctx_swapped),
            "boosthub_only": psnr(xc, ctx_swapped),
            "embedding_only": psnr(xc_swapped, ctx),
            "right_noise_only": psnr(xc, ctx, noise),
        }
    return result
