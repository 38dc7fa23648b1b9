"""equal_opportunity(randomized=True) for one rate (FPR, TPR, selection rate): the exact
optimum over *every* mixture of every group's thresholds, held to

- a linear program solved by scipy (HiGHS) over the mixture weights of all thresholds of
  every group, with the rates within ``tolerance`` of a common window (the definition of
  the problem, not of our method);
- fairlearn's ThresholdOptimizer on fairlearn's own test data (its grid search over the
  same class of rules can only be as cheap, never cheaper);
- equalized odds, a stricter constraint over the same rules, which can never be cheaper
  than equal FPR alone;
- the rules themselves, applied row by row in numpy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import LP_RTOL, RTOL
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from test_fairness_odds import apply_steps

from mlops_audit import errors
from mlops_audit.fairness import equal_opportunity

CONSTRAINTS = ("fpr", "tpr", "selection_rate")


def threshold_points(y, s, w, constraint, fn_cost, fp_cost):
    """(rate, cost) of every deterministic threshold of one group (flag nobody, then each
    distinct score), by direct counting."""
    pos, neg = w[y].sum(), w[~y].sum()
    out = []
    for t in [np.inf, *sorted(set(s), reverse=True)]:
        flag = s >= t
        tp, fp = w[flag & y].sum(), w[flag & ~y].sum()
        rate = {"fpr": fp / neg if neg else np.nan,
                "tpr": tp / pos if pos else np.nan,
                "selection_rate": (tp + fp) / (pos + neg)}[constraint]
        out.append((rate, fn_cost * (pos - tp) + fp_cost * fp))
    return np.array(out)


def lp_optimum(y, s, g, w, constraint, tolerance, fn_cost, fp_cost):
    """The cheapest expected cost over all mixtures of each group's thresholds whose rates
    lie in one window [R, R + tolerance]: a linear program in the mixture weights and R."""
    blocks = [threshold_points(y[g == k], s[g == k], w[g == k], constraint, fn_cost, fp_cost)
              for k in sorted(set(g))]
    sizes = [len(b) for b in blocks]
    offsets = np.cumsum([0, *sizes])
    n_var = offsets[-1] + 1  # the weights, then R
    c = np.concatenate([b[:, 1] for b in blocks] + [[0.0]])
    a_eq, b_eq, a_ub, b_ub = [], [], [], []
    for i, b in enumerate(blocks):
        row = np.zeros(n_var)
        row[offsets[i]:offsets[i + 1]] = 1.0
        a_eq.append(row)
        b_eq.append(1.0)
        rate = np.zeros(n_var)
        rate[offsets[i]:offsets[i + 1]] = b[:, 0]
        low = -rate.copy()  # R - rate_g <= 0
        low[-1] = 1.0
        a_ub.append(low)
        b_ub.append(0.0)
        high = rate.copy()  # rate_g - R <= tolerance
        high[-1] = -1.0
        a_ub.append(high)
        b_ub.append(tolerance)
    bounds = [(0, None)] * (n_var - 1) + [(None, None)]
    res = linprog(c, A_ub=np.array(a_ub), b_ub=np.array(b_ub), A_eq=np.array(a_eq),
                  b_eq=np.array(b_eq), bounds=bounds, method="highs")
    assert res.status == 0, res.message
    return res.fun


def applied(policy, y, s, g, w, constraint, fn_cost, fp_cost):
    """Each group's (rate, cost) with the policy's step functions applied in numpy."""
    out = {}
    for name, steps in policy.steps.items():
        m = g == name
        p = apply_steps(steps, s[m])
        yy, ww = y[m], w[m]
        tp, fp = (p * ww)[yy].sum(), (p * ww)[~yy].sum()
        pos, neg = ww[yy].sum(), ww[~yy].sum()
        rate = {"fpr": fp / neg if neg else np.nan,
                "tpr": tp / pos if pos else np.nan,
                "selection_rate": (tp + fp) / (pos + neg)}[constraint]
        out[name] = (rate, fn_cost * (pos - tp) + fp_cost * fp)
    return out


def check_against_lp(y, s, g, w, constraint, tolerance, costs, weighted):
    fn_cost, fp_cost = costs
    policy = equal_opportunity(y, s, g, constraint=constraint, tolerance=tolerance,
                               randomized=True, fn_cost=fn_cost, fp_cost=fp_cost,
                               sample_weight=w if weighted else None)
    expected = lp_optimum(y, s, g, w, constraint, tolerance, fn_cost, fp_cost)
    assert policy.total_cost == pytest.approx(expected, rel=LP_RTOL, abs=LP_RTOL)
    assert policy.tolerance == tolerance
    by_group = applied(policy, y, s, g, w, constraint, fn_cost, fp_cost)
    rates = [r for r, _ in by_group.values()]
    assert max(rates) - min(rates) <= tolerance + 1e-12
    assert sum(c for _, c in by_group.values()) == pytest.approx(policy.total_cost, rel=RTOL,
                                                                 abs=1e-9)
    for name, rate in policy.rates.items():
        assert rate == pytest.approx(by_group[name][0], abs=1e-12)
    for steps in policy.steps.values():
        probs = [p for _, p in steps]
        assert probs == sorted(probs) and all(0.0 <= p <= 1.0 for p in probs)
    return policy


rows_strategy = st.lists(
    st.tuples(st.integers(0, 6), st.booleans(), st.sampled_from([1.0, 2.0, 0.5, 3.0]),
              st.sampled_from(["a", "b", "c"])),
    min_size=3, max_size=40,
)


@settings(max_examples=1000)
@given(rows_strategy, st.sampled_from(CONSTRAINTS),
       st.sampled_from([0.0, 0.0, 0.02, 0.1, 0.3, 1.0]),
       st.sampled_from([(5.0, 1.0), (1.0, 1.0), (1.0, 4.0)]), st.booleans())
def test_randomized_search_equals_the_linear_program(data, constraint, tolerance, costs,
                                                    weighted):
    s = np.array([r[0] / 6 for r in data])
    y = np.array([r[1] for r in data])
    w = np.array([r[2] if weighted else 1.0 for r in data])
    g = np.array([r[3] for r in data])
    needs = {"fpr": lambda m: (~y[m]).any(), "tpr": lambda m: y[m].any(),
             "selection_rate": lambda m: True}[constraint]
    if not all(needs(g == k) for k in set(g)):
        with pytest.raises(errors.GroupError):
            equal_opportunity(y, s, g, constraint=constraint, randomized=True,
                              sample_weight=w if weighted else None)
        return
    check_against_lp(y, s, g, w, constraint, tolerance, costs, weighted)


def test_the_issue_example_mixes_flag_nobody_with_flag_everyone():
    # Group a: the score ranks its one bad loan last, so its cheapest point at FPR 1/3 is
    # no threshold but "flag everyone with probability 1/3" (cost 16/3 in all, where
    # mixing adjacent thresholds only can do no better than flagging everyone: 6).
    y = np.array([0, 0, 0, 1, 1, 0, 0, 0], dtype=bool)
    s = np.array([2, 3, 3, 0, 2, 2, 1, 0], dtype=float)
    g = np.array(list("aaaabbbb"))
    policy = equal_opportunity(y, s, g, tolerance=0.0, randomized=True)
    assert policy.total_cost == pytest.approx(16 / 3, rel=RTOL)
    assert policy.rates == pytest.approx({"a": 1 / 3, "b": 1 / 3}, abs=1e-15)
    assert policy.steps["a"] == [(-np.inf, 0.0), (0.0, pytest.approx(1 / 3, rel=RTOL))]
    assert policy.steps["b"] == [(-np.inf, 0.0), (2.0, 1.0)]
    with pytest.raises(errors.ParameterError, match="steps"):
        policy.thresholds  # noqa: B018 (a rule with a band is not one threshold)


def test_lending_size_data_equals_the_linear_program():
    rng = np.random.default_rng(11)
    n = 3000
    g = rng.choice(["a", "b", "c", "d"], n, p=[0.4, 0.3, 0.2, 0.1])
    y = rng.random(n) < np.where(g == "a", 0.15, 0.3)
    s = np.round(1 / (1 + np.exp(-(rng.normal(0, 1, n) + np.where(y, 1.0, -0.5)
                                   + np.where(g == "d", 0.8, 0.0)))), 2)
    w = rng.choice([0.5, 1.0, 2.0], n)
    for constraint in CONSTRAINTS:
        for tolerance in (0.0, 0.01, 0.05):
            check_against_lp(y, s, g, w, constraint, tolerance, (5.0, 1.0), True)


def passthrough_estimator(s, y):
    """A fitted scikit-learn classifier whose score is its input's first column."""
    from sklearn.base import BaseEstimator, ClassifierMixin

    class Passthrough(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            self.classes_ = np.array([0, 1])
            return self

        def predict(self, X):
            return np.asarray(X)[:, 0]

    return Passthrough().fit(s[:, None], y)


FAIRLEARN_CONSTRAINTS = {"fpr": "false_positive_rate_parity",
                         "tpr": "true_positive_rate_parity",
                         "selection_rate": "demographic_parity"}

# fairlearn's own ThresholdOptimizer test data (fairlearn test/unit/postprocessing/
# conftest.py: scores_ex, labels_ex and the sensitive features of examples 1, 2 and 3).
FAIRLEARN_SCORES = np.array([int(x) for x in "0011233" "0001111" "011112"], dtype=float)
FAIRLEARN_LABELS = np.array([int(x) for x in "0110100" "0010111" "000111"]).astype(bool)
FAIRLEARN_EX1 = np.array(list("AAAAAAA" "BBBBBBB" "CCCCCC"))
FAIRLEARN_EX2 = np.array(list("xxxYYYY" "xYYYYYx" "YYYYYY"))


@pytest.mark.parametrize("constraint", CONSTRAINTS)
@pytest.mark.parametrize("tol", [None, 0.05, 0.2])
@pytest.mark.parametrize("example", ["ex1", "ex2", "ex3"])
def test_never_worse_than_fairlearn_on_its_own_test_data(constraint, tol, example):
    """Accuracy is our objective with 1:1 costs; fairlearn's grid over the same rules
    (``flip=False``: flag probability non-decreasing in the score) bounds ours from above,
    and the LP pins ours exactly."""
    postprocessing = pytest.importorskip("fairlearn.postprocessing")
    s, y = FAIRLEARN_SCORES, FAIRLEARN_LABELS
    if example == "ex3":
        sf = pd.DataFrame({"s1": FAIRLEARN_EX1, "s2": FAIRLEARN_EX2})
        g = np.array([f"{a},{b}" for a, b in zip(FAIRLEARN_EX1, FAIRLEARN_EX2)])
    else:
        g = FAIRLEARN_EX1 if example == "ex1" else FAIRLEARN_EX2
        sf = g
    estimator = passthrough_estimator(s, y)
    to = postprocessing.ThresholdOptimizer(
        estimator=estimator, constraints=FAIRLEARN_CONSTRAINTS[constraint],
        objective="accuracy_score", prefit=True, predict_method="predict", flip=False,
        tol=tol)
    try:
        to.fit(s[:, None], y.astype(int), sensitive_features=sf)
    except ValueError as e:  # e.g. a group without negatives for an FPR constraint
        pytest.skip(f"fairlearn refuses: {e}")
    p = to._pmf_predict(s[:, None], sensitive_features=sf)[:, 1]
    fairlearn_errors = p[~y].sum() + (1 - p[y]).sum()
    tolerance = 0.0 if tol is None else tol
    ours = equal_opportunity(y, s, sf, constraint=constraint, tolerance=tolerance,
                             randomized=True, fn_cost=1.0, fp_cost=1.0)
    assert ours.total_cost <= fairlearn_errors + 1e-9
    w = np.ones(len(s))
    expected = lp_optimum(y, s, g, w, constraint, tolerance, 1.0, 1.0)
    assert ours.total_cost == pytest.approx(expected, rel=LP_RTOL, abs=LP_RTOL)


@settings(max_examples=300)
@given(rows_strategy, st.sampled_from([(5.0, 1.0), (1.0, 1.0), (1.0, 4.0)]), st.booleans())
def test_equal_fpr_never_costs_more_than_equalized_odds(data, costs, weighted):
    """Equalized odds holds the FPR equal and the TPR too, over the same rules: its optimum
    can never be cheaper than equal FPR's."""
    s = np.array([r[0] / 6 for r in data])
    y = np.array([r[1] for r in data])
    w = np.array([r[2] if weighted else 1.0 for r in data])
    g = np.array([r[3] for r in data])
    if any(not (y[g == k].any() and (~y[g == k]).any()) for k in set(g)):
        return
    fn_cost, fp_cost = costs
    kw = dict(fn_cost=fn_cost, fp_cost=fp_cost, randomized=True, tolerance=0.0,
              sample_weight=w if weighted else None)
    fpr = equal_opportunity(y, s, g, constraint="fpr", **kw)
    odds = equal_opportunity(y, s, g, constraint="equalized_odds", **kw)
    assert fpr.total_cost <= odds.total_cost + 1e-9 * (1 + abs(odds.total_cost))


def test_predictions_follow_a_band_rule():
    # A rule mixing non-adjacent thresholds flags the band at its probability, reproducibly.
    y = np.array([0, 0, 0, 1, 1, 0, 0, 0], dtype=bool)
    s = np.array([2, 3, 3, 0, 2, 2, 1, 0], dtype=float)
    g = np.array(list("aaaabbbb"))
    policy = equal_opportunity(y, s, g, tolerance=0.0, randomized=True)
    n = 60_000
    big_s = np.tile(s, n)
    big_g = np.tile(g, n)
    flags = policy.predict(big_s, big_g, seed=5)
    a = big_g == "a"
    assert abs(flags[a].mean() - 1 / 3) < 4 * np.sqrt((1 / 3) * (2 / 3) / a.sum())
    assert (flags[~a] == (big_s[~a] >= 2)).all()
    assert (policy.predict(big_s, big_g, seed=5) == flags).all()
