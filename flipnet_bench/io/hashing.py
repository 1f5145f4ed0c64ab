"""SHA-256 of a file, read in 1 MiB blocks: the one file-hash helper of the project (weights, manifests,
checkpoints, figure records)."""

from __future__ import annotations

import hashlib
from pathlib import Path

_BLOCK = 1 << 20


def update_with_file(digest: hashlib._Hash, path: str | Path) -> None:
    """Feed the file's bytes into ``digest`` (for digests over several files)."""
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            digest.update(block)


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of the file's bytes."""
    digest = hashlib.sha256()
    update_with_file(digest, path)
    return digest.hexdigest()
