"""Building FLIPNET from params, and its checkpoint: ``flipnet.safetensors`` (trainable parts only) +
``flipnet.json`` (config, architecture, prior location and the prior weights' sha256, checked on load)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from flipnet_bench.errors import BenchError
from flipnet_bench.io.hashing import sha256_file
from flipnet_bench.models.flipnet.arch import FlipnetArch
from flipnet_bench.models.flipnet.configs import get_config
from flipnet_bench.models.flipnet.embedding import FaceEmbedding
from flipnet_bench.models.flipnet.model import Flipnet, is_trained_key
from flipnet_bench.models.flipnet.params import FlipnetParams
from flipnet_bench.models.flipnet.prior import WEIGHTS_NAME, DiffusionPrior, load_prior, load_sd21_prior

FLIPNET_WEIGHTS = "flipnet.safetensors"
FLIPNET_CONFIG = "flipnet.json"


def open_prior(config_name: str, prior_path: str) -> DiffusionPrior:
    """The frozen prior: a saved prior folder (tiny, micro) or an SD-2.1 path / hub id (sd21)."""
    cfg = get_config(config_name)
    if cfg.name == "sd21":
        return load_sd21_prior(cfg, prior_path)
    if cfg.name == "sd21-mini" and not (Path(prior_path) / WEIGHTS_NAME).is_file():
        raise BenchError(f"{prior_path}: no prior weights for sd21-mini")
    prior = load_prior(prior_path)
    if prior.config.name != cfg.name:
        raise BenchError(
            f"{prior_path} holds a {prior.config.name!r} prior but flipnet.config is {cfg.name!r}"
        )
    return prior


def build_flipnet(params: FlipnetParams, prior_path: str, embedding: FaceEmbedding) -> Flipnet:
    return Flipnet(open_prior(params.config, prior_path), embedding, FlipnetArch.of(params))


def save_flipnet(
    model: Flipnet, params: FlipnetParams, prior_path: str, out: str | Path, trained_steps: int | None = None
) -> None:
    from safetensors.torch import save_file

    from flipnet_bench.io import atomic_path, write_json

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.trainable_state_dict().items()}
    with atomic_path(out / FLIPNET_WEIGHTS) as tmp:
        save_file(tensors, str(tmp), metadata={"kind": "flipnet"})
    prior_file = Path(prior_path) / WEIGHTS_NAME
    emb = model.embedding
    write_json(
        out / FLIPNET_CONFIG,
        {
            "config": model.prior.config.name,  # the prior's, also when a base of another config is continued
            "prior_path": str(prior_path),
            "prior_sha256": sha256_file(prior_file) if prior_file.is_file() else None,
            "arch": model.arch.to_dict(),
            "embedding": {"dim": emb.dim, "width": emb.width, "resolution": emb.resolution},
            "trained_steps": params.steps if trained_steps is None else trained_steps,
        },
    )


def resolve_prior_path(folder: str | Path, recorded: str, hub_id_allowed: bool = False) -> Path:
    """The prior a checkpoint recorded, found relative to the checkpoint itself, never the current folder.

    An absolute path is taken as is. A relative one (as written at training time, from the project root)
    is looked up against each folder above the checkpoint, nearest first, then as a sibling of the
    checkpoint with the same name: ``checkpoints/flipnet-tiny`` finds ``checkpoints/prior-tiny`` from any
    working directory. With ``hub_id_allowed`` (sd21), a value found nowhere is returned as given.
    """
    path = Path(recorded)
    if path.is_absolute() or not recorded:
        return path
    here = Path(folder).resolve()
    tried = [anc / path for anc in here.parents] + [here.parent / path.name]
    for candidate in tried:
        if candidate.is_dir():
            return candidate
    if hub_id_allowed:
        return path
    shown = ", ".join(str(t) for t in tried[:3])
    raise BenchError(f"{folder}: its prior {recorded!r} was not found relative to the checkpoint (tried "
                     f"{shown}, ...); put the prior folder there")  # fmt: skip


def load_flipnet(
    folder: str | Path,
    prior_path: str | None = None,
    device: str | torch.device = "cpu",
    arch_options: Mapping[str, Any] | None = None,
) -> Flipnet:
    """Rebuild a trained FLIPNET (frozen prior + saved trainable parts), in eval mode on ``device``.
    ``arch_options`` set architecture options that add no weights (:meth:`FlipnetArch.with_options`), e.g.
    ``{"boosthub_window": 2}`` for restoration training."""
    from safetensors.torch import load_file

    folder = Path(folder)
    if not (folder / FLIPNET_WEIGHTS).is_file() or not (folder / FLIPNET_CONFIG).is_file():
        raise BenchError(
            f"{folder}: no FLIPNET checkpoint ({FLIPNET_WEIGHTS} + {FLIPNET_CONFIG}); train one "
            "with `flipnet-bench train flipnet` or pass --checkpoint"
        )
    info = json.loads((folder / FLIPNET_CONFIG).read_text(encoding="utf-8"))
    hub_id_allowed = get_config(info["config"]).name == "sd21"  # its prior may be a hub id, not a folder
    prior_path = prior_path or str(resolve_prior_path(folder, info["prior_path"], hub_id_allowed))
    prior_file = Path(prior_path) / WEIGHTS_NAME
    if info.get("prior_sha256") and prior_file.is_file() and sha256_file(prior_file) != info["prior_sha256"]:
        raise BenchError(
            f"{prior_file} is not the prior {folder} was trained on (sha256 differs); "
            "restore that prior or retrain FLIPNET"
        )
    e = info["embedding"]
    embedding = FaceEmbedding(int(e["dim"]), int(e["width"]), int(e["resolution"]))
    saved = FlipnetArch.from_dict(info["arch"])
    model = Flipnet(open_prior(info["config"], prior_path), embedding, saved.with_options(arch_options or {}))
    state = load_file(str(folder / FLIPNET_WEIGHTS))
    missing, unexpected = model.load_state_dict(state, strict=False)
    expected = {k for k in model.state_dict() if is_trained_key(k, saved)}
    if unexpected or expected - set(state):
        raise BenchError(
            f"{folder / FLIPNET_WEIGHTS} does not match its config "
            f"(missing {sorted(expected - set(state))[:3]}, unexpected {unexpected[:3]})"
        )
    return model.to(device).eval()
