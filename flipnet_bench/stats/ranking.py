"""Significance-aware marking of a leaderboard set: bold only where the best method wins a paired test.

Within one set, for every metric column the best method (by the metric's direction) is compared with the
runner-up by :mod:`flipnet_bench.stats.compare` (per-image metrics: paired t / sign-flip permutation;
FID/KID: image-swap permutation). The p-values of all columns of the set are Holm-adjusted together; a cell
is bold when the adjusted p < 0.05, otherwise best and runner-up are marked as a tie. Reference rows
(identity / LQ baselines) take part in neither role, and columns that are gates rather than rankings
(identity on sets without ground truth) are never marked.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from flipnet_bench.errors import BenchError
from flipnet_bench.stats.compare import ALPHA, Run, compare_metric
from flipnet_bench.stats.paired import PairedResult, holm


@dataclass
class Verdict:
    """The outcome for one set × metric column: who is best, against whom, and whether it is significant."""

    metric: str
    best: str
    runner_up: str
    result: PairedResult | None  # None: the paired test could not be run (reason in ``why``)
    why: str = ""

    @property
    def significant(self) -> bool:
        return self.result is not None and self.result.p_holm is not None and self.result.p_holm < ALPHA


def rank_set(
    values: dict[str, dict[str, float]],
    higher_is_better: dict[str, bool | None],
    run_dir: Callable[[str], Path],
    reference_rows: Sequence[str] = (),
    unranked: Sequence[str] = (),
    seed: int = 0,
) -> dict[str, Verdict]:
    """``values[method][metric]`` of one set → a :class:`Verdict` per rankable metric column.

    ``run_dir(method)`` is the method's scored run folder (``scores.json`` + ``features.npz``).
    """
    verdicts: dict[str, Verdict] = {}
    metrics = sorted({k for row in values.values() for k in row} - set(unranked))
    for metric in metrics:
        hib = higher_is_better.get(metric)
        ranked = [(v[metric], m) for m, v in values.items()
                  if m not in reference_rows and metric in v and math.isfinite(v[metric])]  # fmt: skip
        if hib is None or len(ranked) < 2:
            continue
        ranked.sort(key=lambda vm: vm[0], reverse=hib)
        best, runner = ranked[0][1], ranked[1][1]
        try:
            result = compare_metric(metric, Run(run_dir(best)), Run(run_dir(runner)), seed)
            verdicts[metric] = Verdict(metric, best, runner, result)
        except BenchError as exc:  # no per-image values / features: shown unmarked, the reason in the legend
            verdicts[metric] = Verdict(metric, best, runner, None, str(exc))
    holm([v.result for v in verdicts.values() if v.result is not None])
    return verdicts
