"""NAFNet as the paper and the official definition give it: key names and shapes, identity blocks at
initialisation, channel LayerNorm, SimpleGate, global residual, any input size."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from flipnet_bench.config import ParamsError
from flipnet_bench.models.nafnet import LayerNorm2d, NAFBlock, NAFNet, SimpleGate
from flipnet_bench.train.restorer_config import NAFNetConfig

C = "c"  # a block's width; "2c" = its expanded width

#: The official state-dict layout (megvii-research/NAFNet, NAFNet_arch.py) of
#: NAFNet(width=4, enc_blk_nums=[1], middle_blk_num=1, dec_blk_nums=[1]), written out by hand from it.
_BLOCK = {
    "norm1.weight": (C,),
    "norm1.bias": (C,),
    "conv1.weight": ("2c", C, 1, 1),
    "conv1.bias": ("2c",),
    "conv2.weight": ("2c", 1, 3, 3),
    "conv2.bias": ("2c",),
    "sca.1.weight": (C, C, 1, 1),
    "sca.1.bias": (C,),
    "conv3.weight": (C, C, 1, 1),
    "conv3.bias": (C,),
    "norm2.weight": (C,),
    "norm2.bias": (C,),
    "conv4.weight": ("2c", C, 1, 1),
    "conv4.bias": ("2c",),
    "conv5.weight": (C, C, 1, 1),
    "conv5.bias": (C,),
    "beta": (1, C, 1, 1),
    "gamma": (1, C, 1, 1),
}


def _official_keys(width: int) -> dict[str, tuple[int, ...]]:
    def block(prefix: str, c: int) -> dict[str, tuple[int, ...]]:
        size = {"c": c, "2c": 2 * c}
        return {prefix + k: tuple(size.get(d, d) for d in shape) for k, shape in _BLOCK.items()}

    w = width
    return {
        "intro.weight": (w, 3, 3, 3),
        "intro.bias": (w,),
        "ending.weight": (3, w, 3, 3),
        "ending.bias": (3,),
        **block("encoders.0.0.", w),
        "downs.0.weight": (2 * w, w, 2, 2),
        "downs.0.bias": (2 * w,),
        **block("middle_blks.0.", 2 * w),
        "ups.0.0.weight": (4 * w, 2 * w, 1, 1),
        **block("decoders.0.0.", w),
    }


def test_state_dict_matches_the_official_layout() -> None:
    model = NAFNet(NAFNetConfig(width=4, enc_blocks=(1,), middle_blocks=1, dec_blocks=(1,)))
    got = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert got == _official_keys(4)


def test_block_is_identity_at_initialisation_and_learns_through_beta_gamma() -> None:
    block = NAFBlock(8)
    x = torch.randn(2, 8, 9, 11)
    torch.testing.assert_close(block(x), x)
    with torch.no_grad():
        block.beta.fill_(1.0)
    assert not torch.allclose(block(x), x)


def test_layernorm2d_normalises_each_pixels_channels() -> None:
    norm = LayerNorm2d(5)
    with torch.no_grad():
        norm.weight.copy_(torch.arange(1.0, 6.0))
        norm.bias.copy_(torch.linspace(-1, 1, 5))
    x = torch.randn(3, 5, 4, 6) * 3 + 2
    ref = F.layer_norm(x.permute(0, 2, 3, 1), (5,), norm.weight, norm.bias, eps=1e-6).permute(0, 3, 1, 2)
    torch.testing.assert_close(norm(x), ref, rtol=1e-5, atol=1e-5)


def test_simple_gate_multiplies_the_channel_halves() -> None:
    x = torch.randn(2, 6, 3, 3)
    torch.testing.assert_close(SimpleGate()(x), x[:, :3] * x[:, 3:])


def test_global_residual_and_any_input_size() -> None:
    model = NAFNet(NAFNetConfig(width=4, enc_blocks=(1, 1), middle_blocks=1, dec_blocks=(1, 1)))
    x = torch.rand(2, 3, 37, 50)  # not a multiple of 4: padded, then cropped back
    assert model(x).shape == x.shape
    with torch.no_grad():
        model.ending.weight.zero_()
        model.ending.bias.zero_()
    torch.testing.assert_close(model(x), x)  # ending ≡ 0 leaves exactly the input


def test_size_settings_are_checked() -> None:
    with pytest.raises(ParamsError, match="same length"):
        NAFNetConfig(enc_blocks=(1, 1), dec_blocks=(1,))
    with pytest.raises(ParamsError, match="positive"):
        NAFNetConfig(width=0)
