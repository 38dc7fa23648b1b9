"""Mann-Whitney U against scipy.stats.mannwhitneyu for every method, and its exact null
distribution against exact integer counts.

Before, ``method="auto"`` raised on valid input (3 values against 7000: "the exact
distribution is limited to len(a) * len(b) <= 20000"); the exact distribution now costs
``O(min(m, n) K)`` for the ``K`` terms the p-value needs.
"""

from __future__ import annotations

from math import comb

import numpy as np
import pytest
import scipy.stats as ss
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import RTOL
from mlops_audit import compare

ALTERNATIVES = ("two-sided", "greater", "less")


def check_against_scipy(a, b, alternative, method):
    ours = compare.mann_whitney(a, b, alternative=alternative, method=method)
    ref = ss.mannwhitneyu(a, b, alternative=alternative, method=method)
    assert ours.statistic == ref.statistic
    assert ours.pvalue == pytest.approx(ref.pvalue, rel=RTOL, abs=1e-300), (method, ours, ref)
    return ours


@pytest.mark.parametrize("alternative", ALTERNATIVES)
@pytest.mark.parametrize("method", ["auto", "exact", "asymptotic"])
def test_three_against_seven_thousand(alternative, method):
    rng = np.random.default_rng(7)
    a, b = rng.normal(0.8, 1, 3), rng.normal(0, 1, 7000)
    ours = check_against_scipy(a, b, alternative, method)
    assert ours.exact == (method != "asymptotic")


def u_counts(m, n):
    """Exact counts of U = 0..m n: coefficients of the Gaussian binomial [m + n choose m]_q,
    by the partition recurrence over parts of size at most n (Python integers)."""
    # Partitions of k into at most m parts, each at most n: add the parts one size at a time.
    ways = [[0] * (m * n + 1) for _ in range(m + 1)]
    ways[0][0] = 1
    for size in range(1, n + 1):
        for parts in range(1, m + 1):
            row, prev = ways[parts], ways[parts - 1]
            for k in range(size, m * n + 1):
                row[k] += prev[k - size]
    counts = [sum(ways[p][k] for p in range(m + 1)) for k in range(m * n + 1)]
    assert sum(counts) == comb(m + n, m)
    return counts


@pytest.mark.parametrize(("m", "n"), [(1, 50), (3, 40), (4, 60), (6, 25), (8, 30), (12, 12)])
def test_exact_tail_matches_exact_counts(m, n):
    counts = u_counts(m, n)
    total = comb(m + n, m)
    rng = np.random.default_rng(m * 100 + n)
    for _ in range(15):
        # A draw with no ties whose U is anywhere in 0..m n.
        pooled = rng.permutation(m + n).astype(float)
        a, b = pooled[:m], pooled[m:]
        ours = compare.mann_whitney(a, b, alternative="greater", method="exact")
        u = int(ours.statistic)
        exact = sum(counts[u:]) / total  # Fraction-free: both are exact integers
        assert ours.pvalue == pytest.approx(exact, rel=1e-13)


@st.composite
def samples(draw):
    small = draw(st.integers(1, 9))
    large = draw(st.sampled_from([1, 2, 5, 9, 30, 200, 7000]))
    sizes = (small, large) if draw(st.booleans()) else (large, small)
    tied = draw(st.booleans())
    seed = draw(st.integers(0, 2**32 - 1))
    shift = draw(st.sampled_from([0.0, 0.5, 3.0]))
    rng = np.random.default_rng(seed)
    a = rng.normal(shift, 1, sizes[0])
    b = rng.normal(0, 1, sizes[1])
    if tied:
        a, b = np.round(a), np.round(b)
    return a, b


@settings(max_examples=150)
@given(samples(), st.sampled_from(ALTERNATIVES), st.sampled_from(["auto", "exact", "asymptotic"]))
def test_matches_scipy_for_every_method(data, alternative, method):
    a, b = data
    if method == "asymptotic" and len(a) + len(b) < 3:
        return  # scipy's tie term divides by n (n - 1)
    check_against_scipy(a, b, alternative, method)


def test_exact_beyond_its_limits_is_a_typed_error_naming_method():
    from mlops_audit import errors

    rng = np.random.default_rng(3)
    a, b = rng.normal(size=3000), rng.normal(size=3000)
    with pytest.raises(errors.ParameterError, match="terms"):
        compare.mann_whitney(a, b, method="exact")
    # The default does what scipy's would: asymptotic for two large samples.
    check_against_scipy(a, b, "two-sided", "auto")
