"""The restoration mode trained further from a joint checkpoint on "+O" or "+O/F" pairs (the pipeline's
train-flipnet-o / train-flipnet-of): the two variants differ in training data only."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from flipnet_bench.errors import BenchError
from flipnet_bench.io import write_image
from flipnet_bench.models.flipnet.checkpoint import save_flipnet
from flipnet_bench.models.flipnet.configs import get_config
from flipnet_bench.models.flipnet.embedding import FaceEmbedding
from flipnet_bench.models.flipnet.model import Flipnet, FlipnetArch
from flipnet_bench.models.flipnet.params import FlipnetParams, RestorationParams
from flipnet_bench.models.flipnet.prior import DiffusionPrior, load_prior, save_prior
from flipnet_bench.train.flipnet import train_restoration_folder


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, FlipnetParams]:
    root = tmp_path_factory.mktemp("restoration")
    rng = np.random.default_rng(0)
    for i in range(4):
        write_image(root / "hq" / f"f{i}.png", rng.integers(0, 256, (24, 20, 3), dtype=np.uint8))
        clean = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
        write_image(root / "pairs" / "hq" / f"p{i}.png", clean)
        write_image(root / "pairs" / "lq" / f"p{i}_v0.png", (clean // 2).astype(np.uint8))
    torch.manual_seed(0)
    save_prior(DiffusionPrior(get_config("micro")), root / "prior")
    params = FlipnetParams(config="micro", prior_path=str(root / "prior"), lora_rank=2, perceptual="none",
                           batch_size=2, save_every=1, restoration=RestorationParams(steps=2))  # fmt: skip
    model = Flipnet(load_prior(root / "prior"), FaceEmbedding(16, 8, 16), FlipnetArch(lora_rank=2))
    save_flipnet(model, params, str(root / "prior"), root / "base", trained_steps=7)
    return root / "base", root / "hq", root / "pairs", params


def _weights(folder: Path) -> dict[str, torch.Tensor]:
    return load_file(str(folder / "flipnet.safetensors"))


def test_variants_differ_in_training_data_only(setup, tmp_path: Path) -> None:
    base, hq, pairs, params = setup
    plain = train_restoration_folder(base, hq, tmp_path / "o", params)
    unused = train_restoration_folder(base, hq, tmp_path / "o2", params, (str(pairs),), 0.0)
    mixed = train_restoration_folder(base, hq, tmp_path / "of", params, (str(pairs),), 1.0)
    a, b, c, start = _weights(plain), _weights(unused), _weights(mixed), _weights(base)
    assert all(torch.equal(a[k], b[k]) for k in a)  # pairs at fraction 0: the same run
    assert any(not torch.equal(a[k], c[k]) for k in a)  # other data, other weights
    assert any(not torch.equal(a[k], start[k]) for k in a)  # and training moved them
    info = json.loads((mixed / "restoration.json").read_text())
    assert info["pairs"] == ["pairs"] and info["pair_fraction"] == 1.0 and info["steps"] == 2
    assert json.loads((mixed / "flipnet.json").read_text())["trained_steps"] == 7 + 2


def test_ema_weights_are_the_checkpoint(setup, tmp_path: Path) -> None:
    """With ``ema_decay`` the checkpoint holds the moving average of the weights, with the warm-up decay
    min(decay, (1 + s) / (10 + s)) at step s, computed here from the base and the raw weights each step
    leaves in the training state; a run resumed under another setting is refused."""
    base, hq, _, params = setup
    ema = dataclasses.replace(params, ema_decay=0.99, restoration=RestorationParams(steps=1))
    out = tmp_path / "ema"
    w0 = _weights(base)
    train_restoration_folder(base, hq, out, ema)
    w1 = load_file(str(next((out / "state").glob("model*.safetensors"))))
    ema2 = dataclasses.replace(ema, restoration=RestorationParams(steps=2))
    train_restoration_folder(base, hq, out, ema2)  # resumes the run and its average
    w2 = load_file(str(next((out / "state").glob("model*.safetensors"))))
    plain = dataclasses.replace(ema2, ema_decay=0.0)
    got, raw = _weights(out), _weights(train_restoration_folder(base, hq, tmp_path / "raw", plain))
    d0, d1 = 1 / 10, 2 / 11
    for k, v in got.items():
        expect = d1 * (d0 * w0[k] + (1 - d0) * w1[k]) + (1 - d1) * w2[k]
        assert torch.allclose(v, expect, atol=1e-6), k
        assert torch.equal(raw[k], w2[k])  # without EMA: the last step's weights, the same run
    assert any(not torch.equal(got[k], raw[k]) for k in got)
    with pytest.raises(BenchError, match="saved without an EMA"):
        train_restoration_folder(base, hq, tmp_path / "raw", dataclasses.replace(
            ema2, restoration=RestorationParams(steps=3)))  # fmt: skip


def test_bad_inputs_are_clear_errors(setup, tmp_path: Path) -> None:
    base, hq, _, params = setup
    with pytest.raises(BenchError, match="no stored pairs"):
        train_restoration_folder(base, hq, tmp_path / "x", params, (), 0.5)
    with pytest.raises(BenchError, match="no FLIPNET checkpoint"):
        train_restoration_folder(tmp_path / "missing", hq, tmp_path / "y", params)


def test_arch_options_train_under_a_window_and_are_kept(setup, tmp_path: Path) -> None:
    base, hq, _, params = setup
    plain = train_restoration_folder(base, hq, tmp_path / "o", params)
    window = train_restoration_folder(base, hq, tmp_path / "w", params, arch_options={"boosthub_window": 0})
    a = _weights(plain)
    assert all(torch.equal(a[k], v) for k, v in _weights(window).items())  # the base's own value: same run
    local = train_restoration_folder(base, hq, tmp_path / "l", params, arch_options={"boosthub_window": 1})
    assert any(not torch.equal(a[k], v) for k, v in _weights(local).items())  # the window reached training
    assert json.loads((local / "flipnet.json").read_text())["arch"]["boosthub_window"] == 1
    assert json.loads((local / "restoration.json").read_text())["arch_options"] == ["boosthub_window=1"]


def test_finetune_unet_trains_the_unet_and_its_checkpoint_carries_it(setup, tmp_path: Path) -> None:
    """``--arch finetune_unet=true`` on a frozen base: the UNet starts as the prior's, training moves it, the
    checkpoint holds it and loads it back (a restore sees the trained UNet, not the prior's); continuing that
    checkpoint keeps it open, and switching it off again is refused."""
    from flipnet_bench.models.flipnet.checkpoint import load_flipnet

    base, hq, _, params = setup
    prior = load_prior(params.prior_path).unet.state_dict()
    frozen = _weights(train_restoration_folder(base, hq, tmp_path / "o", params))
    assert not any(k.startswith("prior.unet.") and "lora_" not in k and ".bh_" not in k for k in frozen)
    opened = train_restoration_folder(base, hq, tmp_path / "u", params, arch_options={"finetune_unet": True})
    w = _weights(opened)
    unet = {k.removeprefix("prior.unet."): v for k, v in w.items() if k.startswith("prior.unet.")}
    plain = {k: v for k, v in unet.items() if "lora_" not in k and ".bh_" not in k}
    assert len(plain) > len(w) - len(plain)  # every UNet weight is in the checkpoint
    moved = [k for k, v in plain.items() if k.replace(".base_layer", "") in prior and
             not torch.equal(v, prior[k.replace(".base_layer", "")])]  # fmt: skip
    assert len(moved) > len(plain) // 2  # trained, not the prior's
    model = load_flipnet(opened)
    assert model.arch.finetune_unet and all(p.requires_grad for p in model.prior.unet.parameters())
    got = model.state_dict()
    assert all(torch.equal(got[k], v) for k, v in w.items())  # loaded back as trained
    again = train_restoration_folder(opened, hq, tmp_path / "u2", params)
    assert json.loads((again / "flipnet.json").read_text())["arch"]["finetune_unet"] is True
    with pytest.raises(BenchError, match="cannot be switched off"):
        train_restoration_folder(opened, hq, tmp_path / "x", params, arch_options={"finetune_unet": False})


def test_cond_concat_starts_as_its_base_trains_and_is_saved(setup, tmp_path: Path) -> None:
    """``--arch cond_concat=true``: the added input convolution starts at zero, so the model's prediction
    equals its base's until it trains; the condition then reaches the target through it (also when the
    condition's features are replayed), training moves it, the checkpoint holds and restores it, and
    switching it off again is refused."""
    from flipnet_bench.models.flipnet.checkpoint import load_flipnet

    base, hq, _, params = setup
    plain, grown = load_flipnet(base), load_flipnet(base, arch_options={"cond_concat": True})
    gen = torch.Generator().manual_seed(1)
    shape = (2, plain.prior.unet.config.in_channels, 8, 8)
    x, cond = torch.randn(shape, generator=gen), torch.randn(shape, generator=gen)
    t, ctx = torch.tensor([10, 900]), plain.context(torch.rand(2, 3, 16, 16, generator=gen), 0)
    zero = torch.zeros_like(t)
    with torch.no_grad():
        assert torch.equal(plain.eps_pair(x, cond, t, ctx, zero)[0], grown.eps_pair(x, cond, t, ctx, zero)[0])
        grown.cond_in.proj.weight.normal_(generator=gen)
        paired = grown.eps_pair(x, cond, t, ctx, zero, record=True)[0]
        assert torch.allclose(paired, grown.eps_target_replay(x, t, ctx), atol=1e-5)
        other = grown.eps_pair(x, cond.flip(0), t, ctx, zero)[0]
        assert not torch.allclose(paired[:1], other[:1], atol=1e-3)  # the condition reaches the target
    out = train_restoration_folder(base, hq, tmp_path / "c", params, arch_options={"cond_concat": True})
    w = _weights(out)
    assert {k for k in w if k.startswith("cond_in.")} == {"cond_in.proj.weight", "cond_in.proj.bias"}
    assert w["cond_in.proj.weight"].abs().sum() > 0  # trained away from its zero start
    assert not any(k.startswith("prior.unet.") and "lora_" not in k and ".bh_" not in k for k in w)
    model = load_flipnet(out)
    assert model.arch.cond_concat and torch.equal(model.cond_in.proj.weight, w["cond_in.proj.weight"])
    with pytest.raises(BenchError, match="cannot be switched off"):
        train_restoration_folder(out, hq, tmp_path / "x", params, arch_options={"cond_concat": False})


@pytest.mark.parametrize(
    ("option", "message"),
    [({"lora_rank": 4}, "change the trainable weights"), ({"window": 2}, "unknown params key flipnet.window"),
     ({"boosthub_window": "two"}, "flipnet.boosthub_window: expected an integer")],
)  # fmt: skip
def test_bad_arch_options_are_clear_errors(setup, tmp_path: Path, option: dict, message: str) -> None:
    base, hq, _, params = setup
    with pytest.raises(BenchError, match=message):
        train_restoration_folder(base, hq, tmp_path / "x", params, arch_options=option)


def test_cli_starts_from_restoration_init_and_sets_arch(setup, tmp_path: Path, capsys) -> None:
    """`train restoration` without --base continues flipnet.restoration.init when params set it, and --arch
    reaches the checkpoint."""
    import yaml

    from flipnet_bench.cli import main

    base, hq, _, params = setup
    init = train_restoration_folder(base, hq, tmp_path / "init", params)
    section = {"config": "micro", "prior_path": params.prior_path, "lora_rank": 2, "perceptual": "none",
               "batch_size": 2, "save_every": 1, "restoration": {"steps": 1, "init": str(init)}}  # fmt: skip
    (tmp_path / "p.yaml").write_text(yaml.safe_dump({"flipnet": section}), encoding="utf-8")
    out = tmp_path / "out"
    argv = ["train", "restoration", "--hq", str(hq), "--out", str(out), "--params", str(tmp_path / "p.yaml")]
    assert main([*argv, "--arch", "boosthub_window"]) == 2  # not KEY=VALUE: a clear error, no traceback
    assert "expected KEY=VALUE" in capsys.readouterr().err
    assert main([*argv, "--arch", "boosthub_window=1"]) == 0
    info = json.loads((out / "restoration.json").read_text())
    assert info["base"] == str(init) and info["arch_options"] == ["boosthub_window=1"]
    assert json.loads((out / "flipnet.json").read_text())["trained_steps"] == 7 + 2 + 1
