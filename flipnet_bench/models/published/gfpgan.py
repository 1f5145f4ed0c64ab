"""GFPGANv1Clean: a U-Net encoder whose features modulate (SFT) a pretrained StyleGAN2 decoder.

Written from ``gfpgan/archs/gfpganv1_clean_arch.py`` (TencentARC/GFPGAN). GFPGAN v1.3 and v1.4 use it with
``channel_multiplier=2, input_is_latent=True, different_w=True, sft_half=True`` (``GFPGANer(arch="clean")``);
those are this module's defaults. The decoder draws its noise at run time (``randomize_noise=True`` in the
official inference): pass a ``generator`` for reproducible outputs.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from flipnet_bench.models.published.stylegan2_clean import StyleGAN2GeneratorClean


class ResBlock(nn.Module):
    """Residual block with bilinear resampling (``mode`` "down" halves, "up" doubles the size)."""

    def __init__(self, in_channels: int, out_channels: int, mode: str = "down") -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, in_channels, 3, 1, 1)
        self.conv2 = nn.Conv2d(in_channels, out_channels, 3, 1, 1)
        self.skip = nn.Conv2d(in_channels, out_channels, 1, bias=False)
        self.scale_factor = 0.5 if mode == "down" else 2

    def _resize(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, scale_factor=self.scale_factor, mode="bilinear", align_corners=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.leaky_relu(self.conv1(x), negative_slope=0.2)
        out = F.leaky_relu(self.conv2(self._resize(out)), negative_slope=0.2)
        return out + self.skip(self._resize(x))


def _sft_branch(channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(channels, channels, 3, 1, 1),
        nn.LeakyReLU(0.2, True),
        nn.Conv2d(channels, out_channels, 3, 1, 1),
    )


class GFPGANv1Clean(nn.Module):
    """GFPGAN (clean version): ``forward(x)`` maps a normalised face in [-1, 1] to the restored face."""

    def __init__(
        self,
        out_size: int = 512,
        num_style_feat: int = 512,
        channel_multiplier: float = 2,
        num_mlp: int = 8,
        input_is_latent: bool = True,
        different_w: bool = True,
        narrow: float = 1,
        sft_half: bool = True,
    ) -> None:
        super().__init__()
        self.input_is_latent, self.different_w, self.sft_half = input_is_latent, different_w, sft_half
        self.num_style_feat = num_style_feat
        unet = narrow * 0.5  # the encoder has half the decoder's channels
        base = {"4": 512, "8": 512, "16": 512, "32": 512}
        scaled = {"64": 256, "128": 128, "256": 64, "512": 32, "1024": 16}
        channels = {k: int(v * unet) for k, v in base.items()} | {
            k: int(v * channel_multiplier * unet) for k, v in scaled.items()
        }
        self.log_size = int(math.log(out_size, 2))
        first = 2**self.log_size
        self.conv_body_first = nn.Conv2d(3, channels[f"{first}"], 1)
        in_channels = channels[f"{first}"]
        self.conv_body_down = nn.ModuleList()
        for i in range(self.log_size, 2, -1):
            self.conv_body_down.append(ResBlock(in_channels, channels[f"{2 ** (i - 1)}"], mode="down"))
            in_channels = channels[f"{2 ** (i - 1)}"]
        self.final_conv = nn.Conv2d(in_channels, channels["4"], 3, 1, 1)
        in_channels = channels["4"]
        self.conv_body_up = nn.ModuleList()
        for i in range(3, self.log_size + 1):
            self.conv_body_up.append(ResBlock(in_channels, channels[f"{2**i}"], mode="up"))
            in_channels = channels[f"{2**i}"]
        self.toRGB = nn.ModuleList(nn.Conv2d(channels[f"{2**i}"], 3, 1) for i in range(3, self.log_size + 1))
        linear_out = (self.log_size * 2 - 2) * num_style_feat if different_w else num_style_feat
        self.final_linear = nn.Linear(channels["4"] * 4 * 4, linear_out)
        self.stylegan_decoder = StyleGAN2GeneratorClean(
            out_size, num_style_feat=num_style_feat, num_mlp=num_mlp,
            channel_multiplier=channel_multiplier, narrow=narrow,
        )  # fmt: skip
        self.condition_scale = nn.ModuleList()
        self.condition_shift = nn.ModuleList()
        for i in range(3, self.log_size + 1):
            ch = channels[f"{2**i}"]
            sft_out = ch if sft_half else ch * 2
            self.condition_scale.append(_sft_branch(ch, sft_out))
            self.condition_shift.append(_sft_branch(ch, sft_out))

    def forward(
        self, x: torch.Tensor, randomize_noise: bool = True, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        skips = []
        feat = F.leaky_relu(self.conv_body_first(x), negative_slope=0.2)
        for block in self.conv_body_down:
            feat = block(feat)
            skips.insert(0, feat)
        feat = F.leaky_relu(self.final_conv(feat), negative_slope=0.2)
        style = self.final_linear(feat.view(feat.size(0), -1))
        if self.different_w:
            style = style.view(style.size(0), -1, self.num_style_feat)
        conditions = []
        for i, up in enumerate(self.conv_body_up):
            feat = up(feat + skips[i])
            conditions += [self.condition_scale[i](feat), self.condition_shift[i](feat)]
        return self.stylegan_decoder(
            [style], input_is_latent=self.input_is_latent, randomize_noise=randomize_noise,
            conditions=conditions, sft_half=self.sft_half, generator=generator,
        )  # fmt: skip
