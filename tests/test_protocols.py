"""Named evaluation protocols: complete definitions, unavailable columns named (never zero), the composite
formula, the identity gate, the "All" row, the safe FID statistics loader and ``score --protocol``."""

from __future__ import annotations

import inspect
import json
import math
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from flipnet_bench.cli import main
from flipnet_bench.errors import BenchError
from flipnet_bench.metrics import METRICS, PRESETS
from flipnet_bench.metrics.fid import load_reference_stats
from flipnet_bench.protocols import PROTOCOLS, Protocol, get_protocol
from flipnet_bench.protocols.run import all_row

REPO = Path(__file__).resolve().parents[1]
EXPECTED = {"ntire2025", "ntire2026", "pmrf", "difface", "vqfr", "gfpgan"}


def test_registry_lists_every_protocol_and_the_command_prints_them(capsys: pytest.CaptureFixture) -> None:
    assert EXPECTED <= set(PROTOCOLS.names())
    assert main(["protocols"]) == 0
    out = capsys.readouterr().out
    for name in EXPECTED:
        assert f"{name}: " in out
    assert "Weighted score = CLIP-IQA + MANIQA + MUSIQ/100" in out
    with pytest.raises(BenchError, match="did you mean .*'ntire2025'"):
        get_protocol("ntire2024")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_definition_is_complete_and_maps_onto_real_metric_options(name: str) -> None:
    protocol = get_protocol(name)
    protocol.check()
    described = protocol.describe()
    for key in ("source", "inputs", "image_size", "resize", "crop", "alignment", "rows"):
        assert described[key].strip(), key
    for term in protocol.terms:
        assert term.comparable in ("yes", "approx", "no")
        if term.metric is None:
            assert term.asset is not None and term.asset.file
            continue
        assert term.metric in PRESETS or term.metric.startswith("pyiqa:"), term.metric
        if term.metric in PRESETS:  # every fixed option is a real constructor argument of that metric
            cls = METRICS.get(term.metric)
            accepted = set()
            for klass in cls.__mro__:
                if "__init__" in vars(klass):
                    accepted |= set(inspect.signature(klass.__init__).parameters)
            assert set(term.options) | set(term.paths) <= accepted, (term.column, accepted)


def test_an_unstated_choice_is_refused() -> None:
    ntire = get_protocol("ntire2025")
    broken = Protocol(**{**vars(ntire), "crop": " "})
    with pytest.raises(BenchError, match="crop is not stated"):
        broken.check()


def test_ntire_weighted_score_formula_on_given_numbers() -> None:
    composite = get_protocol("ntire2025").composite
    assert composite is not None
    values = {"CLIP-IQA": 0.7, "MANIQA": 0.5, "MUSIQ": 70.0, "NIQE": 4.0, "FID": 50.0, "QALIGN": 4.0}
    off = frozenset({"QALIGN"})
    assert composite.compute(values, off)["value"] == pytest.approx(0.7 + 0.5 + 0.7 + 0.6 + 0.5)
    assert composite.compute(values)["value"] == pytest.approx(3.0 + 0.8)
    hinged = {**values, "NIQE": 12.0, "FID": 130.0}  # both hinges clip at zero
    assert composite.compute(hinged, off)["value"] == pytest.approx(0.7 + 0.5 + 0.7)
    missing = composite.compute({**values, "FID": None}, off)
    assert missing["value"] is None and missing["missing"] == ["FID"] and "incomplete" in missing["note"]


def test_identity_gate_thresholds_per_set() -> None:
    gate = get_protocol("ntire2025").gate
    assert gate is not None
    assert gate.threshold("WebPhoto-Test") == gate.threshold("webphoto-test") == 0.3
    assert gate.threshold("CelebA") == 0.5 and gate.threshold("celebchild-test") == 0.6
    assert gate.threshold("LFW") == 0.6 and gate.threshold("Wider-Test") == 0.3
    assert gate.threshold("FFHQ") is None
    new = get_protocol("ntire2026").gate  # the 2026 eval.py: only WIDER and WebPhoto change
    assert new is not None and new.column == "ID_Sim"
    assert new.threshold("Wider-Test") == 0.2 and new.threshold("WebPhoto-Test") == 0.25
    assert new.threshold("CelebA") == 0.5 and new.threshold("LFW-Test") == new.threshold("CelebChild") == 0.6
    ntire2025, ntire2026 = (get_protocol(n).describe() for n in ("ntire2025", "ntire2026"))
    assert {k: v for k, v in ntire2025.items() if k not in ("name", "title", "source", "alignment",
            "identity_gate")} == {k: v for k, v in ntire2026.items() if k not in ("name", "title", "source",
            "alignment", "identity_gate")}  # fmt: skip


def test_all_row_is_the_count_weighted_mean_and_distribution_metrics_are_not_averaged() -> None:
    protocol = get_protocol("ntire2025")

    def row(niqe: float, n: int) -> dict:
        columns = {t.column: {"status": "unavailable", "value": None} for t in protocol.terms}
        columns["NIQE"] = {"status": "ok", "value": niqe, "n": n}
        columns["FID"] = {"status": "ok", "value": 40.0, "n": n}
        return {"set": "x", "n": n, "columns": columns}

    out = all_row(protocol, [row(4.0, 100), row(6.0, 50)])
    assert out["columns"]["NIQE"]["value"] == pytest.approx((4.0 * 100 + 6.0 * 50) / 150)
    assert out["columns"]["FID"]["value"] is None and "one folder" in out["columns"]["FID"]["reason"]
    assert out["n"] == 150 and out["composite"]["value"] is None


def _numpy1_style_save(obj: object, path: Path) -> None:
    """Save as an environment with numpy 1.x would (``numpy.core.multiarray._reconstruct``)."""
    rebuild = np._core.multiarray._reconstruct
    old = rebuild.__module__
    rebuild.__module__ = "numpy.core.multiarray"
    try:
        torch.save(obj, path)
    finally:
        rebuild.__module__ = old


def test_basicsr_style_statistics_round_trip(tmp_path: Path, rng: np.random.Generator) -> None:
    mu, feats = rng.normal(size=6), rng.normal(size=(20, 6))
    sigma = np.cov(feats, rowvar=False)
    torch.save({"name": "ffhq", "size": 512, "mean": mu, "cov": sigma}, tmp_path / "stats.pth")
    _numpy1_style_save({"mean": mu, "cov": sigma}, tmp_path / "old.pth")
    np.savez(tmp_path / "stats.npz", mu=mu, sigma=sigma)
    for name in ("stats.pth", "old.pth", "stats.npz"):
        got_mu, got_sigma = load_reference_stats(tmp_path / name)
        np.testing.assert_array_equal(got_mu, mu)
        np.testing.assert_array_equal(got_sigma, sigma)
    torch.save({"mean": mu}, tmp_path / "nocov.pth")
    with pytest.raises(BenchError, match="'mean' and 'cov'"):
        load_reference_stats(tmp_path / "nocov.pth")


class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (Path.touch, (self.marker,))


def test_a_malicious_statistics_pickle_is_refused_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    torch.save({"mean": np.zeros(2), "cov": _Payload(marker)}, tmp_path / "evil.pth")
    assert not marker.exists()
    with pytest.raises(BenchError, match="refused or unreadable"):
        load_reference_stats(tmp_path / "evil.pth")
    assert not marker.exists()
    (tmp_path / "raw.pth").write_bytes(pickle.dumps(_Payload(marker)))  # legacy (non-zip) format
    with pytest.raises(BenchError, match="refused or unreadable"):
        load_reference_stats(tmp_path / "raw.pth")
    assert not marker.exists()


def _copy(src: Path, dst: Path, count: int) -> Path:
    dst.mkdir(parents=True)
    for path in sorted(src.glob("*.png"))[:count]:
        shutil.copy(path, dst / path.name)
    return dst


def _check_unavailable(cell: dict) -> None:
    assert cell["value"] is None and cell["status"] in ("unavailable", "off") and cell["reason"]


def test_acceptance_ntire2025_on_webphoto_scored_as_its_own_input(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    folder = _copy(shared_data / "real-lq-dev" / "WebPhoto-Test", tmp_path / "WebPhoto-Test", 3)
    out = tmp_path / "x.json"
    assert main(["score", "--protocol", "ntire2025", "--pred", str(folder), "--lq", str(folder),
                 "--out", str(out), "--params", str(REPO / "params.yaml")]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    (row,) = json.loads(out.read_text())["rows"]
    assert row["set"] == "WebPhoto-Test" and row["n"] == 3
    cells = row["columns"]
    assert cells["NIQE"]["status"] == "ok" and math.isfinite(cells["NIQE"]["value"])
    for column in ("ID_Sim", "FID"):  # no AdaFace weights configured; no --ref-stats given
        _check_unavailable(cells[column])
        assert cells[column]["how_to_get"]["file"] in printed
    assert "inception_FFHQ_512-f7b384ab.pth" in printed and "--ref-stats" in printed
    assert cells["QALIGN"]["status"] == "off"
    for column in ("CLIP-IQA", "MANIQA", "MUSIQ"):  # weights present: a value; absent: named, never 0
        if cells[column]["status"] != "ok":
            _check_unavailable(cells[column])
    assert row["composite"]["value"] is None and "FID" in row["composite"]["missing"]
    assert row["identity_gate"]["status"] == "unavailable"


def test_nested_sets_give_one_row_each_and_the_all_row(shared_data: Path, tmp_path: Path) -> None:
    from flipnet_bench.protocols.run import Inputs, score_protocol

    lq = tmp_path / "lq"
    _copy(shared_data / "real-lq-dev" / "WebPhoto-Test", lq / "WebPhoto-Test", 2)
    _copy(shared_data / "real-lq-dev" / "LFW-Test", lq / "LFW-Test", 1)
    pred = tmp_path / "pred"  # NTIRE's layout: every output flat, matched to the LQ sub-folders by name
    pred.mkdir()
    for path in lq.rglob("*.png"):
        shutil.copy(path, pred / path.name)
    report = score_protocol(get_protocol("ntire2025"), pred, Inputs(lq=lq))
    sets = [r["set"] for r in report["rows"]]
    assert sets == ["LFW-Test", "WebPhoto-Test", "All"]
    lfw, web, every = (r["columns"]["NIQE"] for r in report["rows"])
    assert every["n"] == 3
    assert every["value"] == pytest.approx((lfw["value"] + 2 * web["value"]) / 3)


def test_pmrf_pixel_columns_indrmse_and_named_missing_models(tmp_path: Path) -> None:
    import cv2

    from flipnet_bench.io import read_image, write_image
    from flipnet_bench.protocols.run import Inputs, score_protocol

    gt, pred, mmse = tmp_path / "gt", tmp_path / "pred", tmp_path / "mmse"
    rng = np.random.default_rng(1)
    for path in sorted((REPO / "data/default/hq/test").glob("*.png"))[:2]:  # 128² -> 256² (NIQE's minimum)
        img = cv2.resize(read_image(path), (256, 256), interpolation=cv2.INTER_CUBIC)
        write_image(gt / path.name, img)
        img = img.astype(np.int16)
        write_image(pred / path.name, np.clip(img + rng.integers(-9, 10, img.shape), 0, 255).astype(np.uint8))
        write_image(mmse / path.name, np.clip(img + rng.integers(-3, 4, img.shape), 0, 255).astype(np.uint8))
    report = score_protocol(get_protocol("pmrf"), pred, Inputs(gt=gt, mmse=mmse))
    cells = report["rows"][0]["columns"]
    for column in ("PSNR", "SSIM", "LPIPS", "NIQE", "IndRMSE"):
        assert cells[column]["status"] == "ok", cells[column]
    expected = []
    for path in sorted(pred.iterdir()):
        a, b = (read_image(p).astype(np.float64) / 255 for p in (path, mmse / path.name))
        expected.append(float(np.sqrt(((a - b) ** 2).mean())))
    assert cells["IndRMSE"]["value"] == pytest.approx(np.mean(expected), rel=1e-6)
    assert cells["PSNR"]["definition"]["channel"].lower().startswith("rgb")
    for column, key in (("Deg", "face_metrics.arcface_resnet18_path"), ("LMD", "face_metrics.awing_path"),
                        ("FID", "--ref DIR"), ("KID", "--ref DIR")):  # fmt: skip
        _check_unavailable(cells[column])
        assert key in cells[column]["reason"] + json.dumps(cells[column].get("how_to_get"))


def test_the_crosswalk_page_has_a_row_for_every_column() -> None:
    page = (REPO / "docs" / "protocols.md").read_text()
    for name in PROTOCOLS.names():
        for term in get_protocol(name).terms:
            row = f"| {name} | {term.column}{' (optional)' if term.optional else ''} |"
            assert row in page, row
            assert f"| {term.comparable} | {term.why} |" in page


def test_listing_protocols_starts_fast_without_heavy_imports(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import contextlib, io, sys\nfrom flipnet_bench.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n    assert main(['protocols', '--json']) == 0\n"
        "heavy = {'torch', 'numpy', 'pyiqa', 'cv2', 'scipy'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def test_the_gate_counts_images_below_the_sets_threshold_on_given_values() -> None:
    from dataclasses import replace

    from flipnet_bench.protocols.run import _summaries

    ntire = get_protocol("ntire2025")  # a stand-in metric name for ID_Sim: the gate logic only
    terms = tuple(replace(t, metric="ids_x") if t.column == "ID_Sim" else t for t in ntire.terms)
    protocol = replace(ntire, terms=terms)
    columns = {t.column: {"status": "unavailable", "value": None} for t in terms}
    columns["ID_Sim"] = {"status": "ok", "value": 0.5, "n": 4}
    values = {"a": 0.9, "b": 0.29, "c": 0.3, "d": float("nan")}  # NaN: no face embedded, counted as failing
    gate = _summaries(protocol, columns, "WebPhoto-Test", {"ids_x": values})["identity_gate"]
    assert gate["threshold"] == 0.3 and gate["below"] == 2 and gate["keys_below"] == ["b", "d"]
    assert gate["fails"] is True  # 2 of 4 below: more than the challenge's 10 of 450
    unknown = _summaries(protocol, columns, "FFHQ", {"ids_x": values})["identity_gate"]
    assert unknown["status"] == "unavailable" and "--set" in unknown["reason"]


def test_protocol_flags_without_a_protocol_and_metrics_with_one_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = str(tmp_path / "x.json")
    assert main(["score", "--pred", str(tmp_path), "--out", out, "--mmse", str(tmp_path)]) == 2
    assert "belong to --protocol" in capsys.readouterr().err
    argv = ["score", "--protocol", "pmrf", "--metrics", "psnr", "--pred", str(tmp_path), "--out", out]
    assert main(argv) == 2
    assert "--protocol fixes the metrics" in capsys.readouterr().err
    assert not Path(out).exists()
