"""Every default is defined once: the typed dataclasses hold the defaults, params.yaml holds only what the
pipeline deliberately sets, and no two params.yaml keys carry one setting.

A value equal to its dataclass default may stay in params.yaml only where dvc.yaml needs the key (it
interpolates it with ``${...}``, which reads params.yaml alone, or a stage's params dep watches it), with the
reason written below; otherwise the copy would silently override a later change of the default.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from flipnet_bench.config import load_params, to_dict

REPO = Path(__file__).resolve().parents[1]

#: Keys equal to their default that params.yaml keeps, and why (besides dvc.yaml interpolations).
ALLOWED_DEFAULTS = {
    "pipeline.weights_dir": "the weights stage's params dep: DVC only watches keys present in params.yaml",
    "pipeline.flipnet_real_lq": "the FLIPNET training stages' params dep: a set added here must retrain",
    "methods.published": "the leaderboard's params dep: a published method given weights adds its rows",
    "flipnet.base": "the README's sd21 commands set it with `dvc exp run -S flipnet.base=…`, which Hydra's "
    "override grammar allows only for a key params.yaml has (an absent one needs '+')",
}
#: Key names whose equal values are separate settings that happen to agree, and why.
ALLOWED_SHARED = {
    "batch_size": "per-stage batch sizes change speed only (outputs do not depend on batching)",
    "lr": "the restorer's and FLIPNET's learning rates are tuned separately; they happen to agree",
    "type": "a registry name: several methods run the same implementation (with other checkpoints)",
}


def _interpolated() -> set[str]:
    text = (REPO / "dvc.yaml").read_text(encoding="utf-8")
    return {k for k in re.findall(r"\$\{([\w.-]+)\}", text) if not k.startswith(("item", "key"))}


def _needed_by_dvc(path: str, interpolated: set[str]) -> bool:
    return any(path == k or path.startswith(k + ".") or k.startswith(path + ".") for k in interpolated)


def _field_default(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return dataclasses.MISSING


def equal_to_default(raw: Any, typed: Any, path: str) -> list[str]:
    """Dotted keys of ``raw`` (params.yaml) whose typed value equals its dataclass field's default."""
    found = []
    if dataclasses.is_dataclass(typed) and isinstance(raw, dict):
        fields = {f.name: f for f in dataclasses.fields(typed)}
        for key, value in raw.items():
            sub, where = getattr(typed, key), f"{path}.{key}"
            if to_dict(sub) == to_dict(_field_default(fields[key])):
                found.append(where)
            else:
                found += equal_to_default(value, sub, where)
    elif isinstance(typed, dict) and isinstance(raw, dict):
        for key, value in raw.items():
            found += equal_to_default(value, typed[key], f"{path}.{key}")
    return found


def _leaves(node: Any, path: str) -> list[tuple[str, Any]]:
    if isinstance(node, dict):
        return [leaf for k, v in node.items() for leaf in _leaves(v, f"{path}.{k}" if path else str(k))]
    return [(path, tuple(node) if isinstance(node, list) else node)]


def shared_values(raw: dict) -> dict[str, list[str]]:
    """Keys with the same (non-trivial) value and a common word in their names: one setting written twice,
    like ``flipnet.sample_strength`` and ``methods.flipnet.options.strength`` once were. Keyed by word."""
    groups: dict[tuple[str, Any], list[str]] = defaultdict(list)
    for path, value in _leaves(raw, ""):
        if value is None or isinstance(value, bool) or value in (0, 1, ()) or value == {}:
            continue
        for word in path.rsplit(".", 1)[-1].split("_"):
            groups[(word, value)].append(path)
    return {f"{word}={value!r}": paths for (word, value), paths in groups.items() if len(paths) > 1}


def test_params_yaml_holds_no_copies_of_defaults() -> None:
    raw = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))
    typed = load_params(REPO / "params.yaml")
    interpolated = _interpolated()
    copies = [
        key
        for section, value in raw.items()
        for key in equal_to_default(value, typed[section], section)
        if key not in ALLOWED_DEFAULTS and not _needed_by_dvc(key, interpolated)
    ]
    assert not copies, (
        f"params.yaml repeats these dataclass defaults (remove them, or give a reason): {copies}"
    )
    stale = [key for key in ALLOWED_DEFAULTS if key.split(".")[-1] not in str(raw.get(key.split(".")[0]))]
    assert not stale, f"ALLOWED_DEFAULTS names keys params.yaml no longer has: {stale}"


def test_no_two_keys_carry_one_value() -> None:
    raw = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))
    shared = {
        group: paths
        for group, paths in shared_values(raw).items()
        if not all(p.rsplit(".", 1)[-1] in ALLOWED_SHARED for p in paths)
    }
    assert not shared, f"one value under several params.yaml keys (keep one key, or give a reason): {shared}"


def test_the_checks_can_fail() -> None:
    """The detectors find a planted copy of a default and a planted duplicate setting."""
    from flipnet_bench.models.flipnet.params import FlipnetParams

    raw = {"sample_steps": FlipnetParams().sample_steps, "steps": 7}
    assert equal_to_default(raw, FlipnetParams(steps=7), "flipnet") == ["flipnet.sample_steps"]
    planted = {"flipnet": {"sample_strength": 0.3}, "methods": {"flipnet": {"options": {"strength": 0.3}}}}
    assert shared_values(planted) == {
        "strength=0.3": ["flipnet.sample_strength", "methods.flipnet.options.strength"]
    }
