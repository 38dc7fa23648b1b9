"""Every answer is the exact one or a typed refusal: inputs that used to be misread.

- ``ThresholdPolicy.predict(row_key=...)``: keys are integers, strings or bytes; float keys
  were truncated (0.1 .. 0.9 all became 0, so every boundary row got the same draw).
- The deployment gate's requirements and evidence are parsed strictly.
- Negative values for unsigned parameters, a 2x3 table, a 3-tuple threshold: typed errors
  from ``mlops_audit.errors`` naming the parameter, not bare Python errors.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from mlops_audit import errors as E
from mlops_audit.fairness import ThresholdOptimizer, equal_opportunity


# ---------------------------------------------------------------------------------------
# ThresholdPolicy.predict(row_key=...)
# ---------------------------------------------------------------------------------------
def _lending(n: int = 4000, seed: int = 1):
    rng = np.random.default_rng(seed)
    g = rng.choice(["a", "b", "c", "d"], n, p=[0.5, 0.3, 0.15, 0.05])
    shift = {"a": 0.0, "b": 0.1, "c": -0.1, "d": 0.2}
    y = rng.random(n) < 0.25
    s = np.clip(0.35 * y + rng.random(n) * 0.6 + np.array([shift[k] for k in g]), 0, 1).round(3)
    return y, s, g


@pytest.fixture(scope="module")
def boundary():
    """A randomized policy and ``n`` rows that all sit on one group's random boundary
    (flagged with probability ``p``, strictly between 0 and 1)."""
    y, s, g = _lending()
    policy = equal_opportunity(y, s, g, randomized=True)
    group, (threshold, p) = next((k, r) for k, r in policy.rules.items() if 0.2 < r[1] < 0.8)
    n = 2000
    return policy, np.full(n, threshold), np.full(n, group), p


def _sha_key(data: bytes) -> int:
    """The documented hash of a text or bytes key, computed independently (hashlib)."""
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "big")


def test_float_row_keys_are_refused_naming_row_key(boundary):
    policy, s, g, _ = boundary
    n = len(s)
    for keys in (np.linspace(0.1, 0.9, n), list(np.linspace(0.1, 0.9, n)),
                 pd.Series(np.linspace(0.1, 0.9, n)), np.arange(n, dtype=np.float32)):
        with pytest.raises(E.InputTypeError) as e:
            policy.predict(s, g, seed=1, row_key=keys)
        assert isinstance(e.value, TypeError)
        assert e.value.input == "row_key"
        assert "row_key" in str(e.value)


def test_distinct_keys_get_independent_draws(boundary):
    # Before the fix, keys 0.1 .. 0.9 were all truncated to 0: one draw for every row, so
    # the 2000 boundary rows were all flagged or all not.
    policy, s, g, p = boundary
    n = len(s)
    flags = policy.predict(s, g, seed=1, row_key=np.arange(n) * 7919)
    sd = np.sqrt(p * (1 - p) / n)
    assert abs(flags.mean() - p) < 5 * sd, (flags.mean(), p)


def test_integer_keys_of_every_dtype_give_the_same_draws(boundary):
    policy, s, g, _ = boundary
    n = len(s)
    base = np.arange(n, dtype=np.int64) * 104729
    ref = policy.predict(s, g, seed=5, row_key=base)
    for keys in (base.astype(np.uint64), list(base), tuple(int(k) for k in base),
                 pd.Series(base), pl.Series(base), pa.array(base), base.astype(np.int32)):
        assert (policy.predict(s, g, seed=5, row_key=keys) == ref).all()
    small = np.arange(n, dtype=np.int16)
    assert (policy.predict(s, g, seed=5, row_key=small)
            == policy.predict(s, g, seed=5, row_key=small.astype(np.uint64))).all()
    # Taken modulo 2^64: -1 (int64) and 2^64 - 1 (uint64) are the same key; the full uint64
    # range is accepted.
    neg = -(np.arange(n, dtype=np.int64) + 1)
    assert (policy.predict(s, g, seed=5, row_key=neg)
            == policy.predict(s, g, seed=5, row_key=neg.astype(np.uint64))).all()
    top = [2**64 - 1 - i for i in range(n)]
    assert (policy.predict(s, g, seed=5, row_key=top)
            == policy.predict(s, g, seed=5, row_key=neg)).all()


def test_string_and_bytes_keys_are_hashed_with_sha256(boundary):
    policy, s, g, _ = boundary
    n = len(s)
    ids = [f"application-{i:05d}-é" for i in range(n)]
    expected = policy.predict(s, g, seed=2, row_key=np.array(
        [_sha_key(t.encode("utf-8")) for t in ids], dtype=np.uint64))
    for keys in (ids, np.array(ids), pd.Series(ids), pd.Series(ids, dtype="string"),
                 pl.Series(ids), pa.array(ids), [t.encode("utf-8") for t in ids],
                 pa.array([t.encode("utf-8") for t in ids])):
        assert (policy.predict(s, g, seed=2, row_key=keys) == expected).all(), type(keys)
    # The same row gets the same decision whatever the batch order.
    order = np.random.default_rng(3).permutation(n)
    shuffled = policy.predict(s[order], g[order], seed=2, row_key=[ids[i] for i in order])
    assert (shuffled == expected[order]).all()


@pytest.mark.parametrize("keys, cls, fragment", [
    ([True, False] * 1000, E.InputTypeError, "boolean"),
    (np.array([True, False] * 1000), E.InputTypeError, "dtype"),
    ([1] * 1999 + ["a"], E.InputTypeError, "one kind"),
    (["a"] * 1999 + [b"a"], E.InputTypeError, "one kind"),
    ([1] * 1999 + [None], E.MissingValueError, "row_key"),
    ([1] * 1999 + [2**64], E.OutOfRangeError, "row_key"),
    ([1] * 1999 + [-(2**63) - 1], E.OutOfRangeError, "row_key"),
    ([1] * 1999 + [1.0], E.InputTypeError, "float"),
    ([object()] * 2000, E.InputTypeError, "another type"),
    (pd.Series([1] * 1999 + [None], dtype="Int64"), E.InputTypeError, "missing values"),
    (np.zeros((2000, 1), dtype=np.int64), E.InputTypeError, "1-D"),
    (["\ud800"] * 2000, E.InputTypeError, "surrogate"),
])
def test_unusable_keys_are_typed_errors_naming_row_key(boundary, keys, cls, fragment):
    policy, s, g, _ = boundary
    with pytest.raises(cls) as e:
        policy.predict(s, g, seed=1, row_key=keys)
    assert e.value.input == "row_key"
    assert fragment in str(e.value)


def test_threshold_optimizer_passes_row_keys_through(boundary):
    y, s, g = _lending()
    opt = ThresholdOptimizer(randomized=True, seed=4).fit(s, y, g)
    with pytest.raises(E.InputTypeError):
        opt.predict(s, g, row_key=np.linspace(0, 1, len(s)))
    keys = [f"id{i}" for i in range(len(s))]
    assert (opt.predict(s, g, row_key=keys)
            == opt.policy_.predict(s, g, seed=4, row_key=keys).astype(np.int64)).all()


# ---------------------------------------------------------------------------------------
# The deployment gate: strict requirements, checked evidence.
# ---------------------------------------------------------------------------------------
from mlops_audit import gate  # noqa: E402


@pytest.mark.parametrize("text", ["[1]", "[0.05, 0.7]", "0.05", '"max_fpr_gap"', "null",
                                  "true"])
def test_requirements_must_be_an_object(text):
    # Before: "[1]" was read as max_fpr_gap = 1.0, a gate that passes every model.
    with pytest.raises(E.ParameterError) as e:
        gate.Requirements.from_json(text)
    assert e.value.name == "requirements"
    assert "table" in str(e.value)


@pytest.mark.parametrize("text, name", [
    ('{"max_fpr_gap": "0.1"}', "max_fpr_gap"),
    ('{"max_fpr_gap": null, "min_auc": 0.7}', "max_fpr_gap"),
    ('{"min_auc": [0.7]}', "min_auc"),
    ('{"allow_drift_alerts": 0}', "allow_drift_alerts"),
    ('{"allow_drift_alerts": "false"}', "allow_drift_alerts"),
    ('{"challenger_not_worse_alpha": true}', "challenger_not_worse_alpha"),
])
def test_requirement_types_are_checked_by_name(text, name):
    with pytest.raises(E.InputTypeError) as e:
        gate.Requirements.from_json(text)
    assert isinstance(e.value, TypeError)
    assert e.value.input == name
    assert name in str(e.value)


def test_requirement_values_and_keys_are_checked_by_name():
    cases = [
        (lambda: gate.Requirements.from_json('{"min_auc": 0.7, "min_auc": 0.1}'), "min_auc"),
        (lambda: gate.Requirements.from_json('{"max_fpr_gapp": 0.1}'), "max_fpr_gapp"),
        (lambda: gate.Requirements.from_toml("max_fpr_gap = nan"), "max_fpr_gap"),
        (lambda: gate.Requirements.from_toml("max_expected_cost = inf"), "max_expected_cost"),
        (lambda: gate.Requirements.from_dict({"max_fpr_gap": float("inf")}), "max_fpr_gap"),
        (lambda: gate.Requirements.from_dict({"min_auc": float("nan")}), "min_auc"),
        (lambda: gate.Requirements.from_dict({"max_ece": 1.5}), "max_ece"),
    ]
    for make, name in cases:
        with pytest.raises(E.ParameterError) as e:
            make()
        assert e.value.name == name, (name, e.value)
    with pytest.raises(E.InputTypeError) as e:
        gate.Requirements.from_toml('max_ece = "0.05"')
    assert e.value.input == "max_ece"
    with pytest.raises(E.InputTypeError) as e:
        gate.Requirements.from_dict([("max_fpr_gap", 0.1)])
    assert e.value.input == "requirements"
    with pytest.raises(E.InputTypeError) as e:
        gate.Requirements.from_dict({"max_fpr_gap": object()})
    assert e.value.input == "max_fpr_gap"
    # numpy numbers are numbers.
    r = gate.Requirements.from_dict({"max_fpr_gap": np.float32(0.25), "min_auc": np.int64(0),
                                     "allow_drift_alerts": np.bool_(False)})
    assert r.to_dict() == {"max_fpr_gap": 0.25, "min_auc": 0.0, "allow_drift_alerts": False}


def test_drift_alerts_must_be_a_list_of_strings():
    req = gate.Requirements.from_dict({"allow_drift_alerts": False})
    # Before: "ok" was iterated as two alerts, "o" and "k".
    for bad in ("ok", b"ok", {"income": "KS"}, 3, [1], ["income", None]):
        with pytest.raises(E.InputTypeError) as e:
            gate.evaluate(req, drift_alerts=bad)
        assert e.value.input == "drift_alerts"
    assert gate.evaluate(req, drift_alerts=[]).passed
    report = gate.evaluate(req, drift_alerts=("income: KS p < 1e-6",))
    assert not report.passed
    assert report.checks[0]["measured"] == "1 alert(s): income: KS p < 1e-6"


def test_measurements_are_real_numbers_in_their_domain():
    req = gate.Requirements.from_dict({"max_fpr_gap": 0.1, "min_auc": 0.6, "max_ece": 0.1,
                                       "max_expected_cost": 1.0,
                                       "challenger_not_worse_alpha": 0.05})
    good = dict(fpr_gap=0.05, auc=0.7, ece=0.02, expected_cost=0.5,
                challenger_worse_pvalue=0.5)
    assert gate.evaluate(req, **good).passed
    # Before: an infinite measurement raised a bare ValueError from json.dumps.
    for name, value in [("fpr_gap", float("inf")), ("auc", 1.5), ("ece", -0.1),
                        ("expected_cost", float("inf")), ("expected_cost", -1.0),
                        ("challenger_worse_pvalue", float("-inf"))]:
        with pytest.raises(E.ParameterError) as e:
            gate.evaluate(req, **{**good, name: value})
        assert e.value.name == name
    for name, value in [("auc", "0.8"), ("fpr_gap", True), ("ece", [0.1])]:
        with pytest.raises(E.InputTypeError) as e:
            gate.evaluate(req, **{**good, name: value})
        assert e.value.input == name
    # NaN stays "not measured"; numpy scalars are numbers.
    report = gate.evaluate(req, **{**good, "auc": float("nan"), "fpr_gap": np.float32(0.05)})
    assert [c["verdict"] for c in report.checks if c["name"] == "min_auc"] == ["not_measured"]
    assert not report.passed
