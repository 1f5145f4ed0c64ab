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


def _base_weight(layer: nn.Module) -> torch.Tensor:
    return getattr(layer, "base_layer", layer).weight


class BoostHubProcessor(nn.Module):
    """Attention processor for ``attn1``: normal self-attention + the cross-stream BoostHub branch."""

    def __init__(self, attn: nn.Module, state: StreamState, phi: float = 1.0) -> None:
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
            self.bh_k.weight.copy_(_base_weight(attn.to_k))
            self.bh_v.weight.copy_(_base_weight(attn.to_v))
            nn.init.zeros_(self.bh_out.weight)
            nn.init.zeros_(self.bh_out.bias)

    def boost(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """φ · W_O · softmax(Q_x K_yᵀ/√d) V_y for token sequences x (target) and y (condition), B×L×C."""
        b, n, _ = x.shape

        def heads(t: torch.Tensor) -> torch.Tensor:
            return t.view(b, -1, self.heads, t.shape[-1] // self.heads).transpose(1, 2)

        out = F.scaled_dot_product_attention(heads(self.bh_q(x)), heads(self.bh_k(y)), heads(self.bh_v(y)))
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


def add_boosthub(unet: nn.Module, phi: float = 1.0) -> StreamState:
    """Install a BoostHub on every self-attention of ``unet``; returns the shared stream state switch."""
    state = StreamState()
    modules = dict(unet.named_modules())
    procs = {}
    for name, proc in unet.attn_processors.items():
        attn_name = name.rsplit(".processor", 1)[0]
        if attn_name.endswith("attn1"):
            procs[name] = BoostHubProcessor(modules[attn_name], state, phi)
        else:
            procs[name] = proc
    if not any(isinstance(p, BoostHubProcessor) for p in procs.values()):
        raise ValueError("the UNet has no self-attention (attn1) layers for BoostHub")
    unet.set_attn_processor(procs)
    return state
