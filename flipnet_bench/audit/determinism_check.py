"""Determinism: re-run a sample of the pipeline's synthesis and restoration work and compare with the stored
images — byte-identical pixels on CPU, within :data:`GPU_TOLERANCE` when either run used a GPU.

* Synthesis (``out/synth/<model>`` and the synthetic test pairs): each sampled LQ file is degraded again from
  its HQ partner with the recorded ``index`` and ``call_seed`` (``metadata.parquet``) and the model rebuilt
  from the recorded configuration (``params.json``), through the recorded ``backend`` (a record without one
  was written by the tensor path); the re-drawn parameters must equal the recorded ones too.
* Restoration (``out/restored/<set>/<method>``): the method is rebuilt from params exactly as the restore
  stage does, must describe itself as ``run.json`` recorded, and re-restores the sampled LQ images with the
  recorded seed.

Sampled images of one folder run as one batch: the method and degradation contracts promise outputs that do
not depend on batching, so a batch-size dependence is reported as non-determinism, as it should be.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from flipnet_bench.audit.base import AuditContext, CheckResult, rel, summarize
from flipnet_bench.errors import BenchError
from flipnet_bench.report.layout import OUT_DIR

#: Allowed difference (in 8-bit gray levels) when the stored or the re-run images come from a GPU, whose
#: kernels are not bit-reproducible across runs or cards: mean |Δ| and largest |Δ| over an image.
GPU_TOLERANCE = {"mean": 0.5, "max": 4}
#: The degradation configuration ``degrade`` writes beside its outputs (older runs: degradation.json).
CONFIG_FILES = ("params.json", "degradation.json")
#: Keys of that record that are run settings, not the model's configuration.
RUN_KEYS = ("seed", "variants", "backend")


def compare_pixels(stored: np.ndarray, rerun: np.ndarray, exact: bool) -> str | None:
    """None when equal (or within the GPU tolerance); otherwise how they differ."""
    if stored.shape != rerun.shape:
        return f"shape {stored.shape} stored, {rerun.shape} re-run"
    diff = np.abs(stored.astype(np.int16) - rerun.astype(np.int16))
    if not diff.any():
        return None
    stats = (
        f"{int((diff > 0).any(axis=-1).sum())} pixels differ, max {int(diff.max())}, mean {diff.mean():.3f}"
    )
    if exact:
        return stats
    if diff.mean() <= GPU_TOLERANCE["mean"] and diff.max() <= GPU_TOLERANCE["max"]:
        return None
    return f"{stats} (GPU tolerance: mean {GPU_TOLERANCE['mean']}, max {GPU_TOLERANCE['max']})"


def _canon(value: Any) -> Any:
    return json.loads(json.dumps(value, sort_keys=True))


# ---------------------------------------------------------------- synthesis


def synth_folders(ctx: AuditContext) -> dict[str, Path]:
    """Subject → pair folder written by ``degrade`` (the synth stages and the synthetic test set)."""
    from flipnet_bench.data.registry import get_dataset
    from flipnet_bench.report.layout import synth_dir

    out = OUT_DIR
    folders = {f"synth/{m}": ctx.root / synth_dir(out, m) for m in ctx.params("synth").all_models()}
    name = f"synthetic-celeba-test-style@{ctx.params('prepare').source}"
    try:
        folders[name] = ctx.root / get_dataset(name, ctx.params("data")).root
    except BenchError:
        pass
    return {k: v for k, v in folders.items() if config_file(v) is not None}


def config_file(folder: Path) -> Path | None:
    return next((folder / n for n in CONFIG_FILES if (folder / n).is_file()), None)


def rebuild_degradation(desc: dict[str, Any]) -> Any:
    """The degradation model a folder was written with, from its recorded configuration."""
    from flipnet_bench.degrade import create_degradation

    model = desc["model"]
    kwargs = {k: v for k, v in desc.items() if k not in ("model", "config", *RUN_KEYS)}
    if model == "realesrgan":
        kwargs.pop("preset", None)  # one fixed preset; its settings are all in "config"
    kwargs.update(desc.get("config") or {})
    return create_degradation(model, **kwargs)


def _synth_one(ctx: AuditContext, subject: str, folder: Path, exact: bool) -> CheckResult:
    import pandas as pd

    from flipnet_bench.io import read_image, to_tensor, to_uint8

    config = config_file(folder)
    desc = json.loads(config.read_text(encoding="utf-8"))
    deg = rebuild_degradation(desc)
    recorded_cfg = {k: v for k, v in desc.items() if k not in RUN_KEYS}
    if _canon(deg.describe()) != _canon(recorded_cfg):
        return CheckResult(
            "determinism",
            subject,
            "fail",
            f"{desc['model']} now builds another configuration than {config.name} records "
            "(code or preset changed since the run)",
            [rel(config, ctx.root)],
        )
    table = pd.read_parquet(folder / "metadata.parquet")
    rows = ctx.sample([r for _, r in table.iterrows()], subject)
    pairs = (folder / "lq").is_dir()
    lq_dir, hq_dir = (folder / "lq", folder / "hq") if pairs else (folder, None)
    if hq_dir is None:
        return CheckResult(
            "determinism", subject, "skip", "not a pair folder: the HQ sources are not beside it"
        )
    problems = []
    groups: dict[tuple[int, tuple[int, ...]], list[tuple[Any, np.ndarray]]] = {}
    for row in rows:
        hq = read_image(hq_dir / str(row.get("hq", row.get("hq_file", row["file"]))))
        groups.setdefault((int(row["call_seed"]), hq.shape), []).append((row, hq))
    for (call_seed, _), group in groups.items():
        indices = [int(r["index"]) for r, _ in group]
        if desc.get("backend", "torch") == "cv2":
            made = [deg.degrade_pixels(hq, i, call_seed) for (_, hq), i in zip(group, indices)]
            images, params = [m[0] for m in made], [m[1] for m in made]
        else:
            lq, params = deg(to_tensor([hq for _, hq in group]), indices, seed=call_seed)
            images = list(to_uint8(lq))
        for (row, _), image, drawn in zip(group, images, params):
            name = rel(lq_dir / row["file"], ctx.root)
            if _canon(drawn) != _canon(json.loads(row["params"])):
                problems.append(f"{name}: re-drawn parameters differ from metadata.parquet")
            why = compare_pixels(read_image(lq_dir / row["file"]), image, exact)
            if why:
                problems.append(f"{name}: {why}")
    return _row(subject, problems, len(rows), exact)


def _row(subject: str, problems: list[str], n: int, exact: bool) -> CheckResult:
    how = "byte-identical pixels" if exact else "within the GPU tolerance"
    if problems:
        return CheckResult(
            "determinism",
            subject,
            "fail",
            f"{len(problems)} of {n} re-run image(s) differ: {summarize(problems, 2)}",
            problems,
        )
    return CheckResult("determinism", subject, "pass", f"{n} image(s) re-run: {how}")


# ---------------------------------------------------------------- restoration


def restored_folders(ctx: AuditContext) -> list[tuple[str, str, Path]]:
    from flipnet_bench.report.layout import restored_dir

    pipe, methods = ctx.params("pipeline"), ctx.params("methods")
    names = list(dict.fromkeys([*pipe.all_methods(), *methods.external]))
    return [(a, m, ctx.root / restored_dir(OUT_DIR, a, m)) for a in pipe.sets for m in names]


def build_pipeline_method(ctx: AuditContext, alias: str, name: str) -> Any:
    """The method exactly as ``pipelines/restore.py`` builds it for ``restore@<alias>-<name>``."""
    from flipnet_bench.methods.stage import stage_method, stage_options

    entry = ctx.params("methods").entry(name)
    options = stage_options(entry, alias)
    key = ("method", entry.type, json.dumps(options, sort_keys=True, default=str))
    if key not in ctx.memo:  # one model load per method, not per test set
        ctx.memo[key] = stage_method(ctx.params("methods"), name, alias, ctx.params)[0]
    return ctx.memo[key], entry


def _restore_one(ctx: AuditContext, alias: str, name: str, folder: Path, exact: bool) -> CheckResult:
    from flipnet_bench.io import list_images, read_image, stem_key, to_tensor, to_uint8
    from flipnet_bench.methods import check_restored
    from flipnet_bench.methods.run import RUN_FILE
    from flipnet_bench.report.layout import resolve_set

    subject = f"restore {alias}/{name}"
    run_file = folder / RUN_FILE
    if not run_file.is_file():
        return CheckResult(
            "determinism",
            subject,
            "fail",
            f"{rel(folder, ctx.root)} has no {RUN_FILE}: not restored by this pipeline; run `dvc repro`",
            [rel(folder, ctx.root)],
        )
    record = json.loads(run_file.read_text(encoding="utf-8"))
    if not record.get("complete"):
        return CheckResult(
            "determinism",
            subject,
            "fail",
            f"{rel(run_file, ctx.root)}: run did not complete",
            [rel(run_file, ctx.root)],
        )
    method, entry = build_pipeline_method(ctx, alias, name)
    if _canon(method.describe()) != _canon(record.get("method")):
        return CheckResult(
            "determinism",
            subject,
            "fail",
            "the method params/checkpoint now describe "
            f"{method.describe()}, {RUN_FILE} recorded {record.get('method')}",
            [rel(run_file, ctx.root)],
        )
    test_set = resolve_set(alias, ctx.params("pipeline").sets, ctx.params("data"))
    lq_root = ctx.root / test_set.lq_dir
    lq_files = {stem_key(lq_root, p): p for p in list_images(lq_root, recursive=True)}
    outputs = {stem_key(folder, p): p for p in list_images(folder, recursive=True)}
    keys = ctx.sample(sorted(outputs), subject)
    problems = [
        f"{rel(outputs[k], ctx.root)}: no LQ input {k} in {test_set.lq_dir}"
        for k in keys
        if k not in lq_files
    ]
    by_shape: dict[tuple[int, ...], list[tuple[str, np.ndarray]]] = {}
    for key in (k for k in keys if k in lq_files):
        image = read_image(lq_files[key])
        by_shape.setdefault(image.shape, []).append((key, image))
    seed = int(record.get("seed", entry.seed))
    for batch in by_shape.values():
        batch_keys = [k for k, _ in batch]
        lq = to_tensor([img for _, img in batch])
        restored = check_restored(name, lq, method.restore(lq, batch_keys, seed), batch_keys)
        for key, image in zip(batch_keys, to_uint8(restored)):
            why = compare_pixels(read_image(outputs[key]), image, exact)
            if why:
                problems.append(f"{rel(outputs[key], ctx.root)}: {why}")
    return _row(subject, problems, len(keys), exact)


def _exact(ctx: AuditContext, recorded_device: str | None = None) -> bool:
    return ctx.environment["device"]["type"] == "cpu" and recorded_device in (None, "cpu")


def _recorded_device(ctx: AuditContext, alias: str, name: str) -> str | None:
    from flipnet_bench.audit.environment_check import environment_file

    path = environment_file(ctx, alias, name)
    try:
        return json.loads(path.read_text(encoding="utf-8"))["device"]["type"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def check(ctx: AuditContext) -> list[CheckResult]:
    rows = []
    jobs: list[tuple[str, Any]] = []
    for subject, folder in synth_folders(ctx).items():
        jobs.append((subject, lambda s=subject, f=folder: _synth_one(ctx, s, f, _exact(ctx))))
    for alias, name, folder in restored_folders(ctx):
        if not folder.is_dir():
            continue  # not part of this run's matrix output; dvc status reports missing outputs
        exact = _exact(ctx, _recorded_device(ctx, alias, name))
        jobs.append(
            (
                f"restore {alias}/{name}",
                lambda a=alias, n=name, f=folder, e=exact: _restore_one(ctx, a, n, f, e),
            )
        )
    for subject, job in ctx.bar(jobs, "determinism"):
        start = time.perf_counter()
        try:
            row = job()
        except BenchError as exc:
            row = CheckResult("determinism", subject, "fail", f"could not re-run: {exc}", [subject])
        row.seconds = time.perf_counter() - start
        rows.append(row)
    if not rows:
        rows.append(
            CheckResult(
                "determinism",
                "outputs",
                "fail",
                "no synthesized or restored outputs to re-run: run `dvc repro` first",
            )
        )
    return rows
