"""Datasets: the registry (``get_dataset``), manifests, face alignment, the bundled default and Hub export.

Alignment (``flipnet_bench.data.align``) and export (``flipnet_bench.data.hub``) are imported on use so that
listing datasets never loads OpenCV detectors or ``datasets``; the exports below load on first use too
(:mod:`flipnet_bench.lazy`), so that the command line starts fast.
"""

from flipnet_bench.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        ".manifest": ("VerifyReport", "verify_manifest", "write_manifest"),
        ".params": ("DataParams",),
        ".registry": ("DATASETS", "DatasetCountWarning", "DatasetSpec", "get_dataset", "list_datasets"),
    },
)
