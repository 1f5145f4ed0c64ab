"""A method exactly as the pipeline runs it for one test set: one builder for the restore stages and the
audit's re-run, so the two can never configure a method differently."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flipnet_bench.methods import Method, build_method
from flipnet_bench.methods.params import MethodEntry, MethodsParams


def stage_options(entry: MethodEntry, alias: str) -> dict[str, Any]:
    """Constructor options of ``entry`` for set ``alias`` (external results live in ``results/<alias>``)."""
    options = dict(entry.options)
    if entry.checkpoint is not None:
        options["checkpoint"] = entry.checkpoint
    if entry.type == "external":
        options["results"] = f"{options['results']}/{alias}"
    return options


def stage_method(
    methods: MethodsParams, name: str, alias: str, sections: Callable[[str], Any]
) -> tuple[Method, MethodEntry]:
    """Build method ``name`` for set ``alias``; ``sections`` loads the typed params section a method reads
    (FLIPNET: ``flipnet``), the same one ``restore --params`` reads."""
    entry = methods.entry(name)
    return build_method(entry.type, sections, **stage_options(entry, alias)), entry
