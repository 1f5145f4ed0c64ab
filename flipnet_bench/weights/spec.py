"""What a weight file is: a name, the file it materialises to, its SHA-256 and where it can come from.

Specs are data; the manager (``flipnet_bench.weights.manager``) turns them into verified cached files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


class Source(Protocol):
    """Somewhere a weight can be materialised from (tried in order after the cache)."""

    def describe(self) -> str:
        """One line for ``weights list`` and for error messages."""
        ...

    def materialise(self, dst: Path, workdir: Path) -> None:
        """Write the weight file to ``dst``; ``workdir`` is a scratch folder shared by one ``fetch`` call."""
        ...


@dataclass(frozen=True)
class WeightSpec:
    """One weight file. ``sha256`` is of the *materialised* file (after any conversion).

    ``sha256`` is None only for weights the user supplies locally (licence or availability forbids a
    download); ``local_path_param`` then names the params key that points at the file.
    """

    name: str
    filename: str
    sha256: str | None
    sources: tuple[Source, ...]
    description: str
    license: str
    local_path_param: str | None = None
