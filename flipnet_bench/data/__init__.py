"""Datasets: the registry (``get_dataset``), manifests, face alignment, the bundled default and Hub export.

Alignment (``flipnet_bench.data.align``) and export (``flipnet_bench.data.hub``) are imported on use so that
listing datasets never loads OpenCV detectors or ``datasets``.
"""

from flipnet_bench.data.manifest import VerifyReport, verify_manifest, write_manifest
from flipnet_bench.data.params import DataParams
from flipnet_bench.data.registry import DATASETS, DatasetCountWarning, DatasetSpec, get_dataset, list_datasets

__all__ = [
    "DATASETS",
    "DataParams",
    "DatasetCountWarning",
    "DatasetSpec",
    "VerifyReport",
    "get_dataset",
    "list_datasets",
    "verify_manifest",
    "write_manifest",
]
