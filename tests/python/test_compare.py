"""Champion/challenger tests against independent oracles: DeLong against its O(m n)
definition written here in numpy (and scipy's normal tail), McNemar against statsmodels."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.stats as st

from conftest import assert_close
from mlops_audit import errors
from mlops_audit.compare import TestResult, delong, mcnemar

statsmodels_tables = pytest.importorskip("statsmodels.stats.contingency_tables")


def delong_by_definition(y, a, b):
    """DeLong, DeLong & Clarke-Pearson (1988) by their definition: all (pos, neg) pairs."""
    y = np.asarray(y, bool)
    pa, na, pb, nb = a[y], a[~y], b[y], b[~y]

    def psi(p, n):
        return (p[:, None] > n[None, :]) + 0.5 * (p[:, None] == n[None, :])

    ka, kb = psi(pa, na), psi(pb, nb)
    v10a, v01a, v10b, v01b = ka.mean(1), ka.mean(0), kb.mean(1), kb.mean(0)
    m, n = len(pa), len(na)
    s10 = np.cov(np.vstack([v10a, v10b]))
    s01 = np.cov(np.vstack([v01a, v01b]))
    s = s10 / m + s01 / n
    auc_a, auc_b = v10a.mean(), v10b.mean()
    var = s[0, 0] + s[1, 1] - 2 * s[0, 1]
    z = (auc_a - auc_b) / np.sqrt(var)
    return auc_a, auc_b, s, z


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("n", [6, 40, 300])
def test_delong_matches_the_definition(seed, n):
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.4
    y[:2], y[2:4] = True, False
    a = np.round(rng.random(n) + 0.5 * y, 1)   # heavy ties
    b = np.round(rng.random(n) + 0.3 * y, 2)
    r = delong(y, a, b)  # a: the champion, b: the challenger
    auc_a, auc_b, s, z = delong_by_definition(y, a, b)
    assert_close(r.auc_champion, auc_a)
    assert_close(r.auc_challenger, auc_b)
    assert_close([r.var_champion, r.var_challenger, r.covariance],
                 [s[0, 0], s[1, 1], s[0, 1]])
    z = -z  # challenger minus champion
    assert_close(r.difference, auc_b - auc_a)
    assert_close(r.statistic, z)
    # p-values from the normal tail (scipy), real probabilities rather than logs.
    assert_close(r.pvalue, 2 * st.norm.sf(abs(z)))
    assert_close(r.pvalue_greater, st.norm.sf(z))
    assert_close(r.pvalue_less, st.norm.cdf(z))
    half = st.norm.ppf(0.975) * r.std_error
    assert_close([r.ci_low, r.ci_high], [r.difference - half, r.difference + half])


def test_delong_large_and_tiny_pvalues_are_probabilities():
    rng = np.random.default_rng(1)
    n = 20000
    y = rng.random(n) < 0.3
    good = y + rng.normal(0, 0.5, n)
    weak = y + rng.normal(0, 2.0, n)
    r = delong(y, weak, good)
    assert r.difference > 0 and r.pvalue_greater < 1e-100  # the challenger is better
    assert 0.0 <= r.pvalue < 1e-100  # far in the tail, still a probability
    assert r.pvalue == pytest.approx(2 * st.norm.sf(abs(r.statistic)), rel=1e-9)


def test_delong_errors_and_identical_models():
    with pytest.raises(errors.UndefinedMetricError):
        delong([1, 0, 0, 0], [0.9, 0.1, 0.2, 0.3], [0.8, 0.2, 0.1, 0.3])  # one positive
    with pytest.raises(errors.LengthMismatchError):
        delong([1, 1, 0, 0], [0.9, 0.1, 0.2, 0.3], [0.8, 0.2])
    with pytest.raises(errors.NonFiniteError):
        delong([1, 1, 0, 0], [0.9, 0.1, 0.2, 0.3], [0.8, np.nan, 0.1, 0.3])
    r = delong([1, 1, 0, 0], [0.9, 0.1, 0.2, 0.3], [0.9, 0.1, 0.2, 0.3])
    assert r.statistic is None and r.pvalue is None and r.difference == 0.0


@pytest.mark.parametrize("exact,correction", [(True, True), (False, True), (False, False)])
@pytest.mark.parametrize("b,c", [(0, 0), (0, 5), (12, 3), (150, 86), (40, 41), (900, 1000),
                                 (4000, 5000), (50000, 49000)])
def test_mcnemar_matches_statsmodels(exact, correction, b, c):
    a, d = 37, 58
    y = np.r_[np.ones(a + b + c + d, int)]
    # Build rows with the requested table: a both right, b only the champion right, c only
    # the challenger right, d both wrong (labels all 1, predictions chosen accordingly).
    pa = np.r_[np.ones(a), np.ones(b), np.zeros(c), np.zeros(d)].astype(int)
    pb = np.r_[np.ones(a), np.zeros(b), np.ones(c), np.zeros(d)].astype(int)
    if not exact and b + c == 0:
        # statsmodels divides by zero here (inf or NaN); undefined is the honest answer.
        with pytest.raises(errors.UndefinedMetricError):
            mcnemar(y, pa, pb, exact=exact, correction=correction)
        return
    expected = statsmodels_tables.mcnemar([[a, b], [c, d]], exact=exact, correction=correction)
    r = mcnemar(y, pa, pb, exact=exact, correction=correction)
    assert (r.champion_only, r.challenger_only, r.difference) == (b, c, c - b)
    assert r.statistic == pytest.approx(expected.statistic, rel=1e-12, abs=1e-12)
    assert r.pvalue == pytest.approx(expected.pvalue, rel=1e-10, abs=1e-300)


def test_result_objects_read_like_scipy_and_serialise():
    r = mcnemar([1, 0, 1, 0, 1], [1, 0, 0, 0, 1], [0, 1, 1, 0, 1])
    stat, p = r
    assert (stat, p) == (r.statistic, r.pvalue)
    assert isinstance(r, TestResult) and r.test == "McNemarResult"
    assert json.loads(r.to_json())["champion_only"] == r.champion_only
    assert "McNemarResult(" in repr(r) and "<table>" in r._repr_html_()
    assert r == mcnemar([1, 0, 1, 0, 1], [1, 0, 0, 0, 1], [0, 1, 1, 0, 1])
