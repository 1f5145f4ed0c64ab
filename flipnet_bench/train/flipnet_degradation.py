"""FLIPNET's degradation mode trained further from the joint model, on the paper's data for that mode.

The twin of :func:`flipnet_bench.train.flipnet.train_restoration_folder`: the joint model ``flipnet.base``
continues in degradation mode only (target = degraded crop, condition = clean crop, the ε-loss alone, as the
paper trains this mode) on random aligned crops of the real natural-scene pairs at native pixel scale, the
pairs the joint training draws its degradation steps from. Its checkpoint is ``flipnet.degradation.init``,
the model the pipeline's ``synth-flipnet`` stage degrades with.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from flipnet_bench.errors import BenchError
from flipnet_bench.models.flipnet.embedding import DEGRADE
from flipnet_bench.models.flipnet.model import Flipnet
from flipnet_bench.models.flipnet.params import FlipnetParams
from flipnet_bench.train.flipnet import continue_base, crop_pairs, load_base, load_real_pairs

DEGRADATION_RECORD = "degradation.json"


def train_degradation_folder(
    base: Path,
    real_pairs: Path,
    out: Path,
    params: FlipnetParams,
    records: Path | None = None,
    arch_options: dict[str, Any] | None = None,
) -> Path:
    """Continue the trained FLIPNET ``base`` in degradation mode for ``params.degradation.steps`` steps
    (fresh optimizer, the base's weights as the start) on ``real_pairs`` (``lq/`` and ``gt/`` with matching
    stems). ``arch_options`` set weight-free architecture options on the base first (``boosthub_window``);
    the checkpoint keeps them. Writes the checkpoint, ``params.json`` and ``degradation.json`` (the base's
    weights hash, the pairs' folder, the steps, the options) into ``out``; resumes a run left in ``out``.

    The one entry point of `flipnet-bench train degradation`."""
    base, out, real_pairs = Path(base), Path(out), Path(real_pairs)
    model = load_base(base, params, arch_options)
    res = model.prior.config.resolution
    pairs = load_real_pairs(real_pairs, res)
    if not pairs:
        raise BenchError(f"{real_pairs}: no real pairs (lq/ and gt/ hold no images with matching stems)")
    n = params.batch_size

    def step_fn(m: Flipnet, step: int, gen: torch.Generator) -> dict[str, torch.Tensor]:
        gt, lq = crop_pairs(pairs, n, res, gen)
        return m.losses(gt, lq, DEGRADE, gen)

    record = {"real_pairs": str(real_pairs)}
    return continue_base(base, model, out, params, params.degradation.steps, step_fn, "degradation",
                         record, records=records, arch_options=arch_options)  # fmt: skip
