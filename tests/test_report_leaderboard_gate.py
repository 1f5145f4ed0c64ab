"""The identity gate decides ranking on sets without ground truth: a method that fails it is shown with †,
never ranked, never bold; the rule and the thresholds are the protocols' one definition."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from flipnet_bench.io import write_json
from flipnet_bench.protocols.gates import NTIRE2025_THRESHOLDS, allowed_below, fails_gate
from flipnet_bench.report.html import page_data
from flipnet_bench.report.leaderboard import LEGEND, load_board, to_csv, to_markdown
from flipnet_bench.stats.gate import ADAFACE_THRESHOLDS, dlib_threshold, gate_threshold

SMALL = [-0.1, 0.1, -0.05, 0.05, -0.02, 0.02, 0.0, 0.0]
#: NIQE (lower is better) and the dlib identity similarity to the input of each method on a real set.
ROWS = {"identity": (7.0, 1.0), "drifter": (3.0, 0.5), "good": (5.0, 0.99), "other": (8.0, 0.99)}


def _write(root: Path, rows: dict[str, tuple[float, float]]) -> Path:
    for m, (niqe, ids) in rows.items():
        per = {"niqe": {f"k{i}": niqe + SMALL[i] for i in range(8)},
               "ids_dlib": {f"k{i}": ids - 0.001 * i for i in range(8)}}  # fmt: skip
        hib = {"niqe": False, "ids_dlib": True}
        metrics = {k: {"value": sum(v.values()) / 8, "ci95": None, "n": 8,
                       "definition": {"higher_is_better": hib[k]}} for k, v in per.items()}  # fmt: skip
        run = {"set": "wider", "dataset": "wider-test", "method": m, "has_gt": False}
        write_json(root / "wider" / m / "scores.json", {"metrics": metrics, "per_image": per, "run": run})
    return root


def test_a_method_that_fails_the_gate_is_shown_but_not_ranked_nor_bold(tmp_path: Path) -> None:
    board = load_board(_write(tmp_path, ROWS), ["wider"], list(ROWS), ["niqe", "ids_dlib"], ["identity"])
    assert board.gate_failed == {("wider", "drifter")}
    verdict = board.verdicts[("wider", "niqe")]
    assert (verdict.best, verdict.runner_up) == ("good", "other")  # drifter's best NIQE is not ranked
    drifter = board.cells[("wider", "drifter")]["niqe"]
    assert not drifter.best and not drifter.tie and board.cells[("wider", "good")]["niqe"].best
    md = to_markdown(board)
    assert "| wider | drifter † | **" not in md and "| wider | drifter † | 3.0000" in md
    assert "† fails" in md and "not ranked and never bold" in LEGEND and "10 of 450" in LEGEND
    ranked = {(r["method"], r["metric"]): r["ranked"] for r in csv.DictReader(io.StringIO(to_csv(board)))}
    assert ranked[("drifter", "niqe")] == "False" and ranked[("good", "niqe")] == "True"
    assert ranked[("identity", "niqe")] == "False"  # the reference row is never ranked either
    rows = {r["method"]: r for r in page_data(board, {}, {}, tmp_path)["rows"]}
    assert rows["drifter"]["label"] == "drifter †" and rows["drifter"]["ranked"] is False
    assert rows["good"]["ranked"] is True and rows["identity"]["ranked"] is False


def test_without_the_gate_failure_the_same_method_is_ranked_best(tmp_path: Path) -> None:
    rows = {**ROWS, "drifter": (3.0, 0.99)}
    board = load_board(_write(tmp_path, rows), ["wider"], list(rows), ["niqe", "ids_dlib"], ["identity"])
    assert not board.gate_failed and board.verdicts[("wider", "niqe")].best == "drifter"
    assert board.cells[("wider", "drifter")]["niqe"].best


def test_the_challenge_rule_more_than_ten_of_450() -> None:
    assert allowed_below(450) == 10 and allowed_below(45) == pytest.approx(1.0)
    assert not fails_gate(10, 450) and fails_gate(11, 450)
    assert not fails_gate(1, 45) and fails_gate(2, 45) and fails_gate(1, 8) and not fails_gate(0, 8)


def test_the_leaderboard_reads_the_protocols_thresholds() -> None:
    """One definition: the leaderboard's per-family thresholds are the NTIRE 2025 protocol's."""
    assert ADAFACE_THRESHOLDS == {"celeba": 0.5, "lfw": 0.6, "celebchild": 0.6, "wider": 0.3, "webphoto": 0.3}
    assert dict(NTIRE2025_THRESHOLDS)["Wider-Test"] == 0.3
    for dataset, adaface in (("wider-test", 0.3), ("webphoto-test", 0.3), ("celebchild-test", 0.6),
                             ("lfw-test", 0.6), ("celeba-test", 0.5)):  # fmt: skip
        assert gate_threshold(dataset) == pytest.approx(dlib_threshold(adaface))
