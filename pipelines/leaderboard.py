"""Stage `leaderboard`: leaderboard.md / .csv, the HTML page with thumbnails and drill-down, and the plots."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from _stage import load_section, pipeline_params, run

from flipnet_bench.io import atomic_open
from flipnet_bench.report.contrasts import contrast_rows, contrasts_csv, contrasts_markdown
from flipnet_bench.report.html import make_thumbnails, page_data, write_html
from flipnet_bench.report.layout import OUT_DIR, resolve_set, restored_dir, scores_dir
from flipnet_bench.report.leaderboard import load_board, write_leaderboard
from flipnet_bench.report.plots import metric_bars, perception_distortion


def main(args: argparse.Namespace) -> None:
    pipe, data, methods, lb = (
        pipeline_params(),
        load_section("data"),
        load_section("methods"),
        load_section("leaderboard"),
    )
    out = OUT_DIR
    all_methods = pipe.all_methods() + sorted(methods.external) + methods.published_to_run()
    baselines = [m for m in all_methods if methods.entry(m).type == "identity"]  # reference rows, never bold
    seeds = out / "scores-seeds"  # the seed-spread runs (pipeline.extra_seeds)
    board = load_board(out / "scores", list(pipe.sets), all_methods, lb.columns, baselines, seeds,
                       pipe.extra_seeds)  # fmt: skip
    # "+O/F" − "+O" where both methods ran (a contrast naming a method not in the pipeline is skipped, said)
    contrasts = {a: b for a, b in lb.contrasts.items() if a in all_methods and b in all_methods}
    for a, b in lb.contrasts.items():
        if (a, b) not in contrasts.items():
            print(f"leaderboard.contrasts: {a} − {b} skipped: not both in the pipeline's methods")
    rows = contrast_rows(out / "scores", list(pipe.sets), contrasts, lb.columns)
    write_leaderboard(board, Path(args.markdown), Path(args.csv), contrasts_markdown(rows, contrasts))
    with atomic_open(out / "leaderboard" / "contrasts.csv", "w", encoding="utf-8", newline="") as handle:
        handle.write(contrasts_csv(rows))
    metric_bars(board, out / "plots" / "bars", Path(args.docs) / "plots_bars.png")
    perception_distortion(
        board, out / "plots" / "perception_distortion.csv", Path(args.docs) / "plots_pd.png"
    )

    page = out / "leaderboard" / "index.html"
    thumbs, per_image = {}, {}
    for alias in board.set_info:
        test_set = resolve_set(alias, pipe.sets, data)
        folders = {"lq": test_set.lq_dir, "gt": test_set.gt_dir}
        folders.update({m: restored_dir(out, alias, m) for m in all_methods if (alias, m) in board.cells})
        thumbs[alias] = make_thumbnails(folders, page.parent / "thumbs" / alias, lb.thumb_size)
        per_image[alias] = {}
        for m in all_methods:
            path = scores_dir(out, alias, m) / "scores.json"
            if path.is_file():
                per_image[alias][m] = json.loads(path.read_text()).get("per_image", {})
    data_json = page_data(board, per_image, thumbs, page.parent)
    data_json["gridRows"] = lb.thumbnails
    write_html(page, data_json)
    print(f"leaderboard: {len(board.rows())} rows × {len(board.metrics)} metrics -> {args.markdown}, {page}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--markdown", default="leaderboard.md")
    parser.add_argument("--csv", default="leaderboard.csv")
    parser.add_argument("--docs", default="docs")
    run(main, parser)
