"""Fairness: cost-optimal per-group thresholds under an equal-opportunity constraint.

The lending case drives the defaults. A flag sends a loan to a review that usually rejects
it, so the flag is punitive and fairness means *equal false-positive rates*: applicants who
would repay are flagged at the same rate in every group. A missed bad loan costs 5 times a
needless review. :func:`equal_opportunity` finds, exactly, the per-group thresholds with
the lowest ``5 * FN + FP`` among all whose FPRs lie within ``tolerance`` of each other.

:func:`audit` reports how any rule treats each group: counts, every rate, ROC AUC, the
largest disparities with the pair of groups that attains them, small-group warnings, and
seeded stratified bootstrap intervals. :class:`ThresholdOptimizer` wraps the search as a
scikit-learn style post-processor.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mlops_audit._mlops_audit import GroupAudit, ThresholdPolicy, audit, equal_opportunity

__all__ = ["GroupAudit", "ThresholdOptimizer", "ThresholdPolicy", "audit", "equal_opportunity"]


class ThresholdOptimizer:
    """Per-group thresholds as the last step after an existing model.

    ``fit(y_score, y_true, groups)`` fits a :class:`ThresholdPolicy` with
    :func:`equal_opportunity`; ``predict(y_score, groups)`` applies it. With
    ``estimator`` (a fitted classifier with ``predict_proba``), the first argument of
    ``fit``/``predict`` is the feature matrix instead, scored with the estimator's
    positive-class probability.

    Parameters are those of :func:`equal_opportunity`, plus ``fallback`` (a threshold, or
    ``"single_threshold"``, for groups unseen at fit time) and ``seed`` (for randomized
    rules).
    """

    _params = ("estimator", "fn_cost", "fp_cost", "constraint", "tolerance", "randomized",
               "fallback", "seed")

    def __init__(self, estimator: Any = None, *, fn_cost: float = 5.0, fp_cost: float = 1.0,
                 constraint: str = "fpr", tolerance: float = 0.01, randomized: bool = False,
                 fallback: float | str | None = None, seed: int = 0) -> None:
        self.estimator = estimator
        self.fn_cost = fn_cost
        self.fp_cost = fp_cost
        self.constraint = constraint
        self.tolerance = tolerance
        self.randomized = randomized
        self.fallback = fallback
        self.seed = seed

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor parameters (scikit-learn protocol)."""
        return {name: getattr(self, name) for name in self._params}

    def set_params(self, **params: Any) -> ThresholdOptimizer:
        """Sets constructor parameters (scikit-learn protocol)."""
        for name, value in params.items():
            if name not in self._params:
                raise ValueError(f"unknown parameter {name!r}; expected one of {self._params}")
            setattr(self, name, value)
        return self

    def _scores(self, x: Any) -> Any:
        if self.estimator is None:
            return x
        proba = np.asarray(self.estimator.predict_proba(x))
        return np.ascontiguousarray(proba[:, 1], dtype=np.float64)

    def fit(self, x: Any, y_true: Any, groups: Any, sample_weight: Any = None) -> ThresholdOptimizer:
        """Fits the per-group thresholds; ``x`` is scores, or features with ``estimator``."""
        self.policy_ = equal_opportunity(
            y_true, self._scores(x), groups, fn_cost=self.fn_cost, fp_cost=self.fp_cost,
            constraint=self.constraint, tolerance=self.tolerance, randomized=self.randomized,
            sample_weight=sample_weight,
        )
        return self

    def predict(self, x: Any, groups: Any, row_key: Any = None) -> np.ndarray:
        """0/1 flags for new rows."""
        if not hasattr(self, "policy_"):
            raise AttributeError("ThresholdOptimizer is not fitted yet: call fit() first")
        flags = self.policy_.predict(self._scores(x), groups, fallback=self.fallback,
                                     seed=self.seed, row_key=row_key)
        return flags.astype(np.int64)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._params)
        return f"ThresholdOptimizer({args})"
