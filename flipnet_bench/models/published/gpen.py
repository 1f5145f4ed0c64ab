"""GPEN (GAN Prior Embedded Network): an encoder maps the face to a StyleGAN2 latent and feeds its
multi-scale features to the generator as concatenated "noise".

Written from ``face_model/gpen_model.py`` and ``face_model/op`` of yangxy/GPEN, with the official pure-torch
CPU paths of ``upfirdn2d`` and ``fused_leaky_relu`` (the CUDA kernels compute the same functions).
GPEN-BFR-512 is ``FullGenerator(512, 512, 8, channel_multiplier=2, narrow=1, isconcat=True)``, the defaults.
"""

from __future__ import annotations

import itertools
import math

import torch
from torch import nn
from torch.nn import functional as F


def upfirdn2d(x: torch.Tensor, kernel: torch.Tensor, up: int = 1, down: int = 1, pad=(0, 0)) -> torch.Tensor:
    """Upsample (zero insertion), pad, FIR filter, downsample: the official ``upfirdn2d_native``."""
    p0, p1 = pad
    x = x.permute(0, 2, 3, 1)
    _, in_h, in_w, minor = x.shape
    kh, kw = kernel.shape
    out = x.reshape(-1, in_h, 1, in_w, 1, minor)
    out = F.pad(out, [0, 0, 0, up - 1, 0, 0, 0, up - 1]).view(-1, in_h * up, in_w * up, minor)
    out = F.pad(out, [0, 0, max(p0, 0), max(p1, 0), max(p0, 0), max(p1, 0)])
    out = out[:, max(-p0, 0) : out.shape[1] - max(-p1, 0), max(-p0, 0) : out.shape[2] - max(-p1, 0), :]
    out = out.permute(0, 3, 1, 2).reshape([-1, 1, in_h * up + p0 + p1, in_w * up + p0 + p1])
    out = F.conv2d(out, torch.flip(kernel, [0, 1]).view(1, 1, kh, kw))
    out = out.reshape(-1, minor, in_h * up + p0 + p1 - kh + 1, in_w * up + p0 + p1 - kw + 1)
    return out[:, :, ::down, ::down]


def fused_leaky_relu(
    x: torch.Tensor, bias: torch.Tensor, slope: float = 0.2, scale: float = 2**0.5
) -> torch.Tensor:
    return scale * F.leaky_relu(x + bias.view((1, -1) + (1,) * (x.ndim - 2)), negative_slope=slope)


def make_kernel(k: list[int]) -> torch.Tensor:
    t = torch.tensor(k, dtype=torch.float32)
    t = t[None, :] * t[:, None] if t.ndim == 1 else t
    return t / t.sum()


class FusedLeakyReLU(nn.Module):
    def __init__(self, channel: int) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channel))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return fused_leaky_relu(x, self.bias)


class Upsample(nn.Module):
    def __init__(self, kernel: list[int], factor: int = 2) -> None:
        super().__init__()
        self.factor = factor
        self.register_buffer("kernel", make_kernel(kernel) * factor**2)
        p = self.kernel.shape[0] - factor
        self.pad = ((p + 1) // 2 + factor - 1, p // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return upfirdn2d(x, self.kernel, up=self.factor, down=1, pad=self.pad)


class Blur(nn.Module):
    def __init__(self, kernel: list[int], pad: tuple[int, int], upsample_factor: int = 1) -> None:
        super().__init__()
        self.register_buffer("kernel", make_kernel(kernel) * upsample_factor**2)
        self.pad = pad

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return upfirdn2d(x, self.kernel, pad=self.pad)


class EqualConv2d(nn.Module):
    """Conv with equalised learning rate (weight scaled by 1/sqrt(fan_in) at run time)."""

    def __init__(
        self, in_ch: int, out_ch: int, k: int, stride: int = 1, padding: int = 0, bias: bool = True
    ) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_ch, in_ch, k, k))
        self.scale, self.stride, self.padding = 1 / math.sqrt(in_ch * k**2), stride, padding
        self.bias = nn.Parameter(torch.zeros(out_ch)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.scale, bias=self.bias, stride=self.stride, padding=self.padding)


class EqualLinear(nn.Module):
    def __init__(
        self, in_dim: int, out_dim: int, bias_init: float = 0, lr_mul: float = 1, activation: bool = False
    ) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_dim, in_dim).div_(lr_mul))
        self.bias = nn.Parameter(torch.zeros(out_dim).fill_(bias_init))
        self.activation, self.scale, self.lr_mul = activation, (1 / math.sqrt(in_dim)) * lr_mul, lr_mul

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.activation:
            return fused_leaky_relu(F.linear(x, self.weight * self.scale), self.bias * self.lr_mul)
        return F.linear(x, self.weight * self.scale, bias=self.bias * self.lr_mul)


class PixelNorm(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(torch.mean(x**2, dim=1, keepdim=True) + 1e-8)


class ModulatedConv2d(nn.Module):
    """StyleGAN2 modulated conv; upsampling by transposed conv + blur, as in rosinality's StyleGAN2."""

    def __init__(
        self, in_ch: int, out_ch: int, k: int, style_dim: int, demodulate: bool = True,
        upsample: bool = False, blur_kernel: tuple[int, ...] = (1, 3, 3, 1),
    ) -> None:  # fmt: skip
        super().__init__()
        self.k, self.in_ch, self.out_ch, self.upsample, self.demodulate = (
            k,
            in_ch,
            out_ch,
            upsample,
            demodulate,
        )
        if upsample:
            p = (len(blur_kernel) - 2) - (k - 1)
            self.blur = Blur(list(blur_kernel), pad=((p + 1) // 2 + 1, p // 2 + 1), upsample_factor=2)
        self.scale, self.padding = 1 / math.sqrt(in_ch * k**2), k // 2
        self.weight = nn.Parameter(torch.randn(1, out_ch, in_ch, k, k))
        self.modulation = EqualLinear(style_dim, in_ch, bias_init=1)

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        weight = self.scale * self.weight * self.modulation(style).view(b, 1, c, 1, 1)
        if self.demodulate:
            weight = weight * torch.rsqrt(weight.pow(2).sum([2, 3, 4]) + 1e-8).view(b, self.out_ch, 1, 1, 1)
        weight = weight.view(b * self.out_ch, c, self.k, self.k)
        x = x.view(1, b * c, h, w)
        if self.upsample:
            weight = weight.view(b, self.out_ch, c, self.k, self.k).transpose(1, 2)
            weight = weight.reshape(b * c, self.out_ch, self.k, self.k)
            out = F.conv_transpose2d(x, weight, padding=0, stride=2, groups=b)
            return self.blur(out.view(b, self.out_ch, *out.shape[2:]))
        out = F.conv2d(x, weight, padding=self.padding, groups=b)
        return out.view(b, self.out_ch, *out.shape[2:])


class NoiseInjection(nn.Module):
    """GPEN's "noise" is the encoder feature, concatenated (scaled by ``weight``) to the conv output."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))

    def forward(self, image: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        return torch.cat((image, self.weight * noise), dim=1)


class ConstantInput(nn.Module):
    def __init__(self, channel: int, size: int = 4) -> None:
        super().__init__()
        self.input = nn.Parameter(torch.randn(1, channel, size, size))

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        return self.input.repeat(latent.shape[0], 1, 1, 1)


class StyledConv(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, k: int, style_dim: int, upsample: bool = False) -> None:
        super().__init__()
        self.conv = ModulatedConv2d(in_ch, out_ch, k, style_dim, upsample=upsample)
        self.noise = NoiseInjection()
        self.activate = FusedLeakyReLU(out_ch * 2)

    def forward(self, x: torch.Tensor, style: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        return self.activate(self.noise(self.conv(x, style), noise))


class ToRGB(nn.Module):
    def __init__(self, in_ch: int, style_dim: int, upsample: bool = True) -> None:
        super().__init__()
        if upsample:
            self.upsample = Upsample([1, 3, 3, 1])
        self.conv = ModulatedConv2d(in_ch, 3, 1, style_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(1, 3, 1, 1))

    def forward(self, x: torch.Tensor, style: torch.Tensor, skip: torch.Tensor | None = None) -> torch.Tensor:
        out = self.conv(x, style) + self.bias
        return out if skip is None else out + self.upsample(skip)


def gpen_channels(channel_multiplier: float, narrow: float) -> dict[int, int]:
    base = {4: 512, 8: 512, 16: 512, 32: 512}
    scaled = {64: 256, 128: 128, 256: 64, 512: 32, 1024: 16, 2048: 8}
    return {k: int(v * narrow) for k, v in base.items()} | {
        k: int(v * channel_multiplier * narrow) for k, v in scaled.items()
    }


class Generator(nn.Module):
    """StyleGAN2 generator whose styled convs concatenate the given feature maps (``isconcat=True``)."""

    def __init__(
        self, size: int, style_dim: int, n_mlp: int, channel_multiplier: float = 2, lr_mlp: float = 0.01,
        narrow: float = 1,
    ) -> None:  # fmt: skip
        super().__init__()
        self.style = nn.Sequential(
            PixelNorm(),
            *[EqualLinear(style_dim, style_dim, lr_mul=lr_mlp, activation=True) for _ in range(n_mlp)],
        )
        ch = self.channels = gpen_channels(channel_multiplier, narrow)
        self.input = ConstantInput(ch[4])
        self.conv1 = StyledConv(ch[4], ch[4], 3, style_dim)
        self.to_rgb1 = ToRGB(ch[4] * 2, style_dim, upsample=False)
        self.log_size = int(math.log(size, 2))
        self.convs, self.to_rgbs = nn.ModuleList(), nn.ModuleList()
        in_ch = ch[4]
        for i in range(3, self.log_size + 1):
            out_ch = ch[2**i]
            self.convs.append(StyledConv(in_ch * 2, out_ch, 3, style_dim, upsample=True))
            self.convs.append(StyledConv(out_ch * 2, out_ch, 3, style_dim))
            self.to_rgbs.append(ToRGB(out_ch * 2, style_dim))
            in_ch = out_ch
        self.n_latent = self.log_size * 2 - 2

    def forward(self, style: torch.Tensor, noise: list[torch.Tensor]) -> torch.Tensor:
        latent = self.style(style).unsqueeze(1).repeat(1, self.n_latent, 1)
        out = self.conv1(self.input(latent), latent[:, 0], noise[0])
        skip = self.to_rgb1(out, latent[:, 1])
        i = 1
        for conv1, conv2, n1, n2, to_rgb in zip(
            self.convs[::2], self.convs[1::2], noise[1::2], noise[2::2], self.to_rgbs
        ):
            out = conv2(conv1(out, latent[:, i], n1), latent[:, i + 1], n2)
            skip = to_rgb(out, latent[:, i + 2], skip)
            i += 2
        return skip


class ConvLayer(nn.Sequential):
    """[Blur] + EqualConv2d + FusedLeakyReLU (the official encoder layer; index names are the keys)."""

    def __init__(self, in_ch: int, out_ch: int, k: int, downsample: bool = False) -> None:
        layers: list[nn.Module] = []
        if downsample:
            p = (4 - 2) + (k - 1)
            layers.append(Blur([1, 3, 3, 1], pad=((p + 1) // 2, p // 2)))
        layers.append(EqualConv2d(in_ch, out_ch, k, padding=0 if downsample else k // 2,
                                  stride=2 if downsample else 1, bias=False))  # fmt: skip
        layers.append(FusedLeakyReLU(out_ch))
        super().__init__(*layers)


class FullGenerator(nn.Module):
    """GPEN: ``forward(x)`` maps a normalised face in [-1, 1] (``size``²) to the restored face."""

    def __init__(
        self, size: int = 512, style_dim: int = 512, n_mlp: int = 8, channel_multiplier: float = 2,
        lr_mlp: float = 0.01, narrow: float = 1,
    ) -> None:  # fmt: skip
        super().__init__()
        ch = gpen_channels(channel_multiplier, narrow)
        self.log_size = int(math.log(size, 2))
        self.generator = Generator(size, style_dim, n_mlp, channel_multiplier, lr_mlp, narrow)
        self.ecd0 = nn.Sequential(ConvLayer(3, ch[size], 1))
        self.names = [f"ecd{i}" for i in range(self.log_size - 1)]
        in_ch = ch[size]
        for i in range(self.log_size, 2, -1):
            out_ch = ch[2 ** (i - 1)]
            setattr(
                self,
                self.names[self.log_size - i + 1],
                nn.Sequential(ConvLayer(in_ch, out_ch, 3, downsample=True)),
            )
            in_ch = out_ch
        self.final_linear = nn.Sequential(EqualLinear(ch[4] * 4 * 4, style_dim, activation=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = []
        for name in self.names:
            x = getattr(self, name)(x)
            feats.append(x)
        style = self.final_linear(x.view(x.shape[0], -1))
        noise = list(itertools.chain.from_iterable(itertools.repeat(f, 2) for f in feats))[::-1]
        return self.generator(style, noise[1:])
