"""Confusion matrices, ROC and precision-recall curves, AUC, and decision costs.

Every function takes ``(y_true, y_score, ...)`` in scikit-learn's order and accepts numpy
arrays (any real or boolean dtype that converts losslessly, any strides; float64 scores and
bool labels are never copied), pandas, polars and pyarrow columns, and sequences. The GIL
is released while the work runs.

A rate whose denominator is zero is ``None`` (undefined), never 0 or NaN.
"""

from mlops_audit._mlops_audit import (
    ConfusionMatrix,
    CostMatrix,
    CostOptimum,
    average_precision,
    confusion_from_predictions,
    confusion_matrix,
    expected_cost,
    min_cost_threshold,
    precision_recall_curve,
    roc_auc,
    roc_curve,
)

__all__ = [
    "ConfusionMatrix",
    "CostMatrix",
    "CostOptimum",
    "average_precision",
    "confusion_from_predictions",
    "confusion_matrix",
    "expected_cost",
    "min_cost_threshold",
    "precision_recall_curve",
    "roc_auc",
    "roc_curve",
]
