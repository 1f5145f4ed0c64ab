"""One registry idiom for every pluggable kind (metric, degradation, method, dataset, report).

Adding a component is adding one file with ``@REGISTRY.register("name")``. Entries may also be declared
lazily as ``"module:attr"`` strings so that importing the package never imports an optional dependency.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from flipnet_bench.errors import BenchError

T = TypeVar("T")


class Registry(Generic[T]):
    """Name → object mapping with duplicate checks, lazy entries and "did you mean" errors."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T | str] = {}

    def register(self, name: str, obj: T | None = None) -> Callable[[T], T] | T:
        """Register ``obj`` under ``name``; used bare as a decorator when ``obj`` is None."""

        def add(item: T) -> T:
            existing = self._items.get(name)
            if existing is not None and existing is not item and not isinstance(existing, str):
                raise BenchError(f"{self.kind} {name!r} is registered twice")
            self._items[name] = item
            return item

        return add if obj is None else add(obj)

    def register_lazy(self, name: str, target: str) -> None:
        """Declare ``name`` as ``"package.module:attr"``, imported on first use."""
        if name in self._items:
            raise BenchError(f"{self.kind} {name!r} is registered twice")
        self._items[name] = target

    def get(self, name: str) -> T:
        if name not in self._items:
            hint = difflib.get_close_matches(name, list(self._items), n=3)
            extra = f"; did you mean {', '.join(map(repr, hint))}?" if hint else ""
            raise BenchError(f"unknown {self.kind} {name!r}{extra} (known: {', '.join(sorted(self._items))})")
        item = self._items[name]
        if isinstance(item, str):
            module_name, _, attr = item.partition(":")
            item = getattr(importlib.import_module(module_name), attr)
            self._items[name] = item
        return item  # type: ignore[return-value]

    def target(self, name: str) -> str:
        """``"module:attr"`` of entry ``name`` without importing it (what a lazy entry points at)."""
        item = self._items[name] if name in self._items else self.get(name)
        return item if isinstance(item, str) else f"{item.__module__}:{item.__qualname__}"

    def names(self) -> list[str]:
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {self.names()})"


def build(registry: Registry[Any], block: dict[str, Any]) -> Any:
    """Instantiate a ``{"type": name, **kwargs}`` config block from ``registry``."""
    if "type" not in block:
        raise BenchError(f"{registry.kind} config block needs a 'type' key, got keys {sorted(block)}")
    kwargs = {k: v for k, v in block.items() if k != "type"}
    return registry.get(block["type"])(**kwargs)
