"""Tamper with each thing the audit guards — an output image, a metrics value, a weight file, a manifest
entry, a recorded package version, a dataset shard — on a tiny self-made workspace and check the audit
fails and names it (and passes when nothing was touched)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from flipnet_bench import cli
from flipnet_bench.audit import AuditOptions, run_audit
from flipnet_bench.io import read_image, write_image
from flipnet_bench.weights.specs import WEIGHTS
from tests._audit_workspace import SET, SYNTH_NAME, WEIGHT_FILE, WEIGHT_NAME, build_workspace, weight_spec

#: Every family except ``dvc`` (the workspace is not a DVC project; test_audit_dvc covers that check).
CHECKS = ["manifests", "weights", "environment", "determinism", "rescoring", "datasets"]
RESTORED = f"out/restored/{SET}/identity"
METRICS = f"metrics/{SET}/identity.json"
ENV = f"out/machine/scores/{SET}/identity/environment.json"  # beside the hashed scores, not inside


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    return build_workspace(tmp_path_factory.mktemp("audit") / "ws")


@pytest.fixture
def ws(pristine, tmp_path, monkeypatch) -> Path:
    """A fresh copy of the workspace per test, with its stand-in weight registered."""
    monkeypatch.setitem(WEIGHTS._items, WEIGHT_NAME, weight_spec())
    return Path(shutil.copytree(pristine, tmp_path / "ws"))


def audit(root: Path, checks: list[str] | None = None, **options):  # noqa: ANN201
    return run_audit(AuditOptions(root=root, samples=10, **options), checks or CHECKS, progress=False)


def failures(report) -> dict[str, list[str]]:  # noqa: ANN001
    """ "check: subject" → named items of every failed row."""
    return {f"{r.check}: {r.subject}": r.items for r in report.failed}


def flip_pixel(path: Path) -> None:
    image = read_image(path).copy()
    image[3, 5, 1] ^= 0x40
    write_image(path, image)


def test_untouched_workspace_passes(ws) -> None:
    report = audit(ws)
    assert report.ok, failures(report)
    passed = {(r.check, r.subject) for r in report.rows if r.status == "pass"}
    assert ("determinism", f"restore {SET}/identity") in passed
    assert ("determinism", "synth/classic") in passed
    assert ("determinism", "synth/realesrgan") in passed
    assert ("rescoring", f"{SET}/identity") in passed
    assert ("weights", WEIGHT_NAME) in passed
    assert ("datasets", "exports/pairs") in passed
    assert ("manifests", "hq-test") in passed


def test_tampered_output_image_fails_determinism(ws) -> None:
    flip_pixel(ws / RESTORED / "face01.png")
    flip_pixel(ws / "out/synth/classic/lq/face02.png")
    report = audit(ws, ["determinism"])
    found = failures(report)
    assert any(
        f"{RESTORED}/face01.png: 1 pixels differ" in i for i in found[f"determinism: restore {SET}/identity"]
    )
    assert any("out/synth/classic/lq/face02.png" in i for i in found["determinism: synth/classic"])
    assert len(found) == 2  # the untouched synthetic test pairs still pass


def test_non_deterministic_method_is_caught(ws, monkeypatch) -> None:
    from flipnet_bench.methods.identity import IdentityMethod

    def noisy(self, lq, keys, seed):  # noqa: ANN001, ANN202 - ignores its seed, like a buggy method
        return (lq + torch.rand(lq.shape) * 0.05).clamp(0, 1)

    monkeypatch.setattr(IdentityMethod, "restore", noisy)
    found = failures(audit(ws, ["determinism"]))
    assert len(found[f"determinism: restore {SET}/identity"]) == 4  # every re-run image differs


def test_tampered_metrics_value_fails_rescoring(ws) -> None:
    numbers = json.loads((ws / METRICS).read_text())
    numbers["psnr"] += 0.01
    (ws / METRICS).write_text(json.dumps(numbers))
    found = failures(audit(ws, ["rescoring"]))
    items = found[f"rescoring: {SET}/identity"]
    assert any(i.startswith(f"{METRICS}: psnr") and "scores.json" in i for i in items)
    assert any(i.startswith(f"{METRICS}: psnr") and "re-scored" in i for i in items)


def test_consistent_forgery_is_still_caught_by_rescoring(ws) -> None:
    """Editing the metrics file and the full result together leaves only the recomputation to catch it."""
    full = ws / f"out/scores/{SET}/identity/scores.json"
    numbers, result = json.loads((ws / METRICS).read_text()), json.loads(full.read_text())
    numbers["ssim"] = 0.999
    entry = result["metrics"]["ssim"] if "metrics" in result else result["ssim"]
    entry["value"] = 0.999
    (ws / METRICS).write_text(json.dumps(numbers))
    full.write_text(json.dumps(result))
    items = failures(audit(ws, ["rescoring"]))[f"rescoring: {SET}/identity"]
    assert items == [next(i for i in items if "ssim = 0.999 recorded" in i and "re-scored" in i)]


def test_tampered_weight_file_fails(ws) -> None:
    with open(ws / "weights" / WEIGHT_FILE, "ab") as handle:
        handle.write(b"\0")
    found = failures(audit(ws, ["weights"]))
    assert list(found) == [f"weights: {WEIGHT_NAME}"]
    assert found[f"weights: {WEIGHT_NAME}"][0].startswith(f"weights/{WEIGHT_FILE}: SHA-256")
    (ws / "weights" / WEIGHT_FILE).unlink()  # a weight the pipeline recorded using, now gone
    assert "is missing" in audit(ws, ["weights"]).failed[0].detail


def test_tampered_manifest_entry_fails(ws) -> None:
    manifest = ws / "data/hq/test/manifest.json"
    data = json.loads(manifest.read_text())
    data["files"][1]["sha256"] = "0" * 64
    manifest.write_text(json.dumps(data))
    found = failures(audit(ws, ["manifests"]))
    # the synthetic test pairs' HQ partners are the hq-test files: both datasets report the change
    changed = ["data/hq/test: changed face01.png"]
    assert found == {"manifests: hq-test": changed, f"manifests: {SYNTH_NAME}": changed}


def test_changed_input_fails_manifest_and_prepare_record(ws) -> None:
    flip_pixel(ws / "data/hq/test/face03.png")
    (ws / "data/hq/train/face00.png").unlink()
    found = failures(audit(ws, ["manifests"]))
    assert found["manifests: hq-test"] == ["data/hq/test: changed face03.png"]
    assert found["manifests: prepare:hq-test"] == ["data/hq/test: changed face03.png"]
    assert found["manifests: prepare:hq-train"] == ["data/hq/train: missing face00.png"]


def test_recorded_package_version_differs(ws) -> None:
    env = json.loads((ws / ENV).read_text())
    env["packages"]["torch"] = "1.0.0"
    (ws / ENV).write_text(json.dumps(env))
    report = audit(ws, ["environment"])
    assert report.ok  # a difference is reported, not failed, by default
    (row,) = [r for r in report.rows if r.status == "warn"]
    assert row.items[0].startswith("packages.torch: '1.0.0' recorded") and ENV in row.items[0]
    strict = audit(ws, ["environment"], fail_on_env_diff=True)
    assert [r.items for r in strict.failed] == [row.items]


def test_missing_environment_record_fails(ws) -> None:
    (ws / ENV).unlink()
    found = failures(audit(ws, ["environment"]))
    assert METRICS in found["environment: records"][0]


def test_tampered_dataset_shard_fails(ws) -> None:
    (shard,) = (ws / "exports/pairs/data").glob("*.parquet")
    data = bytearray(shard.read_bytes())
    data[-10] ^= 0xFF  # inside the Parquet footer: the shard no longer opens
    shard.write_bytes(bytes(data))
    items = failures(audit(ws, ["datasets"]))["datasets: exports/pairs"]
    assert items[0].startswith("exports/pairs: fingerprint") and shard.name in items[0]
    assert f"exports/pairs/data/{shard.name}: not a readable Parquet file" in items[1]


def test_cli_exit_status_and_json_name_the_failure(ws, capsys) -> None:
    out = ws / "audit.json"
    args = ["audit", "--root", str(ws), "--checks", "weights,datasets", "--json", str(out), "--quiet"]
    assert cli.main(args) == 0
    assert json.loads(out.read_text())["ok"] is True
    with open(ws / "weights" / WEIGHT_FILE, "ab") as handle:
        handle.write(b"x")
    assert cli.main(args) == 1
    report = json.loads(out.read_text())
    assert report["ok"] is False and report["failed"] == [f"weights: {WEIGHT_NAME}"]
    assert f"weights: {WEIGHT_NAME}" in capsys.readouterr().out
    assert cli.main(["audit", "--root", str(ws), "--checks", "weightz"]) == 2  # clear error, no table


def test_synthetic_pairs_are_audited_too(ws) -> None:
    flip_pixel(ws / "data/synthetic" / SYNTH_NAME / "lq/face00.png")
    found = failures(audit(ws, ["determinism"]))
    assert found[f"determinism: {SYNTH_NAME}"][0].startswith(f"data/synthetic/{SYNTH_NAME}/lq/face00.png")
    # the identity outputs were made from the original LQ image, so re-running it no longer matches them
    assert found[f"determinism: restore {SET}/identity"][0].startswith(f"{RESTORED}/face00.png")
    assert len(found) == 2


def test_tampered_per_image_value_fails_sampled_rescoring(ws, monkeypatch) -> None:
    """Per-image metrics are re-scored on the sampled images and compared with scores.json's per-image
    values (psnr stands in for the backbone metrics, which need weights this workspace does not have)."""
    from flipnet_bench.audit import rescoring_check

    monkeypatch.setattr(rescoring_check, "WHOLE_SET", ())
    monkeypatch.setattr(rescoring_check, "DEFAULT_SAMPLED", ("psnr",))
    assert audit(ws, ["rescoring"]).ok
    full = ws / f"out/scores/{SET}/identity/scores.json"
    result = json.loads(full.read_text())
    result["per_image"]["psnr"]["face02"] += 1.0
    full.write_text(json.dumps(result))
    items = failures(audit(ws, ["rescoring"]))[f"rescoring: {SET}/identity"]
    assert len(items) == 1 and items[0].startswith(
        f"out/scores/{SET}/identity/scores.json per_image.psnr: face02"
    )
