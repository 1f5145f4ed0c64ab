"""The ``degrade:`` section of params.yaml (what the pipeline's degrade stages read)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flipnet_bench.config import ParamsError, check_range
from flipnet_bench.degrade.defaults import DEFAULT_PRESET
from flipnet_bench.registry import Registry


@dataclass(frozen=True)
class DegradeParams:
    """Model, preset, seed and per-model overrides of the synthetic LQ sets.

    ``overrides`` are keyword arguments of the model (e.g. ``{blur_sigma: [1, 5]}`` for classic); they are
    checked here against the model's own config so a typo fails when params.yaml is read, not mid-run.
    """

    model: str = "classic"
    preset: str | None = None  # None: the model's default (classic: gfpgan; realesrgan: x4plus)
    seed: int = 10000
    variants: int = 1
    batch_size: int = 8
    overrides: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from flipnet_bench.degrade import DEGRADATIONS

        if self.model not in DEGRADATIONS:
            raise ParamsError(
                f"degrade.model = {self.model!r}; choose one of {', '.join(DEGRADATIONS.names())}"
            )
        check_range("degrade.seed", self.seed, 0, 2**32 - 1)
        check_range("degrade.variants", self.variants, 1, 1000)
        check_range("degrade.batch_size", self.batch_size, 1, 4096)
        self.model_kwargs()  # validates preset and overrides for the built-in models

    def model_kwargs(self) -> dict[str, Any]:
        """Constructor kwargs for ``create_degradation(self.model, **kwargs)`` (validated for built-ins)."""
        return model_kwargs(self.model, self.preset, dict(self.overrides))


def _classic_settings(preset: str | None, overrides: dict[str, Any]) -> dict[str, Any]:
    from flipnet_bench.degrade.presets import classic_config

    classic_config(preset or DEFAULT_PRESET, overrides)
    return {**overrides, "preset": preset or DEFAULT_PRESET}


def _realesrgan_settings(preset: str | None, overrides: dict[str, Any]) -> dict[str, Any]:
    from flipnet_bench.config import parse_dataclass, to_dict
    from flipnet_bench.degrade.realesrgan import RealESRGANConfig

    if preset not in (None, "x4plus"):
        raise ParamsError(f"realesrgan has one preset, 'x4plus'; got {preset!r}")
    parse_dataclass(RealESRGANConfig, to_dict(RealESRGANConfig()) | overrides, "degrade.overrides")
    return dict(overrides)


#: Early checks of the checkpoint-free models' settings (preset, overrides) -> constructor kwargs; a learned
#: model (flipnet) has none here: its settings are its params section and its ``--checkpoint``.
SETTINGS_CHECKS: Registry[Callable[[str | None, dict[str, Any]], dict[str, Any]]] = Registry(
    "degradation settings check"
)
SETTINGS_CHECKS.register("classic", _classic_settings)
SETTINGS_CHECKS.register("realesrgan", _realesrgan_settings)


def model_kwargs(
    model: str, preset: str | None, overrides: dict[str, Any], checkpoint: str | None = None
) -> dict[str, Any]:
    """Map (model, preset, overrides, checkpoint) onto a model's constructor arguments, validating early."""
    checkpoint_free = model in SETTINGS_CHECKS
    kwargs = SETTINGS_CHECKS.get(model)(preset, dict(overrides)) if checkpoint_free else dict(overrides)
    if checkpoint is not None:
        if checkpoint_free:
            raise ParamsError(f"--checkpoint applies to learned degradations (flipnet), not {model!r}")
        kwargs["checkpoint"] = checkpoint
    return kwargs
