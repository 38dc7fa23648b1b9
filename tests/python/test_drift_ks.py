"""mlops_audit.drift.ks_2samp against scipy.stats.ks_2samp and an exact oracle.

Agreement with SciPy: the statistic, its location and its sign exactly; p-values to 1e-10
relative, over seeded samples of sizes 1 to 100 000 (very unequal ones too), heavy ties,
identical and disjoint samples, for every method x alternative.

Where SciPy itself gives up on the exact p-value (a ``RuntimeWarning`` "Exact calculation
unsuccessful" or "Exact ks_2samp calculation not possible", after which it returns the
asymptotic p-value) or returns NaN (two-sided ``asymp`` with one observation per sample),
ours may legitimately differ: it still computes the exact p-value when affordable and says
so in ``result.method``. Those cases are recorded, and our p-value is checked against an
independent exact computation (lattice paths counted with Python integers) where that is
cheap enough, asserting that ours is at least as close to it as SciPy's. SciPy falls back in
practice for one-sided exact tests with unequal sizes once C(m+n, m) overflows a float
(m + n beyond about 1000), for huge unequal sizes ((m/g)(n/g) >= 2^31), and for a few
two-sided tests with equal sizes where its closed form rounds above 1.
"""

from __future__ import annotations

import itertools
import json
import math
import pickle
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mlops_audit
from mlops_audit import errors as E
from mlops_audit.drift import KsResult, ks_2samp

scipy_stats = pytest.importorskip("scipy.stats")

# Tolerances for this file (the suite's general ones live in conftest.py).
P_RTOL = 1e-10  # p-values against SciPy and against the exact oracle
P_ATOL = 1e-300  # below this, both are underflow noise
ORACLE_MAX_CELLS = 2_500_000  # lattice cells the pure-Python oracle visits per call (~0.05 s)

ALTERNATIVES = ("two-sided", "less", "greater")
METHODS = ("auto", "exact", "asymp")
KINDS = ("shift", "ties", "identical", "disjoint")

# (m, n): sizes from 1 to 1e5, very unequal pairs, and both sides of the auto switch-over.
SIZES = [
    (1, 1), (1, 2), (2, 1), (3, 3), (5, 5), (4, 9), (7, 13), (25, 25), (40, 17), (100, 37),
    (150, 150), (300, 301), (400, 600), (1, 1000), (1000, 1), (1000, 1500), (2500, 2500),
    (3, 50_000), (50_000, 3), (9_999, 10_000), (10_000, 10_000), (10_001, 200),
    (30_000, 70_001), (99_999, 100_000), (100_000, 100_000),
]


def make_samples(m: int, n: int, kind: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng([seed, m, n, KINDS.index(kind)])
    if kind == "shift":  # continuous, a small location and scale change
        return rng.normal(0.0, 1.0, m), rng.normal(0.1, 1.1, n)
    if kind == "ties":  # heavy ties: integers in a small range
        return rng.integers(0, 6, m).astype(float), rng.integers(0, 6, n).astype(float)
    if kind == "identical":  # the same values (repeated or truncated to the other size)
        x = rng.normal(0.0, 1.0, m)
        return x, np.resize(x, n)
    if kind == "disjoint":
        return rng.normal(0.0, 1.0, m), rng.normal(100.0, 1.0, n)
    raise ValueError(kind)


# --------------------------------------------------------------------------------------
# The exact oracle: lattice paths counted with Python integers.
# --------------------------------------------------------------------------------------
def statistic_units(x, y, alternative: str) -> int:
    """The statistic in units of 1/lcm(m, n), exactly, from the definition (F - G at every
    pooled value)."""
    xs, ys = np.sort(np.asarray(x, float)), np.sort(np.asarray(y, float))
    m, n = xs.size, ys.size
    g = math.gcd(m, n)
    pooled = np.concatenate([xs, ys])
    i = np.searchsorted(xs, pooled, side="right").astype(object)
    j = np.searchsorted(ys, pooled, side="right").astype(object)
    u = i * (n // g) - j * (m // g)
    plus, minus = max(0, max(u)), max(0, max(-u))
    return {"greater": plus, "less": minus, "two-sided": max(plus, minus)}[alternative]


def oracle_pvalue(m: int, n: int, h: int, alternative: str) -> float:
    """P(D >= h/lcm) under the null: the share of the C(m+n, m) interleavings whose path
    reaches the boundary, counted exactly (Hodges 1958). One-sided tails of D+ and D- have
    the same distribution."""
    if h == 0:
        return 1.0
    g = math.gcd(m, n)
    mg, ng = m // g, n // g
    two_sided = alternative == "two-sided"
    prev: list[int] = []
    for i in range(m + 1):
        lo = max(0, (i * ng - h) // mg + 1)
        hi = min(n, (i * ng + h - 1) // mg) if two_sided else n
        row = [0] * (n + 1)
        if lo <= hi:
            seg = prev[lo : hi + 1] if i else [1] + [0] * (hi - lo)
            row[lo : hi + 1] = itertools.accumulate(seg)
        prev = row
    total = math.comb(m + n, m)
    return float(Fraction(total - prev[n], total))


def oracle_affordable(m: int, n: int) -> bool:
    return (m + 1) * (n + 1) <= ORACLE_MAX_CELLS


def test_oracle_matches_published_values():
    # Gnedenko-Korolyuk closed form for m = n = 10: P(D >= 0.6) = 15/286, P(D >= 0.7) = 30/2431.
    assert oracle_pvalue(10, 10, 6, "two-sided") == 15 / 286
    assert oracle_pvalue(10, 10, 7, "two-sided") == 30 / 2431
    assert oracle_pvalue(10, 10, 6, "greater") == 15 / 572
    # Disjoint samples: 2 of the C(m+n, m) interleavings.
    assert oracle_pvalue(5, 7, 35, "two-sided") == 2 / math.comb(12, 5)


# --------------------------------------------------------------------------------------
# Comparison with SciPy.
# --------------------------------------------------------------------------------------
def scipy_ks(x, y, alternative: str, method: str):
    """SciPy's result and whether SciPy abandoned the method asked for (or returned NaN)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = scipy_stats.ks_2samp(x, y, alternative=alternative, method=method)
    gave_up = any("ks_2samp" in str(w.message) for w in caught) or math.isnan(r.pvalue)
    return r, gave_up


def rel_diff(a: float, b: float) -> float:
    if a == b or (abs(a) <= P_ATOL and abs(b) <= P_ATOL):
        return 0.0
    return abs(a - b) / abs(b)


def expected_method(m: int, n: int, method: str) -> str:
    if method == "asymp":
        return "asymp"
    if method == "auto":
        return "exact" if max(m, n) <= 10_000 else "asymp"
    return "exact"


# Every measured relative difference, for the summary test at the end of the module.
AGREEMENT: dict[tuple[str, str], float] = {}
FALLBACKS: list[tuple] = []


def check_against_scipy(x, y, alternative: str, method: str) -> None:
    m, n = len(x), len(y)
    ours = ks_2samp(x, y, alternative=alternative, method=method)
    ref, gave_up = scipy_ks(x, y, alternative, method)

    # The statistic, where it is attained and its sign: exactly.
    assert ours.statistic == ref.statistic
    assert ours.statistic_location == ref.statistic_location
    assert ours.statistic_sign == ref.statistic_sign
    assert 0.0 <= ours.pvalue <= 1.0
    assert (ours.reference_size, ours.current_size) == (m, n)

    if not gave_up:
        if ours.method != expected_method(m, n, method):
            # Ours declines an exact walk of more than 5e8 lattice cells (seconds of work),
            # which only happens for astronomically small p-values; SciPy grinds through.
            assert ours.method == "asymp" and method == "exact"
            assert ours.pvalue < 1e-100 and ref.pvalue < 1e-100
            FALLBACKS.append(("ours", m, n, alternative, method, ours.pvalue, float(ref.pvalue)))
            return
        d = rel_diff(ours.pvalue, ref.pvalue)
        key = (method, alternative)
        AGREEMENT[key] = max(AGREEMENT.get(key, 0.0), d)
        assert d <= P_RTOL, (m, n, alternative, method, ours.pvalue, ref.pvalue)
        return

    # SciPy fell back (or returned NaN). Ours computed the exact p-value when affordable.
    FALLBACKS.append(("scipy", m, n, alternative, method, ours.method, ours.pvalue, float(ref.pvalue)))
    if ours.method == "exact" and oracle_affordable(m, n):
        h = statistic_units(x, y, alternative)
        exact = oracle_pvalue(m, n, h, alternative)
        assert rel_diff(ours.pvalue, exact) <= P_RTOL, (m, n, alternative, ours.pvalue, exact)
        if not math.isnan(ref.pvalue):
            # at least as close to the exact value (up to a rounding of the result)
            assert abs(ours.pvalue - exact) <= abs(ref.pvalue - exact) + 4e-16 * exact
    elif ours.method == "asymp":
        # Both fell back to the same asymptotic formula.
        assert rel_diff(ours.pvalue, ref.pvalue) <= P_RTOL


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("m,n", SIZES, ids=[f"{m}x{n}" for m, n in SIZES])
def test_agrees_with_scipy(m, n, kind):
    x, y = make_samples(m, n, kind)
    for alternative in ALTERNATIVES:
        for method in METHODS:
            if kind == "disjoint" and min(m, n) > 10_000 and method == "exact":
                continue  # SciPy's exact walk takes 10 s here; see test_exact_walk_limit
            check_against_scipy(x, y, alternative, method)


def test_exact_walk_limit():
    # Disjoint samples of 30 000 and 70 001: the exact two-sided walk would visit 2.1e9
    # lattice cells (SciPy spends about 10 s on it and returns 0.0). Ours declines beyond
    # 5e8 cells, reports method "asymp" and returns SciPy's asymptotic p-value (0.0 too).
    x, y = make_samples(30_000, 70_001, "disjoint")
    r = ks_2samp(x, y, method="exact")
    ref, _ = scipy_ks(x, y, "two-sided", "asymp")
    assert (r.method, r.statistic) == ("asymp", 1.0)
    assert r.pvalue == ref.pvalue == 0.0


@given(
    x=st.lists(st.integers(0, 5), min_size=1, max_size=40),
    y=st.lists(st.integers(0, 5), min_size=1, max_size=40),
    alternative=st.sampled_from(ALTERNATIVES),
    method=st.sampled_from(METHODS),
)
def test_agrees_with_scipy_on_small_tied_samples(x, y, alternative, method):
    check_against_scipy(np.asarray(x, float), np.asarray(y, float), alternative, method)


@pytest.mark.parametrize("seed", range(8))
def test_exact_p_values_match_the_integer_oracle(seed):
    rng = np.random.default_rng(seed)
    for _ in range(6):
        m, n = (int(v) for v in rng.integers(1, 60, 2))
        x = rng.normal(0.0, 1.0, m)
        y = rng.normal(rng.uniform(-1.5, 1.5), 1.0, n)
        if rng.random() < 0.5:
            x, y = np.round(x), np.round(y)  # ties
        for alternative in ALTERNATIVES:
            r = ks_2samp(x, y, alternative=alternative, method="exact")
            exact = oracle_pvalue(m, n, statistic_units(x, y, alternative), alternative)
            assert r.method == "exact"
            assert rel_diff(r.pvalue, exact) <= P_RTOL, (m, n, alternative, r.pvalue, exact)


@pytest.mark.parametrize("m,n", [(500, 700), (700, 500), (450, 800)])
@pytest.mark.parametrize("alternative", ["less", "greater"])
def test_where_scipy_gives_up_ours_is_exact(m, n, alternative):
    """One-sided exact p-values with unequal sizes once C(m+n, m) overflows: SciPy warns and
    returns the asymptotic value; ours is the exact one (checked against the oracle) and is
    closer to it."""
    rng = np.random.default_rng([m, n])
    x, y = rng.normal(0.0, 1.0, m), rng.normal(0.15, 1.0, n)
    ours = ks_2samp(x, y, alternative=alternative, method="exact")
    ref, gave_up = scipy_ks(x, y, alternative, "exact")
    assert gave_up
    assert ours.method == "exact"
    exact = oracle_pvalue(m, n, statistic_units(x, y, alternative), alternative)
    assert rel_diff(ours.pvalue, exact) <= P_RTOL
    assert abs(ours.pvalue - exact) < abs(ref.pvalue - exact)


def test_equal_sizes_match_the_closed_form_in_integers():
    # m = n: the Gnedenko-Korolyuk closed form 2 sum (-1)^(k+1) C(2n, n-kh) / C(2n, n),
    # evaluated in exact integer arithmetic.
    n = 30_000
    x, y = make_samples(n, n, "shift", seed=3)
    r = ks_2samp(x, y, method="exact")
    h = statistic_units(x, y, "two-sided")
    total = math.comb(2 * n, n)
    s, k = 0, 1
    while k * h <= n:
        s += (-1) ** (k + 1) * math.comb(2 * n, n - k * h)
        k += 1
    assert r.method == "exact"
    assert rel_diff(r.pvalue, float(Fraction(2 * s, total))) <= P_RTOL


def test_huge_unequal_exact_request_falls_back_like_scipy():
    x, y = make_samples(99_999, 100_000, "shift")
    r = ks_2samp(x, y, alternative="greater", method="exact")
    ref, gave_up = scipy_ks(x, y, "greater", "exact")
    assert gave_up
    assert r.method == "asymp"
    assert rel_diff(r.pvalue, ref.pvalue) <= P_RTOL


# --------------------------------------------------------------------------------------
# The result object and errors.
# --------------------------------------------------------------------------------------
def test_result_object():
    r = ks_2samp(np.arange(10.0), np.arange(6.0, 16.0))
    assert isinstance(r, KsResult)
    assert r.pvalue == pytest.approx(15 / 286, rel=1e-12)
    assert (r.method, r.alternative, r.statistic_sign) == ("exact", "two-sided", 1)
    stat, p = r  # unpacks like SciPy's result
    assert (stat, p) == (r.statistic, r.pvalue)
    d = r.to_dict()
    assert d == json.loads(r.to_json())
    assert set(d) == {
        "test", "statistic", "pvalue", "method", "statistic_location", "statistic_sign",
        "alternative", "reference_size", "current_size",
    }
    assert repr(r).startswith("KsResult(statistic=0.6, pvalue=0.052447552447552")
    assert "method='exact'" in repr(r)
    back = pickle.loads(pickle.dumps(r))
    assert back == r and back.to_dict() == d
    assert {"KsResult", "ks_2samp"} <= set(mlops_audit.drift.__all__)


def test_accepts_the_usual_containers():
    pd = pytest.importorskip("pandas")
    x = [0.1, 0.5, 0.9, 1.3, 2.0, 2.0]
    y = [1.0, 1.7, 2.2, 2.9]
    expected = ks_2samp(np.asarray(x), np.asarray(y))
    strided = np.repeat(np.asarray(x), 2)[::2]  # a non-contiguous view
    for a, b in [(x, y), (tuple(x), pd.Series(y)), (strided, np.asarray(y)[::-1])]:
        assert ks_2samp(a, b) == expected
    # Integers convert exactly.
    assert ks_2samp(np.arange(10), np.arange(6, 16)) == ks_2samp(
        np.arange(10.0), np.arange(6.0, 16.0)
    )


@pytest.mark.parametrize(
    "reference,current,cls,attrs",
    [
        ([], [1.0], E.EmptyInputError, dict(input="reference")),
        ([1.0], np.array([]), E.EmptyInputError, dict(input="current")),
        ([1.0, np.nan], [1.0], E.NonFiniteError, dict(input="reference", index=1)),
        ([1.0], [0.0, 2.0, np.inf], E.NonFiniteError, dict(input="current", index=2, value=math.inf)),
        ([1.0], [-np.inf], E.NonFiniteError, dict(input="current", index=0, value=-math.inf)),
    ],
)
def test_input_errors(reference, current, cls, attrs):
    with pytest.raises(cls) as e:
        ks_2samp(reference, current)
    assert isinstance(e.value, ValueError)
    for k, v in attrs.items():
        assert getattr(e.value, k) == v
    back = pickle.loads(pickle.dumps(e.value))
    assert type(back) is cls and repr(back.details) == repr(e.value.details)


def test_missing_values_and_bad_types():
    pd = pytest.importorskip("pandas")
    with pytest.raises(E.MissingValueError) as e:
        ks_2samp([1.0, 2.0], pd.Series([1.0, None, 3.0], dtype="Float64"))
    assert (e.value.input, e.value.index) == ("current", 1)
    with pytest.raises(E.InputTypeError):
        ks_2samp(np.ones((2, 2)), [1.0])
    with pytest.raises(E.InputTypeError):
        ks_2samp(["a", "b"], [1.0])


@pytest.mark.parametrize(
    "kwargs,name",
    [(dict(alternative="two_sided"), "alternative"), (dict(method="permutation"), "method")],
)
def test_parameter_errors(kwargs, name):
    with pytest.raises(E.ParameterError) as e:
        ks_2samp([1.0, 2.0], [3.0], **kwargs)
    assert isinstance(e.value, ValueError)
    assert e.value.name == name


def test_agreement_summary():
    """Runs last in this module: the largest relative p-value difference from SciPy per
    (method, alternative), and the cases where SciPy fell back (shown with ``-s``)."""
    if not AGREEMENT:
        pytest.skip("run with the rest of the module")
    for key, d in sorted(AGREEMENT.items()):
        print(f"max relative p-value difference {key}: {d:.2e}")
        assert d <= P_RTOL
    for fb in FALLBACKS:
        print("SciPy fell back:", fb)
