"""Stage `card@<method>`: the artifact folder of a method that needs no training (e.g. identity).

Every restore stage depends on its method's folder ``out/methods/<name>``; trained methods get theirs from
their training stage, untrained ones from this card (type and options, for provenance).
"""

from __future__ import annotations

import argparse
import dataclasses

from _stage import load_section, pipeline_params, run

from flipnet_bench.io import write_json
from flipnet_bench.methods import METHODS
from flipnet_bench.report.layout import OUT_DIR, method_dir


def main(args: argparse.Namespace) -> None:
    pipeline_params()  # points the weights manager at pipeline.weights_dir
    methods = load_section("methods")
    entry = methods.entry(args.method)
    cls = METHODS.get(entry.type)
    card = {"method": args.method, **dataclasses.asdict(entry), "doc": (cls.__doc__ or "").strip()}
    write_json(method_dir(OUT_DIR, args.method) / "card.json", card)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("method")
    run(main, parser)
