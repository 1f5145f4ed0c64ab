"""docs/realism.md's full-size FLIPNET study: the degradation-mode target judged per real set in the verdict
distance, and a bad record is an error naming its file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flipnet_bench.errors import BenchError
from flipnet_bench.report import realism_block


def _cell(value: float, half: float = 0.2) -> dict:
    return {"value": value, "ci": [value - half, value + half]}


def _study(flipnet: list[float], clean: list[float], classic: list[float]) -> dict:
    columns = {}
    for s, f, c, k in zip("abcde", flipnet, clean, classic):
        rows = {
            "flipnet": {"fd_deg": _cell(f)},
            "clean": {"fd_deg": _cell(c)},
            "classic": {"fd_deg": _cell(k)},
        }
        columns[s] = {"n": 10, "m": 5, "rows": rows, "split_half": {"fd_deg": _cell(0.0)}}
        columns[s]["discriminates"] = {"fd_deg": True}
    return {"columns": columns, "verdict": "fd_deg", "settings": {"metrics": ["fd_deg"]}, "order": {}}


def _write(root: Path, study: dict) -> None:
    path = root / realism_block.RECORD
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(study), encoding="utf-8")


def test_the_target_counts_sets_against_clean_and_classic(tmp_path: Path) -> None:
    # nearer than clean on a-d (clearly on a, b), equal on e; as near as classic on a, b only
    _write(tmp_path, _study([1, 2, 5, 5, 6], [3, 4, 5.2, 5.3, 6], [1, 2.5, 3, 1, 1]))
    text = realism_block.target_sentence(tmp_path)
    assert "nearer than the clean floor on 4 of 5 real sets (clearly, intervals apart, on 2: a, b)" in text
    assert "at least as near as classic on 2 of 5 (clearly farther on 3)" in text
    assert text.endswith("is not met")
    _write(tmp_path, _study([1, 2, 3, 4, 5], [3, 4, 5, 6, 7], [1, 2, 3, 1, 1]))
    assert realism_block.target_sentence(tmp_path).endswith("is met")
    with pytest.raises(BenchError, match="realism_full_long.json"):  # the longer run's record is its own file
        realism_block.target_sentence(tmp_path, realism_block.RECORD_LONG)


def test_the_target_sentence_judges_any_named_row(tmp_path: Path) -> None:
    study = _study([9, 9, 9, 9, 9], [3, 4, 5, 6, 7], [1, 2, 3, 1, 1])
    for i, col in enumerate(study["columns"].values()):  # a --synth row: nearer than clean and classic on a-c
        col["rows"]["pairs-lq"] = {"fd_deg": _cell([0.5, 1, 2, 7, 8][i])}
    _write(tmp_path, study)
    text = realism_block.target_sentence(tmp_path, row="pairs-lq", who="the pairs' LQ")
    assert text.startswith("in fd_deg the pairs' LQ is nearer than the clean floor on 3 of 5 real sets")
    assert "at least as near as classic on 3 of 5" in text and text.endswith("is not met")
    assert "on 0 of 5" in realism_block.target_sentence(tmp_path)  # the flipnet row stays the default
    with pytest.raises(BenchError, match="no row 'other-lq'"):
        realism_block.target_sentence(tmp_path, row="other-lq")


def test_pairs_blocks_judge_each_kind_of_pairs_own_lq(tmp_path: Path) -> None:
    blocks = realism_block.pairs_renderers()
    assert set(blocks) == {f"realism-pairs{s}{t}" for s in ("", "-zoom", "-noise") for t in ("", "-target")}
    study = _study([9, 9, 9, 9, 9], [3, 4, 5, 6, 7], [1, 2, 3, 1, 1])
    for col in study["columns"].values():
        col["rows"]["real-pairs-zoom-lq"] = {"fd_deg": _cell(0.5)}
    path = tmp_path / realism_block.RECORD_PAIRS["zoom"]
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(study), encoding="utf-8")

    class Out:
        root = tmp_path

    assert blocks["realism-pairs-zoom-target"](Out).startswith("in fd_deg the pairs' own LQ is nearer")
    assert blocks["realism-pairs-zoom-target"](Out).endswith("is met")  # not the flipnet row (0 of 5)


def test_tables_show_every_row_with_intervals(tmp_path: Path) -> None:
    _write(tmp_path, _study([1, 2, 3, 4, 5], [3, 4, 5, 6, 7], [1, 2, 3, 1, 1]))
    table = realism_block.study_tables(tmp_path)
    assert "| fd_deg (verdict) | a (n=10, m=5) |" in table
    assert "| flipnet | 1 [0.8, 1.2] | 2 [1.8, 2.2] |" in table


def test_a_bad_record_names_its_file(tmp_path: Path) -> None:
    study = _study([1, 2, 3, 4, 5], [3, 4, 5, 6, 7], [1, 2, 3, 1, 1])
    del study["columns"]["c"]["rows"]["classic"]
    _write(tmp_path, study)
    with pytest.raises(BenchError, match="realism_full.json"):
        realism_block.target_sentence(tmp_path)


def test_degrade_x0_table_gives_the_gap_per_kind_of_pair(tmp_path: Path) -> None:
    x0 = {t: {"right": 20.5, "swapped": 20.0} for t in ("800", "500", "200")}
    path = tmp_path / realism_block.X0_RECORD
    path.parent.mkdir(parents=True)
    path.write_text(
        json.dumps({"checkpoint": "c", "real_pairs": x0, "face_tiles": x0}) + "\n", encoding="utf-8"
    )
    table = realism_block.degrade_x0_table(tmp_path)
    assert "| `c` | real pairs | 20.50 / 20.00 (+0.50) | 20.50 / 20.00 (+0.50) |" in table
    assert "| `c` | face tiles |" in table
    path.write_text(json.dumps({"checkpoint": "c", "real_pairs": x0}) + "\n", encoding="utf-8")
    with pytest.raises(BenchError, match="flipnet_degrade_x0.jsonl"):
        realism_block.degrade_x0_table(tmp_path)
