"""equal_opportunity(constraint="equalized_odds"): the exact optimum against a linear
program solved by scipy (HiGHS) over every mixture of every group's thresholds, the rules
applied row by row in numpy, fairlearn's grid-based ThresholdOptimizer as a bound, and the
policy's Python surface."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
from conftest import LP_RTOL, RTOL
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from mlops_audit import errors
from mlops_audit.fairness import ThresholdOptimizer, ThresholdPolicy, equal_opportunity


def roc_points(y, s, w):
    """(fpr, tpr) of every threshold of one group (flag nobody, then each distinct score),
    by direct counting."""
    pos, neg = w[y].sum(), w[~y].sum()
    pts = []
    for t in [np.inf, *sorted(set(s), reverse=True)]:
        flag = s >= t
        pts.append((w[flag & ~y].sum() / neg, w[flag & y].sum() / pos))
    return np.array(pts), pos, neg


def lp_optimum(y, s, g, w, fn_cost, fp_cost, tolerance=0.0):
    """The minimum expected cost when every group mixes its thresholds at random and every
    group's (FPR, TPR) lies in one box [X, X + tolerance] x [Y, Y + tolerance] (one shared
    point at tolerance 0): a linear program in the mixture weights and the box corner."""
    groups = sorted(set(g))
    blocks = [roc_points(y[g == k], s[g == k], w[g == k]) for k in groups]
    sizes = [len(b[0]) for b in blocks]
    n_weights = sum(sizes)
    n_var = n_weights + 2  # the weights, then X and Y
    c = np.concatenate([fn_cost * p * (1 - pts[:, 1]) + fp_cost * n * pts[:, 0]
                        for pts, p, n in blocks] + [[0.0, 0.0]])
    a_eq, b_eq, a_ub, b_ub = [], [], [], []
    offsets = np.cumsum([0, *sizes])
    for i in range(len(groups)):  # each group's weights sum to one
        r = np.zeros(n_var)
        r[offsets[i]:offsets[i + 1]] = 1.0
        a_eq.append(r)
        b_eq.append(1.0)
    for axis in (0, 1):  # X <= FPR_g <= X + tolerance (Y and the TPR alike)
        for i in range(len(groups)):
            r = np.zeros(n_var)
            r[offsets[i]:offsets[i + 1]] = blocks[i][0][:, axis]
            r[n_weights + axis] = -1.0
            a_ub.append(-r)
            b_ub.append(0.0)
            a_ub.append(r)
            b_ub.append(tolerance)
    bounds = [(0, None)] * n_weights + [(None, None)] * 2
    res = linprog(c, A_ub=np.array(a_ub), b_ub=np.array(b_ub), A_eq=np.array(a_eq),
                  b_eq=np.array(b_eq), bounds=bounds, method="highs")
    assert res.status == 0, res.message
    return res.fun


def apply_steps(steps, s):
    """Flag probability of each score under a step function [(cut, p), ...]."""
    cuts = np.array([c for c, _ in steps])
    probs = np.array([p for _, p in steps])
    return probs[np.searchsorted(cuts, s, side="right") - 1]


def expected_by_group(policy, y, s, g, w):
    """(fpr, tpr, cost contributions) per group from the policy's steps applied in numpy."""
    out = {}
    for name, steps in policy.steps.items():
        m = g == name
        p = apply_steps(steps, s[m])
        yy, ww = y[m], w[m]
        tp, fp = (p * ww)[yy].sum(), (p * ww)[~yy].sum()
        pos, neg = ww[yy].sum(), ww[~yy].sum()
        out[name] = (fp / neg, tp / pos, pos - tp, fp)
    return out


rows_strategy = st.lists(
    st.tuples(st.integers(0, 5), st.booleans(), st.sampled_from([1.0, 2.0, 0.5, 3.0]),
              st.sampled_from(["a", "b", "c"])),
    min_size=4, max_size=40,
)


@settings(max_examples=400, deadline=None)
@given(rows_strategy, st.sampled_from([(5.0, 1.0), (1.0, 1.0), (1.0, 4.0)]), st.booleans(),
       st.sampled_from([0.0, 0.0, 0.01, 0.05, 0.2, 1.0]))
def test_equalized_odds_equals_the_linear_program(data, costs, weighted, tolerance):
    s = np.array([r[0] / 5 for r in data])
    y = np.array([r[1] for r in data])
    w = np.array([r[2] if weighted else 1.0 for r in data])
    g = np.array([r[3] for r in data])
    if any(not (y[g == k].any() and (~y[g == k]).any()) for k in set(g)):
        with pytest.raises(errors.GroupError):
            equal_opportunity(y, s, g, constraint="equalized_odds", randomized=True,
                              sample_weight=w if weighted else None)
        return
    fn_cost, fp_cost = costs
    policy = equal_opportunity(y, s, g, constraint="equalized_odds", randomized=True,
                               fn_cost=fn_cost, fp_cost=fp_cost, tolerance=tolerance,
                               sample_weight=w if weighted else None)
    expected = lp_optimum(y, s, g, w, fn_cost, fp_cost, tolerance)
    assert policy.total_cost == pytest.approx(expected, rel=LP_RTOL, abs=LP_RTOL)
    assert policy.tolerance == tolerance
    by_group = expected_by_group(policy, y, s, g, w)
    fprs = [v[0] for v in by_group.values()]
    tprs = [v[1] for v in by_group.values()]
    assert max(fprs) - min(fprs) <= tolerance + 1e-12
    assert max(tprs) - min(tprs) <= tolerance + 1e-12
    cost = sum(fn_cost * v[2] + fp_cost * v[3] for v in by_group.values())
    assert cost == pytest.approx(policy.total_cost, rel=RTOL, abs=1e-9)
    for name, (fpr, tpr) in policy.group_rates.items():
        assert fpr == pytest.approx(by_group[name][0], abs=1e-12)
        assert tpr == pytest.approx(by_group[name][1], abs=1e-12)
    # Flag probabilities never decrease with the score.
    for steps in policy.steps.values():
        cuts = [c for c, _ in steps]
        probs = [p for _, p in steps]
        assert cuts == sorted(cuts) and probs == sorted(probs)
        assert all(0.0 <= p <= 1.0 for p in probs)


def test_never_worse_than_fairlearn_equalized_odds():
    """fairlearn's ThresholdOptimizer searches a grid of FPR values; with equal costs its
    objective (accuracy) is ours (errors), so its expected error count bounds ours."""
    fairlearn_postprocessing = pytest.importorskip("fairlearn.postprocessing")
    from sklearn.base import BaseEstimator, ClassifierMixin

    class Passthrough(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            self.classes_ = np.array([0, 1])
            return self

        def predict(self, X):
            return np.asarray(X)[:, 0]

    rng = np.random.default_rng(7)
    n = 4000
    g = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    y = rng.random(n) < np.where(g == "a", 0.3, 0.45)
    s = np.round(1 / (1 + np.exp(-(rng.normal(0, 1, n) + np.where(y, 1.2, -0.3)
                                   + np.where(g == "c", 0.5, 0.0)))), 3)
    ours = equal_opportunity(y, s, g, constraint="equalized_odds", randomized=True,
                             fn_cost=1.0, fp_cost=1.0, tolerance=0.0)
    to = fairlearn_postprocessing.ThresholdOptimizer(
        estimator=Passthrough().fit(s[:, None], y), constraints="equalized_odds",
        objective="accuracy_score", prefit=True, predict_method="predict")
    to.fit(s[:, None], y.astype(int), sensitive_features=g)
    p = to._pmf_predict(s[:, None], sensitive_features=g)[:, 1]
    fairlearn_errors = p[~y].sum() + (1 - p[y]).sum()
    assert ours.total_cost <= fairlearn_errors + 1e-9
    by_group = expected_by_group(ours, y, s, g, np.ones(n))
    assert sum(v[2] + v[3] for v in by_group.values()) == pytest.approx(ours.total_cost)


def test_predictions_reach_the_expected_rates():
    rng = np.random.default_rng(3)
    n = 200_000
    g = rng.choice(["a", "b"], n)
    y = rng.random(n) < 0.3
    s = rng.normal(np.where(y, 1.0, 0.0) + np.where(g == "b", 0.4, 0.0), 1.0)
    policy = equal_opportunity(y, s, g, constraint="equalized_odds", randomized=True)
    flags = policy.predict(s, g, seed=11)
    for name, (fpr, tpr) in policy.group_rates.items():
        m = g == name
        # Each flag is an independent Bernoulli draw: 6 standard errors.
        for rate, mask in ((fpr, m & ~y), (tpr, m & y)):
            se = np.sqrt(rate * (1 - rate) / mask.sum())
            assert abs(flags[mask].mean() - rate) <= 6 * se + 1e-12
    again = policy.predict(s, g, seed=11)
    assert np.array_equal(flags, again)


def test_policy_surface_for_equalized_odds():
    rng = np.random.default_rng(5)
    n = 3000
    g = rng.choice(["x", "y"], n)
    y = rng.random(n) < 0.4
    s = np.round(rng.normal(np.where(y, 0.8, 0.0) + np.where(g == "y", 0.5, 0.0), 1.0), 2)
    policy = equal_opportunity(y, s, g, constraint="equalized_odds", randomized=True,
                               tolerance=0.0)
    assert policy.constraint == "equalized_odds"
    assert policy.randomized
    assert policy.max_gap <= 1e-12
    with pytest.raises(errors.ParameterError, match="steps"):
        _ = policy.rules
    with pytest.raises(errors.ParameterError, match="steps"):
        _ = policy.thresholds
    d = policy.to_dict()
    assert d["format_version"] == 2
    assert any("band" in grp["rule"] for grp in d["groups"])
    back = ThresholdPolicy.from_json(policy.to_json())
    assert back.steps == policy.steps
    assert pickle.loads(pickle.dumps(policy)).steps == policy.steps
    assert "equalized_odds" in repr(policy)
    # The rest of the dict is plain JSON.
    json.dumps(d)


def test_equalized_odds_errors():
    y = np.array([0, 1, 0, 1, 0, 0])
    s = np.array([0.1, 0.9, 0.2, 0.8, 0.3, 0.4])
    g = np.array(["a", "a", "b", "b", "c", "c"])
    with pytest.raises(errors.ParameterError, match="randomized"):
        equal_opportunity(y[:4], s[:4], g[:4], constraint="equalized_odds")
    with pytest.raises(errors.GroupError, match="`c`"):
        equal_opportunity(y, s, g, constraint="equalized_odds", randomized=True)
    with pytest.raises(errors.ParameterError, match="equalized_odds"):
        equal_opportunity(y, s, g, constraint="equalised_odds", randomized=True)


def test_threshold_optimizer_with_equalized_odds():
    rng = np.random.default_rng(9)
    n = 2000
    g = rng.choice(["a", "b"], n)
    y = rng.random(n) < 0.35
    s = rng.normal(np.where(y, 1.0, 0.0), 1.0)
    opt = ThresholdOptimizer(constraint="equalized_odds", randomized=True).fit(s, y, g)
    pred = opt.predict(s, g)
    assert pred.shape == (n,)
    assert opt.policy_.constraint == "equalized_odds"


def test_format_1_policies_still_read():
    """Format 1 (before equalized odds) had no bands; such a policy reads and predicts as
    it did."""
    # Seeded data whose optimal rules need no band: one mixes two adjacent thresholds.
    rng = np.random.default_rng(9)
    n = 500
    g = rng.choice(["a", "b"], n)
    y = rng.random(n) < 0.3
    s = np.round(rng.random(n), 2)
    policy = equal_opportunity(y, s, g, randomized=True, tolerance=0.0)
    d = policy.to_dict()
    d["format_version"] = 1
    assert all("band" not in grp["rule"] for grp in d["groups"])
    assert any(grp["rule"]["p_at_threshold"] < 1 for grp in d["groups"])
    old = ThresholdPolicy.from_json(json.dumps(d))
    assert np.array_equal(old.predict(s, g, seed=4), policy.predict(s, g, seed=4))
    assert old.rules == policy.rules


def test_policies_and_audits_render_in_notebooks():
    rng = np.random.default_rng(8)
    n = 2000
    evil = "<script>alert(1)</script>"
    g = rng.choice(["a", evil], n)
    y = rng.random(n) < 0.3
    s = np.round(rng.random(n) + 0.3 * y, 2)
    from mlops_audit.fairness import audit
    for obj in (equal_opportunity(y, s, g), equal_opportunity(y, s, g, randomized=True),
                equal_opportunity(y, s, g, constraint="equalized_odds", randomized=True),
                audit(y, s, g, threshold=0.5, bootstrap=50)):
        page = obj._repr_html_()
        assert "<script" not in page and "&lt;script&gt;" in page
        assert "<table" in page
