"""Hostile inputs through every reading command: each outcome is a clean error naming the file, a listed
skip (``--lenient``) or a documented acceptance; never a traceback, a silent acceptance of an unreadable
file, or a changed/removed input file ("data lost").

The fast run tries the hand-picked cases and ~100 seeded mutants; ``-m slow`` tries >= 10,000 mutants at
the decoder and a sample of them through every command, and prints the table pasted in docs/robustness.md.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from flipnet_bench.cli import main
from flipnet_bench.io.names import safe_name
from tests._hostile import NON_UTF8, REPO, huge_png, mutants, place, special_cases
from tests._hostile_run import (
    COMMANDS,
    FAILURES,
    Case,
    clean_folder,
    decode_outcome,
    format_table,
    run_cli,
    run_table,
)


def _report(capsys: pytest.CaptureFixture[str], text: str) -> None:
    with capsys.disabled():
        print("\n" + text)


def _assert_no_failures(table: dict[str, Counter], decode: Counter) -> None:
    failures = list(table["_failures"])
    assert not failures, "\n".join(failures[:20])
    assert all(decode[f] == 0 for f in FAILURES), decode


def _decode_counts(cases: list[Case], folder: Path) -> Counter:
    folder.mkdir()
    counts: Counter = Counter()
    for index, (label, name, payload) in enumerate(cases):
        sub = folder / str(index)
        sub.mkdir()
        outcome = decode_outcome(place(sub, name, payload))
        assert outcome not in FAILURES, f"{label} ({safe_name(name)}): {outcome}"
        counts[outcome] += 1
        shutil.rmtree(sub)
    return counts


def test_hostile_inputs_fast(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Hand-picked cases through every command, ~100 seeded mutants through the decoder."""
    special = list(special_cases())
    decode = _decode_counts(special + list(mutants(90, seed=1)), tmp_path / "decode")
    table = run_table(special, list(COMMANDS), tmp_path / "cli")
    _report(capsys, format_table(table, len(special), decode))
    _assert_no_failures(table, decode)
    assert table["score"]["accepted"] == 2  # the valid non-UTF-8 name; JPEG bytes named .png (by content)


@pytest.mark.slow
def test_hostile_inputs_many(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """>= 10,000 seeded mutants through the decoder, 200 of them plus the hand-picked cases everywhere."""
    start = time.perf_counter()
    many = list(mutants(10_000, seed=2))
    decode = _decode_counts(many, tmp_path / "decode")
    sample = list(special_cases()) + many[:: len(many) // 200]
    table = run_table(sample, list(COMMANDS), tmp_path / "cli")
    _report(capsys, format_table(table, len(sample), decode) + f"\n({time.perf_counter() - start:.0f} s)")
    _assert_no_failures(table, decode)


def test_huge_png_refused_without_allocating(tmp_path: Path) -> None:
    """20000² and 9000² (header only) and a genuinely valid 10000² PNG: refused from the header, peak RSS
    ~unchanged (decoding the 10000² one grows it by ~1.4 GB). 9000² is below Pillow's own bomb limit, so
    only the project's limit can refuse it."""
    for size in (20000, 10000, 9000):
        (tmp_path / f"huge{size}.png").write_bytes(huge_png(size, size, full=size == 10000))
    probe = (
        "import resource, sys\n"
        "from flipnet_bench.io.images import ImageTooLargeError, read_image\n"
        "from flipnet_bench.data.manifest import build_manifest\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "for name in sys.argv[1:]:\n"
        "    try:\n"
        "        read_image(name)\n"
        "    except ImageTooLargeError as exc:\n"
        "        assert name in str(exc) and ('9000x9000' in str(exc)) == ('9000' in name), exc\n"
        "    else:\n"
        "        raise SystemExit(name + ' was decoded')\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    files = [str(p) for p in sorted(tmp_path.glob("*.png"))]
    proc = subprocess.run([sys.executable, "-c", probe, *files], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-2000:]
    grown_kb = int(proc.stdout.split()[-1])
    assert grown_kb < 50_000, f"peak RSS grew by {grown_kb} kB refusing {files}"  # a decode: 300,000+ kB


def test_non_utf8_names_in_outputs(tmp_path: Path) -> None:
    """A name that is not UTF-8 is written as ``\\xNN`` in score's Parquet, degrade's metadata and the
    manifest; publish and verify find the files through that form."""
    import pandas as pd

    clean_folder(tmp_path / "pred", ("a", NON_UTF8))
    clean_folder(tmp_path / "gt", (NON_UTF8, "a"))  # the other face as GT: finite PSNR
    argv = ["score", "--pred", tmp_path / "pred", "--gt", tmp_path / "gt", "--metrics", "psnr",
            "--out", tmp_path / "s.json", "--per-image", tmp_path / "s.parquet"]  # fmt: skip
    assert main([str(a) for a in argv]) == 0
    shown = "face-\\xff\\xfe"
    assert shown in set(pd.read_parquet(tmp_path / "s.parquet").index)
    assert run_cli("degrade", "--hq", tmp_path / "pred", "--out", tmp_path / "d", "--pairs", "--quiet")() == 0
    meta = pd.read_parquet(tmp_path / "d" / "metadata.parquet")
    assert f"{shown}.png" in set(meta["lq"]) and f"{shown}.png" in set(meta["hq"])
    assert run_cli("publish", tmp_path / "d", "--repo-id", "me/x", "--to-dir", tmp_path / "export")() == 0
    assert main(["data", "manifest", str(tmp_path / "pred")]) == 0
    manifest = json.loads((tmp_path / "pred" / "manifest.json").read_text(encoding="utf-8"))
    assert f"{shown}.png" in {e["path"] for e in manifest["files"]}
    assert main(["data", "verify", str(tmp_path / "pred")]) == 0


def test_manifest_entry_errors_name_entry_and_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = clean_folder(tmp_path / "data")
    assert main(["data", "manifest", str(data)]) == 0
    manifest = json.loads((data / "manifest.json").read_text())
    for key, value in (("bytes", None), ("sha256", 5), ("bytes", "12"), ("path", None)):
        broken = json.loads(json.dumps(manifest))
        if value is None:
            del broken["files"][1][key]
        else:
            broken["files"][1][key] = value
        (data / "manifest.json").write_text(json.dumps(broken))
        assert main(["data", "verify", str(data)]) == 2
        err = capsys.readouterr().err
        assert repr(key) in err and ("b.png" in err or "files[1]" in err), err
