"""ThresholdPolicy.from_json checks a policy like an input: a tampered file raises a
ParameterError naming the field; whatever loads flags with probabilities in [0, 1]."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_audit import errors
from mlops_audit.fairness import ThresholdPolicy, equal_opportunity


def fitted() -> ThresholdPolicy:
    y = np.array([0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 1], dtype=bool)
    s = np.array([2, 3, 3, 0, 2, 2, 1, 0, 0.5, 0.9, 0.1, 0.7])
    g = np.array(list("aaaabbbbcccc"))
    return equal_opportunity(y, s, g, randomized=True, tolerance=0.0)


@pytest.mark.parametrize(("path", "value", "field"), [
    (("groups", 0, "rule", "p_at_threshold"), 5.0, "p_at_threshold"),
    (("groups", 1, "rule", "p_at_threshold"), -0.1, "p_at_threshold"),
    (("format_version",), 99, "format_version"),
    (("params", "tolerance"), 2.0, "tolerance"),
    (("max_gap",), -1.0, "max_gap"),
])
def test_tampered_policy_is_refused(path, value, field):
    d = fitted().to_dict()
    node = d
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(errors.ParameterError, match=field):
        ThresholdPolicy.from_json(json.dumps(d))


def test_unsorted_or_duplicate_groups_are_refused():
    d = fitted().to_dict()
    d["groups"] = d["groups"][::-1]
    with pytest.raises(errors.ParameterError, match="increasing key order"):
        ThresholdPolicy.from_json(json.dumps(d))
    d = fitted().to_dict()
    d["groups"].append(d["groups"][0])
    with pytest.raises(errors.ParameterError, match="groups"):
        ThresholdPolicy.from_json(json.dumps(d))


def test_pickle_round_trip_is_checked_too():
    p = fitted()
    assert pickle.loads(pickle.dumps(p)).to_json() == p.to_json()


def _numbers(d, path=()):
    if isinstance(d, bool):
        return
    if isinstance(d, (int, float)):
        yield path
    elif isinstance(d, list):
        for i, x in enumerate(d):
            yield from _numbers(x, (*path, i))
    elif isinstance(d, dict):
        for k, x in d.items():
            yield from _numbers(x, (*path, k))


@settings(max_examples=300)
@given(st.data(), st.one_of(st.floats(allow_nan=False, allow_infinity=False),
                            st.sampled_from([-1.0, 0.0, 0.5, 1.0, 1.5, 7.0])))
def test_mutated_policies_are_refused_or_behave(data, value):
    d = fitted().to_dict()
    paths = list(_numbers(d))
    path = data.draw(st.sampled_from(paths))
    node = d
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    try:
        p = ThresholdPolicy.from_json(json.dumps(d))
    except errors.MlopsError:
        return
    for steps in p.steps.values():
        probs = [q for _, q in steps]
        assert probs == sorted(probs) and all(0.0 <= q <= 1.0 for q in probs)
    s = np.array([-1.0, 0.0, 0.5, 1.0, 2.0, 3.0, 10.0])
    for name in p.steps:
        flags = p.predict(s, np.array([name] * len(s)), seed=1)
        assert flags.dtype == bool and flags.shape == s.shape
