"""Stage `realism`: each synthesized LQ set (classic, Real-ESRGAN, FLIPNET) vs each real-world LQ set,
Fréchet distance on NIQE features and FID. Numbers to metrics/realism.json, chart data to out/plots/."""

from __future__ import annotations

import argparse
from pathlib import Path

from _stage import load_section, pipeline_params, run

from flipnet_bench.io import write_json
from flipnet_bench.report.layout import METRICS_DIR, resolve_set, synth_dir
from flipnet_bench.report.plots import realism_chart
from flipnet_bench.report.realism import realism_table


def main(args: argparse.Namespace) -> None:
    pipe, data = pipeline_params(), load_section("data")
    synth, ev, params = load_section("synth"), load_section("evaluate"), load_section("realism")
    synthesized = {name: synth_dir(pipe.out, name) / "lq" for name in synth.all_models()}
    real = {}
    for alias in pipe.sets:
        test_set = resolve_set(alias, pipe.sets, data)
        if not test_set.has_gt:
            real[alias] = test_set.lq_dir
    table = realism_table(synthesized, real, params.metrics, ev.eval_size, params.max_images, params.seed)
    write_json(METRICS_DIR / "realism.json", table)
    realism_chart(table, Path(pipe.out) / "plots" / "realism.csv", Path(args.png))
    for metric, by_model in table.items():
        for model, by_set in by_model.items():
            print(f"{metric} {model}: " + ", ".join(f"{r}={v:.4g}" for r, v in by_set.items()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--png", default="docs/plots_realism.png")
    run(main, parser)
