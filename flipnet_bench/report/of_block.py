"""docs/flipnet.md's "+O/F − +O" of the latent miniature, rendered from ``flipnet-bench compare --out`` files.

``benchmarks/results/flipnet_of_latent/<set>-<start>.json``: the restoration mode trained further on "+O/F"
(run a) against the same on "+O" (run b), both restoring ``<set>`` (``synthetic``: the 64 held-out faces;
``real``: the bundled real-world LQ faces) with samples started from ``<start>`` (noise, or the condition).
"""

from __future__ import annotations

import json
from pathlib import Path

from flipnet_bench.errors import BenchError

OF_DIR = Path("benchmarks") / "results" / "flipnet_of_latent"
SETS = ("synthetic", "real")
STARTS = ("noise", "condition")


def of_table(root: Path) -> str:
    """One line per (set, start, metric): +O, +O/F, the paired difference with its 95 % interval, and the
    Holm-corrected verdict."""
    lines = []
    for name in SETS:
        for start in STARTS:
            path = root / OF_DIR / f"{name}-{start}.json"
            try:
                report = json.loads(path.read_text(encoding="utf-8"))
                for r in report["metrics"]:
                    lo, hi = r["ci95"]
                    verdict = {"a": "+O/F better", "b": "+O better"}.get(r["better"], "tie")
                    lines.append(
                        f"| {name} | {start} | {r['metric']} | {float(r['b']):.4g} | {float(r['a']):.4g} | "
                        f"{float(r['diff']):+.3g} [{float(lo):.3g}, {float(hi):.3g}] | {verdict} |"
                    )
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise BenchError(f"{path}: not a `flipnet-bench compare --out` file ({exc!r})") from exc
    head = (
        "\n| set | start | metric | +O | +O/F | +O/F − +O [95 % CI] | verdict (Holm, α = 0.05) |\n"
        "|---|---|---|---|---|---|---|\n"
    )
    return head + "\n".join(lines) + "\n"
