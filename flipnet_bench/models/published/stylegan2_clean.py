"""StyleGAN2GeneratorClean: GFPGAN's StyleGAN2 decoder without compiled ops (bilinear up/down-sampling).

Written from ``gfpgan/archs/stylegan2_clean_arch.py`` (TencentARC/GFPGAN). Attribute names are the official
ones (``style_mlp``, ``constant_input``, ``style_conv1``, ``to_rgb1``, ``style_convs``, ``to_rgbs``,
``noises.noise{i}``), so the released weights load unchanged.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F


class NormStyleCode(nn.Module):
    """Pixel norm of the style code: ``x / sqrt(mean(x²) + 1e-8)`` over the feature dimension."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(torch.mean(x**2, dim=1, keepdim=True) + 1e-8)


class ModulatedConv2d(nn.Module):
    """Style-modulated (and optionally demodulated) convolution; resampling is bilinear, before the conv."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        num_style_feat: int,
        demodulate: bool = True,
        sample_mode: str | None = None,
        eps: float = 1e-8,
    ) -> None:
        super().__init__()
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.demodulate, self.sample_mode, self.eps = demodulate, sample_mode, eps
        self.modulation = nn.Linear(num_style_feat, in_channels, bias=True)
        fan_in = in_channels * kernel_size**2
        self.weight = nn.Parameter(
            torch.randn(1, out_channels, in_channels, kernel_size, kernel_size) / math.sqrt(fan_in)
        )
        self.padding = kernel_size // 2

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        b, c = x.shape[:2]
        weight = self.weight * self.modulation(style).view(b, 1, c, 1, 1)
        if self.demodulate:
            demod = torch.rsqrt(weight.pow(2).sum([2, 3, 4]) + self.eps)
            weight = weight * demod.view(b, self.out_channels, 1, 1, 1)
        weight = weight.view(b * self.out_channels, c, self.kernel_size, self.kernel_size)
        if self.sample_mode == "upsample":
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        elif self.sample_mode == "downsample":
            x = F.interpolate(x, scale_factor=0.5, mode="bilinear", align_corners=False)
        h, w = x.shape[2:]
        out = F.conv2d(x.reshape(1, b * c, h, w), weight, padding=self.padding, groups=b)
        return out.view(b, self.out_channels, *out.shape[2:4])


def draw_noise(like: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """Standard normal noise of shape ``(b, 1, h, w)`` for ``like`` (from ``generator`` when given)."""
    b, _, h, w = like.shape
    return like.new_empty(b, 1, h, w).normal_(generator=generator)


class StyleConv(nn.Module):
    """Modulated conv × √2, plus learned-scale noise, plus bias, then LeakyReLU(0.2)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        num_style_feat: int,
        demodulate: bool = True,
        sample_mode: str | None = None,
    ) -> None:
        super().__init__()
        self.modulated_conv = ModulatedConv2d(
            in_channels,
            out_channels,
            kernel_size,
            num_style_feat,
            demodulate=demodulate,
            sample_mode=sample_mode,
        )
        self.weight = nn.Parameter(torch.zeros(1))  # noise strength
        self.bias = nn.Parameter(torch.zeros(1, out_channels, 1, 1))
        self.activate = nn.LeakyReLU(negative_slope=0.2, inplace=True)

    def forward(
        self,
        x: torch.Tensor,
        style: torch.Tensor,
        noise: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        out = self.modulated_conv(x, style) * 2**0.5
        if noise is None:
            noise = draw_noise(out, generator)
        return self.activate(out + self.weight * noise + self.bias)


class ToRGB(nn.Module):
    """1×1 modulated conv to RGB (no demodulation) plus bias; adds the bilinearly upsampled skip."""

    def __init__(self, in_channels: int, num_style_feat: int, upsample: bool = True) -> None:
        super().__init__()
        self.upsample = upsample
        self.modulated_conv = ModulatedConv2d(in_channels, 3, 1, num_style_feat, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(1, 3, 1, 1))

    def forward(self, x: torch.Tensor, style: torch.Tensor, skip: torch.Tensor | None = None) -> torch.Tensor:
        out = self.modulated_conv(x, style) + self.bias
        if skip is not None:
            if self.upsample:
                skip = F.interpolate(skip, scale_factor=2, mode="bilinear", align_corners=False)
            out = out + skip
        return out


class ConstantInput(nn.Module):
    """The learned 4×4 input of the synthesis network."""

    def __init__(self, num_channel: int, size: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(1, num_channel, size, size))

    def forward(self, batch: int) -> torch.Tensor:
        return self.weight.repeat(batch, 1, 1, 1)


def stylegan_channels(channel_multiplier: float, narrow: float) -> dict[str, int]:
    """Feature channels per resolution (the official table)."""
    base = {"4": 512, "8": 512, "16": 512, "32": 512}
    scaled = {"64": 256, "128": 128, "256": 64, "512": 32, "1024": 16}
    return {k: int(v * narrow) for k, v in base.items()} | {
        k: int(v * channel_multiplier * narrow) for k, v in scaled.items()
    }


class StyleGAN2GeneratorClean(nn.Module):
    """StyleGAN2 synthesis network (``out_size``², mapping MLP of ``num_mlp`` layers)."""

    def __init__(
        self,
        out_size: int,
        num_style_feat: int = 512,
        num_mlp: int = 8,
        channel_multiplier: float = 2,
        narrow: float = 1,
    ) -> None:
        super().__init__()
        self.num_style_feat = num_style_feat
        layers: list[nn.Module] = [NormStyleCode()]
        for _ in range(num_mlp):
            layers += [
                nn.Linear(num_style_feat, num_style_feat),
                nn.LeakyReLU(negative_slope=0.2, inplace=True),
            ]
        self.style_mlp = nn.Sequential(*layers)
        channels = self.channels = stylegan_channels(channel_multiplier, narrow)
        self.constant_input = ConstantInput(channels["4"], size=4)
        self.style_conv1 = StyleConv(channels["4"], channels["4"], 3, num_style_feat)
        self.to_rgb1 = ToRGB(channels["4"], num_style_feat, upsample=False)
        self.log_size = int(math.log(out_size, 2))
        self.num_layers = (self.log_size - 2) * 2 + 1
        self.num_latent = self.log_size * 2 - 2
        self.style_convs = nn.ModuleList()
        self.to_rgbs = nn.ModuleList()
        self.noises = nn.Module()
        for idx in range(self.num_layers):
            res = 2 ** ((idx + 5) // 2)
            self.noises.register_buffer(f"noise{idx}", torch.randn(1, 1, res, res))
        in_channels = channels["4"]
        for i in range(3, self.log_size + 1):
            out_channels = channels[f"{2**i}"]
            self.style_convs.append(
                StyleConv(in_channels, out_channels, 3, num_style_feat, sample_mode="upsample")
            )
            self.style_convs.append(StyleConv(out_channels, out_channels, 3, num_style_feat))
            self.to_rgbs.append(ToRGB(out_channels, num_style_feat, upsample=True))
            in_channels = out_channels

    def latent(self, styles: list[torch.Tensor], input_is_latent: bool) -> torch.Tensor:
        """One style (``(b, c)`` repeated, or ``(b, num_latent, c)`` per layer) -> per-layer latents."""
        if len(styles) != 1:
            raise ValueError("style mixing is a training feature; pass one style")
        style = styles[0] if input_is_latent else self.style_mlp(styles[0])
        return style.unsqueeze(1).repeat(1, self.num_latent, 1) if style.ndim < 3 else style

    def noise_list(self, randomize_noise: bool) -> list[torch.Tensor | None]:
        """Per-layer noise: None = drawn at run time (official ``randomize_noise=True``), else the buffers."""
        if randomize_noise:
            return [None] * self.num_layers
        return [getattr(self.noises, f"noise{i}") for i in range(self.num_layers)]

    def forward(
        self,
        styles: list[torch.Tensor],
        input_is_latent: bool = False,
        randomize_noise: bool = True,
        conditions: list[torch.Tensor] | None = None,
        sft_half: bool = False,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """The image; ``conditions`` (scale, shift, scale, shift, …) apply GFPGAN's SFT after each upsampling
        conv (``sft_half``: to the second half of the channels only)."""
        latent = self.latent(styles, input_is_latent)
        noise = self.noise_list(randomize_noise)
        out = self.constant_input(latent.shape[0])
        out = self.style_conv1(out, latent[:, 0], noise[0], generator)
        skip = self.to_rgb1(out, latent[:, 1])
        i = 1
        for conv1, conv2, noise1, noise2, to_rgb in zip(
            self.style_convs[::2], self.style_convs[1::2], noise[1::2], noise[2::2], self.to_rgbs
        ):
            out = conv1(out, latent[:, i], noise1, generator)
            if conditions is not None and i < len(conditions):
                scale, shift = conditions[i - 1], conditions[i]
                if sft_half:
                    same, sft = torch.split(out, int(out.size(1) // 2), dim=1)
                    out = torch.cat([same, sft * scale + shift], dim=1)
                else:
                    out = out * scale + shift
            out = conv2(out, latent[:, i + 1], noise2, generator)
            skip = to_rgb(out, latent[:, i + 2], skip)
            i += 2
        return skip
