"""Leaderboard tables, plots and the HTML page (rendered in headless Chromium when it is installed)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

from flipnet_bench.io import write_image, write_json
from flipnet_bench.report.browser import dump_dom, find_chromium, screenshot
from flipnet_bench.report.evaluate import numbers_only
from flipnet_bench.report.html import make_thumbnails, page_data, write_html
from flipnet_bench.report.leaderboard import load_board, to_csv, to_markdown
from flipnet_bench.report.plots import metric_bars, perception_distortion, realism_chart
from tests._strict import unavailable

SETS = ["synth", "lfw"]
METHODS = ["identity", "restorer_o"]


def _entry(value: float, hib: bool, per: dict[str, float]) -> dict:
    definition = {"name": "m", "higher_is_better": hib, "resize": "bicubic"}
    return {"value": value, "ci95": [value - 0.1, value + 0.1], "n": len(per), "definition": definition}


#: Per-image deviations with mean 0: small (a 2-dB gap is then significant) or large (a 0.5 gap is not).
SMALL = [-0.1, 0.1, -0.05, 0.05, -0.02, 0.02, 0.0, 0.0]
LARGE = [-3.0, 3.0, -2.0, 2.0, -1.0, 1.0, 0.5, -0.5]


def _scores(root: Path, ids: dict[str, float] | None = None) -> Path:
    """Fake scored results: PSNR (↑) and LPIPS (↓) on the GT set; NIQE (↓) everywhere, FID null on lfw.

    Per-image values scatter around each value: SMALL on the GT set, LARGE (and shuffled) for NIQE on lfw.
    """
    values = {
        ("synth", "identity"): {"psnr": 20.0, "lpips": 0.5, "niqe": 9.0},
        ("synth", "restorer_o"): {"psnr": 22.0, "lpips": 0.4, "niqe": 8.0},
        ("lfw", "identity"): {"niqe": 7.0, "fid": None, "ids_dlib": 1.0},
        ("lfw", "restorer_o"): {"niqe": 7.5, "fid": None, "ids_dlib": 0.9},
    }
    hib = {"psnr": True, "lpips": False, "niqe": False, "fid": False, "ids_dlib": True}
    for (s, m), vals in values.items():
        spread = LARGE[::-1] if m == "restorer_o" else LARGE
        per = {k: {f"k{i}": v + (spread if s == "lfw" else SMALL)[i] * (0.01 if k == "ids_dlib" else 1)
                   for i in range(8)} for k, v in vals.items() if v is not None}  # fmt: skip
        if ids is not None and "ids_dlib" in per:
            per["ids_dlib"] = {f"k{i}": ids[m] + 0.01 * i for i in range(8)}
        metrics = {k: _entry(v, hib[k], per[k]) if v is not None else
                   {"value": None, "ci95": None, "n": 0, "definition": {}, "notes": ["skipped"]}
                   for k, v in vals.items()}  # fmt: skip
        result = {"metrics": metrics, "per_image": per,
                  "run": {"set": s, "dataset": f"ds-{s}", "method": m, "has_gt": s == "synth"},
                  "evaluation": {"eval_size": 256, "resize": "bicubic"}}  # fmt: skip
        write_json(root / s / m / "scores.json", result)
    return root


def test_markdown_and_csv_mark_the_best_per_set(tmp_path: Path) -> None:
    scores = _scores(tmp_path / "scores", ids={"identity": 0.97, "restorer_o": 0.97})  # both pass the gate
    board = load_board(scores, SETS, METHODS, ["psnr", "lpips", "fid", "niqe"])
    assert board.metrics == ["psnr", "lpips", "niqe", "ids_dlib"]  # fid never had a value: no empty column
    md = to_markdown(board)
    rows = [line for line in md.splitlines() if re.match(r"\| (synth|lfw) \| (identity|restorer_o) \|", line)]
    assert len(rows) == 4
    assert "| synth | restorer_o | **22.00 [21.90, 22.10]** | **0.4000 [0.3000, 0.5000]** |" in md
    assert re.search(r"\| lfw \| identity \| — \| — \| 7\.0000 \[6\.9000, 7\.1000\] ≈", md)  # a tie
    assert "PSNR ↑" in md and "LPIPS ↓" in md and "Metric definitions" in md and "256²" in md
    assert "Holm" in md and "never bold" in md
    table = list(csv.DictReader(io.StringIO(to_csv(board))))
    assert len(table) == 2 * 3 + 2 * 2 + 2  # + the identity gate's pass rate on lfw
    best = {(r["set"], r["method"], r["metric"]) for r in table if r["best"] == "True"}
    assert best == {("synth", "restorer_o", "psnr"), ("synth", "restorer_o", "lpips"),
                    ("synth", "restorer_o", "niqe")}  # fmt: skip
    ties = {(r["set"], r["method"], r["metric"]) for r in table if r["tie"] == "True"}
    assert ties == {("lfw", "identity", "niqe"), ("lfw", "restorer_o", "niqe")}


def test_reference_rows_and_identity_on_real_sets_are_never_bold(tmp_path: Path) -> None:
    """The identity baseline scores ids_dlib 1.0 vs its own input: a gate pass, never the best."""
    scores = _scores(tmp_path / "scores", ids={"identity": 0.97, "restorer_o": 0.80})
    board = load_board(scores, SETS, METHODS, ["psnr", "niqe", "ids_dlib"], reference_rows=["identity"])
    reference = [c for (_, m), row in board.cells.items() if m == "identity" for c in row.values()]
    assert not any(c.best or c.tie for c in reference)
    assert not board.cells[("lfw", "restorer_o")]["ids_dlib"].best  # a gate column is never ranked
    assert ("lfw", "ids_dlib") not in board.verdicts
    assert ("synth", "psnr") not in board.verdicts  # one candidate left: nothing to be significant against
    md = to_markdown(board)
    assert "| lfw | identity (reference) |" in md and "ID gate (pass rate)" in md
    labels = {(r["set"], r["method"]): r["label"] for r in page_data(board, {}, {}, tmp_path)["rows"]}
    assert labels[("lfw", "identity")] == "identity (reference)"  # HTML too
    assert labels[("synth", "restorer_o")] == "restorer_o" and labels[("lfw", "restorer_o")] == "restorer_o †"
    from flipnet_bench.stats.gate import gate_threshold

    assert gate_threshold("ds-lfw") is not None and board.gates[("lfw", "identity")][1] == sum(
        0.97 + 0.01 * i >= gate_threshold("ds-lfw") for i in range(8)
    )
    assert board.gates[("lfw", "identity")][0] >= board.gates[("lfw", "restorer_o")][0]
    assert ("synth", "identity") not in board.gates  # sets with ground truth have no gate


def test_numbers_only_keeps_values() -> None:
    result = {"metrics": {"psnr": {"value": 21.5}, "fid": {"value": None}, "niqe": {"value": 4}}}
    assert numbers_only(result) == {"psnr": 21.5, "niqe": 4.0}


def test_plots_write_data_and_pngs(tmp_path: Path) -> None:
    board = load_board(_scores(tmp_path / "scores"), SETS, METHODS, ["psnr", "lpips", "niqe"])
    metric_bars(board, tmp_path / "bars", tmp_path / "bars.png")
    perception_distortion(board, tmp_path / "pd.csv", tmp_path / "pd.png")
    realism_chart({"fd_niqe": {"classic": {"lfw": 3.0}, "flipnet": {"lfw": 2.0}}}, tmp_path / "r.csv",
                  tmp_path / "r.png")  # fmt: skip
    assert (tmp_path / "bars" / "psnr.csv").read_text().count("\n") == 3
    assert "synth · restorer_o" in (tmp_path / "pd.csv").read_text()
    for png in ("bars.png", "pd.png", "r.png"):
        assert (tmp_path / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _page(tmp_path: Path) -> Path:
    board = load_board(_scores(tmp_path / "scores"), SETS, METHODS, ["psnr", "lpips", "niqe"])
    rng = np.random.default_rng(0)
    folders = {}
    for col in ("lq", "gt", *METHODS):
        for key in ("a", "b"):
            write_image(
                tmp_path / "img" / col / f"{key}.png", rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
            )
        folders[col] = tmp_path / "img" / col
    page = tmp_path / "site" / "index.html"
    thumbs = {s: make_thumbnails(folders, page.parent / "thumbs" / s, 24) for s in SETS}
    per_image = {s: {m: json.loads((tmp_path / "scores" / s / m / "scores.json").read_text())["per_image"]
                     for m in METHODS} for s in SETS}  # fmt: skip
    write_html(page, page_data(board, per_image, thumbs, page.parent))
    return page


def test_html_page_embeds_data(tmp_path: Path) -> None:
    page = _page(tmp_path)
    html = page.read_text()
    data = json.loads(
        re.search(r'<script id="lb-data" type="application/json">(.*?)</script>', html, re.S)[1]
    )
    assert len(data["rows"]) == 4 and data["thumbs"]["synth"]["a"]["lq"] == "thumbs/synth/lq/a.png"
    assert (page.parent / "thumbs" / "synth" / "restorer_o" / "b.png").is_file()


def test_html_renders_in_headless_chromium(tmp_path: Path) -> None:
    if find_chromium() is None:  # a skip only off CI: .ci/run installs chromium or fails
        unavailable("Debian's chromium is not installed (.ci/run installs it)")
    page = _page(tmp_path)
    dom = dump_dom(page)
    rows = re.findall(r'<tr class="lb-row" data-set="([^"]+)" data-method="([^"]+)">', dom)
    assert rows == [
        ("synth", "identity"),
        ("synth", "restorer_o"),
        ("lfw", "identity"),
        ("lfw", "restorer_o"),
    ]
    assert 'data-rendered="4"' in dom and '<td class="best">22.00' in dom and "thumbs/lfw/gt/a.png" in dom
    png = screenshot(page, tmp_path / "shot.png", 900, 700)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


def test_seed_spread_is_shown_apart_from_the_interval(tmp_path: Path) -> None:
    scores = _scores(tmp_path / "scores")
    for seed, psnr in ((1, 21.5), (2, 22.4)):
        metrics = {"psnr": _entry(psnr, True, {}), "lpips": {"value": None}}
        path = tmp_path / "seeds" / "synth" / "restorer_o" / f"seed{seed}" / "scores.json"
        write_json(path, {"metrics": metrics})
    board = load_board(scores, SETS, METHODS, ["psnr", "lpips"], seeds_root=tmp_path / "seeds")
    cell = board.cells[("synth", "restorer_o")]["psnr"]
    assert cell.seeds == (3, 21.5, 22.4) and cell.ci95 == (21.9, 22.1)  # the interval stays the main run's
    assert board.cells[("synth", "restorer_o")]["lpips"].seeds is None  # no other seed has a value
    md = to_markdown(board)
    assert "22.00 [21.90, 22.10] ⟨21.50–22.40⟩" in md and "| seeds |" in md
    row = next(r for r in csv.DictReader(io.StringIO(to_csv(board))) if r["metric"] == "psnr" and r["seeds"])
    spread = [row[k] for k in ("method", "seeds", "seed_min", "seed_max")]
    assert spread == ["restorer_o", "3", "21.5", "22.4"]


def test_seed_spread_params_are_checked() -> None:
    from flipnet_bench.config import ParamsError
    from flipnet_bench.methods.params import PipelineParams

    assert PipelineParams(seed_sets=["lfw-test"], extra_seeds=[1, 2]).extra_seeds == [1, 2]
    with pytest.raises(ParamsError, match="seed_sets"):
        PipelineParams(seed_sets=["no-such-set"])
    with pytest.raises(ParamsError, match="extra_seeds"):
        PipelineParams(extra_seeds=[1, 1])
