"""Agreement with scikit-learn (the oracle) on seeded random data, and a published value.

Each test runs on 180 seeded data sets (20 seeds x sizes 1..2000, three tie regimes, no
weights / float weights with zeros / integer weights with zeros); see ``conftest.case``.
"""

from __future__ import annotations

import numpy as np
import pytest
import sklearn
import sklearn.metrics as skm

from conftest import Case, assert_close, brute_cost
from mlops_audit import metrics as m
from mlops_audit.errors import UndefinedMetricError

SKLEARN_VERSION = tuple(int(p) for p in sklearn.__version__.split(".")[:2])


def _thresholds_to_probe(case: Case) -> list[float]:
    """-inf, +inf, exact score values (min, max, a random one, a middle one), the
    neighbours of a score just above and below, and a value that is no score."""
    s = case.s
    rng = np.random.default_rng(case.seed)
    exact = s[rng.integers(0, s.size)]
    uniq = np.unique(s)
    return [
        -np.inf,
        np.inf,
        float(s.min()),
        float(s.max()),
        float(exact),
        float(uniq[uniq.size // 2]),
        float(np.nextafter(exact, np.inf)),
        float(np.nextafter(exact, -np.inf)),
        float(np.median(s)) + 1e-3,
    ]


# --- ROC AUC -----------------------------------------------------------------------------
def test_roc_auc_matches_sklearn_roc_auc_score(case: Case):
    if not case.both_classes:
        with pytest.raises(UndefinedMetricError):
            m.roc_auc(case.y, case.s, case.w)
        return
    expected = skm.roc_auc_score(case.y, case.s, sample_weight=case.w)
    assert_close(m.roc_auc(case.y, case.s, case.w), expected)


# --- ROC curve ---------------------------------------------------------------------------
def test_roc_curve_matches_sklearn_roc_curve_without_dropping(case: Case):
    if not case.both_classes:
        with pytest.raises(UndefinedMetricError):
            m.roc_curve(case.y, case.s, case.w)
        return
    fpr, tpr, thr = m.roc_curve(case.y, case.s, case.w, drop_intermediate=False)
    sk_fpr, sk_tpr, sk_thr = skm.roc_curve(
        case.y, case.s, sample_weight=case.w, drop_intermediate=False
    )
    assert fpr.shape == sk_fpr.shape == tpr.shape == thr.shape
    assert_close(fpr, sk_fpr)
    assert_close(tpr, sk_tpr)
    assert thr[0] == np.inf
    # sklearn >= 1.3 also starts at +inf; compare every threshold.
    assert_close(thr, sk_thr)


def test_roc_curve_drops_the_points_sklearn_drops(case: Case):
    """The default, drop_intermediate=True, as sklearn's default: the same points kept."""
    if not case.both_classes:
        with pytest.raises(UndefinedMetricError):
            m.roc_curve(case.y, case.s, case.w)
        return
    fpr, tpr, thr = m.roc_curve(case.y, case.s, case.w)
    sk_fpr, sk_tpr, sk_thr = skm.roc_curve(case.y, case.s, sample_weight=case.w)
    np.testing.assert_array_equal(thr, sk_thr)
    assert_close(fpr, sk_fpr)
    assert_close(tpr, sk_tpr)


# --- Confusion matrix --------------------------------------------------------------------
def test_confusion_matrix_matches_sklearn_at_many_thresholds(case: Case):
    for t in _thresholds_to_probe(case):
        pred = (case.s >= t).astype(np.int64)
        # sklearn layout [[tn, fp], [fn, tp]]
        sk = skm.confusion_matrix(case.y, pred, labels=[0, 1], sample_weight=case.w)
        cm = m.confusion_matrix(case.y, case.s, t, case.w)
        assert_close(np.asarray(cm), sk)
        assert_close([cm.tn, cm.fp, cm.fn, cm.tp], sk.ravel())
        assert cm.threshold == t


def test_confusion_from_predictions_matches_sklearn(case: Case):
    rng = np.random.default_rng(case.seed + 1000)
    pred = rng.integers(0, 2, case.y.size)
    sk = skm.confusion_matrix(case.y, pred, labels=[0, 1], sample_weight=case.w)
    cm = m.confusion_from_predictions(case.y, pred.astype(bool), case.w)
    assert_close(np.asarray(cm), sk)
    assert cm.threshold is None


# --- Precision-recall curve and average precision ----------------------------------------
def _sk_pr_curve(case: Case):
    # sklearn >= 1.3 has drop_intermediate (default False, which is the layout we mirror:
    # thresholds ascending over the distinct scores, ending at precision 1 / recall 0).
    kwargs = {"drop_intermediate": False} if SKLEARN_VERSION >= (1, 3) else {}
    return skm.precision_recall_curve(case.y, case.s, sample_weight=case.w, **kwargs)


def test_precision_recall_curve_matches_sklearn(case: Case):
    if case.pos_weight == 0:
        with pytest.raises(UndefinedMetricError):
            m.precision_recall_curve(case.y, case.s, case.w)
        return
    prec, rec, thr = m.precision_recall_curve(case.y, case.s, case.w)
    sk_prec, sk_rec, sk_thr = _sk_pr_curve(case)
    assert prec.shape == sk_prec.shape and rec.shape == sk_rec.shape
    assert thr.shape == sk_thr.shape
    assert_close(prec, sk_prec)
    assert_close(rec, sk_rec)
    assert_close(thr, sk_thr)


def test_average_precision_matches_sklearn(case: Case):
    if case.pos_weight == 0:
        with pytest.raises(UndefinedMetricError):
            m.average_precision(case.y, case.s, case.w)
        return
    expected = skm.average_precision_score(case.y, case.s, sample_weight=case.w)
    assert_close(m.average_precision(case.y, case.s, case.w), expected)


# --- Costs (numpy brute force oracle) ----------------------------------------------------
def test_total_cost_and_cost_per_decision_match_numpy_5fn_plus_fp(case: Case):
    n = len(case.y) if case.w is None else float(np.sum(case.w))
    for t in _thresholds_to_probe(case):
        expected = brute_cost(case.y, case.s, t, case.w)  # 5 * FN + 1 * FP
        assert_close(m.total_cost(case.y, case.s, t, sample_weight=case.w), expected)
        assert_close(m.cost_per_decision(case.y, case.s, t, sample_weight=case.w),
                     expected / n)


# --- Published reference value -----------------------------------------------------------
def _hanley_mcneil_ct_data():
    """Hanley & McNeil (1982), Radiology 143:29-36, Table 1: CT ratings 1 (definitely
    normal) .. 5 (definitely abnormal) of 58 normal and 51 abnormal patients."""
    ratings = np.arange(1, 6)
    normal_counts = np.array([33, 6, 6, 11, 2])
    abnormal_counts = np.array([3, 2, 2, 11, 33])
    assert normal_counts.sum() == 58 and abnormal_counts.sum() == 51
    scores = np.concatenate([np.repeat(ratings, normal_counts), np.repeat(ratings, abnormal_counts)])
    labels = np.concatenate([np.zeros(58, dtype=int), np.ones(51, dtype=int)])
    return labels, scores, ratings, normal_counts, abnormal_counts


def test_hanley_mcneil_1982_ct_rating_auc_is_0_893():
    y, s, ratings, normal_counts, abnormal_counts = _hanley_mcneil_ct_data()
    auc = m.roc_auc(y, s)
    assert round(auc, 3) == 0.893  # published value
    # The same table given as weighted rows (counts as sample weights).
    y_w = np.r_[np.zeros(5, dtype=int), np.ones(5, dtype=int)]
    s_w = np.r_[ratings, ratings].astype(float)
    w = np.r_[normal_counts, abnormal_counts].astype(float)
    assert_close(m.roc_auc(y_w, s_w, w), auc)
    assert_close(auc, skm.roc_auc_score(y, s))
