"""Categorical drift and proportion drift against SciPy and statsmodels.

- ``categorical_drift``: statistic, p-value and dof of
  ``scipy.stats.chi2_contingency(table, correction=False)`` and of the G-test
  (``lambda_="log-likelihood"``) to 1e-10 relative (p-values down to 1e-300); JS distance
  against ``scipy.spatial.distance.jensenshannon`` and KL/PSI/total variation against their
  formulas, to 1e-12 relative.
- ``proportion_drift``: Wilson interval against
  ``scipy.stats.binomtest(x, n).proportion_ci(method="wilson")`` to 1e-10 relative;
  Clopper-Pearson against ``scipy.stats.beta.ppf`` to 1e-10 relative and against
  ``proportion_ci(method="exact")`` to 1e-10 relative plus 1e-11 absolute (SciPy solves the
  exact interval with ``brentq``, whose default ``xtol`` is 2e-12 absolute); the z-test
  against ``statsmodels.stats.proportion.proportions_ztest`` to 1e-10 relative.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st
from hypothesis import given
from hypothesis import strategies as hs
from scipy.spatial.distance import jensenshannon
from statsmodels.stats.proportion import proportions_ztest

from mlops_audit import errors
from mlops_audit.drift import categorical_drift, proportion_drift

RTOL_SCIPY = 1e-10
RTOL_SAME_DEFINITION = 1e-12
ATOL_BRENTQ = 1e-11


def _close(a: float, b: float, rtol: float = RTOL_SCIPY, atol: float = 0.0) -> bool:
    return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)


def _table(seed: int):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 12))
    names = [f"cat{i}" for i in range(k)]
    p_ref = rng.dirichlet(np.ones(k))
    p_cur = 0.7 * p_ref + 0.3 * rng.dirichlet(np.ones(k)) if seed % 3 else p_ref
    ref = rng.multinomial(int(rng.integers(20, 20000)), p_ref)
    cur = rng.multinomial(int(rng.integers(20, 5000)), p_cur)
    if seed % 4 == 0:
        ref[-1] = 0  # a category unseen at training time
        cur[-1] += 7
    return names, ref, cur


@pytest.mark.parametrize("seed", range(40))
def test_categorical_matches_scipy(seed: int) -> None:
    names, ref, cur = _table(seed)
    r = categorical_drift(dict(zip(names, ref.tolist())), dict(zip(names, cur.tolist())))
    keep = (ref + cur) > 0
    table = np.vstack([ref, cur])[:, keep]
    chi = st.chi2_contingency(table, correction=False)
    g = st.chi2_contingency(table, correction=False, lambda_="log-likelihood")
    assert r.dof == chi.dof
    assert _close(r.statistic, chi.statistic) and _close(r.pvalue, chi.pvalue, atol=1e-300)
    assert _close(r.g_statistic, g.statistic) and _close(r.g_pvalue, g.pvalue, atol=1e-300)
    rp, cp = ref / ref.sum(), cur / cur.sum()
    eps, k = 1e-4, len(names)
    rs, cs = (rp + eps) / (1 + k * eps), (cp + eps) / (1 + k * eps)
    assert _close(r.kl_divergence, float(np.sum(cs * np.log(cs / rs))), RTOL_SAME_DEFINITION, 1e-14)
    assert _close(r.psi, float(np.sum((cs - rs) * np.log(cs / rs))), RTOL_SAME_DEFINITION, 1e-14)
    assert _close(r.js_distance, float(jensenshannon(rp, cp)), RTOL_SAME_DEFINITION, 1e-12)
    assert _close(r.total_variation, 0.5 * float(np.abs(rp - cp).sum()), RTOL_SAME_DEFINITION, 1e-15)
    assert _close(r.cramers_v, math.sqrt(chi.statistic / table.sum()), 1e-10)
    assert r.unseen_categories == [n for n, a, b in zip(names, ref, cur) if a == 0 and b > 0]


def test_unseen_category_named_and_kl_finite() -> None:
    r = categorical_drift({"rent": 300, "own": 500}, [("own", 60), ("rent", 90), ("crypto", 50)])
    assert r.categories == ["rent", "own", "crypto"]
    assert r.unseen_categories == ["crypto"]
    assert math.isfinite(r.kl_divergence) and r.kl_divergence > 1.0
    # less smoothing: larger KL for the unseen category
    assert categorical_drift({"a": 5}, {"a": 5, "b": 5}, epsilon=1e-8).kl_divergence > \
        categorical_drift({"a": 5}, {"a": 5, "b": 5}).kl_divergence


def test_categorical_errors() -> None:
    with pytest.raises(errors.OutOfRangeError) as e:
        categorical_drift({"a": 1, "b": -2}, {"a": 1})
    assert e.value.category == "b" and e.value.input == "reference"
    with pytest.raises(errors.OutOfRangeError):
        categorical_drift({"a": 1}, {"a": float("nan")})
    with pytest.raises(errors.InputError) as e2:
        categorical_drift([("a", 1), ("a", 2)], {"a": 1})
    assert e2.value.category == "a"
    with pytest.raises(errors.EmptyInputError):
        categorical_drift({"a": 0}, {"a": 1})
    with pytest.raises(errors.ParameterError):
        categorical_drift({"a": 1}, {"a": 1}, epsilon=0.0)


@given(
    hs.integers(1, 5000).flatmap(lambda n: hs.tuples(hs.integers(0, n), hs.just(n))),
    hs.integers(1, 5000).flatmap(lambda n: hs.tuples(hs.integers(0, n), hs.just(n))),
    hs.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
def test_proportion_matches_scipy_and_statsmodels(train, prod, level) -> None:
    (x0, n0), (x, n) = train, prod
    r = proportion_drift(x0, n0, x, n, confidence_level=level)
    bt = st.binomtest(x, n)
    wil = bt.proportion_ci(confidence_level=level, method="wilson")
    ex = bt.proportion_ci(confidence_level=level, method="exact")
    assert _close(r.wilson_low, wil.low, atol=1e-15) and _close(r.wilson_high, wil.high)
    alpha = (1 - level) / 2
    lo = 0.0 if x == 0 else st.beta.ppf(alpha, x, n - x + 1)
    hi = 1.0 if x == n else st.beta.ppf(1 - alpha, x + 1, n - x)
    assert _close(r.exact_low, lo) and _close(r.exact_high, hi)
    assert _close(r.exact_low, ex.low, atol=ATOL_BRENTQ)
    assert _close(r.exact_high, ex.high, atol=ATOL_BRENTQ)
    p0 = x0 / n0
    assert r.out_of_wilson_interval == (p0 < r.wilson_low or p0 > r.wilson_high)
    assert r.out_of_exact_interval == (p0 < r.exact_low or p0 > r.exact_high)
    pooled = (x + x0) / (n + n0)
    if 0 < pooled < 1:
        z, p = proportions_ztest([x, x0], [n, n0])
        assert _close(r.statistic, z, atol=1e-12) and _close(r.pvalue, p, atol=1e-300)
    else:
        assert r.statistic is None and r.pvalue is None
    assert _close(r.difference, x / n - p0, 1e-15, 1e-15)


def test_proportion_errors() -> None:
    with pytest.raises(errors.EmptyInputError):
        proportion_drift(0, 0, 1, 2)
    with pytest.raises(errors.OutOfRangeError) as e:
        proportion_drift(1, 2, 5, 4)
    assert e.value.input == "production"
    with pytest.raises(errors.OutOfRangeError):
        proportion_drift(-1, 2, 1, 2)
    for level in (0.0, 1.0, 1.5):
        with pytest.raises(errors.ParameterError):
            proportion_drift(1, 2, 1, 2, confidence_level=level)
