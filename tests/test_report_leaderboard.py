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

SETS = ["synth", "lfw"]
METHODS = ["identity", "restorer_o"]


def _entry(value: float, hib: bool, per: dict[str, float]) -> dict:
    definition = {"name": "m", "higher_is_better": hib, "resize": "bicubic"}
    return {"value": value, "ci95": [value - 0.1, value + 0.1], "n": len(per), "definition": definition}


def _scores(root: Path) -> Path:
    """Fake scored results: PSNR (↑) and LPIPS (↓) on the GT set; NIQE (↓) everywhere, FID null on lfw."""
    values = {
        ("synth", "identity"): {"psnr": 20.0, "lpips": 0.5, "niqe": 9.0},
        ("synth", "restorer_o"): {"psnr": 22.0, "lpips": 0.4, "niqe": 8.0},
        ("lfw", "identity"): {"niqe": 7.0, "fid": None},
        ("lfw", "restorer_o"): {"niqe": 7.5, "fid": None},
    }
    hib = {"psnr": True, "lpips": False, "niqe": False, "fid": False}
    for (s, m), vals in values.items():
        per = {"a": 1.0, "b": 2.0}
        metrics = {k: _entry(v, hib[k], per) if v is not None else
                   {"value": None, "ci95": None, "n": 0, "definition": {}, "notes": ["skipped"]}
                   for k, v in vals.items()}  # fmt: skip
        result = {"metrics": metrics, "per_image": {k: per for k in vals if vals[k] is not None},
                  "run": {"set": s, "dataset": f"ds-{s}", "method": m, "has_gt": s == "synth"},
                  "evaluation": {"eval_size": 256, "resize": "bicubic"}}  # fmt: skip
        write_json(root / s / m / "scores.json", result)
    return root


def test_markdown_and_csv_mark_the_best_per_set(tmp_path: Path) -> None:
    board = load_board(_scores(tmp_path / "scores"), SETS, METHODS, ["psnr", "lpips", "fid", "niqe"])
    assert board.metrics == ["psnr", "lpips", "niqe"]  # fid never had a value: no empty column
    md = to_markdown(board)
    rows = [line for line in md.splitlines() if re.match(r"\| (synth|lfw) \| (identity|restorer_o) \|", line)]
    assert len(rows) == 4
    assert "| synth | restorer_o | **22.00 [21.90, 22.10]** | **0.4000 [0.3000, 0.5000]** |" in md
    assert re.search(r"\| lfw \| identity \| — \| — \| \*\*7\.0000", md)  # no GT: empty PSNR/LPIPS cells
    assert "PSNR ↑" in md and "LPIPS ↓" in md and "Metric definitions" in md and "256²" in md
    table = list(csv.DictReader(io.StringIO(to_csv(board))))
    assert len(table) == 2 * 3 + 2 * 1
    best = {(r["set"], r["method"], r["metric"]) for r in table if r["best"] == "True"}
    assert best == {("synth", "restorer_o", "psnr"), ("synth", "restorer_o", "lpips"),
                    ("synth", "restorer_o", "niqe"), ("lfw", "identity", "niqe")}  # fmt: skip


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


@pytest.mark.skipif(
    find_chromium() is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)
def test_html_renders_in_headless_chromium(tmp_path: Path) -> None:
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


def test_frechet_from_features_is_exact() -> None:
    from scipy import linalg

    from flipnet_bench.report.realism import frechet_from_features

    rng = np.random.default_rng(0)
    for n1, n2 in ((5, 7), (30, 12), (80, 90)):  # rank-deficient both sides, and full rank (D = 16)
        a, b = rng.normal(size=(n1, 16)), rng.normal(0.5, 2.0, size=(n2, 16))
        s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
        root = linalg.sqrtm(s1 @ s2).real
        expected = ((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(s1 + s2 - 2 * root)
        assert frechet_from_features(a, b) == pytest.approx(expected, rel=1e-6)
