"""Missing values and unseen categories as drift signals, against statsmodels
(``proportions_ztest``, 1e-10 relative) and SciPy (``fisher_exact``, 1e-10 relative), with
the counts checked against plain numpy/Python counting."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st
from conftest import RTOL_INDEPENDENT
from hypothesis import given
from hypothesis import strategies as hs
from statsmodels.stats.proportion import proportions_ztest

from mlops_audit import errors
from mlops_audit.drift import missing_rate_drift, numeric_missing_drift, unseen_category_drift


def _check_rate(r, x0: int, n0: int, x: int, n: int) -> None:
    assert (r.reference_count, r.reference_total, r.current_count, r.current_total) == (x0, n0, x, n)
    assert r.reference_rate == x0 / n0 and r.current_rate == x / n
    assert math.isclose(r.difference, x / n - x0 / n0, rel_tol=1e-15, abs_tol=1e-17)
    h = 2 * math.asin(math.sqrt(x / n)) - 2 * math.asin(math.sqrt(x0 / n0))
    assert math.isclose(r.cohens_h, h, rel_tol=1e-14, abs_tol=1e-15)
    fisher = st.fisher_exact([[x, n - x], [x0, n0 - x0]])
    assert math.isclose(r.fisher_pvalue, fisher.pvalue, rel_tol=RTOL_INDEPENDENT)
    pooled = (x + x0) / (n + n0)
    if 0 < pooled < 1:
        z, p = proportions_ztest([x, x0], [n, n0])
        assert math.isclose(r.statistic, z, rel_tol=RTOL_INDEPENDENT)
        assert math.isclose(r.z_pvalue, p, rel_tol=RTOL_INDEPENDENT)
    else:
        assert r.statistic is None and r.z_pvalue is None
    expected = np.outer([n, n0], [x + x0, n + n0 - x - x0]) / (n + n0)
    assert math.isclose(r.min_expected, expected.min(), rel_tol=1e-14)
    if expected.min() >= 5 and r.statistic is not None:
        assert r.pvalue_test == "z" and r.pvalue == r.z_pvalue
    else:
        assert r.pvalue_test == "fisher" and r.pvalue == r.fisher_pvalue


@pytest.mark.parametrize("seed", range(40))
def test_rate_drift_matches_statsmodels_and_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n0 = int(rng.integers(1, 5000)) if seed % 2 else int(rng.integers(1, 30))
    n = int(rng.integers(1, 3000)) if seed % 2 else int(rng.integers(1, 30))
    p0 = rng.choice([0.0, 0.01, 0.1, 0.4])
    x0 = int(rng.binomial(n0, p0))
    x = int(rng.binomial(n, min(1.0, p0 * rng.choice([1.0, 1.5, 3.0]))))
    _check_rate(missing_rate_drift(x0, n0, x, n), x0, n0, x, n)


@given(hs.integers(1, 60), hs.integers(1, 60), hs.data())
def test_rate_drift_small_counts(n0: int, n: int, data) -> None:
    x0 = data.draw(hs.integers(0, n0))
    x = data.draw(hs.integers(0, n))
    _check_rate(missing_rate_drift(x0, n0, x, n), x0, n0, x, n)


def test_numeric_missing_counts_each_kind() -> None:
    rng = np.random.default_rng(8)
    ref = rng.normal(0, 1, 5000)
    ref[rng.random(5000) < 0.02] = np.nan
    cur = rng.normal(0, 1, 1200)
    cur[rng.random(1200) < 0.05] = np.nan
    cur[:7] = np.inf
    cur[7:10] = -np.inf
    r = numeric_missing_drift(ref, cur)
    for got, arr in ((r.reference, ref), (r.current, cur)):
        assert got["total"] == arr.size
        assert got["nan"] == int(np.isnan(arr).sum())
        assert got["pos_inf"] == int(np.isposinf(arr).sum())
        assert got["neg_inf"] == int(np.isneginf(arr).sum())
        assert got["missing"] == int((~np.isfinite(arr)).sum())
    _check_rate(r, r.reference["missing"], ref.size, r.current["missing"], cur.size)
    assert r.pvalue_test == "z" and r.pvalue < 1e-6


def test_numeric_missing_reads_lists_with_none_and_masked_arrays() -> None:
    r = numeric_missing_drift([1.0, None, 3.0, 4.0], np.ma.masked_invalid([1.0, np.nan, np.inf]))
    assert r.reference["nan"] == 1 and r.current["missing"] == 2


def test_unseen_categories_named_and_counted() -> None:
    ref = {"rent": 300, "own": 500, "mortgage": 200, "other": 0}
    cur = [("rent", 80), ("own", 90), ("crypto", 25), ("mortgage", 40), ("other", 3), ("x", 0)]
    r = unseen_category_drift(ref, cur)
    assert r.unseen == [{"name": "crypto", "count": 25}, {"name": "other", "count": 3}]
    _check_rate(r, 0, 1000, 28, 238)


@given(
    hs.dictionaries(hs.sampled_from("abcdefgh"), hs.integers(0, 50), min_size=1),
    hs.dictionaries(hs.sampled_from("abcdefghij"), hs.integers(0, 50), min_size=1),
)
def test_unseen_categories_against_set_logic(ref, cur) -> None:
    if sum(ref.values()) == 0 or sum(cur.values()) == 0:
        with pytest.raises(errors.EmptyInputError):
            unseen_category_drift(ref, cur)
        return
    r = unseen_category_drift(ref, cur)
    expected = [{"name": k, "count": v} for k, v in cur.items() if v > 0 and ref.get(k, 0) == 0]
    assert r.unseen == expected
    _check_rate(r, 0, sum(ref.values()), sum(e["count"] for e in expected), sum(cur.values()))


def test_bad_input_raises_named_errors() -> None:
    with pytest.raises(errors.OutOfRangeError):
        missing_rate_drift(5, 4, 1, 10)
    with pytest.raises(errors.EmptyInputError) as e:
        missing_rate_drift(0, 0, 1, 10)
    assert e.value.input == "reference"
    with pytest.raises(errors.OutOfRangeError):
        missing_rate_drift(-1, 4, 1, 10)
    with pytest.raises(errors.EmptyInputError):
        numeric_missing_drift([], [1.0])
    with pytest.raises(errors.InputError):
        unseen_category_drift([("a", 1), ("a", 2)], {"a": 1})
    with pytest.raises(errors.OutOfRangeError):
        unseen_category_drift({"a": 1}, {"a": -1})
