"""pyiqa's weights never run code: a planted pickle in pyiqa's cache (or given as its weights path) is
refused, and its payload never executes."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from flipnet_bench.errors import BenchError
from flipnet_bench.metrics import create_metric
from tests._strict import require

pyiqa = require("pyiqa")
MUSIQ_FILE = "musiq_koniq_ckpt-e95806b9.pth"  # the name pyiqa 0.1.16 loads for `musiq` (koniq)


class _Payload:
    """Unpickling this writes ``marker``: what a hostile weights file would do instead."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (Path.write_text, (self.marker, "code ran"))


def _plant(path: Path, marker: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"params": _Payload(marker)}, path)  # torch's own format: its pickle runs on a full load


def test_planted_file_in_pyiqa_cache_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache, marker = tmp_path / "pyiqa-cache", tmp_path / "marker.txt"
    _plant(cache / MUSIQ_FILE, marker)
    monkeypatch.setattr("pyiqa.utils.download_util.DEFAULT_CACHE_DIR", str(cache))
    with pytest.raises(BenchError, match="refused") as info:
        create_metric("pyiqa:musiq")
    assert MUSIQ_FILE in str(info.value)
    assert not marker.exists(), "the planted file's code ran"


def test_planted_weights_path_is_refused(tmp_path: Path) -> None:
    evil, marker = tmp_path / "weights.pth", tmp_path / "marker.txt"
    _plant(evil, marker)
    with pytest.raises(BenchError, match="refused"):
        create_metric("pyiqa:musiq", pretrained_model_path=str(evil))
    assert not marker.exists(), "the planted file's code ran"


def test_plain_tensor_file_under_its_pinned_name_loads_and_a_renamed_one_is_refused(tmp_path: Path) -> None:
    """A tensors-only file passes (weights_only); the name's SHA-256 prefix is checked before reading."""
    from flipnet_bench.weights.manager import sha256_file
    from flipnet_bench.weights.pyiqa import PyiqaWeightRefused, guarded_load

    plain = tmp_path / "w.pth"
    torch.save({"w": torch.ones(2)}, plain)
    prefix = sha256_file(plain)[:8]
    good = plain.rename(tmp_path / f"net-{prefix}.pth")
    load = guarded_load(torch.load)
    assert torch.equal(load(good, weights_only=False)["w"], torch.ones(2))
    wrong = tmp_path / f"net-{'0' * 8 if prefix != '0' * 8 else '1' * 8}.pth"
    wrong.write_bytes(good.read_bytes())
    with pytest.raises(PyiqaWeightRefused, match="pins a SHA-256"):
        load(wrong)
