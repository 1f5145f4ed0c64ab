"""Stage `reference`: FID statistics, computed once at the evaluation size: the HQ reference split (for the
real-world sets) and the GT of every set that has one ("FID vs GT").

Real-world sets have no ground truth; their FID is measured against these statistics (the protocol uses FFHQ;
here the bundled HQ test split by default — set ``evaluate.fid_reference`` to another HQ split).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _stage import load_section, pipeline_params, run

from flipnet_bench.data.registry import get_dataset
from flipnet_bench.metrics.frechet import FeatureStats
from flipnet_bench.report.layout import OUT_DIR, gt_stats_file, reference_dir, resolve_set
from flipnet_bench.report.realism import set_features


def save_stats(folder: Path, out: Path, eval_size: int, batch_size: int) -> int:
    feats = set_features(folder, ["fid"], eval_size, max_images=10**9, seed=0, batch_size=batch_size)["fid"]
    stats = FeatureStats()
    stats.update(feats)
    stats.save(out)
    return stats.count


def main(args: argparse.Namespace) -> None:
    pipe, data, ev = pipeline_params(), load_section("data"), load_section("evaluate")
    root = get_dataset(ev.fid_reference, data).root
    n = save_stats(root, reference_dir(OUT_DIR) / "fid_stats.npz", ev.eval_size, ev.batch_size)
    print(f"FID reference: {n} images of {ev.fid_reference} ({root}) at {ev.eval_size}²")
    for alias in pipe.sets:  # "FID vs GT": the GT set's statistics, computed once instead of per method
        test_set = resolve_set(alias, pipe.sets, data)
        if test_set.gt_dir is not None:
            save_stats(test_set.gt_dir, gt_stats_file(OUT_DIR, alias), ev.eval_size, ev.batch_size)


if __name__ == "__main__":
    run(main, argparse.ArgumentParser(description=__doc__))
