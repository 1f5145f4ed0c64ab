"""Docs that cannot go stale: every rendered number block equals what the pipeline's outputs render, every
figure in docs/ has a record whose inputs and bytes still match (content hashes: valid in a fresh clone), and
the command that makes a figure is named beside it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from flipnet_bench.errors import BenchError
from flipnet_bench.report import doc_blocks, figures

REPO = Path(__file__).resolve().parents[1]
EMBED = re.compile(r"!\[[^\]]*\]\(([^)]+\.png)\)")


def test_rendered_blocks_match_the_outputs() -> None:
    stale = doc_blocks.stale_blocks(REPO)
    assert not stale, f"run `python scripts/render_docs.py`: stale generated blocks {stale}"


def test_every_figure_in_docs_is_recorded_and_fresh() -> None:
    records = figures.load(REPO)
    unrecorded = sorted(p.relative_to(REPO).as_posix() for p in (REPO / "docs").glob("*.png"))
    unrecorded = [f for f in unrecorded if f not in records]
    assert not unrecorded, f"figures without a record in docs/figures.json: {unrecorded}"
    stale = figures.stale(REPO)
    assert not stale, f"stale figures: {stale}"


def test_the_command_is_named_beside_each_figure() -> None:
    """Within 8 lines of every place a doc shows a figure."""
    records, missing = figures.load(REPO), []
    for doc in doc_blocks.doc_files(REPO):
        lines = doc.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            for target in EMBED.findall(line):
                figure = (doc.parent / target).resolve().relative_to(REPO).as_posix()
                command = records.get(figure, {}).get("command", "(no record)")
                if command not in "\n".join(lines[max(0, i - 8) : i + 9]):
                    missing.append(f"{doc.relative_to(REPO)}:{i + 1} {figure}: `{command}`")
    assert not missing, f"figures shown without their command nearby: {missing}"


def _mini_repo(tmp_path: Path) -> Path:
    for name in ("leaderboard.csv", "leaderboard.md", "dvc.lock"):
        shutil.copy(REPO / name, tmp_path / name)
    (tmp_path / "docs").mkdir()
    (tmp_path / "metrics").mkdir()
    shutil.copy(REPO / "metrics/realism.json", tmp_path / "metrics/realism.json")
    return tmp_path


def test_a_changed_output_makes_its_block_stale(tmp_path: Path) -> None:
    root = _mini_repo(tmp_path)
    doc = root / "README.md"
    doc.write_text("x <!-- BEGIN generated:restorer-vs-input --><!-- END generated:restorer-vs-input -->\n")
    doc.write_text(doc_blocks.render_text(doc.read_text(), doc_blocks.Outputs(root), "README.md"))
    assert doc_blocks.stale_blocks(root) == {}
    csv = root / "leaderboard.csv"
    text, n = re.subn(
        r"^(synthetic-hq-test,restorer_o,psnr,)(\d+)",
        lambda m: f"{m.group(1)}{int(m.group(2)) + 1}",
        csv.read_text(),
        count=1,
        flags=re.M,
    )
    assert n == 1, "leaderboard.csv has no synthetic-hq-test restorer_o psnr row"
    csv.write_text(text)
    assert doc_blocks.stale_blocks(root) == {"README.md": ["restorer-vs-input"]}
    doc.write_text("<!-- BEGIN generated:nope --><!-- END generated:nope -->")
    with pytest.raises(BenchError, match="unknown generated block 'nope'"):
        doc_blocks.stale_blocks(root)


def test_flipnet_rows_keep_the_input_and_both_variants_of_every_set(tmp_path: Path) -> None:
    out = doc_blocks.Outputs(_mini_repo(tmp_path))
    rows = doc_blocks.flipnet_rows(out).strip().splitlines()[2:]
    sets = {r["set"] for r in out.rows}
    assert len(rows) == 3 * len(sets)
    assert {ln.split("|")[2].split()[0] for ln in rows} == set(doc_blocks.FLIPNET_ROWS)
    assert not any("restorer" in ln for ln in rows)


def test_a_figure_older_than_its_inputs_is_stale(tmp_path: Path) -> None:
    root = _mini_repo(tmp_path)
    (root / "plot.py").write_text("draw()\n")
    (root / "docs/fig.png").write_bytes(b"png")
    figures.record(root, "docs/fig.png", "python plot.py", ["plot.py", "dvc:docs/plots_bars.png"])
    assert figures.stale(root) == {}
    (root / "plot.py").write_text("draw(better=True)\n")  # the code changed after the figure was made
    assert "input plot.py changed after the figure was made" in figures.stale(root)["docs/fig.png"]
    figures.record(root, "docs/fig.png")
    (root / "docs/fig.png").write_bytes(b"other png")  # replaced without recording
    assert "the figure differs from its record" in figures.stale(root)["docs/fig.png"][0]
