"""One process per output folder: an exclusive, non-blocking ``filelock`` lock taken before a command looks
at (or cleans) its folder, held until the command ends (:func:`release_all`) or the process exits.

The lock files live outside the output folder, so a folder's bytes (and its DVC hash) never include them:
one per folder under the user's temp folder, named by the SHA-256 of the folder's resolved path. Beside each
lock, ``.pid`` names the process holding it (written after the lock is taken; filelock truncates the lock
file itself on every attempt). The operating system drops the lock when its process dies, so a killed run
never leaves a folder locked. Under ``accelerate launch`` the job's rank 0 holds the lock for every rank.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from filelock import FileLock, Timeout

from flipnet_bench.errors import BenchError
from flipnet_bench.io.names import safe_name

_HELD: dict[Path, FileLock] = {}


def lock_dir() -> Path:
    """Where the lock files live (``$FLIPNET_BENCH_LOCK_DIR`` or the temp folder, per user)."""
    base = (
        os.environ.get("FLIPNET_BENCH_LOCK_DIR")
        or Path(tempfile.gettempdir()) / f"flipnet-bench-locks-{os.getuid()}"
    )
    folder = Path(base)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _lock_path(folder: Path) -> Path:
    digest = hashlib.sha256(os.fsencode(str(folder))).hexdigest()[:32]
    return lock_dir() / f"{digest}.lock"


def _holder(pid_file: Path) -> str:
    """``PID (command)`` of the holder, as it wrote them."""
    try:
        pid, _, command = pid_file.read_text(encoding="utf-8").strip().partition(" ")
    except OSError:
        return "unknown"
    return f"{pid or 'unknown'}" + (f" (flipnet-bench {command})" if command else "")


def lock_output(out: str | os.PathLike[str], command: str) -> None:
    """Take ``out``'s lock for this process (re-entrant within it); a folder in use is a BenchError naming
    the process that holds it."""
    if int(os.environ.get("RANK", "0")) != 0:  # under `accelerate launch`, rank 0 holds it for the job
        return
    folder = Path(out).resolve()
    if folder in _HELD:
        _HELD[folder].acquire(timeout=0)
        return
    path = _lock_path(folder)
    lock = FileLock(path, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        holder = _holder(path.with_suffix(".pid"))
        raise BenchError(f"{safe_name(out)}: in use by PID {holder}; wait for it to finish or give "
                         "another output folder") from None  # fmt: skip
    path.with_suffix(".pid").write_text(f"{os.getpid()} {command}\n", encoding="utf-8")
    _HELD[folder] = lock


def release_all() -> None:
    """Release every lock this process holds (the CLI calls it when a command ends)."""
    while _HELD:
        folder, lock = _HELD.popitem()
        lock.release(force=True)
