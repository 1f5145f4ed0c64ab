"""Hub-ready export of an LQ/HQ pair folder: Parquet shards with embedded image bytes plus a dataset card.

Pair-folder contract (what ``flipnet-bench degrade --out DIR`` writes and ``publish`` reads):

* ``lq/``: LQ images; ``hq/``: HQ images. An LQ file pairs with the HQ file of the same stem, or, for
  several degraded variants per face, ``<stem>_vK`` pairs with ``<stem>``.
* ``metadata.parquet`` or ``metadata.csv``: one row per LQ image with columns ``lq`` (LQ file name),
  ``source_id``, ``degradation`` (model name), ``params`` (the sampled parameters as a JSON string or mapping)
  and ``seed``; an optional ``hq`` column overrides the stem matching; further columns are kept.
* optional ``params.yaml`` / ``params.json`` beside them: the generator's configuration, copied into the card.

The export (``--to-dir``) is exactly what is uploaded: ``README.md`` (card with YAML header) and
``data/train-XXXXX-of-YYYYY.parquet``. The fingerprint in the card is the SHA-256 of the shard files' bytes
concatenated in file-name order (recompute: ``cat data/*.parquet | sha256sum``).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from flipnet_bench import __version__
from flipnet_bench.errors import BenchError
from flipnet_bench.io import atomic_open, list_images, read_image, stem_key
from flipnet_bench.io.hashing import update_with_file
from flipnet_bench.io.names import safe_name
from flipnet_bench.io.outputs import MARKER, claim_output, remove_owned

REQUIRED_COLUMNS = ("lq", "source_id", "degradation", "params", "seed")
#: What an export consists of (and all that ``publish --to-dir --overwrite`` replaces).
EXPORT_FILES = ("README.md", "data")
EXPORT_BUILD = ".export-build"
_VARIANT = re.compile(r"^(?P<stem>.+)_v\d+$")


@dataclass(frozen=True)
class PairFolder:
    lq_dir: Path
    hq_dir: Path
    metadata: Path
    params_file: Path | None = None


def resolve_pair_folder(
    folder: str | Path | None = None,
    lq: str | Path | None = None,
    hq: str | Path | None = None,
    metadata: str | Path | None = None,
) -> PairFolder:
    """Explicit ``lq``/``hq``/``metadata`` paths win; otherwise they are looked up inside ``folder``."""
    base = Path(folder) if folder is not None else None
    if base is None and None in (lq, hq, metadata):
        raise BenchError("give a pair folder (with lq/, hq/, metadata.*) or all of --lq, --hq and --metadata")
    lq_dir = Path(lq) if lq is not None else base / "lq"  # type: ignore[operator]
    hq_dir = Path(hq) if hq is not None else base / "hq"  # type: ignore[operator]
    if metadata is not None:
        meta = Path(metadata)
    else:
        found = [base / n for n in ("metadata.parquet", "metadata.csv") if (base / n).is_file()]  # type: ignore[operator]
        if not found:
            raise BenchError(f"{base}: no metadata.parquet or metadata.csv; pass --metadata FILE")
        meta = found[0]
    for path, what in ((lq_dir, "LQ folder"), (hq_dir, "HQ folder")):
        if not path.is_dir():
            raise BenchError(f"{path}: {what} not found")
    if lq_dir.resolve() == hq_dir.resolve():
        raise BenchError(f"--lq and --hq are the same folder ({lq_dir}): an export would pair every image "
                         "with itself (LQ == HQ); give the degraded and the clean folder")  # fmt: skip
    if not meta.is_file():
        raise BenchError(f"{meta}: metadata file not found")
    params = None
    if base is not None:
        params = next((base / n for n in ("params.yaml", "params.json") if (base / n).is_file()), None)
    return PairFolder(lq_dir, hq_dir, meta, params)


def read_metadata(path: Path) -> pd.DataFrame:
    """The metadata table with ``params`` normalised to canonical JSON strings; missing columns are errors."""
    if path.suffix == ".parquet":
        table = pd.read_parquet(path)
    elif path.suffix == ".csv":
        table = pd.read_csv(path, dtype={"lq": str, "hq": str, "source_id": str}, keep_default_na=False)
    else:
        raise BenchError(f"{path}: metadata must be .parquet or .csv")
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise BenchError(f"{path}: metadata lacks column(s) {missing}; required: {list(REQUIRED_COLUMNS)}")
    if table["lq"].duplicated().any():
        raise BenchError(f"{path}: LQ file {table['lq'][table['lq'].duplicated()].iloc[0]!r} listed twice")

    def canon(value: Any) -> str:
        data = json.loads(value) if isinstance(value, str) else value
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    try:
        table["params"] = table["params"].map(canon)
    except (TypeError, ValueError) as exc:
        raise BenchError(f"{path}: column 'params' must hold JSON objects ({exc})") from exc
    table["seed"] = table["seed"].astype("int64")
    return table.reset_index(drop=True)


def match_pairs(folder: PairFolder, table: pd.DataFrame) -> list[tuple[Path, Path]]:
    """(LQ path, HQ path) for every metadata row, in row order; every LQ file must have a row and an HQ."""
    # keyed by the names as the metadata writes them (undecodable bytes as \xNN, io/names.py)
    lq_files = {safe_name(p.name): p for p in list_images(folder.lq_dir)}
    hq_files = {safe_name(stem_key(folder.hq_dir, p)): p for p in list_images(folder.hq_dir)}
    hq_by_name = {safe_name(p.name): p for p in hq_files.values()}
    unlisted = sorted(set(lq_files) - set(table["lq"]))
    if unlisted:
        raise BenchError(
            f"{folder.metadata}: {len(unlisted)} LQ file(s) have no metadata row, e.g. {unlisted[0]}"
        )
    pairs = []
    for i, row in table.iterrows():
        name = row["lq"]
        if name not in lq_files:
            raise BenchError(f"{folder.metadata} row {i}: LQ file {name!r} not in {folder.lq_dir}")
        if "hq" in table.columns and row["hq"]:
            hq = hq_by_name.get(row["hq"])
        else:
            stem = Path(name).stem
            variant = _VARIANT.match(stem)
            hq = hq_files.get(stem) or (hq_files.get(variant["stem"]) if variant else None)
        if hq is None:
            raise BenchError(
                f"{folder.lq_dir / name}: no HQ partner in {folder.hq_dir} (by stem or <stem>_vK)"
            )
        for path in (lq_files[name], hq):
            read_image(path)  # a published set holds only decodable images: an error names the file
        pairs.append((lq_files[name], hq))
    return pairs


def code_version() -> str:
    """Package version plus the git commit of the checkout it runs from, when there is one."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return f"flipnet-bench {__version__} (git {commit})"


def source_digest(folder: PairFolder, table: pd.DataFrame) -> str:
    """SHA-256 of everything an export is made of: the metadata file, the params file and every pair's
    names and bytes, in order. The export folder's record keeps it, so publishing another source (or a
    changed one) into it is refused unless ``--overwrite``."""
    digest = hashlib.sha256()
    extras = [folder.metadata] + ([folder.params_file] if folder.params_file is not None else [])
    for path in extras:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for lq, hq in match_pairs(folder, table):
        for path in (lq, hq):
            digest.update(os.fsencode(path.name) + b"\0")
            update_with_file(digest, path)
    return digest.hexdigest()


def fingerprint(shards: list[Path]) -> str:
    digest = hashlib.sha256()
    for shard in sorted(shards, key=lambda p: p.name):
        digest.update(shard.read_bytes())
    return digest.hexdigest()


def _size_category(n: int) -> str:
    for limit, label in (
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
    ):
        if n < limit:
            return label
    return "n>1M"


def build_dataset(folder: PairFolder, table: pd.DataFrame) -> tuple[Any, int]:
    """An HF ``datasets.Dataset`` with ``Image()`` columns holding the files' bytes (not paths), and the
    total image bytes (to size the shards)."""
    from datasets import Dataset, Features, Image, Value

    pairs = match_pairs(folder, table)
    columns: dict[str, list[Any]] = {
        "lq": [{"bytes": lq.read_bytes(), "path": safe_name(lq.name)} for lq, _ in pairs],
        "hq": [{"bytes": hq.read_bytes(), "path": safe_name(hq.name)} for _, hq in pairs],
        "lq_file": [safe_name(lq.name) for lq, _ in pairs],
        "hq_file": [safe_name(hq.name) for _, hq in pairs],
    }
    extra = [c for c in table.columns if c not in ("lq", "hq")]
    features = {"lq": Image(), "hq": Image(), "lq_file": Value("string"), "hq_file": Value("string")}
    for col in extra:
        dtype = table[col].dtype
        kind = "int64" if pd.api.types.is_integer_dtype(dtype) else None
        kind = kind or ("float64" if pd.api.types.is_float_dtype(dtype) else None)
        kind = kind or ("bool" if pd.api.types.is_bool_dtype(dtype) else "string")
        features[col] = Value(kind)
        values = table[col].tolist()
        columns[col] = [str(v) for v in values] if kind == "string" else values
    total = sum(lq.stat().st_size + hq.stat().st_size for lq, hq in pairs)
    return Dataset.from_dict(columns, features=Features(features)), total


def write_card(out: Path, ds: Any, shards: list[Path], repo_id: str, license_id: str, params: Any) -> None:
    """README.md: dataset-card YAML (license, task, size, configs, provenance), then a short description."""
    fp = fingerprint(shards)
    degradations = sorted(set(ds["degradation"])) if "degradation" in ds.column_names else []
    header = {
        "license": license_id,
        "task_categories": ["image-to-image"],
        "size_categories": [_size_category(len(ds))],
        "pretty_name": repo_id.split("/")[-1],
        "configs": [
            {"config_name": "default", "data_files": [{"split": "train", "path": "data/train-*.parquet"}]}
        ],
        "provenance": {
            "generator": f"flipnet-bench degrade ({', '.join(degradations) or 'unknown model'})",
            "exporter": "flipnet-bench publish",
            "code_version": code_version(),
            "params": params,
            "fingerprint_sha256": fp,
            "fingerprint_definition": "sha256 of the bytes of data/*.parquet concatenated in file-name order",
        },
    }
    others = ", ".join(f"`{c}`" for c in ds.column_names if c not in ("lq", "hq"))
    body = (
        f"# {repo_id}\n\n"
        f"{len(ds)} LQ/HQ face pairs exported by flipnet-bench. Columns: `lq`, `hq` (images), {others}. "
        "`params` holds each image's sampled degradation parameters as JSON; with `seed` and the code "
        "version they reproduce the image.\n\n"
        f"Degradation models: {', '.join(degradations) or 'n/a'}.\n\n"
        f"Fingerprint (SHA-256 over the shards): `{fp}`.\n"
    )
    with atomic_open(out / "README.md", "w", encoding="utf-8") as handle:
        handle.write("---\n" + yaml.safe_dump(header, sort_keys=False, allow_unicode=True) + "---\n\n" + body)


def export_pairs(
    folder: PairFolder,
    out: str | Path,
    repo_id: str,
    license_id: str = "other",
    shard_mb: int = 256,
    *,
    overwrite: bool = False,
    claim: bool = True,
) -> Path:
    """Write the Hub layout into ``out``; returns ``out``.

    ``out`` is claimed first (:mod:`flipnet_bench.io.outputs`): an export of the same settings is replaced;
    a folder of other settings or not made by publish is refused unless ``overwrite`` (then only its
    ``README.md`` and ``data/`` are replaced); a folder overlapping the pair folder is always refused.
    ``claim=False`` only for a fresh private folder (the upload path), which then carries no marker.
    """
    out = Path(out)
    table = read_metadata(folder.metadata)
    if claim:
        sources = [folder.lq_dir, folder.hq_dir, folder.metadata.parent]
        settings = {"repo_id": repo_id, "license": license_id, "shard_mb": shard_mb,
                    "source_sha256": source_digest(folder, table)}  # fmt: skip
        claim_output(out, "publish", settings, owned=EXPORT_FILES, sources=sources, overwrite=overwrite)
    ds, total = build_dataset(folder, table)
    params: Any = None
    if folder.params_file is not None:
        text = folder.params_file.read_text(encoding="utf-8")
        params = json.loads(text) if folder.params_file.suffix == ".json" else yaml.safe_load(text)
    n_shards = max(1, math.ceil(total / (shard_mb * 2**20)))
    # Built beside its final place inside ``out`` (never in a folder the tool does not own), then moved in;
    # a build left by a killed run is removed first.
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / EXPORT_BUILD
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        (tmp / "data").mkdir(parents=True)
        shards = []
        for i in range(n_shards):
            shard = tmp / "data" / f"train-{i:05d}-of-{n_shards:05d}.parquet"
            ds.shard(n_shards, i, contiguous=True).to_parquet(str(shard))
            shards.append(shard)
        write_card(tmp, ds, shards, repo_id, license_id, params)
        remove_owned(out, EXPORT_FILES)
        for name in EXPORT_FILES:
            (tmp / name).rename(out / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def upload(folder: str | Path, repo_id: str, private: bool = False, api: Any = None) -> Any:
    """Upload an export folder as a Hub dataset repo (the only networked step)."""
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi()
    api.create_repo(repo_id=repo_id, repo_type="dataset", private=private, exist_ok=True)
    return api.upload_folder(
        folder_path=str(folder), repo_id=repo_id, repo_type="dataset", ignore_patterns=[MARKER]
    )
