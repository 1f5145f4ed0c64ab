"""Typed params: ``params.yaml`` is validated once, where it enters, into frozen dataclasses.

Each area owns its section's dataclass (listed in ``SECTIONS``); this module only knows how to check a
mapping against a dataclass. Unknown or misspelled keys are errors naming the key and the allowed keys
(``dvc exp run -S`` silently adds misspelled keys, so this is where they are caught).
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar, Union

import yaml

from flipnet_bench.errors import BenchError
from flipnet_bench.registry import Registry

T = TypeVar("T")

#: params.yaml top-level section → its dataclass (lazy "module:DataclassName" entries of the one registry).
SECTIONS: Registry[type] = Registry("params section")
for _name, _target in {
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
}.items():
    SECTIONS.register_lazy(_name, _target)


class ParamsError(BenchError):
    """params.yaml (or a params override) has an unknown key or an invalid value."""


def _unknown_key_error(where: str, key: str, allowed: list[str]) -> ParamsError:
    hint = difflib.get_close_matches(key, allowed, n=1)
    did_you_mean = f" (did you mean {hint[0]!r}?)" if hint else ""
    return ParamsError(f"unknown params key {where}.{key}{did_you_mean}; allowed keys: {', '.join(allowed)}")


def _check_finite(value: Any, where: str) -> None:
    """NaN/inf pass every range check (comparisons are false) and poison training silently: refuse them."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ParamsError(f"{where}: {value} is not a finite number; give a finite value")
    if isinstance(value, dict):
        for k, v in value.items():
            _check_finite(v, f"{where}.{k}")
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            _check_finite(v, f"{where}[{i}]")


def _check_value(tp: Any, value: Any, where: str) -> Any:
    _check_finite(value, where)
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
    return SECTIONS.get(name)


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's last-wins on a repeated key hides edits; a repeated key is an error naming it and its line."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if key in seen:
                where, first = key_node.start_mark.name, seen[key]
                raise ParamsError(f"{where}: key {key!r} repeated on line {line} (first: line {first})")
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str, name: str = "<params>") -> Any:
    """``yaml.safe_load`` that refuses repeated mapping keys (see :class:`_UniqueKeyLoader`)."""
    loader = _UniqueKeyLoader(text)
    loader.name = name
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def read_yaml(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"{path}: params file not found")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParamsError(f"{path}: not UTF-8 text (byte {exc.start} is 0x{exc.object[exc.start]:02x}); "
                          "a params file is UTF-8 YAML") from exc  # fmt: skip
    except OSError as exc:
        raise ParamsError(f"{path}: cannot read the params file ({exc.strerror})") from exc
    try:
        data = parse_yaml(text, str(path)) or {}
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


#: The command line's ``--params`` default: the project's file, when run from the project root.
DEFAULT_PARAMS = Path("params.yaml")


def cli_params_file(given: str | Path | None) -> Path | None:
    """``--params`` as given, else ``params.yaml`` of the working directory when it exists (the command
    line's documented default; library functions never look for a file themselves)."""
    if given is not None:
        return Path(given)
    return DEFAULT_PARAMS if DEFAULT_PARAMS.is_file() else None


def section_loader(path: str | Path | None) -> Callable[[str], Any]:
    """Section name -> typed section of ``path`` (read once); without a file, each dataclass's defaults."""
    cache: dict[str, Any] = {}

    def get(name: str) -> Any:
        if name not in cache:
            if path is None:
                cache[name] = parse_dataclass(section_class(name), None, name)
            else:
                cache[name] = load_section(name, path)
        return cache[name]

    return get


def split_assignment(
    item: str, flag: str, form: str = "KEY=VALUE", example: str = "steps=20"
) -> tuple[str, str]:
    """One ``KEY=VALUE`` command-line item -> (key without surrounding spaces, value as given): the one
    parser of such items; a missing ``=`` or key is a BenchError naming the flag and an example."""
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise BenchError(f"{flag} {item!r}: expected {form}, e.g. {flag} {example}")
    return key.strip(), value


def parse_assignments(items: list[str], flag: str) -> dict[str, Any]:
    """``KEY=VALUE`` command-line items (VALUE read as YAML: ``[1, 5]``, ``0.3``, ``dpm``) -> a mapping;
    dashes in keys become underscores (``--set blur-sigma=...`` names the field ``blur_sigma``)."""
    parsed: dict[str, Any] = {}
    for item in items:
        key, value = split_assignment(item, flag)
        try:
            parsed[key.replace("-", "_")] = yaml.safe_load(value)
        except yaml.YAMLError as exc:
            raise BenchError(f"{flag} {item!r}: the value is not valid YAML ({exc})") from exc
    return parsed


def section_options(cls: type, sections: Callable[[str], Any] | None) -> dict[str, Any]:
    """``{"params": <typed section>}`` for a component class that declares ``params_section``.

    A component's settings (e.g. FLIPNET's sampling) then live once, in that params.yaml section, and the
    pipeline stage, the command line and the audit build the component from the same keys.
    """
    name = getattr(cls, "params_section", None)
    if name is None or sections is None:
        return {}
    return {"params": sections(name)}


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
