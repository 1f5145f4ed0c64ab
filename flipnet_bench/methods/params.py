"""Typed params of the benchmark pipeline's method side: ``pipeline``, ``prepare``, ``synth``, ``restorer``,
``methods`` sections of params.yaml (each DVC stage lists only the dotted keys it reads)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flipnet_bench.config import ParamsError, check_range
from flipnet_bench.degrade.defaults import DEFAULT_PRESET
from flipnet_bench.train.restorer_config import RestorerTrainConfig, RestorerVariant

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
    #: Methods run by ``restore@<set>-<method>`` / ``score@…`` (entries in ``methods.builtin``/``external``).
    methods: list[str] = field(default_factory=lambda: ["identity", "restorer_o", "restorer_of"])
    #: FLIPNET-type methods: their own stages (``restore-flipnet@…``, ``score-flipnet@…``), because only
    #: they run the FLIPNET sampler and read the ``flipnet:`` sampling keys (DVC deps follow the code).
    flipnet_methods: list[str] = field(default_factory=lambda: ["flipnet"])
    weights_dir: Path | None = None
    #: Real-world LQ face sets FLIPNET may use as unpaired training data. Empty by default: the bundled
    #: real-world sets are also the test sets, and training on them would contaminate both the restoration
    #: scores and the degradation-realism study.
    flipnet_real_lq: list[str] = field(default_factory=list)
    #: Seed spread of the stochastic (FLIPNET-type) methods: on these sets they are also run with each of
    #: ``extra_seeds`` (besides their own ``seed``), by ``restore-seed@…`` / ``score-seed@…``. Off by default.
    seed_sets: list[str] = field(default_factory=list)
    extra_seeds: list[int] = field(default_factory=list)
    #: Which of ``flipnet_methods`` get the seed spread (each one costs a restore and a score per seed).
    seed_methods: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for alias in self.sets:
            if "@" in alias or "/" in alias:
                raise ParamsError(f"pipeline.sets: alias {alias!r} may not contain '@' or '/'")
        unknown = sorted(set(self.seed_sets) - set(self.sets))
        if unknown:
            raise ParamsError(f"pipeline.seed_sets: {unknown} are not in pipeline.sets ({sorted(self.sets)})")
        if len(set(self.extra_seeds)) != len(self.extra_seeds) or any(s < 0 for s in self.extra_seeds):
            raise ParamsError(f"pipeline.extra_seeds: {self.extra_seeds} must be distinct non-negative ints")
        if set(self.seed_methods) - set(self.flipnet_methods):
            extra = sorted(set(self.seed_methods) - set(self.flipnet_methods))
            raise ParamsError(f"pipeline.seed_methods: {extra} are not in pipeline.flipnet_methods")
        if not self.methods and not self.flipnet_methods:
            raise ParamsError("pipeline.methods: list at least one method")
        both = set(self.methods) & set(self.flipnet_methods)
        if both:
            raise ParamsError(f"pipeline: {sorted(both)} listed in both methods and flipnet_methods")

    def all_methods(self) -> list[str]:
        """Every built-in method the pipeline runs, in leaderboard order."""
        return [*self.methods, *self.flipnet_methods]


@dataclass(frozen=True)
class PrepareParams:
    """How the CelebA-Test-style synthetic test pairs are made from the HQ test split."""

    source: str = "hq-test"
    model: str = "classic"
    preset: str = DEFAULT_PRESET
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
            "classic": SynthModel("classic", DEFAULT_PRESET),
            "realesrgan": SynthModel("realesrgan"),
        }
    )
    flipnet: SynthModel = field(default_factory=lambda: SynthModel("flipnet"))

    def all_models(self) -> dict[str, SynthModel]:
        return {**self.models, "flipnet": self.flipnet}


def _restorer_variants() -> dict[str, RestorerVariant]:
    return {"restorer_o": RestorerVariant(), "restorer_of": RestorerVariant(["flipnet"], 0.5)}


@dataclass(frozen=True)
class RestorerParams:
    """The baseline restorers: one training recipe (``train``: equal budgets, so "+O" vs "+O/F" compares
    training data only) and per-variant training pairs (the key is the method name in ``methods``)."""

    train: RestorerTrainConfig = field(default_factory=RestorerTrainConfig)
    variants: dict[str, RestorerVariant] = field(default_factory=_restorer_variants)

    def config(self, name: str, pair_dir: Callable[[str], Path]) -> RestorerTrainConfig:
        """Variant ``name``'s full training config; ``pair_dir`` maps a synth set name to its folder."""
        if name not in self.variants:
            known = sorted(self.variants)
            raise ParamsError(f"params.yaml restorer.variants has no {name!r} (known: {known})")
        v = self.variants[name]
        dirs = tuple(str(pair_dir(n)) for n in v.pairs)
        return dataclasses.replace(self.train, pair_dirs=dirs, pair_fraction=v.pair_fraction)


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
class PublishedEntry:
    """A published method (``gfpgan``, ``codeformer``, …): its official weight file (None = not set: the
    method is not run by the pipeline), batch size (file writing only) and method options (e.g. ``{w: 0.7}``
    for CodeFormer's fidelity weight; ``device``)."""

    weights: Path | None = None
    batch_size: int | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MethodsParams:
    """How each method is run. ``builtin``: name -> entry, defined in params.yaml only (each restore stage's
    params dep; which of them run: ``pipeline.methods`` / ``pipeline.flipnet_methods``). FLIPNET entries
    leave checkpoint and sampling to the ``flipnet:`` section, the keys ``restore --method flipnet`` reads.
    ``external``: results declared by the user (every one of them runs)."""

    builtin: dict[str, MethodEntry] = field(default_factory=dict)
    external: dict[str, ExternalEntry] = field(default_factory=dict)
    #: Published methods by registry name (flipnet_bench/weights/published.py lists them); each one whose
    #: ``weights`` is set gets ``restore-published@<set>-<name>`` / ``score-published@…`` stages.
    published: dict[str, PublishedEntry] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from flipnet_bench.weights.published import PUBLISHED_WEIGHTS

        unknown = sorted(set(self.published) - set(PUBLISHED_WEIGHTS.names()))
        if unknown:
            known = ", ".join(PUBLISHED_WEIGHTS.names())
            raise ParamsError(f"methods.published: {unknown} are not published methods (known: {known})")
        clash = sorted(set(self.published) & (set(self.builtin) | set(self.external)))
        if clash:
            raise ParamsError(f"methods: {clash} named both in published and in builtin/external")

    def published_to_run(self) -> list[str]:
        """Published methods whose weights are set, sorted by name."""
        from flipnet_bench.weights.published import PUBLISHED_WEIGHTS

        return [n for n in PUBLISHED_WEIGHTS.names() if n in self.published and self.published[n].weights]

    def entry(self, name: str) -> MethodEntry:
        """The entry of a built-in method (``pipeline.methods`` names), an external or a published one."""
        if name in self.published:
            pub = self.published[name]
            weights = None if pub.weights is None else str(pub.weights)
            return MethodEntry(name, batch_size=pub.batch_size, options={**pub.options, "weights": weights})
        if name in self.external:
            ext = self.external[name]
            return MethodEntry("external", options={"results": str(ext.results), "label": ext.label or name})
        if name not in self.builtin:
            raise ParamsError(
                f"methods.{name} is not defined; define it in params.yaml methods.builtin or "
                f"methods.external (known: {sorted(self.builtin)}, external: {sorted(self.external)})"
            )
        return self.builtin[name]
