"""The regression restorer: starts at identity, trains, resumes to the same weights, runs as a method."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from flipnet_bench.errors import BenchError
from flipnet_bench.io import write_image
from flipnet_bench.methods import build_method
from flipnet_bench.methods.run import restore_folder
from flipnet_bench.models.nafnet import NAFNet
from flipnet_bench.train import restorer as rt
from flipnet_bench.train.restorer_config import NAFNetConfig
from flipnet_bench.train.restorer_val import split_holdout


def _faces(path: Path, n: int = 6, size: int = 48) -> Path:
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[:size, :size]
    for i in range(n):  # smooth images with some structure (a pure-noise target teaches nothing)
        base = (np.sin(xx / (3 + i)) + np.cos(yy / (4 + i))) * 60 + 128
        img = np.stack([base, base * 0.8 + 20, base * 0.6 + 40], -1) + rng.normal(0, 3, (size, size, 3))
        write_image(path / f"face{i}.png", np.clip(img, 0, 255).astype(np.uint8))
    return path


def _cfg(**kw: object) -> rt.RestorerTrainConfig:
    base = dict(steps=6, batch_size=2, crop=32, channels=(8, 16), checkpoint_every=3, lr=1e-3)
    return rt.RestorerTrainConfig(**{**base, **kw})


def test_unet_is_identity_at_init_and_handles_odd_sizes() -> None:
    model = rt.RestorerUNet((8, 16, 32))
    x = torch.rand(2, 3, 37, 50)
    torch.testing.assert_close(model(x), x)


def test_training_resumes_to_identical_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hq = _faces(tmp_path / "hq")
    straight = rt.train_restorer(hq, tmp_path / "a", _cfg())

    original = rt._BatchSource.batch

    def interrupted(self: rt._BatchSource, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        if step == 4:
            raise KeyboardInterrupt
        return original(self, step)

    monkeypatch.setattr(rt._BatchSource, "batch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        rt.train_restorer(hq, tmp_path / "b", _cfg())
    assert not (tmp_path / "b" / "model.safetensors").exists()
    monkeypatch.setattr(rt._BatchSource, "batch", original)
    resumed = rt.train_restorer(hq, tmp_path / "b", _cfg())
    a, b = load_file(str(straight)), load_file(str(resumed))
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(v, torch.zeros_like(v)) for k, v in a.items() if k.startswith("head"))


def test_changed_config_does_not_resume_stale_state(tmp_path: Path) -> None:
    hq = _faces(tmp_path / "hq")
    rt.train_restorer(hq, tmp_path / "a", _cfg(steps=3))
    with pytest.raises(BenchError, match="fingerprint: recorded"):  # other settings: refused, naming both
        rt.train_restorer(hq, tmp_path / "a", _cfg(steps=3, lr=5e-4))
    second = rt.train_restorer(hq, tmp_path / "a", _cfg(steps=3, lr=5e-4), overwrite=True)
    fresh = rt.train_restorer(hq, tmp_path / "b", _cfg(steps=3, lr=5e-4))
    a, b = load_file(str(second)), load_file(str(fresh))
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_pairs_mix_and_method(tmp_path: Path) -> None:
    hq = _faces(tmp_path / "hq")
    pairs = tmp_path / "pairs"
    _faces(pairs / "hq")
    for p in (pairs / "hq").glob("*.png"):
        (pairs / "lq").mkdir(exist_ok=True)
        (pairs / "lq" / f"{p.stem}_v0.png").write_bytes(p.read_bytes())
    ckpt = rt.train_restorer(hq, tmp_path / "m", _cfg(pair_dirs=(str(pairs),), pair_fraction=0.5))
    method = build_method("restorer", checkpoint=str(ckpt.parent))
    record = restore_folder(method, hq, tmp_path / "out", progress=False)
    assert record["n"] == 6 and record["method"]["checkpoint_sha256"]
    with pytest.raises(BenchError, match="no pairs given"):
        rt.train_restorer(hq, tmp_path / "x", _cfg(pair_fraction=0.5))
    with pytest.raises(BenchError, match="not found"):
        build_method("restorer", checkpoint=str(tmp_path / "nowhere"))


def _naf(**kw: object) -> rt.RestorerTrainConfig:
    small = NAFNetConfig(width=4, enc_blocks=(1,), middle_blocks=1, dec_blocks=(1,))
    return _cfg(arch="nafnet", nafnet=small, **kw)


def test_nafnet_trains_resumes_and_runs_as_a_method(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hq = _faces(tmp_path / "hq", n=8)
    straight = rt.train_restorer(hq, tmp_path / "a", _naf(val_images=2, val_every=2))
    original = rt._BatchSource.batch

    def interrupted(self: rt._BatchSource, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        if step == 4:
            raise KeyboardInterrupt
        return original(self, step)

    monkeypatch.setattr(rt._BatchSource, "batch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        rt.train_restorer(hq, tmp_path / "b", _naf(val_images=2, val_every=2))
    monkeypatch.setattr(rt._BatchSource, "batch", original)
    resumed = rt.train_restorer(hq, tmp_path / "b", _naf(val_images=2, val_every=2))
    a, b = load_file(str(straight)), load_file(str(resumed))
    assert set(a) == set(b) and all(torch.equal(a[k], b[k]) for k in a)
    # the validation curve: step 0 with the LQ input's own scores, then every val_every steps and the end
    log = json.loads((tmp_path / "a" / "train_log.json").read_text())
    log_b = json.loads((tmp_path / "b" / "train_log.json").read_text())
    assert [r["step"] for r in log["val"]] == [0, 2, 4, 6] and log["val"] == log_b["val"]
    assert set(log["val"][0]["lq"]) == {"psnr", "lpips"}
    method = build_method("restorer", checkpoint=str(straight.parent))
    assert isinstance(method.model, NAFNet)
    record = restore_folder(method, hq, tmp_path / "out", progress=False)
    assert record["n"] == 8


def test_validation_faces_are_held_out_of_training(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = sorted(_faces(tmp_path / "hq", n=10).glob("*.png"))
    train, val = split_holdout(files, 3, seed=0)
    assert len(val) == 3 and not set(train) & set(val) and set(train) | set(val) == set(files)
    assert split_holdout(files, 3, seed=0) == (train, val)  # the same faces every time
    assert split_holdout(files, 0) == (files, [])
    with pytest.raises(BenchError, match="val_images"):
        split_holdout(files, 10)
    hq = tmp_path / "hq"
    captured: dict[str, torch.Tensor] = {}
    original = rt._BatchSource.__init__

    def spy(self: rt._BatchSource, cfg: rt.RestorerTrainConfig, faces: torch.Tensor, pairs: tuple) -> None:
        captured["train"] = faces
        original(self, cfg, faces, pairs)

    monkeypatch.setattr(rt._BatchSource, "__init__", spy)
    rt.train_restorer(hq, tmp_path / "m", _naf(steps=1, val_images=3))
    held = rt.to_tensor([rt.read_image(p) for p in val])
    assert len(captured["train"]) == 7  # the batches are drawn from the other faces only
    assert not any(torch.equal(t, h) for t in captured["train"] for h in held)


def test_init_starts_both_variants_from_the_same_weights(tmp_path: Path) -> None:
    hq = _faces(tmp_path / "hq")
    base = rt.train_restorer(hq, tmp_path / "base", _naf(steps=3)).parent
    init = rt.build_restorer("nafnet", (8,), 1, asdict(_naf().nafnet))
    init.load_state_dict(load_file(str(base / "model.safetensors")))
    one = rt.train_restorer(hq, tmp_path / "one", _naf(steps=1, lr=1e-12, init=str(base)))
    for k, v in load_file(str(one)).items():  # a vanishing rate: the weights stay at the init's
        torch.testing.assert_close(v, init.state_dict()[k], rtol=0, atol=1e-6)
    with pytest.raises(BenchError, match="another architecture"):
        rt.train_restorer(hq, tmp_path / "u", _cfg(steps=1, init=str(base)))
    with pytest.raises(BenchError, match="not found"):
        rt.train_restorer(hq, tmp_path / "v", _naf(steps=1, init=str(tmp_path / "nowhere")))


def test_flip_ensemble_option_averages_with_the_mirrored_pass(tmp_path: Path) -> None:
    hq = _faces(tmp_path / "hq")
    ckpt = rt.train_restorer(hq, tmp_path / "m", _naf(steps=2)).parent
    plain = build_method("restorer", checkpoint=str(ckpt))
    both = build_method("restorer", checkpoint=str(ckpt), flip_ensemble=True)
    x = torch.rand(2, 3, 40, 40)
    mirrored = plain.restore(x.flip(-1), [], 0).flip(-1)
    torch.testing.assert_close(
        both.restore(x, [], 0), (0.5 * (plain.model(x) + plain.model(x.flip(-1)).flip(-1))).clamp(0, 1)
    )
    assert not torch.allclose(mirrored, plain.restore(x, [], 0))  # the option does change the output
    assert both.describe()["flip_ensemble"] is True
    with pytest.raises(BenchError, match="flip_ensemble"):
        build_method("restorer", checkpoint=str(ckpt), flip_ensemble="yes")
