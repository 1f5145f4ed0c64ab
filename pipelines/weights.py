"""Stage `weights`: materialise every offline-obtainable weight file into the cache and pin their hashes."""

from __future__ import annotations

import argparse

from _stage import pipeline_params, run

from flipnet_bench.io import write_json


def main(args: argparse.Namespace) -> None:
    from flipnet_bench.io.hashing import sha256_file
    from flipnet_bench.weights.manager import fetch, get_spec

    pipeline_params()
    paths = fetch()
    record = {
        name: {"sha256": sha256_file(path), "file": get_spec(name).filename} for name, path in paths.items()
    }
    write_json(args.out, record)
    print(f"{len(record)} weight file(s) verified in the cache")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="out/weights.json")
    run(main, parser)
