"""Champion/challenger statistics: is the challenger better, and by how much?

Paired tests for two models scored on the same rows (shadow mode):

- :func:`delong`: DeLong's test for two correlated ROC AUCs, in the O(n log n) form of
  Sun & Xu (2014), with the AUCs, their variances and covariance, z, two- and one-sided
  p-values (real p-values, not logarithms) and a confidence interval of the difference.
- :func:`mcnemar`: McNemar's test on the hard decisions (exact binomial, or chi-square with
  or without continuity correction, as statsmodels).

Still to come (being built): paired t and Wilcoxon tests, the paired bootstrap, A/B tests
and sequential tests.
"""

from __future__ import annotations

import json
from typing import Any

from mlops_audit._mlops_audit import _delong_json, _mcnemar_json
from mlops_audit.results import TestResult

__all__ = ["TestResult", "delong", "mcnemar"]


def delong(y_true: Any, y_score_a: Any, y_score_b: Any, *, level: float = 0.95) -> TestResult:
    """DeLong's test of ``AUC_a - AUC_b`` for two models scored on the same rows.

    Returns a :class:`TestResult` with ``auc_a``, ``auc_b``, ``var_a``, ``var_b``,
    ``covariance``, ``difference``, ``std_error``, ``statistic`` (z), ``pvalue``
    (two-sided), ``pvalue_greater`` (H1: a > b), ``pvalue_less``, ``ci_low``, ``ci_high``.
    ``statistic`` and the p-values are ``None`` when the two rankings are identical
    (standard error 0). Fewer than two positives or negatives raise
    ``UndefinedMetricError``.
    """
    return TestResult("DelongResult", json.loads(_delong_json(y_true, y_score_a, y_score_b, level)))


def mcnemar(y_true: Any, y_pred_a: Any, y_pred_b: Any, *, exact: bool = True,
            correction: bool = True) -> TestResult:
    """McNemar's test: do models a and b make different numbers of errors on the same rows?

    ``b`` counts rows a gets right and b gets wrong, ``c`` the reverse. ``exact=True``:
    the binomial test, ``statistic = min(b, c)``; otherwise the chi-square statistic
    ``(|b - c| - correction)^2 / (b + c)``. Defaults as ``statsmodels``' ``mcnemar``.
    """
    return TestResult("McNemarResult",
                      json.loads(_mcnemar_json(y_true, y_pred_a, y_pred_b, exact, correction)))
