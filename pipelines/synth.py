"""Stage `synth@<model>`: an LQ/HQ pair set from the HQ train split with one degradation model."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from _stage import load_section, pipeline_params, run

from flipnet_bench.data.registry import get_dataset
from flipnet_bench.degrade.make import degrade_to_folder
from flipnet_bench.errors import BenchError
from flipnet_bench.io import list_images
from flipnet_bench.report.layout import OUT_DIR, synth_dir


def main(args: argparse.Namespace) -> None:
    pipeline_params()  # points the weights manager at pipeline.weights_dir
    data, synth = load_section("data"), load_section("synth")
    models = synth.all_models()
    if args.model not in models:
        raise BenchError(f"params.yaml synth has no model {args.model!r} (known: {sorted(models)})")
    entry = models[args.model]
    hq = get_dataset(synth.source, data).root
    with tempfile.TemporaryDirectory(prefix="flipnet-synth-") as tmp:
        subset = link_subset(hq, Path(tmp), synth.max_images, synth.subset_seed)
        degrade(subset, synth_dir(OUT_DIR, args.model), entry, args)


def link_subset(src: Path, dst: Path, limit: int, seed: int) -> Path:
    """A folder of symlinks to a seeded random subset of ``src`` (sorted; 0 = every image)."""
    files = list_images(src)
    if 0 < limit < len(files):
        files = sorted(files[i] for i in np.random.default_rng(seed).choice(len(files), limit, replace=False))
    for path in files:
        (dst / path.name).symlink_to(path.resolve())
    return dst


def degrade(hq: Path, out: Path, entry, args: argparse.Namespace) -> None:  # noqa: ANN001 - SynthModel
    checkpoint = args.checkpoint if entry.model == "flipnet" else None
    degrade_to_folder(
        hq,
        out,
        model=entry.model,
        seed=entry.seed,
        preset=entry.preset,
        checkpoint=checkpoint,
        sections=load_section,  # a learned model's settings: its params section (FLIPNET: flipnet.sample_*)
        variants=entry.variants,
        batch_size=entry.batch_size,
        pairs=True,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model", help="key of params.yaml synth.models")
    parser.add_argument("--checkpoint", default=None, help="FLIPNET checkpoint (flipnet model only)")
    run(main, parser)
