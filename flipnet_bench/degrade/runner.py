"""Degrade an HQ folder into LQ images plus a metadata table: resumable, sharded, byte-reproducible.

Image ``i`` (its position in the sorted HQ listing) and variant ``k`` always get run seed
``variant_seed(seed, k)`` and index ``i``, so the bytes written do not depend on batch size or on how many
processes share the work (process ``r`` of ``w`` takes the images with ``i % w == r``). Each output is written
atomically after its parameter record (one JSON per chunk and variant in ``OUT/.params/``); a re-run
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
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm import tqdm

from flipnet_bench.degrade.base import Degradation, SampledDegradation, single_threaded, variant_seed
from flipnet_bench.degrade.calls import Result, degrade_batches, degrade_file
from flipnet_bench.degrade.defaults import DEFAULT_FILE_BACKEND, FILE_BACKENDS
from flipnet_bench.degrade.records import load_records, merge_records, write_call_record
from flipnet_bench.errors import BenchError
from flipnet_bench.io import (
    ImageReadError,
    Skipped,
    atomic_path,
    list_images,
    read_image,
    stem_key,
    write_json,
)
from flipnet_bench.io.names import safe_name
from flipnet_bench.io.outputs import claim_output
from flipnet_bench.io.overlap import ImageIOPool

if TYPE_CHECKING:  # pandas loads only when the metadata is written, at the end
    import pandas as pd

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


def _intact(path: Path) -> bool:
    try:
        read_image(path)
    except ImageReadError:
        return False
    return True


def _remove_damaged(jobs: list[Job], layout: Layout, known: dict[str, Any], io_workers: int | None) -> None:
    """Before a resume: decode every file it would keep; a damaged one (truncated, overwritten) is deleted,
    so it is written again, with every variant of its image when the pair's HQ file is the damaged one."""
    kept = [j for j in jobs if _done(j, layout, known) and "skipped" not in known[j.name]]
    paths = sorted({layout.lq / j.name for j in kept} | {layout.hq / j.hq_name for j in kept if layout.hq})
    workers = 4 if io_workers is None else max(1, io_workers)
    with ThreadPoolExecutor(workers) as pool:
        damaged = [p for p, ok in zip(paths, pool.map(_intact, paths)) if not ok]
    for path in damaged:
        path.unlink()
    if damaged:
        shown = ", ".join(safe_name(p.name) for p in damaged[:5]) + (", ..." if len(damaged) > 5 else "")
        print(f"degrade: {len(damaged)} kept file(s) did not decode and are written again ({shown})")


def _collect_chunk(
    files: list[Path],
    chunk: list[int],
    decoded: list[Future],
    todo: list[Job],
    layout: Layout,
    lenient: bool,
    skipped: Skipped,
) -> dict[int, Any]:
    """Results of a chunk's futures; with ``lenient`` an unreadable input is recorded as skipped (seen by
    every rank), else its :class:`ImageReadError` (naming the file) is raised."""
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
    backend: str = DEFAULT_FILE_BACKEND,
) -> dict[str, Any]:
    """Write the LQ set (``OUT/`` or, with ``pairs``, ``OUT/lq`` + ``OUT/hq``) and ``OUT/metadata.*``.

    ``io_workers`` threads decode and encode images (default: one per core, at most 4; 0 = none) and, for
    per-image models, degrade whole images too; they change the speed, never the bytes. ``backend`` (``cv2``
    or ``torch``, recorded with the settings) picks the per-image models' implementation: the OpenCV calls of
    the published chain where the model has them, or its tensor path. ``overwrite`` lets a
    folder of other settings (or not made by this tool) be cleared of the files degrade writes. Returns a
    summary (counts of written/already present/skipped files). Works unchanged under ``accelerate launch``.
    """
    hq_dir, layout = Path(hq_dir), Layout(Path(out_dir), pairs)
    if backend not in FILE_BACKENDS:
        raise BenchError(f"backend {backend!r}: choose one of {', '.join(FILE_BACKENDS)}")
    if variants < 1 or batch_size < 1:
        raise BenchError(f"--variants and --batch-size must be >= 1, got {variants} and {batch_size}")
    skipped = Skipped()
    files = list_images(hq_dir, lenient=lenient, skipped=skipped)
    jobs = plan_jobs(hq_dir, files, variants)
    rank, world, barrier = shard_info()
    per_image = isinstance(deg, SampledDegradation)
    has_backends = per_image and hasattr(deg, "degrade_pixels")  # an OpenCV path beside the tensor one
    uses_cv2 = has_backends and backend == "cv2"
    if rank == 0:
        options = {"model": model, "preset": preset, "seed": seed, "variants": variants, "pairs": pairs}
        if has_backends:
            options["backend"] = backend
        settings = _settings(deg, hq_dir, files, **options)
        owned = _owned(pairs)
        if claim_output(layout.out, "degrade", settings, owned=owned, sources=[hq_dir], overwrite=overwrite):
            _remove_damaged(jobs, layout, load_records(layout.records), io_workers)
    barrier()
    known = load_records(layout.records)
    todo = [j for j in jobs if j.index % world == rank and not _done(j, layout, known)]
    bar = tqdm(total=len(todo), desc=f"degrade[{rank}]" if world > 1 else "degrade", disable=not progress)
    indices = sorted({j.index for j in todo})
    chunks = [indices[start : start + batch_size] for start in range(0, len(indices), batch_size)]
    seeds: dict[int, dict[int, int]] = {}  # image -> variant still to make -> its run seed
    for job in todo:
        seeds.setdefault(job.index, {})[job.variant] = variant_seed(seed, job.variant)
    # Per-image models degrade whole images on the I/O threads (one per core; torch ops on one thread, so the
    # bytes are those of any split); batched models (networks) run here while the pool decodes. Either way
    # the next chunk is in flight while this one is recorded and queued for writing.
    written = 0
    # torch kernels round by thread count: one thread wherever torch runs on the workers (the OpenCV path
    # only for GFPGAN's colour jitter; without it the path never imports torch)
    torch_on_workers = per_image and (not uses_cv2 or getattr(deg, "pixels_use_torch", True))
    threads = single_threaded() if torch_on_workers else nullcontext()
    # Images are written without a per-file fsync: a resume decodes every file it keeps (_remove_damaged), so
    # one that a power loss left empty is written again; the records stay durable.
    pool = ImageIOPool(io_workers, max_pending=2 * batch_size * variants, durable=False)
    with threads, pool as io_pool:

        def start(chunk: list[int]) -> list[Future]:
            if per_image:
                return [io_pool.submit(degrade_file, deg, files[i], i, seeds[i], uses_cv2) for i in chunk]
            return io_pool.read_many([files[i] for i in chunk])

        ahead = start(chunks[0]) if chunks else []
        for k, chunk in enumerate(chunks):
            pending = ahead
            if k + 1 < len(chunks):
                ahead = start(chunks[k + 1])
            done = _collect_chunk(files, chunk, pending, todo, layout, lenient, skipped)
            results = done if per_image else degrade_batches(deg, done, seeds)
            count = _write_chunk(results, [j for j in todo if j.index in results], seed, layout, io_pool)
            written += count
            bar.update(count)
    bar.close()
    barrier()
    if rank == 0:
        merge_records(layout.records)
        write_metadata(layout, jobs, hq_dir, model=model, preset=preset, seed=seed)
        record = {**deg.describe(), "seed": seed, "variants": variants}
        if has_backends:
            record["backend"] = backend
        write_json(layout.out / "params.json", record)
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


def _write_chunk(
    results: dict[int, Result], jobs: list[Job], seed: int, layout: Layout, io_pool: ImageIOPool
) -> int:
    """Record a chunk's draws (one record file per variant), then queue its PNG writes: a file on disk
    always has its record."""
    for variant in sorted({j.variant for j in jobs}):
        group = [j for j in jobs if j.variant == variant]
        call_seed = variant_seed(seed, variant)
        entries = {j.name: {"call_seed": call_seed, "params": results[j.index][1][variant][1]} for j in group}
        write_call_record(layout.records, group[0].name, entries)
        for job in group:
            pixels, outputs = results[job.index]
            if layout.hq is not None:
                _write_pair_hq(job, pixels, layout.hq, io_pool)
            io_pool.write(layout.lq / job.name, outputs[variant][0])
    return len(jobs)


def write_metadata(
    layout: Layout, jobs: list[Job], hq_dir: Path, *, model: str, preset: str | None, seed: int
) -> pd.DataFrame:
    """``metadata.parquet`` and ``metadata.csv``: one row per LQ file in job order, rebuilt from records."""
    import pandas as pd

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
        call = record["call_seed"]
        values = (name, source, model, preset or "", seed, job.index, job.variant, call, params)
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
