"""The ``flipnet-bench`` command line: a thin shell over the library.

Each area contributes its sub-commands from its own ``cli`` module (``register(subparsers)``), so this file
only wires them and turns :class:`BenchError` into a clear message and exit status 2.

Start-up: every ``cli`` module is imported to build the parser, so it (and its package's ``__init__``) holds
argument definitions and light imports only; torch, numpy, OpenCV and the library code are imported inside
the handler, when the command runs. ``--help``, argument errors and quick commands then answer in about
0.1-0.3 s instead of the ~2 s torch's import takes (tests/test_cli_startup.py keeps it so).
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable, Sequence

from flipnet_bench import __version__, heap
from flipnet_bench.errors import BenchError
from flipnet_bench.io.hints import LENIENT_FLAG
from flipnet_bench.io.names import ERRORS as NAME_ERRORS
from flipnet_bench.io.names import safe_name
from flipnet_bench.registry import Registry

#: Each area's command module, as a lazy ``"module:register"`` entry of the one registry idiom: ``register``
#: takes the top-level sub-parsers and adds that area's commands. Adding an area is adding one line.
COMMANDS: Registry[Callable[[argparse._SubParsersAction], None]] = Registry("command module")
for _area, _module in (
    ("methods", "flipnet_bench.methods.cli"),
    ("weights", "flipnet_bench.weights.cli"),
    ("train", "flipnet_bench.train.cli"),
    ("data", "flipnet_bench.data.cli"),
    ("degrade", "flipnet_bench.degrade.cli"),
    ("metrics", "flipnet_bench.metrics.cli"),
    ("protocols", "flipnet_bench.protocols.cli"),
    ("report", "flipnet_bench.report.cli"),
    ("realism", "flipnet_bench.report.realism_cli"),
    ("stats", "flipnet_bench.stats.cli"),
    ("audit", "flipnet_bench.audit.cli"),
):
    COMMANDS.register_lazy(_area, f"{_module}:register")


def command_group(subparsers: argparse._SubParsersAction, name: str, help: str) -> argparse._SubParsersAction:
    """A sub-command shared by several areas (``train prior``, ``train restorer``): made once, reused."""
    parser = subparsers.choices.get(name)
    if parser is None:
        parser = subparsers.add_parser(name, help=help)
        return parser.add_subparsers(dest=f"{name}_command", required=True, metavar="WHAT")
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not actions:
        raise RuntimeError(f"sub-command {name!r} exists but has no sub-commands to extend")
    return actions[0]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flipnet-bench", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"flipnet-bench {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for area in COMMANDS.names():
        COMMANDS.get(area)(subparsers)
    return parser


#: Commands that get the heap settings (flipnet_bench/heap.py, docs/performance.md): they help `score` and are
#: neutral for `degrade`. Training keeps glibc's defaults: with them a `train restoration` step took 1.4-1.6x.
HEAP_COMMANDS = frozenset({"score", "degrade"})


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in HEAP_COMMANDS:
        heap.configure()  # before the command's first tensor (flipnet_bench/heap.py)
    for stream in (sys.stdout, sys.stderr):  # a non-UTF-8 file name is printed as \xNN, never a crash
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors=NAME_ERRORS)
    # error hints name only this command's options (reset afterwards: main may run again in-process)
    hint = LENIENT_FLAG.set(LENIENT_FLAG.get() if hasattr(args, "lenient") else None)
    try:
        result = args.func(args)
    except BenchError as exc:
        print(f"error: {safe_name(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; re-run the same command to resume", file=sys.stderr)
        return 130
    finally:  # output-folder locks end with the command (loaded only by commands that took one)
        LENIENT_FLAG.reset(hint)
        if "flipnet_bench.io.lock" in sys.modules:
            sys.modules["flipnet_bench.io.lock"].release_all()
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
