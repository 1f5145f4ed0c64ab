"""Dataset manifests: every dataset the pipeline reads still matches its manifest, and the file list the
``prepare`` stage recorded (``out/prepare/sets/<name>.json``: path + SHA-256 of every file it used).

The first catches a dataset folder that drifted from its published state; the second ties the benchmark's
numbers to the exact input bytes they were computed from, even for folders that ship without a manifest.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from flipnet_bench.audit.base import AuditContext, CheckResult, rel, summarize
from flipnet_bench.data.manifest import MANIFEST_NAME, verify_manifest
from flipnet_bench.errors import BenchError
from flipnet_bench.report.layout import OUT_DIR

#: Datasets the pipeline reads besides its test sets (see pipelines/prepare.py).
PIPELINE_INPUTS = ("hq-train", "hq-test", "real-pairs")


def dataset_folders(ctx: AuditContext) -> dict[str, list[Path]]:
    """Dataset name → its folders (root, or the LQ and GT folders of a pair set) as params resolve them."""
    from flipnet_bench.data.registry import get_dataset

    data, pipe = ctx.params("data"), ctx.params("pipeline")
    names = list(dict.fromkeys([*PIPELINE_INPUTS, *pipe.sets.values()]))
    out: dict[str, list[Path]] = {}
    for name in names:
        try:
            spec = get_dataset(name, data)
        except BenchError:
            continue  # a dataset not configured here (root null) is not read by this pipeline run
        folders = [spec.root] if spec.kind != "pairs" else [spec.root, spec.lq_root, spec.gt_root]
        out[name] = [ctx.root / f for f in folders if f is not None]
    return out


def _manifest_for(folders: list[Path]) -> Path | None:
    """The first folder of the dataset that carries a manifest (the root covers the LQ and GT halves)."""
    return next((f / MANIFEST_NAME for f in folders if (f / MANIFEST_NAME).is_file()), None)


def _verify(folder: Path, files: list[dict[str, Any]] | None = None) -> list[str]:
    """Difference lines between ``folder`` and its manifest (or the given file entries)."""
    if files is None:
        report = verify_manifest(folder)
    else:
        with tempfile.TemporaryDirectory(prefix="flipnet-audit-") as tmp:
            manifest = Path(tmp) / "record.json"
            manifest.write_text(json.dumps({"files": files}), encoding="utf-8")
            report = verify_manifest(folder, manifest)
    return report.lines()


def _manifest_rows(ctx: AuditContext) -> list[CheckResult]:
    rows = []
    for name, folders in dataset_folders(ctx).items():
        start = time.perf_counter()
        manifest = _manifest_for(folders)
        if manifest is None:
            rows.append(
                CheckResult(
                    "manifests",
                    name,
                    "skip",
                    "no manifest.json (the prepare record below pins its files)",
                    seconds=time.perf_counter() - start,
                )
            )
            continue
        where = rel(manifest, ctx.root)
        try:
            lines = [f"{rel(manifest.parent, ctx.root)}: {line}" for line in _verify(manifest.parent)]
        except BenchError as exc:
            lines = [str(exc)]
        status = "fail" if lines else "pass"
        detail = f"{where}: {summarize(lines)}" if lines else f"{where} verifies"
        rows.append(CheckResult("manifests", name, status, detail, lines, time.perf_counter() - start))
    return rows


def _record_parts(record: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(label, {"root", "files"}) parts of a prepare record: one for inputs, LQ (+ GT) for test sets."""
    if "files" in record:
        return [("", record)]
    return [(f" {k}", record[k]) for k in ("lq", "gt") if isinstance(record.get(k), dict)]


def _record_rows(ctx: AuditContext) -> list[CheckResult]:
    out = OUT_DIR
    records = sorted((ctx.root / out / "prepare" / "sets").glob("*.json"))
    rows = []
    for path in records:
        start = time.perf_counter()
        lines: list[str] = []
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            parts = _record_parts(record)
            if not parts:
                lines.append(f"{rel(path, ctx.root)}: no file list in the record")
            for label, part in parts:
                folder = ctx.root / part["root"]
                lines += [f"{part['root']}{label}: {line}" for line in _verify(folder, part["files"])]
        except (BenchError, json.JSONDecodeError, KeyError, TypeError) as exc:
            lines.append(f"{rel(path, ctx.root)}: unreadable prepare record ({exc})")
        status = "fail" if lines else "pass"
        detail = (
            f"input changed since `prepare` recorded it: {summarize(lines)}"
            if lines
            else f"files match {rel(path, ctx.root)}"
        )
        rows.append(
            CheckResult(
                "manifests", f"prepare:{path.stem}", status, detail, lines, time.perf_counter() - start
            )
        )
    if not records:
        rows.append(
            CheckResult(
                "manifests",
                "prepare records",
                "fail",
                f"no {out}/prepare/sets/*.json: run `dvc repro prepare`",
            )
        )
    return rows


def check(ctx: AuditContext) -> list[CheckResult]:
    return _manifest_rows(ctx) + _record_rows(ctx)
