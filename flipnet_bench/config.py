"""Typed params: ``params.yaml`` is validated once, where it enters, into frozen dataclasses.

Each area owns its section's dataclass (listed in ``SECTIONS``); this module only knows how to check a
mapping against a dataclass. Unknown or misspelled keys are errors naming the key and the allowed keys
(``dvc exp run -S`` silently adds misspelled keys, so this is where they are caught).
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import types
import typing
from pathlib import Path
from typing import Any, Literal, TypeVar, Union

import yaml

from flipnet_bench.errors import BenchError

T = TypeVar("T")

#: params.yaml top-level section → "module:DataclassName" (imported lazily).
SECTIONS: dict[str, str] = {
    "data": "flipnet_bench.data.params:DataParams",
    "degrade": "flipnet_bench.degrade.params:DegradeParams",
    "flipnet": "flipnet_bench.models.flipnet.params:FlipnetParams",
    "pipeline": "flipnet_bench.methods.params:PipelineParams",
    "prepare": "flipnet_bench.methods.params:PrepareParams",
    "score": "flipnet_bench.metrics.params:ScoreParams",
    "face_metrics": "flipnet_bench.metrics.face_params:FaceMetricParams",
    "synth": "flipnet_bench.methods.params:SynthParams",
    "restorer": "flipnet_bench.methods.params:RestorerParams",
    "methods": "flipnet_bench.methods.params:MethodsParams",
    "evaluate": "flipnet_bench.report.params:EvaluateParams",
    "realism": "flipnet_bench.report.params:RealismParams",
    "leaderboard": "flipnet_bench.report.params:LeaderboardParams",
}


class ParamsError(BenchError):
    """params.yaml (or a params override) has an unknown key or an invalid value."""


def _unknown_key_error(where: str, key: str, allowed: list[str]) -> ParamsError:
    hint = difflib.get_close_matches(key, allowed, n=1)
    did_you_mean = f" (did you mean {hint[0]!r}?)" if hint else ""
    return ParamsError(f"unknown params key {where}.{key}{did_you_mean}; allowed keys: {', '.join(allowed)}")


def _check_value(tp: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in (a for a in args if a is not type(None)):
            try:
                return _check_value(arg, value, where)
            except ParamsError as exc:
                errors.append(str(exc))
        raise ParamsError(errors[0] if len(errors) == 1 else f"{where}: {value!r} matches none of {args}")
    if origin is Literal:
        if value not in args:
            raise ParamsError(f"{where}: {value!r} is not allowed; choose one of {list(args)}")
        return value
    if dataclasses.is_dataclass(tp):
        return parse_dataclass(tp, value, where)
    if origin in (list, tuple):
        if not isinstance(value, list | tuple):
            raise ParamsError(f"{where}: expected a list, got {value!r}")
        if origin is tuple and args and args[-1] is not Ellipsis:
            if len(args) != len(value):
                raise ParamsError(f"{where}: expected {len(args)} values, got {len(value)}")
            return tuple(_check_value(a, v, f"{where}[{i}]") for i, (a, v) in enumerate(zip(args, value)))
        item = args[0] if args else Any
        items = [_check_value(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, dict):
            raise ParamsError(f"{where}: expected a mapping, got {value!r}")
        val_tp = args[1] if args else Any
        return {k: _check_value(val_tp, v, f"{where}.{k}") for k, v in value.items()}
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParamsError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParamsError(f"{where}: expected an integer, got {value!r}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ParamsError(f"{where}: expected true/false, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ParamsError(f"{where}: expected a string, got {value!r}")
        return value
    if tp is Path:
        if not isinstance(value, str | Path):
            raise ParamsError(f"{where}: expected a path, got {value!r}")
        return Path(value)
    return value


def parse_dataclass(cls: type[T], data: Any, where: str = "params") -> T:
    """Build dataclass ``cls`` from a mapping, checking every key and value; defaults fill the gaps.

    The dataclass's ``__post_init__`` may raise :class:`ParamsError` for range checks.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ParamsError(f"{where}: expected a mapping of keys, got {data!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    for key in data:
        if key not in fields:
            raise _unknown_key_error(where, str(key), list(fields))
    kwargs = {}
    for name, f in fields.items():
        if name in data:
            kwargs[name] = _check_value(hints[name], data[name], f"{where}.{name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ParamsError(f"{where}.{name} is required but missing")
    try:
        return cls(**kwargs)
    except ParamsError:
        raise
    except (TypeError, ValueError) as exc:
        raise ParamsError(f"{where}: {exc}") from exc


def check_range(where: str, value: float, low: float, high: float) -> None:
    """Raise a ParamsError naming ``where`` unless ``low <= value <= high``."""
    if not low <= value <= high:
        raise ParamsError(f"{where} = {value} is out of range; allowed range is [{low}, {high}]")


def section_class(name: str) -> type:
    if name not in SECTIONS:
        raise _unknown_key_error("params", name, sorted(SECTIONS))
    module_name, _, attr = SECTIONS[name].partition(":")
    return getattr(importlib.import_module(module_name), attr)


def read_yaml(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"{path}: params file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: expected a mapping of sections at the top level")
    return data


def load_section(name: str, path: str | Path = "params.yaml") -> Any:
    """Validate the whole file (so any misspelled top-level key fails) and return one typed section."""
    data = read_yaml(path)
    for key in data:
        if key not in SECTIONS:
            raise _unknown_key_error("params", str(key), sorted(SECTIONS))
    return parse_dataclass(section_class(name), data.get(name), name)


def load_params(path: str | Path = "params.yaml") -> dict[str, Any]:
    """Validate every section of ``path``; returns section name → typed dataclass."""
    data = read_yaml(path)
    for key in data:
        if key not in SECTIONS:
            raise _unknown_key_error("params", str(key), sorted(SECTIONS))
    return {name: parse_dataclass(section_class(name), data.get(name), name) for name in SECTIONS}


def to_dict(obj: Any) -> Any:
    """A typed section back to plain YAML/JSON-able data (saved beside every artifact)."""
    if dataclasses.is_dataclass(obj):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, list | tuple):
        return [to_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    if isinstance(obj, Path):
        return str(obj)
    return obj
