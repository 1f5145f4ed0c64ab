"""Stage `reference`: FID statistics of the HQ reference split at the evaluation size, computed once.

Real-world sets have no ground truth; their FID is measured against these statistics (the protocol uses FFHQ;
here the bundled HQ test split by default — set ``evaluate.fid_reference`` to another HQ split).
"""

from __future__ import annotations

import argparse

from _stage import load_section, pipeline_params, run

from flipnet_bench.data.registry import get_dataset
from flipnet_bench.metrics.frechet import FeatureStats
from flipnet_bench.report.layout import reference_dir
from flipnet_bench.report.realism import set_features


def main(args: argparse.Namespace) -> None:
    pipe, data, ev = pipeline_params(), load_section("data"), load_section("evaluate")
    root = get_dataset(ev.fid_reference, data).root
    feats = set_features(root, ["fid"], ev.eval_size, max_images=10**9, seed=0, batch_size=ev.batch_size)
    stats = FeatureStats()
    stats.update(feats["fid"])
    stats.save(reference_dir(pipe.out) / "fid_stats.npz")
    print(f"FID reference: {stats.count} images of {ev.fid_reference} ({root}) at {ev.eval_size}²")


if __name__ == "__main__":
    run(main, argparse.ArgumentParser(description=__doc__))
