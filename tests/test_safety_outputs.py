"""No command overwrites what it did not make: every command × every path-valued option pointed at an input
file, a folder, another run's output or a user's file, plus the hostile values of tests/_hostile_outputs.py.
Each must stop with a clean error (exit 2, no traceback) and leave every existing byte as it was; the table
in docs/safety.md is these cases and their measured outcomes (regenerate: FLIPNET_BENCH_WRITE_SAFETY_DOC=1).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flipnet_bench.cli import main
from tests._hostile import REPO
from tests._hostile_outputs import SLOTS, Case, build_workspace, cases, changed, render_table, snapshot

DOC = REPO / "docs" / "safety.md"
BEGIN, END = "<!-- safety-table:begin -->", "<!-- safety-table:end -->"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_workspace(tmp_path_factory.mktemp("ws"))


def _outcome(case: Case, slots: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> str:
    argv = case.render(slots)
    try:
        rc = main(argv)
    except SystemExit as exc:  # argparse's own refusal (a type or choice error), before any work
        rc = int(exc.code or 0)
    err = capsys.readouterr().err
    assert rc == 2, f"{case.shown()}: exit {rc}, expected a refusal (2)\n{err[-1500:]}"
    assert "Traceback" not in err, err
    named = [Path(a).name for a in argv if a.startswith("/")]
    assert any(n in err for n in named) or case.option in err, f"{case.shown()}: names nothing: {err[-800:]}"
    if case.needs:
        assert case.needs in err, f"{case.shown()}: {err[-800:]}"
    line = next(x for x in err.splitlines() if "error:" in x).split("error:", 1)[1].strip()
    for slot in sorted(slots, key=lambda k: -len(str(slots[k]))):
        line = line.replace(str(slots[slot]), SLOTS[slot])
    return "exit 2: " + (line if len(line) <= 90 else line[:87] + "...")


def test_no_command_changes_a_byte_it_did_not_make(
    workspace: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = workspace["hq"].parent
    rows = []
    for i, case in enumerate(cases()):
        slots = {**workspace, "new": tmp_path / f"new{i}"}
        slots["new"].mkdir()
        before = snapshot(root)
        outcome = _outcome(case, slots, capsys)
        lost = changed(before, snapshot(root))
        assert not lost, f"{case.shown()} changed or removed {lost}"
        assert not any(slots["new"].iterdir()) or case.command in ("audit",), f"{case.shown()} wrote outputs"
        rows.append((case, outcome))
    table = render_table(rows)
    if os.environ.get("FLIPNET_BENCH_WRITE_SAFETY_DOC"):
        text = DOC.read_text(encoding="utf-8")
        head, rest = text.split(BEGIN)
        DOC.write_text(f"{head}{BEGIN}\n{table}\n{END}{rest.split(END)[1]}", encoding="utf-8")
    documented = DOC.read_text(encoding="utf-8").split(BEGIN)[1].split(END)[0].strip()
    assert documented == table, "docs/safety.md is stale: rerun with FLIPNET_BENCH_WRITE_SAFETY_DOC=1"


def test_own_outputs_are_replaced_and_overwrite_lifts_only_the_foreign_rule(
    workspace: dict[str, Path], tmp_path: Path
) -> None:
    """A re-run replaces its own output; ``--overwrite`` replaces a user's file but never an input."""
    score = [
        "score",
        "--pred",
        str(workspace["restored"]),
        "--gt",
        str(workspace["pairs"] / "hq"),
        "--metrics",
        "psnr",
    ]
    out = tmp_path / "s.json"
    assert main([*score, "--out", str(out)]) == 0
    assert main([*score, "--out", str(out)]) == 0  # its own kind of output: replaced
    foreign = tmp_path / "notes.json"
    foreign.write_text('{"mine": 1}')
    assert main([*score, "--out", str(foreign)]) == 2 and foreign.read_text() == '{"mine": 1}'
    assert main([*score, "--out", str(foreign), "--overwrite"]) == 0 and "metrics" in foreign.read_text()
    image = workspace["restored"] / "a.png"
    before = image.read_bytes()
    assert main([*score, "--out", str(image), "--overwrite"]) == 2 and image.read_bytes() == before
    compare = tmp_path / "c.json"
    assert main(["compare", str(workspace["run1"]), str(workspace["run2"]), "--out", str(compare)]) == 0
    assert main(["compare", str(workspace["run1"]), str(workspace["run2"]), "--out", str(compare)]) == 0
    assert main(["data", "manifest", str(workspace["hq"]), "--out", str(tmp_path / "m.json")]) == 0
    assert main(["data", "manifest", str(workspace["hq"]), "--out", str(tmp_path / "m.json")]) == 0
    # the default manifest location inside the folder is by design; a member file never is
    assert main(["data", "manifest", str(workspace["hq"])]) == 0
    (workspace["hq"] / "manifest.json").unlink()


def test_compare_reads_a_standalone_score_output(workspace: dict[str, Path], capsys) -> None:
    """``score --out J --per-image P``: J names P, so ``compare`` pairs images without a pipeline folder."""
    assert (
        main(["compare", str(workspace["run1"] / "scores.json"), str(workspace["run2"] / "scores.json")]) == 0
    )
    assert "psnr" in capsys.readouterr().out
