"""Lazy package exports (PEP 562): a package names what it re-exports, the module loads on first access.

Every ``flipnet-bench`` sub-command's argument definitions live in its area's package, so importing a package
must not import torch (over a second) just to print ``--help``; the library code loads when a command runs.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, Sequence[str]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``__getattr__``, ``__dir__`` and ``__all__`` for ``package`` from ``{".module": ("name", ...)}``.

    Use in a package's ``__init__``: ``__getattr__, __dir__, __all__ = lazy_exports(__name__, {...})``.
    """
    where = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)  # later look-ups are plain attribute reads
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(where))

    return __getattr__, __dir__, sorted(where)
