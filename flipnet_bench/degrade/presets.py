"""Classic-model presets as data: the ranges each method publishes in its paper/code (table in
docs/degradations.md, *Presets*; the workplace copy of the protocol is ``../shared/docs/protocol.md``,
not needed to run).

A preset is a :class:`ClassicConfig`; user overrides (params.yaml ``degrade.overrides`` or keyword arguments)
are validated through the same dataclass, so an unknown key or an out-of-range value is a ParamsError naming
the key and the allowed range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from flipnet_bench.config import ParamsError, check_range, parse_dataclass, to_dict
from flipnet_bench.degrade.defaults import DEFAULT_PRESET
from flipnet_bench.degrade.scale import REFERENCE_SIZE, check_scale_settings

Interpolation = Literal["bilinear", "bicubic", "area"]
#: The classic chain's stages in order; a config may keep a subset (the realism study's single factors).
CLASSIC_STAGES = ("blur", "downsample", "noise", "jpeg")

#: Allowed bounds of every range-valued key (wide enough for all published recipes, tight enough to catch
#: unit mistakes such as noise given in [0, 1] or JPEG quality above 100).
LIMITS: dict[str, tuple[float, float]] = {
    "blur_sigma": (0.05, 30.0),
    "downsample_range": (0.5, 64.0),
    "noise_range": (0.0, 100.0),
    "jpeg_range": (1, 100),
    "brightness": (0.0, 5.0),
    "contrast": (0.0, 5.0),
    "saturation": (0.0, 5.0),
    "hue": (-0.5, 0.5),
}


def check_pair(where: str, pair: tuple[float, float], low: float, high: float) -> None:
    """A ``[lo, hi]`` sampling range inside ``[low, high]`` with ``lo <= hi``."""
    lo, hi = pair
    check_range(f"{where}[0]", lo, low, high)
    check_range(f"{where}[1]", hi, low, high)
    if lo > hi:
        raise ParamsError(f"{where} = [{lo}, {hi}]: the lower bound exceeds the upper bound")


def check_probs(
    where: str, names: tuple[str, ...], probs: tuple[float, ...], allowed: tuple[str, ...]
) -> None:
    """A categorical choice: known names, one probability each, non-negative and summing to 1."""
    for name in names:
        if name not in allowed:
            raise ParamsError(f"{where}: unknown kernel type {name!r}; allowed: {', '.join(allowed)}")
    if len(names) != len(probs) or not names:
        raise ParamsError(
            f"{where}: needs one probability per kernel type, got {len(names)} and {len(probs)}"
        )
    for i, p in enumerate(probs):
        check_range(f"{where}_prob[{i}]", p, 0.0, 1.0)
    if not math.isclose(sum(probs), 1.0, abs_tol=1e-6):
        raise ParamsError(f"{where}_prob must sum to 1, got {sum(probs)}")


@dataclass(frozen=True)
class ClassicConfig:
    """``y = [(x ⊛ k_σ)↓_r + n_δ]_JPEG_q`` then resized back; GFPGAN's colour options default to off.

    Ranges are sampled uniformly; ``jpeg_range`` is an inclusive integer range; noise is on the 0–255 scale;
    ``color_jitter_shift`` too (±shift added per channel). Pixel quantities (blur σ and kernel size, the
    downsampled size) refer to ``reference_size``² faces and are rescaled to each image
    (:mod:`flipnet_bench.degrade.scale`); ``reference_size: null`` applies them in the image's own pixels.
    """

    kernel_size: int = 41
    kernel_list: tuple[str, ...] = ("iso", "aniso")
    kernel_prob: tuple[float, ...] = (0.5, 0.5)
    blur_sigma: tuple[float, float] = (0.1, 10.0)
    downsample_range: tuple[float, float] = (0.8, 8.0)
    noise_range: tuple[float, float] = (0.0, 20.0)
    jpeg_range: tuple[int, int] = (60, 100)
    interpolation: Interpolation = "bilinear"
    color_jitter_prob: float = 0.0
    color_jitter_shift: float = 20.0
    color_jitter_pt_prob: float = 0.0
    brightness: tuple[float, float] = (0.5, 1.5)
    contrast: tuple[float, float] = (0.5, 1.5)
    saturation: tuple[float, float] = (0.0, 1.5)
    hue: tuple[float, float] = (-0.1, 0.1)
    gray_prob: float = 0.0
    reference_size: int | None = REFERENCE_SIZE
    pixel_scale: float | None = None  # None: sqrt(H·W) / reference_size of each image
    stages: tuple[str, ...] = CLASSIC_STAGES  # draws are made for every stage; only these are applied

    def __post_init__(self) -> None:
        check_scale_settings(self.reference_size, self.pixel_scale)
        unknown = sorted(set(self.stages) - set(CLASSIC_STAGES))
        if unknown or not self.stages:
            raise ParamsError(
                f"stages = {list(self.stages)}: choose a non-empty subset of {list(CLASSIC_STAGES)}"
            )
        if self.kernel_size % 2 == 0:
            raise ParamsError(f"kernel_size = {self.kernel_size} must be odd")
        check_range("kernel_size", self.kernel_size, 3, 81)
        check_probs("kernel_list", self.kernel_list, self.kernel_prob, ("iso", "aniso"))
        for key, (low, high) in LIMITS.items():
            check_pair(key, getattr(self, key), low, high)
        for key in ("color_jitter_prob", "color_jitter_pt_prob", "gray_prob"):
            check_range(key, getattr(self, key), 0.0, 1.0)
        check_range("color_jitter_shift", self.color_jitter_shift, 0.0, 255.0)


#: name → (published source, keys that differ from the ClassicConfig defaults).
CLASSIC_PRESETS: dict[str, tuple[str, dict[str, Any]]] = {
    "gfpgan": (
        "GFPGAN options/train_gfpgan_v1.yml",
        {"color_jitter_prob": 0.3, "color_jitter_pt_prob": 0.3, "gray_prob": 0.01},
    ),
    "codeformer": (
        "CodeFormer stage 2",
        {"blur_sigma": (1.0, 15.0), "downsample_range": (4.0, 30.0), "jpeg_range": (30, 80)},
    ),
    "difface": (
        "DifFace",
        {"blur_sigma": (0.1, 15.0), "downsample_range": (0.8, 32.0), "jpeg_range": (30, 100)},
    ),
    "diffbir": (
        "DiffBIR stage 1",
        {
            "blur_sigma": (0.1, 12.0),
            "downsample_range": (1.0, 12.0),
            "noise_range": (0.0, 15.0),
            "jpeg_range": (30, 100),
        },
    ),
    "daefr": (
        "DAEFR",
        {"blur_sigma": (0.1, 15.0), "downsample_range": (0.8, 30.0), "jpeg_range": (30, 100)},
    ),
}


def classic_config(preset: str = DEFAULT_PRESET, overrides: dict[str, Any] | None = None) -> ClassicConfig:
    """The preset's config with ``overrides`` applied and everything validated."""
    if preset not in CLASSIC_PRESETS:
        import difflib

        hint = difflib.get_close_matches(preset, list(CLASSIC_PRESETS), n=1)
        extra = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise ParamsError(
            f"unknown classic preset {preset!r}{extra}; choose one of {', '.join(CLASSIC_PRESETS)}"
        )
    merged = to_dict(ClassicConfig()) | to_dict(CLASSIC_PRESETS[preset][1]) | dict(overrides or {})
    return parse_dataclass(ClassicConfig, merged, f"degrade.classic[{preset}]")
