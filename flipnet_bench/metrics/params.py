"""The ``score`` params section: defaults the pipeline uses when it scores a folder."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flipnet_bench.config import ParamsError, check_range

#: The full suite scored by default (unknown or unavailable metrics fail at parse time, naming the key).
DEFAULT_METRICS = ("fid", "kid", "lpips", "lpips_vgg", "psnr", "ssim", "niqe", "ids_dlib")


@dataclass(frozen=True)
class ScoreParams:
    """``metrics``: names (see ``flipnet-bench score --list``); ``batch_size``: images per backbone call;
    ``num_workers``: decoding processes (0 = in the main process); ``jackknife_groups``: at most this many
    leave-a-group-out evaluations for FID's and KID's 95% interval (each costs one n×n eigenvalue problem;
    sets up to this size get the delete-one jackknife); ``kid_subsets``/``kid_subset_size``: as
    torchmetrics (the size is clipped to the image count, with a note)."""

    metrics: tuple[str, ...] = DEFAULT_METRICS
    batch_size: int = 8
    num_workers: int = 0
    jackknife_groups: int = 100
    kid_subsets: int = 100
    kid_subset_size: int = 1000
    device: str = "cpu"

    def __post_init__(self) -> None:
        check_range("score.batch_size", self.batch_size, 1, 1024)
        check_range("score.num_workers", self.num_workers, 0, 64)
        check_range("score.jackknife_groups", self.jackknife_groups, 3, 10000)
        check_range("score.kid_subsets", self.kid_subsets, 1, 100000)
        check_range("score.kid_subset_size", self.kid_subset_size, 2, 10**7)
        if not self.metrics:
            raise ParamsError("score.metrics is empty; name at least one metric")
        if not re.fullmatch(r"cpu|mps|cuda(:\d+)?", self.device):  # else silently ignored
            raise ParamsError(f"score.device = {self.device!r} is not a device; use cpu, cuda, cuda:N or mps")

    def metric_kwargs(self) -> dict[str, dict[str, object]]:
        """Per-metric constructor overrides derived from these params."""
        return {
            "fid": {"jackknife_groups": self.jackknife_groups},
            "kid": {
                "subsets": self.kid_subsets,
                "subset_size": self.kid_subset_size,
                "jackknife_groups": self.jackknife_groups,
            },
        }
