"""Argument types shared by the commands: a value outside its range is refused by argparse, before any
work, with the flag's name (exit status 2), never later inside numpy, torch or pyarrow."""

from __future__ import annotations

import argparse

#: Seeds are recorded as int64 (metadata Parquet, run records); numpy seeds take any non-negative integer.
SEED_MAX = 2**63 - 1


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def seed(text: str) -> int:
    """A seed: an integer in [0, 2**63 - 1], the range of the int64 it is recorded as."""
    value = _integer(text)
    if not 0 <= value <= SEED_MAX:
        raise argparse.ArgumentTypeError(f"a seed is an integer in [0, 2**63 - 1], got {text}")
    return value


def positive(text: str) -> int:
    """A count: an integer >= 1."""
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text}")
    return value


def non_negative(text: str) -> int:
    """An integer >= 0 (worker counts, where 0 means none)."""
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value
