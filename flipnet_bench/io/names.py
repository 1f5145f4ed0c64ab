"""One printable, UTF-8-safe representation for file names that are not valid UTF-8.

POSIX file names are bytes. Python decodes undecodable bytes to lone surrogates (``surrogateescape``), which
JSON writes as ``\\udcff`` and Parquet, CSV and a UTF-8 terminal refuse outright. Everywhere a name leaves the
process (tables, JSON keys, messages) each undecodable byte is written as ``\\xNN`` instead: ``"a\\xff.png"``
for the bytes ``b"a\\xff.png"``. Valid UTF-8 names are unchanged, so the representation is ambiguous only
between a non-UTF-8 name and a valid one that literally contains ``\\xNN``; the listings that rely on names
being unique check that case explicitly (``check_unique``).
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Iterable

from flipnet_bench.errors import BenchError

ERRORS = "flipnet-bench-names"


def _escape_undecodable(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: surrogate-escaped bytes → ``\\xNN``; any other unencodable char → ``\\uXXXX``."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = []
    for char in exc.object[exc.start : exc.end]:
        code = ord(char)
        out.append(f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}")
    return "".join(out), exc.end


codecs.register_error(ERRORS, _escape_undecodable)


def safe_name(name: str | os.PathLike[str]) -> str:
    """``name`` (a str or path) with every undecodable byte written as ``\\xNN``: valid UTF-8, printable."""
    return os.fspath(name).encode("utf-8", ERRORS).decode("utf-8")


def check_unique(names: Iterable[str], where: str) -> None:
    """Refuse two different names that share one safe representation (a byte name vs a literal ``\\xNN``)."""
    seen: dict[str, str] = {}
    for name in names:
        shown = safe_name(name)
        if shown in seen and seen[shown] != name:
            raise BenchError(
                f"{where}: two files are both shown as {shown!r} (one name is not valid UTF-8, the other "
                "literally contains that escape); rename one"
            )
        seen[shown] = name
