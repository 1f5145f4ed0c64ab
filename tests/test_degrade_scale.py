"""Reference scale: a small face degraded with rescaled parameters looks like the 512² degradation shrunk."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from flipnet_bench.config import ParamsError
from flipnet_bench.degrade import create_degradation, ops
from flipnet_bench.degrade.runner import degrade_folder
from flipnet_bench.io import to_tensor, write_image

DRAWS = 6
#: classic without GFPGAN's colour options: they act per pixel value, not per pixel distance
CLASSIC = {"preset": "gfpgan", "color_jitter_prob": 0.0, "color_jitter_pt_prob": 0.0, "gray_prob": 0.0}


def make_face512() -> torch.Tensor:
    """A 512² image with structure at every scale: smooth shading, edges and pixel-level texture."""
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0:512, 0:512] / 512.0
    shade = np.stack([0.5 + 0.3 * np.sin(6 * xx), 0.5 + 0.3 * np.cos(5 * yy), 0.4 + 0.2 * xx], 0)
    edges = 0.2 * ((np.floor(xx * 12) + np.floor(yy * 9)) % 2)
    texture = rng.normal(0.0, 0.05, (3, 512, 512))
    return torch.from_numpy(np.clip(shade + edges + texture, 0, 1).astype(np.float32))


@pytest.fixture(scope="module")
def face512() -> torch.Tensor:
    return make_face512()


def sharpness(x: torch.Tensor) -> torch.Tensor:
    """Mean absolute vertical gradient per image (gray levels): what blur and downscaling remove."""
    return (x[..., 1:, :] - x[..., :-1, :]).abs().mean(dim=(1, 2, 3)) * 255


def three_ways(model: str, kwargs: dict, face512: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """(512² degraded then shrunk to 128², 128² degraded with scaling, 128² degraded unscaled)."""
    small = ops.resize(face512, 128, 128, "area")
    idx = list(range(DRAWS))
    big, _ = create_degradation(model, **kwargs)(face512.expand(DRAWS, -1, -1, -1).contiguous(), idx, 4)
    shrunk = torch.stack([ops.resize(b, 128, 128, "area") for b in big])
    batch = small.expand(DRAWS, -1, -1, -1).contiguous()
    scaled, params = create_degradation(model, **kwargs)(batch, idx, 4)
    unscaled, _ = create_degradation(model, reference_size=None, **kwargs)(batch, idx, 4)
    assert all(p["reference_size"] == 512 and p["pixel_scale"] == 0.25 for p in params)
    return shrunk, scaled, unscaled


def print_measurements() -> None:
    """The numbers quoted in docs/degradations.md (*Reference scale*)."""
    for model, kwargs in (("classic", CLASSIC), ("realesrgan", {})):
        shrunk, scaled, unscaled = three_ways(model, kwargs, make_face512())
        ref = sharpness(shrunk)
        for label, other in (("scaled", scaled), ("unscaled", unscaled)):
            mae = ((shrunk - other).abs().mean(dim=(1, 2, 3)) * 255).numpy().round(2)
            print(
                model,
                label,
                "mean abs diff",
                mae,
                "sharpness %",
                ((sharpness(other) / ref - 1) * 100).numpy().round(1),
            )


def test_classic_at_128_matches_the_512_degradation_shrunk(face512: torch.Tensor) -> None:
    shrunk, scaled, unscaled = three_ways("classic", CLASSIC, face512)
    mae_scaled = (shrunk - scaled).abs().mean(dim=(1, 2, 3)) * 255
    mae_unscaled = (shrunk - unscaled).abs().mean(dim=(1, 2, 3)) * 255
    assert float(mae_scaled.max()) < 3.0, mae_scaled  # same draws → nearly the same pixels
    assert float(mae_unscaled.mean()) > 4 * float(mae_scaled.mean()), (mae_scaled, mae_unscaled)
    ref = sharpness(shrunk)
    assert float(((sharpness(scaled) - ref).abs() / ref).max()) < 0.1
    assert float((ref - sharpness(unscaled)).min()) > 0  # unscaled presets over-blur every draw


def test_realesrgan_at_128_matches_the_512_statistics(face512: torch.Tensor) -> None:
    # pixel agreement is not expected: Real-ESRGAN resamples without anti-aliasing, so texture finer than
    # the small image's pixels aliases differently; the amount of detail that survives must agree
    shrunk, scaled, unscaled = three_ways("realesrgan", {}, face512)
    ref = sharpness(shrunk)
    assert float(((sharpness(scaled) - ref).abs() / ref).mean()) < 0.1
    assert float(((sharpness(unscaled) - ref).abs() / ref).mean()) > 0.3


@pytest.mark.parametrize("model", ["classic", "realesrgan"])
def test_reference_size_is_bit_identical_and_records_replay(model: str, face512: torch.Tensor) -> None:
    hq = face512[None, :, :256, :256].contiguous()
    at_ref, params = create_degradation(model, pixel_scale=1.0)(hq, [3], 9)
    published, _ = create_degradation(model, reference_size=None)(hq, [3], 9)
    assert torch.equal(at_ref, published)  # scale 1 is the published chain, bit for bit
    scaled_deg = create_degradation(model)
    lq, rec = scaled_deg(hq, [3], 9)
    assert rec[0]["pixel_scale"] == 0.5 and params[0]["pixel_scale"] == 1.0
    assert torch.equal(scaled_deg.apply(hq, rec), lq)  # the record alone reproduces the bytes
    assert not torch.equal(lq, at_ref)


def test_scale_settings_are_validated() -> None:
    with pytest.raises(ParamsError, match="reference_size"):
        create_degradation("classic", reference_size=4)
    with pytest.raises(ParamsError, match="pixel_scale needs a reference_size"):
        create_degradation("realesrgan", reference_size=None, pixel_scale=1.0)


def test_folder_metadata_records_the_scale(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    hq = tmp_path / "hq"
    for i in range(2):
        write_image(hq / f"f{i}.png", rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))
    deg = create_degradation("classic", preset="gfpgan")
    degrade_folder(deg, hq, tmp_path / "lq", seed=1, model="classic", preset="gfpgan", progress=False)
    table = pd.read_csv(tmp_path / "lq" / "metadata.csv")
    records = [json.loads(p) for p in table["params"]]
    assert [(r["reference_size"], r["pixel_scale"]) for r in records] == [(512, 0.125)] * 2
    lq = deg.apply(to_tensor(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)), records[:1])
    assert lq.shape == (1, 3, 64, 64)
