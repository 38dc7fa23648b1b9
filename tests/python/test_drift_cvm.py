"""Two-sample Cramer-von Mises test against ``scipy.stats.cramervonmises_2samp`` (SciPy
1.17.1): statistic to 1e-10 relative, exact p-values to 1e-10 relative, asymptotic p-values
to 1e-10 relative plus 1e-14 absolute (both compute 1 - CDF, see conftest), over sizes
2..1e4, with ties (mid-ranks), both methods and SciPy's ``"auto"`` switch-over (exact when
both samples have at most 20 values)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st
from conftest import ATOL_ONE_MINUS_CDF, RTOL_INDEPENDENT
from hypothesis import given, settings
from hypothesis import strategies as hs

from mlops_audit import errors
from mlops_audit.drift import cramervonmises_2samp


def _check(x, y, method: str) -> None:
    r = cramervonmises_2samp(x, y, method=method)
    s = st.cramervonmises_2samp(x, y, method=method)
    assert math.isclose(r.statistic, s.statistic, rel_tol=RTOL_INDEPENDENT)
    atol = ATOL_ONE_MINUS_CDF if r.method == "asymptotic" else 0.0
    assert math.isclose(r.pvalue, s.pvalue, rel_tol=RTOL_INDEPENDENT, abs_tol=atol)
    expected_method = {"exact": "exact", "asymptotic": "asymptotic"}.get(
        method, "exact" if max(len(x), len(y)) <= 20 else "asymptotic"
    )
    assert r.method == expected_method
    m, n = len(x), len(y)
    assert math.isclose(r.distance, r.statistic * (m + n) / (m * n), rel_tol=1e-15)


def _pair(seed: int, m: int, n: int):
    rng = np.random.default_rng([seed, m, n])
    x = rng.normal(0.0, 1.0, m)
    y = rng.normal(rng.choice([0.0, 0.3, 1.0]), 1.0, n)
    if seed % 3 == 1:
        x, y = np.round(x, 1), np.round(y, 1)
    elif seed % 3 == 2:
        x, y = np.round(x), np.round(y)
    return x, y


@pytest.mark.parametrize("seed", range(45))
def test_exact_and_asymptotic_match_scipy_small(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(2, 21)), int(rng.integers(2, 21))
    x, y = _pair(seed, m, n)
    for method in ("auto", "exact", "asymptotic"):
        _check(x, y, method)


@pytest.mark.parametrize(
    "m,n", [(21, 5), (20, 21), (50, 50), (100, 1000), (1000, 1000), (10000, 37), (10000, 10000)]
)
@pytest.mark.parametrize("seed", range(3))
def test_asymptotic_matches_scipy_large(m: int, n: int, seed: int) -> None:
    x, y = _pair(seed, m, n)
    _check(x, y, "auto")


def test_exact_beyond_the_auto_range() -> None:
    x, y = _pair(4, 21, 14)
    _check(x, y, "exact")


@settings(max_examples=60)  # each example runs SciPy's exact distribution twice
@given(
    hs.lists(hs.integers(0, 5).map(float), min_size=2, max_size=15),
    hs.lists(hs.integers(0, 5).map(float), min_size=2, max_size=15),
)
def test_ties_match_scipy(x, y) -> None:
    _check(x, y, "auto")
    _check(x, y, "asymptotic")


def test_symmetric_in_the_two_samples() -> None:
    x, y = _pair(1, 15, 12)
    a, b = cramervonmises_2samp(x, y), cramervonmises_2samp(y, x)
    assert math.isclose(a.statistic, b.statistic, rel_tol=1e-13) and a.pvalue == b.pvalue


def test_bad_input_raises_named_errors() -> None:
    with pytest.raises(errors.TooFewObservationsError) as e:
        cramervonmises_2samp([1.0, 2.0], [3.0])
    assert (e.value.input, e.value.found, e.value.needed) == ("current", 1, 2)
    with pytest.raises(errors.EmptyInputError):
        cramervonmises_2samp([], [3.0, 4.0])
    with pytest.raises(errors.NonFiniteError) as e:
        cramervonmises_2samp([1.0, math.inf], [3.0, 4.0])
    assert (e.value.input, e.value.index) == ("reference", 1)
    with pytest.raises(errors.ParameterError):
        cramervonmises_2samp([1.0, 2.0], [3.0, 4.0], method="permutation")
