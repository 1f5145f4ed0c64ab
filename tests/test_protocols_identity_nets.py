"""``score --protocol ntire2025 | ntire2026 | pmrf`` with random-weight identity networks in the released
formats: the identity columns are computed (none unavailable) and the gate is applied with each edition's
thresholds."""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from flipnet_bench.cli import main
from tests.test_identity_adaface import random_adaface_checkpoint

REPO = Path(__file__).resolve().parents[1]


def _copy(src: Path, dst: Path, n: int) -> Path:
    dst.mkdir(parents=True)
    for path in sorted(src.glob("*.png"))[:n]:
        shutil.copy(path, dst / path.name)
    return dst


def _params(tmp_path: Path, face: dict) -> Path:
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["face_metrics"] = face
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params))
    return path


@pytest.mark.parametrize(("protocol", "threshold"), [("ntire2025", 0.3), ("ntire2026", 0.25)])
def test_ntire_id_sim_and_gate_with_a_random_adaface(
    protocol: str, threshold: float, shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    lq = _copy(shared_data / "real-lq-dev" / "WebPhoto-Test", tmp_path / "WebPhoto-Test", 3)
    params = _params(tmp_path, {"adaface_path": str(random_adaface_checkpoint(tmp_path / "ada.ckpt"))})
    out = tmp_path / "x.json"
    assert main(["score", "--protocol", protocol, "--pred", str(lq), "--lq", str(lq), "--out", str(out),
                 "--params", str(params)]) == 0  # fmt: skip
    (row,) = json.loads(out.read_text())["rows"]
    cell = row["columns"]["ID_Sim"]
    assert cell["status"] == "ok" and cell["metric"] == "ids_adaface"
    assert cell["value"] == pytest.approx(1.0, abs=1e-5)  # each output is its own input
    assert len(cell["definition"]["weights_sha256"]) == 64
    gate = row["identity_gate"]
    assert gate["status"] == "ok" and gate["threshold"] == threshold
    assert gate["below"] == 0 and gate["n"] == 3 and gate["fails"] is False
    assert "identity gate: 0/3 below" in capsys.readouterr().out


class _Landmarks(torch.nn.Module):
    """A random landmark model in the TorchScript contract: (N, 3, 64, 64) in [0, 1] → (N, 98, 2) pixels."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = torch.nn.Linear(3 * 8 * 8, 98 * 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.nn.functional.adaptive_avg_pool2d(x, 8).flatten(1)
        return torch.sigmoid(self.fc(x)).view(-1, 98, 2) * 64


def test_pmrf_every_column_with_random_identity_and_landmark_networks(tmp_path: Path) -> None:
    import cv2

    from flipnet_bench.io import read_image, write_image
    from flipnet_bench.metrics.arcface_resnet import ArcFaceResNet18

    torch.manual_seed(0)
    arc = tmp_path / "resnet18_110.pth"
    torch.save({"module." + k: v for k, v in ArcFaceResNet18().state_dict().items()}, arc)
    awing = tmp_path / "awing.pt"
    torch.jit.script(_Landmarks()).save(str(awing))
    sha = hashlib.sha256(awing.read_bytes()).hexdigest()
    face = {"arcface_resnet18_path": str(arc), "awing_path": str(awing), "awing_sha256": sha,
            "lmd_backend": "torchscript", "deg_min_degrees": 1.0}  # fmt: skip
    params = _params(tmp_path, face)
    gt, pred, mmse, ref = (tmp_path / n for n in ("gt", "pred", "mmse", "ref"))
    rng = np.random.default_rng(1)
    files = sorted((REPO / "data/default/hq/test").glob("*.png"))
    for path in files[:4]:
        img = cv2.resize(read_image(path), (256, 256), interpolation=cv2.INTER_CUBIC)
        write_image(gt / path.name, img)
        img = img.astype(np.int16)
        write_image(
            pred / path.name, np.clip(img + rng.integers(-20, 21, img.shape), 0, 255).astype(np.uint8)
        )
        write_image(mmse / path.name, np.clip(img + rng.integers(-3, 4, img.shape), 0, 255).astype(np.uint8))
    for path in files[4:10]:
        write_image(ref / path.name, read_image(path))
    out = tmp_path / "x.json"
    assert main(["score", "--protocol", "pmrf", "--pred", str(pred), "--gt", str(gt), "--mmse", str(mmse),
                 "--ref", str(ref), "--out", str(out), "--params", str(params)]) == 0  # fmt: skip
    (row,) = json.loads(out.read_text())["rows"]
    for column, cell in row["columns"].items():
        assert cell["status"] == "ok" and math.isfinite(cell["value"]), (column, cell)
    assert row["columns"]["Deg"]["metric"] == "deg_arcface" and row["columns"]["Deg"]["value"] > 1.0
