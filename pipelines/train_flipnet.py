"""Stages `train-embedding` and `train-flipnet`: FLIPNET's face embedding, then joint training of both modes
on top of the shipped tiny prior (the prior itself is not retrained by `dvc repro`)."""

from __future__ import annotations

import argparse

from _stage import load_section, pipeline_params, run

from flipnet_bench import cli
from flipnet_bench.data.registry import get_dataset
from flipnet_bench.errors import BenchError


def main(args: argparse.Namespace) -> None:
    pipe, data = pipeline_params(), load_section("data")
    hq = str(get_dataset("hq-train", data).root)
    real_lq = [str(get_dataset(name, data).root) for name in pipe.flipnet_real_lq]
    if args.what == "embedding":
        argv = ["train", "embedding", "--hq", hq, "--out", args.out, "--lq-real", *real_lq]
    else:
        pairs = str(get_dataset("real-pairs", data).root)
        argv = ["train", "flipnet", "--embedding", args.embedding, "--hq", hq, "--real-pairs", pairs]
        argv += ["--out", args.out, "--real-lq", *real_lq]
    if cli.main(argv) != 0:
        raise BenchError(f"FLIPNET {args.what} training failed (see above)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=["embedding", "flipnet"])
    parser.add_argument("--out", required=True)
    parser.add_argument("--embedding", default="out/flipnet/embedding")
    run(main, parser)
