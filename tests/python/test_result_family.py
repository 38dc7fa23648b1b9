"""One result family: every result type is a class named after the library's Rust type,
reads by attribute and by item, writes valid JSON that reads back equal (non-finite floats
included), pickles, and renders in notebooks.

The table ``CASES`` makes one result of every registered type from a real call; a type
registered in Rust but missing here fails :func:`test_every_result_type_is_exercised`, so a
new result type cannot skip these checks.
"""

from __future__ import annotations

import copy
import json
import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_audit import compare, drift, errors, results
from mlops_audit._mlops_audit import _result_types
from result_cases import CASES, A, B, sequential

def _strict_json(text: str):
    """``json.loads`` refusing the non-JSON tokens NaN, Infinity and -Infinity."""
    def refuse(token: str):
        raise AssertionError(f"not JSON: {token}")

    return json.loads(text, parse_constant=refuse)


def _same(a, b) -> bool:
    """Equal, NaN equal to NaN (inside lists and dicts too)."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def test_every_result_type_is_exercised():
    assert sorted(CASES) == sorted(_result_types())


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_result_is_its_type_with_every_interface(name):
    r = CASES[name]()
    assert type(r).__name__ == name and r.test == name
    # The generic class, or a module's richer subclass of it (drift.DriftReport).
    assert isinstance(r, getattr(results, name))
    assert isinstance(r, results.Result)
    assert type(r).__module__ in ("mlops_audit.results", "mlops_audit.drift",
                                  "mlops_audit.calibration", "mlops_audit.gate")
    d = r.to_dict()
    assert d["test"] == name
    for key in r.keys():
        assert _same(d[key], r[key])
        # A subclass may present a field in Python terms (DriftReport keys groups by
        # tuples where JSON has lists); every other field reads the same both ways.
        if not isinstance(getattr(type(r), key, None), property):
            assert _same(getattr(r, key), r[key])
    assert set(r.keys()) <= set(dir(r))
    # Valid JSON, read back equal, also through pickle and copies.
    text = r.to_json()
    assert _strict_json(text)["test"] == name
    back = results.from_json(text)
    assert type(back) is type(r) and _same(back.to_dict(), d)
    assert _same(type(r).from_json(text).to_dict(), d)
    for other in (pickle.loads(pickle.dumps(r)), copy.deepcopy(r), copy.copy(r)):
        assert type(other) is type(r) and _same(other.to_dict(), d)
    assert name in repr(r) and name in r._repr_html_()
    with pytest.raises(AttributeError):
        r.no_such_field  # noqa: B018
    with pytest.raises(AttributeError):
        r.pvalue = 0.5
    with pytest.raises(TypeError):
        type(r)()


def test_non_finite_values_are_floats_in_python_and_text_in_json():
    # Fisher's odds ratio with t01 * t10 = 0 is +inf; it used to come back as None.
    r = compare.fisher_exact([[3, 0], [5, 7]])
    assert r.statistic == math.inf
    assert _strict_json(r.to_json())["statistic"] == "inf"
    assert results.from_json(r.to_json()).statistic == math.inf
    # A one-sided t interval is open on one side.
    t = compare.paired_ttest(A, B, alternative="greater")
    assert t.ci_high == math.inf and math.isfinite(t.ci_low)
    assert results.from_json(t.to_json()).ci_high == math.inf


def test_scipy_style_unpacking_and_aliases():
    r = drift.ks_2samp(A, B)
    statistic, pvalue = r
    assert (statistic, pvalue) == (r.statistic, r.pvalue)
    b = CASES["PairedBootstrapResult"]()
    assert b.statistic == b.difference
    s = sequential()
    assert s.statistic == s.estimate


@pytest.mark.parametrize("text, culprit", [
    ("not json", "JSON"),
    ('{"statistic": 1}', "test"),
    ('{"test": "NoSuchResult"}', "NoSuchResult"),
    ('{"test": "KsResult", "statistic": 0.5}', "KsResult"),
    ('{"test": "KsResult", "statistic": "big", "pvalue": 0.1, "method": "exact", '
     '"statistic_location": 0.0, "statistic_sign": 1, "alternative": "two-sided", '
     '"reference_size": 3, "current_size": 3}', "KsResult"),
])
def test_malformed_json_is_a_parameter_error_naming_the_problem(text, culprit):
    with pytest.raises(errors.ParameterError) as e:
        results.from_json(text)
    assert culprit in str(e.value)


def test_from_json_of_a_class_refuses_another_type():
    text = drift.ks_2samp(A, B).to_json()
    with pytest.raises(errors.ParameterError):
        results.DelongResult.from_json(text)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=30),
    st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=30),
    st.sampled_from(["two-sided", "less", "greater"]),
)
def test_two_sample_results_round_trip(a, b, alternative):
    for r in (drift.ks_2samp(a, b, alternative=alternative), drift.wasserstein(a, b)):
        back = results.from_json(r.to_json())
        assert _same(back.to_dict(), r.to_dict())
        assert _same(pickle.loads(pickle.dumps(r)).to_dict(), r.to_dict())


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 40), st.integers(0, 40), st.integers(0, 40), st.integers(0, 40),
       st.sampled_from(["two-sided", "less", "greater"]))
def test_fisher_results_round_trip_with_infinite_and_undefined_odds(t00, t01, t10, t11, alt):
    r = compare.fisher_exact([[t00, t01], [t10, t11]], alternative=alt)
    text = r.to_json()
    _strict_json(text)
    assert _same(results.from_json(text).to_dict(), r.to_dict())


def test_text_that_spells_a_non_finite_float_stays_text():
    # Category names are text: "inf" and "nan" must come back as text, not floats.
    r = drift.categorical_drift({"inf": 5, "nan": 7}, {"inf": 9, "-inf": 2})
    back = results.from_json(r.to_json())
    assert _same(back.to_dict(), r.to_dict())
    u = drift.unseen_category_drift({"a": 5}, {"a": 4, "nan": 3})
    back = results.from_json(u.to_json())
    assert back.unseen == [{"name": "nan", "count": 3}]
