"""docs/flipnet.md's BoostHub window table (``benchmarks/results/flipnet_window_locality.jsonl``).

Each row is one ``scripts/flipnet_diagnose.py locality`` record of a checkpoint (BoostHub's attention of the
target's queries over the condition's keys, per grid side and timestep; the 16 training pairs of the
record). With a local window of radius r a query attends only to the (2r + 1)² condition tokens around its
position (fewer at the border), so the table sets the attention's mass on the query's own position, and on
the 3 × 3 tokens around it, beside what attention spread evenly over the window would put there.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from flipnet_bench.errors import BenchError
from flipnet_bench.models.flipnet.checkpoint import FLIPNET_CONFIG

RECORD = Path("benchmarks") / "results" / "flipnet_window_locality.jsonl"


def _covered(pos: int, side: int, radius: int) -> int:
    """How many of the positions within ``radius`` of ``pos`` lie on a line of ``side`` tokens."""
    return min(side - 1, pos + radius) - max(0, pos - radius) + 1


def uniform_share(side: int, window: int, inner: int) -> float:
    """The mean over a ``side``² grid's queries of the share of their window (radius ``window``, 0 = the
    whole grid) that lies within ``inner`` of the query: the attention mass there if spread evenly."""
    total = 0.0
    for y in range(side):
        for x in range(side):
            reach = window or side
            cells = _covered(y, side, reach) * _covered(x, side, reach)
            near = _covered(y, side, min(inner, reach)) * _covered(x, side, min(inner, reach))
            total += near / cells
    return total / (side * side)


def even_entropy(side: int, window: int) -> float:
    """The mean over a ``side``² grid's queries of the entropy of attention spread evenly over their window
    (radius ``window``, 0 = the whole grid), relative to the whole grid's (``diagnostics``' entropy_rel)."""
    reach = window or side
    cells = [_covered(y, side, reach) * _covered(x, side, reach) for y in range(side) for x in range(side)]
    return sum(math.log(c) for c in cells) / len(cells) / math.log(side * side)


def _window(root: Path, r: dict[str, Any]) -> int:
    for item in r.get("arch", []):
        key, _, value = item.partition("=")
        if key == "boosthub_window":
            return int(value)
    info = json.loads((root / r["checkpoint"] / FLIPNET_CONFIG).read_text(encoding="utf-8"))
    return int(info["arch"].get("boosthub_window", 0))


def window_table(root: Path, timestep: str = "999") -> str:
    """Per record and grid side (finest first) at ``timestep``: own-position and 3 × 3 mass, each against
    its even-spread value, and the attention's entropy relative to the whole grid's."""
    path = root / RECORD
    lines = []
    try:
        for text in path.read_text(encoding="utf-8").splitlines():
            if not text.strip():
                continue
            r = json.loads(text)
            window = _window(root, r)
            for side, s in sorted(r["locality"][timestep].items(), key=lambda kv: -int(kv[0])):
                n = int(side)
                own, near = uniform_share(n, window, 0), uniform_share(n, window, 1)
                lines.append(
                    f"| `{r['checkpoint']}` | {window or 'global'} | {n}² | {s['mass_same']:.3f} / {own:.3f} "
                    f"({s['mass_same'] / own:.1f}×) | {s['mass_near']:.2f} / {near:.2f} "
                    f"| {s['entropy_rel']:.2f} / {even_entropy(n, window):.2f} |"
                )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BenchError(f"{path}: not locality rows of scripts/flipnet_diagnose.py ({exc!r})") from exc
    head = (
        f"\n| checkpoint (timestep {timestep}) | window radius | grid | own position: measured / even "
        "over the window | 3 × 3 around it: measured / even "
        "| entropy, relative to the whole grid's: measured / even |"
        "\n|---|---|---|---|---|---|\n"
    )
    return head + "\n".join(lines) + "\n"
