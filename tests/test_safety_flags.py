"""Error texts name only options that exist: every ``--flag`` in a raised error or warning of the code is an
option of a command that code serves (or of the command the message itself names, ``flipnet-bench X ...``),
and the shared readers suggest ``--lenient`` only to commands that have it."""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

import pytest

from flipnet_bench.cli import build_parser, main
from tests._hostile import REPO, seeds

FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*[a-z0-9](?!\w)")
NAMED = re.compile(r"flipnet-bench ((?:[a-z][a-z0-9-]* ?){1,2})")
#: Flags of other programs that messages quote (pip's install option).
EXTERNAL = {"--no-deps"}
#: Source folder (or file) → the commands its messages are shown by; anything else is shared by all.
SERVES: dict[str, tuple[tuple[str, ...], ...]] = {
    "data": (("data",), ("publish",)),
    "degrade": (("degrade",),),
    "methods": (("restore",), ("train", "restorer")),
    "metrics": (("score",), ("fid-stats",)),
    "protocols": (("score",), ("protocols",)),
    "report/realism": (("realism",),),
    "report": (("report",), ("realism",)),
    "stats": (("compare",),),
    "train": (("train",),),
    "audit": (("audit",),),
    "weights": (("weights",),),
    "models/flipnet": (("restore",), ("degrade",), ("train",), ("realism",)),
}
#: Library code whose messages a script shows (its options, read from its add_argument calls).
SCRIPTS = {"data/bundle": "scripts/make_default_data.py"}


def _parsers() -> dict[tuple[str, ...], set[str]]:
    """Command path (``("train", "restorer")``) → the long options of it and every sub-command below it."""
    found: dict[tuple[str, ...], set[str]] = {}

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> set[str]:
        flags = {o for a in parser._actions for o in a.option_strings if o.startswith("--")}
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    flags |= walk(sub, (*path, name))
        found[path] = flags
        return flags

    walk(build_parser(), ())
    return found


def _messages(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every raised exception and every ``*Error``/``*Warning``/``warn`` call's strings."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        target = None
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
            if name.endswith(("Error", "Warning", "Refused")) or name == "warn":
                target = node
        if target is not None:
            parts = [
                n.value for n in ast.walk(target) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            ]
            out.append((node.lineno, " ".join(parts)))
    return out


def _serving(rel: str, parsers: dict[tuple[str, ...], set[str]]) -> set[str]:
    for prefix, script in SCRIPTS.items():
        if rel.startswith(prefix):
            return set(re.findall(r"add_argument\(\s*\"(--[a-z0-9-]+)\"", (REPO / script).read_text()))
    for prefix in sorted(SERVES, key=len, reverse=True):
        if rel.startswith(prefix):
            return set().union(*(parsers[c] for c in SERVES[prefix]))
    return parsers[()]


def _named(text: str, parsers: dict[tuple[str, ...], set[str]]) -> set[str]:
    flags: set[str] = set()
    for words in NAMED.findall(text):
        path = tuple(words.split())
        while path and path not in parsers:
            path = path[:-1]
        if path:
            flags |= parsers[path]
    return flags


def test_every_flag_in_an_error_exists_where_it_is_shown() -> None:
    parsers = _parsers()
    root = REPO / "flipnet_bench"
    wrong = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        allowed = _serving(rel, parsers) | EXTERNAL
        for line, text in _messages(path):
            for flag in set(FLAG.findall(text)) - allowed - _named(text, parsers):
                wrong.append(f"{rel}:{line}: {flag} in {text[:100]!r}")
    assert not wrong, "\n".join(wrong)


def _bad_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.png").write_bytes(seeds()["png"][1])
    (folder / "b.png").write_bytes(b"not an image")
    return folder


@pytest.mark.parametrize(
    ("argv", "has_lenient"),
    [
        (["restore", "--method", "identity", "--lq", "{in}", "--out", "{tmp}/r"], False),
        (["score", "--pred", "{in}", "--metrics", "niqe", "--out", "{tmp}/s.json"], True),
        (["degrade", "--hq", "{in}", "--out", "{tmp}/d", "--quiet"], True),
    ],
)
def test_unreadable_image_hint_matches_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], has_lenient: bool
) -> None:
    folder = _bad_folder(tmp_path)
    assert main([a.format(**{"in": folder, "tmp": tmp_path}) for a in argv]) == 2
    err = capsys.readouterr().err
    assert "b.png" in err and ("--lenient" in err) == has_lenient, err


def test_a_command_without_lenient_does_not_change_later_library_hints(tmp_path: Path) -> None:
    from flipnet_bench.io import ImageReadError, read_image

    folder = _bad_folder(tmp_path)
    assert main(["restore", "--method", "identity", "--lq", str(folder), "--out", str(tmp_path / "r")]) == 2
    with pytest.raises(ImageReadError, match="--lenient"):  # a library caller: lenient=True exists
        read_image(folder / "b.png")
