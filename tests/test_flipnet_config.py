"""FLIPNET owns its configuration: every architecture key defined once, saved and rebuilt with the model."""

from __future__ import annotations

import dataclasses
import inspect
import json
from pathlib import Path

import pytest
import torch

from flipnet_bench.config import ParamsError, parse_dataclass
from flipnet_bench.models.flipnet.arch import FlipnetArch
from flipnet_bench.models.flipnet.checkpoint import FLIPNET_CONFIG, build_flipnet, load_flipnet, save_flipnet
from flipnet_bench.models.flipnet.configs import get_config
from flipnet_bench.models.flipnet.embedding import DEGRADE, RESTORE, FaceEmbedding
from flipnet_bench.models.flipnet.params import FlipnetParams
from flipnet_bench.models.flipnet.pipeline import flip_sample
from flipnet_bench.models.flipnet.prior import DiffusionPrior, save_prior
from flipnet_bench.train.common import item_generator

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "checkpoints" / "flipnet-tiny"


def test_every_architecture_key_is_defined_once():
    arch_keys = {f.name for f in dataclasses.fields(FlipnetArch)}
    assert issubclass(FlipnetParams, FlipnetArch)
    # no field of the params section redefines an architecture key with its own default
    own = {k for k, v in vars(FlipnetParams).get("__annotations__", {}).items()}
    assert not own & arch_keys
    for key in arch_keys:
        assert getattr(FlipnetParams(), key) == getattr(FlipnetArch(), key)


def test_the_model_gets_exactly_the_architecture_of_its_settings(tmp_path: Path):
    torch.manual_seed(0)
    save_prior(DiffusionPrior(get_config("micro")), tmp_path / "prior")
    params = FlipnetParams(
        config="micro", lora_rank=3, lora_alpha=5.0, phi=0.5, adapter_hidden=24, cond_noise="low",
        cond_low_t=7, boosthub_window=1, boosthub_pos=True, steps=1,
    )  # fmt: skip
    model = build_flipnet(params, str(tmp_path / "prior"), FaceEmbedding(16, 8, 16))
    assert model.arch == FlipnetArch.of(params) and type(model.arch) is FlipnetArch
    assert model.adapter.mlp[1].out_features == 24  # adapter_hidden reaches the model
    save_flipnet(model, params, str(tmp_path / "prior"), tmp_path / "ckpt")
    saved = json.loads((tmp_path / "ckpt" / FLIPNET_CONFIG).read_text())["arch"]
    assert saved == FlipnetArch.of(params).to_dict()
    assert load_flipnet(tmp_path / "ckpt").arch == model.arch


def test_a_checkpoint_records_its_priors_config_whatever_the_params_say(tmp_path: Path):
    torch.manual_seed(0)
    save_prior(DiffusionPrior(get_config("micro")), tmp_path / "prior")
    params = FlipnetParams(config="micro", steps=1)
    model = build_flipnet(params, str(tmp_path / "prior"), FaceEmbedding(16, 8, 16))
    # `train restoration` continues a base of another config under params.yaml's own `config` (tiny)
    other = dataclasses.replace(params, config="tiny")
    save_flipnet(model, other, str(tmp_path / "prior"), tmp_path / "ckpt")
    assert json.loads((tmp_path / "ckpt" / FLIPNET_CONFIG).read_text())["config"] == "micro"
    assert load_flipnet(tmp_path / "ckpt").prior.config.name == "micro"


def test_params_yaml_reaches_architecture_keys_and_checks_them():
    p = parse_dataclass(FlipnetParams, {"boosthub_window": 2, "lora_rank": 4}, "flipnet")
    assert FlipnetArch.of(p) == FlipnetArch(boosthub_window=2, lora_rank=4)
    with pytest.raises(ParamsError, match="flipnet.lora_rank"):
        parse_dataclass(FlipnetParams, {"lora_rank": 0}, "flipnet")
    with pytest.raises(ParamsError, match="cond_eps"):
        parse_dataclass(FlipnetParams, {"cond_eps": "shared"}, "flipnet")  # needs a noised condition


def test_checkpoints_without_the_newer_keys_load_with_the_published_defaults():
    old = {"adapter_hidden": 512, "cond_low_t": 100, "cond_noise": "clean", "finetune_embedding": False,
           "lora_alpha": 8.0, "lora_rank": 8, "phi": 1.0}  # fmt: skip
    arch = FlipnetArch.from_dict(old)
    assert (arch.cond_eps, arch.boosthub_pos, arch.boosthub_window) == ("independent", False, 0)
    assert FlipnetArch.from_dict({k: v for k, v in old.items() if k != "cond_noise"}).cond_noise == "tied"


def test_the_sampler_has_no_default_that_disagrees_with_the_typed_one():
    sig = inspect.signature(flip_sample).parameters
    assert sig["steps"].default is inspect.Parameter.empty
    assert sig["scheduler"].default is inspect.Parameter.empty
    assert sig["strength"].default == FlipnetParams().sample_strength


#: Per-image channel means and the sum of squares of the shipped checkpoint's samples (2 random conditions,
#: DPM-Solver++ 3 steps, generators item_generator(0, i)), measured before the configuration moved into the
#: model: a change of any architecture default or of the BoostHub/condition path moves them.
SHIPPED_REFERENCE = {
    RESTORE: ([0.5439, 0.468608, 0.623272, 0.364236, 0.379521, 0.537945], 8177.7427),
    DEGRADE: ([0.544939, 0.455533, 0.660606, 0.289962, 0.330965, 0.585947], 7460.9971),
}


@pytest.mark.skipif(not (SHIPPED / "flipnet.safetensors").is_file(), reason="shipped checkpoint absent")
@pytest.mark.parametrize("mode", [RESTORE, DEGRADE])
def test_the_shipped_checkpoint_samples_as_before(mode: int, monkeypatch):
    monkeypatch.chdir(ROOT)  # the checkpoint names its prior relative to the repository root
    model = load_flipnet(SHIPPED)
    cond = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    out = flip_sample(model, cond, mode, [item_generator(0, i) for i in range(2)], "dpm", 3)
    means, sq = SHIPPED_REFERENCE[mode]
    assert out.mean((2, 3)).flatten().tolist() == pytest.approx(means, abs=2e-5)
    assert float((out**2).sum()) == pytest.approx(sq, rel=1e-5)
