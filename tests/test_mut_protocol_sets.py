"""Protocol rows around the scoring passes, against expectations written out here: how ``score --protocol``
splits folders into sets, what it passes down, the composite and identity-gate summaries of one row, the
definition every report embeds (``describe``) and the row count of a row with nothing computed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import flipnet_bench.metrics.score as score_mod
from flipnet_bench.errors import BenchError
from flipnet_bench.metrics.face_params import FaceMetricParams
from flipnet_bench.metrics.params import ScoreParams
from flipnet_bench.protocols.gates import fails_gate
from flipnet_bench.protocols.run import Inputs, _set_folders, _summaries, score_protocol, score_set
from flipnet_bench.protocols.spec import Asset, Composite, IdentityGate, Part, Protocol, Term

ASSET = Asset(file="w.pth", source="s", flag="f")


def _term(column: str, metric: str | None, **kw: Any) -> Term:
    return Term(
        column=column, metric=metric, definition="d", comparable="yes", why="w", higher_is_better=True, **kw
    )


def _protocol(*terms: Term, **kw: Any) -> Protocol:
    text = {
        k: "x" for k in ("title", "source", "inputs", "image_size", "resize", "crop", "alignment", "rows")
    }
    return Protocol(name="p", terms=terms, **text, **kw)


def _touch(*paths: Path) -> None:
    for p in paths:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"")


def test_set_folders_per_sub_folder_flat_outputs_and_single_sets(tmp_path: Path) -> None:
    lq, pred, work = tmp_path / "lq", tmp_path / "pred", tmp_path / "work"
    _touch(lq / "A" / "im1.png", lq / "B" / "im2.png", pred / "A" / "im1.png")
    work.mkdir()
    want = [("A", pred / "A", lq / "A"), ("B", pred / "B", lq / "B")]  # pred/B need not exist yet
    assert _set_folders(pred, lq, None, work) == want
    assert _set_folders(pred, lq, "X", work) == [("X", pred, lq)]
    assert _set_folders(pred, None, None, work) == [("pred", pred, None)]
    flat = tmp_path / "flat"
    _touch(flat / "im1.png", flat / "im2.png")
    out = _set_folders(flat, lq, None, work)
    assert out == [("A", work / "A", lq / "A"), ("B", work / "B", lq / "B")]
    assert (work / "A" / "im1.png").resolve() == (flat / "im1.png").resolve()
    assert sorted(p.name for p in (work / "B").iterdir()) == ["im2.png"]
    _touch(lq / "top.png")  # images beside the sub-folders: one set, the folder's own
    assert _set_folders(pred, lq, None, tmp_path / "w2") == [("lq", pred, lq)]
    (lq / "top.png").unlink()
    _touch(lq / "C" / "im3.png")
    with pytest.raises(BenchError) as err:
        _set_folders(flat, lq, None, tmp_path / "w3")
    assert (
        str(err.value) == f"no output for {lq / 'C' / 'im3.png'} in {flat}; restore every input or pass --set"
    )


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    def fake(pred: Path, **kw: Any) -> dict[str, Any]:
        seen.append({"pred": pred, **kw})
        for m in kw["metrics"]:
            kw["per_image"][m] = {"x": 1.0}
        entry = {"value": 1.5, "n": 2, "definition": {}, "notes": []}
        return {"metrics": {m: dict(entry) for m in kw["metrics"]}}

    monkeypatch.setattr(score_mod, "score_folders", fake)
    return seen


def test_score_protocol_passes_inputs_and_options_down(tmp_path: Path, calls: list[dict[str, Any]]) -> None:
    terms = (
        _term("A", "niqe", pair_with="lq"),
        _term("F", "fid", reference="ref_dir", asset=ASSET),
        _term("S", "kid", reference="ref_stats", asset=ASSET),
        _term("QALIGN", "pyiqa:qalign", optional=True),
    )
    protocol, params = _protocol(*terms), ScoreParams()
    _touch(tmp_path / "lq" / "im1.png")
    given = Inputs(lq=tmp_path / "lq", ref=tmp_path / "ref", ref_stats=tmp_path / "s.npz")
    report = score_protocol(protocol, tmp_path / "pred", given, set_name="S1", params=params)
    (call,) = calls
    assert (call["lq"], call["ref"], call["ref_stats"]) == (given.lq, given.ref, given.ref_stats)
    assert call["params"] is params and call["lenient"] is False and call["metrics"] == ["niqe", "fid", "kid"]
    (row,) = report["rows"]
    assert row["set"] == "S1" and row["columns"]["QALIGN"]["status"] == "off"
    assert report["protocol"] == protocol.describe()
    calls.clear()
    report = score_protocol(protocol, tmp_path / "pred", given, "S1", params, qalign=True, lenient=True)
    assert calls[0]["lenient"] is True and report["rows"][0]["columns"]["QALIGN"]["status"] == "ok"


def test_a_row_without_any_computed_column_counts_no_images() -> None:
    protocol = _protocol(_term("A", None, asset=ASSET), _term("B", "psnr", pair_with="gt"))
    row = score_set(protocol, Path("pred"), Inputs(), "s", ScoreParams(), FaceMetricParams())
    assert row["n"] == 0 and [c["status"] for c in row["columns"].values()] == ["unavailable", "unavailable"]


def test_summaries_composite_and_gate_fields() -> None:
    gate = IdentityGate(column="ID", thresholds={"Wider-Test": 0.5, "LFW": 0.6})
    composite = Composite("Score", "2·A", (Part("A", "linear", 2.0),))
    protocol = _protocol(_term("A", "niqe"), _term("ID", "ids_dlib"), composite=composite, gate=gate)
    ok = {"status": "ok", "value": 1.5}
    per_image = {"ids_dlib": {"a": 0.7, "b": 0.4, "c": 0.5}}
    out = _summaries(protocol, {"A": ok, "ID": ok}, "wider", per_image)
    assert out["composite"] == {"name": "Score", "value": 3.0, "missing": [], "note": ""}
    gate_ok = {
        "status": "ok",
        "threshold": 0.5,
        "below": 1,
        "n": 3,
        "keys_below": ["b"],
        "fails": fails_gate(1, 3),
    }
    assert out["identity_gate"] == gate_ok
    unknown = _summaries(protocol, {"A": ok, "ID": ok}, "celeba", per_image)["identity_gate"]
    reason = "no threshold for set 'celeba' (known: Wider-Test, LFW); name the set with --set"
    assert unknown == {"status": "unavailable", "reason": reason}
    off = _summaries(protocol, {"A": ok, "ID": {"status": "unavailable"}}, "wider", per_image)[
        "identity_gate"
    ]
    assert off == {"status": "unavailable", "reason": "ID is unavailable"}  # values, but the column is not ok


def test_describe_embeds_every_choice_of_each_column() -> None:
    terms = (_term("A", "niqe", options={"k": 1}, pair_with="gt", reference="gt", optional=True),
             _term("F", "fid", reference="ref_stats", asset=ASSET))  # fmt: skip
    columns = _protocol(*terms).describe()["columns"]
    assert columns[0] == {
        "column": "A", "metric": "niqe", "options": {"k": 1}, "pair_with": "gt", "reference": "gt",
        "definition": "d", "comparable": "yes", "why": "w", "optional": True, "asset": None,
    }  # fmt: skip
    assert columns[1]["asset"] == {"file": "w.pth", "source": "s", "flag": "f"}
    assert columns[1]["reference"] == "ref_stats" and columns[1]["pair_with"] == "none"
