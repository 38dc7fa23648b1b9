"""Champion against challenger: DeLong's test, McNemar's test and the paired t-test.

- DeLong, two models on the same rows: ``mlops_audit.compare.delong`` against the
  vectorised numpy midrank implementation below (Sun & Xu 2014's placement form: midranks
  by ``np.unique``, covariance by ``np.cov``); AUCs, standard error and p-value to 1e-9.
- McNemar: ``mlops_audit.compare.mcnemar(y, pred_champion, pred_challenger)`` against numpy counting the
  2x2 table of right/wrong and statsmodels' ``mcnemar`` (exact binomial test).
- Paired t-test of per-row losses: ``paired_ttest`` against ``scipy.stats.ttest_rel``.

Lower bounds for DeLong: bare sorts (Rust, numpy) of one model's scores (the test sorts
each once).
"""

from __future__ import annotations

import math

import numpy as np

from . import data
from .runner import Peer, Workload


def generate_models(n: int):
    return data.two_models(n)


def ours_delong(d):
    from mlops_audit.compare import delong

    return delong(*d)


def midrank(x: np.ndarray) -> np.ndarray:
    """Average 1-based ranks, ties sharing the mean of their ranks."""
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    upper = np.cumsum(counts)
    return (upper - (counts - 1) / 2.0)[inverse]


def numpy_delong(d):
    """(auc_a, auc_b, std_error of auc_a - auc_b, two-sided p) by Sun & Xu's midranks."""
    y, a, b = d
    pos, neg = y == 1, y == 0
    m, n = int(pos.sum()), int(neg.sum())
    v10, v01, aucs = [], [], []
    for s in (a, b):
        x, z = s[pos], s[neg]
        tz = midrank(np.concatenate([x, z]))
        tx, ty = midrank(x), midrank(z)
        aucs.append((tz[:m].sum() - m * (m + 1) / 2.0) / (m * n))
        v10.append((tz[:m] - tx) / n)
        v01.append(1.0 - (tz[m:] - ty) / m)
    s10, s01 = np.cov(np.array(v10)), np.cov(np.array(v01))
    var = ((s10[0, 0] + s10[1, 1] - 2 * s10[0, 1]) / m
           + (s01[0, 0] + s01[1, 1] - 2 * s01[0, 1]) / n)
    se = math.sqrt(var)
    z = (aucs[0] - aucs[1]) / se
    return aucs[0], aucs[1], se, math.erfc(abs(z) / math.sqrt(2.0))


def check_delong(d, ours, theirs) -> None:
    for got, expected in zip((ours.auc_champion, ours.auc_challenger, ours.std_error,
                              ours.pvalue), theirs,
                             strict=True):
        assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-300), (got, expected)


DELONG = Workload(
    key="delong",
    title="DeLong's test of two AUCs",
    size=lambda n: f"{n:.0e} rows",
    generate=generate_models,
    ours=ours_delong,
    peers=[Peer("numpy midrank DeLong", numpy_delong, check_delong, target=3.0)],
    sort_input=lambda d: d[1],
)


def generate_paired(n: int):
    return data.paired_predictions(n)


def ours_mcnemar(d):
    from mlops_audit.compare import mcnemar

    y, pa, pb, _, _ = d
    return mcnemar(y, pa, pb)


def statsmodels_mcnemar(d):
    from statsmodels.stats.contingency_tables import mcnemar

    y, pa, pb, _, _ = d
    a_right, b_right = pa == y, pb == y
    table = [[np.count_nonzero(a_right & b_right), np.count_nonzero(a_right & ~b_right)],
             [np.count_nonzero(~a_right & b_right), np.count_nonzero(~a_right & ~b_right)]]
    return mcnemar(table, exact=True)


def check_mcnemar(d, ours, theirs) -> None:
    assert ours.statistic == theirs.statistic, (ours.statistic, theirs.statistic)
    assert math.isclose(ours.pvalue, theirs.pvalue, rel_tol=1e-9, abs_tol=1e-300), (
        ours.pvalue, theirs.pvalue)


MCNEMAR = Workload(
    key="mcnemar",
    title="McNemar's test (exact)",
    size=lambda n: f"{n:.0e} rows",
    generate=generate_paired,
    ours=ours_mcnemar,
    peers=[Peer("numpy table + statsmodels mcnemar", statsmodels_mcnemar, check_mcnemar,
                needs=("statsmodels",))],
)


def ours_ttest(d):
    from mlops_audit.compare import paired_ttest

    return paired_ttest(d[3], d[4])


def scipy_ttest(d):
    from scipy.stats import ttest_rel

    return ttest_rel(d[3], d[4])


def check_ttest(d, ours, theirs) -> None:
    assert math.isclose(ours.statistic, theirs.statistic, rel_tol=1e-9), (
        ours.statistic, theirs.statistic)
    assert math.isclose(ours.pvalue, theirs.pvalue, rel_tol=1e-8, abs_tol=1e-300), (
        ours.pvalue, theirs.pvalue)


PAIRED_T = Workload(
    key="paired_ttest",
    title="Paired t-test of per-row losses",
    size=lambda n: f"{n:.0e} rows",
    generate=generate_paired,
    ours=ours_ttest,
    peers=[Peer("scipy.stats.ttest_rel", scipy_ttest, check_ttest, needs=("scipy",))],
)

WORKLOADS = [DELONG, MCNEMAR, PAIRED_T]
