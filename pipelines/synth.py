"""Stage `synth@<model>`: an LQ/HQ pair set from the HQ train split with one degradation model."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from _stage import load_section, pipeline_params, run

from flipnet_bench import cli
from flipnet_bench.data.registry import get_dataset
from flipnet_bench.errors import BenchError
from flipnet_bench.io import list_images
from flipnet_bench.report.layout import synth_dir


def main(args: argparse.Namespace) -> None:
    pipe, data, synth = pipeline_params(), load_section("data"), load_section("synth")
    models = synth.all_models()
    if args.model not in models:
        raise BenchError(f"params.yaml synth has no model {args.model!r} (known: {sorted(models)})")
    entry = models[args.model]
    hq = get_dataset(synth.source, data).root
    with tempfile.TemporaryDirectory(prefix="flipnet-synth-") as tmp:
        subset = link_subset(hq, Path(tmp), synth.max_images, synth.subset_seed)
        degrade(subset, synth_dir(pipe.out, args.model), entry, args)


def link_subset(src: Path, dst: Path, limit: int, seed: int) -> Path:
    """A folder of symlinks to a seeded random subset of ``src`` (sorted; 0 = every image)."""
    files = list_images(src)
    if 0 < limit < len(files):
        files = sorted(files[i] for i in np.random.default_rng(seed).choice(len(files), limit, replace=False))
    for path in files:
        (dst / path.name).symlink_to(path.resolve())
    return dst


def degrade(hq: Path, out: Path, entry, args: argparse.Namespace) -> None:  # noqa: ANN001 - SynthModel
    argv = ["degrade", "--model", entry.model, "--hq", str(hq), "--out", str(out)]
    argv += [
        "--seed",
        str(entry.seed),
        "--variants",
        str(entry.variants),
        "--batch-size",
        str(entry.batch_size),
    ]
    argv += ["--pairs"] + (["--preset", entry.preset] if entry.preset else [])
    if entry.model == "flipnet" and args.checkpoint:
        argv += ["--checkpoint", args.checkpoint]
    if cli.main(argv) != 0:
        raise BenchError(f"synthesizing pairs with {entry.model} failed (see above)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model", help="key of params.yaml synth.models")
    parser.add_argument("--checkpoint", default=None, help="FLIPNET checkpoint (flipnet model only)")
    run(main, parser)
