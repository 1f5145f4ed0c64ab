from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from flipnet_bench.cli import main
from flipnet_bench.data.manifest import build_manifest, verify_manifest, write_manifest
from flipnet_bench.errors import BenchError
from flipnet_bench.io import write_image

REPO = Path(__file__).resolve().parents[1]


def _folder(root: Path, rng: np.random.Generator) -> Path:
    for name in ("a.png", "b.png", "sub/c.jpg"):
        write_image(root / name, rng.integers(0, 256, (12, 20, 3), dtype=np.uint8))
    (root / "notes.txt").write_text("hello\n")
    return root


def test_manifest_records_hash_bytes_and_size(tmp_path: Path, rng: np.random.Generator) -> None:
    root = _folder(tmp_path / "d", rng)
    out = write_manifest(root)
    data = json.loads(out.read_text())
    by_path = {e["path"]: e for e in data["files"]}
    assert sorted(by_path) == ["a.png", "b.png", "notes.txt", "sub/c.jpg"]
    assert by_path["sub/c.jpg"]["width"] == 20 and by_path["sub/c.jpg"]["height"] == 12
    assert by_path["a.png"]["bytes"] == (root / "a.png").stat().st_size
    assert "width" not in by_path["notes.txt"] and len(by_path["a.png"]["sha256"]) == 64
    assert build_manifest(root) == data  # deterministic, and the manifest does not list itself
    assert verify_manifest(root).ok


def test_verify_names_changed_missing_and_extra(tmp_path: Path, rng: np.random.Generator, capsys) -> None:
    root = _folder(tmp_path / "d", rng)
    assert main(["data", "manifest", str(root)]) == 0
    assert main(["data", "verify", str(root)]) == 0
    img = rng.integers(0, 256, (12, 20, 3), dtype=np.uint8)
    write_image(root / "a.png", img)  # same size on disk is possible: the hash must catch it
    (root / "b.png").unlink()
    write_image(root / "sub" / "new.png", img)
    capsys.readouterr()
    assert main(["data", "verify", str(root)]) == 1
    out = capsys.readouterr().out
    assert "changed a.png" in out and "missing b.png" in out and "extra   sub/new.png" in out
    report = verify_manifest(root)
    assert (report.changed, report.missing, report.extra) == (["a.png"], ["b.png"], ["sub/new.png"])


def test_verify_without_manifest_is_a_clear_error(tmp_path: Path, capsys) -> None:
    (tmp_path / "x").mkdir()
    with pytest.raises(BenchError, match="manifest not found"):
        verify_manifest(tmp_path / "x")
    assert main(["data", "verify", str(tmp_path / "x")]) == 2
    assert "data manifest" in capsys.readouterr().err


def test_manifest_out_elsewhere(tmp_path: Path, rng: np.random.Generator) -> None:
    root = _folder(tmp_path / "d", rng)
    out = write_manifest(root, tmp_path / "m.json")
    assert not (root / "manifest.json").exists()
    assert verify_manifest(root, out).ok


@pytest.mark.parametrize(
    "folder",
    [
        "hq/train",
        "hq/test",
        "real-lq/lfw-test",
        "real-lq/webphoto-test",
        "real-lq/wider-test",
        "real-lq/celebchild-test",
        "real-lq/celeba-real",
        "real-pairs",
    ],
)
def test_bundled_default_data_matches_its_manifests(folder: str) -> None:
    report = verify_manifest(REPO / "data" / "default" / folder)
    assert report.ok, report.lines()


def test_bundled_default_data_fits_budget() -> None:
    total = sum(p.stat().st_size for p in (REPO / "data" / "default").rglob("*") if p.is_file())
    assert total <= 20 * 1024 * 1024
