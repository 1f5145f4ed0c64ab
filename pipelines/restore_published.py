"""Stage `restore-published@<set>-<method>`: restore one test set with a published BFR method (GFPGAN,
CodeFormer, RestoreFormer(++), GPEN) from its official weight file, params methods.published.<method>."""

from __future__ import annotations

import argparse

from _stage import load_section, pipeline_params, run

from flipnet_bench.methods.published_stages import restore_published_set


def main(args: argparse.Namespace) -> None:
    pipe, data, methods = pipeline_params(), load_section("data"), load_section("methods")
    restore_published_set(args.set, args.method, pipe, data, methods, load_section)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("set", help="alias from params.yaml pipeline.sets")
    parser.add_argument("method", help="a published method whose methods.published.<method>.weights is set")
    run(main, parser)
