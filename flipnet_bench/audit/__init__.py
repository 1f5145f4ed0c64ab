"""Reproducibility audit (``flipnet-bench audit``): is every number in ``metrics/`` what this code, these
inputs and these weights produce?

Check families live one per module and register in :data:`CHECKS` (``Registry("audit check")``): ``dvc``,
``manifests``, ``weights``, ``environment``, ``determinism``, ``rescoring``, ``reproduction``,
``datasets``. Call :func:`run_audit` from code; the CLI adds the table and the exit status. Exports load on
first use (:mod:`flipnet_bench.lazy`) so that the command line starts fast.
"""

from flipnet_bench.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        ".base": ("CHECKS", "CHECK_ORDER", "AuditContext", "AuditOptions", "CheckResult"),
        ".report": ("AuditReport", "run_audit"),
    },
)
