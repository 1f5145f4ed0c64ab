"""The NTIRE identity gates: per-set AdaFace thresholds and the rule that disqualifies a submission.

This module is the one definition of those numbers. The protocols (``ntire2025``, ``ntire2026``) build their
:class:`~flipnet_bench.protocols.spec.IdentityGate` from it, and the leaderboard's gate
(:mod:`flipnet_bench.stats.gate`, on its own identity network's scale) maps the same thresholds.

* NTIRE 2025 (zhengchen1999/NTIRE2025_RealWorld_Face_Restoration, eval.py): CelebA 0.5, LFW-Test 0.6,
  CelebChild-Test 0.6, Wider-Test 0.3, WebPhoto-Test 0.3.
* NTIRE 2026 (jkwang28/NTIRE2026_RealWorld_Face_Restoration, eval.py ``thresholds``): the same with
  Wider-Test 0.2 and WebPhoto-Test 0.25.
* Ranking rule (both READMEs): "A submission fails if more than ten faces fall below the dataset-specific
  threshold", over the 450-image test split; failed submissions are not ranked.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

NTIRE2025_THRESHOLDS: Mapping[str, float] = MappingProxyType(
    {"CelebA": 0.5, "LFW-Test": 0.6, "CelebChild-Test": 0.6, "Wider-Test": 0.3, "WebPhoto-Test": 0.3}
)
NTIRE2026_THRESHOLDS: Mapping[str, float] = MappingProxyType(
    {**NTIRE2025_THRESHOLDS, "Wider-Test": 0.2, "WebPhoto-Test": 0.25}
)

#: The challenge's disqualification rule: more than ``MAX_BELOW`` of ``SPLIT_IMAGES`` faces below threshold.
MAX_BELOW = 10
SPLIT_IMAGES = 450


def allowed_below(n: int) -> float:
    """How many of ``n`` faces may fall below threshold: the challenge's 10 of 450, pro rata."""
    return MAX_BELOW * n / SPLIT_IMAGES


def fails_gate(below: int, n: int) -> bool:
    """True when more faces fall below the threshold than the challenge allows for ``n`` images."""
    return below > allowed_below(n)
