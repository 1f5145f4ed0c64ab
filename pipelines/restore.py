"""Stage `restore@<set>-<method>`: run one method over one test set's LQ images (resumable)."""

from __future__ import annotations

import argparse

from _stage import load_section, pipeline_params, run

from flipnet_bench.methods import build_method
from flipnet_bench.methods.run import restore_folder
from flipnet_bench.report.layout import resolve_set, restored_dir


def main(args: argparse.Namespace) -> None:
    pipe, data, methods = pipeline_params(), load_section("data"), load_section("methods")
    test_set = resolve_set(args.set, pipe.sets, data)
    entry = methods.entry(args.method)
    options = dict(entry.options)
    if entry.checkpoint is not None:
        options["checkpoint"] = entry.checkpoint
    if entry.type == "external":
        options["results"] = f"{options['results']}/{args.set}"
    method = build_method(entry.type, **options)
    out = restored_dir(pipe.out, args.set, args.method)
    restore_folder(method, test_set.lq_dir, out, seed=entry.seed, batch_size=entry.batch_size)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("set", help="alias from params.yaml pipeline.sets")
    parser.add_argument("method", help="name from pipeline.methods or methods.external")
    run(main, parser)
