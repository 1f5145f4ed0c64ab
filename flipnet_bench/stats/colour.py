"""How much of a restored set's error is colour: the set-wide mean colour bias and each image's mean colour.

For restorations ``pred`` and their targets ``target`` (both [N, 3, H, W] in [0, 1]):

- ``bias``: the mean of ``pred - target`` per channel over the whole set, a bias every image shares (a
  model that draws every face a little too green has a positive green bias);
- ``without_bias``: ``pred`` minus that one per-channel constant (the same for every image);
- ``own_colour``: each image shifted so that its mean colour per channel is its target's (an oracle: what the
  set would score if only the mean colours were right).

Both corrected sets are clamped to [0, 1]; scoring them with the project's scorer says how many dB the shared
bias and the mean colours cost.
"""

from __future__ import annotations

import torch


def colour_bias(pred: torch.Tensor, target: torch.Tensor) -> dict[str, torch.Tensor]:
    """``bias`` [3], ``without_bias`` and ``own_colour`` (each like ``pred``); see the module docstring."""
    if pred.ndim != 4 or pred.shape[1] != 3 or pred.shape != target.shape:
        raise ValueError(
            f"need two [N, 3, H, W] sets of one shape, got {tuple(pred.shape)}, {tuple(target.shape)}"
        )
    pred, target = pred.double(), target.double()
    per_image = (pred - target).mean((2, 3), keepdim=True)  # [N, 3, 1, 1]
    bias = per_image.mean(0, keepdim=True)
    return {
        "bias": bias.flatten(),
        "without_bias": (pred - bias).clamp(0, 1).float(),
        "own_colour": (pred - per_image).clamp(0, 1).float(),
    }
