"""The README's performance rows render from the speed benchmarks' records (report/perf_blocks.py): a changed
number in the doc, or in the record, makes the block stale. The records here are synthetic."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from flipnet_bench.errors import BenchError
from flipnet_bench.report import doc_blocks, perf_blocks

REPO = Path(__file__).resolve().parents[1]


def _row(label: str, walls: list[float], rss: float | None, images: int | None = None) -> dict[str, object]:
    ordered = sorted(walls)
    row = {"label": label, "command": f"{label} --x", "wall_s": walls, "min": ordered[0],
           "median": ordered[len(ordered) // 2], "max": ordered[-1], "peak_rss_mib": rss}  # fmt: skip
    return row if images is None else {**row, "images": images}


def _record(rows: list[dict[str, object]], ratios: list[dict[str, object]]) -> dict[str, object]:
    return {"title": "synthetic", "when_utc": "2000-01-01 00:00 UTC", "load_before": [0.1, 0.2, 0.3],
            "cpu": "test CPU, 2 logical CPUs", "rows": rows, "ratios": ratios,
            "argv": "python b.py --n 3"}  # fmt: skip


def _repo(tmp_path: Path) -> Path:
    for name in ("leaderboard.csv", "leaderboard.md"):
        shutil.copy(REPO / name, tmp_path / name)
    (tmp_path / "metrics").mkdir()
    shutil.copy(REPO / "metrics/realism.json", tmp_path / "metrics/realism.json")
    results = tmp_path / perf_blocks.RESULTS
    results.mkdir(parents=True)
    ours, base = _row("ours", [10.0, 12.0, 11.0], 900.0), _row("stock", [20.0, 30.0, 25.0], 1500.5)
    ratio = {"a": "ours", "b": "stock", "per_pair": [2.0, 2.5, 2.27], "min": 2.0, "median": 2.27, "max": 2.5}
    (results / "score_speed.json").write_text(json.dumps(_record([ours, base], [ratio])))
    flip = _row("FLIPNET sampling", [8.0, 16.0, 10.0], None, images=64)
    (results / "flipnet_speed.json").write_text(json.dumps(_record([flip], [])))
    (tmp_path / "README.md").write_text(
        "| what | command | result |\n|---|---|---|\n"
        "| scoring | <!-- BEGIN generated:perf-score --><!-- END generated:perf-score --> |\n"
        "| sampling | <!-- BEGIN generated:perf-flipnet --><!-- END generated:perf-flipnet --> |\n"
    )
    return tmp_path


def _render(root: Path) -> str:
    doc = root / "README.md"
    doc.write_text(doc_blocks.render_text(doc.read_text(), doc_blocks.Outputs(root), "README.md"))
    return doc.read_text()


def test_rows_show_every_side_and_the_speed_up(tmp_path: Path) -> None:
    text = _render(_repo(tmp_path))
    score_line = next(ln for ln in text.splitlines() if ln.startswith("| scoring"))
    assert score_line.count("|") == 4, "the block must fill exactly the command and result cells"
    assert "`python b.py --n 3` | synthetic: ours 10.00 / 11.00 / 12.00 s, peak RSS 900 MiB" in score_line
    assert "stock 20.00 / 25.00 / 30.00 s, peak RSS 1,500 MiB (min / median / max of 3 runs)" in score_line
    assert "ours over stock **2.00 / 2.27 / 2.50×**" in score_line
    assert "test CPU, 2 logical CPUs, load average 0.1 before, 2000-01-01 00:00 UTC" in score_line
    # 64 images in 16 / 10 / 8 s: slowest / median / fastest run
    assert "FLIPNET sampling **4.00 / 6.40 / 8.00 images/s**" in text
    assert doc_blocks.stale_blocks(tmp_path) == {}


def test_an_edited_number_or_record_makes_the_block_stale(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    text = _render(root)
    (root / "README.md").write_text(text.replace("2.27 / 2.50×", "2.27 / 2.60×"))
    assert doc_blocks.stale_blocks(root) == {"README.md": ["perf-score"]}
    (root / "README.md").write_text(text)
    record_path = root / perf_blocks.RESULTS / "flipnet_speed.json"
    record = json.loads(record_path.read_text())
    record["rows"][0]["images"] = 32
    record_path.write_text(json.dumps(record))
    assert doc_blocks.stale_blocks(root) == {"README.md": ["perf-flipnet"]}
    score_path = root / perf_blocks.RESULTS / "score_speed.json"
    record = json.loads(score_path.read_text())
    record["ratios"][0]["max"] = 3.0
    score_path.write_text(json.dumps(record))
    assert doc_blocks.stale_blocks(root) == {"README.md": ["perf-flipnet", "perf-score"]}


def test_a_missing_or_malformed_record_names_the_file(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / "README.md").write_text(
        "<!-- BEGIN generated:perf-degrade --><!-- END generated:perf-degrade -->"
    )
    with pytest.raises(BenchError, match="degrade_speed.json: not a speed record"):
        doc_blocks.stale_blocks(root)
    (root / perf_blocks.RESULTS / "degrade_speed.json").write_text('{"title": "x", "rows": []}')
    with pytest.raises(BenchError, match="degrade_speed.json: not a speed record.*when_utc"):
        doc_blocks.stale_blocks(root)
