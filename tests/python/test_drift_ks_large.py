"""``ks_2samp`` on large samples, where the extremes of F - G are found by bucketing instead
of sorting (from 16 Ki pooled values on), against ``scipy.stats.ks_2samp`` (SciPy 1.17.1):
the statistic and its location exactly, the asymptotic p-value to 1e-10 relative; on distributions
chosen to stress the buckets: heavy ties, values spanning many binades, both signs with
zeros (``-0.0`` included), extreme outliers, and one sample much smaller than the other."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st
from conftest import RTOL_INDEPENDENT

from mlops_audit.drift import ks_2samp


def _draw(rng: np.random.Generator, kind: str, n: int, shift: float) -> np.ndarray:
    if kind == "normal6":
        return np.round(rng.normal(shift, 1.0, n), 6)
    if kind == "ties":
        return np.round(rng.normal(shift, 1.0, n) * 3)  # about 25 distinct values
    if kind == "lognormal":
        return rng.lognormal(shift, 4.0, n)  # dozens of binades
    if kind == "zeros":
        x = np.round(rng.normal(shift, 0.5, n), 2)
        x[rng.random(n) < 0.2] = -0.0
        return x
    if kind == "outliers":
        x = rng.normal(shift, 1.0, n)
        x[rng.integers(0, n, 3)] = [1e300, -1e300, 5e-324]
        return x
    raise ValueError(kind)


@pytest.mark.parametrize("kind", ["normal6", "ties", "lognormal", "zeros", "outliers"])
@pytest.mark.parametrize(("m", "n"), [(10_000, 8_000), (60_000, 50_000), (150_000, 300)])
@pytest.mark.parametrize("shift", [0.0, 0.02])
def test_large_samples_match_scipy(kind: str, m: int, n: int, shift: float) -> None:
    rng = np.random.default_rng([m, n, int(shift * 100), len(kind)])
    x, y = _draw(rng, kind, m, 0.0), _draw(rng, kind, n, shift)
    for alternative in ("two-sided", "less", "greater"):
        # method="asymp": at 10 000 values SciPy abandons its exact p-value with a warning,
        # which this package still computes (tests/python/test_drift_ks.py covers that).
        r = ks_2samp(x, y, alternative=alternative, method="asymp")
        s = st.ks_2samp(x, y, alternative=alternative, method="asymp")
        assert r.statistic == s.statistic, (alternative, r.statistic, s.statistic)
        assert r.statistic_location == s.statistic_location
        assert r.statistic_sign == s.statistic_sign
        assert math.isclose(r.pvalue, s.pvalue, rel_tol=RTOL_INDEPENDENT, abs_tol=1e-300)
