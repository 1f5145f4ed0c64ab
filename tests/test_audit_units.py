"""Small pieces of the audit: pixel comparison (CPU exact / GPU tolerance), dvc status flattening, metric
tolerance, export discovery, sampling."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from flipnet_bench.audit import AuditContext, AuditOptions
from flipnet_bench.audit.datasets_check import find_exports
from flipnet_bench.audit.determinism_check import GPU_TOLERANCE, compare_pixels
from flipnet_bench.audit.dvc_check import describe_status
from flipnet_bench.audit.rescoring_check import ABS, REL, close


def test_compare_pixels_exact_on_cpu_tolerant_on_gpu() -> None:
    a = np.full((8, 8, 3), 100, np.uint8)
    b = a.copy()
    assert compare_pixels(a, b, exact=True) is None
    b[0, 0, 0] = 101
    assert compare_pixels(a, b, exact=True) == "1 pixels differ, max 1, mean 0.005"
    assert compare_pixels(a, b, exact=False) is None  # one level on one pixel: within the GPU tolerance
    b[:] = 100 + GPU_TOLERANCE["max"] + 1
    assert "GPU tolerance" in compare_pixels(a, b, exact=False)
    assert compare_pixels(a, a[:4], exact=False).startswith("shape")


def test_describe_status_ignores_always_changed() -> None:
    status = {
        "b": ["always changed"],
        "a": [{"changed deps": {"in.txt": "modified"}}, {"changed outs": {"o.png": "deleted"}}],
        "c": ["changed checksum"],
    }
    assert describe_status(status) == [
        "a: changed deps in.txt (modified)",
        "a: changed outs o.png (deleted)",
        "c: changed checksum",
    ]
    assert describe_status({"b": ["always changed"]}) == []


def test_metric_tolerance() -> None:
    assert close(20.0, 20.0 + 20.0 * REL * 0.9, REL)
    assert not close(20.0, 20.0 + 20.0 * REL * 1.1 + ABS, REL)
    assert close(0.0, ABS / 2, REL) and not close(0.0, float("nan"), REL)


def test_find_exports_skips_hidden_and_virtualenvs(tmp_path: Path) -> None:
    card = "---\nprovenance:\n  fingerprint_sha256: abc\n---\n\n# x\n"
    for folder in ("exports/a", ".hidden/b", "venv/lib/c", "plain"):
        (tmp_path / folder / "data").mkdir(parents=True)
        (tmp_path / folder / "data" / "train-00000-of-00001.parquet").write_bytes(b"x")
        (tmp_path / folder / "README.md").write_text(card if folder != "plain" else "# no card\n")
    (tmp_path / "venv" / "pyvenv.cfg").write_text("home = /usr\n")
    assert find_exports(tmp_path) == [tmp_path / "exports/a"]


def test_sample_is_reproducible_and_subject_dependent() -> None:
    ctx = AuditContext(AuditOptions(samples=3, seed=7))
    items = list(range(100))
    first = ctx.sample(items, "restore a/b")
    assert first == ctx.sample(items, "restore a/b") and first == sorted(first) and len(first) == 3
    assert first != ctx.sample(items, "restore c/d")
    assert ctx.sample(items[:2], "x") == [0, 1]
