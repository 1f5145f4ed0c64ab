"""docs/flipnet.md's prior curve, rendered from ``benchmarks/results/prior_curve.jsonl``.

The record is what ``benchmarks/prior_curve.py`` appends: FID and KID of a prior's unconditional samples
against the held-out faces (and, where a row has them, ``fid_train``/``kid_train`` against a random sample
of the training faces), one row per (prior, training steps), and the reference rows of real images on the
same scale (``row`` "training faces, drawn at random", and "autoencoder reconstructions" for a latent
prior's ceiling).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flipnet_bench.errors import BenchError

RECORD = Path("benchmarks") / "results" / "prior_curve.jsonl"
SAMPLES = "prior samples"


def load_rows(root: Path) -> list[dict[str, Any]]:
    """All rows, each with a float ``fid`` and ``kid``; a missing file or key is an error naming the file."""
    path = root / RECORD
    try:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for row in rows:
            float(row["fid"]), float(row["kid"]), int(row["n"])
            if "kid_train" in row:
                float(row["fid_train"]), float(row["kid_train"])
            if row["row"] == SAMPLES:
                int(row["steps"]), str(row["prior"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BenchError(f"{path}: not a record of benchmarks/prior_curve.py ({exc!r})") from exc
    return rows


def prior_table(root: Path) -> str:
    """Reference rows first, then each prior's rows by training steps."""
    rows = load_rows(root)
    refs = [r for r in rows if r["row"] != SAMPLES]
    samples = sorted((r for r in rows if r["row"] == SAMPLES), key=lambda r: (r["prior"], r["steps"]))
    head = "| images | training steps | held-out faces: FID ↓ | KID ↓ | training faces: FID ↓ | KID ↓ |"
    lines = ["", head, "|---|---|---|---|---|---|"]
    lines += [f"| {r['row']} (real, reference) | – | {_scores(r)} |" for r in refs]
    lines += [f"| `{r['prior']}` prior samples | {r['steps']:,} | {_scores(r)} |" for r in samples]
    return "\n".join(lines) + "\n"


def _scores(row: dict[str, Any]) -> str:
    train = "– | –"
    if "kid_train" in row:
        train = f"{float(row['fid_train']):.1f} | {float(row['kid_train']):.4f}"
    return f"{row['fid']:.1f} | {row['kid']:.4f} | {train}"
