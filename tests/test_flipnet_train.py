"""FLIPNET training mechanics: bit-exact resume, checkpoint round trip, sd21 miniature, seeded sampling."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from flipnet_bench.errors import BenchError
from flipnet_bench.io import write_image
from flipnet_bench.models.flipnet.checkpoint import load_flipnet, save_flipnet
from flipnet_bench.models.flipnet.configs import get_config
from flipnet_bench.models.flipnet.embedding import DEGRADE, RESTORE, FaceEmbedding
from flipnet_bench.models.flipnet.model import Flipnet, FlipnetArch
from flipnet_bench.models.flipnet.params import FlipnetParams
from flipnet_bench.models.flipnet.pipeline import flip_sample
from flipnet_bench.models.flipnet.prior import DiffusionPrior, load_prior, save_prior
from flipnet_bench.train.common import item_generator
from flipnet_bench.train.prior import PriorTrainConfig, train_prior


@pytest.fixture(scope="module")
def faces(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("faces")
    rng = np.random.default_rng(0)
    for i in range(8):
        write_image(folder / f"f{i}.png", rng.integers(0, 256, (24, 20, 3), dtype=np.uint8))
    return folder


def test_prior_training_resumes_bit_exactly(faces: Path, tmp_path: Path):
    cfg = PriorTrainConfig(config="micro", steps=4, batch_size=4, warmup=2, save_every=2, seed=3)
    train_prior(faces, tmp_path / "straight", cfg)
    train_prior(faces, tmp_path / "resumed", PriorTrainConfig(**{**cfg.__dict__, "steps": 2}))
    train_prior(faces, tmp_path / "resumed", cfg)  # picks up at step 2
    a = load_file(str(tmp_path / "straight" / "model.safetensors"))
    b = load_file(str(tmp_path / "resumed" / "model.safetensors"))
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    log = (tmp_path / "resumed" / "train_log.csv").read_text().splitlines()
    assert [row.split(",")[0] for row in log[1:]] == ["0", "1", "2", "3"]
    # ... and training changed the weights (so the comparison above is not trivially true)
    init = DiffusionPrior(get_config("micro")).state_dict()
    assert not torch.equal(init["unet.conv_in.weight"], a["unet.conv_in.weight"])
    with pytest.raises(BenchError, match="seed"):
        train_prior(faces, tmp_path / "resumed", PriorTrainConfig(**{**cfg.__dict__, "seed": 4, "steps": 5}))


def _micro_flipnet(tmp_path: Path) -> tuple[Flipnet, FlipnetParams, str]:
    torch.manual_seed(0)
    prior = DiffusionPrior(get_config("micro"))
    save_prior(prior, tmp_path / "prior")
    params = FlipnetParams(config="micro", prior_path=str(tmp_path / "prior"), lora_rank=2)
    model = Flipnet(load_prior(tmp_path / "prior"), FaceEmbedding(16, 8, 16), FlipnetArch(lora_rank=2))
    with torch.no_grad():
        for p in model.parameters():
            if p.requires_grad:
                p.add_(0.05 * torch.randn_like(p))
    return model.eval(), params, str(tmp_path / "prior")


def test_checkpoint_round_trips_bit_exactly(tmp_path: Path):
    model, params, prior_dir = _micro_flipnet(tmp_path)
    save_flipnet(model, params, prior_dir, tmp_path / "ck")
    loaded = load_flipnet(tmp_path / "ck")
    sd_a, sd_b = model.state_dict(), loaded.state_dict()
    assert sd_a.keys() == sd_b.keys()
    assert all(torch.equal(sd_a[k], sd_b[k]) for k in sd_a)
    cond = torch.rand(2, 3, 16, 16)
    gens = [item_generator(0, i) for i in range(2)]
    out_a = flip_sample(model, cond, RESTORE, gens, "ddim", 2)
    out_b = flip_sample(loaded, cond, RESTORE, [item_generator(0, i) for i in range(2)], "ddim", 2)
    assert torch.equal(out_a, out_b)
    # a different prior under the same path is refused
    save_prior(DiffusionPrior(get_config("micro")), prior_dir)
    with pytest.raises(BenchError, match="sha256"):
        load_flipnet(tmp_path / "ck")


def test_sampling_is_per_image_seeded_and_batch_independent(tmp_path: Path):
    model, _, _ = _micro_flipnet(tmp_path)
    cond = torch.rand(3, 3, 20, 20)  # not the model resolution: resized in and out
    full = flip_sample(model, cond, DEGRADE, [item_generator(5, i) for i in range(3)], "dpm", 3)
    assert full.shape == cond.shape and full.min() >= 0 and full.max() <= 1
    single = flip_sample(model, cond[2:], DEGRADE, [item_generator(5, 2)], "dpm", 3)
    torch.testing.assert_close(single, full[2:], rtol=0, atol=1e-5)
    other_seed = flip_sample(model, cond[2:], DEGRADE, [item_generator(6, 2)], "dpm", 3)
    assert (other_seed - single).abs().max() > 1e-3


def test_sampling_ignores_the_memory_layout(tmp_path: Path):
    """Decoded images are often channels-last views; CPU convolutions take other kernels for them, which
    moved stored outputs by one gray level when an audit re-ran an image in another batch."""
    model, _, _ = _micro_flipnet(tmp_path)
    cond = torch.rand(4, 3, 16, 16)
    channels_last = cond.contiguous(memory_format=torch.channels_last)
    gens = [item_generator(7, i) for i in range(4)]
    out = flip_sample(model, cond, RESTORE, gens, "dpm", 3)
    out_cl = flip_sample(model, channels_last, RESTORE, [item_generator(7, i) for i in range(4)], "dpm", 3)
    assert torch.equal(out, out_cl)


@pytest.mark.parametrize("cond_concat", [False, True])
def test_sd21_miniature_trains_and_samples(cond_concat: bool):
    torch.manual_seed(0)
    prior = DiffusionPrior(get_config("sd21-mini"))
    assert prior.vae is not None and prior.sample_shape == (4, 8, 8)
    model = Flipnet(prior, FaceEmbedding(16, 8, 16), FlipnetArch(lora_rank=2, cond_concat=cond_concat))
    hq, lq = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    losses = model.losses(hq, lq, RESTORE, torch.Generator().manual_seed(0), lambda_mse=1.0)
    losses["loss"].backward()
    opt.step()
    assert torch.isfinite(losses["loss"]) and "mse_x0" in losses
    lora_b = [p for n, p in model.named_parameters() if "lora_B" in n]
    assert lora_b and any(p.abs().sum() > 0 for p in lora_b)  # the step moved LoRA off zero
    assert (model.cond_in is not None) is cond_concat
    if cond_concat:  # the condition's input convolution (SD-2.1's conv_in shape) trained off zero too
        assert model.cond_in.proj.weight.shape == prior.unet.conv_in.weight.shape
        assert model.cond_in.proj.weight.abs().sum() > 0
    out = flip_sample(model.eval(), lq, DEGRADE, [item_generator(0, i) for i in range(2)], "ddim", 1)
    assert out.shape == lq.shape and torch.isfinite(out).all()


def test_cli_continues_a_prior_run_with_a_larger_steps_only(faces: Path, tmp_path: Path, capsys):
    """`train prior` on its own --out: a larger --steps continues the run to the bytes of a straight run; a
    smaller --steps, or any other changed setting, is refused and deletes nothing."""
    from flipnet_bench.cli import main

    def run(out: Path, steps: int, *extra: str) -> int:
        args = ["train", "prior", "--config", "micro", "--data", str(faces), "--out", str(out)]
        return main([*args, "--steps", str(steps), "--batch-size", "2", "--save-every", "1", *extra])

    assert run(tmp_path / "straight", 3) == 0
    assert run(tmp_path / "grown", 2) == 0
    assert run(tmp_path / "grown", 3) == 0
    weights = [(tmp_path / d / "model.safetensors").read_bytes() for d in ("straight", "grown")]
    assert weights[0] == weights[1]
    assert run(tmp_path / "grown", 2) != 0
    assert "steps: recorded 3, now 2" in capsys.readouterr().err
    assert run(tmp_path / "grown", 4, "--lr", "1e-3") != 0
    assert "lr" in capsys.readouterr().err
    assert (tmp_path / "grown" / "model.safetensors").read_bytes() == weights[0]
