"""Where the pipeline puts things, in one place (stage scripts, leaderboard and tests agree on it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flipnet_bench.data.params import DataParams
from flipnet_bench.data.registry import get_dataset
from flipnet_bench.errors import BenchError

METRICS_DIR = Path("metrics")
#: Every pipeline output below the project root (dvc.yaml names the same paths: DVC cannot template outs).
OUT_DIR = Path("out")
#: Machine-specific records (wall-clock timings, the software/hardware environment) beside the results: not a
#: DVC output, so they never enter the content hashes in dvc.lock; the audit reads them from here.
MACHINE_DIR = "machine"


def machine_dir(out: Path, *parts: str) -> Path:
    """``out/machine/<parts>``: where a stage writing ``out/<parts>`` keeps its machine-specific records."""
    return Path(out) / MACHINE_DIR / Path(*parts)


@dataclass(frozen=True)
class TestSet:
    """A test set as the pipeline sees it: an alias (stage names, metrics paths), its LQ and optional GT."""

    alias: str
    dataset: str
    lq_dir: Path
    gt_dir: Path | None

    @property
    def has_gt(self) -> bool:
        return self.gt_dir is not None


def resolve_set(alias: str, sets: dict[str, str], data: DataParams) -> TestSet:
    """Resolve ``pipeline.sets[alias]`` through the dataset registry."""
    if alias not in sets:
        raise BenchError(f"test set {alias!r} is not in params.yaml pipeline.sets (known: {sorted(sets)})")
    spec = get_dataset(sets[alias], data)
    if spec.kind == "pairs":
        return TestSet(alias, spec.name, Path(spec.lq_root), Path(spec.gt_root))
    if spec.kind == "real-lq":
        return TestSet(alias, spec.name, Path(spec.root), None)
    raise BenchError(f"pipeline.sets.{alias}: dataset {spec.name!r} is an HQ split, not a test set")


def restored_dir(out: Path, alias: str, method: str, seed: int | None = None) -> Path:
    """A method's outputs on a set; ``seed``: one of the seed-spread runs (``pipeline.extra_seeds``)."""
    if seed is not None:
        return Path(out) / "restored-seeds" / alias / method / f"seed{seed}"
    return Path(out) / "restored" / alias / method


def scores_dir(out: Path, alias: str, method: str, seed: int | None = None) -> Path:
    if seed is not None:
        return Path(out) / "scores-seeds" / alias / method / f"seed{seed}"
    return Path(out) / "scores" / alias / method


def metrics_file(alias: str, method: str) -> Path:
    return METRICS_DIR / alias / f"{method}.json"


def synth_dir(out: Path, model: str) -> Path:
    return Path(out) / "synth" / model


def method_dir(out: Path, method: str) -> Path:
    """A method's artifacts (checkpoint or card); every restore stage depends on its method's folder."""
    return Path(out) / "methods" / method


def reference_dir(out: Path) -> Path:
    return Path(out) / "reference"


def gt_stats_file(out: Path, alias: str) -> Path:
    """FID statistics of a test set's ground truth (its "FID vs GT" reference)."""
    return reference_dir(out) / f"gt-{alias}.npz"
