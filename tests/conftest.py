"""Shared test fixtures: the optional ``../shared`` data folder and small synthetic images."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FLIPNET_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (present in CI and development): tests that need it skip elsewhere, fail in CI."""
    from tests._strict import unavailable

    data = SHARED / "data"
    if not data.is_dir():
        unavailable(f"shared data folder {data} not present (set FLIPNET_SHARED)")
    return data


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
