"""The hostile-input harness: put one mutant next to clean images, run one reading command on it in-process,
and classify the outcome (clean error naming the file / skipped and listed / accepted / a failure).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import sys
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from flipnet_bench.cli import main
from flipnet_bench.errors import BenchError
from flipnet_bench.io.images import ImageReadError, image_size, read_image
from flipnet_bench.io.names import safe_name
from flipnet_bench.report.realism import set_features
from tests._hostile import place, seeds

Case = tuple[str, str, bytes | str]  # (label, file name, bytes or a trap name)
FAILURES = ("traceback", "unclear error", "unreadable file accepted", "data lost")


@dataclass
class Trial:
    """One command on one folder holding the mutant: what to run and which folders must stay intact."""

    run: Callable[[], int]
    inputs: list[Path]
    mutant: Path
    listing: Path | None = None  # where a lenient run lists what it skipped, besides its output


def clean_folder(folder: Path, stems: tuple[str, ...] = ("a", "b")) -> Path:
    """Valid faces the mutant sits among (alternating two faces, so neighbours differ)."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, stem in enumerate(stems):
        (folder / f"{stem}.png").write_bytes(seeds()["png" if index % 2 == 0 else "png_other_face"][1])
    return folder


def run_cli(*argv: str | Path) -> Callable[[], int]:
    """The CLI in-process (``flipnet_bench.cli.main``), exactly as the shell command would run it."""
    return lambda: main([str(a) for a in argv])


def _score(work: Path, name: str, payload: bytes | str, lenient: bool) -> Trial:
    pred, gt = clean_folder(work / "pred"), clean_folder(work / "gt", ("b", "a"))  # GT: the other face
    (gt / f"{Path(name).stem}.png").write_bytes(seeds()["png_other_face"][1])
    mutant = place(pred, name, payload)
    out = work / "scores.json"
    flags = ["--lenient"] if lenient else []
    run = run_cli("score", "--pred", pred, "--gt", gt, "--metrics", "psnr,ssim", "--out", out, "--per-image",
               work / "per_image.parquet", *flags)  # fmt: skip
    return Trial(run, [pred, gt], mutant, out)


def _degrade(work: Path, name: str, payload: bytes | str, lenient: bool) -> Trial:
    mutant = place(clean_folder(work / "hq"), name, payload)
    flags = ["--lenient"] if lenient else []
    run = run_cli("degrade", "--hq", work / "hq", "--out", work / "out", "--seed", "1", "--quiet", *flags)
    return Trial(run, [work / "hq"], mutant)


def _restore(work: Path, name: str, payload: bytes | str, lenient: bool) -> Trial:
    mutant = place(clean_folder(work / "lq"), name, payload)
    run = run_cli("restore", "--method", "identity", "--lq", work / "lq", "--out", work / "out")
    return Trial(run, [work / "lq"], mutant)


def _realism(work: Path, name: str, payload: bytes | str, lenient: bool) -> Trial:
    mutant = place(clean_folder(work / "set"), name, payload)

    def run() -> int:
        try:
            set_features(work / "set", [], 64, 100, 0)  # decoding and checks only: no feature network
        except BenchError as exc:
            print(f"error: {safe_name(str(exc))}", file=sys.stderr)
            return 2
        return 0

    return Trial(run, [work / "set"], mutant)


def _manifest(work: Path, name: str, payload: bytes | str, lenient: bool) -> Trial:
    mutant = place(clean_folder(work / "data"), name, payload)
    return Trial(run_cli("data", "manifest", work / "data"), [work / "data"], mutant)


def _verify(work: Path, name: str, payload: bytes | str, lenient: bool) -> Trial:
    data = clean_folder(work / "data")
    (data / name).write_bytes(seeds()["png"][1])
    assert main(["data", "manifest", str(data)]) == 0
    (data / name).unlink()
    return Trial(run_cli("data", "verify", data), [data], place(data, name, payload))


def _publish(work: Path, name: str, payload: bytes | str, lenient: bool) -> Trial:
    """The mutant replaces the pair set's ``lq/c.png`` (the metadata names it), keeping only its bytes."""
    template = work.parent / "pair-template"
    if not template.is_dir():
        hq = clean_folder(work.parent / "pair-hq", ("a", "b", "c"))
        assert run_cli("degrade", "--hq", hq, "--out", template, "--pairs", "--quiet")() == 0
    shutil.copytree(template, work / "pairs", symlinks=True)
    (work / "pairs" / "lq" / "c.png").unlink()
    run = run_cli("publish", work / "pairs", "--repo-id", "me/x", "--to-dir", work / "export")
    return Trial(run, [work / "pairs"], place(work / "pairs" / "lq", "c.png", payload))


COMMANDS: dict[str, tuple[Callable[..., Trial], bool]] = {
    "score": (_score, False),
    "score --lenient": (_score, True),
    "degrade": (_degrade, False),
    "degrade --lenient": (_degrade, True),
    "restore": (_restore, False),
    "realism": (_realism, False),
    "data manifest": (_manifest, False),
    "data verify": (_verify, False),
    "publish": (_publish, False),
}


def _snapshot(folders: list[Path]) -> dict[str, str]:
    """Every entry under ``folders``: file → SHA-256, link → its target, folder → "dir"."""
    state = {}
    for folder in folders:
        for dirpath, dirnames, filenames in os.walk(folder):
            for entry in [*dirnames, *filenames]:
                path = Path(dirpath) / entry
                if path.is_symlink():
                    state[str(path)] = "link:" + os.readlink(path)
                elif path.is_dir():
                    state[str(path)] = "dir"
                else:
                    state[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


def decode_outcome(path: Path) -> str:
    """The reader's verdict on one file: "accepted", "clean error" or a failure class."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            arr = read_image(path)
    except ImageReadError as exc:
        return "clean error" if safe_name(path.name) in str(exc) else "unclear error"
    except Exception:  # noqa: BLE001 - any other exception is exactly what this test looks for
        return "traceback"
    assert arr.dtype.name == "uint8" and arr.ndim == 3 and arr.shape[2] == 3
    return "accepted"


def _header_ok(path: Path) -> bool:
    try:
        image_size(path)
    except ImageReadError:
        return False
    return path.is_file()


def command_outcome(command: str, work: Path, name: str, payload: bytes | str) -> tuple[str, str]:
    """Run ``command`` on a folder holding the mutant; (outcome class, detail for a failure message)."""
    setup, lenient = COMMANDS[command]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        trial = setup(work, name, payload, lenient)
        before = _snapshot(trial.inputs)
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                rc = trial.run()
        except Exception as exc:  # noqa: BLE001 - a traceback is the failure this test counts
            return "traceback", f"{type(exc).__name__}: {exc}"
    after = _snapshot(trial.inputs)
    if any(after.get(k) != v for k, v in before.items()):
        return "data lost", str(sorted(k for k, v in before.items() if after.get(k) != v))
    text = out.getvalue() + err.getvalue()
    if trial.listing is not None and trial.listing.is_file():
        listed = json.loads(trial.listing.read_text()).get("info", {}).get("skipped", [])
        text += " ".join(entry["path"] for entry in listed)
    named = safe_name(trial.mutant.stem) in text
    if rc in (1, 2) and named:
        return "clean error", ""
    if rc == 0 and lenient and named:
        return "skipped, listed", ""
    if rc == 0:
        if command == "data manifest":  # pins bytes, reads headers only, walks every folder (documented)
            readable = trial.mutant.is_dir() or _header_ok(trial.mutant)
        else:
            readable = decode_outcome(trial.mutant) == "accepted"
        return ("accepted", "") if readable else ("unreadable file accepted", text[-300:])
    return "unclear error", f"rc {rc}: {text[-300:]}"


def run_table(cases: list[Case], commands: list[str], tmp: Path) -> dict[str, Counter]:
    """Every case through every command; the table's counts and any failure details."""
    table: dict[str, Counter] = defaultdict(Counter)
    failures = []
    for index, (label, name, payload) in enumerate(cases):
        for command in commands:
            work = tmp / f"c{index}-{command.replace(' ', '_')}"
            outcome, detail = command_outcome(command, work, name, payload)
            table[command][outcome] += 1
            if outcome in FAILURES:
                failures.append(f"{command} on {label} ({safe_name(name)}): {outcome} {detail}")
            shutil.rmtree(work, ignore_errors=True)
    table["_failures"] = Counter(failures)
    return table


def format_table(table: dict[str, Counter], tried: int, decode: Counter | None = None) -> str:
    columns = ("clean error", "skipped, listed", "accepted", *FAILURES)
    lines = [f"| command | inputs | {' | '.join(columns)} |", "|---" * (len(columns) + 2) + "|"]
    if decode is not None:
        counts = " | ".join(str(decode[c]) for c in columns)
        lines.append(f"| read_image (decoder) | {sum(decode.values())} | {counts} |")
    for command in COMMANDS:
        if command in table:
            lines.append(f"| {command} | {tried} | {' | '.join(str(table[command][c]) for c in columns)} |")
    return "\n".join(lines)
