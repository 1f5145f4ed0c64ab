"""Runs that meet each other or their own leftovers: two processes on one output folder, a resume over a
damaged file, an export re-published from another source, and the reference statistics' validation."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from flipnet_bench.cli import main
from flipnet_bench.errors import BenchError
from flipnet_bench.metrics.frechet import check_gaussian, load_stats
from tests._hostile import REPO
from tests._hostile_outputs import _face_folder, snapshot

_PAUSED_DEGRADE = """
import sys, time
from pathlib import Path
import flipnet_bench.degrade.runner as runner
original = runner._write_chunk
def paused(*args, **kwargs):
    count = original(*args, **kwargs)
    print("wrote a chunk", flush=True)
    while not Path(sys.argv[1]).exists():
        time.sleep(0.05)
    return count
runner._write_chunk = paused
from flipnet_bench.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _degrade_argv(hq: Path, out: Path, *extra: str) -> list[str]:
    return [
        "degrade",
        "--hq",
        str(hq),
        "--out",
        str(out),
        "--seed",
        "1",
        "--batch-size",
        "1",
        "--quiet",
        *extra,
    ]


def test_second_process_on_one_output_folder_is_refused_and_deletes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hq, out, go = _face_folder(tmp_path / "hq"), tmp_path / "out", tmp_path / "go"
    first = subprocess.Popen(
        [sys.executable, "-c", _PAUSED_DEGRADE, str(go), *_degrade_argv(hq, out)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert first.stdout is not None and first.stdout.readline().strip() == "wrote a chunk"
        time.sleep(0.2)  # the chunk's PNG writes are queued on the I/O threads
        during = snapshot(out)
        for extra in ((), ("--overwrite",)):  # resuming and starting clean are both refused meanwhile
            assert main(_degrade_argv(hq, out, *extra)) == 2
            err = capsys.readouterr().err
            assert f"in use by PID {first.pid}" in err and "degrade" in err, err
            assert snapshot(out) == during  # nothing deleted or changed under the running process
    finally:
        go.touch()
        _, first_err = first.communicate(timeout=120)
    assert first.returncode == 0 and "Traceback" not in first_err, first_err[-2000:]
    assert main(_degrade_argv(hq, out)) == 0  # the lock ended with its process
    assert main(_degrade_argv(hq, tmp_path / "fresh")) == 0
    assert snapshot(out) == snapshot(tmp_path / "fresh")


def test_resume_redoes_a_truncated_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hq = _face_folder(tmp_path / "hq")
    argv = ["degrade", "--hq", str(hq), "--seed", "3", "--pairs", "--variants", "2", "--quiet"]
    assert main([*argv, "--out", str(tmp_path / "fresh")]) == 0
    assert main([*argv, "--out", str(tmp_path / "out")]) == 0
    lq, pair_hq = tmp_path / "out" / "lq" / "a_v1.png", tmp_path / "out" / "hq" / "b.png"
    for path in (lq, pair_hq):
        data = path.read_bytes()
        path.unlink()  # the pair's HQ file may be a hard link to the source: never truncate through it
        path.write_bytes(data[: len(data) // 2])
    capsys.readouterr()
    assert main([*argv, "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "2 kept file(s) did not decode" in printed and "a_v1.png" in printed, printed
    assert snapshot(tmp_path / "out") == snapshot(tmp_path / "fresh")
    assert snapshot(hq) == snapshot(_face_folder(tmp_path / "again"))  # the sources were never touched


def test_publish_of_another_source_into_an_export_needs_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hq = _face_folder(tmp_path / "hq")
    for name, seed in (("a", "1"), ("b", "2")):
        assert (
            main(["degrade", "--hq", str(hq), "--out", str(tmp_path / name), "--pairs", "--seed", seed]) == 0
        )
    export = tmp_path / "export"

    def publish(source: str, *extra: str) -> int:
        return main(["publish", str(tmp_path / source), "--repo-id", "me/x", "--to-dir", str(export), *extra])

    assert publish("a") == 0
    first = snapshot(export)
    assert publish("a") == 0 and snapshot(export) == first  # the same source: its own export, replaced
    capsys.readouterr()
    assert publish("b") == 2
    assert "source_sha256" in capsys.readouterr().err
    assert snapshot(export) == first
    assert publish("b", "--overwrite") == 0 and snapshot(export) != first


def test_reference_statistics_validation(tmp_path: Path) -> None:
    """Singular (n < D) float32-saved covariances pass; a negative eigenvalue, NaN or asymmetry does not."""
    rng = np.random.default_rng(1)
    feats = rng.normal(size=(40, 64)).astype(np.float32)
    mu, sigma = feats.mean(0), np.cov(feats, rowvar=False).astype(np.float32)
    np.savez(tmp_path / "ok.npz", mu=mu, sigma=sigma)
    load_stats(tmp_path / "ok.npz")  # rank 39 of 64, rounded to float32: still accepted
    bent = sigma.astype(np.float64) - 0.5 * np.eye(64)  # every eigenvalue shifted down
    for bad, message in ((bent, "positive semi-definite"), (sigma + np.triu(sigma, 1), "not symmetric")):
        with pytest.raises(BenchError, match=message):
            check_gaussian("x.npz", mu, bad)
    with pytest.raises(BenchError, match="non-finite"):
        check_gaussian("x.npz", mu, np.where(np.eye(64) > 0, np.inf, sigma))


@pytest.mark.parametrize(
    "argv",
    [
        ["restore", "--method", "identity", "--lq", "x", "--out", "y", "--seed", str(2**64)],
        ["compare", "a", "b", "--seed", "-1"],
        ["score", "--pred", "p", "--out", "o.json", "--batch-size", "0"],
        ["realism", "--real", "r=x", "--out", "o.json", "--max-images", "0"],
    ],
)
def test_out_of_range_values_stop_at_the_command_line(argv: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2 and argv[-2] in capsys.readouterr().err


def test_flipnet_checkpoint_finds_its_prior_from_any_folder(tmp_path: Path, monkeypatch) -> None:
    from flipnet_bench.models.flipnet.checkpoint import load_flipnet, resolve_prior_path

    monkeypatch.chdir(tmp_path)  # not the project root: "checkpoints/prior-tiny" does not exist here
    checkpoint = REPO / "checkpoints" / "flipnet-tiny"
    assert resolve_prior_path(checkpoint, "checkpoints/prior-tiny") == REPO / "checkpoints" / "prior-tiny"
    assert load_flipnet(checkpoint) is not None
    with pytest.raises(BenchError, match="not found relative to the checkpoint"):
        resolve_prior_path(checkpoint, "checkpoints/no-such-prior")
