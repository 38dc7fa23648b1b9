"""Group identity: every view holds one entry per distinct group, keyed by the group's values
(the value itself for one column, a tuple for several), whatever the names contain.

Names are drawn to collide under a naive label: the old separator " & ", the old overall and
missing placeholders, quotes. The oracle is direct counting with numpy over the rows'
Python keys.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mlops_audit import errors
from mlops_audit.calibration import calibration_by_group
from mlops_audit.drift import ReferenceProfile, drift_report
from mlops_audit.fairness import audit, equal_opportunity

LEVELS = ["a", "b", "a & b", "b & c", "c", "(all)", "(missing)", "overall", '"q"', ""]
SCORES = [0.0, 0.25, 0.5, 0.75, 1.0]


def as_container(values, kind):
    """One column in one of the forms callers hold."""
    if kind == "list":
        return list(values)
    if kind == "numpy" and all(isinstance(v, str) for v in values):
        return np.array(values)  # fixed-width "<U"
    if kind == "numpy":
        return np.array(values, dtype=np.int64)
    if kind == "pandas":
        import pandas as pd

        return pd.Series(values)
    return np.array(values, dtype=object)


@st.composite
def grouped(draw, min_rows=1):
    """Rows with one to three group columns, each all strings or all ints."""
    n = draw(st.integers(min_rows, 50))
    columns = []
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            values = draw(st.lists(st.integers(-2, 3), min_size=n, max_size=n))
        else:
            values = draw(st.lists(st.sampled_from(LEVELS), min_size=n, max_size=n))
        columns.append(values)
    kinds = draw(st.lists(st.sampled_from(["list", "numpy", "object", "pandas"]),
                          min_size=len(columns), max_size=len(columns)))
    y = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    s = np.array(draw(st.lists(st.sampled_from(SCORES), min_size=n, max_size=n)))
    groups = [as_container(c, k) for c, k in zip(columns, kinds)]
    if len(groups) == 1:
        keys = list(columns[0])
        groups = groups[0]
    else:
        keys = list(zip(*columns))
        if draw(st.booleans()):
            groups = {f"c{i}": g for i, g in enumerate(groups)}
    return y, s, groups, keys


def confusion(y, flag):
    return {"tp": float(np.sum(y & flag)), "fp": float(np.sum(~y & flag)),
            "tn": float(np.sum(~y & ~flag)), "fn": float(np.sum(y & ~flag))}


def by_key(keys):
    rows = defaultdict(list)
    for i, k in enumerate(keys):
        rows[k].append(i)
    return {k: np.array(v) for k, v in rows.items()}


@given(grouped(), st.sampled_from(SCORES))
def test_audit_has_one_entry_per_distinct_group(data, t):
    y, s, groups, keys = data
    a = audit(y, s, groups, threshold=t)
    rows = by_key(keys)
    assert set(a.group_keys) == set(rows) and len(a.group_keys) == len(rows)
    assert len(set(a.group_names)) == len(rows) and "(all)" not in a.group_names
    fpr = a.rate("fpr")
    assert set(fpr) == set(rows)
    d = a.to_dict()
    flag = s >= t
    for g in d["groups"]:
        key = g["key"][0] if len(g["key"]) == 1 else tuple(g["key"])
        m = rows[key]
        cm = confusion(y[m], flag[m])
        assert g["rows"] == len(m)
        assert {k: g["confusion"][k] for k in cm} == cm
        negatives = cm["fp"] + cm["tn"]
        assert fpr[key] == (None if negatives == 0 else cm["fp"] / negatives)
    assert sum(g["rows"] for g in d["groups"]) == len(y)
    assert d["overall"]["rows"] == len(y) and d["overall"]["key"] is None
    whole = confusion(y, flag)
    assert {k: d["overall"]["confusion"][k] for k in whole} == whole


@given(grouped())
def test_policy_views_and_predict_use_the_same_keys(data):
    y, s, groups, keys = data
    # Every group gets a positive and a negative row (so that its FPR and TPR exist).
    n = len(y)
    y2 = np.concatenate([y, np.ones(n, bool), np.zeros(n, bool)])
    s2 = np.concatenate([s, s, s])
    keys2 = keys * 3
    if isinstance(groups, dict):
        groups2 = {k: list(v) * 3 for k, v in groups.items()}
    elif isinstance(keys[0], tuple):
        groups2 = [list(g) * 3 for g in groups]
    else:
        groups2 = list(groups) * 3
    p = equal_opportunity(y2, s2, groups2, tolerance=1.0)
    distinct = set(keys2)
    for view in (p.thresholds, p.rules, p.steps, p.rates, p.group_rates):
        assert set(view) == distinct and len(view) == len(distinct)
    flags = p.predict(s2, groups2)
    expected = np.array([s2[i] >= p.thresholds[k] for i, k in enumerate(keys2)])
    assert np.array_equal(flags, expected)
    rows = by_key(keys2)
    for k, m in rows.items():
        neg = ~y2[m]
        assert p.group_rates[k][0] == pytest.approx(np.mean(flags[m][neg]), abs=1e-12)
    # The audit reads the same keys from a dict or from the policy.
    a = audit(y2, s2, groups2, thresholds=dict(p.thresholds))
    b = audit(y2, s2, groups2, thresholds=p)
    assert a.rate("fpr") == b.rate("fpr") == {k: v[0] for k, v in p.group_rates.items()}


@given(grouped())
def test_calibration_by_group_has_one_entry_per_distinct_group(data):
    y, s, groups, keys = data
    report = calibration_by_group(y, s, groups)
    rows = by_key(keys)
    assert set(report.groups) == set(rows) == set(report.reliability) == set(report.names)
    assert len(set(report.names.values())) == len(rows)
    for k, m in rows.items():
        assert report.groups[k]["rows"] == len(m)
        assert report.groups[k]["brier"] == pytest.approx(np.mean((s[m] - y[m]) ** 2), abs=1e-12)
    assert sum(g["rows"] for g in report.groups.values()) == len(y)
    assert set(report.worst.values()) <= set(rows)


DRIFT_LEVELS = ["a", "a, c1=b", "(all)", "(missing)", " & ", None]


@given(st.data())
def test_drift_output_counts_have_one_entry_per_distinct_group(data):
    n = data.draw(st.integers(1, 60))
    k = data.draw(st.integers(1, 2))
    cols = [data.draw(st.lists(st.sampled_from(DRIFT_LEVELS), min_size=n, max_size=n))
            for _ in range(k)]
    # A column of missing values only would not be categorical.
    assume(all(any(v is not None for v in c) for c in cols))
    pred = np.array(data.draw(st.lists(st.sampled_from([0.0, 1.0, np.nan]),
                                       min_size=n, max_size=n)))
    table = {f"c{i}": np.array(c, dtype=object) for i, c in enumerate(cols)}
    table["pred"] = pred
    names = [f"c{i}" for i in range(k)]
    r = drift_report(table, table, group=names, prediction="pred")
    keys = [c[0] if k == 1 else tuple(c) for c in zip(*cols)]
    direct = defaultdict(Counter)
    for key, p in zip(keys, pred):
        if not np.isnan(p):
            direct[key]["total"] += 1
            direct[key]["positives"] += int(p)
    counted = r.counters["predictions"]
    assert set(counted["groups"]) == set(direct)
    for key, c in counted["groups"].items():
        assert (c["positives"], c["total"]) == (direct[key]["positives"], direct[key]["total"])
    with_pred = int(np.sum(~np.isnan(pred)))
    assert counted["all"] == {"positives": int(np.nansum(pred)), "total": with_pred}
    assert sum(c["total"] for c in counted["groups"].values()) == with_pred
    assert r.output_overall["production"]["total"] == with_pred
    assert len(r.outputs) == len(direct)
    for o in r.outputs:
        assert o["production"]["total"] == direct[o["group"]]["total"]
    labels = [o["name"] for o in r.outputs]
    assert len(set(labels)) == len(labels) and r.output_overall["name"] not in labels
    # The JSON content keeps keys as lists, missing values as null.
    as_lists = [[v] if k == 1 else list(v) for v in direct]
    assert all(o["group"] in as_lists for o in json.loads(r.to_json())["outputs"])


@given(st.lists(st.one_of(st.integers(-3, 3), st.sampled_from(["1", "a", "(all)"])),
                min_size=2, max_size=30),
       st.sampled_from(["list", "object"]))
def test_a_column_of_ints_and_strings_is_refused(values, kind):
    assume(any(isinstance(v, int) for v in values) and any(isinstance(v, str) for v in values))
    y = np.arange(len(values)) % 2 == 0
    s = np.linspace(0, 1, len(values))
    column = values if kind == "list" else np.array(values, dtype=object)
    with pytest.raises(errors.GroupError) as e:
        audit(y, s, {"g": column}, threshold=0.5)
    assert e.value.column == "g"
    assert e.value.int_value in values and e.value.str_value in values


def test_a_policy_answers_for_the_type_it_was_fitted_on():
    rng = np.random.default_rng(3)
    n = 600
    codes = rng.integers(0, 3, n).astype(np.int32)
    y = rng.random(n) < 0.3
    s = np.round(rng.random(n), 2)
    p = equal_opportunity(y, s, codes, tolerance=0.1)
    assert list(p.thresholds) == [0, 1, 2] and all(type(k) is int for k in p.thresholds)
    expected = p.predict(s, codes)
    assert np.array_equal(p.predict(s, codes.astype(np.int64)), expected)
    assert np.array_equal(p.predict(s, [int(c) for c in codes]), expected)
    assert np.array_equal(expected, s >= np.array([p.thresholds[int(c)] for c in codes]))
    text = codes.astype(str)
    for fallback in (None, 0.5, "single_threshold"):
        with pytest.raises(errors.GroupError) as e:
            p.predict(s, text, fallback=fallback)
        assert (e.value.found, e.value.expected) == ("str", "int")
    # Audit thresholds are keyed the same way.
    by_dict = audit(y, s, codes, thresholds={0: p.thresholds[0], 1: p.thresholds[1],
                                             2: p.thresholds[2]})
    assert by_dict.rate("fpr") == audit(y, s, codes, thresholds=p).rate("fpr")
    with pytest.raises(errors.ParameterError):
        audit(y, s, codes, thresholds={"0": 0.5, "1": 0.5, "2": 0.5})


def test_policy_names_are_labels_of_the_keys_even_from_old_files():
    rng = np.random.default_rng(4)
    n = 400
    a = rng.choice(np.array(["a & b", "a"], dtype=object), n)
    b = np.where(a == "a", "b & c", "c").astype(object)
    y = np.arange(n) % 3 == 0
    s = np.round(rng.random(n), 2)
    p = equal_opportunity(y, s, [a, b], tolerance=0.2)
    assert set(p.thresholds) == {("a & b", "c"), ("a", "b & c")}
    d = p.to_dict()
    names = {tuple(g["key"]): g["name"] for g in d["groups"]}
    assert names == {("a & b", "c"): '"a & b" & c', ("a", "b & c"): 'a & "b & c"'}
    # Files written before the labels were unambiguous joined values with a bare " & ".
    for g in d["groups"]:
        g["name"] = " & ".join(g["key"])
    old = type(p).from_json(json.dumps(d))
    assert {tuple(g["key"]): g["name"] for g in old.to_dict()["groups"]} == names
    assert old.thresholds == p.thresholds


def test_format_1_profiles_load_or_are_refused_when_ambiguous():
    g = np.array(["x", "y", None, "x"], dtype=object)
    table = {"g": g, "pred": np.array([1.0, 0.0, 1.0, 1.0])}
    profile = ReferenceProfile.from_data(table, group="g", prediction="pred")
    d = profile.to_dict()
    assert d["outputs"]["all"] == {"positives": 3, "total": 4}

    def v1(outputs):
        old = dict(d, format_version=1, outputs=outputs)
        return json.dumps(old)

    clean = {"(all)": {"positives": 3, "total": 4}, "x": {"positives": 2, "total": 2},
             "y": {"positives": 0, "total": 1}, "z": {"positives": 1, "total": 1}}
    loaded = ReferenceProfile.from_json(v1(clean)).to_dict()["outputs"]
    assert {g["key"][0]: g["total"] for g in loaded["groups"]} == {"x": 2, "y": 1, "z": 1}
    with pytest.raises(errors.ProfileError) as e:
        ReferenceProfile.from_json(v1({**clean, "(missing)": clean.pop("z")}))
    assert e.value.group == "(missing)"
