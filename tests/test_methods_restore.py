"""The method contract and the generic restore runner: outputs, resume, stale results, external folders."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from flipnet_bench.cli import main
from flipnet_bench.errors import BenchError
from flipnet_bench.io import read_image, write_image
from flipnet_bench.methods import METHODS, Method, build_method, check_restored
from flipnet_bench.methods.run import restore_folder


def _folder(path: Path, n: int = 5, size: int = 32, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    for i in range(n):
        write_image(path / f"img{i}.png", rng.integers(0, 256, (size, size, 3), dtype=np.uint8))
    return path


class _Counting(Method):
    """Inverts the image and counts calls (to see what a resumed run recomputes)."""

    name = "counting"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def restore(self, lq: torch.Tensor, keys: list[str], seed: int) -> torch.Tensor:
        self.seen += keys
        return 1.0 - lq


def test_identity_writes_same_pixels_and_stems(tmp_path: Path) -> None:
    lq = _folder(tmp_path / "lq")
    record = restore_folder(build_method("identity"), lq, tmp_path / "out", batch_size=2, progress=False)
    assert record["n"] == 5 and record["complete"]
    for i in range(5):
        np.testing.assert_array_equal(
            read_image(tmp_path / "out" / f"img{i}.png"), read_image(lq / f"img{i}.png")
        )
    assert json.loads((tmp_path / "out" / "run.json").read_text())["complete"] is True


def test_resume_only_restores_missing_images(tmp_path: Path) -> None:
    lq = _folder(tmp_path / "lq")
    method = _Counting()
    restore_folder(method, lq, tmp_path / "out", progress=False)
    (tmp_path / "out" / "img3.png").unlink()
    method.seen.clear()
    restore_folder(method, lq, tmp_path / "out", progress=False)
    assert method.seen == ["img3"]
    np.testing.assert_array_equal(
        read_image(tmp_path / "out" / "img3.png"), 255 - read_image(lq / "img3.png")
    )


def test_other_run_results_are_cleared_not_mixed(tmp_path: Path) -> None:
    lq = _folder(tmp_path / "lq")
    restore_folder(_Counting(), lq, tmp_path / "out", progress=False)
    (tmp_path / "out" / "img1.png").unlink()
    with pytest.raises(BenchError, match="recorded .*counting.* now .*identity"):  # names both runs
        restore_folder(build_method("identity"), lq, tmp_path / "out", progress=False)
    restore_folder(build_method("identity"), lq, tmp_path / "out", progress=False, overwrite=True)
    for i in range(5):  # every image is identity's now, none left over from the inverting method
        np.testing.assert_array_equal(
            read_image(tmp_path / "out" / f"img{i}.png"), read_image(lq / f"img{i}.png")
        )


def test_refuses_foreign_nonempty_folder(tmp_path: Path) -> None:
    lq = _folder(tmp_path / "lq")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    with pytest.raises(BenchError, match="not created by flipnet-bench"):
        restore_folder(build_method("identity"), lq, tmp_path / "out", progress=False)
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"


def test_external_results_are_used_and_checked(tmp_path: Path) -> None:
    lq = _folder(tmp_path / "lq", n=3)
    results = _folder(tmp_path / "ext", n=3, seed=1)
    restore_folder(build_method("external", results=str(results)), lq, tmp_path / "out", progress=False)
    np.testing.assert_array_equal(read_image(tmp_path / "out" / "img2.png"), read_image(results / "img2.png"))

    (results / "img2.png").unlink()
    write_image(results / "stray.png", np.zeros((32, 32, 3), np.uint8))
    with pytest.raises(BenchError, match=r"1 LQ image\(s\) have no result.*img2.*1 result\(s\) match no LQ"):
        restore_folder(build_method("external", results=str(results)), lq, tmp_path / "o2", progress=False)


def test_external_size_mismatch_is_an_error(tmp_path: Path) -> None:
    lq = _folder(tmp_path / "lq", n=2)
    results = _folder(tmp_path / "ext", n=2, size=64)
    with pytest.raises(BenchError, match="size .*differs from the LQ image"):
        restore_folder(build_method("external", results=str(results)), lq, tmp_path / "out", progress=False)


def test_contract_checks_and_registry_errors() -> None:
    lq = torch.rand(2, 3, 8, 8)
    with pytest.raises(BenchError, match="returned"):
        check_restored("m", lq, torch.rand(2, 3, 4, 4), ["a", "b"])
    with pytest.raises(BenchError, match="NaN"):
        check_restored("m", lq, torch.full_like(lq, float("nan")), ["a", "b"])
    assert check_restored("m", lq, lq * 2, ["a", "b"]).max() <= 1.0
    with pytest.raises(BenchError, match="did you mean 'identity'"):
        build_method("identiti")
    with pytest.raises(BenchError, match="bad options"):
        build_method("identity", checkpoint_dir="x")
    assert {"identity", "restorer", "external", "flipnet"} <= set(METHODS.names())


def test_restore_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lq = _folder(tmp_path / "lq", n=2)
    assert main(["restore", "--method", "identity", "--lq", str(lq), "--out", str(tmp_path / "out")]) == 0
    assert sorted(p.name for p in (tmp_path / "out").glob("*.png")) == ["img0.png", "img1.png"]
    assert main(["restore", "--method", "restorer", "--lq", str(lq), "--out", str(tmp_path / "o2")]) == 2
    assert "needs --checkpoint" in capsys.readouterr().err


def test_changed_checkpoint_content_at_same_path_is_not_resumed(tmp_path: Path) -> None:
    lq = _folder(tmp_path / "lq", n=2)
    ckpt = tmp_path / "ckpt.bin"
    ckpt.write_bytes(b"v1")

    class WithCheckpoint(_Counting):
        def describe(self) -> dict:
            return {"method": "counting", "checkpoint": str(ckpt)}

    method = WithCheckpoint()
    restore_folder(method, lq, tmp_path / "out", progress=False)
    method.seen.clear()
    restore_folder(method, lq, tmp_path / "out", progress=False)
    assert method.seen == []  # same checkpoint bytes: everything resumed
    ckpt.write_bytes(b"v2")  # retrained in place
    with pytest.raises(BenchError, match="fingerprint: recorded"):
        restore_folder(method, lq, tmp_path / "out", progress=False)
    restore_folder(method, lq, tmp_path / "out", progress=False, overwrite=True)
    assert method.seen == ["img0", "img1"]
