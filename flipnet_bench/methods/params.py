"""Typed params of the benchmark pipeline's method side: ``pipeline``, ``prepare``, ``synth``, ``restorer``,
``methods`` sections of params.yaml (each DVC stage lists only the dotted keys it reads)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flipnet_bench.config import ParamsError, check_range

SYNTH_TEST_DATASET = "synthetic-celeba-test-style@hq-test"


@dataclass(frozen=True)
class PipelineParams:
    """The matrix axes. ``sets`` maps a short stage-friendly alias to a registered dataset name."""

    sets: dict[str, str] = field(
        default_factory=lambda: {
            "synthetic-hq-test": SYNTH_TEST_DATASET,
            "lfw-test": "lfw-test",
            "webphoto-test": "webphoto-test",
            "wider-test": "wider-test",
            "celebchild-test": "celebchild-test",
            "celeba-real": "celeba-real",
        }
    )
    methods: list[str] = field(default_factory=lambda: ["identity", "restorer_o", "restorer_of", "flipnet"])
    weights_dir: Path | None = None
    out: Path = Path("out")
    #: Real-world LQ face sets FLIPNET may use as unpaired training data. Empty by default: the bundled
    #: real-world sets are also the test sets, and training on them would contaminate both the restoration
    #: scores and the degradation-realism study.
    flipnet_real_lq: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for alias in self.sets:
            if "@" in alias or "/" in alias:
                raise ParamsError(f"pipeline.sets: alias {alias!r} may not contain '@' or '/'")
        if not self.methods:
            raise ParamsError("pipeline.methods: list at least one method")


@dataclass(frozen=True)
class PrepareParams:
    """How the CelebA-Test-style synthetic test pairs are made from the HQ test split."""

    source: str = "hq-test"
    model: str = "classic"
    preset: str = "gfpgan"
    seed: int = 2024


@dataclass(frozen=True)
class SynthModel:
    """One synthesized LQ/HQ pair set (from the HQ train split) for the realism study and "+O/F"."""

    model: str = "classic"
    preset: str | None = None
    variants: int = 1
    seed: int = 0
    batch_size: int = 16

    def __post_init__(self) -> None:
        check_range("synth.<model>.variants", self.variants, 1, 64)


@dataclass(frozen=True)
class SynthParams:
    """``models``: checkpoint-free degradation models; ``flipnet`` apart (its stage needs the checkpoint)."""

    source: str = "hq-train"
    #: A seeded random subset of the source this large (the same for every model); 0 = all images.
    max_images: int = 256
    subset_seed: int = 0
    models: dict[str, SynthModel] = field(
        default_factory=lambda: {
            "classic": SynthModel("classic", "gfpgan"),
            "realesrgan": SynthModel("realesrgan"),
        }
    )
    flipnet: SynthModel = field(default_factory=lambda: SynthModel("flipnet"))

    def all_models(self) -> dict[str, SynthModel]:
        return {**self.models, "flipnet": self.flipnet}


@dataclass(frozen=True)
class RestorerTrain:
    """Training of one restorer variant (see :class:`flipnet_bench.train.restorer.RestorerTrainConfig`)."""

    steps: int = 400
    batch_size: int = 8
    lr: float = 2e-4
    crop: int = 64
    seed: int = 0
    preset: str = "gfpgan"
    channels: tuple[int, ...] = (16, 32, 64)
    pairs: list[str] = field(default_factory=list)
    pair_fraction: float = 0.0

    def __post_init__(self) -> None:
        check_range("restorer.<variant>.steps", self.steps, 1, 10_000_000)
        check_range("restorer.<variant>.pair_fraction", self.pair_fraction, 0.0, 1.0)
        if self.pair_fraction > 0 and not self.pairs:
            raise ParamsError("restorer.<variant>.pair_fraction > 0 needs `pairs` (names of synth sets)")


@dataclass(frozen=True)
class RestorerParams:
    """One entry per trained restorer method (the key is the method name in ``methods``)."""

    restorer_o: RestorerTrain = field(default_factory=RestorerTrain)
    restorer_of: RestorerTrain = field(
        default_factory=lambda: RestorerTrain(pairs=["flipnet"], pair_fraction=0.5)
    )


@dataclass(frozen=True)
class MethodEntry:
    """A method as the pipeline runs it: registry ``type`` + options for its constructor."""

    type: str
    checkpoint: str | None = None
    batch_size: int | None = None
    seed: int = 0
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ExternalEntry:
    """Results of a method run elsewhere: ``results/<set alias>/`` holds one image per LQ stem."""

    results: Path
    label: str | None = None


@dataclass(frozen=True)
class MethodsParams:
    identity: MethodEntry = field(default_factory=lambda: MethodEntry("identity"))
    restorer_o: MethodEntry = field(default_factory=lambda: MethodEntry("restorer", "out/methods/restorer_o"))
    restorer_of: MethodEntry = field(
        default_factory=lambda: MethodEntry("restorer", "out/methods/restorer_of")
    )
    flipnet: MethodEntry = field(default_factory=lambda: MethodEntry("flipnet", "out/methods/flipnet", 8))
    external: dict[str, ExternalEntry] = field(default_factory=dict)

    def entry(self, name: str) -> MethodEntry:
        """The entry of a built-in method (``pipeline.methods`` names) or an external one."""
        if name in self.external:
            ext = self.external[name]
            return MethodEntry("external", options={"results": str(ext.results), "label": ext.label or name})
        if name == "external" or not hasattr(self, name):
            raise ParamsError(
                f"methods.{name} is not defined; define it in params.yaml methods (known: "
                f"identity, restorer_o, restorer_of, flipnet, external: {sorted(self.external)})"
            )
        return getattr(self, name)
