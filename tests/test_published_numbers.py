"""The published numbers data file and ``score --protocol``'s "published" column beside measured values."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from flipnet_bench.methods import METHODS
from flipnet_bench.protocols import PROTOCOLS
from flipnet_bench.protocols.published import (
    attach_published,
    canonical_set,
    load_numbers,
    published_cell,
    published_for,
)


def test_every_row_matches_a_method_a_set_and_a_protocol_column() -> None:
    data = load_numbers()
    assert data["rows"]
    for row in data["rows"]:
        assert row["method"] in METHODS
        for protocol in row["protocols"]:
            columns = {t.column for t in PROTOCOLS.get(protocol).terms}
            assert set(row["values"]) <= columns, (row, protocol)


def test_set_names_match_through_aliases() -> None:
    assert canonical_set("lfw-test") == canonical_set("LFW-Test") == "LFW-Test"
    assert canonical_set("wider") == "WIDER-Test"
    assert canonical_set("celeba") is None  # NTIRE's real CelebA set is not CelebA-Test
    assert canonical_set("synthetic-hq-test") is None


def test_published_values_by_method_set_and_protocol() -> None:
    rows = {e["column"]: e for e in published_for("restoreformer_pp", "celeba-test", "pmrf")}
    assert rows["FID"]["value"] == 41.15 and rows["Deg"]["value"] == 29.63
    assert "torch-fidelity" in rows["FID"]["definition"] and "ICLR 2025" in rows["FID"]["paper"]
    assert published_for("restoreformer_pp", "celeba-test", "ntire2025") == []  # another definition
    assert published_for("gpen", "celeba-test", "pmrf") == []
    assert {e["column"] for e in published_for("codeformer", "wider-test", "ntire2025")} == {
        "MUSIQ",
        "NIQE",
        "FID",
    }


def _report(set_name: str) -> dict:
    cells = {
        "NIQE": {"status": "ok", "value": 4.5, "n": 2},
        "FID": {"status": "unavailable", "value": None, "reason": "needs its reference: --ref-stats FILE"},
    }
    return {"protocol": {"name": "ntire2025"}, "rows": [{"set": set_name, "n": 2, "columns": cells}]}


def test_attach_reads_the_method_from_run_json(tmp_path: Path) -> None:
    report = _report("lfw-test")
    attach_published(report, tmp_path)
    assert "published" not in report["rows"][0]  # no run.json: nothing known about the method
    (tmp_path / "run.json").write_text(
        json.dumps({"method": {"method": "codeformer", "options": {"w": 0.5}}})
    )
    attach_published(report, tmp_path)
    row = report["rows"][0]
    assert row["published_method"] == {"method": "codeformer", "options": {"w": 0.5}}
    assert published_cell(row, "NIQE") == " | published 4.438 (osdface, LFW-Test)"
    assert published_cell(row, "CLIP-IQA") == ""


def test_score_protocol_prints_published_beside_measured(tmp_path: Path, monkeypatch, capsys) -> None:
    import flipnet_bench.protocols.run as run
    from flipnet_bench.protocols.cli import score_with_protocol

    (tmp_path / "run.json").write_text(json.dumps({"method": {"method": "codeformer"}}))
    monkeypatch.setattr(run, "score_protocol", lambda *a, **k: _report("wider-test"))
    monkeypatch.chdir(tmp_path)
    args = argparse.Namespace(
        metrics=None, params=None, lq=None, gt=None, mmse=None, ref=None, ref_stats=None,
        protocol="ntire2025",
        pred=str(tmp_path), set="wider-test", qalign=False, lenient=False, out=str(tmp_path / "s.json"),
    )  # fmt: skip
    assert score_with_protocol(args) == 0
    out = capsys.readouterr().out
    assert "NIQE       4.5000 | published 4.119 (osdface, WIDER-Test)" in out
    assert "published 38.77 (osdface, WIDER-Test)" in out  # beside the unavailable FID
    saved = json.loads((tmp_path / "s.json").read_text())
    assert saved["rows"][0]["published"]["MUSIQ"]["value"] == 73.41


@pytest.mark.parametrize("bad", [{"source": "nowhere"}, {"set": "Nowhere-Test"}, {"values": {"XYZ": 1.0}}])
def test_data_file_is_validated(tmp_path: Path, bad: dict) -> None:
    import yaml

    from flipnet_bench.errors import BenchError
    from flipnet_bench.protocols.published import NUMBERS

    data = yaml.safe_load(NUMBERS.read_text())
    data["rows"][0] = {**data["rows"][0], **bad}
    path = tmp_path / "numbers.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(BenchError):
        load_numbers(path)
