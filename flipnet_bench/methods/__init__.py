"""Restoration methods: one registry and one contract, so every method is run and scored the same way.

A method maps a batch of low-quality faces to restored faces of the same size. The generic
``flipnet-bench restore --method NAME`` command (``flipnet_bench.methods.cli``) does all file handling
(reading, batching, atomic PNG writes, resume, progress); a method only implements :meth:`Method.restore`.

Add a method by writing one module with ``@METHODS.register("name")`` on a :class:`Method` subclass, or by
declaring it lazily below (keeps heavy imports such as diffusers out of ``import flipnet_bench``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flipnet_bench.errors import BenchError
from flipnet_bench.registry import Registry

if TYPE_CHECKING:  # imported where used: `flipnet-bench --help` reads this package's commands without torch
    import torch

__all__ = ["METHODS", "Method", "build_method", "check_restored"]


class Method:
    """Base class of every restoration method.

    Constructor keyword arguments are the method's options (``checkpoint``, ``device``, ``batch_size``, …);
    unknown options should raise ``TypeError`` (turned into a :class:`BenchError` by :func:`build_method`).
    """

    #: Registry name, set by subclasses (used in output metadata and error messages).
    name: str = ""
    #: Preferred batch size when the caller does not give one (large models may want 1).
    default_batch_size: int = 8
    #: params.yaml section whose typed dataclass the constructor takes as ``params`` (None: no section), so
    #: that the pipeline and the command line configure the method from the same keys.
    params_section: str | None = None

    def restore(self, lq: torch.Tensor, keys: list[str], seed: int) -> torch.Tensor:
        """Restore ``lq`` (float32 ``N×3×H×W`` in [0, 1]) into a tensor of the same shape in [0, 1].

        ``keys`` are the images' stems (for methods that look results up, and for per-image seeding:
        a stochastic method must derive image ``i``'s randomness from ``(seed, keys[i])`` so that the result
        does not depend on batch size or on which images were already done by an interrupted run).
        """
        raise NotImplementedError(f"{type(self).__name__} must implement restore()")

    def describe(self) -> dict[str, Any]:
        """Metadata recorded next to the outputs (method name + options), for provenance."""
        return {"method": self.name}


METHODS: Registry[type[Method]] = Registry("method")
METHODS.register_lazy("identity", "flipnet_bench.methods.identity:IdentityMethod")
METHODS.register_lazy("restorer", "flipnet_bench.methods.restorer:RestorerMethod")
METHODS.register_lazy("external", "flipnet_bench.methods.external:ExternalMethod")
METHODS.register_lazy("flipnet", "flipnet_bench.methods.flipnet:FlipnetRestorer")
# Published BFR methods (official weight file from a user path; flipnet_bench/methods/published.py)
for _name, _target in {
    "gfpgan": "published_gfpgan:GFPGANMethod",
    "codeformer": "published_codeformer:CodeFormerMethod",
    "restoreformer": "published_restoreformer:RestoreFormerMethod",
    "restoreformer_pp": "published_restoreformer:RestoreFormerPPMethod",
    "gpen": "published_gpen:GPENMethod",
}.items():
    METHODS.register_lazy(_name, f"flipnet_bench.methods.{_target}")


def build_method(name: str, sections: Callable[[str], Any] | None = None, **options: Any) -> Method:
    """Instantiate method ``name`` with ``options``, dropping options that are None (= method default).

    ``sections`` (section name -> typed params) supplies the method's ``params_section``, if it has one.
    """
    from flipnet_bench.config import section_options

    cls = METHODS.get(name)
    kwargs = {k: v for k, v in options.items() if v is not None} | section_options(cls, sections)
    try:
        method = cls(**kwargs)
    except TypeError as exc:
        raise BenchError(f"method {name!r}: bad options {sorted(kwargs)} ({exc})") from exc
    if not isinstance(method, Method):
        raise BenchError(f"method {name!r} ({cls!r}) does not subclass flipnet_bench.methods.Method")
    return method


def check_restored(name: str, lq: torch.Tensor, out: torch.Tensor, keys: list[str]) -> torch.Tensor:
    """Enforce the contract on a method's output: same shape, finite; values are clamped to [0, 1]."""
    import torch

    if not isinstance(out, torch.Tensor) or out.shape != lq.shape:
        shape = getattr(out, "shape", type(out).__name__)
        raise BenchError(f"method {name!r} returned {shape} for input {tuple(lq.shape)} (images {keys[:3]}…)")
    if not torch.isfinite(out).all():
        raise BenchError(f"method {name!r} produced NaN/Inf for images {keys[:3]}…; check its checkpoint")
    return out.clamp(0.0, 1.0)
