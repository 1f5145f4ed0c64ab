from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest

from flipnet_bench import config
from flipnet_bench.config import ParamsError, parse_dataclass
from flipnet_bench.errors import BenchError
from flipnet_bench.registry import Registry, build


@dataclass(frozen=True)
class Inner:
    sigma: tuple[float, float] = (0.1, 10.0)
    kind: Literal["iso", "aniso"] = "iso"


@dataclass(frozen=True)
class Section:
    root: Path = Path("data")
    steps: int = 10
    inner: Inner = field(default_factory=Inner)
    names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        config.check_range("section.steps", self.steps, 1, 100)


def test_parse_ok() -> None:
    s = parse_dataclass(Section, {"steps": 5, "inner": {"sigma": [1, 2]}, "names": ["a"]}, "section")
    assert s.steps == 5 and s.inner.sigma == (1.0, 2.0) and s.root == Path("data")


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"stepz": 5}, r"section\.stepz.*did you mean 'steps'.*allowed keys: root, steps, inner, names"),
        ({"inner": {"sigmaa": [1, 2]}}, r"section\.inner\.sigmaa"),
        ({"inner": {"kind": "gen"}}, r"section\.inner\.kind.*'gen'"),
        ({"steps": "many"}, r"section\.steps: expected an integer"),
        ({"steps": 1000}, r"section\.steps = 1000 is out of range; allowed range is \[1, 100\]"),
        ({"inner": {"sigma": [1, 2, 3]}}, r"section\.inner\.sigma: expected 2 values"),
    ],
)
def test_parse_errors_name_the_key(data: dict, match: str) -> None:
    with pytest.raises(ParamsError, match=match):
        parse_dataclass(Section, data, "section")


def test_unknown_top_level_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(config.SECTIONS._items, "section", f"{__name__}:Section")
    params = tmp_path / "params.yaml"
    params.write_text("section:\n  steps: 3\nsectoin:\n  steps: 4\n")
    with pytest.raises(ParamsError, match="params.sectoin.*did you mean 'section'"):
        config.load_section("section", params)
    params.write_text("section:\n  steps: 3\n")
    assert config.load_section("section", params).steps == 3


def test_registry() -> None:
    reg: Registry = Registry("widget")

    @reg.register("box")
    class Box:
        def __init__(self, size: int = 1) -> None:
            self.size = size

    with pytest.raises(BenchError, match="registered twice"):
        reg.register("box", object)
    with pytest.raises(BenchError, match="did you mean 'box'"):
        reg.get("bx")
    reg.register_lazy("path", "pathlib:Path")
    assert reg.get("path") is Path
    assert build(reg, {"type": "box", "size": 3}).size == 3
    assert reg.names() == ["box", "path"]
