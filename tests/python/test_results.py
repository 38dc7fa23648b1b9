"""Result objects: ConfusionMatrix, CostMatrix and CostOptimum (repr, dict/JSON, pickle,
equality, numpy layout, HTML). Expected values come from the counts by the rate formulas."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
import sklearn.metrics as skm

from conftest import RATE_DEFS, assert_close, rate_oracle
from mlops_audit import metrics as m

RATE_NAMES = list(RATE_DEFS)


def _strict_json(text: str):
    """json.loads that rejects the non-standard NaN/Infinity tokens."""

    def reject(token):
        raise ValueError(f"non-standard JSON token {token}")

    return json.loads(text, parse_constant=reject)


def _flatten(obj):
    """Leaf values of nested dicts, keyed by their last key."""
    out = {}
    for k, v in obj.items():
        if isinstance(v, dict):
            out.update(_flatten(v))
        else:
            out[k] = v
    return out


@pytest.fixture(
    params=[
        (3.0, 1.0, 4.0, 2.0, 0.5),  # every rate defined
        (0.0, 0.0, 4.0, 0.0, np.inf),  # no positives, nothing flagged: tpr/fnr/precision None
        (2.0, 3.0, 0.0, 0.0, -np.inf),  # everything flagged: no negatives predicted
        (0.0, 0.0, 0.0, 0.0, None),  # empty: every rate None
        (2.5, 0.25, 1.5, 0.0, 0.125),  # fractional (weighted) counts
    ],
    ids=["all-defined", "no-positives", "all-flagged", "empty", "weighted"],
)
def cm_args(request):
    return request.param


def test_counts_and_rates(cm_args):
    tp, fp, tn, fn, t = cm_args
    cm = m.ConfusionMatrix(tp, fp, tn, fn, threshold=t)
    assert (cm.tp, cm.fp, cm.tn, cm.fn, cm.threshold) == (tp, fp, tn, fn, t)
    for name, parts in RATE_DEFS.items():
        expected = rate_oracle(*parts(tp, fp, tn, fn))
        got = getattr(cm, name)
        assert (got is None) == (expected is None), name
        if expected is not None:
            assert_close(got, expected)


def test_repr_shows_counts_threshold_and_rates(cm_args):
    tp, fp, tn, fn, t = cm_args
    r = repr(m.ConfusionMatrix(tp, fp, tn, fn, threshold=t))
    assert r.startswith("ConfusionMatrix(")
    for key, value in [("tp", tp), ("fp", fp), ("tn", tn), ("fn", fn)]:
        assert f"{key}={value:g}" in r
    assert f"threshold={'None' if t is None else format(t, 'g')}" in r
    for name in ("tpr", "fpr", "precision"):
        v = rate_oracle(*RATE_DEFS[name](tp, fp, tn, fn))
        assert f"{name}={'None' if v is None else format(v, '.6f')}" in r


def test_to_dict(cm_args):
    tp, fp, tn, fn, t = cm_args
    d = m.ConfusionMatrix(tp, fp, tn, fn, threshold=t).to_dict()
    assert set(d) == {"threshold", "tp", "fp", "tn", "fn", *RATE_NAMES}
    assert (d["tp"], d["fp"], d["tn"], d["fn"], d["threshold"]) == (tp, fp, tn, fn, t)
    for name in RATE_NAMES:
        expected = rate_oracle(*RATE_DEFS[name](tp, fp, tn, fn))
        if expected is None:
            assert d[name] is None
        else:
            assert_close(d[name], expected)


def test_to_json_is_strict_json_with_null_for_undefined_rates(cm_args):
    tp, fp, tn, fn, t = cm_args
    cm = m.ConfusionMatrix(tp, fp, tn, fn, threshold=t)
    text = cm.to_json()
    flat = _flatten(_strict_json(text))
    d = cm.to_dict()
    assert set(flat) == set(d)
    for key, value in d.items():
        if key == "threshold" and value is not None and not np.isfinite(value):
            # JSON has no infinity: any encoding float() reads back ("inf", "-inf") is fine
            assert float(flat[key]) == value
        elif value is None:
            assert flat[key] is None, key  # null
        else:
            assert_close(flat[key], value)
    assert "NaN" not in text and "Infinity" not in text


def test_pickle_round_trip(cm_args):
    tp, fp, tn, fn, t = cm_args
    cm = m.ConfusionMatrix(tp, fp, tn, fn, threshold=t)
    back = pickle.loads(pickle.dumps(cm))
    assert type(back) is m.ConfusionMatrix
    assert back == cm
    assert back.to_dict() == cm.to_dict()


def test_pickle_round_trip_of_a_computed_matrix():
    cm = m.confusion_matrix([0, 1, 1, 0], [0.2, 0.7, 0.4, 0.9], 0.4, [1.0, 2.0, 0.5, 3.0])
    back = pickle.loads(pickle.dumps(cm, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == cm and back.threshold == 0.4


def test_equality():
    a = m.ConfusionMatrix(3, 1, 4, 2, threshold=0.5)
    assert a == m.ConfusionMatrix(3.0, 1.0, 4.0, 2.0, threshold=0.5)
    assert not (a != m.ConfusionMatrix(3, 1, 4, 2, threshold=0.5))
    for other in [
        m.ConfusionMatrix(3, 1, 4, 1, threshold=0.5),
        m.ConfusionMatrix(2, 1, 4, 2, threshold=0.5),
        m.ConfusionMatrix(3, 1, 4, 2, threshold=0.6),
        m.ConfusionMatrix(3, 1, 4, 2),
    ]:
        assert a != other and not (a == other)
    assert a != (3, 1, 4, 2)
    assert a != "ConfusionMatrix"


def test_asarray_uses_sklearn_layout(cm_args):
    tp, fp, tn, fn, t = cm_args
    arr = np.asarray(m.ConfusionMatrix(tp, fp, tn, fn, threshold=t))
    assert arr.shape == (2, 2) and arr.dtype == np.float64
    assert arr.tolist() == [[tn, fp], [fn, tp]]
    assert np.asarray(m.ConfusionMatrix(3, 1, 4, 2), dtype=np.int64).dtype == np.int64


def test_asarray_equals_sklearn_confusion_matrix_on_data(rng):
    y = rng.integers(0, 2, 200)
    s = np.round(rng.random(200), 1)
    w = rng.exponential(1.0, 200)
    for t in (0.0, 0.3, 0.55, 1.0):
        sk = skm.confusion_matrix(y, (s >= t).astype(int), labels=[0, 1], sample_weight=w)
        assert_close(np.asarray(m.confusion_matrix(y, s, t, w)), sk)


def test_repr_html_contains_the_counts():
    html = m.ConfusionMatrix(37, 11, 405, 23, threshold=0.5)._repr_html_()
    assert "<table" in html
    for count in ("37", "11", "405", "23"):
        assert f">{count}<" in html
    # the four counts appear in sklearn's layout: row "actual 0" then "actual 1"
    assert html.index(">405<") < html.index(">11<") < html.index(">23<") < html.index(">37<")


def test_repr_html_marks_undefined_rates():
    html = m.ConfusionMatrix(0, 0, 5, 0)._repr_html_()
    assert "undefined" in html.lower() or "none" in html.lower()


def test_confusion_matrix_is_immutable():
    cm = m.ConfusionMatrix(1, 2, 3, 4)
    with pytest.raises(AttributeError):
        cm.tp = 5


# --- CostMatrix / CostOptimum ------------------------------------------------------------
def test_cost_matrix_pickle_equality_and_repr():
    c = m.CostMatrix(fn_cost=7, fp_cost=2, tp_cost=1, tn_cost=0.5)
    back = pickle.loads(pickle.dumps(c))
    assert back == c
    assert (back.fn_cost, back.fp_cost, back.tp_cost, back.tn_cost) == (7, 2, 1, 0.5)
    assert c != m.CostMatrix()
    assert "CostMatrix(" in repr(c) and "fn_cost=7" in repr(c)


def test_cost_matrix_mean_cost_is_none_for_an_empty_matrix():
    assert m.CostMatrix().mean_cost(m.ConfusionMatrix(0, 0, 0, 0)) is None
    assert m.CostMatrix().total_cost(m.ConfusionMatrix(0, 0, 0, 0)) == 0


def test_cost_optimum_fields_are_consistent():
    y = [0, 0, 1, 1, 0, 1, 0]
    s = [0.1, 0.4, 0.35, 0.8, 0.6, 0.2, 0.05]
    cost = m.CostMatrix(fn_cost=3, fp_cost=2)
    opt = m.min_cost_threshold(y, s, cost=cost)
    assert opt.confusion.threshold == opt.threshold
    assert opt.cost == cost.total_cost(opt.confusion)
    assert opt.confusion == m.confusion_matrix(y, s, opt.threshold)
    assert opt.cost == m.total_cost(y, s, opt.threshold, cost=cost)
    assert "CostOptimum(" in repr(opt)


def test_cost_optimum_flag_nobody_when_there_are_no_positives():
    opt = m.min_cost_threshold([0, 0, 0], [0.2, 0.5, 0.9])
    assert opt.threshold == np.inf and opt.cost == 0
    assert opt.confusion.tpr is None and opt.confusion.precision is None
    _strict_json(opt.confusion.to_json())  # an infinite threshold still gives valid JSON


def test_cost_optimum_pickles():
    opt = m.min_cost_threshold([0, 1, 0, 1], [0.1, 0.9, 0.4, 0.6])
    back = pickle.loads(pickle.dumps(opt))
    assert (back.threshold, back.cost, back.confusion) == (opt.threshold, opt.cost, opt.confusion)
