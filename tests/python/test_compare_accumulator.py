"""ShadowAccumulator: merged shards equal one accumulator fed everything; its summary equals
the direct tests (and scipy/scikit-learn) on the same labelled rows; the bookkeeping of
unknown, duplicate and evicted ids."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
import scipy.stats as st
from sklearn.metrics import roc_auc_score

from conftest import ATOL, RTOL
from mlops_audit import errors
from mlops_audit.compare import (
    ShadowAccumulator,
    delong,
    mcnemar,
    paired_ttest,
    wilcoxon,
)
from mlops_audit.metrics import CostMatrix


def _stream(seed: int, n: int):
    rng = np.random.default_rng(seed)
    ids = rng.permutation(10 * n)[:n]
    y = (rng.random(n) < 0.3).astype(int)
    a = np.round(1 / (1 + np.exp(-(0.7 * (2 * y - 1) + rng.normal(0, 1, n)))), 2)
    b = np.round(1 / (1 + np.exp(-(1.0 * (2 * y - 1) + rng.normal(0, 1, n)))), 2)
    g = np.array(["north", "south", "east"])[rng.integers(0, 3, n)]
    return ids, y, a, b, g


def _feed(acc, ids, y, a, b, g):
    acc.record_many(ids, a, b, g)
    # labels arrive in request order here, so labelled rows keep the input order
    assert acc.label_many(ids, y) == len(ids)


def test_merged_shards_equal_one_accumulator_fed_everything():
    ids, y, a, b, g = _stream(1, 600)
    parts = np.array_split(np.arange(600), 3)
    shards = []
    for p in parts:
        acc = ShadowAccumulator(threshold=0.3)
        _feed(acc, ids[p], y[p], a[p], b[p], g[p])
        acc.record(10**9 + int(p[0]), 0.5, 0.5)  # one pending request per shard
        shards.append(pickle.loads(pickle.dumps(acc)))  # as if from another process
    merged = shards[0]
    merged.merge(shards[1])
    merged.merge(shards[2])
    whole = ShadowAccumulator(threshold=0.3)
    for p in parts:
        _feed(whole, ids[p], y[p], a[p], b[p], g[p])
        whole.record(10**9 + int(p[0]), 0.5, 0.5)
    assert merged.summary() == whole.summary()
    assert merged.labelled == 600 and merged.pending == 3


def test_summary_equals_the_direct_tests_on_the_same_rows():
    ids, y, a, b, g = _stream(2, 500)
    cost = CostMatrix(5.0, 1.0)
    acc = ShadowAccumulator(threshold=(0.25, 0.35), cost=cost)
    _feed(acc, ids, y, a, b, g)
    s = acc.summary()
    assert s.rows == 500 and s.positives == int(y.sum()) and s.undefined == []

    d = delong(y, a, b)
    assert s.delong == {k: v for k, v in d.to_dict().items() if k != "test"}
    assert math.isclose(s.delong["difference"], roc_auc_score(y, b) - roc_auc_score(y, a),
                        rel_tol=RTOL, abs_tol=ATOL)

    la, lb = (a - y) ** 2, (b - y) ** 2
    t = paired_ttest(lb, la)
    assert s.brier_ttest == {k: v for k, v in t.to_dict().items() if k != "test"}
    ref = st.ttest_rel(lb, la)
    assert math.isclose(s.brier_ttest["statistic"], ref.statistic, rel_tol=1e-10)
    assert math.isclose(s.brier_ttest["pvalue"], ref.pvalue, rel_tol=1e-9)

    w = wilcoxon(lb, la)
    assert s.brier_wilcoxon == {k: v for k, v in w.to_dict().items() if k != "test"}

    def row_cost(score, t):
        flag = score >= t
        return np.where(y == 1, np.where(flag, 0.0, 5.0), np.where(flag, 1.0, 0.0))

    ca, cb = row_cost(a, 0.25), row_cost(b, 0.35)
    c = paired_ttest(cb, ca)
    assert s.cost_ttest == {k: v for k, v in c.to_dict().items() if k != "test"}
    assert math.isclose(s.cost_ttest["difference"], cb.mean() - ca.mean(), rel_tol=RTOL,
                        abs_tol=ATOL)

    m = mcnemar(y, (a >= 0.25).astype(int), (b >= 0.35).astype(int))
    assert s.mcnemar == {k: v for k, v in m.to_dict().items() if k != "test"}

    for row in s.groups:
        mask = g == row["group"]
        assert row["rows"] == mask.sum()
        assert row["positives"] == y[mask].sum()
        assert row["negatives"] == (mask & (y == 0)).sum()
        assert row["flagged_champion"] == (mask & (a >= 0.25)).sum()
        assert row["flagged_challenger"] == (mask & (b >= 0.35)).sum()
    assert [r["group"] for r in s.groups] == sorted(set(g))


def test_unknown_duplicate_and_evicted_ids_are_counted():
    acc = ShadowAccumulator(max_pending=3)
    for i in range(5):
        acc.record(i, 0.1 * i, 0.2)
    acc.record(4, 0.9, 0.9)           # duplicate of a pending id: ignored
    assert not acc.label(0, 1)        # evicted (oldest of 5 with room for 3)
    assert not acc.label(99, 0)       # never recorded
    assert acc.label(4, 1)
    assert not acc.label(4, 1)        # already labelled
    s = acc.summary()
    assert (s.evicted, s.duplicate_requests, s.unmatched_labels) == (2, 1, 3)
    assert (s.requests, s.pending, s.rows) == (6, 2, 1)
    assert s.delong is None and any(u.startswith("delong") for u in s.undefined)


def test_empty_summary_is_all_undefined():
    s = ShadowAccumulator().summary()
    assert s.rows == 0
    assert s.delong is None and s.brier_ttest is None and s.mcnemar is None
    assert len(s.undefined) == 5


def test_json_round_trip_and_errors():
    ids, y, a, b, g = _stream(3, 50)
    acc = ShadowAccumulator()
    _feed(acc, ids, y, a, b, g)
    back = ShadowAccumulator.from_json(acc.to_json())
    assert back.summary() == acc.summary()
    with pytest.raises(errors.ParameterError):
        acc.merge(ShadowAccumulator(threshold=0.9))
    with pytest.raises(errors.ParameterError):
        ShadowAccumulator(max_pending=0)
    with pytest.raises(errors.NonFiniteError) as e:
        acc.record_many([1, 2, 3], [0.1, float("nan"), 0.2], [0.1, 0.1, 0.1])
    assert e.value.index == 1
    with pytest.raises(errors.LengthMismatchError):
        acc.record_many([1, 2], [0.1], [0.1, 0.2])
    with pytest.raises(errors.ParameterError):
        ShadowAccumulator.from_json("{not json")
