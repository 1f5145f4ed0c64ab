"""Official weight files of the published BFR methods (``restore --method gfpgan|codeformer|…``).

None of them is downloaded by the suite: the user obtains the official file from where it is published and
gives its path (``--option weights=PATH`` or params ``methods.published.<method>.weights``). Each entry
records the official file name, the official release URL, the size in bytes where a public source states
it (None: not stated in a source we could check) and how the official inference script unwraps the file.
The file's SHA-256 is measured on use and recorded in the restore run's ``run.json``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flipnet_bench.registry import Registry
from flipnet_bench.weights.spec import WeightSpec
from flipnet_bench.weights.specs import register_weight


@dataclass(frozen=True)
class PublishedWeight:
    """One official weight file of a published method."""

    method: str
    filename: str
    url: str
    #: Where the official inference takes the state dict from: a key of the loaded dict, in order of
    #: preference (``params_ema`` then ``params``: basicsr's convention), or () for a plain state dict.
    state_keys: tuple[str, ...]
    #: Official inference's prefix handling: keep only keys starting with it and strip it (RestoreFormer++'s
    #: Lightning checkpoint stores the network under ``state_dict`` as ``vqvae.*``).
    prefix: str = ""
    size_bytes: int | None = None
    license: str = ""
    description: str = ""

    @property
    def params_key(self) -> str:
        return f"methods.published.{self.method}.weights"

    def where(self) -> str:
        size = f"{self.size_bytes:,} bytes" if self.size_bytes else "size not stated by the release"
        return f"{self.filename} (published at {self.url}; {size})"


PUBLISHED_WEIGHTS: Registry[PublishedWeight] = Registry("published weight")

for _entry in (
    PublishedWeight(
        "gfpgan", "GFPGANv1.4.pth", "https://github.com/TencentARC/GFPGAN/releases/download/v1.3.0/GFPGANv1.4.pth",
        ("params_ema", "params"), license="TencentARC/GFPGAN LICENSE (Tencent; Apache-2.0 based)",
        description="GFPGAN v1.4 (GFPGANv1Clean, channel multiplier 2)",
    ),
    PublishedWeight(
        "codeformer", "codeformer.pth", "https://github.com/sczhou/CodeFormer/releases/download/v0.1.0/codeformer.pth",
        ("params_ema",), license="S-Lab License 1.0 (sczhou/CodeFormer LICENSE)",
        description="CodeFormer (restoration weights of inference_codeformer.py)",
    ),
    PublishedWeight(
        "restoreformer", "RestoreFormer.pth",
        "https://github.com/TencentARC/GFPGAN/releases/download/v1.3.4/RestoreFormer.pth",
        ("params_ema", "params"), license="TencentARC/GFPGAN release file; see wzhouxiff/RestoreFormer",
        description="RestoreFormer (CVPR 2022)",
    ),
    PublishedWeight(
        "restoreformer_pp", "RestoreFormer++.ckpt",
        "https://github.com/wzhouxiff/RestoreFormerPlusPlus/releases/download/v1.0.0/RestoreFormer++.ckpt",
        ("state_dict",), prefix="vqvae.", license="Apache-2.0 (wzhouxiff/RestoreFormerPlusPlus LICENSE)",
        description="RestoreFormer++ (TPAMI 2023), PyTorch-Lightning checkpoint",
    ),
    PublishedWeight(
        "gpen", "GPEN-BFR-512.pth",
        "https://public-vigen-video.oss-cn-shanghai.aliyuncs.com/robin/models/GPEN-BFR-512.pth",
        (), license="no LICENSE file in yangxy/GPEN; see its README",
        description="GPEN-BFR-512 (FullGenerator 512, channel multiplier 2)",
    ),
):  # fmt: skip
    PUBLISHED_WEIGHTS.register(_entry.method, _entry)
    register_weight(
        WeightSpec(
            name=f"published_{_entry.method}", filename=_entry.filename, sha256=None, sources=(),
            description=f"{_entry.description}; published at {_entry.url}", license=_entry.license,
            local_path_param=_entry.params_key,
        )
    )  # fmt: skip
