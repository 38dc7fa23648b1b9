"""Interval ends, power and Fisher's test at extreme levels and counts, against mpmath.

Each reference is computed in 40-digit arithmetic from the definition, with the double
inputs taken exactly (the level enters as ``1 - confidence_level`` of the double given):

* Clopper-Pearson: the ``p`` with ``P(Bin(n, p) >= x) = alpha / 2`` (lower end) and with
  ``P(Bin(n, p) <= x) = alpha / 2`` (upper end), i.e. Beta tail quantiles, found by Newton's
  method on a quadrature of the Beta density (closed forms at ``x = 0`` and ``x = n``);
* Wilson: the two roots of ``(n + z^2) p^2 - (2x + z^2) p + x^2 / n = 0`` with ``z`` the
  upper ``alpha / 2`` normal quantile;
* power and sample size: statsmodels' ``NormalIndPower`` formulas;
* Fisher's exact test: the hypergeometric tail summed term by term from its first term.

Some cases keep a record of where SciPy itself is wrong: each asserts that we agree with the
exact value to 1e-12 and that SciPy's error is still above a stated amount (and skips, saying
so, once a SciPy release fixes it).
"""

from __future__ import annotations

from fractions import Fraction

import mpmath as mp
import numpy as np
import pytest
import scipy.stats as ss

from conftest import RTOL
from mlops_audit import compare
from mlops_audit.drift import proportion_drift

DIGITS = 40
ALPHAS = (0.05, 1e-6, 1e-10, 1e-15)
SIZES = (10, 1000, 10**6, 10**9, 10**12)


def counts(n):
    return sorted({0, 1, n - 1, n, n // 2, n // 3})


def rel(ours, exact):
    exact = mp.mpf(exact)
    return float(abs(mp.mpf(ours) - exact) / abs(exact)) if exact != 0 else abs(float(ours))


def mp_isf(p):
    """The z with P(Z > z) = p."""
    p = mp.mpf(p)
    return mp.findroot(lambda z: mp.erfc(z / mp.sqrt(2)) / 2 - p, -mp.sqrt(2) * mp.erfinv(2 * p - 1))


def ln_beta_density(a, b):
    ln_b = mp.loggamma(a) + mp.loggamma(b) - mp.loggamma(a + b)
    return lambda t: (a - 1) * mp.log(t) + (b - 1) * mp.log1p(-t) - ln_b


def beta_tail(a, b, y, upper):
    """P(X <= y) (or P(X > y)) for X ~ Beta(a, b), y in that tail: quadrature of the density
    over where it lives (its log is concave, so K / slope from y it has fallen by e^-K)."""
    log_f = ln_beta_density(a, b)
    slope = abs((a - 1) / y - (b - 1) / (1 - y))
    points = [y]
    for k in (1, 4, 16, 64, 200):
        t = y + k / slope if upper else y - k / slope
        if not 0 < t < 1:
            points.append(mp.mpf(1) if upper else mp.mpf(0))
            break
        points.append(t)
    return mp.quad(lambda t: mp.exp(log_f(t)) if 0 < t < 1 else mp.mpf(0), sorted(points))


def beta_tail_quantile(q, a, b, start, upper):
    """The y with P(X <= y) = q (or P(X > y) = q), by Newton's method from ``start``."""
    a, b, q = mp.mpf(a), mp.mpf(b), mp.mpf(q)
    log_f = ln_beta_density(a, b)
    y = mp.mpf(start)
    if not 0 < y < 1:  # the answer rounds to 0 or 1 in double precision
        y = mp.mpf(10) ** -30 if y <= 0 else 1 - mp.mpf(10) ** -30
    for _ in range(60):
        step = (beta_tail(a, b, y, upper) - q) / mp.exp(log_f(y))
        y = y + step if upper else y - step
        if abs(step) < abs(y) * mp.mpf(10) ** (-DIGITS // 2):
            return y
    raise AssertionError("the oracle's Newton iteration did not converge")


def mp_clopper_pearson(x, n, confidence_level, start):
    with mp.workdps(DIGITS):
        half = (1 - mp.mpf(confidence_level)) / 2
        if x == 0:
            low = mp.mpf(0)
        elif x == n:
            low = half ** (mp.mpf(1) / n)
        else:
            low = beta_tail_quantile(half, x, n - x + 1, start[0], upper=False)
        if x == n:
            high = mp.mpf(1)
        elif x == 0:
            high = -mp.expm1(mp.log(half) / n)
        else:
            high = beta_tail_quantile(half, x + 1, n - x, start[1], upper=True)
        return low, high


def mp_wilson(x, n, confidence_level):
    with mp.workdps(DIGITS):
        z2 = mp_isf((1 - mp.mpf(confidence_level)) / 2) ** 2
        x, n = mp.mpf(x), mp.mpf(n)
        a, b, c = n + z2, 2 * x + z2, x * x / n
        root = mp.sqrt(b * b - 4 * a * c)
        low = mp.mpf(0) if x == 0 else (b - root) / (2 * a)
        high = mp.mpf(1) if x == n else (b + root) / (2 * a)
        return low, high


@pytest.mark.parametrize("alpha", ALPHAS)
def test_clopper_pearson_matches_mpmath(alpha):
    # Before: 0 of 1e9 at the 95% level was off by 8.8e-9 (1 - quantile near 1), 1 of 1e12
    # by 8e-7 (the continued fraction took x = 1 - y rounded), the middle of 1e12 by 8e-10
    # (ln Gamma near 1.3e13 in the Beta prefactor) and every upper end at alpha <= 1e-10
    # lost digits to the rounding of 1 - alpha / 2.
    level = 1 - alpha
    for n in SIZES:
        for x in counts(n):
            r = proportion_drift(1, 2, x, n, confidence_level=level)
            ours = (r.exact_low, r.exact_high)
            low, high = mp_clopper_pearson(x, n, level, ours)
            assert rel(ours[0], low) < RTOL and rel(ours[1], high) < RTOL, (x, n, ours, low, high)


@pytest.mark.parametrize("alpha", ALPHAS)
def test_wilson_matches_mpmath(alpha):
    level = 1 - alpha
    for n in SIZES:
        for x in counts(n):
            r = proportion_drift(1, 2, x, n, confidence_level=level)
            low, high = mp_wilson(x, n, level)
            assert rel(r.wilson_low, low) < RTOL and rel(r.wilson_high, high) < RTOL, (x, n, r)


def test_wilson_z_from_the_upper_tail():
    # 0.5 + 0.5 * level rounds for this level (1 - 1e-10 + one ulp): the normal quantile of
    # the rounded value moves the interval by 5e-8 relative; (1 - level) / 2 is exact.
    level = float(np.nextafter(1 - 1e-10, 1.0))
    assert Fraction(0.5 + 0.5 * level) != 1 - (1 - Fraction(level)) / 2  # it rounds
    for x, n in ((1, 10**12), (5, 100), (999, 1000)):
        r = proportion_drift(1, 2, x, n, confidence_level=level)
        low, high = mp_wilson(x, n, level)
        assert rel(r.wilson_low, low) < RTOL and rel(r.wilson_high, high) < RTOL


def mp_power(effect, nobs1, alpha, ratio, alternative):
    with mp.workdps(DIGITS):
        s = mp.mpf(effect) * mp.sqrt(1 / (1 / mp.mpf(nobs1) + 1 / (mp.mpf(nobs1) * ratio)))
        sf = lambda z: mp.erfc(z / mp.sqrt(2)) / 2  # noqa: E731
        if alternative == "greater":
            return sf(mp_isf(alpha) - s)
        if alternative == "less":
            return sf(mp_isf(alpha) + s)
        c = mp_isf(mp.mpf(alpha) / 2)
        return sf(c - s) + sf(c + s)


@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_power_matches_mpmath(alpha, alternative):
    for effect in (0.01, 0.2, 1.0, -0.3):
        for nobs1 in (20.0, 1e4, 1e6):
            for ratio in (1.0, 3.0):
                got = compare.power(effect, nobs1, alpha=alpha, ratio=ratio, alternative=alternative)
                exact = mp_power(effect, nobs1, alpha, ratio, alternative)
                if exact < mp.mpf(10) ** -300:
                    continue  # below the smallest normal double
                assert rel(got.power, exact) < RTOL, (effect, nobs1, ratio, got.power, exact)


def mp_sample_size(effect, power, alpha, ratio, alternative):
    """nobs1 with power(nobs1) = power: the root in s = effect sqrt(n_eff), then n_eff."""
    with mp.workdps(DIGITS):
        d = abs(mp.mpf(effect))
        if alternative == "two-sided":
            c = mp_isf(mp.mpf(alpha) / 2)
            sf = lambda z: mp.erfc(z / mp.sqrt(2)) / 2  # noqa: E731
            s = mp.findroot(lambda s: sf(c - s) + sf(c + s) - power, c + mp_isf(1 - mp.mpf(power)))
        else:
            s = mp_isf(alpha) + mp_isf(1 - mp.mpf(power))
        return (s / d) ** 2 * (1 + 1 / mp.mpf(ratio))


@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
def test_sample_size_matches_mpmath(alpha, alternative):
    for effect in (0.01, 0.2, 1.0):
        for power in (0.5, 0.8, 0.999999):
            if power <= alpha:
                continue
            got = compare.sample_size(effect, power=power, alpha=alpha, ratio=2.0, alternative=alternative)
            exact = mp_sample_size(effect, power, alpha, 2.0, alternative)
            assert rel(got.nobs1, exact) < RTOL, (effect, power, got.nobs1, exact)


def scipy_error_or_skip(error, at_least, what):
    """Records that SciPy is off by ``at_least``; skips once a SciPy release fixes it."""
    if error < 1e-12:
        pytest.skip(f"SciPy {__import__('scipy').__version__} now gets {what} right")
    assert error > at_least, f"SciPy's {what} is off by {error:.2e} only"


def test_clopper_pearson_where_scipy_is_wrong():
    # scipy.stats.binomtest(1, 10**9).proportion_ci(0.95, "exact") stops its root finder at
    # an absolute tolerance: its lower end is off by 1.4e-3 relative. Ours by < 1e-12.
    r = proportion_drift(1, 2, 1, 10**9, confidence_level=0.95)
    low, high = mp_clopper_pearson(1, 10**9, 0.95, (r.exact_low, r.exact_high))
    assert rel(r.exact_low, low) < RTOL and rel(r.exact_high, high) < RTOL
    ci = ss.binomtest(1, 10**9).proportion_ci(0.95, method="exact")
    scipy_error_or_skip(rel(ci.low, low), 1e-3, "Clopper-Pearson lower end for 1 of 1e9")


def mp_hypergeometric_tail(table, alternative):
    """P(X <= t00) ("less") or P(X >= t00) ("greater") for the table's margins: the first
    term from log-gammas, the others by the exact ratio P(x+1)/P(x), summed in 40 digits
    until a term is below 1e-35 of the sum."""
    (a, b), (c, d) = table
    n1, n2, n = a + b, c + d, a + c
    lo, hi = max(0, n - n2), min(n1, n)
    with mp.workdps(DIGITS):
        lg = mp.loggamma
        term = mp.exp(
            lg(n1 + 1) - lg(a + 1) - lg(n1 - a + 1) + lg(n2 + 1) - lg(n - a + 1) - lg(n2 - n + a + 1)
            - lg(n1 + n2 + 1) + lg(n + 1) + lg(n1 + n2 - n + 1)
        )
        total, x = mp.mpf(0), a
        while True:
            total += term
            if alternative == "greater":
                if x >= hi:
                    break
                term *= mp.mpf((n1 - x) * (n - x)) / ((x + 1) * (n2 - n + x + 1))
                x += 1
            else:
                if x <= lo:
                    break
                term *= mp.mpf(x * (n2 - n + x)) / ((n1 - x + 1) * (n - x + 1))
                x -= 1
            if term < total * mp.mpf(10) ** -35:
                break
        return total


@pytest.mark.parametrize(
    ("table", "alternative", "scipy_off_by"),
    [
        # scipy.stats.fisher_exact: 1.2e-8 and 7.2e-9 relative off; ours 1.5e-15 and 2.3e-14.
        ([[11800070, 21584983], [22375502, 40747766]], "less", 5e-9),
        ([[41277596, 23790280], [11888688, 6786490]], "less", 5e-9),
        ([[4574969, 1504394], [3600099, 1211694]], "greater", 5e-10),
    ],
)
def test_fisher_exact_where_scipy_is_wrong(table, alternative, scipy_off_by):
    exact = mp_hypergeometric_tail(table, alternative)
    ours = compare.fisher_exact(np.array(table), alternative=alternative).pvalue
    assert rel(ours, exact) < RTOL
    theirs = ss.fisher_exact(table, alternative=alternative).pvalue
    scipy_error_or_skip(rel(theirs, exact), scipy_off_by, f"Fisher's exact test on {table}")
