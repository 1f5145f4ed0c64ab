"""The weights cache: materialise each spec once, verify its SHA-256 on every load.

Nothing downloads implicitly at metric construction: a missing file is a :class:`BenchError` that names the
``flipnet-bench weights fetch`` command, so offline machines fail fast and clearly.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tqdm import tqdm

from flipnet_bench.errors import BenchError
from flipnet_bench.io import atomic_path
from flipnet_bench.io.hashing import sha256_file
from flipnet_bench.weights.cache import cache_dir
from flipnet_bench.weights.spec import WeightSpec
from flipnet_bench.weights.specs import WEIGHTS, all_specs


def get_spec(name: str) -> WeightSpec:
    return WEIGHTS.get(name)


def cached_path(name: str) -> Path:
    """Where ``name`` lives in the cache (whether or not it is there yet)."""
    return cache_dir() / get_spec(name).filename


def _verify(spec: WeightSpec, path: Path, origin: str) -> Path:
    if spec.sha256 is None:
        return path
    actual = sha256_file(path)
    if actual != spec.sha256:
        raise BenchError(
            f"weight {spec.name!r} at {path} ({origin}) has SHA-256 {actual}, expected {spec.sha256}; "
            f"delete it and run `flipnet-bench weights fetch {spec.name}` (or supply the right file)"
        )
    return path


def _no_source_message(spec: WeightSpec) -> str:
    return (
        f"weight {spec.name!r} cannot be downloaded ({spec.license}); obtain {spec.filename} yourself "
        f"({spec.description}) and set params key {spec.local_path_param or '<unset>'} to its path"
    )


def get_weight_path(name: str, local_path: str | Path | None = None) -> Path:
    """The verified file for weight ``name``.

    ``local_path`` (from params) wins when given; weights with no downloadable source must be given that way.
    """
    spec = get_spec(name)
    if local_path is not None and str(local_path) != "":
        path = Path(local_path).expanduser()
        if not path.is_file():
            key = spec.local_path_param or "the local path"
            raise BenchError(
                f"weight {name!r}: {key} = {str(local_path)!r} does not exist; fix that params key"
            )
        return _verify(spec, path, "local file")
    if not spec.sources:
        raise BenchError(_no_source_message(spec))
    path = cache_dir() / spec.filename
    if not path.is_file():
        raise BenchError(
            f"weight {name!r} is not in the cache {cache_dir()}; run `flipnet-bench weights fetch {name}`"
        )
    return _verify(spec, path, "cache")


def _materialise(spec: WeightSpec, workdir: Path) -> Path:
    target = cache_dir() / spec.filename
    errors = []
    for source in spec.sources:
        try:
            with atomic_path(target) as tmp:
                source.materialise(tmp, workdir)
                _verify(spec, tmp, source.describe())
            return target
        except BenchError as exc:
            errors.append(f"{source.describe()}: {exc}")
    raise BenchError(f"could not fetch weight {spec.name!r}:\n  " + "\n  ".join(errors))


def fetch(names: list[str] | None = None, force: bool = False) -> dict[str, Path]:
    """Materialise ``names`` (default: every downloadable spec) into the cache; returns name → path.

    Already-cached files that verify are kept; ``force`` re-materialises them.
    """
    specs = [get_spec(n) for n in names] if names else [s for s in all_specs() if s.sources]
    out: dict[str, Path] = {}
    cache_dir().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="flipnet-weights-") as tmp:
        for spec in tqdm(specs, desc="weights", unit="file", disable=len(specs) < 2):
            path = cache_dir() / spec.filename
            if not force and path.is_file():
                try:
                    out[spec.name] = _verify(spec, path, "cache")
                    continue
                except BenchError:
                    pass  # stale or corrupt: re-materialise below
            if not spec.sources:
                raise BenchError(_no_source_message(spec))
            out[spec.name] = _materialise(spec, Path(tmp))
    return out
