"""``colour_bias``: the set-wide bias and each image's mean colour are recovered and removed as the module
says; and the docs' table puts each number in its column."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from flipnet_bench.errors import BenchError
from flipnet_bench.report import spread_block
from flipnet_bench.stats.colour import colour_bias


def test_bias_and_mean_colours_are_recovered_and_removed() -> None:
    gen = torch.Generator().manual_seed(0)
    target = 0.2 + 0.6 * torch.rand(8, 3, 16, 16, generator=gen)
    shared = torch.tensor([0.05, -0.02, 0.01]).view(1, 3, 1, 1)
    own = 0.03 * torch.randn(8, 3, 1, 1, generator=gen)
    own -= own.mean(0, keepdim=True)  # per-image shifts that cancel over the set
    detail = 0.01 * torch.randn(target.shape, generator=gen)
    detail -= detail.mean((2, 3), keepdim=True)  # no mean colour of its own
    parts = colour_bias(target + shared + own + detail, target)
    assert torch.allclose(parts["bias"], shared.flatten().double(), atol=1e-6)
    assert torch.allclose(parts["without_bias"], target + own + detail, atol=1e-6)
    assert torch.allclose(parts["own_colour"], target + detail, atol=1e-6)


def test_corrected_sets_are_clamped_and_shapes_are_checked() -> None:
    target = torch.full((2, 3, 4, 4), 0.95)
    parts = colour_bias(torch.full((2, 3, 4, 4), 0.5), target)
    assert parts["own_colour"].max() <= 1.0 and torch.allclose(parts["own_colour"], target)
    with pytest.raises(ValueError, match="one shape"):
        colour_bias(torch.zeros(2, 3, 4, 4), torch.zeros(2, 3, 4, 5))


def test_table_puts_each_number_in_its_column(tmp_path: Path) -> None:
    row = {
        "label": "ckpt",
        "bias_rgb_255": [1.04, -2.0, 0.0],
        "as_restored": {"psnr": 21.0, "ssim": 0.8},
        "without_bias": {"psnr": 21.25, "ssim": 0.8},
        "own_colour": {"psnr": 24.5, "ssim": 0.8},
    }
    path = tmp_path / spread_block.COLOUR_RECORD
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    line = "| ckpt | +1.0 / -2.0 / +0.0 | 21.00 | 21.25 | 24.50 | +3.50 |"
    assert line in spread_block.colour_table(tmp_path)
    del row["own_colour"]
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(BenchError, match="flipnet_colour_bias.jsonl"):
        spread_block.colour_table(tmp_path)
