"""Calibration: do predicted probabilities mean what they say?

The 5:1 lending costs put the cost-optimal cut at 1/6 only for calibrated probabilities,
and a regulator asks whether a score of 0.2 means the same risk in every group.

- Metrics: :func:`brier_score`, :func:`log_loss`, :func:`reliability_curve` (scikit-learn's
  ``calibration_curve`` bin rule: right-closed bins, ``strategy="uniform"|"quantile"``),
  :func:`expected_calibration_error` and :func:`max_calibration_error` over the same bins.
- Calibrators: :class:`IsotonicCalibrator` (pool-adjacent-violators, as scikit-learn's
  ``IsotonicRegression(out_of_bounds="clip")``) and :class:`PlattCalibrator` (Platt's
  sigmoid with smoothed targets, as scikit-learn's sigmoid calibration).

Still to come (being built): histogram and beta calibrators, debiased ECE,
Hosmer-Lemeshow and Spiegelhalter tests, per-group calibration and reliability diagrams.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from mlops_audit._mlops_audit import (
    IsotonicCalibrator,
    PlattCalibrator,
    _calibration_errors,
    _reliability_curve_json,
    brier_score,
    log_loss,
)

__all__ = [
    "IsotonicCalibrator",
    "PlattCalibrator",
    "ReliabilityCurve",
    "brier_score",
    "expected_calibration_error",
    "log_loss",
    "max_calibration_error",
    "reliability_curve",
]


class ReliabilityCurve:
    """The non-empty bins of a reliability curve, as numpy arrays: ``fraction_positive``,
    ``mean_predicted``, ``weight`` (rows per bin), ``low`` and ``high`` (bin edges).

    Unpacks like scikit-learn's ``calibration_curve``:
    ``prob_true, prob_pred = reliability_curve(...)``.
    """

    def __init__(self, data: dict[str, Any]) -> None:
        self.strategy: str = data["strategy"]
        self.n_bins: int = data["n_bins"]
        bins = data["bins"]
        self.fraction_positive = np.array([b["fraction_positive"] for b in bins], dtype=float)
        self.mean_predicted = np.array([b["mean_predicted"] for b in bins], dtype=float)
        self.weight = np.array([b["weight"] for b in bins], dtype=float)
        self.low = np.array([b["low"] for b in bins], dtype=float)
        self.high = np.array([b["high"] for b in bins], dtype=float)
        self._data = data

    def __iter__(self):
        yield self.fraction_positive
        yield self.mean_predicted

    def to_dict(self) -> dict[str, Any]:
        """Bins as plain data."""
        return dict(self._data)

    def to_json(self) -> str:
        """Bins as JSON."""
        return json.dumps(self._data)

    def __repr__(self) -> str:
        return (f"ReliabilityCurve(strategy={self.strategy!r}, n_bins={self.n_bins}, "
                f"non_empty={len(self.weight)})")


def reliability_curve(y_true: Any, y_prob: Any, *, n_bins: int = 5, strategy: str = "uniform",
                      sample_weight: Any = None) -> ReliabilityCurve:
    """Observed frequency against mean predicted probability per bin.

    Matches ``sklearn.calibration.calibration_curve`` to the bit (same edges, same
    right-closed bins; empty bins left out). Weights, when given, weight the means.
    """
    return ReliabilityCurve(json.loads(
        _reliability_curve_json(y_true, y_prob, n_bins, strategy, sample_weight)))


def expected_calibration_error(y_true: Any, y_prob: Any, *, n_bins: int = 10,
                               strategy: str = "uniform", sample_weight: Any = None) -> float:
    """ECE: ``sum_b (n_b / n) |fraction_positive_b - mean_predicted_b|`` over the bins of
    :func:`reliability_curve` (``"uniform"``: equal width, Naeini et al. 2015;
    ``"quantile"``: equal mass)."""
    return _calibration_errors(y_true, y_prob, n_bins, strategy, sample_weight)[0]


def max_calibration_error(y_true: Any, y_prob: Any, *, n_bins: int = 10,
                          strategy: str = "uniform", sample_weight: Any = None) -> float:
    """MCE: the largest ``|fraction_positive_b - mean_predicted_b|`` over the bins."""
    return _calibration_errors(y_true, y_prob, n_bins, strategy, sample_weight)[1]
