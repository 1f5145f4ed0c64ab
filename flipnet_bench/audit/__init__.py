"""Reproducibility audit (``flipnet-bench audit``): is every number in ``metrics/`` what this code, these
inputs and these weights produce?

Check families live one per module and register in :data:`CHECKS` (``Registry("audit check")``): ``dvc``,
``manifests``, ``weights``, ``environment``, ``determinism``, ``rescoring``, ``datasets``. Call
:func:`run_audit` from code; the CLI adds the table and the exit status.
"""

from flipnet_bench.audit.base import CHECK_ORDER, CHECKS, AuditContext, AuditOptions, CheckResult
from flipnet_bench.audit.report import AuditReport, run_audit

__all__ = ["CHECKS", "CHECK_ORDER", "AuditContext", "AuditOptions", "AuditReport", "CheckResult", "run_audit"]
