"""kill -9 at random points of ``degrade``, ``restore`` and a short restorer training, then resume: the
folder must end up byte-identical (every file, hidden ones included, hence the same DVC hash) to an
uninterrupted run, with no temp file left. The slow test prints the table points × stage → identical.

Compared: (relative path, SHA-256) of every file and the folder's DVC directory hash (``dvc_data``).
A kill point is "after the k-th output exists" (k random) plus a random 0–30 ms, so kills land inside the
work (mid-batch, mid-write), not during interpreter start-up.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from flipnet_bench.cli import main
from flipnet_bench.io import write_image
from flipnet_bench.io.outputs import TEMP_NAME

SEED = int(os.environ.get("FLIPNET_KILL_SEED", "0"))


def folder_listing(folder: Path) -> list[tuple[str, str]]:
    """(relative path, SHA-256) of every file under ``folder``, hidden ones included, sorted: equal listings
    mean equal bytes everywhere, so DVC's directory hash (built from the same names and contents) is equal."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return [(p.relative_to(folder).as_posix(), hashlib.sha256(p.read_bytes()).hexdigest()) for p in files]


def dvc_hash(folder: Path) -> str:
    """The directory hash DVC records for ``folder`` as a stage output (``<md5>.dir``)."""
    import tempfile

    from dvc_data.hashfile.build import build
    from dvc_data.hashfile.db import HashFileDB
    from dvc_objects.fs.local import LocalFileSystem

    fs = LocalFileSystem()
    with tempfile.TemporaryDirectory() as odb_dir:
        _, _, obj = build(HashFileDB(fs, odb_dir), str(folder), fs, "md5")
    return obj.hash_info.value


def _temp_files(folder: Path) -> int:
    return sum(1 for p in folder.rglob(".*") if TEMP_NAME.match(p.name)) if folder.exists() else 0


@dataclass
class Stage:
    name: str
    argv: Callable[[Path], list[str]]  # output folder → command line
    progress: Callable[[Path], int]  # output folder → how far the run got (outputs written, steps saved)
    total: int


def _count_png(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.png")) if folder.exists() else 0


def _saved_step(out: Path) -> int:
    try:
        return int(json.loads((out / "state" / "progress.json").read_text())["step"])
    except (OSError, ValueError, KeyError):
        return 0


_TRAIN = (
    "import sys; from flipnet_bench.train.restorer import RestorerTrainConfig, train_restorer; "
    "train_restorer(sys.argv[1], sys.argv[2], RestorerTrainConfig(steps=int(sys.argv[3]), batch_size=2, "
    "crop=32, channels=(8, 16), checkpoint_every=2))"
)


def make_stages(tmp: Path, n_images: int, train_steps: int) -> dict[str, Stage]:
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0:48, 0:48]
    for i in range(n_images):
        img = np.stack([xx * 4 + i, yy * 5, (xx + yy + 7 * i) % 255], -1) + rng.normal(0, 8, (48, 48, 3))
        write_image(tmp / "hq" / f"face{i:03d}.png", np.clip(img, 0, 255).astype(np.uint8))
    cli = [sys.executable, "-m", "flipnet_bench.cli"]
    return {
        "degrade": Stage(
            "degrade",
            lambda out: [
                *cli,
                "degrade",
                "--hq",
                str(tmp / "hq"),
                "--out",
                str(out),
                "--pairs",
                "--variants",
                "2",
                "--batch-size",
                "3",
                "--seed",
                "5",
                "--quiet",
            ],  # fmt: skip
            lambda out: _count_png(out / "lq"),
            2 * n_images,
        ),
        "restore": Stage(
            "restore",
            lambda out: [
                *cli,
                "restore",
                "--method",
                "identity",
                "--lq",
                str(tmp / "hq"),
                "--out",
                str(out),
                "--batch-size",
                "2",
            ],  # fmt: skip
            _count_png,
            n_images,
        ),
        "train": Stage(
            "train",
            lambda out: [sys.executable, "-c", _TRAIN, str(tmp / "hq"), str(out), str(train_steps)],
            _saved_step,
            train_steps,
        ),
    }


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}


def kill_at(stage: Stage, out: Path, target: int, rng: random.Random) -> tuple[bool, int]:
    """Run ``stage`` into ``out`` and SIGKILL it once its progress reaches ``target`` (+ 0–30 ms).

    Returns (killed, temp files left behind by the kill)."""
    proc = subprocess.Popen(stage.argv(out), env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None and stage.progress(out) < target:
        time.sleep(0.003)
    if proc.poll() is not None:
        return False, 0
    time.sleep(rng.uniform(0, 0.03))
    killed = proc.poll() is None
    if killed:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return killed, _temp_files(out)


def finish(stage: Stage, out: Path) -> None:
    """Run ``stage`` to the end: command-line stages in this process (no start-up cost), others as a child."""
    argv = stage.argv(out)
    if argv[1:3] == ["-m", "flipnet_bench.cli"]:
        assert main(argv[3:]) == 0
        return
    proc = subprocess.run(argv, env=_env(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]


def run_kill_matrix(tmp: Path, points: dict[str, int], n_images: int, train_steps: int) -> list[dict]:
    """For each stage: an uninterrupted reference run, then one folder killed at ``points[stage]`` random
    progress points (resumed after each kill) and finished; one row per kill point."""
    rng = random.Random(SEED)
    stages = make_stages(tmp, n_images, train_steps)
    rows = []
    for name, count in points.items():
        stage = stages[name]
        reference, resumed = tmp / f"{name}-reference", tmp / f"{name}-killed"
        finish(stage, reference)
        targets = sorted(rng.randint(1, stage.total - 1) for _ in range(count))
        kills = [kill_at(stage, resumed, target, rng) for target in targets]
        finish(stage, resumed)
        identical = folder_listing(resumed) == folder_listing(reference)
        hashes = dvc_hash(resumed), dvc_hash(reference)
        for target, (killed, temps) in zip(targets, kills):
            rows.append({"stage": name, "point": target, "killed": killed, "temp_left": temps,
                         "identical": identical, "hash": hashes[0]})  # fmt: skip
        assert _temp_files(resumed) == 0, f"{name}: temp files survived the resume"
        assert identical, f"{name}: resumed folder differs from the uninterrupted one"
        assert hashes[0] == hashes[1], f"{name}: DVC hashes differ {hashes}"
    return rows


def _table(rows: list[dict]) -> str:
    lines = ["| stage | kill point (outputs/steps done) | killed mid-run | temp files left by the kill | "
             "identical after resume | DVC hash (both runs) |", "|---|---|---|---|---|---|"]  # fmt: skip
    for r in rows:
        lines.append(f"| {r['stage']} | {r['point']} | {'yes' if r['killed'] else 'no (finished first)'} | "
                     f"{r['temp_left']} | {'yes' if r['identical'] else 'NO'} | `{r['hash']}` |")  # fmt: skip
    return "\n".join(lines)


def test_degrade_survives_a_kill(tmp_path: Path) -> None:
    """Fast variant for the default run: one kill point in a degrade run."""
    rows = run_kill_matrix(tmp_path, {"degrade": 1}, n_images=6, train_steps=4)
    assert [r["killed"] for r in rows] == [True] and all(r["identical"] for r in rows)


@pytest.mark.slow
def test_kill_minus_nine_at_random_points_resumes_identically(tmp_path: Path) -> None:
    rows = run_kill_matrix(tmp_path, {"degrade": 8, "restore": 8, "train": 6}, n_images=40, train_steps=30)
    print("\n" + _table(rows))
    assert len(rows) >= 20 and sum(r["killed"] for r in rows) >= 20
    assert all(r["identical"] for r in rows)
