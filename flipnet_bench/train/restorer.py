"""A small regression U-Net restorer and its training loop: the paper's downstream probe of degradations.

The same network is trained on pairs from different degradation models ("+O": classic pairs made online;
"+O/F": classic online pairs mixed with FLIPNET-synthesized pairs) and then scored on real-world sets: the
better the synthesized degradations match real ones, the better the restorer does there.

Training is seeded per step (batch composition, crops and degradation draws depend only on ``(seed, step)``),
and state is checkpointed atomically: an interrupted run resumes to the same weights as an uninterrupted one.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn
from tqdm import tqdm

from flipnet_bench.errors import BenchError
from flipnet_bench.io import atomic_path, list_images, read_image, to_tensor, write_json
from flipnet_bench.io.hashing import sha256_file
from flipnet_bench.io.outputs import claim_output
from flipnet_bench.models.restorer_unet import RestorerUNet
from flipnet_bench.models.restorers import build_restorer, load_restorer
from flipnet_bench.train.restorer_config import RESTORER_ARCHS, RESTORER_LOSSES, RestorerTrainConfig

__all__ = [
    "RESTORER_ARCHS",
    "RESTORER_LOSSES",
    "RestorerTrainConfig",
    "RestorerUNet",
    "build_restorer",
    "load_restorer",
    "restorer_loss",
    "train_restorer",
]


#: Keeps the log finite for a crop restored exactly (8-bit quantisation alone leaves MSE ≈ 1e-6).
_MSE_FLOOR = 1e-8


def _folder_digest(files: list[Path]) -> str:
    h = hashlib.sha256()
    for path in files:
        h.update(path.name.encode())
        h.update(bytes.fromhex(sha256_file(path)))
    return h.hexdigest()


def load_pair_folders(
    pair_dirs: tuple[str, ...], exclude: frozenset[str] = frozenset()
) -> tuple[torch.Tensor, torch.Tensor, list[Path]]:
    """LQ/HQ tensors of synthesized pair folders (``DIR/lq/<stem>_vK.png`` ↔ ``DIR/hq/<stem>.png``), without
    the pairs whose HQ stem is in ``exclude`` (held-out validation faces)."""
    lqs, hqs, files = [], [], []
    for root in map(Path, pair_dirs):
        if not (root / "lq").is_dir() or not (root / "hq").is_dir():
            raise BenchError(f"{root}: a pair folder needs lq/ and hq/ (`flipnet-bench degrade --pairs`)")
        hq_by_stem = {p.stem: p for p in list_images(root / "hq")}
        for lq_path in list_images(root / "lq"):
            stem = lq_path.stem
            base = stem.rsplit("_v", 1)[0] if stem not in hq_by_stem else stem
            if base not in hq_by_stem:
                raise BenchError(f"{lq_path}: no HQ partner {base}.* in {root / 'hq'}")
            if base in exclude:
                continue
            lqs.append(read_image(lq_path))
            hqs.append(read_image(hq_by_stem[base]))
            files += [lq_path, hq_by_stem[base]]
    if not lqs:
        return torch.empty(0), torch.empty(0), files
    return to_tensor(lqs), to_tensor(hqs), files


def _random_crop(batch: torch.Tensor, size: int, gen: torch.Generator, others: list[torch.Tensor]) -> list:
    """The same random crop (and horizontal flip) per sample across ``batch`` and ``others``."""
    n, _, h, w = batch.shape
    size = min(size, h, w)
    out = [torch.empty(n, 3, size, size) for _ in range(1 + len(others))]
    for i in range(n):
        top = int(torch.randint(0, h - size + 1, (1,), generator=gen))
        left = int(torch.randint(0, w - size + 1, (1,), generator=gen))
        flip = bool(torch.randint(0, 2, (1,), generator=gen))
        for j, t in enumerate([batch, *others]):
            crop = t[i, :, top : top + size, left : left + size]
            out[j][i] = crop.flip(-1) if flip else crop
    return out


class _BatchSource:
    """Makes the training batch of step ``k`` from ``(seed, k)`` alone: online classic or stored pairs."""

    def __init__(self, cfg: RestorerTrainConfig, hq: torch.Tensor, pairs: tuple[torch.Tensor, torch.Tensor]):
        from flipnet_bench.degrade import create_degradation

        self.cfg, self.hq, self.pairs = cfg, hq, pairs
        self.degradation = create_degradation("classic", preset=cfg.preset)

    def batch(self, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        cfg = self.cfg
        gen = torch.Generator().manual_seed(cfg.seed * 1_000_003 + step)
        use_pairs = len(self.pairs[0]) > 0 and float(torch.rand(1, generator=gen)) < cfg.pair_fraction
        if use_pairs:
            idx = torch.randint(0, len(self.pairs[0]), (cfg.batch_size,), generator=gen)
            lq, hq = self.pairs[0][idx], self.pairs[1][idx]
        else:
            idx = torch.randint(0, len(self.hq), (cfg.batch_size,), generator=gen)
            hq = self.hq[idx]
            indices = [step * cfg.batch_size + j for j in range(cfg.batch_size)]
            lq, _ = self.degradation(hq, indices, seed=cfg.seed)
        lq_c, hq_c = _random_crop(lq, cfg.crop, gen, [hq])
        return lq_c.clamp(0, 1), hq_c


def restorer_loss(
    pred: torch.Tensor,
    target: torch.Tensor,
    kind: str,
    perceptual: float = 0.0,
    lpips: nn.Module | None = None,
) -> torch.Tensor:
    """The training loss (:data:`RESTORER_LOSSES`). ``psnr`` averages per-image log-MSE as the scorer averages
    per-image PSNR: a pooled loss lets the few heavily degraded images set a global colour correction that
    the model then applies to mildly degraded ones, losing PSNR on most faces while the pooled loss falls."""
    if kind == "l1":
        loss = F.l1_loss(pred, target)
    else:
        mse = (pred - target).pow(2).flatten(1).mean(1)
        loss = 10.0 * torch.log10(mse + _MSE_FLOOR).mean()
    if perceptual > 0 and lpips is not None:
        loss = loss + perceptual * lpips(pred.clamp(0, 1), target).mean()
    return loss


def _save_state(out: Path, model: nn.Module, opt: torch.optim.Optimizer, step: int, meta: dict) -> None:
    with atomic_path(out / "state" / "model.safetensors") as tmp:
        save_file(model.state_dict(), str(tmp))
    with atomic_path(out / "state" / "optimizer.pt") as tmp:
        torch.save(opt.state_dict(), tmp)
    write_json(out / "state" / "progress.json", {**meta, "step": step})


def train_restorer(
    hq_dir: str | Path, out_dir: str | Path, cfg: RestorerTrainConfig, overwrite: bool = False
) -> Path:
    """Train on HQ faces of ``hq_dir`` (+ stored pairs) and write ``out_dir/model.safetensors`` + config.

    Resumes from ``out_dir/state`` when its fingerprint matches ``cfg`` and the data; a folder of other
    settings is refused unless ``overwrite`` (see :mod:`flipnet_bench.io.outputs`).
    """
    out = Path(out_dir)
    from flipnet_bench.train.restorer_val import Validator, split_holdout

    hq_files, val_files = split_holdout(list_images(hq_dir), cfg.val_images, cfg.seed)
    val_stems = frozenset(p.stem for p in val_files)
    pair_lq, pair_hq, pair_files = load_pair_folders(cfg.pair_dirs, exclude=val_stems)
    if cfg.pair_fraction > 0 and len(pair_lq) == 0:
        raise BenchError(f"pair_fraction={cfg.pair_fraction} but no pairs given (pair_dirs={cfg.pair_dirs})")
    init_weights = _init_weights(cfg)
    digest = _folder_digest(hq_files + val_files + pair_files)
    if init_weights is not None:
        digest += sha256_file(init_weights)
    fingerprint = cfg.fingerprint(digest)
    owned = ("state", "model.safetensors", "config.json", "train_log.json")
    sources = [hq_dir, *cfg.pair_dirs, *([cfg.init] if cfg.init else [])]
    settings = {"fingerprint": fingerprint}
    claim_output(out, "train restorer", settings, owned=owned, sources=sources, overwrite=overwrite)
    hq = to_tensor([read_image(p) for p in hq_files])
    torch.manual_seed(cfg.seed)
    model = build_restorer(cfg.arch, cfg.channels, cfg.blocks, asdict(cfg.nafnet))
    if init_weights is not None:
        model.load_state_dict(load_file(str(init_weights)))
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    start, losses, curve = 0, [], []
    progress = out / "state" / "progress.json"
    if progress.is_file():
        saved = json.loads(progress.read_text())
        if saved.get("fingerprint") == fingerprint:
            model.load_state_dict(load_file(str(out / "state" / "model.safetensors")))
            opt.load_state_dict(torch.load(out / "state" / "optimizer.pt", weights_only=True))
            start, losses, curve = int(saved["step"]), list(saved["losses"]), list(saved.get("val", []))
            print(f"resuming restorer training at step {start}/{cfg.steps}")
    source = _BatchSource(cfg, hq, (pair_lq, pair_hq))
    validate = Validator(to_tensor([read_image(p) for p in val_files]), cfg) if val_files else None
    lpips = None
    if cfg.perceptual > 0:
        from flipnet_bench.metrics.lpips import load_lpips

        lpips = load_lpips("alex")
    if validate is not None and start == 0:
        curve.append({"step": 0, **validate(model), "lq": validate.baseline})
    model.train()
    bar = tqdm(range(start, cfg.steps), initial=start, total=cfg.steps, desc=f"train restorer -> {out}")
    for step in bar:
        lq, target = source.batch(step)
        for group in opt.param_groups:  # cosine schedule, a pure function of the step (trivial to resume)
            group["lr"] = cfg.lr * 0.5 * (1 + math.cos(math.pi * step / cfg.steps))
        loss = restorer_loss(model(lq), target, cfg.loss, cfg.perceptual, lpips)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(round(float(loss.detach()), 6))
        bar.set_postfix(loss=f"{np.mean(losses[-20:]):.4f}")
        done = step + 1
        if validate is not None and (done % cfg.val_every == 0 or done == cfg.steps):
            curve.append({"step": done, **validate(model)})
            print(json.dumps({"val": curve[-1]}), flush=True)
        if done % cfg.checkpoint_every == 0 or done == cfg.steps:
            meta = {"fingerprint": fingerprint, "losses": losses, "val": curve}
            _save_state(out, model, opt, done, meta)
    with atomic_path(out / "model.safetensors") as tmp:
        save_file(model.state_dict(), str(tmp))
    meta = {**_jsonable(asdict(cfg)), "fingerprint": fingerprint, "hq_dir": str(hq_dir)}
    write_json(out / "config.json", meta)
    write_json(out / "train_log.json", {f"{cfg.loss}_loss_per_step": losses, "val": curve})
    # The resume state is only for interruptions; torch.save'd optimizer bytes are not reproducible, and a
    # finished folder must be (DVC hashes it), so it goes once the final weights are written.
    shutil.rmtree(out / "state", ignore_errors=True)
    return out / "model.safetensors"


def _init_weights(cfg: RestorerTrainConfig) -> Path | None:
    """The ``init`` checkpoint's weights, checked to be of ``cfg``'s architecture and size."""
    if cfg.init is None:
        return None
    path = Path(cfg.init) / "model.safetensors"
    config_path = path.with_name("config.json")
    if not path.is_file() or not config_path.is_file():
        raise BenchError(f"restorer.init: {path} (with config.json beside it) not found")
    saved = json.loads(config_path.read_text())
    mine = {"arch": cfg.arch, "channels": list(cfg.channels), "blocks": cfg.blocks,
            "nafnet": _jsonable(asdict(cfg.nafnet))}  # fmt: skip
    theirs = {"arch": saved.get("arch", "unet"), "channels": saved.get("channels"),
              "blocks": saved.get("blocks"), "nafnet": saved.get("nafnet")}  # fmt: skip
    keys = ["arch", "channels", "blocks"] if cfg.arch == "unet" else ["arch", "nafnet"]
    if any(mine[k] != theirs[k] for k in keys):
        diff = {k: (theirs[k], mine[k]) for k in keys if mine[k] != theirs[k]}
        raise BenchError(f"restorer.init: {config_path} is another architecture (init vs config: {diff})")
    return path


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, tuple | list):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    return obj
