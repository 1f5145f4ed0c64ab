"""Headless Chromium (Debian's ``chromium`` package) for checking and screenshotting the HTML leaderboard.

The flags keep it from touching the network (closed here) and from reusing a profile between runs.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from flipnet_bench.errors import BenchError

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--allow-file-access-from-files",
]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _run(page: Path, extra: list[str], timeout: float) -> str:
    exe = find_chromium()
    if exe is None:
        raise BenchError("chromium not found; install Debian's package: apt-get install -y chromium")
    with tempfile.TemporaryDirectory(prefix="flipnet-chromium-") as profile:
        cmd = [exe, *FLAGS, f"--user-data-dir={profile}", *extra, Path(page).resolve().as_uri()]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise BenchError(f"chromium failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return proc.stdout


def dump_dom(page: Path, timeout: float = 90) -> str:
    """The DOM after the page's scripts ran (so script-built tables are in it)."""
    return _run(page, ["--dump-dom", "--virtual-time-budget=5000"], timeout)


def screenshot(page: Path, png: Path, width: int = 1400, height: int = 1000, timeout: float = 90) -> Path:
    """A PNG of the rendered page at ``width``×``height``."""
    png = Path(png).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    _run(
        page,
        [f"--screenshot={png}", f"--window-size={width},{height}", "--virtual-time-budget=5000"],
        timeout,
    )
    if not png.is_file() or png.stat().st_size == 0:
        raise BenchError(f"chromium wrote no screenshot to {png}")
    return png
