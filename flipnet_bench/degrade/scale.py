"""Reference scale: presets are calibrated on 512² aligned faces, so their pixel quantities are rescaled.

A blur σ of 10 px or an 8× downscale means one thing on a 512² face and something four times harsher on a
128² face. Each sampled model therefore records two numbers with every image's draws:

* ``reference_size`` — the face size (px) the preset's ranges are written for (512 for every built-in
  preset);
* ``pixel_scale`` — ``s`` = the image's face size / ``reference_size`` (``sqrt(H·W) / reference_size``
  unless the model's config fixes it, e.g. ``pixel_scale: 1.0`` for native-scale crops of 512² faces).

The draws stay in reference pixels; the models apply them so that degrading an image at scale ``s`` matches
degrading the same face at the reference size and resizing the result to the image
(``tests/test_degrade_scale.py`` checks this): spatial kernels applied at the image's own resolution get σ·s
and a proportionally smaller support, intermediate sizes are those of the reference chain, and the final
resize goes through the reference size (area-averaged when shrinking). ``pixel_scale == 1`` reproduces the
unscaled chain bit for bit, and a record without these keys (older metadata) is applied unscaled, as made.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from flipnet_bench.config import ParamsError, check_range
from flipnet_bench.degrade.base import SampledDegradation, check_batch, image_generator

#: Face size (px) every built-in preset's ranges refer to (GFPGAN/Real-ESRGAN train on 512² FFHQ crops).
REFERENCE_SIZE = 512

if TYPE_CHECKING:
    import torch


def check_scale_settings(reference_size: int | None, pixel_scale: float | None) -> None:
    """Validate the two config keys (``reference_size: null`` = apply the presets in image pixels)."""
    if reference_size is not None:
        check_range("reference_size", reference_size, 16, 8192)
    if pixel_scale is not None:
        check_range("pixel_scale", pixel_scale, 1e-3, 64.0)
        if reference_size is None:
            raise ParamsError("pixel_scale needs a reference_size (it is a fraction of it)")


def image_scale(h: int, w: int, reference_size: int | None, pixel_scale: float | None) -> float:
    """``s`` of an ``h×w`` image: the fixed ``pixel_scale``, else ``sqrt(h·w) / reference_size``."""
    if reference_size is None:
        return 1.0
    if pixel_scale is not None:
        return float(pixel_scale)
    return math.sqrt(h * w) / reference_size


def record_scale(params: dict[str, Any], reference_size: int | None, scale: float) -> dict[str, Any]:
    """The image's draws plus the scale they are applied at (what the metadata keeps)."""
    return {**params, "reference_size": reference_size, "pixel_scale": scale}


def recorded_scale(params: dict[str, Any]) -> float:
    """The scale a record is applied at; records made before scaling existed carry none and mean 1."""
    return float(params.get("pixel_scale") or 1.0)


def reference_dims(h: int, w: int, scale: float) -> tuple[int, int]:
    """Size of the same face at the reference scale."""
    return max(1, round(h / scale)), max(1, round(w / scale))


def scale_kernel(kernel: dict[str, Any], scale: float) -> dict[str, Any] | None:
    """A recorded kernel in reference pixels → the same kernel in image pixels (None: a no-op there).

    Widths (σ) and the support scale by ``s`` (odd size, at least 3); a sinc's cut-off frequency (rad/px)
    scales by ``1/s`` and a cut-off at or above Nyquist removes nothing at the image's resolution.
    """
    if scale == 1.0:
        return kernel
    half = max(1, round((int(kernel["size"]) // 2) * scale))
    out = {**kernel, "size": 2 * half + 1}
    if kernel["type"] == "sinc":
        omega = float(kernel["omega_c"]) / scale
        if omega >= math.pi:
            return None
        out["omega_c"] = omega
        out.pop("pad_to", None)
        return out
    out["sigma_x"] = float(kernel["sigma_x"]) * scale
    out["sigma_y"] = float(kernel["sigma_y"]) * scale
    return out


def back_to_image(lq: torch.Tensor, h: int, w: int, scale: float, mode: str) -> torch.Tensor:
    """Resize the low-resolution result to the image: through the reference size, area-averaged when
    shrinking (what resizing a reference-size LQ down to the image does); a plain resize at ``s == 1``."""
    from flipnet_bench.degrade import ops

    ref_h, ref_w = reference_dims(h, w, scale)
    out = ops.resize(lq, ref_h, ref_w, mode)
    if (ref_h, ref_w) == (h, w):
        return out
    return ops.resize(out, h, w, "area" if ref_h * ref_w > h * w else mode)


class ReferenceScaled(SampledDegradation):
    """A sampled model whose config has ``reference_size`` / ``pixel_scale``: records the scale per image."""

    config: Any

    def __call__(
        self, hq: torch.Tensor, indices: Sequence[int], seed: int
    ) -> tuple[torch.Tensor, list[dict[str, Any]]]:
        check_batch(hq, indices)
        ref = self.config.reference_size
        scale = image_scale(int(hq.shape[2]), int(hq.shape[3]), ref, self.config.pixel_scale)
        draws = [self.sample_params(image_generator(seed, int(i))) for i in indices]
        params = [record_scale(p, ref, scale) for p in draws]
        return self.apply(hq, params), params
