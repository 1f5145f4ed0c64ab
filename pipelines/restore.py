"""Stages `restore@<set>-<method>`, `restore-flipnet@…`, `restore-external@…`: run one method over one test
set's LQ images (resumable); `restore-seed@…` (``--seed``): the same with another seed (the seed spread)."""

from __future__ import annotations

import argparse

from _stage import load_section, pipeline_params, run

from flipnet_bench.errors import BenchError
from flipnet_bench.methods.run import restore_folder
from flipnet_bench.methods.stage import stage_method
from flipnet_bench.report.layout import OUT_DIR, resolve_set, restored_dir


def main(args: argparse.Namespace) -> None:
    pipe, data, methods = pipeline_params(), load_section("data"), load_section("methods")
    test_set = resolve_set(args.set, pipe.sets, data)
    method, entry = stage_method(methods, args.method, args.set, load_section)
    if args.seed is not None and args.seed == entry.seed:
        raise BenchError(f"pipeline.extra_seeds: {args.seed} is {args.method}'s own seed; choose another")
    seed = entry.seed if args.seed is None else args.seed
    out = restored_dir(OUT_DIR, args.set, args.method, args.seed)
    # The stage owns its (persisted) output folder: results of other settings are replaced, not refused.
    restore_folder(method, test_set.lq_dir, out, seed=seed, batch_size=entry.batch_size, overwrite=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("set", help="alias from params.yaml pipeline.sets")
    parser.add_argument("method", help="name from pipeline.methods or methods.external")
    parser.add_argument("--seed", type=int, help="an extra seed (pipeline.extra_seeds): seed-spread folder")
    run(main, parser)
