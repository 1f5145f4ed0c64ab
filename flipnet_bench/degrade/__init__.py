"""Degradation models behind one registry: ``create_degradation(name, **kwargs)``.

``classic`` (presets gfpgan, codeformer, difface, diffbir, daefr), ``realesrgan`` and the learned ``flipnet``
(lazy, another area's module) share the :class:`Degradation` contract of :mod:`flipnet_bench.degrade.base`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flipnet_bench.errors import BenchError
from flipnet_bench.lazy import lazy_exports
from flipnet_bench.registry import Registry

if TYPE_CHECKING:
    from flipnet_bench.degrade.base import Degradation

# ``base`` imports torch: loaded on first use so that the command line starts fast
__getattr__, __dir__, _BASE_EXPORTS = lazy_exports(
    __name__, {".base": ("Degradation", "SampledDegradation", "image_generator", "variant_seed")}
)

DEGRADATIONS: Registry[type[Degradation]] = Registry("degradation")
DEGRADATIONS.register_lazy("classic", "flipnet_bench.degrade.classic:ClassicDegradation")
DEGRADATIONS.register_lazy("realesrgan", "flipnet_bench.degrade.realesrgan:RealESRGANDegradation")
DEGRADATIONS.register_lazy("flipnet", "flipnet_bench.methods.flipnet:FlipnetDegradation")


def create_degradation(name: str, **kwargs: Any) -> Degradation:
    """Build a registered degradation, e.g. ``create_degradation("classic", preset="gfpgan")``."""
    try:
        factory = DEGRADATIONS.get(name)
    except ImportError as exc:  # a lazy entry whose module (or one of its dependencies) is missing
        raise BenchError(f"degradation {name!r} is not available: {exc}") from exc
    return factory(**kwargs)


def list_degradations() -> list[str]:
    return DEGRADATIONS.names()


__all__ = ["DEGRADATIONS", "create_degradation", "list_degradations", *_BASE_EXPORTS]
