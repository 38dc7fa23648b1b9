"""Hypothesis property tests. Oracles: the defining identities of the statistics (integer
weights = repeated rows, permutation invariance, score reversal), and numpy brute force for
costs and rates."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conftest import RATE_DEFS, assert_close, brute_confusion, brute_cost, brute_min_cost, rate_oracle
from mlops_audit import metrics as m
from mlops_audit.errors import UndefinedMetricError

# Dyadic scores k/16 in [0, 1]: 1 - s is exact, and ties are frequent.
DYADIC = st.integers(0, 16).map(lambda k: k / 16)
# Arbitrary finite scores, mixed with a few tied values.
ANY_SCORE = st.one_of(
    st.sampled_from([-1.0, 0.0, 0.5, 1.0]),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
)


@st.composite
def data(draw, scores=ANY_SCORE, weights: str | None = None, min_size=1, max_size=40):
    """(y, s, w): int 0/1 labels, float64 scores, and optional weights
    ('int': 0..4, 'float': [0, 10] with zeros, None: unweighted). At least one w > 0."""
    n = draw(st.integers(min_size, max_size))
    y = draw(hnp.arrays(np.int64, n, elements=st.integers(0, 1)))
    s = draw(hnp.arrays(np.float64, n, elements=scores))
    if weights is None:
        w = None
    elif weights == "int":
        w = draw(hnp.arrays(np.int64, n, elements=st.integers(0, 4))).astype(np.float64)
    else:
        w = draw(
            hnp.arrays(
                np.float64,
                n,
                elements=st.one_of(st.just(0.0), st.floats(1e-3, 10.0, allow_nan=False)),
            )
        )
    if w is not None:
        assume(w.sum() > 0)
    return y, s, w


def _both(y, w) -> bool:
    w = np.ones(y.size) if w is None else w
    return w[y == 1].sum() > 0 and w[y == 0].sum() > 0


def _outcome(f, *args):
    """The result of f, or the exception class when it raises UndefinedMetricError."""
    try:
        return f(*args)
    except UndefinedMetricError:
        return UndefinedMetricError


def _assert_same(a, b):
    if a is UndefinedMetricError or b is UndefinedMetricError:
        assert a is b
    elif isinstance(a, tuple):
        assert len(a) == len(b)
        for x, z in zip(a, b):
            assert x.shape == z.shape
            assert_close(x, z)
    elif isinstance(a, m.ConfusionMatrix):
        assert_close(np.asarray(a), np.asarray(b))
    else:
        assert_close(a, b)


# --- integer weights == repeated rows ----------------------------------------------------
@given(data(weights="int"))
def test_integer_weight_k_equals_repeating_the_row_k_times(d):
    y, s, w = d
    k = w.astype(np.int64)
    y_rep, s_rep = np.repeat(y, k), np.repeat(s, k)
    t = float(s[0])
    for f, args_w, args_rep in [
        (m.roc_auc, (y, s, w), (y_rep, s_rep)),
        (m.roc_curve, (y, s, w), (y_rep, s_rep)),
        (m.precision_recall_curve, (y, s, w), (y_rep, s_rep)),
        (m.average_precision, (y, s, w), (y_rep, s_rep)),
        (m.confusion_matrix, (y, s, t, w), (y_rep, s_rep, t)),
    ]:
        _assert_same(_outcome(f, *args_w), _outcome(f, *args_rep))
    opt_w = m.min_cost_threshold(y, s, sample_weight=w)
    opt_rep = m.min_cost_threshold(y_rep, s_rep)
    assert opt_w.threshold == opt_rep.threshold
    assert_close(opt_w.cost, opt_rep.cost)


# --- permutation invariance --------------------------------------------------------------
@given(st.data())
def test_results_do_not_depend_on_row_order(dd):
    y, s, w = dd.draw(data(weights=dd.draw(st.sampled_from([None, "int", "float"]))))
    perm = np.array(dd.draw(st.permutations(range(y.size))), dtype=np.intp)
    wp = None if w is None else w[perm]
    t = float(s[-1])
    for f in (m.roc_auc, m.roc_curve, m.precision_recall_curve, m.average_precision):
        _assert_same(_outcome(f, y, s, w), _outcome(f, y[perm], s[perm], wp))
    _assert_same(m.confusion_matrix(y, s, t, w), m.confusion_matrix(y[perm], s[perm], t, wp))
    a = m.min_cost_threshold(y, s, sample_weight=w)
    b = m.min_cost_threshold(y[perm], s[perm], sample_weight=wp)
    assert_close(a.cost, b.cost)


# --- score reversal ------------------------------------------------------------------------
@given(data(scores=DYADIC, weights=None))
def test_auc_of_one_minus_score_is_one_minus_auc(d):
    y, s, w = d
    assume(_both(y, w))
    assert_close(m.roc_auc(y, 1.0 - s), 1.0 - m.roc_auc(y, s))


@given(data(weights="float"))
def test_auc_of_negated_score_is_one_minus_auc_weighted(d):
    y, s, w = d
    assume(_both(y, w))
    assert_close(m.roc_auc(y, -s, w), 1.0 - m.roc_auc(y, s, w))


# --- ranges and monotonicity -------------------------------------------------------------
@given(data(weights="int"))
def test_auc_and_average_precision_lie_in_unit_interval(d):
    # Unweighted and integer weights (exact sums); float weights: see test_known_bugs.
    y, s, w = d
    for weights in (None, w):
        if _both(y, weights):
            assert 0.0 <= m.roc_auc(y, s, weights) <= 1.0
        if (np.ones(y.size) if weights is None else weights)[y == 1].sum() > 0:
            assert 0.0 <= m.average_precision(y, s, weights) <= 1.0


@given(data(weights="float"))
def test_roc_curve_is_monotone_from_origin_to_one_one(d):
    y, s, w = d
    assume(_both(y, w))
    fpr, tpr, thr = m.roc_curve(y, s, w, drop_intermediate=False)
    assert (fpr[0], tpr[0], thr[0]) == (0.0, 0.0, np.inf)
    assert fpr[-1] == 1.0 and tpr[-1] == 1.0
    assert np.all(np.diff(fpr) >= 0)
    assert np.all(np.diff(tpr) >= 0)
    assert np.all(np.diff(thr) < 0)  # strictly decreasing
    # one point per distinct score carrying weight, plus the (0, 0) point
    assert thr.size == np.unique(s[w > 0]).size + 1
    assert np.all((0 <= fpr) & (fpr <= 1) & (0 <= tpr) & (tpr <= 1))


@given(data(weights="float"))
def test_precision_recall_curve_layout(d):
    y, s, w = d
    assume(w[y == 1].sum() > 0)
    prec, rec, thr = m.precision_recall_curve(y, s, w)
    assert prec.size == rec.size == thr.size + 1
    assert prec[-1] == 1.0 and rec[-1] == 0.0
    assert np.all(np.diff(thr) > 0)  # ascending, distinct
    assert np.all(np.diff(rec) <= 0)
    assert_close(thr, np.unique(s[w > 0]))


# --- costs ---------------------------------------------------------------------------------
COSTS = st.tuples(st.integers(1, 10), st.integers(1, 10), st.integers(0, 9), st.integers(0, 9)).filter(
    lambda c: c[2] < c[0] and c[3] < c[1]
)


@given(data(weights="int"), COSTS)
def test_min_cost_threshold_equals_brute_force_minimum(d, costs):
    # Integer data and costs: every cost is exact, so the tie rule is checked exactly.
    y, s, w = d
    fn_c, fp_c, tp_c, tn_c = map(float, costs)
    cm_cost = m.CostMatrix(fn_cost=fn_c, fp_cost=fp_c, tp_cost=tp_c, tn_cost=tn_c)
    kw = dict(fn_cost=fn_c, fp_cost=fp_c, tp_cost=tp_c, tn_cost=tn_c)
    best_t, best_c = brute_min_cost(y, s, w, **kw)
    opt = m.min_cost_threshold(y, s, cost=cm_cost, sample_weight=w)
    assert opt.threshold == best_t
    assert opt.cost == best_c
    assert opt.confusion.threshold == best_t
    assert (opt.confusion.tp, opt.confusion.fp, opt.confusion.tn, opt.confusion.fn) == brute_confusion(
        y, s, best_t, w
    )
    # unweighted, default cost
    assert m.min_cost_threshold(y, s).threshold == brute_min_cost(y, s)[0]


@given(data(weights="float"))
def test_min_cost_threshold_cost_is_minimal_with_float_weights(d):
    y, s, w = d
    _, best_c = brute_min_cost(y, s, w)
    opt = m.min_cost_threshold(y, s, sample_weight=w)
    assert_close(opt.cost, best_c)
    assert_close(brute_cost(y, s, opt.threshold, w), best_c)


@given(
    data(weights="float"),
    st.one_of(
        st.floats(allow_nan=False),  # includes +-inf
        st.sampled_from([0.0, -0.0, 0.5, 1.0]),
    ),
)
def test_total_cost_equals_5fn_plus_fp_and_per_decision_divides_by_the_weight(d, t):
    y, s, w = d
    for thr in (t, float(s[0])):  # an arbitrary threshold and an exact score value
        tp, fp, tn, fn = brute_confusion(y, s, thr, w)
        assert_close(m.total_cost(y, s, thr, sample_weight=w), 5 * fn + fp)
        assert_close(m.cost_per_decision(y, s, thr, sample_weight=w),
                     (5 * fn + fp) / (tp + fp + tn + fn))
        assert_close(m.total_cost(y, s, thr), brute_cost(y, s, thr))
        assert_close(m.cost_per_decision(y, s, thr), brute_cost(y, s, thr) / len(y))


# --- rates ---------------------------------------------------------------------------------
COUNT = st.one_of(st.just(0.0), st.integers(1, 50).map(float), st.floats(1e-3, 1e3))


def _check_rates(cm, tp, fp, tn, fn):
    for name, parts in RATE_DEFS.items():
        num, den = parts(tp, fp, tn, fn)
        expected = rate_oracle(num, den)
        got = getattr(cm, name)
        if expected is None:
            assert got is None, (name, got)
        else:
            assert got is not None, name
            assert_close(got, expected)


@given(COUNT, COUNT, COUNT, COUNT)
def test_rates_are_none_exactly_when_denominator_is_zero(tp, fp, tn, fn):
    cm = m.ConfusionMatrix(tp, fp, tn, fn)
    assert (cm.tp, cm.fp, cm.tn, cm.fn) == (tp, fp, tn, fn)
    _check_rates(cm, tp, fp, tn, fn)
    d = cm.to_dict()
    for name in RATE_DEFS:
        assert d[name] == getattr(cm, name)


@given(data(weights="float"), st.floats(allow_nan=False))
def test_confusion_matrix_rates_from_data(d, t):
    y, s, w = d
    cm = m.confusion_matrix(y, s, t, w)
    tp, fp, tn, fn = brute_confusion(y, s, t, w)
    assert_close([cm.tp, cm.fp, cm.tn, cm.fn], [tp, fp, tn, fn])
    _check_rates(cm, cm.tp, cm.fp, cm.tn, cm.fn)


@given(COUNT, COUNT, COUNT, COUNT, COSTS)
def test_cost_matrix_total_mean_and_bayes_threshold_formulas(tp, fp, tn, fn, costs):
    fn_c, fp_c, tp_c, tn_c = map(float, costs)
    c = m.CostMatrix(fn_c, fp_c, tp_c, tn_c)
    cm = m.ConfusionMatrix(tp, fp, tn, fn)
    total = fn_c * fn + fp_c * fp + tp_c * tp + tn_c * tn
    assert_close(c.total_cost(cm), total)
    n = tp + fp + tn + fn
    if n == 0:
        assert c.mean_cost(cm) is None
    else:
        assert_close(c.mean_cost(cm), total / n)
    a, b = fp_c - tn_c, fn_c - tp_c
    assert_close(c.bayes_threshold(), a / (a + b))


def test_default_cost_matrix_is_lending_5_to_1_with_bayes_threshold_one_sixth():
    c = m.CostMatrix()
    assert (c.fn_cost, c.fp_cost, c.tp_cost, c.tn_cost) == (5.0, 1.0, 0.0, 0.0)
    assert_close(c.bayes_threshold(), 1 / 6)
    assert c == m.CostMatrix(5, 1, 0, 0)
    assert c != m.CostMatrix(4, 1, 0, 0)


@pytest.mark.parametrize("threshold", [np.inf, -np.inf])
def test_infinite_thresholds_flag_nobody_or_everybody(threshold):
    y = np.array([0, 1, 1, 0, 1])
    s = np.array([-1e308, 1e308, 0.0, -0.0, 5.0])
    cm = m.confusion_matrix(y, s, threshold)
    flagged = cm.tp + cm.fp
    assert flagged == (0 if threshold > 0 else y.size)


# --- ROC curve with and without intermediate points, against scikit-learn --------------
# Weights whose every sum is exact (none, integers, multiples of 1/8), so that scikit-learn's
# rounded running sums and ours agree and the kept points must be identical.
EXACT_WEIGHTS = st.one_of(
    st.none(),
    st.integers(0, 4).map(float),
    st.integers(0, 40).map(lambda k: k / 8),
)


@given(st.data())
def test_roc_curve_equals_sklearn_with_and_without_dropping(dd):
    import sklearn.metrics as skm

    y, s, _ = dd.draw(data(scores=st.one_of(DYADIC, ANY_SCORE), max_size=60))
    weight = dd.draw(st.sampled_from(["none", "int", "eighths"]))
    if weight == "none":
        w = None
    else:
        k = st.integers(0, 4) if weight == "int" else st.integers(0, 40)
        w = dd.draw(hnp.arrays(np.int64, y.size, elements=k)).astype(np.float64)
        if weight == "eighths":
            w = w / 8
    assume(_both(y, w))
    for drop in (True, False):
        fpr, tpr, thr = m.roc_curve(y, s, w, drop_intermediate=drop)
        sk_fpr, sk_tpr, sk_thr = skm.roc_curve(y, s, sample_weight=w, drop_intermediate=drop)
        np.testing.assert_array_equal(thr, sk_thr)
        np.testing.assert_array_equal(fpr, sk_fpr)
        np.testing.assert_array_equal(tpr, sk_tpr)


@given(data(weights="float"))
def test_dropped_roc_points_are_on_the_full_curve_with_any_weights(d):
    """Fractional weights: the kept points are points of the full curve, the ends are kept,
    every dropped point lies between its kept neighbours on a straight line, and the area
    is the AUC."""
    y, s, w = d
    assume(_both(y, w))
    full = m.roc_curve(y, s, w, drop_intermediate=False)
    fpr, tpr, thr = m.roc_curve(y, s, w)
    index = {t: i for i, t in enumerate(full[2])}
    kept = [index[t] for t in thr]
    assert kept == sorted(kept) and kept[0] == 0 and kept[-1] == full[2].size - 1
    np.testing.assert_array_equal(fpr, full[0][kept])
    np.testing.assert_array_equal(tpr, full[1][kept])
    for a, b in zip(kept, kept[1:]):
        for i in range(a + 1, b):
            # Collinear with the kept neighbours (cross product zero up to rounding).
            cross = ((full[0][i] - full[0][a]) * (full[1][b] - full[1][a])
                     - (full[1][i] - full[1][a]) * (full[0][b] - full[0][a]))
            assert abs(cross) <= 1e-12
    assert_close(np.trapezoid(tpr, fpr), m.roc_auc(y, s, w))


def test_uniform_fractional_weights_drop_what_unweighted_rows_drop():
    """Weights 0.1 on every row scale the curve's counts, so the same points are
    intermediate; scikit-learn's running sums of 0.1 round, which can keep some of them."""
    import sklearn.metrics as skm

    y = np.array([1, 1, 1, 1, 0, 0, 0, 0, 1, 0])
    s = np.arange(10, 0, -1) / 10
    w = np.full(10, 0.1)
    ours = m.roc_curve(y, s, w)
    unweighted = skm.roc_curve(y, s)
    np.testing.assert_array_equal(ours[2], unweighted[2])
    assert_close(ours[0], unweighted[0])
    assert_close(ours[1], unweighted[1])
