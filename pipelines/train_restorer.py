"""Stage `train-restorer@<method>`: the U-Net restorer on classic (+O) or classic + FLIPNET (+O/F) pairs."""

from __future__ import annotations

import argparse

from _stage import load_section, pipeline_params, run

from flipnet_bench.data.registry import get_dataset
from flipnet_bench.report.layout import OUT_DIR, method_dir, synth_dir
from flipnet_bench.train.restorer import train_restorer


def main(args: argparse.Namespace) -> None:
    pipeline_params()  # points the weights manager at pipeline.weights_dir
    data, restorers = load_section("data"), load_section("restorer")
    cfg = restorers.config(args.variant, lambda name: synth_dir(OUT_DIR, name))
    # The stage owns its (persisted) output folder: state of other settings is replaced, not refused.
    out = method_dir(OUT_DIR, args.variant)
    train_restorer(get_dataset("hq-train", data).root, out, cfg, overwrite=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "variant", help="restorer_o (+O) or restorer_of (+O/F): a key of params.yaml restorer.variants"
    )
    run(main, parser)
