"""Score folders under a named protocol: available columns computed, the others named with how to get them.

A column is unavailable when its metric has no implementation, its inputs or reference were not given, or
its weights/packages are missing here; it is then reported with ``value: null``, the reason and the asset
to obtain, never as a number. A composite score with any such term is reported as incomplete (null).
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flipnet_bench.errors import BenchError
from flipnet_bench.io import list_images
from flipnet_bench.metrics.face_params import FaceMetricParams
from flipnet_bench.metrics.params import ScoreParams
from flipnet_bench.protocols.gates import fails_gate
from flipnet_bench.protocols.spec import Protocol, Term


@dataclass(frozen=True)
class Inputs:
    """The folders and files a protocol may use (None = not given)."""

    lq: Path | None = None
    gt: Path | None = None
    mmse: Path | None = None
    ref: Path | None = None
    ref_stats: Path | None = None


def _missing(term: Term, given: Inputs, qalign: bool) -> tuple[str, str] | None:
    """``(status, reason)`` when ``term`` cannot be computed from what was given, else None."""
    if term.optional and not (qalign and term.column == "QALIGN"):
        return "off", "optional column, not requested (--qalign)"
    if term.metric is None:
        return "unavailable", "the suite has no implementation of this column"
    need = {"gt": given.gt, "lq": given.lq, "mmse": given.mmse}.get(term.pair_with, True)
    if need is None:
        return "unavailable", f"needs --{term.pair_with} DIR"
    ref = {"ref_stats": given.ref_stats, "ref_dir": given.ref, "gt": given.gt}.get(term.reference, True)
    if ref is None:
        flag = {"ref_stats": "--ref-stats FILE", "ref_dir": "--ref DIR", "gt": "--gt DIR"}[term.reference]
        return "unavailable", f"needs its reference: {flag}"
    return None


def _kwargs(term: Term, face: FaceMetricParams) -> dict[str, Any]:
    kwargs = {**face.metric_kwargs().get(term.metric or "", {}), **term.options}
    kwargs.update({arg: getattr(face, key) for arg, key in term.paths.items()})
    return kwargs


def _value(term: Term, entry: Mapping[str, Any], per_image: Mapping[str, float] | None) -> float | None:
    if term.transform == "rmse_from_psnr":
        rmse = [10 ** (-p / 20) for p in (per_image or {}).values() if math.isfinite(p)]
        return sum(rmse) / len(rmse) if rmse else None
    return entry.get("value")


def score_set(
    protocol: Protocol,
    pred: Path,
    given: Inputs,
    set_name: str,
    params: ScoreParams,
    face: FaceMetricParams,
    qalign: bool = False,
    lenient: bool = False,
) -> dict[str, Any]:
    """One row: every column of ``protocol`` on one set (``pred`` paired by file stem)."""
    from flipnet_bench.metrics.score import score_folders

    columns: dict[str, dict[str, Any]] = {}
    passes: dict[str, list[Term]] = {"main": [], "mmse": []}
    for term in protocol.terms:
        why = _missing(term, given, qalign)
        if why is None:
            passes["mmse" if term.pair_with == "mmse" else "main"].append(term)
        else:
            columns[term.column] = _unavailable(term, *why)
    per_image: dict[str, dict[str, float]] = {}
    for name, terms in passes.items():
        if not terms:
            continue
        metrics = [t.metric for t in terms]
        if len(set(metrics)) != len(metrics):
            raise BenchError(f"protocol {protocol.name!r}: one metric used twice in one pass: {metrics}")
        failed: dict[str, str] = {}
        uses = {t.reference for t in terms}
        report = score_folders(
            pred, gt=given.mmse if name == "mmse" else given.gt, lq=given.lq if name == "main" else None,
            ref=given.ref if "ref_dir" in uses else None,
            ref_stats=given.ref_stats if "ref_stats" in uses else None,
            metrics=metrics, lenient=lenient, params=params, per_image=per_image, unavailable=failed,
            metric_kwargs={t.metric: _kwargs(t, face) for t in terms if t.metric},
        )  # fmt: skip
        for term in terms:
            assert term.metric is not None
            if term.metric in failed:
                columns[term.column] = _unavailable(term, "unavailable", failed[term.metric])
                continue
            entry = report["metrics"][term.metric]
            value = _value(term, entry, per_image.get(term.metric))
            if value is None:
                columns[term.column] = _unavailable(term, "unavailable", "; ".join(entry["notes"]))
                continue
            columns[term.column] = {
                "status": "ok", "value": value, "n": entry["n"], "metric": term.metric,
                "comparable": term.comparable, "definition": entry["definition"], "notes": entry["notes"],
            }  # fmt: skip
    row: dict[str, Any] = {"set": set_name, "columns": {t.column: columns[t.column] for t in protocol.terms}}
    row["n"] = max((c.get("n", 0) for c in columns.values()), default=0)
    row.update(_summaries(protocol, row["columns"], set_name, per_image))
    return row


def _unavailable(term: Term, status: str, reason: str) -> dict[str, Any]:
    out: dict[str, Any] = {"status": status, "value": None, "metric": term.metric, "reason": reason}
    if term.asset is not None and status == "unavailable":
        out["how_to_get"] = vars(term.asset)
    return out


def _summaries(
    protocol: Protocol, columns: Mapping[str, Mapping[str, Any]], set_name: str,
    per_image: Mapping[str, Mapping[str, float]] | None,
) -> dict[str, Any]:  # fmt: skip
    """The composite score and the identity gate of one row."""
    out: dict[str, Any] = {}
    if protocol.composite:
        values = {c: col.get("value") for c, col in columns.items()}
        off = frozenset(c for c, col in columns.items() if col["status"] == "off")
        out["composite"] = {"name": protocol.composite.name, **protocol.composite.compute(values, off)}
    if protocol.gate and per_image is not None:
        gate, col = protocol.gate, columns[protocol.gate.column]
        threshold = gate.threshold(set_name)
        metric = protocol.term(gate.column).metric
        values = per_image.get(metric or "", {})
        if col["status"] != "ok" or not values:
            out["identity_gate"] = {"status": "unavailable", "reason": f"{gate.column} is unavailable"}
        elif threshold is None:
            known = ", ".join(gate.thresholds)
            out["identity_gate"] = {"status": "unavailable", "reason": f"no threshold for set {set_name!r} "
                                    f"(known: {known}); name the set with --set"}  # fmt: skip
        else:
            low = sorted(k for k, v in values.items() if not v >= threshold)
            out["identity_gate"] = {"status": "ok", "threshold": threshold, "below": len(low),
                                    "n": len(values), "keys_below": low,
                                    "fails": fails_gate(len(low), len(values))}  # fmt: skip
    return out


def all_row(protocol: Protocol, rows: list[Mapping[str, Any]]) -> dict[str, Any]:
    """NTIRE's "All" row: each per-image column's set means weighted by the sets' image counts.

    Distribution metrics (FID, KID) are not means of set values; they are left null here with a note (score
    all outputs as one folder for them).
    """
    columns: dict[str, dict[str, Any]] = {}
    for term in protocol.terms:
        cells = [r["columns"][term.column] for r in rows]
        if term.reference != "none":
            why = "a distribution metric, not a mean of set values: score all outputs as one folder"
            columns[term.column] = {"status": "unavailable", "value": None, "reason": why}
        elif all(c["status"] == "ok" for c in cells):
            total = sum(c["n"] for c in cells)
            value = sum(c["value"] * c["n"] for c in cells) / total
            columns[term.column] = {"status": "ok", "value": value, "n": total}
        else:
            status = "off" if all(c["status"] == "off" for c in cells) else "unavailable"
            columns[term.column] = {"status": status, "value": None, "reason": "not available in every set"}
    row: dict[str, Any] = {"set": "All", "columns": columns, "n": sum(r["n"] for r in rows)}
    row.update(_summaries(protocol, columns, "All", None))
    gates = [r.get("identity_gate", {}) for r in rows]
    if protocol.gate and gates and all(g.get("status") == "ok" for g in gates):
        below, n = sum(g["below"] for g in gates), sum(g["n"] for g in gates)
        row["identity_gate"] = {"status": "ok", "below": below, "n": n, "fails": fails_gate(below, n)}
    return row


def _set_folders(
    pred: Path, lq: Path | None, set_name: str | None, work: Path
) -> list[tuple[str, Path, Path | None]]:
    """``(set, pred, lq)`` per set: one set, or one per image sub-folder of ``lq`` (NTIRE's layout).

    With sub-folders, ``pred`` may hold one sub-folder per set or every output flat: the outputs of each
    set are then linked into a per-set view (matched by file stem) so pairing stays one-to-one.
    """
    subs = sorted(p for p in lq.iterdir() if p.is_dir()) if lq is not None and lq.is_dir() else []
    has_images = lq is not None and any(p.is_file() for p in lq.iterdir())
    if not subs or has_images or set_name:
        return [(set_name or (lq or pred).name, pred, lq)]
    flat = {p.stem: p for p in list_images(pred)} if not (pred / subs[0].name).is_dir() else None
    out = []
    for sub in subs:
        if flat is None:
            out.append((sub.name, pred / sub.name, sub))
            continue
        view = work / sub.name
        view.mkdir(parents=True)
        for lq_file in list_images(sub):
            if lq_file.stem not in flat:
                raise BenchError(f"no output for {lq_file} in {pred}; restore every input or pass --set")
            (view / flat[lq_file.stem].name).symlink_to(flat[lq_file.stem].resolve())
        out.append((sub.name, view, sub))
    return out


def score_protocol(
    protocol: Protocol,
    pred: str | Path,
    given: Inputs,
    set_name: str | None = None,
    params: ScoreParams | None = None,
    face: FaceMetricParams | None = None,
    qalign: bool = False,
    lenient: bool = False,
) -> dict[str, Any]:
    """Score ``pred`` under ``protocol``: a row per set (and "All" for several sets), with the definition."""
    params, face = params or ScoreParams(), face or FaceMetricParams()
    with tempfile.TemporaryDirectory(prefix="protocol-sets-") as work:
        rows = []
        for name, set_pred, set_lq in _set_folders(Path(pred), given.lq, set_name, Path(work)):
            set_given = Inputs(set_lq, given.gt, given.mmse, given.ref, given.ref_stats)
            rows.append(score_set(protocol, set_pred, set_given, name, params, face, qalign, lenient))
    report: dict[str, Any] = {"protocol": protocol.describe(), "rows": rows}
    if len(rows) > 1:
        report["rows"].append(all_row(protocol, rows))
    return report
