"""BoostHub: a trainable attention branch parallel to every self-attention (``attn1``) of the UNet.

The two streams travel through the UNet as one batch ``[target; condition]``. Each self-attention computes
its normal output for both halves; BoostHub then adds to the *target* half

    φ · W_O · softmax(Q_x K_yᵀ / √d) V_y      (Q from the target stream x, K/V from the condition stream y)

with its own projections. W_O (weight and bias) starts at zero, so an untrained BoostHub changes nothing
and FLIPNET starts exactly at the prior. Q/K/V start as copies of the self-attention's projections, so the
branch starts as a sensible cross-stream attention rather than noise.

Nothing flows from the target into the condition stream, so when the condition's input is the same at every
sampling step (a clean or fixed-t condition), its per-layer features are the same too: a paired pass can
*record* them and later passes *replay* them with the target stream alone — half the UNet work per step.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class StreamState:
    """Shared by all BoostHub processors of one UNet: is the current batch a ``[target; condition]`` pair
    (``paired``), should a paired pass keep the condition's features (``record``), or is the batch the target
    alone, reading the recorded features (``replay``)?"""

    paired: bool = False
    record: bool = False
    replay: bool = False
    recorded: dict[nn.Module, torch.Tensor] = field(default_factory=dict)
    #: Called as ``observer(processor, q, k)`` with the heads-shaped BoostHub queries and keys (B×h×L×d) of
    #: every BoostHub pass; ``diagnostics.attention_locality`` uses it to measure the attention maps.
    observer: Callable[[nn.Module, torch.Tensor, torch.Tensor], None] | None = None


def _base_weight(layer: nn.Module) -> torch.Tensor:
    return getattr(layer, "base_layer", layer).weight


class BoostHubProcessor(nn.Module):
    """Attention processor for ``attn1``: normal self-attention + the cross-stream BoostHub branch."""

    def __init__(
        self,
        attn: nn.Module,
        state: StreamState,
        phi: float,
        pos: bool = False,
        window: int = 0,
        k_from_q: bool = False,
    ) -> None:
        super().__init__()
        from diffusers.models.attention_processor import AttnProcessor2_0

        self.base = AttnProcessor2_0()
        self.state = state
        self.phi = phi
        self.heads = attn.heads
        query_dim = _base_weight(attn.to_q).shape[1]
        inner = _base_weight(attn.to_q).shape[0]
        self.bh_q = nn.Linear(query_dim, inner, bias=False)
        self.bh_k = nn.Linear(query_dim, inner, bias=False)
        self.bh_v = nn.Linear(query_dim, inner, bias=False)
        self.bh_out = nn.Linear(inner, query_dim)
        with torch.no_grad():
            self.bh_q.weight.copy_(_base_weight(attn.to_q))
            self.bh_k.weight.copy_(_base_weight(attn.to_q if k_from_q else attn.to_k))
            self.bh_v.weight.copy_(_base_weight(attn.to_v))
            nn.init.zeros_(self.bh_out.weight)
            nn.init.zeros_(self.bh_out.bias)
        self.window = window
        #: Options that give the branch spatial position (docs/flipnet.md, "Diagnosis"; off as published):
        #: a 2-D sinusoidal encoding added to Q and K with a learned gain, and a local window.
        self.bh_pos_gain = nn.Parameter(torch.ones(())) if pos else None

    def attention_bias(self, n: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor | None:
        """Additive L×L mask of the local window (0 inside, −inf outside), or None for global attention."""
        if not self.window:
            return None
        side = _side(n)
        yy, xx = torch.meshgrid(torch.arange(side), torch.arange(side), indexing="ij")
        y, x = yy.flatten(), xx.flatten()
        far = ((y[:, None] - y[None, :]).abs() > self.window) | (
            (x[:, None] - x[None, :]).abs() > self.window
        )
        return torch.zeros(n, n, dtype=dtype).masked_fill(far, float("-inf")).to(device)

    def _with_position(self, t: torch.Tensor) -> torch.Tensor:
        if self.bh_pos_gain is None:
            return t
        return t + self.bh_pos_gain * sincos_2d(t.shape[-2], t.shape[-1]).to(t)

    def boost(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """φ · W_O · softmax(Q_x K_yᵀ/√d) V_y for token sequences x (target) and y (condition), B×L×C."""
        b, n, _ = x.shape

        def heads(t: torch.Tensor) -> torch.Tensor:
            return t.view(b, -1, self.heads, t.shape[-1] // self.heads).transpose(1, 2)

        q, k = self._with_position(heads(self.bh_q(x))), self._with_position(heads(self.bh_k(y)))
        if self.state.observer is not None:
            self.state.observer(self, q, k)
        mask = self.attention_bias(q.shape[-2], q.device, q.dtype)
        out = F.scaled_dot_product_attention(q, k, heads(self.bh_v(y)), attn_mask=mask)
        out = out.transpose(1, 2).reshape(b, n, -1)
        return self.phi * self.bh_out(out)

    def forward(
        self,
        attn: nn.Module,
        hidden_states: torch.Tensor,
        encoder_hidden_states=None,
        attention_mask=None,
        temb=None,
        **kwargs,
    ) -> torch.Tensor:
        out = self.base(attn, hidden_states, encoder_hidden_states, attention_mask, temb)
        if encoder_hidden_states is not None or hidden_states.ndim != 3:
            return out
        if self.state.replay:
            return out + self.boost(hidden_states, self.state.recorded[self])
        if not self.state.paired:
            return out
        n = hidden_states.shape[0] // 2
        x, y = hidden_states[:n], hidden_states[n:]
        if self.state.record:
            self.state.recorded[self] = y
        return torch.cat([out[:n] + self.boost(x, y), out[n:]])


def _side(n: int) -> int:
    side = math.isqrt(n)
    if side * side != n:
        raise ValueError(f"BoostHub position options need a square token grid, got {n} tokens")
    return side


def sincos_2d(n: int, dim: int) -> torch.Tensor:
    """L×d 2-D sinusoidal position code of a square grid of L = side² tokens: d/4 frequencies per axis,
    geometrically from π/2 (a neighbour is orthogonal) down to π/side, so the code's dot product is d/2 at
    the same position and falls with distance."""
    side = _side(n)
    m = max(dim // 4, 1)
    freqs = (math.pi / 2) * (2 / side) ** (torch.arange(m, dtype=torch.float64) / max(m - 1, 1))
    yy, xx = torch.meshgrid(torch.arange(side), torch.arange(side), indexing="ij")
    parts = []
    for coord in (yy.flatten(), xx.flatten()):
        ang = coord[:, None].double() * freqs[None, :]
        parts += [ang.sin(), ang.cos()]
    code = torch.cat(parts, 1).float()
    return F.pad(code, (0, dim - code.shape[1])) if code.shape[1] < dim else code[:, :dim]


def add_boosthub(
    unet: nn.Module, phi: float, pos: bool = False, window: int = 0, k_from_q: bool = False
) -> StreamState:
    """Install a BoostHub on every self-attention of ``unet``; returns the shared stream state switch.
    ``k_from_q``: BoostHub's K starts as a copy of the layer's ``to_q`` (``FlipnetArch.boosthub_k_from_q``).
    """
    state = StreamState()
    modules = dict(unet.named_modules())
    procs = {}
    for name, proc in unet.attn_processors.items():
        attn_name = name.rsplit(".processor", 1)[0]
        if attn_name.endswith("attn1"):
            procs[name] = BoostHubProcessor(modules[attn_name], state, phi, pos, window, k_from_q)
        else:
            procs[name] = proc
    if not any(isinstance(p, BoostHubProcessor) for p in procs.values()):
        raise ValueError("the UNet has no self-attention (attn1) layers for BoostHub")
    unet.set_attn_processor(procs)
    return state
