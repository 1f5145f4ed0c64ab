"""Protocol logic checked against hand-written expectations: the "All" row's statuses, reasons and gate sums;
each unavailable column's reason; the face params a term's metric receives; the gate's set-name matching;
the composite's value and note; and every incompleteness ``Protocol.check`` names."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest

from flipnet_bench.errors import BenchError
from flipnet_bench.metrics.face_params import FaceMetricParams
from flipnet_bench.protocols import get_protocol
from flipnet_bench.protocols.run import Inputs, _kwargs, _missing, all_row
from flipnet_bench.protocols.spec import Composite, IdentityGate, Part, Term

WHY_DISTRIBUTION = "a distribution metric, not a mean of set values: score all outputs as one folder"


def _row(protocol, n: int, niqe: float, clip: str, gate: dict | None) -> dict:  # noqa: ANN001
    columns = {t.column: {"status": "unavailable", "value": None} for t in protocol.terms}
    columns["NIQE"] = {"status": "ok", "value": niqe, "n": n}
    columns["FID"] = {"status": "ok", "value": 40.0, "n": n}
    columns["QALIGN"] = {"status": "off", "value": None}
    columns["CLIP-IQA"] = {"status": clip, "value": 0.5 if clip == "ok" else None, "n": n}
    row = {"set": "x", "n": n, "columns": columns}
    if gate is not None:
        row["identity_gate"] = gate
    return row


def test_all_row_statuses_reasons_and_gate_sums() -> None:
    protocol = get_protocol("ntire2025")
    rows = [_row(protocol, 100, 4.0, "ok", {"status": "ok", "below": 2, "n": 100}),
            _row(protocol, 50, 6.0, "unavailable", {"status": "ok", "below": 1, "n": 50})]  # fmt: skip
    out = all_row(protocol, rows)
    assert out["set"] == "All" and out["n"] == 150
    cols = out["columns"]
    assert cols["NIQE"] == {"status": "ok", "value": pytest.approx((400 + 300) / 150), "n": 150}
    assert cols["CLIP-IQA"] == {
        "status": "unavailable",
        "value": None,
        "reason": "not available in every set",
    }
    assert cols["QALIGN"] == {"status": "off", "value": None, "reason": "not available in every set"}
    assert cols["FID"] == {"status": "unavailable", "value": None, "reason": WHY_DISTRIBUTION}
    assert out["identity_gate"] == {"status": "ok", "below": 3, "n": 150, "fails": False}
    assert out["composite"]["value"] is None and "CLIP-IQA" in out["composite"]["missing"]
    assert "QALIGN" not in out["composite"]["missing"]  # off in every set: left out, not missing
    rows[1]["identity_gate"] = {"status": "unavailable", "reason": "ID_Sim is unavailable"}
    assert "identity_gate" not in all_row(protocol, rows)
    del rows[0]["identity_gate"], rows[1]["identity_gate"]
    assert "identity_gate" not in all_row(protocol, rows)


def _term(**kw) -> Term:  # noqa: ANN003
    base = {"column": "C", "metric": "niqe", "definition": "d", "comparable": "yes", "why": "w",
            "higher_is_better": False}  # fmt: skip
    return Term(**{**base, **kw})


ALL = Inputs(lq=Path("lq"), gt=Path("gt"), mmse=Path("mmse"), ref=Path("ref"), ref_stats=Path("s.npz"))


def test_missing_states_each_reason_the_report_prints() -> None:
    """The status and reason of an unavailable column are the report's text (README "score --protocol")."""
    qalign = _term(column="QALIGN", metric="pyiqa:qalign", optional=True)
    assert _missing(qalign, ALL, qalign=False) == ("off", "optional column, not requested (--qalign)")
    assert _missing(qalign, ALL, qalign=True) is None
    other = _term(column="MUSIQ", optional=True)  # --qalign turns on the QALIGN column only
    assert _missing(other, ALL, qalign=True) == ("off", "optional column, not requested (--qalign)")
    none = _term(metric=None)
    no_code = "the suite has no implementation of this column"
    assert _missing(none, ALL, qalign=False) == ("unavailable", no_code)
    for pair in ("gt", "lq", "mmse"):
        term = _term(pair_with=pair)
        assert _missing(term, ALL, qalign=False) is None
        given = replace(ALL, **{pair: None})
        assert _missing(term, given, qalign=False) == ("unavailable", f"needs --{pair} DIR")
    flags = {"ref_stats": "--ref-stats FILE", "ref_dir": "--ref DIR", "gt": "--gt DIR"}
    fields = {"ref_stats": "ref_stats", "ref_dir": "ref", "gt": "gt"}
    for reference, flag in flags.items():
        term = _term(reference=reference)
        assert _missing(term, ALL, qalign=False) is None
        given = replace(ALL, **{fields[reference]: None})
        assert _missing(term, given, qalign=False) == ("unavailable", f"needs its reference: {flag}")
    assert _missing(_term(), Inputs(), qalign=False) is None  # unpaired, no reference: nothing needed


def test_kwargs_merge_the_face_params_of_the_terms_metric() -> None:
    face = FaceMetricParams(face_box="aligned", arcface_resnet18_path="w.pth", deg_min_degrees=2.0)
    assert _kwargs(_term(metric="ids_dlib"), face) == {"face_box": "aligned"}
    term = _term(metric="deg_arcface", options={"min_degrees": 1.0}, paths={"weights_path": "adaface_path"})
    assert _kwargs(term, face) == {"weights_path": None, "min_degrees": 1.0}  # options and paths win
    assert _kwargs(_term(metric=None), face) == {}


def test_gate_threshold_names_match_case_and_separator_insensitively() -> None:
    gate = IdentityGate(column="ID_Sim", thresholds={"Wider_Test": 0.3, "CelebA": 0.5})
    for name in ("Wider_Test", "wider-test", "WIDER", "wider_test", "Wider"):
        assert gate.threshold(name) == 0.3, name
    assert gate.threshold("celeba-test") == 0.5
    assert gate.threshold("wider-x") is None


def test_composite_value_missing_and_note() -> None:
    parts = (Part("A", "linear", 1.0), Part("B", "hinge", 2.0, 4.0), Part("C", "linear", 1.0))
    comp = Composite("S", "A + max(0, (4 - B) * 2) + C", parts)
    assert comp.compute({"A": 1.0, "B": 3.0, "C": 0.5}) == {"value": 3.5, "missing": [], "note": ""}
    out = comp.compute({"A": 1.0, "B": 5.0}, off=frozenset({"C", "Z"}))
    assert out == {"value": 1.0, "missing": [], "note": "without C"}
    out = comp.compute({"A": 1.0}, off=frozenset({"C", "B"}))
    assert out == {"value": 1.0, "missing": [], "note": "without B, C"}
    out = comp.compute({"A": None, "B": math.nan, "C": 1.0})
    assert out == {"value": None, "missing": ["A", "B"], "note": "incomplete: no value for A, B"}


def test_check_names_each_incomplete_choice() -> None:
    base = get_protocol("ntire2025")
    base.check()
    niqe = base.term("NIQE")
    asset_less = [replace(niqe, column=r, reference=r) for r in ("ref_stats", "ref_dir")]
    only = {"terms": (niqe,), "gate": None}
    bad_part = Composite("S", "Q", (Part("Q", "linear", 1.0),))
    cases = [
        ("columns missing or repeated: \\[\\]", {"terms": ()}),
        ("columns missing or repeated: \\['NIQE', 'NIQE'\\]", {"terms": (niqe, niqe)}),
        ("column NIQE lacks its definition or why", {"terms": (replace(niqe, why=" "),)}),
        ("column X lacks its definition or why", {"terms": (replace(niqe, column="X", definition=""),)}),
        ("column X needs an asset to name", {"terms": (replace(niqe, column="X", metric=None),)}),
        ("column ref_stats needs an asset to name", {"terms": (asset_less[0],)}),
        ("column ref_dir needs an asset to name", {"terms": (asset_less[1],)}),
        ("has no column 'Q'", {**only, "composite": bad_part}),
        ("has no column 'Q'", {**only, "composite": bad_part, "gate": IdentityGate("NIQE", {"a": 1.0})}),
        ("has no column 'G'", {**only, "composite": None, "gate": IdentityGate("G", {"a": 1.0})}),
    ]
    for message, change in cases:
        with pytest.raises(BenchError, match=f"protocol 'ntire2025'.*{message}"):
            replace(base, **change).check()
    replace(base, terms=(niqe,), composite=None, gate=None).check()  # the minimal complete protocol
    assert base.term("NIQE") is niqe
    with pytest.raises(BenchError, match="protocol 'ntire2025' has no column 'nope'"):
        base.term("nope")
