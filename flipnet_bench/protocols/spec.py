"""A protocol is data: every choice one published evaluation made, each column mapped onto a suite metric.

Keeping the protocols as plain frozen dataclasses (not code paths) lets ``flipnet-bench protocols`` print
exactly what ``score --protocol`` will compute, and lets a test check that no choice was left open.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from flipnet_bench.errors import BenchError

Comparable = Literal["yes", "approx", "no"]
Pairing = Literal["none", "gt", "lq", "mmse"]
Reference = Literal["none", "gt", "ref_stats", "ref_dir"]


@dataclass(frozen=True)
class Asset:
    """A file that cannot be had offline: its exact name, its origin, and how to point the suite at it."""

    file: str
    source: str
    flag: str


@dataclass(frozen=True)
class Term:
    """One published column and the suite metric (with fixed options) that computes it.

    ``metric`` is None when the suite has no implementation; the column is then always reported as
    unavailable, naming ``asset``. ``paths`` maps a constructor argument to a ``face_metrics`` params key
    (local weight files). ``transform`` turns the per-image suite values into the column's unit.
    """

    column: str
    metric: str | None
    definition: str
    comparable: Comparable
    why: str
    higher_is_better: bool
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    pair_with: Pairing = "none"
    reference: Reference = "none"
    paths: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    transform: Literal["none", "rmse_from_psnr"] = "none"
    asset: Asset | None = None
    optional: bool = False


@dataclass(frozen=True)
class Part:
    """A composite's summand: ``weight * x`` (linear) or ``max(0, (pivot - x) * weight)`` (hinge)."""

    column: str
    kind: Literal["linear", "hinge"]
    weight: float
    pivot: float = 0.0

    def value(self, x: float) -> float:
        return self.weight * x if self.kind == "linear" else max(0.0, (self.pivot - x) * self.weight)


@dataclass(frozen=True)
class Composite:
    """A published composite score; incomplete (None) whenever a required term has no value."""

    name: str
    formula: str
    parts: tuple[Part, ...]

    def compute(
        self, values: Mapping[str, float | None], off: frozenset[str] = frozenset()
    ) -> dict[str, Any]:
        """``{"value", "missing", "note"}``; parts in ``off`` (optional, not asked for) are left out."""
        missing = [
            p.column for p in self.parts
            if p.column not in off and (values.get(p.column) is None or not math.isfinite(values[p.column]))
        ]  # fmt: skip
        if missing:
            note = f"incomplete: no value for {', '.join(missing)}"
            return {"value": None, "missing": missing, "note": note}
        used = [p for p in self.parts if p.column not in off]
        total = sum(p.value(float(values[p.column])) for p in used)  # type: ignore[arg-type]
        dropped = sorted(off & {p.column for p in self.parts})
        return {"value": total, "missing": [], "note": f"without {', '.join(dropped)}" if dropped else ""}


@dataclass(frozen=True)
class IdentityGate:
    """Input-fidelity gate: per-set thresholds on an identity column; counts images below them."""

    column: str
    thresholds: Mapping[str, float]

    def threshold(self, set_name: str) -> float | None:
        """The set's threshold; names match case-insensitively, with or without ``-Test``."""
        by_name = {_set_key(name): value for name, value in self.thresholds.items()}
        return by_name.get(_set_key(set_name))


def _set_key(name: str) -> str:
    key = name.lower().replace("_", "-")
    return key.removesuffix("-test")


@dataclass(frozen=True)
class Protocol:
    """Every choice of one published evaluation (see ``check`` for what must be filled in)."""

    name: str
    title: str
    source: str
    inputs: str
    image_size: str
    resize: str
    crop: str
    alignment: str
    terms: tuple[Term, ...]
    rows: str
    composite: Composite | None = None
    gate: IdentityGate | None = None
    notes: tuple[str, ...] = ()

    def term(self, column: str) -> Term:
        for t in self.terms:
            if t.column == column:
                return t
        raise BenchError(f"protocol {self.name!r} has no column {column!r}")

    def check(self) -> None:
        """Raise unless every choice is stated and every composite/gate column is one of the terms."""
        for key in ("title", "source", "inputs", "image_size", "resize", "crop", "alignment", "rows"):
            if not str(getattr(self, key)).strip():
                raise BenchError(f"protocol {self.name!r}: {key} is not stated")
        columns = [t.column for t in self.terms]
        if not columns or len(set(columns)) != len(columns):
            raise BenchError(f"protocol {self.name!r}: columns missing or repeated: {columns}")
        for t in self.terms:
            if not (t.definition.strip() and t.why.strip()):
                raise BenchError(f"protocol {self.name!r}: column {t.column} lacks its definition or why")
            if (t.metric is None or t.reference in ("ref_stats", "ref_dir")) and t.asset is None:
                raise BenchError(f"protocol {self.name!r}: column {t.column} needs an asset to name")
        used = [p.column for p in self.composite.parts] if self.composite else []
        used += [self.gate.column] if self.gate else []
        for column in used:
            self.term(column)

    def describe(self) -> dict[str, Any]:
        """A JSON-able definition (what ``flipnet-bench protocols`` prints and every report embeds)."""
        keys = ("name", "title", "source", "inputs", "image_size", "resize", "crop", "alignment", "rows")
        out: dict[str, Any] = {k: getattr(self, k) for k in keys}
        out["columns"] = [
            {"column": t.column, "metric": t.metric, "options": dict(t.options), "pair_with": t.pair_with,
             "reference": t.reference, "definition": t.definition, "comparable": t.comparable, "why": t.why,
             "optional": t.optional, "asset": vars(t.asset) if t.asset else None}
            for t in self.terms
        ]  # fmt: skip
        if self.composite:
            out["composite"] = {"name": self.composite.name, "formula": self.composite.formula}
        if self.gate:
            out["identity_gate"] = {"column": self.gate.column, "thresholds": dict(self.gate.thresholds)}
        out["notes"] = list(self.notes)
        return out
