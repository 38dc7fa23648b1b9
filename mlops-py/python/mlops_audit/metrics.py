"""Confusion matrices, ROC and precision-recall curves, AUC, and decision costs.

Every function takes ``(y_true, y_score, ...)`` in scikit-learn's order and accepts numpy
arrays (any real or boolean dtype that converts losslessly, any strides; float64 scores and
bool labels are never copied), pandas, polars and pyarrow columns, and sequences. The GIL
is released while the work runs.

A rate whose denominator is zero is ``None`` (undefined), never 0 or NaN.

Costs come in two sizes, and the names say which: :func:`total_cost` sums the cost of every
decision (``5 * FN + FP`` for the default 5:1 matrix), :func:`cost_per_decision` divides it
by the number of rows (by the total weight with ``sample_weight``), the quantity the gate's
``max_cost_per_decision`` bounds. ``CostMatrix.total_cost(cm)`` and
``CostMatrix.mean_cost(cm)`` are the same two for a confusion matrix at hand.
"""

from __future__ import annotations

import typing as _typing
import warnings as _warnings

from mlops_audit._mlops_audit import (
    ConfusionMatrix,
    CostMatrix,
    CostOptimum,
    average_precision,
    confusion_from_predictions,
    confusion_matrix,
    cost_per_decision,
    min_cost_threshold,
    precision_recall_curve,
    roc_auc,
    roc_curve,
    total_cost,
)

if _typing.TYPE_CHECKING:
    # The names as annotations spell them (annotations are not evaluated: __future__ import).
    from typing import Any

del annotations  # bound by the __future__ import; not part of the module's API

__all__ = [
    "ConfusionMatrix",
    "CostMatrix",
    "CostOptimum",
    "average_precision",
    "confusion_from_predictions",
    "confusion_matrix",
    "cost_per_decision",
    "expected_cost",
    "min_cost_threshold",
    "precision_recall_curve",
    "roc_auc",
    "roc_curve",
    "total_cost",
]


def expected_cost(y_true: Any, y_score: Any, threshold: float, *, cost: CostMatrix | None = None,
                  sample_weight: Any = None) -> float:
    """Deprecated: the **total** cost, as :func:`total_cost` (despite the name, not an
    expectation per decision: that is :func:`cost_per_decision`)."""
    _warnings.warn(
        "metrics.expected_cost returns the total cost and is deprecated: use "
        "metrics.total_cost (the same number) or metrics.cost_per_decision (per row)",
        DeprecationWarning, stacklevel=2)
    return total_cost(y_true, y_score, threshold, cost=cost, sample_weight=sample_weight)
