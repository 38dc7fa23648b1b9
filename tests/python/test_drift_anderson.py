"""Anderson-Darling k-sample test against ``scipy.stats.anderson_ksamp`` (SciPy 1.17.1).

- statistic (standardised), critical values and the interpolated p-value to 1e-10
  relative (statistic also 1e-12 absolute near 0, see conftest), for the mid-rank
  (``midrank=True``) and right (``midrank=False``) forms, and the statistic of
  ``variant="continuous"``; on seeded samples with k = 2..5, unequal sizes from 1, ties of
  several densities, and hypothesis-drawn tied samples;
- where SciPy caps or floors the p-value (0.25/0.001), the same value and ``pvalue_limit``;
- the permutation p-value: equal to SciPy's exact permutation p-value when every ordering
  is enumerated, and within Monte-Carlo error of SciPy's ``PermutationMethod`` otherwise.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import scipy.stats as st
from conftest import ATOL_STANDARDISED, MONTE_CARLO_Z, RTOL_INDEPENDENT
from hypothesis import given, settings
from hypothesis import strategies as hs

from mlops_audit import errors
from mlops_audit.drift import anderson_ksamp

SCIPY_MIDRANK = {"midrank": True, "right": False}


def _scipy(samples, variant):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SciPy's deprecation of midrank= and its p-value caps
        if variant == "continuous":
            return st.anderson_ksamp(samples, variant="continuous")
        return st.anderson_ksamp(samples, midrank=SCIPY_MIDRANK[variant])


def _samples(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng([seed, 77])
    k = 2 + seed % 4
    ties = seed % 3  # 0: continuous, 1: one decimal, 2: a handful of integers
    out = []
    for i in range(k):
        n = int(rng.integers(1, 80)) if seed % 5 else int(rng.integers(1, 6))
        x = rng.normal(rng.uniform(0.0, 0.8) * (seed % 2), 1.0, n)
        if ties == 1:
            x = np.round(x, 1)
        elif ties == 2:
            x = np.round(x * 1.5)
        out.append(x)
    return out


def _check_against_scipy(samples, variant):
    r = anderson_ksamp(samples, variant=variant)
    n_total = sum(len(x) for x in samples)
    if n_total < 4:
        # The null variance has the factor (N - 1)(N - 2)(N - 3) in its denominator: SciPy
        # returns NaN for N = 3 and fails with an IndexError for N = 2.
        assert r.statistic is None and r.pvalue is None
        if n_total == 3:
            assert not np.isfinite(_scipy(samples, variant).statistic)
        return
    s = _scipy(samples, variant)
    assert math.isclose(r.statistic, s.statistic, rel_tol=RTOL_INDEPENDENT, abs_tol=ATOL_STANDARDISED)
    if variant == "continuous":
        return
    np.testing.assert_allclose(r.critical_values, s.critical_values, rtol=RTOL_INDEPENDENT, atol=0)
    assert r.significance_levels == [0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001]
    assert math.isclose(r.pvalue, s.pvalue, rel_tol=RTOL_INDEPENDENT)
    assert r.pvalue_method == "interpolated"
    if s.statistic < min(s.critical_values):
        assert r.pvalue_limit == "capped" and r.pvalue == 0.25
    elif s.statistic > max(s.critical_values):
        assert r.pvalue_limit == "floored" and r.pvalue == 0.001
    else:
        assert r.pvalue_limit is None


@pytest.mark.parametrize("variant", ["midrank", "right", "continuous"])
@pytest.mark.parametrize("seed", range(60))
def test_matches_scipy_on_seeded_samples(seed: int, variant: str) -> None:
    samples = _samples(seed)
    if np.unique(np.concatenate(samples)).size < 2:
        with pytest.raises(errors.NoVariationError):
            anderson_ksamp(samples, variant=variant)
        return
    _check_against_scipy(samples, variant)


def test_interpolated_pvalue_inside_the_table_and_both_limits() -> None:
    rng = np.random.default_rng(5)
    base = rng.normal(0, 1, 60)
    seen = set()
    for shift in np.linspace(0.0, 1.5, 31):
        samples = [base, rng.normal(shift, 1, 50)]
        r = anderson_ksamp(samples)
        seen.add(r.pvalue_limit)
        _check_against_scipy(samples, "midrank")
    assert seen == {None, "capped", "floored"}


@pytest.mark.parametrize(
    "sizes", [(1, 1, 1), (1, 2), (1, 3), (2, 2), (1, 1, 2), (3, 1, 1, 1), (2, 1, 1, 1, 1)]
)
def test_tiny_samples(sizes) -> None:
    rng = np.random.default_rng(sum(sizes))
    samples = [rng.normal(0, 1, n) for n in sizes]
    for variant in ("midrank", "right"):
        _check_against_scipy(samples, variant)


@settings(max_examples=80)  # three variants against SciPy per example
@given(
    hs.lists(
        hs.lists(hs.integers(0, 4).map(float), min_size=1, max_size=12), min_size=2, max_size=5
    )
)
def test_heavily_tied_samples_match_scipy(samples) -> None:
    if len(set(v for s in samples for v in s)) < 2:
        with pytest.raises(errors.NoVariationError):
            anderson_ksamp(samples)
        return
    for variant in ("midrank", "right", "continuous"):
        _check_against_scipy(samples, variant)


def test_statistic_invariant_to_order_within_and_across_samples() -> None:
    rng = np.random.default_rng(3)
    a, b, c = rng.normal(0, 1, 30), np.round(rng.normal(0.2, 1, 25), 1), rng.normal(0, 2, 12)
    r = anderson_ksamp([a, b, c])
    r2 = anderson_ksamp([c, rng.permutation(a), b[::-1]])
    assert math.isclose(r.statistic, r2.statistic, rel_tol=1e-12)
    assert r.distance == pytest.approx(r.a2 / 67, rel=1e-15)


@pytest.mark.parametrize("variant", ["midrank", "right"])
def test_exact_permutation_pvalue_equals_scipys(variant: str) -> None:
    samples = [[0.1, 0.5, 0.9, 1.4], [0.3, 2.0, 2.5], [1.0, 3.0, 0.9]]  # 4200 orderings, ties
    r = anderson_ksamp(samples, variant=variant, method="permutation", resamples=9999)
    s = st.anderson_ksamp(samples, variant=variant, method=st.PermutationMethod(n_resamples=9999))
    assert r.pvalue_method == "exact-permutation" and r.resamples == 4200 and r.seed is None
    assert math.isclose(r.pvalue, s.pvalue, rel_tol=1e-12)
    assert r.pvalue_limit is None


@pytest.mark.parametrize("shift", [0.0, 0.35, 0.7])
def test_random_permutation_pvalue_within_monte_carlo_error_of_scipy(shift: float) -> None:
    rng = np.random.default_rng([11, int(shift * 100)])
    samples = [rng.normal(0, 1, 40), rng.normal(shift, 1, 35), np.round(rng.normal(0, 1, 20), 1)]
    resamples = 4000
    r = anderson_ksamp(samples, method="permutation", resamples=resamples, seed=99)
    s = st.anderson_ksamp(
        samples,
        variant="midrank",
        method=st.PermutationMethod(n_resamples=resamples, rng=np.random.default_rng(12)),
    )
    assert r.pvalue_method == "random-permutation" and r.resamples == resamples and r.seed == 99
    p = max(0.5 * (r.pvalue + s.pvalue), 1.0 / resamples)
    assert abs(r.pvalue - s.pvalue) <= MONTE_CARLO_Z * math.sqrt(2 * p * (1 - p) / resamples)
    # Seeded: the same seed gives the same p-value.
    again = anderson_ksamp(samples, method="permutation", resamples=resamples, seed=99)
    assert again.pvalue == r.pvalue


def test_permutation_pvalue_goes_below_scipys_floor() -> None:
    rng = np.random.default_rng(2)
    samples = [rng.normal(0, 1, 60), rng.normal(2.0, 1, 60)]
    interp = anderson_ksamp(samples)
    perm = anderson_ksamp(samples, method="permutation", resamples=999, seed=1)
    assert interp.pvalue == 0.001 and interp.pvalue_limit == "floored"
    assert perm.pvalue == pytest.approx(1 / 1000)  # no permutation reaches the observed A2


def test_bad_input_raises_named_errors() -> None:
    with pytest.raises(errors.ParameterError):
        anderson_ksamp([[1.0, 2.0]])
    with pytest.raises(errors.EmptyInputError) as e:
        anderson_ksamp([[1.0, 2.0], []])
    assert e.value.input == "samples[1]"
    with pytest.raises(errors.NonFiniteError) as e:
        anderson_ksamp([[1.0, 2.0], [3.0, math.nan]])
    assert (e.value.input, e.value.index) == ("samples[1]", 1)
    with pytest.raises(errors.NoVariationError):
        anderson_ksamp([[1.0, 1.0], [1.0]])
    with pytest.raises(errors.ParameterError):
        anderson_ksamp([[1.0, 2.0], [3.0]], variant="mid")
    with pytest.raises(errors.ParameterError):
        anderson_ksamp([[1.0, 2.0], [3.0]], method="permutation", resamples=0)


def test_result_object() -> None:
    r = anderson_ksamp([[1.0, 2.0, 3.5], [2.5, 4.0, 5.0, 6.0]])
    statistic, pvalue = r
    assert (statistic, pvalue) == (r.statistic, r.pvalue)
    # The class is the library's own result type (it used to be named AndersonKsampResult,
    # a class that existed nowhere).
    assert r.to_dict()["test"] == "AndersonResult" and "AndersonResult(" in repr(r)
    assert r.variant == "midrank" and r.sample_sizes == [3, 4]


def test_permutation_pvalue_does_not_depend_on_parallelism() -> None:
    from mlops_audit import _mlops_audit

    rng = np.random.default_rng(21)
    samples = [rng.normal(0, 1, 50), rng.normal(0.2, 1, 40)]
    parallel = anderson_ksamp(samples, method="permutation", resamples=3000, seed=4)
    was = _mlops_audit._parallelism_enabled()
    _mlops_audit._set_parallelism(False)
    try:
        serial = anderson_ksamp(samples, method="permutation", resamples=3000, seed=4)
    finally:
        _mlops_audit._set_parallelism(was)
    assert serial.pvalue == parallel.pvalue
