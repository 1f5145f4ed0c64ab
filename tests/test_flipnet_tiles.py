"""FLIPNET's degradation mode at native pixel scale (``tiled``): model-resolution tiles, each with its own
generator, pasted back — on the ``micro`` config (16² tiles)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from flipnet_bench.errors import BenchError
from flipnet_bench.methods.flipnet import FlipnetDegradation, tile_starts
from flipnet_bench.models.flipnet.checkpoint import save_flipnet
from flipnet_bench.models.flipnet.configs import get_config
from flipnet_bench.models.flipnet.embedding import DEGRADE, FaceEmbedding
from flipnet_bench.models.flipnet.model import Flipnet, FlipnetArch
from flipnet_bench.models.flipnet.params import FlipnetParams
from flipnet_bench.models.flipnet.prior import DiffusionPrior, load_prior, save_prior
from flipnet_bench.train.common import item_generator


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tiles")
    torch.manual_seed(0)
    save_prior(DiffusionPrior(get_config("micro")), root / "prior")
    params = FlipnetParams(config="micro", prior_path=str(root / "prior"), lora_rank=2)
    model = Flipnet(load_prior(root / "prior"), FaceEmbedding(16, 8, 16), FlipnetArch(lora_rank=2))
    save_flipnet(model, params, str(root / "prior"), root / "base", trained_steps=0)
    return root / "base"


def _images(n: int, h: int = 20, w: int = 40) -> torch.Tensor:
    return torch.from_numpy(np.random.default_rng(1).random((n, 3, h, w))).float()


def _degrade(checkpoint: Path, **options) -> FlipnetDegradation:
    return FlipnetDegradation(checkpoint=str(checkpoint), steps=2, batch_size=4, device="cpu", **options)


def test_tile_starts_cover_the_length_with_whole_tiles() -> None:
    assert tile_starts(64, 64) == [0]
    assert tile_starts(96, 64) == [0, 32]
    assert tile_starts(192, 64) == [0, 64, 128]
    assert tile_starts(40, 16) == [0, 16, 24]
    assert tile_starts(192, 64, overlap=16) == [0, 48, 96, 128]


@pytest.mark.parametrize("overlap", [0.0, 0.25])
def test_tiled_keeps_size_and_is_deterministic_and_batch_independent(
    checkpoint: Path, overlap: float
) -> None:
    deg, hq = _degrade(checkpoint, tiled=True, tile_overlap=overlap), _images(3)
    lq, info = deg(hq, [0, 1, 2], seed=5)
    assert lq.shape == hq.shape and lq.dtype == hq.dtype
    assert info[1]["tiled"] is True and info[1]["tile_overlap"] == overlap and info[1]["index"] == 1
    again, _ = deg(hq, [0, 1, 2], seed=5)
    assert torch.equal(lq, again)
    alone, _ = deg(hq[1:2], [1], seed=5)  # another batch composition, same image index
    assert torch.equal(alone[0], lq[1])
    other, _ = deg(hq, [0, 1, 2], seed=6)
    assert not torch.equal(other, lq)


def test_each_tile_is_its_own_native_crop_sample(checkpoint: Path) -> None:
    """A tile of the output is the degradation of that crop alone (no resize), with its own generator;
    the flush last column tile (start 24) overwrites the overlap of the one before it."""
    deg, hq = _degrade(checkpoint, tiled=True), _images(1)
    lq, _ = deg(hq, [7], seed=0)
    crop = hq[:, :, 4:20, 24:40]
    ref = deg.sampler.sample(crop, DEGRADE, [item_generator(0, "degrade", 7, 4, 24)])
    assert torch.equal(lq[:, :, 4:20, 24:40], ref.to(lq.dtype))
    whole, _ = _degrade(checkpoint)(hq, [7], seed=0)  # the default: whole image at the model resolution
    assert whole.shape == hq.shape and not torch.equal(whole, lq)


def test_a_side_shorter_than_a_tile_is_mirror_padded_and_cropped_back(checkpoint: Path) -> None:
    """12 px high with 16² tiles: the image mirrored to 16 rows at its end is degraded, then cropped back;
    half a tile or less is refused."""
    deg, hq = _degrade(checkpoint, tiled=True), _images(1, 12, 40)
    lq, _ = deg(hq, [0], seed=0)
    assert lq.shape == hq.shape
    padded = torch.nn.functional.pad(hq, (0, 0, 0, 4), mode="reflect")
    assert torch.equal(padded[:, :, 12:], hq[:, :, 7:11].flip(2))  # rows 10, 9, 8, 7 mirrored
    ref, _ = deg(padded, [0], seed=0)
    assert torch.equal(lq, ref[:, :, :12])
    with pytest.raises(BenchError, match="not larger than half the model's 16"):
        deg(_images(1, 8, 40), [0], seed=0)


def test_realism_study_has_a_flipnet_row_naming_its_checkpoint(checkpoint: Path, tmp_path: Path) -> None:
    from flipnet_bench.io import write_image
    from flipnet_bench.report.realism_study import StudySettings, run_study

    rng = np.random.default_rng(2)
    for folder, n in (("hq", 6), ("real", 6)):
        for i in range(n):
            write_image(tmp_path / folder / f"{i}.png", rng.integers(0, 256, (32, 48, 3), dtype=np.uint8))
    settings = StudySettings(metrics=("fd_deg",), models=("flipnet",), flipnet_checkpoint=str(checkpoint))
    model, kwargs = settings.recipe("flipnet")
    assert model == "flipnet" and kwargs["tiled"] and kwargs["checkpoint"] == str(checkpoint)
    result = run_study({"real": tmp_path / "real"}, hq=tmp_path / "hq", settings=settings, log=lambda _: None)
    assert result["settings"]["flipnet_checkpoint"] == str(checkpoint)
    assert result["columns"]["real"]["rows"]["flipnet"]["fd_deg"]["value"] >= 0.0
    from flipnet_bench.models.flipnet.params import FlipnetParams

    assert StudySettings(models=("flipnet",)).recipe("flipnet")[1]["checkpoint"] == FlipnetParams().base


def test_realism_params_have_a_flipnet_row_by_default() -> None:
    from flipnet_bench.config import ParamsError
    from flipnet_bench.report.params import REALISM_MODELS, RealismParams
    from flipnet_bench.report.realism_study import MODELS

    assert set(REALISM_MODELS) == set(MODELS)
    assert "flipnet" in RealismParams().models and RealismParams().flipnet_checkpoint is None
    assert RealismParams(models=["flipnet"], flipnet_checkpoint="ck").flipnet_checkpoint == "ck"
    with pytest.raises(ParamsError, match="classic, realesrgan, flipnet"):
        RealismParams(models=["gan"])


def test_overlap_cross_fades_neighbours_and_keeps_tile_interiors(checkpoint: Path) -> None:
    """A quarter-tile overlap is 4 px (starts 0, 12, 24 on 40 px): a tile's interior is its own sample; in an
    overlap the output lies between the two tiles' samples (a convex blend), unlike a hard paste."""
    deg, hq = _degrade(checkpoint, tiled=True, tile_overlap=0.25), _images(1)
    lq, _ = deg(hq, [3], seed=0)
    crops = [hq[:, :, 0:16, x : x + 16] for x in (0, 12)]
    own = [
        deg.sampler.sample(c, DEGRADE, [item_generator(0, "degrade", 3, 0, x)])
        for c, x in zip(crops, (0, 12))
    ]
    assert torch.allclose(lq[:, :, 0:3, 4:11], own[0][:, :, 0:3, 4:11], atol=1e-6)  # rows 0-2: no row overlap
    seam_a, seam_b = own[0][:, :, 0:3, 12:16], own[1][:, :, 0:3, 0:4]
    blended = lq[:, :, 0:3, 12:16]
    assert torch.all(blended >= torch.minimum(seam_a, seam_b) - 1e-6)
    assert torch.all(blended <= torch.maximum(seam_a, seam_b) + 1e-6)
    assert not torch.allclose(blended, seam_b) and not torch.allclose(blended, seam_a)
    with pytest.raises(BenchError, match="tile_overlap"):
        _degrade(checkpoint, tiled=True, tile_overlap=0.6)


def test_a_call_of_several_batches_shows_its_progress(
    checkpoint: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A study degrades all its tiles in one call (1,600 at 512²): several batches show on stderr, one not."""
    deg = _degrade(checkpoint, tiled=True)
    deg(_images(2, 16, 32), [0, 1], seed=0)  # 2 × 2 tiles of 16²: one batch of 4
    assert "flipnet degrade" not in capsys.readouterr().err
    deg(_images(1), [0], seed=0)  # 20 × 40: 2 × 3 tiles, two batches
    assert "flipnet degrade" in capsys.readouterr().err


def test_the_sampling_start_reaches_every_batch_and_is_described(checkpoint: Path, monkeypatch) -> None:
    import flipnet_bench.models.flipnet.pipeline as pipeline

    seen: list[tuple[float, str]] = []
    sample = pipeline.flip_sample

    def spy(*args, **kwargs):
        seen.append((kwargs["strength"], kwargs["start"]))
        return sample(*args, **kwargs)

    monkeypatch.setattr(pipeline, "flip_sample", spy)
    for start in ("noise", "condition"):
        seen.clear()
        deg = _degrade(checkpoint, start=start)
        deg(_images(5, 16, 16), list(range(5)), seed=0)  # two batches of 4
        assert seen == [(1.0, start)] * 2
        assert deg.sampler.describe()["start"] == start
    assert _degrade(checkpoint).sampler.start == FlipnetParams().sample_start == "noise"
    with pytest.raises(BenchError, match="start"):
        _degrade(checkpoint, start="lq")
