"""Protocol logic the mutation run found untested: the "All" row's statuses, reasons and gate sums."""

from __future__ import annotations

import pytest

from flipnet_bench.protocols import get_protocol
from flipnet_bench.protocols.run import all_row

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
