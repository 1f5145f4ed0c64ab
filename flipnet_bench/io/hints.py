"""Hints in error messages name only options that exist: the reading functions are shared by commands with
and without ``--lenient``, so the hint to skip a bad file comes from here.

:data:`LENIENT_FLAG` is ``--lenient`` by default (library callers pass ``lenient=True``); the command line
clears it for a command that has no such option (``restore``, ``realism``, ...), so its errors never
suggest one.
"""

from __future__ import annotations

from contextvars import ContextVar

LENIENT_FLAG: ContextVar[str | None] = ContextVar("lenient_flag", default="--lenient")


def lenient_hint(action: str = "skip it") -> str:
    """``" (or pass --lenient to skip it)"`` where the running command has the option, else ``""``."""
    flag = LENIENT_FLAG.get()
    return f" (or pass {flag} to {action})" if flag else ""
