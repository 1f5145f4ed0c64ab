"""The ``data:`` section of params.yaml: where every registered dataset lives.

Defaults point at the bundled ``data/default`` subset (relative to the project root, where ``dvc repro``
runs); full-size runs override the roots (e.g. ``dvc exp run -S data.lfw_test=/datasets/LFW-Test``). A root of
``null`` means "not available here": using that dataset is an error naming the key to set.
``synthetic_root`` holds CelebA-Test-style pairs made on demand (``…@hq-train``); the test pairs
(``…@hq-test``) are shipped data (:mod:`flipnet_bench.data.testpairs`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT = Path("data/default")


@dataclass(frozen=True)
class DataParams:
    """Dataset roots (folders). Pair datasets have one folder each for LQ and GT images."""

    hq_train: Path | None = DEFAULT / "hq/train"
    hq_test: Path | None = DEFAULT / "hq/test"
    lfw_test: Path | None = DEFAULT / "real-lq/lfw-test"
    webphoto_test: Path | None = DEFAULT / "real-lq/webphoto-test"
    wider_test: Path | None = DEFAULT / "real-lq/wider-test"
    celebchild_test: Path | None = DEFAULT / "real-lq/celebchild-test"
    celeba_real: Path | None = DEFAULT / "real-lq/celeba-real"
    celeba_test_lq: Path | None = None
    celeba_test_gt: Path | None = None
    real_pairs: Path | None = DEFAULT / "real-pairs"
    #: The shipped synthetic CelebA-Test-style pairs (LQ files; their HQ partners are ``hq_test``'s).
    synthetic_test: Path | None = DEFAULT / "synthetic-celeba-test-style@hq-test"
    synthetic_root: Path = Path("data/synthetic")
