"""Stage `score@<set>-<method>`: score one restored set; numbers to metrics/<set>/<method>.json (git, DVC
metrics), the full result (95% CIs, n, definitions, notes, per-image values) and the FID/KID per-image
features (features.npz, for paired comparisons) to out/scores/<set>/<method>/."""

from __future__ import annotations

import argparse

from _stage import load_section, pipeline_params, run

from flipnet_bench.environment import environment_file, write_environment
from flipnet_bench.report.evaluate import score_restored, write_scores
from flipnet_bench.report.layout import (
    OUT_DIR,
    gt_stats_file,
    metrics_file,
    reference_dir,
    resolve_set,
    restored_dir,
    scores_dir,
)
from flipnet_bench.stats.features import FEATURES_FILE, save_features


def main(args: argparse.Namespace) -> None:
    pipe, data, ev, score = (
        pipeline_params(),
        load_section("data"),
        load_section("evaluate"),
        load_section("score"),
    )
    test_set = resolve_set(args.set, pipe.sets, data)
    metrics = ev.metrics_gt if test_set.has_gt else ev.metrics_real
    ref_dir = reference_dir(OUT_DIR)
    ref_stats = gt_stats_file(OUT_DIR, args.set) if test_set.has_gt else ref_dir / "fid_stats.npz"
    pred = restored_dir(OUT_DIR, args.set, args.method, args.seed)
    out = scores_dir(OUT_DIR, args.set, args.method, args.seed)
    arrays: dict = {}
    result = score_restored(
        pred,
        test_set.lq_dir,
        test_set.gt_dir,
        metrics,
        ev.eval_size,
        ref_stats,
        ev.batch_size,
        score,
        load_section("face_metrics").metric_kwargs(),
        arrays=arrays,
    )
    result["run"] = {
        "set": args.set,
        "dataset": test_set.dataset,
        "method": args.method,
        "has_gt": test_set.has_gt,
        "seed": args.seed,
    }
    # A seed-spread run keeps its numbers beside its scores (the DVC metrics files hold the main runs).
    numbers_json = metrics_file(args.set, args.method) if args.seed is None else out / "numbers.json"
    numbers = write_scores(result, out / "scores.json", numbers_json)
    save_features(out / FEATURES_FILE, arrays)  # for `compare`
    write_environment(environment_file(OUT_DIR, args.set, args.method, args.seed))  # compared by `audit`
    print(f"{args.set} / {args.method}: " + ", ".join(f"{k}={v:.4g}" for k, v in sorted(numbers.items())))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("set", help="alias from params.yaml pipeline.sets")
    parser.add_argument("method", help="name from pipeline.methods or methods.external")
    parser.add_argument("--seed", type=int, help="score the seed-spread run of this extra seed")
    run(main, parser)
