"""VQFR's ArcFace ResNet-18 (``deg_arcface`` / ``ids_arcface``) against the official architecture the
``gfpgan`` package ships (``gfpgan/archs/arcface_arch.py`` ``ResNetArcFace``, the same resnet_face18 whose
weights GFPGAN publishes as arcface_resnet18.pth and VQFR's metrics as resnet18_110.pth)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import torch
from torch import nn

from flipnet_bench.metrics.arcface_resnet import ArcFaceResNet18, load_arcface_resnet18
from tests._strict import unavailable


class _Registry:
    def register(self):  # noqa: ANN201 - stands in for basicsr's ARCH_REGISTRY decorator
        return lambda cls: cls


def _official() -> type[nn.Module]:
    """``ResNetArcFace`` executed from the installed gfpgan source (its basicsr registry import stubbed)."""
    spec = importlib.util.find_spec("gfpgan")
    if spec is None or spec.origin is None:
        unavailable("gfpgan is not installed (scripts/setup.sh installs it)")
    source = (Path(spec.origin).parent / "archs" / "arcface_arch.py").read_text()
    source = source.replace("from basicsr.utils.registry import ARCH_REGISTRY", "")
    namespace: dict = {"ARCH_REGISTRY": _Registry(), "__name__": "gfpgan_arcface_arch"}
    exec(compile(source, "gfpgan/archs/arcface_arch.py", "exec"), namespace)  # noqa: S102 - pinned package source
    return namespace["ResNetArcFace"]


def test_outputs_agree_with_the_official_architecture_on_one_random_state_dict(tmp_path: Path) -> None:
    official = _official()(block="IRBlock", layers=(2, 2, 2, 2), use_se=False).eval()
    torch.manual_seed(0)
    state = {k: (torch.randn_like(v) * 0.05 if v.is_floating_point() else v)
             for k, v in official.state_dict().items()}  # fmt: skip
    state = {k: (v.abs() + 0.5 if k.endswith("running_var") else v) for k, v in state.items()}
    official.load_state_dict(state)
    path = tmp_path / "arcface_resnet18.pth"
    torch.save({"module." + k: v for k, v in state.items()}, path)  # as DataParallel saved it
    ours = load_arcface_resnet18(path)
    assert sorted(ours.state_dict()) == sorted(official.state_dict())
    x = torch.rand(3, 1, 128, 128) * 2 - 1
    with torch.no_grad():
        torch.testing.assert_close(ours(x), official(x), atol=1e-5, rtol=0)
    assert isinstance(ours, ArcFaceResNet18)
