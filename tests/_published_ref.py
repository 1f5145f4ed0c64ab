"""The official architecture modules shipped in PyPI packages, imported without their packages' side effects.

``gfpgan`` (1.3.8) and ``codeformer-pip`` (0.0.4) ship the official ``*_arch.py`` files, but importing the
packages pulls in basicsr's full import chain (which fails on current torchvision) and facexlib. The arch
modules themselves need only a registry decorator and, for StyleGAN2, an init helper; this loader puts
stand-ins for those two into ``sys.modules`` while the official files execute, then restores it. Nothing of
the official code is changed: initialisation does not matter because every parity test loads one state dict
into both networks.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType, SimpleNamespace

from tests._strict import unavailable


def _package_dir(name: str) -> Path:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        unavailable(f"the reference package for {name!r} is not installed (scripts/setup.sh installs it)")
    return Path(next(iter(spec.submodule_search_locations)))


class _Registry:
    def register(self, obj=None):  # noqa: ANN001, ANN201 - mimics basicsr's decorator
        return obj if obj is not None else (lambda o: o)


def _module(name: str, path: Path | None = None, **attrs: object) -> ModuleType:
    mod = ModuleType(name)
    if path is not None:
        mod.__path__ = [str(path)]
    mod.__dict__.update(attrs)
    return mod


@contextmanager
def _stand_ins(mods: dict[str, ModuleType]):
    saved = {k: v for k, v in sys.modules.items() if k.split(".")[0] in {m.split(".")[0] for m in mods}}
    for k in saved:
        del sys.modules[k]
    sys.modules.update(mods)
    try:
        yield
    finally:
        for k in [k for k in sys.modules if k.split(".")[0] in {m.split(".")[0] for m in mods}]:
            del sys.modules[k]
        sys.modules.update(saved)


def gfpgan_archs() -> SimpleNamespace:
    """``gfpgan.archs.{gfpganv1_clean_arch, stylegan2_clean_arch, restoreformer_arch}`` (gfpgan 1.3.8)."""
    root = _package_dir("gfpgan")
    registry = SimpleNamespace(ARCH_REGISTRY=_Registry())
    mods = {
        "basicsr": _module("basicsr", Path(".")),
        "basicsr.utils": _module("basicsr.utils", Path(".")),
        "basicsr.utils.registry": _module("basicsr.utils.registry", **vars(registry)),
        "basicsr.archs": _module("basicsr.archs", Path(".")),
        "basicsr.archs.arch_util": _module(
            "basicsr.archs.arch_util", default_init_weights=lambda *a, **k: None
        ),
        "gfpgan": _module("gfpgan", root),
        "gfpgan.archs": _module("gfpgan.archs", root / "archs"),
    }
    with _stand_ins(mods):
        names = ("gfpganv1_clean_arch", "stylegan2_clean_arch", "restoreformer_arch")
        return SimpleNamespace(**{n: importlib.import_module(f"gfpgan.archs.{n}") for n in names})


def codeformer_archs() -> SimpleNamespace:
    """``codeformer.basicsr.archs.{codeformer_arch, vqgan_arch}`` (codeformer-pip 0.0.4)."""
    root = _package_dir("codeformer") / "basicsr"
    logger = SimpleNamespace(info=lambda *a, **k: None, warning=lambda *a, **k: None)
    mods = {
        "codeformer": _module("codeformer", root.parent),
        "codeformer.basicsr": _module("codeformer.basicsr", root),
        "codeformer.basicsr.utils": _module("codeformer.basicsr.utils", root / "utils",
                                            get_root_logger=lambda *a, **k: logger),
        "codeformer.basicsr.utils.registry": _module("codeformer.basicsr.utils.registry",
                                                     ARCH_REGISTRY=_Registry()),
        "codeformer.basicsr.archs": _module("codeformer.basicsr.archs", root / "archs"),
    }  # fmt: skip
    with _stand_ins(mods):
        names = ("vqgan_arch", "codeformer_arch")
        return SimpleNamespace(**{n: importlib.import_module(f"codeformer.basicsr.archs.{n}") for n in names})
