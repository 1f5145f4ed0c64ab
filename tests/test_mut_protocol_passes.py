"""``score_set`` hands each scoring pass exactly its inputs and turns the report into columns: checked with a
recording stand-in for ``score_folders`` and expectations written out here (no metric is computed)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

import flipnet_bench.metrics.score as score_mod
from flipnet_bench.errors import BenchError
from flipnet_bench.metrics.face_params import FaceMetricParams
from flipnet_bench.metrics.params import ScoreParams
from flipnet_bench.protocols.run import Inputs, _value, score_set
from flipnet_bench.protocols.spec import Asset, Protocol, Term

ASSET = Asset(file="w.pth", source="s", flag="f")
GIVEN = Inputs(lq=Path("lq"), gt=Path("gt"), mmse=Path("mmse"), ref=Path("ref"), ref_stats=Path("s.npz"))


def _term(column: str, metric: str, **kw: Any) -> Term:
    return Term(
        column=column, metric=metric, definition="d", comparable="yes", why="w", higher_is_better=True, **kw
    )


def _protocol(*terms: Term) -> Protocol:
    text = {
        k: "x" for k in ("title", "source", "inputs", "image_size", "resize", "crop", "alignment", "rows")
    }
    return Protocol(name="p", terms=terms, **text)


TERMS = (
    _term("A", "niqe"),
    _term("B", "psnr", pair_with="gt", transform="rmse_from_psnr"),
    _term("F", "fid", reference="ref_dir", asset=ASSET),
    _term("S", "kid", reference="ref_stats", asset=ASSET),
    _term("N", "ids_dlib", asset=ASSET),
    _term("X", "musiq"),
    _term("QALIGN", "pyiqa:qalign", optional=True),
    _term("M", "lpips_vgg", pair_with="mmse"),
)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """A stand-in ``score_folders``: value 1.5 (n 4) per metric, none for ids_dlib, musiq unavailable."""
    seen: list[dict[str, Any]] = []

    def fake(pred: Path, **kw: Any) -> dict[str, Any]:
        seen.append({"pred": pred, **kw})
        out = {}
        for m in kw["metrics"]:
            if m == "musiq":
                kw["unavailable"][m] = "needs its weights"
                continue
            kw["per_image"][m] = {"x": 20.0, "y": 40.0} if m == "psnr" else {"x": 1.0}
            value = None if m == "ids_dlib" else 1.5
            out[m] = {
                "value": value,
                "n": 4,
                "definition": {"m": m},
                "notes": ["no face in x", "no face in y"],
            }
        return {"metrics": out}

    monkeypatch.setattr(score_mod, "score_folders", fake)
    return seen


def test_each_pass_gets_its_inputs_and_the_report_becomes_columns(calls: list[dict[str, Any]]) -> None:
    params, face = ScoreParams(), FaceMetricParams(face_box="aligned")
    row = score_set(_protocol(*TERMS), Path("pred"), GIVEN, "set1", params, face, qalign=True, lenient=True)
    main, mmse = calls
    assert main["metrics"] == ["niqe", "psnr", "fid", "kid", "ids_dlib", "musiq", "pyiqa:qalign"]
    assert (main["gt"], main["lq"], main["ref"], main["ref_stats"]) == (
        GIVEN.gt,
        GIVEN.lq,
        GIVEN.ref,
        GIVEN.ref_stats,
    )
    assert main["lenient"] is True and main["params"] is params and main["pred"] == Path("pred")
    assert main["metric_kwargs"]["ids_dlib"] == {"face_box": "aligned"}
    assert mmse["metrics"] == ["lpips_vgg"]
    assert (mmse["gt"], mmse["lq"], mmse["ref"], mmse["ref_stats"]) == (GIVEN.mmse, None, None, None)
    cols = row["columns"]
    assert list(cols) == [t.column for t in TERMS] and row["set"] == "set1" and row["n"] == 4
    ok = {"status": "ok", "value": 1.5, "n": 4, "metric": "niqe", "comparable": "yes",
          "definition": {"m": "niqe"}, "notes": ["no face in x", "no face in y"]}  # fmt: skip
    assert cols["A"] == ok
    assert cols["B"]["value"] == pytest.approx((0.1 + 0.01) / 2)  # RMSE from per-image PSNR 20 and 40 dB
    assert cols["QALIGN"]["status"] == "ok"
    assert cols["N"] == {"status": "unavailable", "value": None, "metric": "ids_dlib",
                         "reason": "no face in x; no face in y", "how_to_get": vars(ASSET)}  # fmt: skip
    assert cols["X"] == {
        "status": "unavailable",
        "value": None,
        "metric": "musiq",
        "reason": "needs its weights",
    }


def test_defaults_references_only_when_used_and_an_mmse_only_pass(calls: list[dict[str, Any]]) -> None:
    params, face = ScoreParams(), FaceMetricParams()
    row = score_set(_protocol(TERMS[0], TERMS[6]), Path("pred"), GIVEN, "s", params, face)
    (main,) = calls
    assert main["metrics"] == ["niqe"] and main["lenient"] is False  # QALIGN off without --qalign
    assert (main["ref"], main["ref_stats"], main["lq"]) == (None, None, GIVEN.lq)
    assert row["columns"]["QALIGN"]["status"] == "off"
    calls.clear()
    row = score_set(_protocol(_term("B", "psnr", pair_with="gt"), TERMS[7]), Path("pred"),
                    Inputs(mmse=Path("mmse")), "s", params, face)  # fmt: skip
    assert [c["metrics"] for c in calls] == [["lpips_vgg"]]  # the main pass has nothing to score
    assert row["columns"]["B"]["reason"] == "needs --gt DIR" and row["columns"]["M"]["status"] == "ok"
    with pytest.raises(
        BenchError, match=r"^protocol 'p': one metric used twice in one pass: \['niqe', 'niqe'\]$"
    ):
        score_set(_protocol(TERMS[0], _term("A2", "niqe")), Path("pred"), GIVEN, "s", params, face)


def test_rmse_from_psnr_skips_non_finite_values() -> None:
    term = TERMS[1]
    assert _value(term, {}, {"a": math.inf, "b": 20.0}) == pytest.approx(0.1)
    assert _value(term, {}, {"a": math.inf}) is None
    assert _value(term, {}, None) is None
    assert _value(TERMS[0], {"value": 2.5}, None) == 2.5
