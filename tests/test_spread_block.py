"""docs/flipnet.md's sample-spread tables: each number in its column, a missing mean shown as "–", and a bad
record is an error naming its file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flipnet_bench.errors import BenchError
from flipnet_bench.report import spread_block


def _scores(psnr: float) -> dict:
    return {"psnr": psnr, "lpips": 0.3, "ids_dlib": 0.9, "ssim": 0.8}


def _write(root: Path, rows: list[dict]) -> None:
    path = root / spread_block.RECORD
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _row() -> dict:
    return {
        "label": "ckpt",
        "samples": 4,
        "sample_0": _scores(21.0),
        "single_mean_over_seeds": _scores(21.5),
        "means": {"2": _scores(22.0), "4": _scores(22.5)},
        "one_pass": _scores(21.25),
        "mse_sample": 0.012,
        "spread": 0.003,
        "mse_mean_inf": 0.009,
        "mse_sample_db": 19.21,
        "spread_db": 25.23,
        "mse_mean_inf_db": 20.46,
    }


def test_tables_put_each_number_in_its_column(tmp_path: Path) -> None:
    _write(tmp_path, [_row()])
    table = spread_block.spread_table(tmp_path)
    assert (
        "| ckpt | 21.00 / 0.300 / 0.900 | 21.50 / 0.300 / 0.900 (4) | 22.00 / 0.300 / 0.900 "
        "| 22.50 / 0.300 / 0.900 | – | 21.25 / 0.300 / 0.900 |" in table
    )
    assert "| ckpt | 19.21 | 20.46 | 25.23 | 25% |" in spread_block.split_table(tmp_path)


def test_a_row_without_its_split_is_an_error_naming_the_record(tmp_path: Path) -> None:
    row = _row()
    del row["spread"]
    _write(tmp_path, [row])
    with pytest.raises(BenchError, match="flipnet_sample_spread.jsonl"):
        spread_block.split_table(tmp_path)


def test_the_probe_table_puts_the_round_trips_first_and_each_run_by_length(tmp_path: Path) -> None:
    path = tmp_path / spread_block.PROBE_RECORD
    path.parent.mkdir(parents=True, exist_ok=True)

    def run(trainable: str, steps: int, psnr: float, arch: list[str]) -> dict:
        return {"trainable": trainable, "trainable_params": 1_370_000, "steps": steps, "train_s": 12.4,
                "arch": arch, **_scores(psnr)}  # fmt: skip

    rows = [
        {**run("unet", 250, 23.0, []), "timesteps": "all"},
        run("unet", 500, 24.0, []),
        run("adapters", 250, 22.0, ["boosthub_window=1"]),
        {**run("adapters", 0, 21.5, []), "sample": _scores(22.0)},
        {"row": "round trip of the LQ", **_scores(24.8)},
        {"row": "round trip of the HQ", **_scores(28.8)},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    lines = spread_block.probe_table(tmp_path).strip().splitlines()[2:]
    assert lines[0] == "| round trip of the HQ | – | – | 28.80 | 0.300 | 0.900 | – | – |"
    assert lines[1].startswith("| round trip of the LQ | – | – | 24.80 |")
    adapters = spread_block.PROBE_TRAINS["adapters"]
    sample = "22.00 / 0.300 / 0.900"
    assert lines[2] == f"| {adapters} | the base | 1.37 M | 21.50 | 0.300 | 0.900 | {sample} | 12 |"
    cells = lines[3].split(" | ")[:5]
    assert cells == [f"| {adapters}, boosthub_window=1", "250", "1.37 M", "22.00", "0.300"]
    assert lines[3].endswith("| – | 12 |")
    unet = spread_block.PROBE_TRAINS["unet"]
    assert lines[4].startswith(f"| {unet} | 500 |")
    assert lines[5].startswith(f"| {unet}, timesteps drawn over the schedule | 250 |")
    path.write_text(json.dumps({"trainable": "adapters", "steps": 0}) + "\n", encoding="utf-8")
    with pytest.raises(BenchError, match="flipnet_regression_probe.jsonl"):
        spread_block.probe_table(tmp_path)
