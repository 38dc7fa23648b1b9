"""Label-free estimates (``fairness.estimate_audit``): point estimates against numpy, the
exact intervals against a numpy convolution of the counts' distributions, and coverage of
realised values by labels drawn from the probabilities (CI size; full size in
``scripts/label_free_coverage.py``)."""

from __future__ import annotations

import numpy as np
import pytest

from mlops_audit import errors, fairness, metrics


def _groups(sizes: list[int]) -> np.ndarray:
    return np.concatenate([np.full(n, name) for n, name in zip(sizes, "abcdefgh")])


def _pmf(p: np.ndarray) -> np.ndarray:
    """The Poisson-binomial pmf by convolving the Bernoulli factors one at a time
    (``numpy.convolve``; independent of the library's divide-and-conquer product)."""
    out = np.ones(1)
    for x in p:
        out = np.convolve(out, [1.0 - x, x])
    return out


def _ratio_dist(num: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values and probabilities of ``K / (K + M)`` for independent ``K ~ num``,
    ``M ~ other``, conditional on ``K + M > 0``."""
    k = np.arange(len(num))[:, None]
    m = np.arange(len(other))[None, :]
    mass = num[:, None] * other[None, :]
    total = k + m
    ok = total > 0
    values = np.where(ok, k / np.where(ok, total, 1), 0.0)[ok]
    return values, mass[ok] / mass[ok].sum()


def _central(values: np.ndarray, mass: np.ndarray, level: float) -> tuple[float, float]:
    order = np.argsort(values, kind="stable")
    v, c = values[order], np.cumsum(mass[order])
    tail = (1 - level) / 2
    lo = v[np.searchsorted(c, tail * (1 - 1e-12))]
    hi = v[np.searchsorted(c, (1 - tail) * (1 - 1e-12))]
    return float(lo), float(hi)


def test_point_estimates_match_numpy():
    rng = np.random.default_rng(5)
    sizes = [300, 500, 200]
    p = rng.beta(1.2, 6.0, size=sum(sizes))
    g = _groups(sizes)
    w = rng.integers(0, 4, size=len(p)).astype(float)
    cost = metrics.CostMatrix(fn_cost=5.0, fp_cost=1.0, tp_cost=0.25, tn_cost=0.0)
    t = 0.2
    r = fairness.estimate_audit(p, g, threshold=t, sample_weight=w, cost=cost)
    assert r.test == "LabelFreeAudit"
    flag = p >= t
    for name, est in [(None, r.overall)] + [(x["name"], x) for x in r.groups]:
        rows = np.ones(len(p), bool) if name is None else g == name
        ww, pp, ff = w[rows], p[rows], flag[rows]
        fp = np.sum(ww * ff * (1 - pp))
        tp = np.sum(ww * ff * pp)
        tn = np.sum(ww * ~ff * (1 - pp))
        fn = np.sum(ww * ~ff * pp)
        e = est["expected"]
        np.testing.assert_allclose([e["fp"], e["tp"], e["tn"], e["fn_"]], [fp, tp, tn, fn],
                                   rtol=1e-12)
        np.testing.assert_allclose(est["fpr"]["value"], fp / (fp + tn), rtol=1e-12)
        np.testing.assert_allclose(est["tpr"]["value"], tp / (tp + fn), rtol=1e-12)
        np.testing.assert_allclose(est["selection_rate"]["value"],
                                   np.sum(ww * ff) / np.sum(ww), rtol=1e-12)
        np.testing.assert_allclose(est["cost"]["value"], 5 * fn + fp + 0.25 * tp, rtol=1e-12)
    fprs = [x["fpr"]["value"] for x in r.groups]
    np.testing.assert_allclose(r.fpr_gap["value"], max(fprs) - min(fprs), rtol=1e-12)
    assert r.passed == (r.fpr_gap["value"] <= 0.05)
    assert r.interval_method == "exact"


def test_intervals_match_numpy_convolution():
    # Two groups of 40 and 60 rows: the distributions of FP and TN by numpy.convolve, the
    # FPR's by their outer product, the gap's by the outer product of the two FPRs'.
    rng = np.random.default_rng(11)
    sizes = [40, 60]
    p = rng.beta(1.0, 3.0, size=sum(sizes))
    g = _groups(sizes)
    t, level, tol = 0.3, 0.9, 0.1
    r = fairness.estimate_audit(p, g, threshold=t, level=level, tolerance=tol)
    flag = p >= t
    dists = []
    for est, name in zip(r.groups, "ab"):
        rows = g == name
        fp = _pmf(1 - p[rows & flag])
        tn = _pmf(1 - p[rows & ~flag])
        values, mass = _ratio_dist(fp, tn)
        assert (est["fpr"]["interval"]["low"], est["fpr"]["interval"]["high"]) == \
            _central(values, mass, level)
        tp = _pmf(p[rows & flag])
        fn = _pmf(p[rows & ~flag])
        tv, tm = _ratio_dist(tp, fn)
        assert (est["tpr"]["interval"]["low"], est["tpr"]["interval"]["high"]) == \
            _central(tv, tm, level)
        # Cost 5 FN + FP: FP = flagged - TP.
        n_flag = int(np.sum(rows & flag))
        k = np.arange(len(tp))[:, None]
        m = np.arange(len(fn))[None, :]
        cv = (n_flag - k) + 5.0 * m
        cm = tp[:, None] * fn[None, :]
        lo, hi = _central(cv.ravel(), cm.ravel() / cm.sum(), level)
        np.testing.assert_allclose([est["cost"]["interval"]["low"],
                                    est["cost"]["interval"]["high"]], [lo, hi], rtol=1e-12)
        dists.append((values, mass))
    (va, ma), (vb, mb) = dists
    gap = np.abs(va[:, None] - vb[None, :])
    gm = ma[:, None] * mb[None, :]
    np.testing.assert_allclose(r.gap_exceeds_tolerance, gm[gap > tol].sum(), rtol=1e-9,
                               atol=1e-14)
    lo, hi = _central(gap.ravel(), gm.ravel(), level)
    np.testing.assert_allclose([r.fpr_gap["interval"]["low"], r.fpr_gap["interval"]["high"]],
                               [lo, hi], atol=1e-12)


def test_coverage_of_realised_values():
    # 1000 labellings drawn from the probabilities (CI size): the realised FPR, cost and
    # gap fall in their 95% intervals at least at the nominal rate, within 3 standard
    # errors, and P(gap > tolerance) matches the share of draws where it happened.
    rng = np.random.default_rng(18)
    sizes = [200, 350, 600]
    p = np.concatenate([rng.beta(1.0, 4.0 + i, size=n) for i, n in enumerate(sizes)])
    g = _groups(sizes)
    t, tol = 0.25, 0.04
    r = fairness.estimate_audit(p, g, threshold=t, tolerance=tol)
    flag = p >= t
    reps = 1000
    y = rng.random((reps, len(p))) < p
    neg = ~y
    inside = {"fpr": [], "cost": [], "gap": []}
    fprs = []
    for est, name in zip(r.groups, "abc"):
        rows = g == name
        fpr = (neg[:, rows] & flag[rows]).sum(1) / neg[:, rows].sum(1)
        cost = (neg[:, rows] & flag[rows]).sum(1) + 5.0 * (y[:, rows] & ~flag[rows]).sum(1)
        iv = est["fpr"]["interval"]
        inside["fpr"].append(np.mean((iv["low"] <= fpr) & (fpr <= iv["high"])))
        iv = est["cost"]["interval"]
        inside["cost"].append(np.mean((iv["low"] <= cost) & (cost <= iv["high"])))
        fprs.append(fpr)
    gap = np.max(fprs, axis=0) - np.min(fprs, axis=0)
    iv = r.fpr_gap["interval"]
    inside["gap"].append(np.mean((iv["low"] <= gap) & (gap <= iv["high"])))
    floor = 0.95 - 3 * np.sqrt(0.05 * 0.95 / reps)
    for what, rates in inside.items():
        assert min(rates) >= floor, (what, rates)
    observed = np.mean(gap > tol)
    pred = r.gap_exceeds_tolerance
    assert abs(observed - pred) <= 4 * np.sqrt(pred * (1 - pred) / reps) + 1e-3, (observed, pred)


def test_policies_and_predictions():
    rng = np.random.default_rng(2)
    n = 400
    p = rng.beta(1.0, 4.0, size=n)
    g = np.where(rng.random(n) < 0.4, "x", "y")
    y = rng.random(n) < p
    policy = fairness.equal_opportunity(y, p, g, tolerance=0.02)
    by_policy = fairness.estimate_audit(p, g, thresholds=policy)
    flags = policy.predict(p, g)
    by_flags = fairness.estimate_audit(p, g, y_pred=flags)
    assert by_policy.to_dict() == by_flags.to_dict()
    # A randomized policy: expected flags, and intervals only with drawn decisions.
    rand = fairness.equal_opportunity(y, p, g, tolerance=0.0, randomized=True)
    r = fairness.estimate_audit(p, g, thresholds=rand)
    # The expected flags are the policy's flag probabilities: the mean of many draws.
    draws = np.mean([rand.predict(p, g, seed=s) for s in range(400)], axis=0)
    e = r.overall["expected"]
    np.testing.assert_allclose(e["fp"], np.sum(draws * (1 - p)), rtol=0.05)
    if r.interval_method == "none":
        assert r.overall["fpr"]["interval"] is None
        assert any("at random" in w for w in r.warnings)
    drawn = fairness.estimate_audit(p, g, y_pred=rand.predict(p, g, seed=3))
    assert drawn.interval_method == "exact"


def test_undefined_is_none():
    p = np.array([0.1, 0.5, 0.7, 1.0, 1.0])
    g = np.array(["a", "a", "a", "b", "b"])
    r = fairness.estimate_audit(p, g, threshold=0.4)
    assert r.groups[1]["fpr"] is None
    assert r.fpr_gap is None and r.passed is None and r.gap_exceeds_tolerance is None


@pytest.mark.parametrize("bad, exc", [
    (np.array([0.1, np.nan, 0.3]), (errors.NonFiniteError, errors.MissingValueError)),
    (np.array([0.1, 1.2, 0.3]), errors.OutOfRangeError),
    (np.array([0.1, -0.2, 0.3]), errors.OutOfRangeError),
    (np.array([0.1, 0.2]), errors.LengthMismatchError),
])
def test_bad_input(bad, exc):
    with pytest.raises(exc) as info:
        fairness.estimate_audit(bad, np.array(["a", "b", "a"]), threshold=0.5)
    assert isinstance(info.value, ValueError)


def test_bad_parameters():
    p = np.array([0.1, 0.2, 0.3])
    g = np.array(["a", "b", "a"])
    with pytest.raises(errors.ParameterError):
        fairness.estimate_audit(p, g, threshold=0.5, level=1.5)
    with pytest.raises(errors.ParameterError):
        fairness.estimate_audit(p, g)
    with pytest.raises(errors.NegativeWeightError):
        fairness.estimate_audit(p, g, threshold=0.5, sample_weight=np.array([1.0, -1.0, 1.0]))
