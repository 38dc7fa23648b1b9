"""Paired, two-sample and two-proportion tests against scipy and statsmodels on random
inputs with ties, zeros and tiny samples."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st

from mlops_audit import errors
from mlops_audit.compare import (
    TestResult,
    fisher_exact,
    mann_whitney,
    paired_ttest,
    two_proportion_ztest,
    welch_ttest,
    wilcoxon,
)

proportion = pytest.importorskip("statsmodels.stats.proportion")

# Tolerances of this file, in one place (relative; an absolute floor for p-values near 0).
STAT_RTOL = 1e-12   # test statistics, mean differences, intervals
P_RTOL = 1e-10      # p-values
P_ATOL = 1e-300

ALTS = ["two-sided", "greater", "less"]


def rel(a, b, rtol, atol=0.0):
    return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)


def check_p(got, expected):
    assert rel(got, expected, P_RTOL, P_ATOL), (got, expected)


def check_stat(got, expected):
    assert rel(got, expected, STAT_RTOL, 1e-13), (got, expected)


def samples(rng, n, kind):
    if kind == "ties":
        return np.round(rng.normal(size=n), 1)
    if kind == "heavy":
        return rng.integers(0, 4, size=n).astype(float)
    return rng.normal(size=n) * rng.uniform(0.5, 3)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("n", [2, 3, 7, 30, 400])
@pytest.mark.parametrize("alt", ALTS)
def test_paired_ttest_matches_scipy(seed, n, alt):
    rng = np.random.default_rng(seed)
    a = samples(rng, n, "ties")
    b = a + np.round(rng.normal(0.1, 1, n), 2)
    r = paired_ttest(a, b, alternative=alt, level=0.9)
    ref = st.ttest_rel(a, b, alternative=alt)
    assert isinstance(r, TestResult)
    check_stat(r.statistic, ref.statistic)
    check_p(r.pvalue, ref.pvalue)
    assert r.df == n - 1
    check_stat(r.difference, np.mean(a - b))
    ci = ref.confidence_interval(confidence_level=0.9)
    for got, exp in [(r.ci_low, ci.low), (r.ci_high, ci.high)]:
        if math.isinf(exp):
            assert got == exp
        else:
            check_stat(got, exp)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("sizes", [(2, 2), (2, 9), (5, 3), (40, 25), (300, 500)])
@pytest.mark.parametrize("alt", ALTS)
def test_welch_matches_scipy(seed, sizes, alt):
    rng = np.random.default_rng(seed)
    a = samples(rng, sizes[0], "ties")
    b = samples(rng, sizes[1], "plain") + 0.3
    r = welch_ttest(a, b, alternative=alt)
    ref = st.ttest_ind(a, b, equal_var=False, alternative=alt)
    check_stat(r.statistic, ref.statistic)
    check_p(r.pvalue, ref.pvalue)
    check_stat(r.df, ref.df)
    ci = ref.confidence_interval()
    for got, exp in [(r.ci_low, ci.low), (r.ci_high, ci.high)]:
        assert got == exp if math.isinf(exp) else rel(got, exp, STAT_RTOL, 1e-13)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n", [1, 4, 8, 13, 14, 25, 50, 51, 200])
@pytest.mark.parametrize("kind", ["plain", "ties", "heavy"])
@pytest.mark.parametrize("alt", ALTS)
def test_wilcoxon_matches_scipy(seed, n, kind, alt):
    if n == 13 and kind != "plain" and seed >= 1:
        return  # scipy's permutation test at 2^13 sign flips is slow: one seed suffices
    rng = np.random.default_rng(seed)
    a = samples(rng, n, kind)
    b = samples(rng, n, kind) + 0.2 * (kind == "plain")
    if kind == "heavy":
        b[: n // 3] = a[: n // 3]  # zero differences
    if not np.any(a != b):
        pytest.skip("all differences zero")
    for method in ["auto", "exact", "asymptotic"]:
        if method == "exact" and n > 50:
            continue
        r = wilcoxon(a, b, alternative=alt, method=method)
        ref = st.wilcoxon(a, b, zero_method="wilcox", correction=False, alternative=alt,
                          method=method)
        check_stat(r.statistic, ref.statistic)
        check_p(r.pvalue, ref.pvalue)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("sizes", [(1, 1), (1, 5), (3, 4), (8, 12), (9, 9), (6, 40), (60, 45)])
@pytest.mark.parametrize("kind", ["plain", "ties"])
@pytest.mark.parametrize("alt", ALTS)
def test_mann_whitney_matches_scipy(seed, sizes, kind, alt):
    rng = np.random.default_rng(seed)
    a = samples(rng, sizes[0], kind) + 0.3
    b = samples(rng, sizes[1], kind)
    for method in ["auto", "exact", "asymptotic"]:
        r = mann_whitney(a, b, alternative=alt, method=method)
        ref = st.mannwhitneyu(a, b, alternative=alt, method=method)
        check_stat(r.statistic, ref.statistic)
        check_p(r.pvalue, ref.pvalue)


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("alt", ALTS)
def test_two_proportion_ztest_matches_statsmodels(seed, alt):
    rng = np.random.default_rng(seed)
    nobs = rng.integers(1, 300, size=2)
    count = rng.integers(0, nobs + 1)
    sm_alt = {"two-sided": "two-sided", "greater": "larger", "less": "smaller"}[alt]
    r = two_proportion_ztest(int(count[0]), int(nobs[0]), int(count[1]), int(nobs[1]),
                             alternative=alt)
    if count.sum() in (0, nobs.sum()):
        assert r.statistic is None and r.pvalue is None
        return
    z, p = proportion.proportions_ztest(count, nobs, alternative=sm_alt)
    check_stat(r.statistic, z)
    check_p(r.pvalue, p)


@pytest.mark.parametrize("seed", range(60))
@pytest.mark.parametrize("alt", ALTS)
def test_fisher_exact_matches_scipy(seed, alt):
    rng = np.random.default_rng(seed)
    hi = [3, 12, 60, 2000][seed % 4]
    table = rng.integers(0, hi, size=(2, 2))
    if seed % 5 == 0:
        table[1] = table[0]  # symmetric: tied table probabilities
    r = fisher_exact(table, alternative=alt)
    ref = st.fisher_exact(table, alternative=alt)
    check_p(r.pvalue, ref.pvalue)
    if np.isnan(ref.statistic):
        assert r.statistic is None
    else:
        assert r.statistic == ref.statistic


def test_errors_are_typed():
    with pytest.raises(errors.MlopsError, match="b"):
        paired_ttest([1.0, 2.0], [1.0, float("nan")])
    with pytest.raises(ValueError):
        paired_ttest([1.0, 2.0], [1.0])
    with pytest.raises(errors.UndefinedMetricError):
        paired_ttest([1.0], [2.0])
    with pytest.raises(errors.UndefinedMetricError):
        welch_ttest([1.0, 2.0], [3.0])
    with pytest.raises(ValueError):
        wilcoxon([1.0, 2.0], [1.0, 2.0])
    with pytest.raises(ValueError):
        mann_whitney([], [1.0])
    with pytest.raises(ValueError, match="alternative"):
        welch_ttest([1.0, 2.0], [3.0, 4.0], alternative="two_sided")
    with pytest.raises(ValueError, match="method"):
        mann_whitney([1.0, 2.0], [3.0, 4.0], method="approx")
    with pytest.raises(ValueError):
        two_proportion_ztest(5, 4, 1, 3)
    with pytest.raises(ValueError):
        fisher_exact([[1, -1], [2, 3]])


power_mod = pytest.importorskip("statsmodels.stats.power")


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("alt", ALTS)
def test_power_and_sample_size_match_statsmodels(seed, alt):
    from mlops_audit.compare import cohens_h, power, sample_size

    rng = np.random.default_rng(seed)
    p1, p2 = rng.uniform(0.02, 0.6, 2)
    h = cohens_h(p1, p2)
    check_stat(h, proportion.proportion_effectsize(p1, p2))
    alpha, ratio = [0.05, 0.01, 0.1][seed % 3], [1.0, 0.5, 2.5][seed % 3]
    sm_alt = {"two-sided": "two-sided", "greater": "larger", "less": "smaller"}[alt]
    solver = power_mod.NormalIndPower()
    nobs1 = float(rng.integers(5, 3000))
    r = power(h, nobs1, alpha=alpha, ratio=ratio, alternative=alt)
    check_p(r.power, solver.power(h, nobs1, alpha, ratio=ratio, alternative=sm_alt))
    d = h if alt != "less" else -h
    if alt != "two-sided" and d <= 0:
        with pytest.raises(ValueError):
            sample_size(h, power=0.8, alpha=alpha, ratio=ratio, alternative=alt)
        return
    target = [0.8, 0.9, 0.5][seed % 3]
    s = sample_size(h, power=target, alpha=alpha, ratio=ratio, alternative=alt)
    # Ours is solved to full precision: its power is the target. statsmodels' root finder
    # stops earlier, so compare the sample sizes more loosely.
    back = solver.power(h, s.nobs1, alpha, ratio=ratio, alternative=sm_alt)
    assert rel(back, target, 1e-12), (back, target)
    ref = solver.solve_power(h, nobs1=None, alpha=alpha, power=target, ratio=ratio,
                             alternative=sm_alt)
    assert rel(s.nobs1, float(np.asarray(ref).item()), 1e-6), (s.nobs1, ref)
    check_stat(s.nobs2, ratio * s.nobs1)


def test_degenerate_inputs_give_none_not_nan():
    r = paired_ttest([1.0, 2.0, 3.0], [0.5, 1.5, 2.5])  # constant differences
    assert r.statistic is None and r.pvalue is None and r.difference == 0.5
    r = fisher_exact([[0, 0], [3, 4]])  # an empty row
    assert r.statistic is None and r.pvalue == 1.0 and r.degenerate
    r = fisher_exact([[3, 0], [1, 4]])
    assert r.statistic == math.inf
    check_p(r.pvalue, st.fisher_exact([[3, 0], [1, 4]]).pvalue)
    r = paired_ttest([1.0, 2.0, 4.0], [0.0, 0.5, 1.0], alternative="greater")
    assert r.ci_high == math.inf and r.ci_low < r.difference
