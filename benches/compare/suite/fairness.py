"""Group metrics and the bootstrap of the per-group FPR gap.

- Group metrics, 8 groups: ``mlops_audit.fairness.audit`` (counts, every rate, ROC AUC
  per group, disparities) against fairlearn's ``MetricFrame`` with the rates a user would
  ask it for (TPR, FPR, TNR, FNR, precision, selection rate, count) on the same
  decisions. Ours computes a ROC AUC per group as well, which the peer does not: the
  comparison is tilted towards the peer, not away from it.
- Bootstrap, 4 groups, 1000 replicates: ``audit(..., bootstrap=1000)`` (rows resampled
  within each group, percentile intervals of every rate and of the largest FPR gap)
  against numpy doing the same: per replicate and group, ``rng.integers`` row indices and
  counts of the confusion cells. The two draw different random numbers, so the answers
  are checked as Monte Carlo estimates of the same interval (within half a bootstrap
  standard deviation), and the point estimates exactly.
"""

from __future__ import annotations

import numpy as np

from . import data
from .runner import Peer, Workload

THRESHOLD = 0.5
REPLICATES = 1000
LEVEL = 0.95
RATES = ("tpr", "fpr", "tnr", "fnr", "precision", "selection_rate")


def generate_8(n: int):
    return data.lending(n, n_groups=8)


def ours_audit(d):
    from mlops_audit.fairness import audit

    y, s, g = d
    return audit(y, s, g, threshold=THRESHOLD)


def metric_frame(d):
    from fairlearn.metrics import (
        MetricFrame,
        count,
        false_negative_rate,
        false_positive_rate,
        selection_rate,
        true_negative_rate,
        true_positive_rate,
    )
    from sklearn.metrics import precision_score

    y, s, g = d
    return MetricFrame(
        metrics={
            "tpr": true_positive_rate,
            "fpr": false_positive_rate,
            "tnr": true_negative_rate,
            "fnr": false_negative_rate,
            "precision": lambda yt, yp: precision_score(yt, yp, zero_division=0.0),
            "selection_rate": selection_rate,
            "count": count,
        },
        y_true=y,
        y_pred=s >= THRESHOLD,
        sensitive_features=g,
    )


def check_metric_frame(d, ours, theirs) -> None:
    by_group = theirs.by_group
    for rate in RATES:
        got = ours.rate(rate)
        for name in ours.group_names:
            assert np.isclose(got[name], by_group.loc[name, rate], rtol=1e-12, atol=0), (
                rate, name, got[name], by_group.loc[name, rate])
    groups = {row["name"]: row for row in ours.to_dict()["groups"]}
    for name in ours.group_names:
        assert groups[name]["rows"] == by_group.loc[name, "count"]


GROUP_METRICS = Workload(
    key="group_metrics",
    title="Group metrics (every rate, and ROC AUC for ours)",
    size=lambda n: f"{n:.0e} rows, 8 groups",
    generate=generate_8,
    ours=ours_audit,
    peers=[Peer("fairlearn MetricFrame", metric_frame, check_metric_frame, target=50.0,
                needs=("fairlearn", "sklearn"), max_n=10**6,
                skip_reason="MetricFrame skipped at 1e7 (minutes per run)")],
)


# ---------------------------------------------------------------------------------------
# The bootstrap.
# ---------------------------------------------------------------------------------------

def generate_4(n: int):
    return data.lending(n, n_groups=4)


def ours_bootstrap(d):
    from mlops_audit.fairness import audit

    y, s, g = d
    return audit(y, s, g, threshold=THRESHOLD, bootstrap=REPLICATES, level=LEVEL, seed=7)


def numpy_bootstrap(d, seed: int = 7):
    """Percentile interval of the largest FPR gap between groups, resampling rows within
    each group; returns (interval, replicate standard deviation, point estimate)."""
    y, s, g = d
    flagged = s >= THRESHOLD
    rng = np.random.default_rng(seed)
    fpr = []
    point = []
    for name in np.unique(g):
        rows = np.flatnonzero(g == name)
        neg, fp = ~y[rows], ~y[rows] & flagged[rows]
        point.append(fp.sum() / neg.sum())
        fpr_g = np.empty(REPLICATES)
        for r in range(REPLICATES):
            idx = rng.integers(0, rows.size, rows.size)
            fpr_g[r] = np.count_nonzero(fp[idx]) / np.count_nonzero(neg[idx])
        fpr.append(fpr_g)
    gaps = np.max(fpr, axis=0) - np.min(fpr, axis=0)
    a = (1 - LEVEL) / 2
    return np.quantile(gaps, [a, 1 - a]), gaps.std(), max(point) - min(point)


def numpy_multinomial_bootstrap(d, seed: int = 7):
    """The same bootstrap distribution drawn directly: resampling a group's rows with
    replacement, its counts of false positives, true negatives and positives are
    multinomial, so a replicate costs O(1) instead of O(rows). (Unweighted rows only.)"""
    y, s, g = d
    flagged = s >= THRESHOLD
    rng = np.random.default_rng(seed)
    fpr = []
    point = []
    for name in np.unique(g):
        rows = g == name
        fp = np.count_nonzero(rows & ~y & flagged)
        tn = np.count_nonzero(rows & ~y & ~flagged)
        size = np.count_nonzero(rows)
        point.append(fp / (fp + tn))
        draws = rng.multinomial(size, np.array([fp, tn, size - fp - tn]) / size, REPLICATES)
        fpr.append(draws[:, 0] / (draws[:, 0] + draws[:, 1]))
    gaps = np.max(fpr, axis=0) - np.min(fpr, axis=0)
    a = (1 - LEVEL) / 2
    return np.quantile(gaps, [a, 1 - a]), gaps.std(), max(point) - min(point)


def check_bootstrap(d, ours, theirs) -> None:
    (low, high), sd, gap = theirs
    assert np.isclose(ours.max_gap, gap, rtol=1e-12, atol=0), (ours.max_gap, gap)
    ci = ours.to_dict()["intervals"]["max_gap"]
    assert ci["replicates"] == REPLICATES
    assert abs(ci["low"] - low) <= 0.5 * sd and abs(ci["high"] - high) <= 0.5 * sd, (
        ci, (low, high), sd)


BOOTSTRAP = Workload(
    key="bootstrap_fpr_gap",
    title="Bootstrap of the largest FPR gap, 1000 replicates",
    size=lambda n: f"{n:.0e} rows, 4 groups",
    generate=generate_4,
    ours=ours_bootstrap,
    peers=[Peer("numpy (resampled indices)", numpy_bootstrap, check_bootstrap),
           Peer("numpy multinomial counts (same distribution)", numpy_multinomial_bootstrap,
                check_bootstrap)],
    sizes=(10**4, 10**5, 10**6),
)

WORKLOADS = [GROUP_METRICS, BOOTSTRAP]
