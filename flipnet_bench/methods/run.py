"""Run any method over an LQ folder: batching, atomic PNG writes, resume and provenance in one place.

An output folder records what produced it in ``run.json`` (method, options, checkpoint hash, seed).
The folder is claimed through :mod:`flipnet_bench.io.outputs`: a rerun with the same fingerprint skips the
images already written (resume after an interruption); a rerun with a different fingerprint refuses, naming
both, unless ``overwrite`` clears the stale images first (no mixing of two runs' results).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from flipnet_bench.errors import BenchError
from flipnet_bench.io import list_images, read_image, stem_key, to_tensor, to_uint8, write_image, write_json
from flipnet_bench.io.hashing import sha256_file
from flipnet_bench.io.outputs import claim_output
from flipnet_bench.methods import Method, check_restored
from flipnet_bench.methods.external import ExternalMethod

RUN_FILE = "run.json"


def _content_digest(path: Path) -> str:
    """SHA-256 over a file or a folder's files (names + bytes): a retrained checkpoint at the same path must
    not look like the old one to the resume logic."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(file.relative_to(path).as_posix().encode() if path.is_dir() else b"")
        digest.update(bytes.fromhex(sha256_file(file)))
    return digest.hexdigest()


def _fingerprint(method: Method, lq_keys: list[str], seed: int) -> str:
    description = method.describe()
    contents = {
        key: _content_digest(Path(value))
        for key, value in description.items()
        if key in ("checkpoint", "results") and isinstance(value, str | Path) and Path(value).exists()
    }
    record = {"method": description, "contents": contents, "keys": lq_keys, "seed": seed}
    blob = json.dumps(record, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _sources(method: Method, lq_root: Path) -> list[Path]:
    """Folders the run reads: the output must not overlap any of them."""
    described = method.describe()
    given = [described.get(k) for k in ("checkpoint", "results")]
    return [lq_root, *(Path(p) for p in given if isinstance(p, str | Path) and Path(p).is_dir())]


def restore_folder(
    method: Method,
    lq_dir: str | Path,
    out_dir: str | Path,
    seed: int = 0,
    batch_size: int | None = None,
    progress: bool = True,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Restore every image of ``lq_dir`` into ``out_dir/<stem>.png``; returns the run record.

    ``overwrite``: a folder of another run (or not made by restore) is cleared of its PNGs first.
    """
    lq_root, out = Path(lq_dir), Path(out_dir)
    files = list_images(lq_root, recursive=True)
    keys = [stem_key(lq_root, p) for p in files]
    if isinstance(method, ExternalMethod):
        method.check_keys(keys)
    fingerprint = _fingerprint(method, keys, seed)
    settings = {"fingerprint": fingerprint, "method": method.describe(), "seed": seed}
    sources, owned = _sources(method, lq_root), ("**/*.png", RUN_FILE)
    claim_output(out, "restore", settings, owned=owned, sources=sources, overwrite=overwrite)
    record = {"fingerprint": fingerprint, "method": method.describe(), "lq_dir": str(lq_root), "seed": seed}
    write_json(out / RUN_FILE, {**record, "complete": False, "n": len(keys)})
    todo = [(k, p) for k, p in zip(keys, files) if not (out / f"{k}.png").is_file()]
    if len(todo) < len(keys):
        print(f"{out}: resuming, {len(keys) - len(todo)} of {len(keys)} images already restored")
    size = int(batch_size or method.default_batch_size)
    if size < 1:
        raise BenchError(f"batch size must be ≥ 1, got {size}")
    bar = tqdm(total=len(todo), desc=f"restore {method.name} -> {out}", disable=not progress, unit="img")
    pending: dict[tuple[int, ...], list[tuple[str, np.ndarray]]] = defaultdict(list)

    def flush(shape: tuple[int, ...]) -> None:
        batch = pending.pop(shape)
        batch_keys = [k for k, _ in batch]
        lq = to_tensor([img for _, img in batch])
        restored = check_restored(method.name, lq, method.restore(lq, batch_keys, seed), batch_keys)
        for key, image in zip(batch_keys, to_uint8(restored)):
            write_image(out / f"{key}.png", image)
        bar.update(len(batch))

    for key, path in todo:
        image = read_image(path)
        pending[image.shape].append((key, image))
        if len(pending[image.shape]) >= size:
            flush(image.shape)
    for shape in list(pending):
        flush(shape)
    bar.close()
    record = {**record, "complete": True, "n": len(keys)}
    write_json(out / RUN_FILE, record)
    return record
