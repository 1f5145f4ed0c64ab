"""Degrade an HQ folder into LQ images plus a metadata table: resumable, sharded, byte-reproducible.

Image ``i`` (its position in the sorted HQ listing) and variant ``k`` always get run seed
``variant_seed(seed, k)`` and index ``i``, so the bytes written do not depend on batch size or on how many
processes share the work (process ``r`` of ``w`` takes the images with ``i % w == r``). Each output is written
atomically after its parameter record (one JSON per call in ``OUT/.params/``, keyed by file name); a re-run
skips files that have both, and the metadata is rebuilt from the records (merged at the end into one file of
fixed name: :mod:`flipnet_bench.degrade.records`). The folder is claimed through
:mod:`flipnet_bench.io.outputs` (settings record; other settings refuse).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from flipnet_bench.degrade.base import Degradation, variant_seed
from flipnet_bench.degrade.records import load_records, merge_records, write_call_record
from flipnet_bench.errors import BenchError
from flipnet_bench.io import (
    ImageReadError,
    Skipped,
    atomic_path,
    list_images,
    stem_key,
    to_tensor,
    to_uint8,
    write_json,
)
from flipnet_bench.io.names import safe_name
from flipnet_bench.io.outputs import claim_output
from flipnet_bench.io.overlap import ImageIOPool

PARAMS_DIR = ".params"
#: One row per LQ file. ``lq``/``source_id``/``degradation`` repeat ``file``/``source``/``model`` under the
#: names of the pair-folder contract that ``flipnet-bench data publish`` reads; pair sets add ``hq``.
METADATA_COLUMNS = (
    "file", "source", "model", "preset", "seed", "index", "variant", "call_seed", "params",
    "lq", "source_id", "degradation",
)  # fmt: skip


@dataclass(frozen=True)
class Layout:
    """Where a run writes: LQ files, pair-set HQ files (or None), parameter records, metadata."""

    out: Path
    pairs: bool

    @property
    def lq(self) -> Path:
        return self.out / "lq" if self.pairs else self.out

    @property
    def hq(self) -> Path | None:
        return self.out / "hq" if self.pairs else None

    @property
    def records(self) -> Path:
        return self.out / PARAMS_DIR


@dataclass(frozen=True)
class Job:
    """One LQ file to produce: HQ ``source`` (index in the listing) under ``variant``."""

    index: int
    variant: int
    source: Path
    name: str  # LQ file name relative to its folder
    hq_name: str  # pair-set HQ file name (one per source image, shared by its variants)


def plan_jobs(hq_dir: Path, files: list[Path], variants: int) -> list[Job]:
    """All (image, variant) outputs in a fixed order; ``_vK`` suffixes only with several variants."""
    jobs = []
    for index, path in enumerate(files):
        stem = stem_key(hq_dir, path)
        for variant in range(variants):
            name = f"{stem}.png" if variants == 1 else f"{stem}_v{variant}.png"
            jobs.append(Job(index, variant, path, name, f"{stem}.png"))
    return jobs


def shard_info() -> tuple[int, int, Callable[[], None]]:
    """(rank, world size, barrier) under ``accelerate launch`` (gloo on CPU); (0, 1, no-op) otherwise."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return 0, 1, lambda: None
    from accelerate import PartialState

    state = PartialState(cpu=True)
    return state.process_index, state.num_processes, state.wait_for_everyone


def _link_or_copy(src: Path, dst: Path) -> None:
    with atomic_path(dst) as tmp:
        tmp.unlink()
        try:
            os.link(src, tmp)
        except OSError:
            shutil.copyfile(src, tmp)


def _write_pair_hq(job: Job, pixels: np.ndarray, hq_out: Path, io_pool: ImageIOPool) -> None:
    """The HQ half of a pair: the source file itself when it is a PNG, else its decoded pixels as PNG."""
    dst = hq_out / job.hq_name
    if dst.exists() or job.variant > 0:  # variants share their source's HQ file (written with variant 0)
        return
    if job.source.suffix.lower() == ".png":
        _link_or_copy(job.source, dst)
    else:
        io_pool.write(dst, pixels)


def _settings(deg: Degradation, hq_dir: Path, files: list[Path], **options: Any) -> dict[str, Any]:
    """What decides the output bytes: the model's description, the options and the input listing (an
    image added to ``--hq`` shifts the indices of the images after it)."""
    names = "\n".join(stem_key(hq_dir, p) for p in files)
    digest = hashlib.sha256(os.fsencode(names)).hexdigest()  # the names' bytes, valid UTF-8 or not
    return {**options, "degradation": deg.describe(), "inputs_sha256": digest}


def _owned(pairs: bool) -> tuple[str, ...]:
    images = ("lq", "hq") if pairs else ("*.png",)
    return (*images, PARAMS_DIR, "metadata.parquet", "metadata.csv", "params.json")


def _done(job: Job, layout: Layout, known: dict[str, Any]) -> bool:
    """Finished: recorded and written, or recorded as an undecodable input skipped under --lenient."""
    if job.name not in known:
        return False
    pair_ok = layout.hq is None or (layout.hq / job.hq_name).exists()
    return "skipped" in known[job.name] or ((layout.lq / job.name).exists() and pair_ok)


def _collect_chunk(
    files: list[Path],
    chunk: list[int],
    decoded: list[Future],
    todo: list[Job],
    layout: Layout,
    lenient: bool,
    skipped: Skipped,
) -> dict[int, np.ndarray]:
    """Decoded pixels of a chunk; with ``lenient`` an unreadable input is recorded as skipped (seen by every
    rank), else its :class:`ImageReadError` (naming the file) is raised."""
    pixels = {}
    for i, future in zip(chunk, decoded):
        try:
            pixels[i] = future.result()
        except ImageReadError as exc:
            if not lenient:
                raise
            skipped.add(files[i], str(exc))
            names = [j.name for j in todo if j.index == i]
            write_json(layout.records / f"{names[0]}.skipped.json", {n: {"skipped": str(exc)} for n in names})
    return pixels


def degrade_folder(
    deg: Degradation,
    hq_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    seed: int,
    model: str,
    preset: str | None = None,
    variants: int = 1,
    batch_size: int = 8,
    pairs: bool = False,
    lenient: bool = False,
    progress: bool = True,
    io_workers: int | None = None,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Write the LQ set (``OUT/`` or, with ``pairs``, ``OUT/lq`` + ``OUT/hq``) and ``OUT/metadata.*``.

    ``io_workers`` threads decode and encode images beside the degradation (default: one per core, at
    most 4; 0 = none); they change the speed, never the bytes. ``overwrite`` lets a folder of other settings
    (or not made by this tool) be cleared of the files degrade writes. Returns a summary (counts of
    written/already present/skipped files). Works unchanged under ``accelerate launch``.
    """
    hq_dir, layout = Path(hq_dir), Layout(Path(out_dir), pairs)
    if variants < 1 or batch_size < 1:
        raise BenchError(f"--variants and --batch-size must be >= 1, got {variants} and {batch_size}")
    skipped = Skipped()
    files = list_images(hq_dir, lenient=lenient, skipped=skipped)
    jobs = plan_jobs(hq_dir, files, variants)
    rank, world, barrier = shard_info()
    if rank == 0:
        options = {"model": model, "preset": preset, "seed": seed, "variants": variants, "pairs": pairs}
        settings = _settings(deg, hq_dir, files, **options)
        owned = _owned(pairs)
        claim_output(layout.out, "degrade", settings, owned=owned, sources=[hq_dir], overwrite=overwrite)
    barrier()
    known = load_records(layout.records)
    todo = [j for j in jobs if j.index % world == rank and not _done(j, layout, known)]
    bar = tqdm(total=len(todo), desc=f"degrade[{rank}]" if world > 1 else "degrade", disable=not progress)
    indices = sorted({j.index for j in todo})
    chunks = [indices[start : start + batch_size] for start in range(0, len(indices), batch_size)]
    # Decoding of chunk k+1 and PNG encoding of chunk k-1 overlap the degradation of chunk k.
    written = 0
    with ImageIOPool(io_workers, max_pending=2 * batch_size * variants) as io_pool:
        ahead = io_pool.read_many([files[i] for i in chunks[0]]) if chunks else []
        for k, chunk in enumerate(chunks):
            decoded = ahead
            if k + 1 < len(chunks):
                ahead = io_pool.read_many([files[i] for i in chunks[k + 1]])
            pixels = _collect_chunk(files, chunk, decoded, todo, layout, lenient, skipped)
            for variant in range(variants):
                group = [j for j in todo if j.index in pixels and j.variant == variant]
                for shape in sorted({pixels[j.index].shape for j in group}):  # one tensor per image size
                    same = [j for j in group if pixels[j.index].shape == shape]
                    _run_group(deg, same, pixels, variant_seed(seed, variant), layout, io_pool)
                    written += len(same)
                    bar.update(len(same))
    bar.close()
    barrier()
    if rank == 0:
        merge_records(layout.records)
        write_metadata(layout, jobs, hq_dir, model=model, preset=preset, seed=seed)
        write_json(layout.out / "params.json", {**deg.describe(), "seed": seed, "variants": variants})
    if len(skipped):
        print(skipped.report())
    mine = sum(1 for j in jobs if j.index % world == rank)
    return {
        "images": len(files),
        "outputs": len(jobs),
        "written": written,
        "already": mine - len(todo),
        "skipped_outputs": len(todo) - written,
        "skipped_inputs": len(skipped),
    }


def _run_group(
    deg: Degradation,
    jobs: list[Job],
    pixels: dict[int, np.ndarray],
    call_seed: int,
    layout: Layout,
    io_pool: ImageIOPool,
) -> None:
    hq = to_tensor([pixels[j.index] for j in jobs])
    lq, params = deg(hq, [j.index for j in jobs], seed=call_seed)
    if len(params) != len(jobs) or tuple(lq.shape) != tuple(hq.shape):
        raise BenchError(f"degradation {deg.name!r} returned {tuple(lq.shape)} for {tuple(hq.shape)}")
    arrays = to_uint8(lq)
    entries = {j.name: {"call_seed": call_seed, "params": p} for j, p in zip(jobs, params)}
    write_call_record(layout.records, jobs[0].name, entries)
    for job, arr in zip(jobs, arrays):
        if layout.hq is not None:
            _write_pair_hq(job, pixels[job.index], layout.hq, io_pool)
        io_pool.write(layout.lq / job.name, arr)


def write_metadata(
    layout: Layout, jobs: list[Job], hq_dir: Path, *, model: str, preset: str | None, seed: int
) -> pd.DataFrame:
    """``metadata.parquet`` and ``metadata.csv``: one row per LQ file in job order, rebuilt from records."""
    known = load_records(layout.records)
    missing = [j.name for j in jobs if not _done(j, layout, known)]
    if missing:
        raise BenchError(
            f"{len(missing)} outputs are missing in {layout.lq} (e.g. {missing[0]}); re-run the same command"
        )
    rows = []
    for job in jobs:
        source = safe_name(job.source.relative_to(hq_dir))  # non-UTF-8 bytes as \xNN (io/names.py)
        record = known[job.name]
        if "skipped" in record:
            continue
        params = json.dumps(record["params"], sort_keys=True, allow_nan=False)
        name = safe_name(job.name)
        values = (
            name,
            source,
            model,
            preset or "",
            seed,
            job.index,
            job.variant,
            record["call_seed"],
            params,
        )
        row = dict(zip(METADATA_COLUMNS, (*values, name, source, model)))
        if layout.pairs:
            row["hq"] = safe_name(job.hq_name)
        rows.append(row)
    table = pd.DataFrame(rows)
    with atomic_path(layout.out / "metadata.parquet") as tmp:
        table.to_parquet(tmp, index=False)
    with atomic_path(layout.out / "metadata.csv") as tmp:
        table.to_csv(tmp, index=False)
    return table
