"""Every answer is the exact one or a typed refusal: inputs that used to be misread.

- ``ThresholdPolicy.predict(row_key=...)``: keys are integers, strings or bytes; float keys
  were truncated (0.1 .. 0.9 all became 0, so every boundary row got the same draw).
- The deployment gate's requirements and evidence are parsed strictly.
- Negative values for unsigned parameters, a 2x3 table, a 3-tuple threshold: typed errors
  from ``mlops_audit.errors`` naming the parameter, not bare Python errors.
"""

from __future__ import annotations

import hashlib
import json

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
    # `steps`: per group, (lowest score, probability of a flag) pieces of the rule.
    group, threshold, p = next((k, t, q) for k, steps in policy.steps.items()
                               for t, q in steps if 0.2 < q < 0.8)
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
        (lambda: gate.Requirements.from_toml("max_cost_per_decision = inf"),
         "max_cost_per_decision"),
        # The older key is read as the new one, and named as it.
        (lambda: gate.Requirements.from_toml("max_expected_cost = -1"), "max_cost_per_decision"),
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
                                       "max_cost_per_decision": 1.0,
                                       "challenger_not_worse_alpha": 0.05})
    good = dict(fpr_gap=0.05, auc=0.7, ece=0.02, cost_per_decision=0.5,
                challenger_worse_pvalue=0.5)
    assert gate.evaluate(req, **good).passed
    # Before: an infinite measurement raised a bare ValueError from json.dumps.
    for name, value in [("fpr_gap", float("inf")), ("auc", 1.5), ("ece", -0.1),
                        ("cost_per_decision", float("inf")), ("cost_per_decision", -1.0),
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


# ---------------------------------------------------------------------------------------
# Integer parameters, the 2x2 table, the threshold pair, max_groups.
# ---------------------------------------------------------------------------------------
from mlops_audit import calibration as cal  # noqa: E402
from mlops_audit import compare as cmp  # noqa: E402
from mlops_audit import datasets, drift  # noqa: E402
from mlops_audit import fairness as fair  # noqa: E402

_rng = np.random.default_rng(11)
_N = 400
Y = _rng.random(_N) < 0.3
S = np.clip(0.5 * _rng.random(_N) + 0.4 * Y, 0, 1)
G = np.array(["a", "b"])[_rng.integers(0, 2, _N)]
FRAME = {"x": _rng.random(_N), "c": np.array(["u", "v"])[_rng.integers(0, 2, _N)]}


def _policy():
    return equal_opportunity(Y, S, G, tolerance=0.2, randomized=True)


def _accumulator(**kw):
    acc = cmp.ShadowAccumulator(**kw)
    acc.record(1, 0.2, 0.3)
    return acc


# Every integer parameter of the public API, called with `value` in its place.
INTEGER_PARAMETERS = {
    "audit.bootstrap": lambda v: fair.audit(Y, S, G, threshold=0.5, bootstrap=v),
    "audit.seed": lambda v: fair.audit(Y, S, G, threshold=0.5, bootstrap=5, seed=v),
    "audit.min_count": lambda v: fair.audit(Y, S, G, threshold=0.5, min_count=v),
    "equal_opportunity.max_groups": lambda v: fair.equal_opportunity(Y, S, G, max_groups=v),
    "frontier.max_groups": lambda v: fair.frontier(Y, S, G, max_groups=v),
    "frontier_svg.max_groups": lambda v: fair.frontier_svg(Y, S, G, max_groups=v),
    "ThresholdPolicy.predict.seed": lambda v: _policy().predict(S, G, seed=v),
    "ThresholdOptimizer.seed": lambda v: fair.ThresholdOptimizer(seed=v).fit(S, Y, G).predict(
        S, G),
    "reliability_curve.n_bins": lambda v: cal.reliability_curve(Y, S, n_bins=v),
    "expected_calibration_error.n_bins": lambda v: cal.expected_calibration_error(
        Y, S, n_bins=v),
    "max_calibration_error.n_bins": lambda v: cal.max_calibration_error(Y, S, n_bins=v),
    "debiased_squared_calibration_error.n_bins":
        lambda v: cal.debiased_squared_calibration_error(Y, S, n_bins=v),
    "hosmer_lemeshow.n_groups": lambda v: cal.hosmer_lemeshow(Y, S, n_groups=v),
    "hosmer_lemeshow.df": lambda v: cal.hosmer_lemeshow(Y, S, df=v),
    "calibration_by_group.n_bins": lambda v: cal.calibration_by_group(Y, S, G, n_bins=v),
    "calibration_by_group.n_groups": lambda v: cal.calibration_by_group(Y, S, G, n_groups=v),
    "calibration_by_group.df": lambda v: cal.calibration_by_group(Y, S, G, df=v),
    "reliability_diagram_svg.n_bins": lambda v: cal.reliability_diagram_svg(Y, S, n_bins=v),
    "HistogramCalibrator.n_bins": lambda v: cal.HistogramCalibrator(n_bins=v),
    "paired_bootstrap.n_resamples": lambda v: cmp.paired_bootstrap(Y, S, S * S, n_resamples=v),
    "paired_bootstrap.seed": lambda v: cmp.paired_bootstrap(Y, S, S * S, n_resamples=5,
                                                            seed=v),
    "two_proportion_ztest.count1": lambda v: cmp.two_proportion_ztest(v, 10, 3, 10),
    "two_proportion_ztest.nobs1": lambda v: cmp.two_proportion_ztest(3, v, 3, 10),
    "two_proportion_ztest.count2": lambda v: cmp.two_proportion_ztest(3, 10, v, 10),
    "two_proportion_ztest.nobs2": lambda v: cmp.two_proportion_ztest(3, 10, 3, v),
    "ShadowAccumulator.max_pending": lambda v: cmp.ShadowAccumulator(max_pending=v),
    "ShadowAccumulator.record.request_id": lambda v: _accumulator().record(v, 0.2, 0.3),
    "ShadowAccumulator.label.request_id": lambda v: _accumulator().label(v, True),
    "SequentialTest.update_counts.successes_champion": lambda v: cmp.SequentialTest(
        tau2=0.01).update_counts(v, 10, 3, 10),
    "SequentialTest.update_counts.trials_champion": lambda v: cmp.SequentialTest(
        tau2=0.01).update_counts(3, v, 3, 10),
    "SequentialTest.update_counts.successes_challenger": lambda v: cmp.SequentialTest(
        tau2=0.01).update_counts(3, 10, v, 10),
    "SequentialTest.update_counts.trials_challenger": lambda v: cmp.SequentialTest(
        tau2=0.01).update_counts(3, 10, 3, v),
    "simulate_lending.n": lambda v: datasets.simulate_lending(v, as_frame=False),
    "simulate_lending.seed": lambda v: datasets.simulate_lending(10, seed=v, as_frame=False),
    "anderson_ksamp.resamples": lambda v: drift.anderson_ksamp(
        [S[:50], S[50:100]], method="permutation", resamples=v),
    "anderson_ksamp.seed": lambda v: drift.anderson_ksamp(
        [S[:50], S[50:100]], method="permutation", resamples=5, seed=v),
    "psi.bins": lambda v: drift.psi(S[:200], S[200:], bins=v),
    "ReferenceProfile.from_data.sample_cap": lambda v: drift.ReferenceProfile.from_data(
        FRAME, sample_cap=v),
    "ReferenceProfile.from_data.sketch_k": lambda v: drift.ReferenceProfile.from_data(
        FRAME, sketch_k=v),
    "ReferenceProfile.from_data.seed": lambda v: drift.ReferenceProfile.from_data(
        FRAME, seed=v),
    "DriftMonitor.window_rows": lambda v: drift.DriftMonitor(
        drift.ReferenceProfile.from_data(FRAME), window_rows=v),
    "DriftMonitor.window_sample_cap": lambda v: drift.DriftMonitor(
        drift.ReferenceProfile.from_data(FRAME), window_sample_cap=v),
    "DriftMonitor.shards": lambda v: drift.DriftMonitor(
        drift.ReferenceProfile.from_data(FRAME), shards=v),
    "drift_report.sample_cap": lambda v: drift.drift_report(FRAME, FRAME, sample_cap=v),
}


def _param(case: str) -> str:
    return case.rsplit(".", 1)[1]


@pytest.mark.parametrize("case", sorted(INTEGER_PARAMETERS))
def test_negative_integers_are_parameter_errors_naming_the_parameter(case):
    # Before: a bare OverflowError ("can't convert negative int to unsigned").
    with pytest.raises(E.ParameterError) as e:
        INTEGER_PARAMETERS[case](-1)
    assert isinstance(e.value, ValueError)
    assert e.value.name == _param(case), e.value
    assert _param(case) in str(e.value)


@pytest.mark.parametrize("case", sorted(INTEGER_PARAMETERS))
def test_integers_beyond_64_bits_are_parameter_errors(case):
    with pytest.raises(E.ParameterError) as e:
        INTEGER_PARAMETERS[case](2**70)
    assert e.value.name == _param(case)


@pytest.mark.parametrize("case", sorted(INTEGER_PARAMETERS))
@pytest.mark.parametrize("value", [2.5, "3", True])
def test_non_integers_are_type_errors_naming_the_parameter(case, value):
    with pytest.raises(E.InputTypeError) as e:
        INTEGER_PARAMETERS[case](value)
    assert isinstance(e.value, TypeError)
    assert e.value.input == _param(case)


@pytest.mark.parametrize("case", sorted(INTEGER_PARAMETERS))
def test_valid_integers_of_numpy_types_are_accepted(case):
    # Every case is a valid call with a small positive value (numpy integers included);
    # a few reject 1 itself for their own domain reasons, with a typed error.
    value = np.int64(20) if "count" in case or "success" in case else np.uint16(20)
    if case.endswith(("successes_champion", "successes_challenger", "count1", "count2")):
        value = np.int32(3)
    try:
        INTEGER_PARAMETERS[case](value)
    except E.MlopsError as e:
        pytest.fail(f"{case}: {e!r}")


def test_lists_of_request_ids_are_checked_element_by_element():
    acc = cmp.ShadowAccumulator()
    with pytest.raises(E.ParameterError) as e:
        acc.record_many([1, -2], [0.1, 0.2], [0.3, 0.4])
    assert e.value.name == "request_ids[1]"
    with pytest.raises(E.InputTypeError) as e:
        acc.record_many([1, 2.5], [0.1, 0.2], [0.3, 0.4])
    assert e.value.input == "request_ids[1]"
    acc.record_many(np.array([1, 2], dtype=np.uint64), [0.1, 0.2], [0.3, 0.4])
    with pytest.raises(E.ParameterError) as e:
        acc.label_many([-1], [True])
    assert e.value.name == "request_ids[0]"
    assert acc.label_many(np.array([2]), [True]) == 1


def test_record_many_reads_scores_like_every_other_score_input():
    """Scores go through the one column reader: text is not a score (``float("0.5")``
    used to accept it), NaN names its index, numpy arrays of any float width are read."""
    acc = cmp.ShadowAccumulator()
    with pytest.raises(E.InputTypeError):
        acc.record_many([1, 2], ["0.1", "0.2"], [0.3, 0.4])
    with pytest.raises(E.MlopsError) as e:
        acc.record_many([1, 2], [0.1, float("nan")], [0.3, 0.4])
    assert "champion" in str(e.value) and "1" in str(e.value)
    acc.record_many([1, 2], np.array([0.1, 0.2], dtype=np.float32), pa.array([0.3, 0.4]))
    assert acc.label_many([1, 2], [True, False]) == 2


@pytest.mark.parametrize("field, value", [
    ("statistic_sign", 2**70), ("statistic_sign", "1"), ("reference_size", -1),
    ("current_size", 2.5), ("pvalue", "high"),
])
def test_results_read_from_json_are_checked_naming_the_type(field, value):
    # KsResult was a class built from positional numbers (a huge sign raised a bare
    # OverflowError); every result is now rebuilt from JSON through its Rust type.
    from mlops_audit import results

    fields = drift.ks_2samp([1.0, 2.0, 3.0], [2.5, 4.0]).to_dict()
    fields[field] = value
    with pytest.raises(E.ParameterError) as e:
        results.from_json(json.dumps(fields))
    assert "KsResult" in str(e.value)


@pytest.mark.parametrize("count", [True, np.bool_(False)])
def test_category_counts_refuse_booleans(count):
    from mlops_audit.drift import unseen_category_drift

    with pytest.raises(E.InputTypeError):
        unseen_category_drift({"a": 3}, {"a": 2, "b": count})


@pytest.mark.parametrize("table", [
    [[1, 2, 3], [4, 5, 6]], [[1, 2], [3]], [[1, 2], [3, 4], [5, 6]], [1, 2, 3, 4], "abcd",
    [["ab", "cd"], [1, 2]], 7, [[1, 2.5], [3, 4]], [[True, 2], [3, 4]], [[None, 2], [3, 4]],
])
def test_fisher_exact_needs_a_2x2_table_of_integer_counts(table):
    # Before: a 2x3 table failed in tuple unpacking; 2.5 was truncated to 2.
    with pytest.raises(E.InputTypeError) as e:
        cmp.fisher_exact(table)
    assert e.value.input == "table"


def test_fisher_exact_negative_counts_and_valid_tables():
    from scipy import stats

    with pytest.raises(E.ParameterError) as e:
        cmp.fisher_exact([[1, -2], [3, 4]])
    assert e.value.name == "table"
    for table in ([[8, 2], [1, 5]], np.array([[8, 2], [1, 5]]), ((8, 2), (1, 5)),
                  np.array([[8, 2], [1, 5]], dtype=np.uint8)):
        r = cmp.fisher_exact(table)
        expected = stats.fisher_exact([[8, 2], [1, 5]])
        assert r.pvalue == pytest.approx(expected.pvalue, rel=1e-12)
        assert r.statistic == pytest.approx(expected.statistic, rel=1e-12)


@pytest.mark.parametrize("threshold", [(0.1, 0.2, 0.3), [0.5], (), "0.5", ("a", 0.5),
                                       (0.1, None), {"champion": 0.1}, True])
def test_threshold_is_one_number_or_a_pair(threshold):
    # Before: (0.1, 0.2, 0.3) failed in tuple unpacking with a bare ValueError.
    with pytest.raises(E.InputTypeError) as e:
        cmp.paired_bootstrap(Y, S, S * S, metric="cost", threshold=threshold, n_resamples=5)
    assert e.value.input == "threshold"
    with pytest.raises(E.InputTypeError) as e:
        cmp.ShadowAccumulator(threshold=threshold)
    assert e.value.input == "threshold"


def test_threshold_pairs_of_any_sequence_type():
    ref = cmp.paired_bootstrap(Y, S, S * S, metric="cost", threshold=(0.3, 0.4), n_resamples=5)
    for t in ([0.3, 0.4], np.array([0.3, 0.4]), (np.float32(0.3), 0.4)):
        r = cmp.paired_bootstrap(Y, S, S * S, metric="cost", threshold=t, n_resamples=5)
        assert r.champion == ref.champion
    assert cmp.paired_bootstrap(Y, S, S * S, metric="cost", threshold=np.float64(0.3),
                                n_resamples=5).champion == ref.champion


def test_too_many_groups_names_max_groups_which_frontier_now_takes():
    rng = np.random.default_rng(5)
    k = 1001
    g = np.repeat([f"g{i}" for i in range(k)], 4)
    y = np.tile([True, False, True, False], k)
    s = rng.random(4 * k)
    for call in (lambda **kw: fair.frontier(y, s, g, tolerances=[1.0], **kw),
                 lambda **kw: fair.frontier_svg(y, s, g, tolerances=[1.0], **kw),
                 lambda **kw: fair.equal_opportunity(y, s, g, tolerance=1.0, **kw)):
        with pytest.raises(E.GroupError) as e:
            call()
        assert e.value.name == "max_groups"
        assert "max_groups" in str(e.value)
        call(max_groups=k)  # the limit the message names can be raised
