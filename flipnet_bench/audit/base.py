"""What every audit check shares: its result row, the run's options and a context with cached look-ups.

A check family is a function ``check(ctx) -> list[CheckResult]`` registered in ``CHECKS``; one family may
report several subjects (one row per restored folder, say). Rows carry the exact files or keys at fault in
``items`` so a failing audit always names what failed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, TypeVar

from flipnet_bench.config import load_section
from flipnet_bench.registry import Registry

Status = Literal["pass", "warn", "fail", "skip"]
STATUSES: tuple[Status, ...] = ("pass", "warn", "fail", "skip")
T = TypeVar("T")

#: Images re-run per output folder by the determinism check (default run, ``--full``).
DEFAULT_SAMPLES = 2
FULL_SAMPLES = 8


@dataclass
class CheckResult:
    """One row of the audit table."""

    check: str
    subject: str
    status: Status
    detail: str
    items: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "subject": self.subject,
            "status": self.status,
            "detail": self.detail,
            "items": list(self.items),
            "seconds": round(self.seconds, 3),
        }


CheckFn = Callable[["AuditContext"], list[CheckResult]]

#: Check families in the order they run (cheap, decisive checks first).
CHECKS: Registry[CheckFn] = Registry("audit check")
CHECK_ORDER: tuple[str, ...] = (
    "dvc",
    "manifests",
    "weights",
    "environment",
    "determinism",
    "rescoring",
    "reproduction",
    "datasets",
)
for _name in CHECK_ORDER:
    CHECKS.register_lazy(_name, f"flipnet_bench.audit.{_name}_check:check")


@dataclass(frozen=True)
class AuditOptions:
    """How thorough the audit is and where it looks (paths are relative to ``root``)."""

    root: Path = Path(".")
    full: bool = False
    fail_on_env_diff: bool = False
    samples: int | None = None  # None: DEFAULT_SAMPLES, or FULL_SAMPLES with ``full``
    seed: int = 0
    params: str = "params.yaml"
    datasets: tuple[Path, ...] = ()  # exported / published dataset folders to check besides those found

    @property
    def sample_size(self) -> int:
        if self.samples is not None:
            return max(1, int(self.samples))
        return FULL_SAMPLES if self.full else DEFAULT_SAMPLES


class AuditContext:
    """Options plus lazily loaded params and environment; runs with the project root as working directory."""

    def __init__(self, options: AuditOptions) -> None:
        self.options = options
        self.root = Path(options.root).resolve()
        self._sections: dict[str, Any] = {}
        self.memo: dict[Any, Any] = {}  # expensive objects shared by checks (loaded models)
        self.progress = True  # per-folder progress bars of the long checks

    def bar(self, items: Sequence[T], desc: str) -> Any:
        """``items`` with a tqdm bar (off when the audit runs quietly)."""
        from tqdm import tqdm

        return tqdm(items, desc=desc, unit="folder", leave=False, disable=not self.progress)

    @property
    def full(self) -> bool:
        return self.options.full

    def params(self, section: str) -> Any:
        """A typed params section of the audited project (validated like the pipeline does)."""
        if section not in self._sections:
            self._sections[section] = load_section(section, self.root / self.options.params)
        return self._sections[section]

    @cached_property
    def environment(self) -> dict[str, Any]:
        from flipnet_bench.environment import collect_environment

        return collect_environment()

    def sample(self, items: Sequence[T], subject: str, k: int | None = None) -> list[T]:
        """A reproducible sample of ``k`` items (all of them when fewer), seeded by the audit seed and
        ``subject`` so different folders get different picks, in the items' original order."""
        k = self.options.sample_size if k is None else k
        if len(items) <= k:
            return list(items)
        picks = random.Random(f"{self.options.seed}:{subject}").sample(range(len(items)), k)
        return [items[i] for i in sorted(picks)]


def rel(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` when inside it (readable names in the report), else absolute."""
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


def summarize(items: Sequence[str], limit: int = 3) -> str:
    """``a, b, c and 4 more``: a short list for the table's detail column (``items`` keeps all)."""
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")
