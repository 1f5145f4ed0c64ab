"""Building and loading the trained restorers by architecture (:data:`RESTORER_ARCHS`): what a checkpoint's
``config.json`` names (``arch``, and ``channels``/``blocks`` or ``nafnet``) selects the model."""

from __future__ import annotations

import json
from pathlib import Path

from safetensors.torch import load_file
from torch import nn

from flipnet_bench.errors import BenchError
from flipnet_bench.train.restorer_config import RESTORER_ARCHS

__all__ = ["build_restorer", "load_restorer"]


def build_restorer(
    arch: str, channels: tuple[int, ...], blocks: int, nafnet: dict | None = None
) -> nn.Module:
    """A freshly initialised restorer of architecture ``arch`` (:data:`RESTORER_ARCHS`)."""
    if arch == "unet":
        from flipnet_bench.models.restorer_unet import RestorerUNet

        return RestorerUNet(tuple(channels), int(blocks))
    if arch == "nafnet":
        from flipnet_bench.models.nafnet import NAFNet

        return NAFNet.from_dict(nafnet or {})
    raise BenchError(f"unknown restorer arch {arch!r} (known: {', '.join(RESTORER_ARCHS)})")


def load_restorer(checkpoint: str | Path) -> nn.Module:
    """Load a trained restorer: ``model.safetensors`` with its ``config.json`` beside it."""
    path = Path(checkpoint)
    if path.is_dir():
        path = path / "model.safetensors"
    config_path = path.with_name("config.json")
    if not path.is_file() or not config_path.is_file():
        raise BenchError(
            f"restorer checkpoint {path} (with config.json beside it) not found; "
            "train one with `flipnet-bench train restorer` or run `dvc repro`"
        )
    cfg = json.loads(config_path.read_text())
    model = build_restorer(cfg.get("arch", "unet"), cfg["channels"], cfg["blocks"], cfg.get("nafnet"))
    model.load_state_dict(load_file(str(path)))
    return model.eval()
