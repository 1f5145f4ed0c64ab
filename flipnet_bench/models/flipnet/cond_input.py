"""The condition at the UNet's input: an aligned path beside BoostHub (``flipnet.cond_concat``, off as
published).

BoostHub passes the condition to the target through attention. At the miniature's finest grid that
attention is spread almost evenly over its window (docs/flipnet.md, "What BoostHub's window passes"), so what
reaches the target there is a local average of the condition. This option adds the path SR3 and latent
super-resolution models condition with: the condition stream's UNet input concatenated to the target's as
extra input channels. It is written as a second convolution beside the UNet's ``conv_in`` (the same kernel),
whose output is added to the target half of ``conv_in``'s output; that equals ``conv_in`` over the
concatenated channels. The convolution starts at zero, so switching the option on for a trained checkpoint
changes nothing until it trains. It works on any ``UNet2DConditionModel`` (the miniatures and ``sd21``).
"""

from __future__ import annotations

import torch
from torch import nn

from flipnet_bench.models.flipnet.boosthub import StreamState


class ConditionInput(nn.Module):
    """A zero-initialised convolution from the condition stream's input to the target's first features.

    It hooks ``conv_in``: in a paired ``[target; condition]`` pass it adds ``proj(condition input)`` to the
    target half (and keeps that input when the pass records); in a replay pass (the target alone) it adds
    ``proj`` of the recorded input; in any other pass it does nothing."""

    def __init__(self, conv_in: nn.Conv2d, state: StreamState) -> None:
        super().__init__()
        self.proj = nn.Conv2d(
            conv_in.in_channels, conv_in.out_channels, conv_in.kernel_size, conv_in.stride, conv_in.padding
        )
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)
        self.state = state
        conv_in.register_forward_hook(self._add_condition)

    def _add_condition(
        self, module: nn.Module, args: tuple[torch.Tensor, ...], out: torch.Tensor
    ) -> torch.Tensor:
        state = self.state
        if state.paired:
            n = args[0].shape[0] // 2
            cond = args[0][n:]
            if state.record:
                state.recorded[self] = cond
            return torch.cat([out[:n] + self.proj(cond), out[n:]])
        if state.replay:
            return out + self.proj(state.recorded[self])
        return out
