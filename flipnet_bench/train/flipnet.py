"""Joint FLIPNET training of both modes on top of the frozen prior and the trained face embedding.

Each step picks a mode from its step generator:
- restoration (prob. 1 − ``degrade_prob``): HQ faces + classic-preset LQ made online ("+O"), both streams'
  ε-losses + λ_mse·MSE + λ_p·perceptual on the target's predicted x0;
- degradation, real pairs (``real_pairs_prob`` of the rest): clean/degraded natural-scene pairs
  (real sensor noise, optical zoom), random crops at the model resolution (native pixel scale, so the noise
  statistics are not averaged away by resizing), target = degraded, condition = clean;
- degradation, real LQ faces (the rest): unpaired real-world LQ faces have no clean partner, so they train
  an LQ-stream ε-loss only (degradation-mode token, no condition stream): the LoRA learns what real LQ faces
  look like in degradation mode.

Then, in the paper's order, the restoration mode is trained further on the pairs the degradation mode
synthesized (:func:`train_restoration_folder`: "+O" online classic pairs only, "+O/F" mixed with the
FLIPNET pairs).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from flipnet_bench.config import check_range, to_dict
from flipnet_bench.errors import BenchError
from flipnet_bench.io import list_images, pair_by_stem, read_image, to_tensor, write_json
from flipnet_bench.io.hashing import sha256_file
from flipnet_bench.models.flipnet.checkpoint import (
    FLIPNET_CONFIG,
    FLIPNET_WEIGHTS,
    build_flipnet,
    load_flipnet,
    save_flipnet,
)
from flipnet_bench.models.flipnet.embedding import DEGRADE, RESTORE
from flipnet_bench.models.flipnet.model import Flipnet
from flipnet_bench.models.flipnet.params import FlipnetParams
from flipnet_bench.train.common import (
    TIME_FILE,
    LoopConfig,
    apply_ema,
    load_faces,
    resize_square,
    run_loop,
    sample_batch,
    training_device,
)
from flipnet_bench.train.embedding import load_embedding
from flipnet_bench.train.losses import OnlineDegrader, perceptual_fn

DATA_RESOLUTION = 128


def load_real_pairs(folder: Path, size: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(gt, lq) float 3×H×W pairs from ``folder/gt`` and ``folder/lq`` (same stems), at least ``size``²."""
    if not (folder / "lq").is_dir() or not (folder / "gt").is_dir():
        raise BenchError(f"{folder}: real pairs need lq/ and gt/ sub-folders with matching stems")
    pairs = []
    for lq_path, gt_path in pair_by_stem(folder / "lq", folder / "gt"):
        lq, gt = to_tensor(read_image(lq_path))[0], to_tensor(read_image(gt_path))[0]
        if lq.shape != gt.shape:
            raise BenchError(f"{lq_path} and {gt_path} differ in size; real pairs must be pixel-aligned")
        if min(lq.shape[-2:]) < size:
            lq, gt = resize_square(lq[None], size)[0], resize_square(gt[None], size)[0]
        pairs.append((gt, lq))
    return pairs


def crop_pairs(
    pairs: list[tuple[torch.Tensor, torch.Tensor]], n: int, size: int, gen: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` random aligned ``size``² crops (randomly mirrored) of randomly chosen pairs."""
    gts, lqs = [], []
    for _ in range(n):
        gt, lq = pairs[int(torch.randint(0, len(pairs), (1,), generator=gen))]
        h, w = gt.shape[-2:]
        top = int(torch.randint(0, h - size + 1, (1,), generator=gen))
        left = int(torch.randint(0, w - size + 1, (1,), generator=gen))
        g, q = gt[:, top : top + size, left : left + size], lq[:, top : top + size, left : left + size]
        if bool(torch.rand(1, generator=gen) < 0.5):
            g, q = g.flip(-1), q.flip(-1)
        gts.append(g)
        lqs.append(q)
    return torch.stack(gts), torch.stack(lqs)


def unpaired_lq_loss(model: Flipnet, lq: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """ε-loss of real LQ faces in degradation mode, without a condition stream (no clean partner exists)."""
    prior = model.prior
    sched = prior.noise_scheduler()
    x0 = prior.encode(lq)
    noise = torch.randn(x0.shape, generator=gen).to(x0)
    t = torch.randint(0, sched.config.num_train_timesteps, (x0.shape[0],), generator=gen).to(x0.device)
    modes = torch.full((x0.shape[0],), DEGRADE, dtype=torch.long, device=x0.device)
    context = prior.context(x0.shape[0]) + model.adapter.mode(modes).view(
        x0.shape[0], *prior.null_context.shape[1:]
    )
    return F.mse_loss(prior(sched.add_noise(x0, noise, t), t, context), noise)


def train_flipnet(
    prior_dir: str,
    embedding_dir: Path,
    hq_dir: Path,
    real_pairs: Path | None,
    real_lq: list[Path],
    out: Path,
    params: FlipnetParams,
    time_limit: float | None = None,
    records: Path | None = None,
) -> Path:
    """Train (or resume) FLIPNET; writes ``out/flipnet.safetensors`` + ``out/flipnet.json``. With a
    ``time_limit`` the run may stop early: the checkpoint then records the steps done (resumable).
    ``records``: folder for the machine-specific step timings (default ``out``)."""
    torch.manual_seed(params.seed)
    model = build_flipnet(params, prior_dir, load_embedding(embedding_dir))
    res = model.prior.config.resolution
    hq = load_faces(hq_dir, DATA_RESOLUTION, desc="HQ faces")
    pairs = load_real_pairs(real_pairs, res) if real_pairs is not None else []
    lq_faces = load_faces(real_lq, res, desc="real LQ faces") if real_lq else None
    degrader = OnlineDegrader(params.train_preset, params.seed)
    perceptual = perceptual_fn(params.perceptual, training_device())
    n = params.batch_size

    def step_fn(m: Flipnet, step: int, gen: torch.Generator) -> dict[str, torch.Tensor]:
        u, v = torch.rand(2, generator=gen).tolist()
        if u >= params.degrade_prob:
            h = sample_batch(hq, n, gen)
            lq = degrader(h, step)
            return m.losses(
                resize_square(h, res),
                resize_square(lq, res),
                RESTORE,
                gen,
                params.lambda_mse,
                params.lambda_perceptual,
                perceptual,
            )
        if pairs and (v < params.real_pairs_prob or lq_faces is None):
            gt, lq = crop_pairs(pairs, n, res, gen)
            return m.losses(gt, lq, DEGRADE, gen)
        if lq_faces is None:
            h = sample_batch(hq, n, gen)
            return m.losses(resize_square(h, res), resize_square(degrader(h, step), res), DEGRADE, gen)
        loss = unpaired_lq_loss(m, sample_batch(lq_faces, n, gen), gen)
        return {"loss": loss, "eps_lq_unpaired": loss}

    loop = LoopConfig(
        out=out,
        steps=params.steps,
        lr=params.lr,
        seed=params.seed,
        warmup=params.warmup,
        save_every=params.save_every,
        ema_decay=params.ema_decay or None,
        desc="flipnet",
        time_limit=time_limit,
        times=None if records is None else Path(records) / TIME_FILE,
    )
    result = run_loop(loop, model, step_fn)
    apply_ema(model, result.ema)
    if not result.finished and time_limit is None:
        raise BenchError("FLIPNET training stopped early; re-run the same command to resume")
    save_flipnet(model, params, prior_dir, out, trained_steps=result.step)
    return out


def train_flipnet_folder(
    embedding_dir: Path,
    hq_dir: Path,
    out: Path,
    params: FlipnetParams,
    real_pairs: Path | None = None,
    real_lq: list[Path] | tuple[Path, ...] = (),
    prior_dir: str | None = None,
    time_limit: float | None = None,
    records: Path | None = None,
) -> Path:
    """Check the inputs, train (or resume) FLIPNET into ``out`` and record its settings beside it.

    The entry point of `flipnet-bench train flipnet`, which made the shipped joint model ``flipnet.base``;
    ``prior_dir`` defaults to ``params.prior_path``."""
    for folder in [hq_dir, *real_lq]:
        list_images(folder, recursive=True)  # fail early with a clear message
    out = Path(out)
    prior = str(prior_dir) if prior_dir is not None else params.prior_path
    real = Path(real_pairs) if real_pairs is not None else None
    train_flipnet(prior, Path(embedding_dir), Path(hq_dir), real, [Path(p) for p in real_lq], out, params,
                  time_limit=time_limit, records=records)  # fmt: skip
    write_json(out / "params.json", to_dict(params))
    return out


def train_restoration_folder(
    base: Path,
    hq_dir: Path,
    out: Path,
    params: FlipnetParams,
    pair_dirs: tuple[str, ...] = (),
    pair_fraction: float = 0.0,
    records: Path | None = None,
    arch_options: dict[str, Any] | None = None,
) -> Path:
    """Continue the trained FLIPNET ``base`` in restoration mode for ``params.restoration.steps`` steps
    (fresh optimizer, the base's weights as the start): classic pairs made online ("+O") and, with
    probability ``pair_fraction`` per step, stored synthesized pairs from ``pair_dirs`` ("+O/F"). Every step
    draws the same random numbers whatever the pairs, so "+O" and "+O/F" differ in training data only.
    ``arch_options`` set weight-free architecture options on the base first, e.g. ``{"boosthub_window": 2}``;
    the checkpoint written keeps them.

    Writes the checkpoint and ``restoration.json`` (the base's weights hash, the pairs) into ``out``; the one
    entry point of `flipnet-bench train restoration` and the ``train-flipnet-*`` stages."""
    from flipnet_bench.train.restorer import load_pair_folders

    base, out = Path(base), Path(out)
    check_range("pair_fraction", pair_fraction, 0.0, 1.0)
    list_images(hq_dir, recursive=True)
    model = load_base(base, params, arch_options)
    res = model.prior.config.resolution
    hq = load_faces(Path(hq_dir), DATA_RESOLUTION, desc="HQ faces")
    lq_pairs, hq_pairs, _ = load_pair_folders(tuple(pair_dirs))
    # LQ and HQ side by side on the channel axis: one index and one mirror draw per pair
    stored = torch.cat([lq_pairs, hq_pairs], 1).to(hq.device) if len(lq_pairs) else None
    if pair_fraction > 0 and stored is None:
        raise BenchError(f"{list(pair_dirs)}: no stored pairs to mix in at pair_fraction {pair_fraction}")
    degrader = OnlineDegrader(params.train_preset, params.seed)
    perceptual = perceptual_fn(params.perceptual, training_device())
    n = params.batch_size

    def step_fn(m: Flipnet, step: int, gen: torch.Generator) -> dict[str, torch.Tensor]:
        use_stored = float(torch.rand(1, generator=gen)) < pair_fraction
        if use_stored and stored is not None:
            both = sample_batch(stored, n, gen)
            lq, h = resize_square(both[:, :3], res), resize_square(both[:, 3:], res)
        else:
            h = sample_batch(hq, n, gen)
            lq, h = resize_square(degrader(h, step), res), resize_square(h, res)
        return m.losses(h, lq, RESTORE, gen, params.lambda_mse, params.lambda_perceptual, perceptual)

    record = {"pairs": [Path(p).name for p in pair_dirs], "pair_fraction": pair_fraction}
    return continue_base(base, model, out, params, params.restoration.steps, step_fn, "restoration",
                         record, records=records, arch_options=arch_options)  # fmt: skip


def load_base(base: Path, params: FlipnetParams, arch_options: dict[str, Any] | None) -> Flipnet:
    """The trained FLIPNET ``base`` to continue in one mode, with weight-free ``arch_options`` set (global
    seed from ``params`` first, so the model's construction is seeded as in a fresh run)."""
    if not (base / FLIPNET_WEIGHTS).is_file():
        raise BenchError(f"{base}: no FLIPNET checkpoint to start from ({FLIPNET_WEIGHTS}); see flipnet.base")
    torch.manual_seed(params.seed)
    return load_flipnet(base, arch_options=arch_options)


def continue_base(
    base: Path,
    model: Flipnet,
    out: Path,
    params: FlipnetParams,
    steps: int,
    step_fn: Any,
    mode: str,
    record: dict[str, Any],
    records: Path | None = None,
    arch_options: dict[str, Any] | None = None,
) -> Path:
    """Train ``model`` (loaded from ``base`` by :func:`load_base`) for ``steps`` steps of ``step_fn`` into
    ``out`` (fresh optimizer; resumes a run left there), then write the checkpoint (its trained steps
    counted on from the base's), ``params.json`` and ``{mode}.json``: the base and its weights' hash, the
    steps, ``record`` and the architecture options as typed after ``--arch``."""
    loop = LoopConfig(
        out=out,
        steps=steps,
        lr=params.lr,
        seed=params.seed,
        warmup=params.warmup,
        save_every=params.save_every,
        ema_decay=params.ema_decay or None,
        desc=f"flipnet {mode}",
        times=None if records is None else Path(records) / TIME_FILE,
    )
    result = run_loop(loop, model, step_fn)
    apply_ema(model, result.ema)
    if not result.finished:
        raise BenchError(f"FLIPNET {mode} training stopped early; re-run the same command to resume")
    info = json.loads((base / FLIPNET_CONFIG).read_text(encoding="utf-8"))
    base_steps = int(info.get("trained_steps") or 0)
    save_flipnet(model, params, info["prior_path"], out, trained_steps=base_steps + result.step)
    write_json(out / "params.json", to_dict(params))
    write_json(
        out / f"{mode}.json",
        {
            "base": str(base),
            "base_sha256": sha256_file(base / FLIPNET_WEIGHTS),
            "steps": steps,
            **record,
            "arch_options": [f"{k}={v}" for k, v in (arch_options or {}).items()],
        },
    )
    return out
