"""A training output folder is the same bytes in every process: the pipeline content-hashes it (dvc.lock,
and the checkpoint fingerprint of every restored folder), so nothing in it may depend on the process's global
RNG state, working directory, hash seed or clock — except the documented per-step timings (``TIME_FILE``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from flipnet_bench.io import write_image
from flipnet_bench.train.common import STATE_DIR, TIME_FILE

# argv: mode, kind, faces. "disturb" first moves Python's and NumPy's global generators to a process-specific
# state, as any earlier import or library call might; then a training run writes into ./run.
SCRIPT = """
import os, random, sys
import numpy as np
mode, kind, faces = sys.argv[1:4]
if mode == "disturb":
    random.seed(os.urandom(16))
    np.random.seed(os.getpid())
    np.random.random(7)
if kind == "loop":
    import torch
    from flipnet_bench.train.common import LoopConfig, run_loop
    torch.manual_seed(1)
    model = torch.nn.Linear(3, 2)
    def step_fn(m, step, gen):
        x = torch.randn(4, 3, generator=gen)
        return {"loss": m(x).square().mean()}
    cfg = LoopConfig(out="run", steps=3, lr=1e-2, seed=5, warmup=1, save_every=2, ema_decay=0.9)
    run_loop(cfg, model, step_fn)
else:
    from flipnet_bench.train.prior import PriorTrainConfig, train_prior
    cfg = PriorTrainConfig(config="micro", steps=3, batch_size=2, warmup=1, save_every=2, seed=5)
    train_prior(faces, "run", cfg)
"""


def _files(folder: Path) -> dict[str, bytes]:
    files = (p for p in sorted(folder.rglob("*")) if p.is_file())
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in files}


def _train_twice(tmp_path: Path, kind: str) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The same run in two fresh processes (in parallel), the second disturbed and in a deeper directory."""
    faces = tmp_path / "faces"
    rng = np.random.default_rng(0)
    for i in range(4):
        write_image(faces / f"f{i}.png", rng.integers(0, 256, (16, 16, 3), dtype=np.uint8))
    runs = {"plain": tmp_path / "first", "disturb": tmp_path / "second" / "deeper"}
    procs = []
    for k, (mode, cwd) in enumerate(runs.items()):
        cwd.mkdir(parents=True)
        env = {**os.environ, "PYTHONHASHSEED": str(k), "OMP_NUM_THREADS": "1", "TQDM_DISABLE": "1"}
        cmd = [sys.executable, "-c", SCRIPT, mode, kind, str(faces)]
        pipe = subprocess.PIPE
        procs.append(subprocess.Popen(cmd, cwd=cwd, env=env, stdout=pipe, stderr=subprocess.STDOUT))
    for proc in procs:
        output = proc.communicate(timeout=300)[0].decode(errors="replace")
        assert proc.returncode == 0, output[-2000:]
    first, second = (_files(cwd / "run") for cwd in runs.values())
    return first, second


def _assert_identical_but_timings(first: dict[str, bytes], second: dict[str, bytes]) -> None:
    assert f"{STATE_DIR}/random_states_0.pkl" in first  # the accelerate RNG pickle, compared too
    assert TIME_FILE in first
    assert first.keys() == second.keys()
    differing = sorted(name for name in first if first[name] != second[name])
    assert differing in ([], [TIME_FILE]), differing


def test_run_loop_output_is_byte_identical_across_processes(tmp_path: Path):
    first, second = _train_twice(tmp_path, "loop")
    assert f"{STATE_DIR}/ema.safetensors" in first
    _assert_identical_but_timings(first, second)


@pytest.mark.slow
def test_prior_training_output_is_byte_identical_across_processes(tmp_path: Path):
    # Also covers the exported checkpoint (its safetensors metadata order once varied per process).
    first, second = _train_twice(tmp_path, "prior")
    assert "model.safetensors" in first
    _assert_identical_but_timings(first, second)
