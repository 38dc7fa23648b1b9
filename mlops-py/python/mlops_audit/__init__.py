"""mlops_audit: audit machine-learning models in production.

Submodules: :mod:`~mlops_audit.metrics` (confusion matrices, ROC/AUC, costs),
:mod:`~mlops_audit.fairness`, :mod:`~mlops_audit.drift`, :mod:`~mlops_audit.calibration`,
:mod:`~mlops_audit.compare`, :mod:`~mlops_audit.datasets` (built-in data),
:mod:`~mlops_audit.gate` (the deployment gate), :mod:`~mlops_audit.report` (HTML and JSON
reports with an audit trail), :mod:`~mlops_audit.spark` (the audit, threshold search and
drift report of a Spark DataFrame, in its executors; needs the ``spark`` extra) and
:mod:`~mlops_audit.errors` (every exception raised).
"""

import os as _os

from mlops_audit import (
    calibration,
    compare,
    datasets,
    drift,
    errors,
    fairness,
    gate,
    metrics,
    report,
    results,
    spark,
)
from mlops_audit._mlops_audit import __version__, _set_parallelism

# rayon's thread pool does not survive fork(): a forked child that used it would hang.
# Turn the library's parallelism off in the child (it still computes, on one thread).
if hasattr(_os, "register_at_fork"):
    _os.register_at_fork(after_in_child=lambda: _set_parallelism(False))

__all__ = [
    "__version__",
    "calibration",
    "compare",
    "datasets",
    "drift",
    "errors",
    "fairness",
    "gate",
    "metrics",
    "report",
    "results",
    "spark",
]
