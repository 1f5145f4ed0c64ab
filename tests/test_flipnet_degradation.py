"""The degradation mode trained further from a joint checkpoint on real natural-scene pairs (`train
degradation`, the checkpoint ``flipnet.degradation.init`` that synth-flipnet degrades with)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from safetensors.torch import load_file

from flipnet_bench.errors import BenchError
from flipnet_bench.io import write_image
from flipnet_bench.models.flipnet.checkpoint import save_flipnet
from flipnet_bench.models.flipnet.configs import get_config
from flipnet_bench.models.flipnet.embedding import DEGRADE, FaceEmbedding
from flipnet_bench.models.flipnet.model import Flipnet, FlipnetArch
from flipnet_bench.models.flipnet.params import DegradationParams, FlipnetParams
from flipnet_bench.models.flipnet.prior import DiffusionPrior, load_prior, save_prior
from flipnet_bench.train.flipnet_degradation import train_degradation_folder


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, FlipnetParams]:
    root = tmp_path_factory.mktemp("degradation")
    rng = np.random.default_rng(0)
    for i in range(3):
        clean = rng.integers(0, 256, (24, 28, 3), dtype=np.uint8)
        write_image(root / "pairs" / "gt" / f"p{i}.png", clean)
        write_image(root / "pairs" / "lq" / f"p{i}.png", (clean // 2).astype(np.uint8))
    torch.manual_seed(0)
    save_prior(DiffusionPrior(get_config("micro")), root / "prior")
    params = FlipnetParams(config="micro", prior_path=str(root / "prior"), lora_rank=2, batch_size=2,
                           save_every=1, degradation=DegradationParams(steps=2))  # fmt: skip
    model = Flipnet(load_prior(root / "prior"), FaceEmbedding(16, 8, 16), FlipnetArch(lora_rank=2))
    save_flipnet(model, params, str(root / "prior"), root / "base", trained_steps=7)
    return root / "base", root / "pairs", params


def _weights(folder: Path) -> dict[str, torch.Tensor]:
    return load_file(str(folder / "flipnet.safetensors"))


def test_trains_the_degradation_mode_on_the_real_pairs(setup, tmp_path: Path, monkeypatch) -> None:
    """Every step is a degradation-mode step whose target is the degraded crop and whose condition is the
    clean one (the paper's flip); training moves the weights and the record names base, pairs and steps."""
    base, pairs, params = setup
    calls = []
    losses = Flipnet.losses

    def spy(self, hq, lq, mode, *args, **kwargs):  # noqa: ANN001, ANN202 - Flipnet.losses' own signature
        calls.append((mode, hq.mean().item(), lq.mean().item()))
        return losses(self, hq, lq, mode, *args, **kwargs)

    monkeypatch.setattr(Flipnet, "losses", spy)
    out = train_degradation_folder(base, pairs, tmp_path / "d", params)
    assert [c[0] for c in calls] == [DEGRADE, DEGRADE]
    assert all(clean > degraded for _, clean, degraded in calls)  # lq = gt // 2: clean is the condition
    start, trained = _weights(base), _weights(out)
    assert any(not torch.equal(start[k], trained[k]) for k in start)
    info = json.loads((out / "degradation.json").read_text())
    assert info["base"] == str(base) and info["real_pairs"] == str(pairs) and info["steps"] == 2
    assert info["arch_options"] == []
    assert json.loads((out / "flipnet.json").read_text())["trained_steps"] == 7 + 2


def test_resumes_to_the_straight_run(setup, tmp_path: Path) -> None:
    base, pairs, params = setup
    straight = train_degradation_folder(base, pairs, tmp_path / "a", params)
    one = FlipnetParams(**{**params.__dict__, "degradation": DegradationParams(steps=1)})
    train_degradation_folder(base, pairs, tmp_path / "b", one)
    resumed = train_degradation_folder(base, pairs, tmp_path / "b", params)
    a, b = _weights(straight), _weights(resumed)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_window_reaches_training_and_is_kept(setup, tmp_path: Path) -> None:
    base, pairs, params = setup
    plain = _weights(train_degradation_folder(base, pairs, tmp_path / "g", params))
    local = train_degradation_folder(base, pairs, tmp_path / "w", params, arch_options={"boosthub_window": 1})
    assert any(not torch.equal(plain[k], v) for k, v in _weights(local).items())
    assert json.loads((local / "flipnet.json").read_text())["arch"]["boosthub_window"] == 1
    assert json.loads((local / "degradation.json").read_text())["arch_options"] == ["boosthub_window=1"]


def test_bad_inputs_are_clear_errors(setup, tmp_path: Path) -> None:
    base, pairs, params = setup
    with pytest.raises(BenchError, match="no FLIPNET checkpoint"):
        train_degradation_folder(tmp_path / "missing", pairs, tmp_path / "x", params)
    (tmp_path / "flat").mkdir()
    with pytest.raises(BenchError, match="flat: real pairs need lq/ and gt/"):
        train_degradation_folder(base, tmp_path / "flat", tmp_path / "y", params)
    with pytest.raises(BenchError, match="flipnet.degradation.steps"):
        DegradationParams(steps=0)


def test_cli_starts_from_degradation_init(setup, tmp_path: Path) -> None:
    """`train degradation` without --base continues flipnet.degradation.init when params set it (else the
    joint model, flipnet.base), which is also what the pipeline degrades with."""
    from flipnet_bench.cli import main

    base, pairs, params = setup
    init = train_degradation_folder(base, pairs, tmp_path / "init", params)
    section = {"config": "micro", "prior_path": params.prior_path, "lora_rank": 2, "batch_size": 2,
               "save_every": 1, "base": str(base)}  # fmt: skip
    section["degradation"] = {"steps": 1, "init": str(init)}
    (tmp_path / "p.yaml").write_text(yaml.safe_dump({"flipnet": section}), encoding="utf-8")
    out = tmp_path / "out"
    argv = ["train", "degradation", "--real-pairs", str(pairs), "--out", str(out)]
    assert main([*argv, "--params", str(tmp_path / "p.yaml"), "--arch", "boosthub_window=1"]) == 0
    assert json.loads((out / "degradation.json").read_text())["base"] == str(init)
    assert json.loads((out / "flipnet.json").read_text())["trained_steps"] == 7 + 2 + 1
    del section["degradation"]["init"]
    (tmp_path / "q.yaml").write_text(yaml.safe_dump({"flipnet": section}), encoding="utf-8")
    assert main([*argv[:-1], str(tmp_path / "out2"), "--params", str(tmp_path / "q.yaml")]) == 0
    assert json.loads((tmp_path / "out2" / "degradation.json").read_text())["base"] == str(base)
