"""The held-out curve table of docs/flipnet.md: targets judged against the LQ input's own values, and a bad
record is an error naming its file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flipnet_bench.errors import BenchError
from flipnet_bench.report import curve_block

LQ = {"steps": 0, "lpips": 0.37, "psnr": 26.7, "ssim": 0.85, "ids_dlib": 0.959}


def _write(root: Path, rows: list[dict]) -> None:
    path = root / curve_block.RECORD
    path.parent.mkdir(parents=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_targets_are_judged_against_the_input() -> None:
    met = curve_block.targets_met({"lpips": 0.36, "psnr": 23.7, "ids_dlib": 0.929}, LQ)
    assert met == {"lpips": True, "psnr": True, "ids_dlib": True}
    met = curve_block.targets_met({"lpips": 0.37, "psnr": 23.69, "ids_dlib": 0.928}, LQ)
    assert met == {"lpips": False, "psnr": False, "ids_dlib": False}


def test_table_rows_follow_steps_and_count_targets(tmp_path: Path) -> None:
    late = {"steps": 2000, "lpips": 0.30, "psnr": 24.0, "ssim": 0.8, "ids_dlib": 0.90}
    early = {"steps": 500, "lpips": 0.60, "psnr": 12.0, "ssim": 0.5, "ids_dlib": 0.86}
    _write(tmp_path, [LQ, late, early])
    table = curve_block.curve_table(tmp_path)
    assert table.index("| 500 |") < table.index("| 2,000 |")
    assert "| as published | 500 | 12.00 | 0.5000 | 0.6000 | 0.8600 | 0 of 3 |" in table
    assert "| as published | 2,000 | 24.00 | 0.8000 | 0.3000 | 0.9000 | 2 of 3 (lpips, psnr) |" in table


def test_ablation_rows_follow_the_published_ones(tmp_path: Path) -> None:
    window = {"steps": 250, "lpips": 0.5, "psnr": 13.0, "ssim": 0.6, "ids_dlib": 0.87, "arch": ["w=2"]}
    published = {"steps": 500, "lpips": 0.60, "psnr": 12.0, "ssim": 0.5, "ids_dlib": 0.86, "arch": []}
    other = {**published, "steps": 3000, "design": "tiny-latent"}  # another joint model (--design)
    _write(tmp_path, [LQ, window, other, published])
    table = curve_block.curve_table(tmp_path)
    assert table.index("| as published | 500 |") < table.index("| tiny-latent | 3,000 |")
    assert table.index("| tiny-latent | 3,000 |") < table.index("| w=2 | 250 |")
    assert curve_block.curve_sentence(tmp_path).startswith("after 500 restoration steps")
    assert curve_block.curve_sentence(tmp_path, "tiny-latent").startswith("after 3,000 restoration steps")
    with pytest.raises(BenchError, match="no rows of the design 'sd21'"):
        curve_block.curve_sentence(tmp_path, "sd21")


def test_a_bad_record_names_its_file(tmp_path: Path) -> None:
    _write(tmp_path, [{"steps": 500, "lpips": 0.6}])
    with pytest.raises(BenchError, match="flipnet_curve.jsonl"):
        curve_block.curve_table(tmp_path)
    (tmp_path / curve_block.RECORD).write_text(json.dumps({**LQ, "steps": 5}) + "\n", encoding="utf-8")
    with pytest.raises(BenchError, match="one LQ-input row"):
        curve_block.curve_table(tmp_path)


def test_sentence_reports_the_longest_run(tmp_path: Path) -> None:
    late = {"steps": 2000, "lpips": 0.30, "psnr": 24.0, "ssim": 0.8, "ids_dlib": 0.90}
    early = {"steps": 500, "lpips": 0.60, "psnr": 12.0, "ssim": 0.5, "ids_dlib": 0.86}
    _write(tmp_path, [LQ, late, early])
    text = curve_block.curve_sentence(tmp_path)
    assert text.startswith("after 2,000 restoration steps PSNR 24.00, LPIPS 0.300, ids_dlib 0.900")
    assert "at 500 steps 12.00 / 0.600 / 0.860" in text and text.endswith("2 of the 3 targets met")
    text = curve_block.curve_sentence(tmp_path, steps=500)  # a shipped checkpoint's length, not the longest
    assert text.startswith("after 500 restoration steps PSNR 12.00") and text.endswith(
        "0 of the 3 targets met"
    )
    with pytest.raises(BenchError, match="at 1000 steps"):
        curve_block.curve_sentence(tmp_path, steps=1000)


def test_contrast_counts_the_better_lengths_of_two_designs(tmp_path: Path) -> None:
    row = {"lpips": 0.30, "psnr": 22.0, "ssim": 0.8, "ids_dlib": 0.90}
    a = [
        {**row, "steps": 500, "design": "a", "psnr": 21.0},
        {**row, "steps": 1000, "design": "a", "lpips": 0.29},
    ]
    b = [{**row, "steps": 500, "design": "b"}, {**row, "steps": 1000, "design": "b", "ids_dlib": 0.91},
         {**row, "steps": 1500, "design": "b"}]  # fmt: skip
    _write(tmp_path, [LQ, *a, *b])
    text = curve_block.curve_contrast(tmp_path, "a", "b")
    assert text.startswith("better than `b` at the 2 lengths both were trained to (500–1,000 steps)")
    assert "PSNR at 0, LPIPS at 1, ids_dlib at 0;" in text  # ties are not wins
    assert text.endswith("at 1,000 steps PSNR +0.00 dB, LPIPS -0.010, ids_dlib -0.010")
    with pytest.raises(BenchError, match="no rows of the design 'c'"):
        curve_block.curve_contrast(tmp_path, "a", "c")
    other = tmp_path / "other.jsonl"  # a design in a record of its own, at lengths the first lacks
    other.write_text("".join(json.dumps(r) + "\n" for r in [LQ, {**row, "steps": 2000, "design": "d"}]))
    with pytest.raises(BenchError, match="no restoration length with rows of both"):
        curve_block.curve_contrast(tmp_path, "a", "d", other_record=other)
    other.write_text("".join(json.dumps(r) + "\n" for r in [LQ, {**row, "steps": 1000, "design": "d"}]))
    text = curve_block.curve_contrast(tmp_path, "a", "d", other_record=other)
    assert text.startswith("better than `d` at the 1 lengths both were trained to (1,000–1,000 steps)")
    assert text.endswith("LPIPS -0.010, ids_dlib +0.000")


def test_shipped_sentence_takes_the_length_from_the_shipped_checkpoint(tmp_path: Path) -> None:
    rows = [
        {"steps": n, "lpips": 0.3, "psnr": 20.0 + n / 1000, "ssim": 0.8, "ids_dlib": 0.9} for n in (500, 1000)
    ]
    _write(tmp_path, [LQ, *rows])
    (tmp_path / "params.yaml").write_text("flipnet:\n  restoration: {init: ckpt}\n", encoding="utf-8")
    with pytest.raises(BenchError, match="restoration.json"):
        curve_block.shipped_sentence(tmp_path, curve_block.PUBLISHED)
    (tmp_path / "ckpt").mkdir()
    (tmp_path / "ckpt" / "restoration.json").write_text('{"steps": 500}', encoding="utf-8")
    text = curve_block.shipped_sentence(tmp_path, curve_block.PUBLISHED)
    assert text.startswith("after 500 restoration steps PSNR 20.50")  # not the longest row (1,000)


def test_x0_table_gives_the_gap_per_design_and_step(tmp_path: Path) -> None:
    x0 = {"800": {"right": 21.5, "swapped": 21.2}, "500": {"right": 26.1, "swapped": 26.0}}
    rows = [{"steps": 500, "arch": ["w=2"], "x0_psnr": x0}, {"steps": 1000, "arch": [], "x0_psnr": x0}]
    path = tmp_path / curve_block.X0_RECORD
    path.parent.mkdir(parents=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    table = curve_block.x0_table(tmp_path)
    assert "| as published | 1,000 | 21.50 / 21.20 (+0.30) | 26.10 / 26.00 (+0.10) |" in table
    assert table.index("as published") < table.index("| w=2 | 500 |")
    path.write_text(json.dumps({"steps": 5}) + "\n", encoding="utf-8")
    with pytest.raises(BenchError, match="flipnet_curve_x0.jsonl"):
        curve_block.x0_table(tmp_path)


def test_sampler_table_gives_one_line_per_setting(tmp_path: Path) -> None:
    row = {
        "checkpoint": "c",
        "scheduler": "ddim",
        "sample_steps": 50,
        "samples": 1,
        "start": "noise",
        **LQ,
        "restore_s_per_image": 2,
    }
    path = tmp_path / curve_block.SAMPLER_RECORD
    path.parent.mkdir(parents=True)
    rows = [row, {**row, "scheduler": "dpm"}, {**row, "scheduler": "ddim", "start": "condition"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    table = curve_block.sampler_table(tmp_path)
    assert "| `c` | ddim | 50 | 1 | 26.70 | 0.8500 | 0.3700 | 0.9590 | 2.00 |" in table
    assert table.index("| ddim |") < table.index("| dpm |") and table.count("| ddim |") == 1  # noise only
    path.write_text(json.dumps({"checkpoint": "c"}) + "\n", encoding="utf-8")
    with pytest.raises(BenchError, match="flipnet_sampler.jsonl"):
        curve_block.sampler_table(tmp_path)


def test_targets_summary_counts_the_lengths_that_meet_all_three(tmp_path: Path) -> None:
    d = "x finetune_unet"
    rows = [
        {"steps": 250, "lpips": 0.30, "psnr": 23.8, "ssim": 0.8, "ids_dlib": 0.928, "design": d},  # ids short
        {"steps": 500, "lpips": 0.30, "psnr": 23.8, "ssim": 0.8, "ids_dlib": 0.930, "design": d},
        {"steps": 1000, "lpips": 0.36, "psnr": 23.7, "ssim": 0.8, "ids_dlib": 0.935, "design": d},
        {"steps": 1000, "lpips": 0.30, "psnr": 25.0, "ssim": 0.8, "ids_dlib": 0.95},  # another design
    ]
    _write(tmp_path, [LQ, *rows])
    text = curve_block.targets_summary(tmp_path, d)
    assert text == "all three targets met at 2 of its 3 lengths (500, 1,000 steps)"
    with pytest.raises(BenchError, match="no rows of the design"):
        curve_block.targets_summary(tmp_path, "sd21")


def test_table_of_one_design_keeps_only_its_rows(tmp_path: Path) -> None:
    rows = [
        {"steps": 500, "lpips": 0.30, "psnr": 23.8, "ssim": 0.8, "ids_dlib": 0.93, "design": "a"},
        {"steps": 500, "lpips": 0.40, "psnr": 20.0, "ssim": 0.7, "ids_dlib": 0.90},
    ]
    _write(tmp_path, [LQ, *rows])
    table = curve_block.curve_table(tmp_path, "a")
    assert "| a | 500 |" in table and "as published" not in table and "LQ input" in table
    assert "as published" in curve_block.curve_table(tmp_path)


def test_decoder_and_trajectory_tables_name_each_decoder(tmp_path: Path) -> None:
    from flipnet_bench.report import decoder_block

    _write(tmp_path, [LQ])
    rows = [
        {"checkpoint": "c", "psnr": 24.0, "ssim": 0.8, "lpips": 0.30, "ids_dlib": 0.93},
        {"checkpoint": "c", "decoder": "checkpoints/ae-tiny-latent-decoder-noise", "psnr": 23.0, "ssim": 0.8,
         "lpips": 0.25, "ids_dlib": 0.92},
        {"checkpoint": "c", "decoder": "mine", "psnr": 20.0, "ssim": 0.8, "lpips": 0.40, "ids_dlib": 0.9},
    ]  # fmt: skip
    (tmp_path / decoder_block.RECORD).write_text("".join(json.dumps(r) + "\n" for r in rows))
    table = decoder_block.decoder_table(tmp_path).splitlines()
    assert table[3].startswith("| `c` | the prior's own") and table[3].endswith(
        "| 3 of 3 (lpips, psnr, ids_dlib) |"
    )
    assert "`checkpoints/ae-tiny-latent-decoder-noise`" in table[4] and table[4].endswith(
        "| 1 of 3 (lpips) |"
    )
    assert table[5].startswith("| `c` | `mine` | 20.00 |") and table[5].endswith("| 0 of 3 |")
    text = decoder_block.decoder_sentence(tmp_path, "c", "mine")
    assert text.startswith("PSNR 20.00, LPIPS 0.400, ids_dlib 0.900 against the input's 26.70")
    assert text.endswith("0 of the 3 targets met")
    assert decoder_block.decoder_sentence(tmp_path, "c", None).endswith("met (lpips, psnr, ids_dlib)")
    with pytest.raises(BenchError, match="no row of c decoded by other"):
        decoder_block.decoder_sentence(tmp_path, "c", "other")
    traj = {"checkpoint": "c", "faces": 4, "psnr": {"HQ through the autoencoder": 26.0, "sample": 24.5},
            "latent_error": 0.2}  # fmt: skip
    (tmp_path / decoder_block.TRAJECTORY).write_text(json.dumps(traj) + "\n")
    lines = decoder_block.trajectory_table(tmp_path).splitlines()
    assert lines[1] == (
        "| checkpoint | decoder | faces | HQ through the autoencoder, dB | sample, dB "
        "| sample's latent error |"
    )
    assert lines[3].endswith("| 4 | 26.00 | 24.50 | 0.200 |")
    (tmp_path / decoder_block.TRAJECTORY).write_text("{}\n")
    with pytest.raises(BenchError, match="flipnet_trajectory.jsonl"):
        decoder_block.trajectory_table(tmp_path)
