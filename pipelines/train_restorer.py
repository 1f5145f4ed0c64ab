"""Stage `train-restorer@<method>`: the U-Net restorer on classic (+O) or classic + FLIPNET (+O/F) pairs."""

from __future__ import annotations

import argparse

from _stage import load_section, pipeline_params, run

from flipnet_bench.data.registry import get_dataset
from flipnet_bench.errors import BenchError
from flipnet_bench.report.layout import method_dir, synth_dir
from flipnet_bench.train.restorer import RestorerTrainConfig, train_restorer


def main(args: argparse.Namespace) -> None:
    pipe, data, restorers = pipeline_params(), load_section("data"), load_section("restorer")
    if not hasattr(restorers, args.variant):
        raise BenchError(
            f"params.yaml restorer has no entry {args.variant!r} (known: restorer_o, restorer_of)"
        )
    p = getattr(restorers, args.variant)
    cfg = RestorerTrainConfig(
        steps=p.steps,
        batch_size=p.batch_size,
        lr=p.lr,
        seed=p.seed,
        crop=p.crop,
        channels=tuple(p.channels),
        preset=p.preset,
        pair_dirs=tuple(str(synth_dir(pipe.out, name)) for name in p.pairs),
        pair_fraction=p.pair_fraction,
    )
    train_restorer(get_dataset("hq-train", data).root, method_dir(pipe.out, args.variant), cfg)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "variant", help="restorer_o (+O) or restorer_of (+O/F): a key of params.yaml restorer"
    )
    run(main, parser)
