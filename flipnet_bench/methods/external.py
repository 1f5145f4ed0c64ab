"""External methods: results computed elsewhere (CodeFormer, DiffBIR, …) scored exactly like ours.

The "restore" step of an external method looks its outputs up by stem in a result folder instead of running
a network; every LQ image must have a result of the same size, so a partial or mismatched folder fails loudly.
"""

from __future__ import annotations

from pathlib import Path

import torch

from flipnet_bench.errors import BenchError
from flipnet_bench.io import list_images, read_image, stem_key, to_tensor
from flipnet_bench.methods import METHODS, Method


@METHODS.register("external")
class ExternalMethod(Method):
    """Returns the stored result for each key from ``results`` (a folder with the LQ set's stems)."""

    name = "external"
    default_batch_size = 32

    def __init__(self, results: str | Path | None = None, label: str | None = None) -> None:
        if results is None:
            raise BenchError("method 'external' needs --results DIR (the other method's output folder)")
        self.root = Path(results)
        self.label = label or self.root.name
        self.files = {stem_key(self.root, p): p for p in list_images(self.root, recursive=True)}

    def check_keys(self, keys: list[str]) -> None:
        """Stems must match the LQ set exactly: missing results are errors, extra ones too (wrong folder?)."""
        missing = sorted(set(keys) - set(self.files))
        extra = sorted(set(self.files) - set(keys))
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"{len(missing)} LQ image(s) have no result, e.g. {missing[:3]}")
            if extra:
                parts.append(f"{len(extra)} result(s) match no LQ image, e.g. {extra[:3]}")
            raise BenchError(f"external results {self.root} do not match the LQ set: {'; '.join(parts)}")

    def restore(self, lq: torch.Tensor, keys: list[str], seed: int) -> torch.Tensor:
        out = []
        for key, image in zip(keys, lq):
            if key not in self.files:
                raise BenchError(f"external results {self.root}: no result for LQ image {key!r}")
            result = to_tensor(read_image(self.files[key]))[0]
            if result.shape != image.shape:
                raise BenchError(
                    f"{self.files[key]}: size {tuple(result.shape[1:])} differs from the LQ image "
                    f"{tuple(image.shape[1:])}; resize the results to the LQ size (the suite does not guess)"
                )
            out.append(result)
        return torch.stack(out)

    def describe(self) -> dict:
        return {"method": self.name, "label": self.label, "results": str(self.root)}
