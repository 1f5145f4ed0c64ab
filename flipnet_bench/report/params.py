"""Typed params of the evaluation side of the pipeline: ``evaluate``, ``realism`` and ``leaderboard``."""

from __future__ import annotations

from dataclasses import dataclass, field

from flipnet_bench.config import ParamsError, check_range


@dataclass(frozen=True)
class EvaluateParams:
    """How restored sets are scored.

    ``eval_size``: every image (method outputs, GT and LQ alike) is resized with bicubic interpolation to
    ``eval_size``² before scoring, because NIQE needs several 96-px blocks per scale (a 128² image has one);
    0 scores at the native size. ``metrics_gt`` apply to sets with ground truth, ``metrics_real`` to
    real-world sets (FID there is against the HQ split ``fid_reference``; identity metrics compare
    with the LQ input).
    """

    eval_size: int = 256
    metrics_gt: list[str] = field(
        default_factory=lambda: ["psnr", "ssim", "lpips", "fid", "niqe", "ids_dlib"]
    )
    metrics_real: list[str] = field(default_factory=lambda: ["fid", "niqe", "ids_dlib"])
    fid_reference: str = "hq-test"
    batch_size: int = 16

    def __post_init__(self) -> None:
        if self.eval_size != 0:
            check_range("evaluate.eval_size", self.eval_size, 32, 4096)
        if not self.metrics_gt or not self.metrics_real:
            raise ParamsError("evaluate.metrics_gt and evaluate.metrics_real must not be empty")


@dataclass(frozen=True)
class RealismParams:
    """Degradation realism: each synthesized LQ set vs each real-world set, in two feature spaces."""

    metrics: list[str] = field(default_factory=lambda: ["fd_niqe", "fid"])
    max_images: int = 64
    seed: int = 0

    def __post_init__(self) -> None:
        check_range("realism.max_images", self.max_images, 2, 10_000_000)


@dataclass(frozen=True)
class LeaderboardParams:
    """What the leaderboard shows: metric columns in order and the number of grid thumbnails per set."""

    columns: list[str] = field(
        default_factory=lambda: ["psnr", "ssim", "lpips", "fid", "niqe", "ids_dlib", "fd_niqe"]
    )
    thumbnails: int = 4
    thumb_size: int = 96

    def __post_init__(self) -> None:
        check_range("leaderboard.thumbnails", self.thumbnails, 0, 64)
