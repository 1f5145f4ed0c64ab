"""End to end on the ``micro`` config through the CLI: train prior → embedding → flipnet → restore/degrade."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from flipnet_bench.cli import main
from flipnet_bench.errors import BenchError
from flipnet_bench.io import list_images, read_image, write_image

PARAMS = """\
flipnet:
  config: micro
  prior_path: {root}/prior
  checkpoint: {root}/flipnet
  steps: 2
  batch_size: 2
  save_every: 1
  sample_steps: 2
  embedding: {{dim: 16, width: 8, resolution: 16, batch_size: 4, steps_autoencoder: 2, steps_contrastive: 1}}
"""


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("flipnet_cli")
    rng = np.random.default_rng(0)
    for sub in ("hq", "pairs/lq", "pairs/gt", "reallq"):
        for i in range(4):
            write_image(root / sub / f"img{i}.png", rng.integers(0, 256, (32, 32, 3), dtype=np.uint8))
    (root / "params.yaml").write_text(PARAMS.format(root=root))
    params = ["--params", str(root / "params.yaml")]
    assert main(["train", "prior", "--config", "micro", "--data", str(root / "hq"),
                 "--out", str(root / "prior"), "--steps", "2", "--batch-size", "2"]) == 0  # fmt: skip
    assert main(["train", "embedding", "--hq", str(root / "hq"), "--lq-real", str(root / "reallq"),
                 "--out", str(root / "emb"), *params]) == 0  # fmt: skip
    assert main(["train", "flipnet", "--embedding", str(root / "emb"), "--hq", str(root / "hq"),
                 "--real-pairs", str(root / "pairs"), "--real-lq", str(root / "reallq"),
                 "--out", str(root / "flipnet"), *params]) == 0  # fmt: skip
    return root


def test_training_outputs(trained: Path):
    for name in ("prior/model.safetensors", "prior/config.json", "emb/embedding.safetensors",
                 "flipnet/flipnet.safetensors", "flipnet/flipnet.json", "flipnet/train_log.csv"):  # fmt: skip
        assert (trained / name).is_file(), name
    log = (trained / "flipnet" / "train_log.csv").read_text().splitlines()
    assert len(log) == 3  # header + 2 steps


def test_restore_and_degrade_commands(trained: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(trained)  # params.yaml of the working directory gives the default checkpoint
    assert main(["restore", "--method", "flipnet", "--lq", "reallq", "--out", "restored"]) == 0
    restored = list_images(trained / "restored")
    assert [p.stem for p in restored] == [f"img{i}" for i in range(4)]
    assert read_image(restored[0]).shape == (32, 32, 3)
    assert main(["degrade", "--model", "flipnet", "--hq", "hq", "--out", "deg", "--variants", "2",
                 "--seed", "3"]) == 0  # fmt: skip
    outs = list_images(trained / "deg")
    assert len(outs) == 8
    a, b = read_image(trained / "deg" / "img0_v0.png"), read_image(trained / "deg" / "img0_v1.png")
    assert not np.array_equal(a, b)  # variants are seeded differently


def test_missing_checkpoint_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    write_image(tmp_path / "lq" / "a.png", np.zeros((16, 16, 3), np.uint8))
    code = main(["restore", "--method", "flipnet", "--lq", str(tmp_path / "lq"), "--out", str(tmp_path / "o"),
                 "--checkpoint", str(tmp_path / "nope")])  # fmt: skip
    assert code == 2 and "no FLIPNET checkpoint" in capsys.readouterr().err


def test_restoration_averages_independent_samples(trained: Path):
    from flipnet_bench.config import load_section
    from flipnet_bench.io import to_tensor
    from flipnet_bench.methods.flipnet import FlipnetRestorer

    params = load_section("flipnet", trained / "params.yaml")
    lq = to_tensor([read_image(p) for p in list_images(trained / "reallq")])
    keys = [f"img{i}" for i in range(len(lq))]
    from flipnet_bench.models.flipnet.embedding import RESTORE
    from flipnet_bench.train.common import item_generator

    single = FlipnetRestorer(params=params, samples=1).restore(lq, keys, seed=4)
    restorer = FlipnetRestorer(params=params, samples=2)
    mean2 = restorer.restore(lq, keys, seed=4)
    # sample 0 is the plain single sample; sample 1 is drawn with its own generators (seed, key, 1)
    second = restorer.sampler.sample(lq, RESTORE, [item_generator(4, "restore", key, 1) for key in keys])
    assert not torch.allclose(second, single, atol=1e-3)
    assert torch.allclose((single + second) / 2, mean2, atol=1e-6)
    with pytest.raises(BenchError, match="restore_samples"):
        FlipnetRestorer(params=params, samples=0)
    assert "decoder" not in restorer.describe()  # the prior's own decoder, as published
    with pytest.raises(BenchError, match="has no autoencoder"):  # micro is a pixel-space prior
        FlipnetRestorer(params=dataclasses.replace(params, restore_decoder=str(trained / "prior")))


def test_time_limited_training_stops_usable_and_resumes_to_the_same_weights(trained: Path):
    import json

    from safetensors.torch import load_file

    out = trained / "flipnet_tl"
    args = ["train", "flipnet", "--embedding", str(trained / "emb"), "--hq", str(trained / "hq"),
            "--real-pairs", str(trained / "pairs"), "--real-lq", str(trained / "reallq"),
            "--out", str(out), "--params", str(trained / "params.yaml")]  # fmt: skip
    assert main([*args, "--time-limit", "0"]) == 0  # stops after its first step, with a checkpoint
    assert json.loads((out / "flipnet.json").read_text())["trained_steps"] == 1
    assert main(args) == 0  # resumes
    assert json.loads((out / "flipnet.json").read_text())["trained_steps"] == 2
    resumed, straight = (
        load_file(out / "flipnet.safetensors"),
        load_file(trained / "flipnet/flipnet.safetensors"),
    )
    assert resumed.keys() == straight.keys()
    assert all(torch.equal(resumed[k], straight[k]) for k in straight)


def test_a_larger_steps_continues_the_joint_run_to_the_straight_runs_weights(
    trained: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`train flipnet` on its own --out: 1 step, then --steps 2 continues to the bytes of the straight 2-step
    run; a smaller --steps is then refused and deletes nothing."""
    out = trained / "flipnet_grown"
    one = trained / "params_1.yaml"
    one.write_text(PARAMS.format(root=trained).replace("steps: 2\n", "steps: 1\n", 1))
    args = ["train", "flipnet", "--embedding", str(trained / "emb"), "--hq", str(trained / "hq"),
            "--real-pairs", str(trained / "pairs"), "--real-lq", str(trained / "reallq"),
            "--out", str(out)]  # fmt: skip
    assert main([*args, "--params", str(one)]) == 0
    assert main([*args, "--params", str(trained / "params.yaml")]) == 0
    grown = (out / "flipnet.safetensors").read_bytes()
    assert grown == (trained / "flipnet" / "flipnet.safetensors").read_bytes()
    assert main([*args, "--params", str(one)]) != 0
    assert "steps: recorded 2, now 1" in capsys.readouterr().err
    assert (out / "flipnet.safetensors").read_bytes() == grown
