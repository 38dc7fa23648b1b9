"""Drift answers that are exact or typed refusals (issue 13).

- Missing values: a rise in a feature's missing share alerts in the monitor and in
  ``drift_report`` (one-sided test against statsmodels' ``proportions_ztest(...,
  alternative="larger")`` and SciPy's ``fisher_exact(..., alternative="greater")``, adjusted
  across features as statsmodels' ``multipletests``, with a practical-size threshold whose
  default comes from the Rust core); the simulated ``pipeline_fault`` alerts, the stable
  scenario does not; a feature entirely missing in the window alerts with undefined tests.
- Empty references: a profile without rows, or a monitored column without a value in it, is
  an ``EmptyInputError`` naming it, never an "ok" for data shifted by +100.
- Weighted Wasserstein: ``scipy.stats.wasserstein_distance(u, v, u_weights, v_weights)``,
  over ties and zero weights (hypothesis), and typed errors naming the weight parameter.
- ``categorical_drift`` and ``unseen_category_drift`` take a pandas ``value_counts()``
  Series; negative integer parameters are a ``ParameterError`` naming the parameter.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
import scipy.stats as st
from conftest import RTOL_INDEPENDENT
from hypothesis import given
from hypothesis import strategies as hs
from statsmodels.stats.multitest import multipletests as sm_multipletests
from statsmodels.stats.proportion import proportions_ztest

from mlops_audit import errors
from mlops_audit._mlops_audit import _defaults
from mlops_audit.datasets import simulate_lending
from mlops_audit.drift import (
    DriftMonitor,
    ReferenceProfile,
    anderson_ksamp,
    categorical_drift,
    drift_report,
    missing_rate_drift,
    psi,
    unseen_category_drift,
    wasserstein,
)

pd = pytest.importorskip("pandas")

# scipy.stats.wasserstein_distance against ours: the same definition, the cumulative weights
# summed in the same order, the final sum in a different one.
RTOL_SAME_DEFINITION = 1e-12

# The loan features the README's example monitors (the model's inputs).
LOAN_FEATURES = [
    "region", "home_ownership", "purpose", "income", "loan_amount", "term_months",
    "debt_to_income", "credit_history_years", "employment_years",
]


# --------------------------------------------------------------------------------------
# Missing values.
# --------------------------------------------------------------------------------------
def _one_sided_oracle(x0: int, n0: int, x: int, n: int) -> float:
    """The monitor's rule, from statsmodels and SciPy: the one-sided z-test where every
    expected count of the 2 x 2 table is at least 5, Fisher's exact test otherwise."""
    expected = np.outer([n, n0], [x + x0, n + n0 - x - x0]) / (n + n0)
    pooled = (x + x0) / (n + n0)
    if expected.min() >= 5 and 0 < pooled < 1:
        return float(proportions_ztest([x, x0], [n, n0], alternative="larger")[1])
    return float(st.fisher_exact([[x, n - x], [x0, n0 - x0]], alternative="greater").pvalue)


@pytest.mark.parametrize("seed", range(30))
def test_one_sided_rate_test_matches_statsmodels_and_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n0 = int(rng.integers(1, 5000)) if seed % 2 else int(rng.integers(1, 30))
    n = int(rng.integers(1, 3000)) if seed % 2 else int(rng.integers(1, 30))
    p0 = rng.choice([0.0, 0.01, 0.1, 0.4])
    x0 = int(rng.binomial(n0, p0))
    x = int(rng.binomial(n, min(1.0, p0 * rng.choice([0.5, 1.0, 2.0, 3.0]) + 0.02)))
    for alternative, sm_alt in [("greater", "larger"), ("less", "smaller")]:
        r = missing_rate_drift(x0, n0, x, n, alternative=alternative)
        assert r.alternative == alternative
        fisher = st.fisher_exact([[x, n - x], [x0, n0 - x0]], alternative=alternative)
        assert math.isclose(r.fisher_pvalue, fisher.pvalue, rel_tol=RTOL_INDEPENDENT)
        if 0 < (x + x0) / (n + n0) < 1:
            z, p = proportions_ztest([x, x0], [n, n0], alternative=sm_alt)
            assert math.isclose(r.statistic, z, rel_tol=RTOL_INDEPENDENT)
            assert math.isclose(r.z_pvalue, p, rel_tol=RTOL_INDEPENDENT, abs_tol=1e-300)
    r = missing_rate_drift(x0, n0, x, n, alternative="greater")
    assert math.isclose(r.pvalue, _one_sided_oracle(x0, n0, x, n), rel_tol=RTOL_INDEPENDENT,
                        abs_tol=1e-300)
    assert missing_rate_drift(x0, n0, x, n).alternative == "two-sided"
    with pytest.raises(errors.ParameterError) as e:
        missing_rate_drift(x0, n0, x, n, alternative="larger")
    assert e.value.name == "alternative"


def _with_missing(x: np.ndarray, share: float, seed: int) -> np.ndarray:
    x = x.copy()
    x[np.random.default_rng(seed).random(x.size) < share] = np.nan
    return x


def _frame(n: int, seed: int, share: float) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    housing = rng.choice(np.array(["rent", "own", "mortgage"], dtype=object), n)
    housing[np.random.default_rng(seed + 1).random(n) < share] = None
    return {
        "income": _with_missing(rng.normal(50, 10, n), share, seed + 2),
        "age": rng.normal(40, 9, n),
        "housing": housing,
    }


@pytest.mark.parametrize("share", [0.25, 0.9, 1.0])
def test_a_rise_in_missing_values_alerts(share: float) -> None:
    train = _frame(3000, 1, 0.02)
    live = _frame(1500, 2, share)
    profile = ReferenceProfile.from_data(train)
    monitor = DriftMonitor(profile)
    monitor.ingest({k: v[:700] for k, v in live.items()})
    monitor.ingest({k: v[700:] for k, v in live.items()})
    for r in (drift_report(train, live), monitor.evaluate()):
        assert r.status == "alert"
        pvalues = []
        for f in r.features:
            t = f["missing_test"]
            col_train, col_live = train[f["name"]], live[f["name"]]
            x0 = int(sum(v is None or (isinstance(v, float) and math.isnan(v)) for v in col_train))
            x = int(sum(v is None or (isinstance(v, float) and math.isnan(v)) for v in col_live))
            assert (t["reference_count"], t["reference_total"]) == (x0, 3000)
            assert (t["current_count"], t["current_total"]) == (x, 1500)
            assert t["alternative"] == "greater"
            assert math.isclose(t["pvalue"], _one_sided_oracle(x0, 3000, x, 1500),
                                rel_tol=RTOL_INDEPENDENT, abs_tol=1e-300)
            pvalues.append(t["pvalue"])
        reject, corrected, _, _ = sm_multipletests(pvalues, alpha=0.05, method="holm")
        for f, pc, rej in zip(r.features, corrected, reject):
            assert math.isclose(f["missing_pvalue_corrected"], pc, rel_tol=1e-15, abs_tol=1e-300)
            rise = f["missing_test"]["difference"]
            assert f["missing_drifted"] == (bool(rej) and rise >= 0.01)
        assert r.feature("income")["missing_drifted"] and r.feature("housing")["missing_drifted"]
        assert not r.feature("age")["missing_drifted"]
        assert any("`income`: missing share rose" in s for s in r.reasons)
        if share == 1.0:
            for name in ("income", "housing"):
                f = r.feature(name)
                assert f["test"] is None and f["statistic"] is None and f["pvalue"] is None
                assert f["note"] and "all missing" in f["note"]
                assert any(f"`{name}`: every value in the window is missing" in s
                           for s in r.reasons)


def test_pipeline_fault_alerts_and_the_stable_window_does_not() -> None:
    train = simulate_lending(20_000, seed=11)
    profile = ReferenceProfile.from_data(train)
    for scenario in (None, "pipeline_fault"):
        live = simulate_lending(20_000, seed=12, drift=scenario)
        monitor = DriftMonitor(profile, features=LOAN_FEATURES)
        monitor.ingest(live)
        for r in (monitor.evaluate(), drift_report(train, live, features=LOAN_FEATURES)):
            missing = [f["name"] for f in r.features if f["missing_drifted"]]
            if scenario is None:
                assert r.status == "ok", r.reasons
                assert missing == [] and r.drifted == []
            else:
                assert r.status == "alert"
                assert missing == ["employment_years"]
                f = r.feature("employment_years")
                assert f["reference_missing_rate"] == 0.0
                assert abs(f["current_missing_rate"] - 0.25) < 0.01
                assert any("`employment_years`: missing share rose" in s for s in r.reasons)
                # The values that remain are unchanged: only the missing share alerts.
                assert r.drifted == []
                html = r._repr_html_()
                assert "<th>missing share rose</th>" in html
                assert "<td>employment_years</td>" in html and "<td>True</td>" in html


def test_a_small_rise_needs_the_threshold() -> None:
    train = {"x": np.arange(20_000.0)}
    live = {"x": _with_missing(np.arange(20_000.0), 0.004, 3)}
    r = drift_report(train, live)
    f = r.feature("x")
    assert f["missing_pvalue_corrected"] < 1e-15 and not f["missing_drifted"]
    assert r.status == "ok" and r.missing_rate_threshold == 0.01
    r = drift_report(train, live, missing_rate_threshold=0.001)
    assert r.feature("x")["missing_drifted"] and r.status == "alert"
    r = drift_report(train, live, missing_rate_threshold=0.001, missing_alpha=1e-300)
    assert r.status == "ok" and r.missing_alpha == 1e-300


def test_missing_defaults_are_the_rust_defaults_and_shown_in_signatures() -> None:
    defaults = _defaults()["MonitorOptions"]
    assert defaults["missing_rate_threshold"] == 0.01 and defaults["missing_alpha"] is None
    for fn in (DriftMonitor.__init__, drift_report):
        params = inspect.signature(fn).parameters
        assert params["missing_rate_threshold"].default == defaults["missing_rate_threshold"]
        assert params["missing_alpha"].default is None
    for bad in (-0.1, 1.5, math.nan):
        with pytest.raises(errors.ParameterError) as e:
            drift_report({"x": [1.0, 2.0]}, {"x": [1.0]}, missing_rate_threshold=bad)
        assert e.value.name == "missing_rate_threshold"
    with pytest.raises(errors.ParameterError) as e:
        drift_report({"x": [1.0, 2.0]}, {"x": [1.0]}, missing_alpha=0.0)
    assert e.value.name == "missing_alpha"


# --------------------------------------------------------------------------------------
# Empty references are refused.
# --------------------------------------------------------------------------------------
def test_an_empty_reference_is_refused() -> None:
    shifted = {"x": np.random.default_rng(0).normal(100, 1, 500)}
    with pytest.raises(errors.EmptyInputError) as e:
        drift_report({"x": np.array([])}, shifted)
    assert e.value.input == "profile" and isinstance(e.value, ValueError)
    profile = ReferenceProfile.from_data({"x": np.array([])})
    assert profile.rows == 0
    with pytest.raises(errors.EmptyInputError):
        DriftMonitor(profile)


def test_a_reference_column_without_values_is_refused_by_name() -> None:
    train = {"x": np.full(200, np.nan), "y": np.arange(200.0)}
    live = {"x": np.arange(100.0), "y": np.arange(100.0)}
    with pytest.raises(errors.EmptyInputError) as e:
        drift_report(train, live)
    assert (e.value.column, e.value.missing) == ("x", 200)
    assert "leave it out of `features`" in str(e.value)
    with pytest.raises(errors.EmptyInputError) as e:
        DriftMonitor(ReferenceProfile.from_data(train))
    assert e.value.column == "x"
    assert drift_report(train, live, features=["y"]).features[0]["name"] == "y"


# --------------------------------------------------------------------------------------
# Weighted Wasserstein.
# --------------------------------------------------------------------------------------
def _check_weighted(u, v, uw, vw) -> None:
    r = wasserstein(u, v, reference_weights=uw, current_weights=vw)
    want = st.wasserstein_distance(u, v, uw, vw)
    scale = max(np.ptp(np.concatenate([u, v])), 1.0)
    assert math.isclose(r.distance, want, rel_tol=RTOL_SAME_DEFINITION, abs_tol=1e-15 * scale)
    w = np.ones(len(u)) if uw is None else np.asarray(uw, float)
    mean = np.average(u, weights=w)
    sd = math.sqrt(np.average((np.asarray(u) - mean) ** 2, weights=w))
    assert math.isclose(r.reference_std, sd, rel_tol=1e-12, abs_tol=1e-15 * scale)
    if r.normalized is not None:
        assert math.isclose(r.normalized, r.distance / r.reference_std, rel_tol=1e-15)
    assert (r.reference_size, r.current_size) == (len(u), len(v))


@pytest.mark.parametrize("seed", range(12))
def test_weighted_wasserstein_matches_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(1, 2000)), int(rng.integers(1, 2000))
    u = rng.normal(0, 1, m)
    v = rng.normal(rng.uniform(-1, 1), 1.3, n)
    if seed % 3 == 0:
        u, v = np.round(u, 1), np.round(v, 1)  # ties within and across samples
    uw = rng.exponential(1.0, m)
    vw = rng.integers(0, 4, n).astype(float)
    vw[0] = 1.0  # not all zero
    uw[rng.random(m) < 0.2] = 0.0
    uw[0] = 0.5
    _check_weighted(u, v, uw, vw)
    _check_weighted(u, v, None, vw)
    _check_weighted(u, v, uw, None)


@given(
    hs.lists(hs.tuples(hs.integers(-5, 5), hs.integers(0, 3)), min_size=1, max_size=30),
    hs.lists(hs.tuples(hs.integers(-5, 5), hs.integers(0, 3)), min_size=1, max_size=30),
)
def test_weighted_wasserstein_over_ties_and_zero_weights(ref, cur) -> None:
    u = np.array([float(a) for a, _ in ref])
    v = np.array([float(a) for a, _ in cur])
    uw = np.array([float(b) for _, b in ref])
    vw = np.array([float(b) for _, b in cur])
    if uw.sum() == 0 or vw.sum() == 0:
        with pytest.raises(errors.ZeroWeightsError):
            wasserstein(u, v, reference_weights=uw, current_weights=vw)
        return
    _check_weighted(u, v, uw, vw)
    # Integer weights are repetitions.
    rep = wasserstein(np.repeat(u, uw.astype(int)), np.repeat(v, vw.astype(int)))
    r = wasserstein(u, v, reference_weights=uw, current_weights=vw)
    assert math.isclose(r.distance, rep.distance, rel_tol=1e-12, abs_tol=1e-13)
    assert math.isclose(r.reference_std, rep.reference_std, rel_tol=1e-12, abs_tol=1e-13)


@pytest.mark.parametrize(
    "kwargs,cls,attrs",
    [
        (dict(reference_weights=[1.0, -1.0, 2.0]), errors.NegativeWeightError,
         dict(input="reference_weights", index=1, value=-1.0)),
        (dict(current_weights=[1.0, math.nan]), errors.NonFiniteError,
         dict(input="current_weights", index=1)),
        (dict(current_weights=[1.0, math.inf]), errors.NonFiniteError,
         dict(input="current_weights", index=1, value=math.inf)),
        (dict(reference_weights=[0.0, 0.0, 0.0]), errors.ZeroWeightsError,
         dict(input="reference_weights")),
        (dict(reference_weights=[1.0, 2.0]), errors.LengthMismatchError,
         dict(input="reference_weights", reference="reference", expected=3, found=2)),
        (dict(current_weights=[1.0, 2.0, 3.0]), errors.LengthMismatchError,
         dict(input="current_weights", reference="current", expected=2, found=3)),
    ],
)
def test_weighted_wasserstein_errors_name_the_parameter(kwargs, cls, attrs) -> None:
    with pytest.raises(cls) as e:
        wasserstein([0.0, 1.0, 2.0], [0.5, 3.0], **kwargs)
    assert isinstance(e.value, ValueError)
    for k, want in attrs.items():
        assert getattr(e.value, k) == want, (k, getattr(e.value, k))


# --------------------------------------------------------------------------------------
# Counts from pandas, and integer parameters.
# --------------------------------------------------------------------------------------
def test_categorical_drift_takes_value_counts() -> None:
    ref = pd.Series(["rent", "own", "own", "mortgage", "own", "rent"] * 50)
    cur = pd.Series(["rent", "own", "crypto", "own", "rent", "rent"] * 30)
    from_series = categorical_drift(ref.value_counts(), cur.value_counts())
    from_dict = categorical_drift(ref.value_counts().to_dict(), cur.value_counts().to_dict())
    assert from_series.to_dict() == from_dict.to_dict()
    table = np.array([[150, 100, 50, 0], [60, 90, 0, 30]])  # own, rent, mortgage, crypto
    chi = st.chi2_contingency(table, correction=False)
    assert math.isclose(from_series.pvalue, chi.pvalue, rel_tol=RTOL_INDEPENDENT)
    assert from_series.unseen_categories == ["crypto"]
    unseen = unseen_category_drift(ref.value_counts(), cur.value_counts())
    assert unseen.unseen == [{"name": "crypto", "count": 30}]


@pytest.mark.parametrize(
    "counts",
    [42, [1, 2, 3], [("a", "many")], {"a": None}],
)
def test_unusable_counts_are_typed_errors(counts) -> None:
    with pytest.raises(errors.InputTypeError) as e:
        categorical_drift(counts, {"a": 1.0})
    assert e.value.input == "reference" and isinstance(e.value, TypeError)
    with pytest.raises(errors.InputTypeError) as e:
        unseen_category_drift({"a": 1}, counts)
    assert e.value.input == "current"


def test_fractional_counts_are_not_truncated_for_unseen_categories() -> None:
    with pytest.raises(errors.InputTypeError):
        unseen_category_drift({"a": 2.5}, {"a": 1})
    assert unseen_category_drift({"a": 2.0}, {"a": 1, "b": np.int64(3)}).unseen == [
        {"name": "b", "count": 3}
    ]


@pytest.mark.parametrize(
    "call,name",
    [
        (lambda: psi([1.0, 2.0, 3.0], [1.5], bins=-1), "bins"),
        (lambda: psi([1.0, 2.0, 3.0], [1.5], bins=2**70), "bins"),
        (lambda: anderson_ksamp([[1.0, 2.0], [3.0, 4.0]], resamples=-5), "resamples"),
        (lambda: anderson_ksamp([[1.0, 2.0], [3.0, 4.0]], seed=-1), "seed"),
        (lambda: ReferenceProfile.from_data({"x": [1.0]}, sample_cap=-1), "sample_cap"),
        (lambda: ReferenceProfile.from_data({"x": [1.0]}, sketch_k=-200), "sketch_k"),
        (lambda: ReferenceProfile.from_data({"x": [1.0]}, sketch_k=70_000), "sketch_k"),
        (lambda: ReferenceProfile.from_data({"x": [1.0]}, seed=-3), "seed"),
        (lambda: DriftMonitor(ReferenceProfile.from_data({"x": [1.0]}), window_rows=-10),
         "window_rows"),
        (lambda: DriftMonitor(ReferenceProfile.from_data({"x": [1.0]}), window_sample_cap=-1),
         "window_sample_cap"),
        (lambda: DriftMonitor(ReferenceProfile.from_data({"x": [1.0]}), shards=-2), "shards"),
        (lambda: drift_report({"x": [1.0]}, {"x": [2.0]}, sample_cap=-7), "sample_cap"),
    ],
)
def test_negative_integer_parameters_are_named(call, name) -> None:
    with pytest.raises(errors.ParameterError) as e:
        call()
    assert e.value.name == name and isinstance(e.value, ValueError)
