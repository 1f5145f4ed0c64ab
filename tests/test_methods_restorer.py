"""The regression restorer: starts at identity, trains, resumes to the same weights, runs as a method."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from flipnet_bench.errors import BenchError
from flipnet_bench.io import write_image
from flipnet_bench.methods import build_method
from flipnet_bench.methods.run import restore_folder
from flipnet_bench.train import restorer as rt


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
