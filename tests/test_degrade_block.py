"""docs/flipnet.md's degradation-mode tables: rows in order of design and length, the numbers in the right
columns, and a bad record is an error naming its file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flipnet_bench.errors import BenchError
from flipnet_bench.report import degrade_block


def _write(root: Path, record: Path, rows: list[dict]) -> None:
    path = root / record
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _x0(right: float, swapped: float) -> dict:
    return {t: {"right": right, "swapped": swapped} for t in ("800", "500", "200")}


def test_curve_rows_are_ordered_published_first_then_by_length(tmp_path: Path) -> None:
    rows = [
        {"steps": 500, "arch": ["boosthub_window=2"], "face_tiles": _x0(20, 18), "real_pairs": _x0(19, 13)},
        {"steps": 1000, "arch": [], "face_tiles": _x0(18.5, 17.5), "real_pairs": _x0(17, 13)},
        {"steps": 250, "arch": [], "face_tiles": _x0(18, 17.5), "real_pairs": _x0(17, 14)},
        {"steps": 250, "arch": ["boosthub_window=2"], "design": "ae-3000", "face_tiles": _x0(20, 19)},
    ]
    rows[-1]["real_pairs"] = _x0(21, 14)
    _write(tmp_path, degrade_block.CURVE_RECORD, rows)
    table = degrade_block.degrade_curve_table(tmp_path)
    lines = [line for line in table.splitlines() if line.startswith("| ")]
    assert lines[1].startswith("| global (published) | 250 | face tiles | 18.00 / 17.50 (+0.50) |")
    assert lines[2].startswith("| global (published) | 250 | real pairs | 17.00 / 14.00 (+3.00) |")
    assert lines[3].startswith("| global (published) | 1,000 | face tiles |")
    assert lines[5].startswith("| boosthub_window=2 | 500 | face tiles | 20.00 / 18.00 (+2.00) |")
    assert lines[7].startswith("| ae-3000: boosthub_window=2 | 250 | face tiles | 20.00 / 19.00 (+1.00) |")
    del rows[0]["steps"]
    _write(tmp_path, degrade_block.CURVE_RECORD, rows)
    with pytest.raises(BenchError, match="flipnet_degrade_curve.jsonl"):
        degrade_block.degrade_curve_table(tmp_path)


def test_ae_table_puts_each_number_in_its_column(tmp_path: Path) -> None:
    def part(psnr: float, kept: float) -> dict:
        return {"psnr_clean": psnr, "kept": kept, "cosine": kept + 0.1}

    row = {"label": "ae", "synthetic": part(25, 0.9), "face_tiles": part(23, 0.8)}
    row["real_pairs"] = part(21, 0.2)
    _write(tmp_path, degrade_block.AE_RECORD, [row])
    assert "| ae | 25.00 | 23.00 | 21.00 | 0.90 | 0.80 | 0.20 (0.30) |" in degrade_block.ae_table(tmp_path)
    del row["face_tiles"]  # a row made without --faces cannot fill the table
    _write(tmp_path, degrade_block.AE_RECORD, [row])
    with pytest.raises(BenchError, match="ae_degradation.jsonl"):
        degrade_block.ae_table(tmp_path)


def test_resample_rows_are_named_by_their_label(tmp_path: Path) -> None:
    row = {"decoder": "d", "psnr": 21.5, "ssim": 0.8, "lpips": 0.3, "ids_dlib": 0.9}
    _write(tmp_path, degrade_block.DECODER_RECORD, [row])
    table = degrade_block.resample_table(tmp_path, degrade_block.DECODER_RECORD, "decoder", "decoder")
    assert "| d | 21.50 | 0.8000 | 0.3000 | 0.9000 |" in table
    with pytest.raises(BenchError, match="flipnet_decoder_probe.jsonl"):  # a row without the label
        degrade_block.resample_table(tmp_path, degrade_block.DECODER_RECORD, "run", "checkpoint")
