"""CodeFormer (``restore --method codeformer``), as ``inference_codeformer.py --has_aligned -w W`` runs it."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from flipnet_bench.errors import BenchError
from flipnet_bench.methods import METHODS
from flipnet_bench.methods.published import PublishedMethod, to_uint8_rounded

#: The official default fidelity weight (``--fidelity_weight 0.5``): 0 = quality, 1 = fidelity.
DEFAULT_W = 0.5


def is_gray(rgb: np.ndarray, threshold: float = 10) -> bool:
    """facelib's ``is_gray``: mean variance of the pairwise channel differences at most ``threshold``."""
    c = [rgb[..., i].astype(np.int16) for i in range(3)]
    return ((c[0] - c[1]).var() + (c[1] - c[2]).var() + (c[2] - c[0]).var()) / 3.0 <= threshold


def gray_with_input_colour(restored: np.ndarray, face: np.ndarray) -> np.ndarray:
    """facelib's ``add_restored_face`` for gray inputs: the restored face to gray (0.2989 R + 0.5870 G +
    0.1140 B), then per-channel mean/std matched to the input (``adain_npy``, eps 1e-5); written as uint8
    the way ``cv2.imwrite`` converts floats (round, saturate)."""
    gray = 0.2989 * restored[..., 0] + 0.5870 * restored[..., 1] + 0.1140 * restored[..., 2]
    content = np.repeat(gray[..., None], 3, axis=2)

    def stats(feat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        flat = feat.reshape(-1, 3)
        return flat.mean(axis=0), np.sqrt(flat.var(axis=0) + 1e-5)

    style_mean, style_std = stats(face.astype(np.float64))
    content_mean, content_std = stats(content)
    out = (content - content_mean) / content_std * style_std + style_mean
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


@METHODS.register("codeformer")
class CodeFormerMethod(PublishedMethod):
    """CodeFormer with the official codeformer.pth; option ``w`` = fidelity weight (official default 0.5)."""

    name = "codeformer"
    official = {
        "network": "CodeFormer(dim_embd=512, codebook_size=1024, n_head=8, n_layers=9, "
        "connect_list=['32', '64', '128', '256'])",
        "state_dict": "'params_ema', load_state_dict (strict)",
        "call": "net(x, w=w, adain=True)",
        "output": "tensor2img(rgb2bgr=True, min_max=(-1, 1)): clamp, (x + 1) / 2, x255, round",
        "grayscale_inputs": "is_gray(face, threshold=10) on the 512² input: the output is made gray and "
        "given the input's channel mean/std (facelib add_restored_face), "
        "then rounded to uint8 as cv2.imwrite does",
    }

    def check_options(self, options: dict[str, Any]) -> dict[str, Any]:
        w = options.pop("w", DEFAULT_W)
        if options:
            raise TypeError(f"unexpected option(s) {sorted(options)}; codeformer takes w")
        if isinstance(w, bool) or not isinstance(w, int | float) or not 0.0 <= float(w) <= 1.0:
            raise BenchError(f"method 'codeformer': option w = {w!r} must be a number in [0, 1]")
        self.w = float(w)
        return {"w": self.w}

    def build(self) -> torch.nn.Module:
        from flipnet_bench.models.published.codeformer import CodeFormer

        return CodeFormer()

    def forward(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return self.model(x, w=self.w, adain=True)

    def to_image(self, out: torch.Tensor, face: np.ndarray) -> np.ndarray:
        restored = to_uint8_rounded(out)
        return gray_with_input_colour(restored, face) if is_gray(face) else restored
