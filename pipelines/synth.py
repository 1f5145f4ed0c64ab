"""Stage `synth@<model>`: an LQ/HQ pair set from the HQ train split with one degradation model."""

from __future__ import annotations

import argparse

from _stage import load_section, pipeline_params, run

from flipnet_bench import cli
from flipnet_bench.data.registry import get_dataset
from flipnet_bench.errors import BenchError
from flipnet_bench.report.layout import synth_dir


def main(args: argparse.Namespace) -> None:
    pipe, data, synth = pipeline_params(), load_section("data"), load_section("synth")
    models = synth.all_models()
    if args.model not in models:
        raise BenchError(f"params.yaml synth has no model {args.model!r} (known: {sorted(models)})")
    entry = models[args.model]
    hq = get_dataset(synth.source, data).root
    argv = ["degrade", "--model", entry.model, "--hq", str(hq), "--out", str(synth_dir(pipe.out, args.model))]
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
