"""``flipnet-bench degrade``: outputs, metadata, resume, byte-identical re-runs, thread and process counts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from flipnet_bench.cli import main
from flipnet_bench.degrade import create_degradation
from flipnet_bench.io import read_image, to_tensor, write_image

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def hq_dir(tmp_path: Path) -> Path:
    rng = np.random.default_rng(1)
    folder = tmp_path / "hq"
    yy, xx = np.mgrid[0:48, 0:40]
    for i in range(7):
        img = np.stack([xx * 5 + i * 9, yy * 4, (xx * yy) % 255], -1) + rng.normal(0, 6, (48, 40, 3))
        write_image(folder / f"face{i}.{'jpg' if i == 2 else 'png'}", np.clip(img, 0, 255).astype(np.uint8))
    return folder


def _files(folder: Path) -> dict[str, bytes]:
    """Every output file's bytes (the internal resume records in .params/ excluded)."""
    files = {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    return {k: v for k, v in files.items() if not k.startswith(".params")}


def _run(*args: str | Path) -> int:
    return main(["degrade", *map(str, args), "--quiet"])


def test_writes_lq_with_same_stems_and_metadata(hq_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _run("--hq", hq_dir, "--out", out, "--seed", 3) == 0
    names = sorted(p.name for p in out.glob("*.png"))
    assert names == [f"face{i}.png" for i in range(7)]
    assert read_image(out / "face0.png").shape == (48, 40, 3)
    table = pd.read_parquet(out / "metadata.parquet")
    assert list(table.columns[:9]) == ["file", "source", "model", "preset", "seed", "index", "variant",
                                       "call_seed", "params"]  # fmt: skip
    assert table["file"].tolist() == names and table["index"].tolist() == list(range(7))
    assert table["source"][2] == "face2.jpg" and set(table["preset"]) == {"gfpgan"}
    params = json.loads(table["params"][0])
    assert {"kernel", "scale", "noise_sigma", "jpeg_quality"} <= set(params)
    pd.testing.assert_frame_equal(pd.read_csv(out / "metadata.csv"), table)
    # the recorded parameters regenerate the file exactly (files go through the OpenCV chain)
    deg = create_degradation("classic", preset="gfpgan")
    replayed = deg.apply_pixels(read_image(hq_dir / "face4.png"), json.loads(table["params"][4]))
    assert np.array_equal(replayed, read_image(out / "face4.png"))


def test_rerun_is_byte_identical_for_any_batch_size_and_resumes(hq_dir: Path, tmp_path: Path) -> None:
    first, second, third = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    _run("--hq", hq_dir, "--out", first, "--seed", 9, "--batch-size", 3)
    _run("--hq", hq_dir, "--out", second, "--seed", 9, "--batch-size", 1, "--io-workers", 0)
    _run("--hq", hq_dir, "--out", third, "--seed", 9, "--batch-size", 2, "--io-workers", 3)
    reference = _files(first)
    assert _files(second) == reference and _files(third) == reference
    (first / "face5.png").unlink()
    (first / "metadata.parquet").unlink()
    before = (first / "face1.png").stat().st_mtime_ns
    _run("--hq", hq_dir, "--out", first, "--seed", 9, "--batch-size", 4)
    assert _files(first) == reference
    assert (first / "face1.png").stat().st_mtime_ns == before  # finished files are not redone


def test_variants_and_pair_layout(hq_dir: Path, tmp_path: Path) -> None:
    single, pairs = tmp_path / "single", tmp_path / "pairs"
    _run("--hq", hq_dir, "--out", single, "--seed", 4)
    _run("--hq", hq_dir, "--out", pairs, "--seed", 4, "--variants", 2, "--pairs")
    lq_names = sorted(p.name for p in (pairs / "lq").glob("*.png"))
    assert lq_names == sorted(f"face{i}_v{k}.png" for i in range(7) for k in range(2))
    assert sorted(p.name for p in (pairs / "hq").glob("*.png")) == [f"face{i}.png" for i in range(7)]
    assert (pairs / "hq" / "face1.png").read_bytes() == (hq_dir / "face1.png").read_bytes()
    assert np.array_equal(read_image(pairs / "hq" / "face2.png"), read_image(hq_dir / "face2.jpg"))
    # variant 0 uses the run seed itself; variant 1 differs
    assert (pairs / "lq" / "face3_v0.png").read_bytes() == (single / "face3.png").read_bytes()
    assert (pairs / "lq" / "face3_v1.png").read_bytes() != (single / "face3.png").read_bytes()
    table = pd.read_parquet(pairs / "metadata.parquet")
    assert table["hq"].tolist() == [f"face{i}.png" for i in range(7) for _ in range(2)]
    assert set(table["variant"]) == {0, 1} and table["lq"].tolist() == table["file"].tolist()
    # the data helper's pair-folder reader accepts the layout
    from flipnet_bench.data.hub import match_pairs, read_metadata, resolve_pair_folder

    folder = resolve_pair_folder(pairs)
    matched = match_pairs(folder, read_metadata(folder.metadata))
    assert [(lq.name, hq.name) for lq, hq in matched][:2] == [
        ("face0_v0.png", "face0.png"),
        ("face0_v1.png", "face0.png"),
    ]


def test_params_file_and_overrides(hq_dir: Path, tmp_path: Path) -> None:
    params = tmp_path / "params.yaml"
    params.write_text("degrade:\n  preset: codeformer\n  seed: 5\n  overrides: {noise_range: [0, 2]}\n")
    out = tmp_path / "out"
    assert _run("--hq", hq_dir, "--out", out, "--params", params, "--set", "jpeg_range=[40, 41]") == 0
    table = pd.read_parquet(out / "metadata.parquet")
    assert set(table["preset"]) == {"codeformer"} and set(table["seed"]) == {5}
    drawn = [json.loads(p) for p in table["params"]]
    assert all(d["noise_sigma"] <= 2 and d["jpeg_quality"] in (40, 41) for d in drawn)


def test_user_errors_exit_2_with_a_message(
    hq_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert _run("--hq", hq_dir, "--out", tmp_path / "o", "--set", "blur_sigmaa=[1,2]") == 2
    assert "did you mean 'blur_sigma'" in capsys.readouterr().err
    assert _run("--hq", hq_dir, "--out", tmp_path / "o", "--checkpoint", "x.safetensors") == 2
    assert "--checkpoint applies to learned degradations" in capsys.readouterr().err
    assert _run("--hq", tmp_path / "missing", "--out", tmp_path / "o") == 2
    assert "not a folder" in capsys.readouterr().err
    assert _run("--model", "realesrgan", "--preset", "gfpgan", "--hq", hq_dir, "--out", tmp_path / "o") == 2


def test_thread_count_does_not_change_the_output(hq_dir: Path) -> None:
    hq = to_tensor([read_image(p) for p in sorted(hq_dir.glob("*.png"))])
    results = []
    previous = torch.get_num_threads()
    try:
        for threads in (1, 2):
            torch.set_num_threads(threads)
            for model in ("classic", "realesrgan"):
                results.append(create_degradation(model)(hq, list(range(len(hq))), seed=2)[0])
            assert torch.get_num_threads() == threads  # the caller's setting is restored
    finally:
        torch.set_num_threads(previous)
    assert torch.equal(results[0], results[2]) and torch.equal(results[1], results[3])


@pytest.mark.skipif(shutil.which("accelerate") is None and not (Path(sys.prefix) / "bin/accelerate").exists(),
                    reason="accelerate CLI not installed")  # fmt: skip
def test_two_processes_write_the_same_bytes_as_one(hq_dir: Path, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    _run("--hq", hq_dir, "--out", one, "--seed", 6, "--variants", 2, "--pairs")
    launcher = shutil.which("accelerate") or str(Path(sys.prefix) / "bin/accelerate")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [launcher, "launch", "--cpu", "--num_processes", "2", "--num_machines", "1",
           "--mixed_precision", "no", "--dynamo_backend", "no", "-m", "flipnet_bench.cli", "degrade",
           "--hq", str(hq_dir), "--out", str(two), "--seed", "6", "--variants", "2", "--pairs",
           "--batch-size", "2", "--quiet"]  # fmt: skip
    subprocess.run(cmd, check=True, env=env, cwd=REPO, capture_output=True, timeout=300)
    assert _files(two) == _files(one)


def test_mixed_sizes_and_lenient_inputs(hq_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    write_image(hq_dir / "small.png", np.full((20, 36, 3), 120, np.uint8))
    (hq_dir / "broken.png").write_bytes(b"not a png")
    assert _run("--hq", hq_dir, "--out", tmp_path / "strict") == 2
    assert "broken.png" in capsys.readouterr().err
    out = tmp_path / "lenient"
    assert _run("--hq", hq_dir, "--out", out, "--lenient", "--batch-size", 4) == 0
    assert read_image(out / "small.png").shape == (20, 36, 3)
    assert not (out / "broken.png").exists()
    assert "skipped" in capsys.readouterr().out
