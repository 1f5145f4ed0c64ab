"""Stage `realism`: how close each degradation model's LQ is to real LQ, with floors and split-half ceilings.

Two tables, each with the clean/single-factor floors and per-set discrimination verdicts (docs/realism.md):
``native`` — the study proper, at native pixel scale (params ``realism``: the bundled crops by default);
``pipeline_scale`` — the synthesized sets of the pipeline (classic, Real-ESRGAN, FLIPNET at 128²) against
the 128² real test sets, resized to ``evaluate.eval_size``: where FLIPNET stands at the scale it works at.
Numbers to metrics/realism.json, everything (intervals, n, m, warnings) to out/realism/, chart to --png.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _stage import load_section, pipeline_params, run

from flipnet_bench.data.manifest import verify_manifest
from flipnet_bench.data.registry import get_dataset
from flipnet_bench.errors import BenchError
from flipnet_bench.io import atomic_open, list_images, write_json
from flipnet_bench.report.layout import METRICS_DIR, OUT_DIR, resolve_set, synth_dir
from flipnet_bench.report.plots import realism_chart
from flipnet_bench.report.realism_study import StudySettings, chart_table, markdown_table, run_study


def check_disjoint(real: dict[str, Path], trained_on: list[str], data: object) -> None:
    """The study's real images must not be ones FLIPNET's degradation mode trained on (same file stem)."""
    seen = {p.stem: alias for alias in trained_on for p in list_images(get_dataset(alias, data).root)}
    for name, folder in real.items():
        shared = sorted(p.name for p in list_images(folder) if p.stem in seen)
        if shared:
            raise BenchError(
                f"realism.real.{name} ({folder}) holds {len(shared)} images FLIPNET trained on via "
                f"pipeline.flipnet_real_lq ({seen[Path(shared[0]).stem]}), e.g. {shared[0]}: use other images"
            )


def check_manifests(folders: list[Path]) -> None:
    """Folders shipped with a manifest (the bundled crops) must match it: no silently altered inputs."""
    for folder in folders:
        if (folder / "manifest.json").is_file() and not (report := verify_manifest(folder)).ok:
            raise BenchError(f"{folder} differs from its manifest:\n" + "\n".join(report.lines()))


def main(args: argparse.Namespace) -> None:
    pipe, data = pipeline_params(), load_section("data")
    synth, ev, params = load_section("synth"), load_section("evaluate"), load_section("realism")
    # the flipnet row degrades with the pipeline's degradation checkpoint (flipnet.degradation.init, else the
    # joint model) unless realism.flipnet_checkpoint names another
    flipnet_checkpoint = params.flipnet_checkpoint or load_section("flipnet").degradation_start
    real = {name: Path(folder) for name, folder in params.real.items()}
    check_disjoint(real, pipe.flipnet_real_lq, data)
    check_manifests([Path(params.hq), *real.values()])
    settings = StudySettings(
        metrics=tuple(params.metrics),
        max_images=params.max_images,
        seed=params.seed,
        pixel_scale=params.pixel_scale,
        eval_size=params.eval_size,
        models=tuple(params.models),
        flipnet_checkpoint=flipnet_checkpoint,
    )
    native = run_study(real, hq=Path(params.hq), settings=settings)
    real_128 = {}
    for alias in pipe.sets:
        test_set = resolve_set(alias, pipe.sets, data)
        if not test_set.has_gt:
            real_128[alias] = test_set.lq_dir
    check_disjoint(real_128, pipe.flipnet_real_lq, data)
    synthesized = {name: synth_dir(OUT_DIR, name) / "lq" for name in synth.all_models()}
    at_128 = StudySettings(
        **{**settings.__dict__, "pixel_scale": None, "eval_size": ev.eval_size, "models": ()}
    )
    pipeline_scale = run_study(real_128, synthesized, Path(get_dataset("hq-test", data).root), at_128)
    out = OUT_DIR / "realism"
    write_json(out / "study.json", {"native": native, "pipeline_scale": pipeline_scale})
    write_json(
        METRICS_DIR / "realism.json",
        {"native": chart_table(native), "pipeline_scale": chart_table(pipeline_scale)},
    )
    text = []
    for title, result in (("native pixel scale", native), ("pipeline scale (128², resized)", pipeline_scale)):
        text += [f"### {title}\n", *(markdown_table(result, m) + "\n" for m in settings.metrics)]
    with atomic_open(out / "table.md", "w", encoding="utf-8") as handle:
        handle.write("\n".join(text))
    realism_chart(chart_table(native), OUT_DIR / "plots" / "realism.csv", Path(args.png))
    print("\n".join(text))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--png", default="docs/plots_realism.png")
    run(main, parser)
