"""Skips that cannot hide a failure: a missing prerequisite skips only outside CI, a wrong one always fails.

CI (``CI=true``, set by every CI service and by ``.ci/run``) must run every check, so there an absent
download, browser or weight is a failure; on a developer's offline machine it is a skip naming the cause.
A weight whose SHA-256 does not match is never a skip: the file is wrong, not missing.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType

import pytest

from flipnet_bench.errors import BenchError


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str) -> None:
    """Skip (developer machine) or fail (CI) because ``reason`` keeps a check from running."""
    if in_ci():
        pytest.fail(f"CI must run this check, but: {reason}")
    pytest.skip(reason, allow_module_level=True)


def fetch_weights(names: list[str]) -> dict[str, Path]:
    """``weights.fetch(names)``; a hash mismatch fails the test, an unobtainable file is ``unavailable``."""
    from flipnet_bench.weights import fetch

    try:
        return fetch(names)
    except BenchError as exc:
        if "SHA-256" in str(exc):
            pytest.fail(f"weight file does not match its pinned hash: {exc}")
        unavailable(str(exc))
        raise  # unreachable: unavailable() always raises


def require(module: str) -> ModuleType:
    """``pytest.importorskip`` that fails in CI: the test extras install every module the tests import."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        unavailable(f"cannot import {module}: {exc}")
        raise  # unreachable: unavailable() always raises
