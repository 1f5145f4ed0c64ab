"""``pyiqa:<name>``: any pyiqa metric whose weights are already on disk, under the Metric contract.

pyiqa (PolyForm-Noncommercial, heavy dependencies) is optional: it is imported only when such a metric is
asked for. pyiqa downloads weights on first use; here every download is intercepted while the metric is
built, so an offline machine gets a :class:`BenchError` naming the file to place (and where) instead of a
hang or a half-written file. Every weight file pyiqa loads meanwhile is hash-checked and read with
``weights_only=True`` (:mod:`flipnet_bench.weights.pyiqa`): a planted file is refused, never executed.
Distribution metrics (pyiqa's folder-based ``fid``) are refused: use ``fid``.
"""

from __future__ import annotations

import contextlib
import difflib
import importlib
from collections.abc import Iterator
from typing import Any
from unittest import mock

import torch

from flipnet_bench.errors import BenchError
from flipnet_bench.metrics.base import Batch, PerImageMetric, check_range
from flipnet_bench.weights.pyiqa import PyiqaWeightRefused


class _DownloadBlocked(Exception):
    def __init__(self, url: str, dst: str) -> None:
        super().__init__(f"{url} -> {dst}")
        self.url, self.dst = url, dst


def _blocked(url: str, dst: str, *args: Any, **kwargs: Any) -> None:
    raise _DownloadBlocked(url, dst)


@contextlib.contextmanager
def _no_downloads() -> Iterator[None]:
    """Make pyiqa's and torch.hub's downloads raise, put huggingface_hub in offline mode, and route every
    ``torch.load`` through the weight checks of :mod:`flipnet_bench.weights.pyiqa` (hash, weights only)."""
    from flipnet_bench.weights.pyiqa import guarded_load

    patches = [
        mock.patch("pyiqa.utils.download_util.download_url_to_file", _blocked),
        mock.patch("torch.hub.download_url_to_file", _blocked),
        mock.patch("torch.load", guarded_load(torch.load)),
    ]
    with contextlib.ExitStack() as stack:
        for p in patches:
            stack.enter_context(p)
        with contextlib.suppress(ImportError, AttributeError):
            constants = importlib.import_module("huggingface_hub.constants")
            stack.enter_context(mock.patch.object(constants, "HF_HUB_OFFLINE", True))
        yield


def import_pyiqa() -> Any:
    try:
        return importlib.import_module("pyiqa")
    except ImportError as exc:
        raise BenchError(
            "pyiqa metrics need the pyiqa package: `pip install pyiqa==0.1.16` "
            f"(PolyForm-Noncommercial licence; import failed: {exc})"
        ) from exc


class PyiqaMetric(PerImageMetric):
    """A pyiqa metric (FR: compares pred with gt; NR: pred alone) with pyiqa's own defaults."""

    def __init__(self, pyiqa_name: str, device: str = "cpu", **options: Any) -> None:
        pyiqa = import_pyiqa()
        known = list(pyiqa.list_models())
        if pyiqa_name not in known:
            hint = difflib.get_close_matches(pyiqa_name, known, n=3)
            extra = f"; did you mean {', '.join('pyiqa:' + h for h in hint)}?" if hint else ""
            raise BenchError(f"unknown pyiqa metric {pyiqa_name!r}{extra} (see pyiqa.list_models())")
        if "fid" in pyiqa_name or pyiqa_name == "inception_score":
            raise BenchError(f"pyiqa:{pyiqa_name} scores folders, not pairs; use the suite's fid/kid metrics")
        self.name = f"pyiqa:{pyiqa_name}"  # type: ignore[misc]
        self.pyiqa_name, self.device, self.options = pyiqa_name, device, options
        try:
            with _no_downloads():
                self._net = pyiqa.create_metric(pyiqa_name, device=torch.device(device), **options)
        except PyiqaWeightRefused:
            raise
        except _DownloadBlocked as exc:
            raise BenchError(
                f"pyiqa:{pyiqa_name}: weights not present; download {exc.url} to {exc.dst} "
                "on a connected machine (or pass pretrained_model_path=...)"
            ) from exc
        except Exception as exc:  # noqa: BLE001 - pyiqa raises anything when weights/deps are missing
            raise BenchError(
                f"pyiqa:{pyiqa_name} could not be created offline: {type(exc).__name__}: {exc}"
            ) from exc
        self.higher_is_better = not bool(self._net.lower_better)  # type: ignore[misc]
        self.requires = frozenset({"gt"}) if self._net.metric_mode == "FR" else frozenset()  # type: ignore[misc]
        super().__init__()

    @torch.inference_mode()
    def score(self, batch: Batch) -> torch.Tensor:
        check_range(self.name, batch.pred)
        if self._net.metric_mode == "FR":
            assert batch.gt is not None
            check_range(self.name, batch.gt)
            out = self._net(batch.pred, batch.gt)
        else:
            out = self._net(batch.pred)
        return torch.as_tensor(out).reshape(len(batch.keys), -1)[:, 0].double().cpu()

    def definition(self) -> dict[str, Any]:
        pyiqa = import_pyiqa()
        return {
            **super().definition(),
            "implementation": f"pyiqa {getattr(pyiqa, '__version__', '?')} {self.pyiqa_name!r} defaults",
            "mode": self._net.metric_mode,
            "options": {k: str(v) for k, v in self.options.items()},
            "input": "RGB [0, 1] tensors (pyiqa's own preprocessing)",
        }
