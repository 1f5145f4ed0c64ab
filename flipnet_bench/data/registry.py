"""The dataset registry: every dataset is a named entry with a kind, a params key for its root and, where one
exists, the official image count.

Kinds: ``hq`` (clean faces: training / synthetic-pair sources), ``real-lq`` (real degraded faces without
ground truth) and ``pairs`` (LQ/GT folders matched by stem). Synthetic CelebA-Test-style pairs are named after
the HQ split they were made from (``synthetic-celeba-test-style@hq-test``) so they can never pass for the
official CelebA-Test; the ``@hq-test`` pairs are shipped data (:mod:`flipnet_bench.data.testpairs`).
A folder whose count differs from the official one is reported (a warning and in
``data info`` / ``data verify``), never hidden: the bundled default holds 16 images per real-world set.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Literal

from flipnet_bench.data.params import DataParams
from flipnet_bench.errors import BenchError
from flipnet_bench.io import Skipped, list_images, pair_by_stem
from flipnet_bench.registry import Registry

Kind = Literal["hq", "real-lq", "pairs"]


class DatasetCountWarning(UserWarning):
    """A dataset folder holds a different number of images than the official release."""


@dataclass(frozen=True)
class DatasetEntry:
    """Static facts about a dataset; ``root_key`` (or ``lq_key``/``gt_key``) names its params.yaml key(s)."""

    name: str
    kind: Kind
    root_key: str | None = None
    lq_key: str | None = None
    gt_key: str | None = None
    official_count: int | None = None
    note: str = ""
    synthetic_source: str | None = None


DATASETS: Registry[DatasetEntry] = Registry("dataset")


def _add(entry: DatasetEntry) -> None:
    DATASETS.register(entry.name, entry)


_add(
    DatasetEntry("hq-train", "hq", "hq_train", note="aligned HQ training faces (bundled: hq-webmorph + LFW)")
)
_add(DatasetEntry("hq-test", "hq", "hq_test", note="aligned HQ test faces, identity-disjoint from hq-train"))
_add(DatasetEntry("lfw-test", "real-lq", "lfw_test", official_count=1711, note="GFPGAN release"))
_add(
    DatasetEntry(
        "webphoto-test", "real-lq", "webphoto_test", official_count=407, note="GFPGAN release; VQFR's has 469"
    )
)
_add(DatasetEntry("wider-test", "real-lq", "wider_test", official_count=970, note="CodeFormer release"))
_add(DatasetEntry("celebchild-test", "real-lq", "celebchild_test", official_count=180, note="GFPGAN release"))
_add(
    DatasetEntry(
        "celeba-real", "real-lq", "celeba_real", note="real in-the-wild CelebA faces (NTIRE 2025 pool)"
    )
)
_add(
    DatasetEntry(
        "celeba-test",
        "pairs",
        lq_key="celeba_test_lq",
        gt_key="celeba_test_gt",
        official_count=3000,
        note="official synthetic CelebA-Test (GFPGAN); only from a local copy",
    )
)
_add(
    DatasetEntry(
        "real-pairs", "pairs", "real_pairs", note="real degraded/clean natural-scene pairs (lq/, gt/)"
    )
)
for _split in ("hq-train", "hq-test"):
    _add(
        DatasetEntry(
            f"synthetic-celeba-test-style@{_split}",
            "pairs",
            # The test pairs are shipped bytes (LQ in data.synthetic_test, HQ = the hq-test split); the
            # train-split pairs are made on demand under data.synthetic_root.
            root_key="synthetic_test" if _split == "hq-test" else None,
            gt_key="hq_test" if _split == "hq-test" else None,
            official_count=None,
            note=f"CelebA-Test-style synthetic pairs made from {_split}; NOT the official CelebA-Test",
            synthetic_source=_split,
        )
    )


def _root(params: DataParams, key: str, name: str) -> Path:
    value = getattr(params, key)
    if value is None:
        raise BenchError(
            f"dataset {name!r} is not available: params.yaml data.{key} is not set; point it at your local "
            f"copy (e.g. dvc exp run -S data.{key}=/path/to/folder)"
        )
    return Path(value)


@dataclass(frozen=True)
class DatasetSpec:
    """A registered dataset resolved against params: where it is and how to list it."""

    entry: DatasetEntry
    root: Path
    lq_root: Path | None = None
    gt_root: Path | None = None

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def kind(self) -> Kind:
        return self.entry.kind

    def _check_dir(self, path: Path, key: str) -> None:
        if not path.is_dir():
            raise BenchError(f"dataset {self.name!r}: folder {path} not found (params.yaml data.{key})")

    def files(self, lenient: bool = False, skipped: Skipped | None = None) -> list[Path]:
        """Sorted image files (for pairs: the LQ side); warns when the count differs from the official one."""
        if self.kind == "pairs":
            return [lq for lq, _ in self.pairs(lenient, skipped)]
        self._check_dir(self.root, self.entry.root_key or "")
        files = list_images(self.root, lenient=lenient, skipped=skipped)
        self._warn_count(len(files))
        return files

    def pairs(self, lenient: bool = False, skipped: Skipped | None = None) -> list[tuple[Path, Path]]:
        """(LQ, GT) file pairs matched by stem (pair datasets only)."""
        if self.kind != "pairs" or self.lq_root is None or self.gt_root is None:
            raise BenchError(f"dataset {self.name!r} is of kind {self.kind!r}, not an LQ/GT pair dataset")
        self._check_dir(self.lq_root, self.entry.lq_key or self.entry.root_key or "synthetic_root")
        self._check_dir(self.gt_root, self.entry.gt_key or self.entry.root_key or "synthetic_root")
        pairs = pair_by_stem(self.lq_root, self.gt_root, lenient=lenient, skipped=skipped)
        self._warn_count(len(pairs))
        return pairs

    def count_note(self, count: int) -> str:
        """Human-readable comparison with the official count ("" when there is none or it matches)."""
        official = self.entry.official_count
        if official is None or count == official:
            return ""
        return f"{self.name}: {count} images here, the official set has {official} ({self.entry.note})"

    def _warn_count(self, count: int) -> None:
        note = self.count_note(count)
        if note:
            warnings.warn(note, DatasetCountWarning, stacklevel=3)


def get_dataset(name: str, params: DataParams | None = None) -> DatasetSpec:
    """Resolve dataset ``name`` against the ``data:`` params (defaults: the bundled data). Unknown names raise
    a BenchError with "did you mean"; an unset root raises one naming the params key."""
    params = params or DataParams()
    entry = DATASETS.get(name)
    if entry.synthetic_source is not None and entry.root_key is not None and entry.gt_key is not None:
        root = _root(params, entry.root_key, name)  # shipped pairs: LQ here, HQ in their source split
        return DatasetSpec(entry, root, root / "lq", _root(params, entry.gt_key, name))
    if entry.synthetic_source is not None:
        root = Path(params.synthetic_root) / entry.name
        return DatasetSpec(entry, root, root / "lq", root / "hq")
    if entry.kind == "pairs" and entry.lq_key is not None and entry.gt_key is not None:
        lq, gt = _root(params, entry.lq_key, name), _root(params, entry.gt_key, name)
        return DatasetSpec(entry, lq.parent, lq, gt)
    root = _root(params, entry.root_key or "", name)
    if entry.kind == "pairs":
        return DatasetSpec(entry, root, root / "lq", root / "gt")
    return DatasetSpec(entry, root)


def list_datasets() -> list[str]:
    return DATASETS.names()


def params_keys() -> list[str]:
    """Every root key of the ``data:`` section (for docs and checks)."""
    return [f.name for f in fields(DataParams)]
