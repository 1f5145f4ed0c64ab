"""One path from settings to a degraded folder, shared by ``flipnet-bench degrade`` and the pipeline stages
(``prepare``, ``synth@<model>``): model kwargs validated, the model's params section passed, then the
runner."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from flipnet_bench.config import section_options
from flipnet_bench.degrade.params import model_kwargs


def degrade_to_folder(
    hq_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    model: str,
    seed: int,
    preset: str | None = None,
    overrides: dict[str, Any] | None = None,
    checkpoint: str | None = None,
    sections: Callable[[str], Any] | None = None,
    **runner: Any,
) -> dict[str, Any]:
    """Build degradation ``model`` and write ``out_dir`` with :func:`degrade_folder` (``runner``: its
    keyword arguments: variants, batch_size, pairs, lenient, progress, io_workers, overwrite)."""
    from flipnet_bench.degrade import DEGRADATIONS, create_degradation
    from flipnet_bench.degrade.runner import degrade_folder

    kwargs = model_kwargs(model, preset, dict(overrides or {}), checkpoint)
    kwargs |= section_options(DEGRADATIONS.get(model), sections)
    deg = create_degradation(model, **kwargs)
    preset = kwargs.get("preset", preset)
    return degrade_folder(deg, hq_dir, out_dir, seed=seed, model=model, preset=preset, **runner)
