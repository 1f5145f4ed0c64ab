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


_REALISM_ROOT = "data/default/realism"
_REALISM_SETS = ("lfw-test", "webphoto-test", "wider-test", "celebchild-test", "celeba-real")
#: The study's distances (``SPACE_OF`` in report/realism.py; listed here so params load without torch); the
#: first gives the verdict. Also the defaults of realism_study.StudySettings.
REALISM_DISTANCES = ("fd_deg", "fd_niqe", "fid", "kid")
#: Degradation models the study can synthesize (``MODELS`` in report/realism_study.py); ``flipnet`` is the
#: degradation mode applied at native scale in model-resolution tiles.
REALISM_MODELS = ("classic", "realesrgan", "flipnet")
#: The rows synthesized by default: every model, FLIPNET's degradation mode included.
DEFAULT_REALISM_MODELS = REALISM_MODELS


@dataclass(frozen=True)
class RealismParams:
    """Degradation realism at native pixel scale (docs/realism.md): floors and models synthesized from the
    clean ``hq`` folder vs each ``real`` folder, with split-half ceilings. The defaults are the bundled
    native-pixel crops; the full-size run points ``hq``/``real`` at 512² folders. The first of ``metrics``
    decides whether a real set discriminates (``fd_deg``: the only distance that did on all bundled sets)."""

    metrics: list[str] = field(default_factory=lambda: list(REALISM_DISTANCES))
    hq: str = f"{_REALISM_ROOT}/hq"
    real: dict[str, str] = field(default_factory=lambda: {s: f"{_REALISM_ROOT}/{s}" for s in _REALISM_SETS})
    models: list[str] = field(default_factory=lambda: list(DEFAULT_REALISM_MODELS))
    #: The ``flipnet`` row's checkpoint; None = the pipeline's degradation checkpoint,
    #: ``flipnet.degradation.init`` or else ``flipnet.base`` (the stage resolves it).
    flipnet_checkpoint: str | None = None
    pixel_scale: float | None = 1.0  # face scale of ``hq`` relative to 512² (None: from the image size)
    eval_size: int | None = None  # None: native pixels
    max_images: int = 64
    seed: int = 0

    def __post_init__(self) -> None:
        check_range("realism.max_images", self.max_images, 6, 10_000_000)
        unknown = sorted(set(self.metrics) - set(REALISM_DISTANCES))
        if unknown or not self.metrics:
            choices = ", ".join(REALISM_DISTANCES)
            raise ParamsError(f"realism.metrics = {self.metrics}: choose from {choices}")
        bad_models = sorted(set(self.models) - set(REALISM_MODELS))
        if bad_models:
            choices = ", ".join(REALISM_MODELS)
            raise ParamsError(f"realism.models: {bad_models} unknown; choose from {choices}")
        if not self.real:
            raise ParamsError("realism.real must name at least one real LQ folder")
        if self.pixel_scale is not None:
            check_range("realism.pixel_scale", self.pixel_scale, 1e-3, 64.0)
        if self.eval_size is not None:
            check_range("realism.eval_size", self.eval_size, 32, 4096)


@dataclass(frozen=True)
class LeaderboardParams:
    """What the leaderboard shows: metric columns in order and the number of grid thumbnails per set."""

    columns: list[str] = field(
        default_factory=lambda: ["psnr", "ssim", "lpips", "fid", "niqe", "ids_dlib", "fd_niqe"]
    )
    thumbnails: int = 4
    thumb_size: int = 96
    #: Training-data contrasts shown under the table: "+O/F" method -> its "+O" twin (paired differences).
    contrasts: dict[str, str] = field(
        default_factory=lambda: {"flipnet": "flipnet_o", "restorer_of": "restorer_o"}
    )

    def __post_init__(self) -> None:
        check_range("leaderboard.thumbnails", self.thumbnails, 0, 64)
