"""Stage `score@<set>-<method>`: score one restored set; numbers to metrics/<set>/<method>.json (git, DVC
metrics), the full result (95% CIs, n, definitions, notes, per-image values) to out/scores/<set>/<method>/."""

from __future__ import annotations

import argparse

from _stage import load_section, pipeline_params, run

from flipnet_bench.environment import ENV_FILE, write_environment
from flipnet_bench.report.evaluate import score_restored, write_scores
from flipnet_bench.report.layout import (
    gt_stats_file,
    metrics_file,
    reference_dir,
    resolve_set,
    restored_dir,
    scores_dir,
)


def main(args: argparse.Namespace) -> None:
    pipe, data, ev, score = (
        pipeline_params(),
        load_section("data"),
        load_section("evaluate"),
        load_section("score"),
    )
    test_set = resolve_set(args.set, pipe.sets, data)
    metrics = ev.metrics_gt if test_set.has_gt else ev.metrics_real
    ref_dir = reference_dir(pipe.out)
    ref_stats = gt_stats_file(pipe.out, args.set) if test_set.has_gt else ref_dir / "fid_stats.npz"
    pred = restored_dir(pipe.out, args.set, args.method)
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
    )
    result["run"] = {
        "set": args.set,
        "dataset": test_set.dataset,
        "method": args.method,
        "has_gt": test_set.has_gt,
    }
    numbers = write_scores(
        result,
        scores_dir(pipe.out, args.set, args.method) / "scores.json",
        metrics_file(args.set, args.method),
    )
    write_environment(scores_dir(pipe.out, args.set, args.method) / ENV_FILE)  # compared by `audit`
    print(f"{args.set} / {args.method}: " + ", ".join(f"{k}={v:.4g}" for k, v in sorted(numbers.items())))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("set", help="alias from params.yaml pipeline.sets")
    parser.add_argument("method", help="name from pipeline.methods or methods.external")
    run(main, parser)
