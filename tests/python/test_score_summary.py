"""ScoreSummary: partition and merge invariance, bit for bit against the in-memory functions
on the concatenated rows (the oracle is the in-memory path on the same rows: the claim is
equality, and the in-memory functions are themselves tested against scikit-learn and
fairlearn elsewhere), serialisation, and bad payloads. Also: a drift report from two
profiles against the report from the two tables."""

from __future__ import annotations

import copy
import json
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_audit import drift, errors, fairness
from mlops_audit.fairness import ScoreSummary

SCORES = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
# Weights whose sums round differently in different orders.
WEIGHTS = [1.0, 0.1, 0.2, 0.3, 0.7, 1e-9, 3.3e7, 0.0, 1.0 / 3.0]


@st.composite
def partitioned(draw):
    n = draw(st.integers(1, 80))
    rows = draw(st.lists(
        st.tuples(st.sampled_from(SCORES), st.booleans(), st.sampled_from(WEIGHTS),
                  st.sampled_from(["a", "b", "c", "d"])),
        min_size=n, max_size=n))
    k = draw(st.integers(1, 6))
    part = draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n))
    order = draw(st.permutations(range(k)))
    tree = draw(st.booleans())
    weighted = draw(st.booleans())
    return rows, part, list(order), tree, weighted


def _arrays(rows):
    s = np.array([r[0] for r in rows], dtype=float)
    y = np.array([int(r[1]) for r in rows])
    w = np.array([r[2] for r in rows], dtype=float)
    g = np.array([r[3] for r in rows], dtype=object)
    return s, y, w, g


def _merged(rows, part, order, tree, weighted):
    k = len(order)
    sums = []
    for p in order:
        chunk = [r for r, q in zip(rows, part) if q == p]
        if not chunk:
            sums.append(ScoreSummary.empty(["group"]))
            continue
        s, y, w, g = _arrays(chunk)
        sums.append(ScoreSummary.from_arrays(y, s, {"group": g},
                                             sample_weight=w if weighted else None))
    # Through pickle, as a partition's summary travels.
    sums = [pickle.loads(pickle.dumps(s)) for s in sums]
    if tree:
        while len(sums) > 1:
            sums = [sums[i].merge(sums[i + 1]) if i + 1 < len(sums) else sums[i]
                    for i in range(0, len(sums), 2)]
        return sums[0]
    acc = sums[0]
    for s in sums[1:]:
        acc = acc.merge(s)
    assert k == len(order)
    return acc


@settings(max_examples=120)
@given(partitioned(), st.sampled_from([-0.1, 0.3, 0.5, 1.1]), st.sampled_from([0.0, 0.05, 0.3]))
def test_merged_summary_equals_in_memory_bit_for_bit(case, threshold, tolerance):
    rows, part, order, tree, weighted = case
    s, y, w, g = _arrays(rows)
    sw = w if weighted else None
    if weighted and w.sum() == 0:
        return  # the in-memory functions refuse all-zero weights
    summary = _merged(rows, part, order, tree, weighted)
    groups = {"group": g}
    a = fairness.audit(y, s, groups, threshold=threshold, sample_weight=sw, tolerance=tolerance)
    b = fairness.audit(summary, threshold=threshold, tolerance=tolerance)
    assert a.to_json() == b.to_json()
    keys = sorted(set(g))
    per = {k: threshold + 0.2 * i for i, k in enumerate(keys)}
    a = fairness.audit(y, s, groups, thresholds=per, sample_weight=sw)
    b = fairness.audit(summary, thresholds=per)
    assert a.to_json() == b.to_json()
    rows_roc = fairness.roc_by_group(y, s, groups, sample_weight=sw)
    summary_roc = fairness.roc_by_group(summary)
    assert len(rows_roc) == len(summary_roc)
    for a, b in zip(rows_roc, summary_roc):
        assert a.keys() == b.keys()
        for k in a:
            if isinstance(a[k], np.ndarray):
                assert a[k].tobytes() == b[k].tobytes(), k  # bit for bit
            else:
                assert a[k] == b[k], k
    try:
        expected_frontier = fairness.frontier(y, s, groups, sample_weight=sw)
    except errors.MlopsError as e:
        with pytest.raises(type(e)):
            fairness.frontier(summary)
    else:
        assert fairness.frontier(summary) == expected_frontier
    for constraint, randomized in [("fpr", False), ("fpr", True), ("tpr", False),
                                   ("selection_rate", True)]:
        opts = dict(constraint=constraint, randomized=randomized, tolerance=tolerance)
        try:
            expected = fairness.equal_opportunity(y, s, groups, sample_weight=sw, **opts)
        except errors.MlopsError as e:
            with pytest.raises(type(e)) as got:
                fairness.equal_opportunity(summary, **opts)
            assert str(got.value) == str(e)
            continue
        assert fairness.equal_opportunity(summary, **opts).to_json() == expected.to_json()


def test_merge_is_exact_where_plain_sums_are_not():
    # 0.1 + 0.2 + 0.3 in two orders: plain float sums differ in the last bit; the summary's
    # block weight is the exactly rounded sum in every order, as the in-memory path's is.
    assert (0.1 + 0.2) + 0.3 != 0.1 + (0.2 + 0.3)
    y = np.array([0, 0, 0, 1])
    s = np.array([0.5, 0.5, 0.5, 0.9])
    g = np.array(["a"] * 4, dtype=object)
    w = np.array([0.1, 0.2, 0.3, 1.0])
    parts = [ScoreSummary.from_arrays(y[i:i + 1], s[i:i + 1], {"group": g[i:i + 1]},
                                      sample_weight=w[i:i + 1]) for i in range(4)]
    left = parts[0].merge(parts[1]).merge(parts[2]).merge(parts[3])
    right = parts[3].merge(parts[2].merge(parts[1].merge(parts[0])))
    whole = fairness.audit(y, s, {"group": g}, threshold=0.7, sample_weight=w)
    for m in (left, right):
        a = fairness.audit(m, threshold=0.7)
        assert a.to_json() == whole.to_json()
        # The exactly rounded sum of 0.1, 0.2 and 0.3 is 0.6 (fractions: 0.6000000000000000055).
        assert json.loads(a.to_json())["groups"][0]["confusion"]["tn"] == 0.6


def test_serialisation_round_trips_and_is_checked():
    y = np.array([0, 1, 1, 0, 1])
    s = np.array([0.1, 0.4, 0.4, 0.8, 0.9])
    g = {"sex": np.array(["f", "m", "f", "m", "m"], dtype=object)}
    summary = ScoreSummary.from_arrays(y, s, g)
    assert pickle.loads(pickle.dumps(summary)) == summary
    assert ScoreSummary.from_json(summary.to_json()) == summary
    assert ScoreSummary.from_bytes(summary.to_bytes()) == summary
    assert copy.deepcopy(summary) == summary
    assert summary.rows == 5 and summary.n_groups == 2 and summary.format_version == 1
    doc = json.loads(summary.to_json())
    bad_version = dict(doc, format_version=99)
    with pytest.raises(errors.StateError, match="format_version"):
        ScoreSummary.from_json(json.dumps(bad_version))
    unsorted = json.loads(summary.to_json())
    unsorted["groups"][1]["scores"] = unsorted["groups"][1]["scores"][::-1]
    with pytest.raises(errors.StateError, match="descending"):
        ScoreSummary.from_json(json.dumps(unsorted))
    negative = json.loads(summary.to_json())
    negative["groups"][0]["pos"][0] = [-1.0]
    with pytest.raises(errors.StateError, match=">= 0"):
        ScoreSummary.from_json(json.dumps(negative))
    nan = summary.to_json().replace("0.9", "NaN", 1)
    with pytest.raises(errors.StateError):
        ScoreSummary.from_json(nan)


def test_bad_merges_and_calls_raise_typed_errors():
    y, s = np.array([0, 1]), np.array([0.2, 0.7])
    a = ScoreSummary.from_arrays(y, s, {"g": np.array(["x", "y"], dtype=object)})
    other_columns = ScoreSummary.from_arrays(y, s, {"h": np.array(["x", "y"], dtype=object)})
    with pytest.raises(errors.ParameterError, match="same group columns"):
        a.merge(other_columns)
    ints = ScoreSummary.from_arrays(y, s, {"g": np.array([1, 2])})
    with pytest.raises(errors.GroupError):
        a.merge(ints)
    with pytest.raises(errors.ParameterError, match="y_score"):
        fairness.audit(a, s, threshold=0.5)
    with pytest.raises(errors.ParameterError, match="bootstrap"):
        fairness.audit(a, threshold=0.5, bootstrap=10)
    with pytest.raises(errors.ParameterError):
        fairness.audit(a, y_pred=y)
    with pytest.raises(errors.EmptyInputError):
        fairness.audit(ScoreSummary.empty(["g"]), threshold=0.5)
    with pytest.raises(errors.ParameterError, match="y_score"):
        fairness.audit(y, threshold=0.5)


def test_reference_profile_pickles_and_drift_report_from_two_profiles():
    rng = np.random.default_rng(7)
    ref = {"x": rng.normal(size=400), "c": rng.choice(["u", "v", "w"], size=400)}
    cur = {"x": rng.normal(0.3, size=300), "c": rng.choice(["u", "v"], size=300)}
    rp = drift.ReferenceProfile.from_data(ref, sample_cap=None)
    assert pickle.loads(pickle.dumps(rp)) == rp
    # The current window summarised elsewhere, in two parts merged.
    cp = drift.ReferenceProfile.from_data({k: v[:120] for k, v in cur.items()}, sample_cap=None)
    cp = cp.merge(drift.ReferenceProfile.from_data({k: v[120:] for k, v in cur.items()},
                                                   sample_cap=None))
    from_profiles = drift.drift_report(pickle.loads(pickle.dumps(rp)), cp).to_dict()
    from_rows = drift.drift_report(ref, cur).to_dict()
    assert from_profiles["status"] == from_rows["status"]
    assert from_profiles["window"]["rows"] == from_rows["window"]["rows"] == 300
    fa = {f["name"]: f for f in from_profiles["features"]}
    fb = {f["name"]: f for f in from_rows["features"]}
    assert fa.keys() == fb.keys() == {"x", "c"}
    for name in fa:
        _same_test(fa[name], fb[name])
    with pytest.raises(errors.ParameterError):
        drift.drift_report(rp, cp, categorical=["c"])


def _same_test(a, b):
    for key in ("test", "drifted", "approximate", "reference_count", "current_count",
                "unseen_categories"):
        assert a[key] == b[key], key
    for key in ("statistic", "pvalue", "pvalue_corrected"):
        assert a[key] == pytest.approx(b[key], rel=1e-12, abs=1e-15), key


def test_monitor_ingest_profile_equals_ingest_of_rows():
    rng = np.random.default_rng(9)
    ref = {"x": rng.normal(size=300), "c": rng.choice(["u", "v"], size=300)}
    cur = {"x": rng.normal(0.4, size=200), "c": rng.choice(["u", "v", "w"], size=200)}
    rp = drift.ReferenceProfile.from_data(ref, sample_cap=None)
    by_rows = drift.DriftMonitor(rp, window_sample_cap=10**6)
    by_profile = drift.DriftMonitor(rp, window_sample_cap=10**6)
    for lo, hi in [(0, 70), (70, 200)]:
        batch = {k: v[lo:hi] for k, v in cur.items()}
        by_rows.ingest(batch, timestamp=5.0)
        by_profile.ingest_profile(drift.ReferenceProfile.from_data(batch, sample_cap=None),
                                  timestamp=5.0)
    a, b = by_rows.evaluate(now=5.0).to_dict(), by_profile.evaluate(now=5.0).to_dict()
    assert a["status"] == b["status"] and a["window"] == b["window"]
    fa = {f["name"]: f for f in a["features"]}
    fb = {f["name"]: f for f in b["features"]}
    assert fa.keys() == fb.keys()
    for name in fa:
        _same_test(fa[name], fb[name])
    other = drift.ReferenceProfile.from_data(cur, sample_cap=None, sketch_k=100)
    with pytest.raises(errors.ProfileError):
        by_profile.ingest_profile(other)
