"""pyiqa's weight files under the weights manager's rules: hash-checked, and never unpickled as code.

pyiqa 0.1.16 loads its checkpoints with ``torch.load(..., weights_only=False)`` from whatever file sits in its
cache (``$TORCH_HOME/hub/pyiqa``) or at ``pretrained_model_path``: a planted file would run code. While a
pyiqa metric is built (flipnet_bench/metrics/pyiqa_metric.py), every ``torch.load`` goes through
:func:`guarded_load` instead:

* a file named like torch.hub's hashed files (``NAME-<hex prefix>.EXT``, as pyiqa's released weights are:
  the name pins the first digits of the file's SHA-256) must match that prefix: a replaced or corrupted
  file is refused before it is read;
* every file is then read with ``weights_only=True``: tensors and containers only, a pickle carrying any
  other object (code) is refused, never executed.
"""

from __future__ import annotations

import os
import pickle
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flipnet_bench.errors import BenchError
from flipnet_bench.weights.manager import sha256_file

#: torch.hub's convention for hashed file names: ``-`` then at least 8 hex digits before the suffix.
HASHED_NAME = re.compile(r"-([a-f0-9]{8,64})\.[^.]+$")


class PyiqaWeightRefused(BenchError):
    """A pyiqa weight file failed its hash check or holds more than tensors."""


def check_file(path: Path) -> None:
    """The name's SHA-256 prefix (module doc), checked before anything of the file is read."""
    match = HASHED_NAME.search(path.name)
    if match is None:
        return
    actual = sha256_file(path)
    if not actual.startswith(match.group(1)):
        raise PyiqaWeightRefused(
            f"pyiqa weight {path} refused: its name pins a SHA-256 starting {match.group(1)}, the file "
            f"has {actual}; delete it and fetch it again"
        )


def guarded_load(original: Callable[..., Any]) -> Callable[..., Any]:
    """A drop-in for ``torch.load`` (``original``) that applies the module's rules to every call."""

    def load(f: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs.pop("weights_only", None)
        shown = os.fspath(f) if isinstance(f, str | os.PathLike) else repr(f)
        if isinstance(f, str | os.PathLike):
            check_file(Path(f))
        try:
            return original(f, *args, weights_only=True, **kwargs)
        except pickle.UnpicklingError as exc:
            first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
            raise PyiqaWeightRefused(f"pyiqa weight {shown} refused: it holds objects other than tensors "
                                     f"and is not loaded as code ({first})") from None  # fmt: skip

    return load
