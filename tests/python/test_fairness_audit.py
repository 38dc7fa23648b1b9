"""fairness.audit against fairlearn's MetricFrame (an independent implementation), and the
audit's own contract: rules, warnings, intervals."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mlops_audit import errors
from mlops_audit.fairness import audit, equal_opportunity

fairlearn_metrics = pytest.importorskip("fairlearn.metrics")
sklearn_metrics = pytest.importorskip("sklearn.metrics")
MetricFrame = fairlearn_metrics.MetricFrame
# Every name GroupAudit.rate accepts (fairness.RATE_NAMES and "accuracy").
RATES = {
    "fpr": fairlearn_metrics.false_positive_rate,
    "tpr": fairlearn_metrics.true_positive_rate,
    "fnr": fairlearn_metrics.false_negative_rate,
    "tnr": fairlearn_metrics.true_negative_rate,
    "selection_rate": fairlearn_metrics.selection_rate,
    "precision": sklearn_metrics.precision_score,
    "accuracy": sklearn_metrics.accuracy_score,
}


def data(seed, n=3000, groups=4):
    rng = np.random.default_rng(seed)
    g = rng.choice([f"g{i}" for i in range(groups)], n)
    y = rng.random(n) < 0.3
    s = np.round(np.clip(0.3 * y + 0.7 * rng.random(n), 0, 1), 2)
    w = rng.choice([0.5, 1.0, 2.0, 3.0], n)
    return y, s, g, w


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("weighted", [False, True])
def test_group_rates_and_differences_match_metricframe(seed, weighted):
    y, s, g, w = data(seed)
    t = 0.45
    sw = w if weighted else None
    report = audit(y, s, g, threshold=t, sample_weight=sw)
    kwargs = {"sample_params": {k: {"sample_weight": w} for k in RATES}} if weighted else {}
    mf = MetricFrame(metrics=RATES, y_true=y, y_pred=s >= t, sensitive_features=g, **kwargs)
    for name in RATES:
        ours = report.rate(name)
        for group, value in mf.by_group[name].items():
            assert ours[group] == pytest.approx(value, abs=1e-12), (name, group)
    d = report.to_dict()
    for disparity in d["disparities"]:
        if disparity["rate"] in RATES:
            assert disparity["max_diff"] == pytest.approx(
                mf.difference()[disparity["rate"]], abs=1e-12)
            assert disparity["min_ratio"] == pytest.approx(
                mf.ratio()[disparity["rate"]], abs=1e-12)
    assert report.max_gap == pytest.approx(mf.difference()["fpr"], abs=1e-12)
    # The overall row is the pooled population.
    assert d["overall"]["rates"]["fpr"] == pytest.approx(mf.overall["fpr"], abs=1e-12)


def test_per_group_thresholds_from_a_policy_and_hard_predictions_agree():
    y, s, g, _ = data(1)
    policy = equal_opportunity(y, s, g, tolerance=0.02)
    a = audit(y, s, g, thresholds=policy, tolerance=0.02)
    assert a.passed is True
    assert a.max_gap == pytest.approx(policy.max_gap, abs=1e-12)
    b = audit(y, s, g, y_pred=policy.predict(s, g), tolerance=0.02)
    assert a.rate("fpr") == b.rate("fpr")
    c = audit(y, s, g, thresholds=policy.thresholds, tolerance=0.02)
    assert c.rate("fpr") == a.rate("fpr")
    with pytest.raises(errors.ParameterError):
        audit(y, s, g, thresholds={"g0": 0.5})  # groups without a threshold
    with pytest.raises(errors.ParameterError):
        audit(y, s, g, threshold=0.5, y_pred=s > 0.5)  # two rules at once
    with pytest.raises(errors.ParameterError):
        audit(y, s, g)  # no rule
    randomized = equal_opportunity(y, s, g, randomized=True)
    with pytest.raises(errors.ParameterError):
        audit(y, s, g, thresholds=randomized)


def test_single_threshold_fails_the_fpr_test_that_the_policy_passes():
    rng = np.random.default_rng(7)
    n = 20000
    g = rng.choice(["a", "b"], n)
    y = rng.random(n) < 0.25
    # Group b's scores run higher for everyone: one threshold flags more of its repayers.
    s = np.clip(0.3 * y + 0.6 * rng.random(n) + 0.1 * (g == "b"), 0, 1)
    single = audit(y, s, g, threshold=1 / 6 + 0.3)
    assert single.passed is False
    fair = audit(y, s, g, thresholds=equal_opportunity(y, s, g, tolerance=0.01),
                 tolerance=0.01)
    assert fair.passed is True


def test_bootstrap_intervals_are_seeded_and_cover_the_estimate():
    y, s, g, _ = data(3, n=4000, groups=2)
    a = audit(y, s, g, threshold=0.45, bootstrap=300, seed=9)
    b = audit(y, s, g, threshold=0.45, bootstrap=300, seed=9)
    assert a.to_json() == b.to_json()
    iv = a.to_dict()["intervals"]
    assert iv["replicates"] == 300 and iv["seed"] == 9 and iv["level"] == 0.95
    fpr = a.rate("fpr")
    for name, rates in zip(a.group_names, iv["groups"]):
        low, high = dict(rates)["fpr"]["low"], dict(rates)["fpr"]["high"]
        assert low <= fpr[name] <= high
    assert iv["max_gap"]["low"] <= a.max_gap <= iv["max_gap"]["high"]


def test_small_groups_warn_and_json_is_valid():
    y, s, g, _ = data(4, n=200)
    g = g.astype(object)  # a "<U2" array would truncate the new name
    g[:5] = "tiny"
    a = audit(y, s, g, threshold=0.5)
    assert any("tiny" in w for w in a.warnings)
    assert "FAILED" in repr(a) or "passed" in repr(a)
    json.loads(a.to_json())
    with pytest.raises(errors.ParameterError):
        a.rate("f1")
