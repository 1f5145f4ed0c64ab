"""KID: unbiased squared MMD with the cubic polynomial kernel on Inception features (as torchmetrics).

``k(x, y) = (gamma x·y + coef)^degree`` with ``gamma = 1/D``; the MMD is averaged over ``subsets`` random
subsets of ``subset_size`` images from each side (a seeded generator, not the global RNG). KID needs
features of both sides, so its reference is a folder (``ref_dir``) or the ground truth, never a stats file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from flipnet_bench.errors import BenchError
from flipnet_bench.metrics.base import MetricResult
from flipnet_bench.metrics.fid import InceptionMetric
from flipnet_bench.stats.gram import MMDSubsets, PairedMMDSubsets


def kid_subsets(
    real: torch.Tensor,
    fake: torch.Tensor,
    subsets: int = 100,
    subset_size: int = 1000,
    degree: int = 3,
    gamma: float | None = None,
    coef: float = 1.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """MMD² of ``subsets`` random subset pairs (permutation order as torchmetrics: real, then fake).

    Each pair's MMD² is :class:`~flipnet_bench.stats.gram.PairedMMDSubsets` on that pair alone: the one
    implementation of the kernel and the unbiased estimator, also behind KID's interval. Kernels are built
    per pair, so memory stays ``subset_size²`` whatever the set sizes."""
    available = min(len(real), len(fake))
    if not 2 <= subset_size <= available:
        raise BenchError(f"kid: subset size {subset_size} needs 2 to {available} images on each side")
    kernel = {"degree": degree, "gamma": gamma, "coef": coef}
    real_np, fake_np = real.double().numpy(), fake.double().numpy()
    scores = []
    for _ in range(subsets):
        r = real_np[torch.randperm(len(real), generator=generator)[:subset_size].numpy()]
        f = fake_np[torch.randperm(len(fake), generator=generator)[:subset_size].numpy()]
        scores.append(PairedMMDSubsets(r, f, **kernel).distance(np.arange(len(r)))[0])
    return torch.tensor(scores, dtype=torch.float64)


class KID(InceptionMetric):
    name = "kid"

    def __init__(
        self,
        ref_dir: str | Path | None = None,
        subsets: int = 100,
        subset_size: int = 1000,
        degree: int = 3,
        gamma: float | None = None,
        coef: float = 1.0,
        seed: int = 0,
        **kwargs: Any,
    ) -> None:
        self.subsets, self.subset_size, self.seed = subsets, subset_size, seed
        self.degree, self.gamma, self.coef = degree, gamma, coef
        super().__init__(ref_dir=ref_dir, **kwargs)

    def compute(self) -> MetricResult:
        pred = torch.from_numpy(self.pred_features())
        ref_np, where = self.reference_features()
        ref = torch.from_numpy(ref_np)
        size = min(self.subset_size, len(pred), len(ref))
        if size < 2:
            raise BenchError(f"kid needs at least 2 images on each side, got {len(pred)} and {len(ref)}")
        notes = [f"reference: {where} ({len(ref)} images)"]
        if size < self.subset_size:
            notes.append(f"subset_size {self.subset_size} > available images: used {size}")
        generator = torch.Generator().manual_seed(self.seed)
        scores = kid_subsets(ref, pred, self.subsets, size, self.degree, self.gamma, self.coef, generator)
        value = float(scores.mean())
        kernel = {"degree": self.degree, "gamma": self.gamma, "coef": self.coef}
        if self.has_fixed_reference:  # a reference folder: only the predictions vary
            subsets: Any = MMDSubsets(pred.numpy(), ref_np, **kernel)
        else:  # KID vs the GT of the same images: delete each image from both sides
            subsets = PairedMMDSubsets(pred.numpy(), ref_np, **kernel)
        ci, how = self.interval(value, subsets, len(pred))
        notes.append(how)
        extra = {"std_over_subsets": float(scores.std()), "subset_size": size, "subsets": self.subsets,
                 "reference": where}  # fmt: skip
        return MetricResult(value, ci, len(pred), None, notes, extra, self.feature_arrays(pred.numpy()))

    def definition(self) -> dict[str, Any]:
        return {
            **super().definition(),
            "kernel": f"polynomial degree {self.degree}, gamma {self.gamma or '1/D'}, coef {self.coef}",
            "subsets": self.subsets,
            "subset_size": self.subset_size,
            "reference": str(self.ref_dir or "ground truth of the scored pairs"),
            "interval": "jackknife over images of the unbiased MMD², t quantile",
        }
