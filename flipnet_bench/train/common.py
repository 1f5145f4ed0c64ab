"""What every training stage shares: face loading, step-keyed randomness, accelerate loop, resumable state.

Randomness of step ``s`` comes only from a generator seeded with ``(seed, s, process)``; together with the
optimizer / LR-scheduler state saved by accelerate this makes an interrupted run resume to bit-identical
weights (checked in the tests), independent of how often it was interrupted.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from flipnet_bench.errors import BenchError
from flipnet_bench.io import atomic_open, list_images, read_image, to_tensor, write_json

STATE_DIR = "state"
TRAINER_FILE = "trainer.json"
LOG_FILE = "train_log.csv"
#: Wall-clock seconds per step: machine-specific, so kept out of the log (whose bytes must not depend on the
#: machine: the pipeline's outputs are content-hashed) and written where ``LoopConfig.times`` says.
TIME_FILE = "train_time.csv"


def resize_square(images: torch.Tensor, size: int) -> torch.Tensor:
    """Centre-crop to square, then resize to ``size``² (area interpolation when shrinking, as documented)."""
    h, w = images.shape[-2:]
    s = min(h, w)
    top, left = (h - s) // 2, (w - s) // 2
    images = images[..., top : top + s, left : left + s]
    if s == size:
        return images
    mode = "area" if s > size else "bicubic"
    out = F.interpolate(
        images.float(), size=(size, size), mode=mode, **({} if s > size else {"align_corners": False})
    )
    return out.clamp(0.0, 1.0)


def load_faces(folders: str | Path | list[str | Path], size: int, desc: str = "faces") -> torch.Tensor:
    """All images of ``folders`` (recursively) as float32 N×3×size×size in [0, 1] on the training device;
    errors name the folder."""
    folders = [folders] if isinstance(folders, str | Path) else list(folders)
    out = []
    for folder in folders:
        paths = list_images(folder, recursive=True)
        for path in tqdm(paths, desc=f"loading {desc} from {folder}", leave=False):
            out.append(resize_square(to_tensor(read_image(path)), size))
    if not out:
        raise BenchError(f"no images found in {folders}")
    return torch.cat(out).to(training_device())


def load_training_faces(folders: str | Path | list[str | Path], size: int, batch_size: int) -> torch.Tensor:
    """:func:`load_faces` for a training loop: an error names the folder when it holds fewer faces than one
    batch."""
    faces = load_faces(folders, size, desc="HQ faces")
    if faces.shape[0] < batch_size:
        raise BenchError(f"{folders}: only {faces.shape[0]} faces, fewer than batch size {batch_size}")
    return faces


def training_device() -> torch.device:
    """The device accelerate trains on (CPU here, a GPU where there is one): training data is kept there.
    Randomness is still drawn on the CPU, so a step's random numbers do not depend on the device."""
    from accelerate import PartialState

    return PartialState().device


def step_generator(seed: int, step: int, process: int = 0) -> torch.Generator:
    """A generator that depends only on (seed, step, process): the root of all training randomness."""
    digest = hashlib.sha256(f"{seed}/{step}/{process}".encode()).digest()
    return torch.Generator().manual_seed(int.from_bytes(digest[:8], "little") & ((1 << 63) - 1))


def item_generator(seed: int, *keys: object) -> torch.Generator:
    """A generator per item (e.g. image index and variant), for sampling that ignores batch composition."""
    digest = hashlib.sha256("/".join(map(str, (seed, *keys))).encode()).digest()
    return torch.Generator().manual_seed(int.from_bytes(digest[:8], "little") & ((1 << 63) - 1))


def sample_batch(
    data: torch.Tensor, batch_size: int, gen: torch.Generator, flip: bool = True
) -> torch.Tensor:
    """``batch_size`` random rows of ``data`` (with replacement), randomly mirrored (faces are symmetric)."""
    idx = torch.randint(0, data.shape[0], (batch_size,), generator=gen).to(data.device)
    batch = data[idx]
    if flip:
        mirror = (torch.rand(batch_size, generator=gen) < 0.5).to(data.device)
        batch = torch.where(mirror[:, None, None, None], batch.flip(-1), batch)
    return batch


class EMA:
    """Exponential moving average of parameters, with the usual warm-up ``min(decay, (1+s)/(10+s))``."""

    def __init__(self, params: dict[str, torch.Tensor], decay: float) -> None:
        self.decay = decay
        self.shadow = {k: v.detach().clone() for k, v in params.items()}

    @torch.no_grad()
    def update(self, params: dict[str, torch.Tensor], step: int) -> None:
        d = min(self.decay, (1 + step) / (10 + step))
        for k, v in params.items():
            self.shadow[k].mul_(d).add_(v.detach(), alpha=1 - d)


@dataclass
class LoopConfig:
    """Settings of one training stage's optimisation loop."""

    out: Path
    steps: int
    lr: float
    seed: int
    warmup: int = 0
    save_every: int = 100
    grad_clip: float = 1.0
    weight_decay: float = 0.0
    ema_decay: float | None = None
    #: Stop (saving state) after this many seconds; re-running the command resumes.
    time_limit: float | None = None
    desc: str = "train"
    extra: dict = field(default_factory=dict)
    #: Where the per-step seconds go (default ``out/train_time.csv``); the pipeline puts them outside its
    #: hashed outputs (``flipnet_bench.report.layout.machine_dir``).
    times: Path | None = None


@dataclass
class LoopResult:
    step: int
    finished: bool
    ema: dict[str, torch.Tensor] | None
    log: list[dict]


def _trainable(model: nn.Module) -> dict[str, nn.Parameter]:
    return {k: p for k, p in model.named_parameters() if p.requires_grad}


def _save_ema(path: Path, ema: EMA) -> None:
    from safetensors.torch import save

    with atomic_open(path, "wb") as handle:
        handle.write(save({k: v.contiguous() for k, v in ema.shadow.items()}))


@torch.no_grad()
def apply_ema(model: nn.Module, shadow: dict[str, torch.Tensor] | None) -> None:
    """Copy the EMA weights ``shadow`` (a :class:`LoopResult`'s ``ema``) into ``model``'s trainable
    parameters; nothing without one."""
    if shadow is None:
        return
    params = _trainable(model)
    missing = sorted(set(params) - set(shadow))
    if missing:
        raise BenchError(f"the EMA of the weights lacks {len(missing)} parameter(s), e.g. {missing[0]}")
    for name, p in params.items():
        p.copy_(shadow[name])


def _write_log(path: Path, rows: list[dict]) -> None:
    if not rows:
        return
    buf = io.StringIO()
    fields = list(dict.fromkeys(k for row in rows for k in row))  # modes log different loss terms
    writer = csv.DictWriter(buf, fieldnames=fields, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    with atomic_open(path, "w", encoding="utf-8") as handle:
        handle.write(buf.getvalue())


def _read_log(path: Path, before: int) -> list[dict]:
    if not path.is_file():
        return []
    with open(path, encoding="utf-8") as handle:
        return [r for r in csv.DictReader(handle) if int(r["step"]) < before]


def _average_gradients(accelerator, params: dict[str, nn.Parameter]) -> None:
    """Mean of every gradient over processes. ``step_fn`` calls model methods, not the DDP wrapper's forward,
    so DDP's own hooks stay inactive; a process whose step left a parameter unused contributes zeros."""
    for p in params.values():
        grad = p.grad if p.grad is not None else torch.zeros_like(p)
        p.grad = accelerator.reduce(grad.contiguous(), reduction="mean")


def _seed_global_rngs(seed: int) -> None:
    """Seed Python's and NumPy's global generators from the run's seed. Training draws nothing from them, but
    accelerate's ``save_state`` pickles both states into ``state/``, a content-hashed pipeline output: left
    unseeded they differ per process, and every checkpoint fingerprint downstream with them."""
    import random

    import numpy as np

    random.seed(seed)
    np.random.seed(seed % 2**32)


def run_loop(
    cfg: LoopConfig,
    model: nn.Module,
    step_fn: Callable[[nn.Module, int, torch.Generator], dict[str, torch.Tensor]],
) -> LoopResult:
    """Optimise ``model``'s trainable parameters for ``cfg.steps`` steps of ``step_fn`` (returns losses;
    "loss" is minimised), resuming from ``cfg.out/state`` if it exists; runs as-is under accelerate.
    """
    from accelerate import Accelerator
    from safetensors.torch import load_file

    _seed_global_rngs(cfg.seed)
    accelerator = Accelerator()
    out = Path(cfg.out)
    state_dir, tmp_dir = out / STATE_DIR, out / (STATE_DIR + ".tmp")
    if not state_dir.is_dir() and (tmp_dir / TRAINER_FILE).is_file():
        tmp_dir.rename(state_dir)  # an interrupted swap: the new state was complete
    params = _trainable(model)
    if not params:
        raise BenchError(f"{cfg.desc}: the model has no trainable parameters")
    optimizer = torch.optim.AdamW(params.values(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    warmup = max(cfg.warmup, 0)
    sched = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / (warmup + 1)))
    model, optimizer, sched = accelerator.prepare(model, optimizer, sched)
    ema = EMA({k: p.data for k, p in params.items()}, cfg.ema_decay) if cfg.ema_decay else None
    start = 0
    if (state_dir / TRAINER_FILE).is_file():
        info = json.loads((state_dir / TRAINER_FILE).read_text(encoding="utf-8"))
        if info.get("seed") != cfg.seed:
            raise BenchError(
                f"{state_dir}: saved with seed {info.get('seed')}, now {cfg.seed}; use a new --out"
            )
        accelerator.load_state(str(state_dir))
        start = int(info["step"])
        if ema is not None:
            if not (state_dir / "ema.safetensors").is_file():
                raise BenchError(
                    f"{state_dir}: saved without an EMA of the weights, now ema_decay {cfg.ema_decay}; "
                    "use a new --out"
                )
            ema.shadow = load_file(str(state_dir / "ema.safetensors"))
        accelerator.print(f"{cfg.desc}: resuming from step {start} ({state_dir})")
    log = _read_log(out / LOG_FILE, start)
    times_file = cfg.times if cfg.times is not None else out / TIME_FILE
    times = _read_log(times_file, start)
    unwrapped = accelerator.unwrap_model(model)
    t_start = time.monotonic()

    def save(step: int) -> None:
        accelerator.wait_for_everyone()
        if accelerator.is_main_process:
            shutil.rmtree(tmp_dir, ignore_errors=True)
        accelerator.save_state(str(tmp_dir), safe_serialization=True)
        if accelerator.is_main_process:
            if ema is not None:
                _save_ema(tmp_dir / "ema.safetensors", ema)
            write_json(tmp_dir / TRAINER_FILE, {"step": step, "seed": cfg.seed, "steps": cfg.steps})
            shutil.rmtree(state_dir, ignore_errors=True)
            tmp_dir.rename(state_dir)
            _write_log(out / LOG_FILE, log)
            _write_log(times_file, times)

    step = start
    bar = tqdm(total=cfg.steps, initial=start, desc=cfg.desc, disable=not accelerator.is_main_process)
    model.train()
    while step < cfg.steps:
        gen = step_generator(cfg.seed, step, accelerator.process_index)
        t0 = time.monotonic()
        losses = step_fn(unwrapped, step, gen)
        accelerator.backward(losses["loss"])
        if accelerator.num_processes > 1:
            _average_gradients(accelerator, params)
        if cfg.grad_clip:
            accelerator.clip_grad_norm_(list(params.values()), cfg.grad_clip)
        optimizer.step()
        sched.step()
        optimizer.zero_grad(set_to_none=True)
        if ema is not None:
            ema.update({k: p.data for k, p in params.items()}, step)
        row = {"step": step, **{k: f"{v.item():.6f}" for k, v in losses.items()}}
        row.update(lr=f"{sched.get_last_lr()[0]:.3e}")
        log.append(row)
        times.append({"step": step, "sec": f"{time.monotonic() - t0:.3f}"})
        step += 1
        bar.update(1)
        bar.set_postfix(loss=row["loss"])
        over_time = cfg.time_limit is not None and time.monotonic() - t_start > cfg.time_limit
        if step % cfg.save_every == 0 or step == cfg.steps or over_time:
            save(step)
        if over_time:
            accelerator.print(f"{cfg.desc}: time limit reached at step {step}; re-run to resume")
            break
    bar.close()
    if step == start and start > 0:
        _write_log(out / LOG_FILE, log)
        _write_log(times_file, times)
    return LoopResult(step=step, finished=step >= cfg.steps, ema=None if ema is None else ema.shadow, log=log)
