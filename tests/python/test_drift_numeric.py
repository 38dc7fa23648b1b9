"""Numeric drift measures and multiple-testing corrections against independent oracles.

- ``wasserstein``: ``scipy.stats.wasserstein_distance`` to 1e-12 relative (same
  definition, summation order differs); the normalised value against ``numpy.std(ddof=0)``.
- ``psi``: bin edges against ``numpy.quantile`` (linear rule), counts against
  ``numpy.histogram`` plus the two overflow bins, PSI against its formula on the smoothed
  proportions, the JS distance against ``scipy.spatial.distance.jensenshannon`` (natural
  log), all to 1e-12 relative (1e-12 absolute near zero).
- ``multipletests``: ``statsmodels.stats.multitest.multipletests`` for bonferroni, holm and
  fdr_bh, adjusted p-values and reject flags **exactly** (bitwise equality).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st
from hypothesis import given
from hypothesis import strategies as hs
from scipy.spatial.distance import jensenshannon
from statsmodels.stats.multitest import multipletests as sm_multipletests

from mlops_audit import errors
from mlops_audit.drift import multipletests, psi, wasserstein

# Tolerances for this file (see the module docstring).
RTOL_SAME_DEFINITION = 1e-12
ATOL_NEAR_ZERO = 1e-12

SEEDS = range(12)


def _sample(rng: np.random.Generator, kind: str, n: int, shift: float = 0.0) -> np.ndarray:
    if kind == "normal":
        return rng.normal(shift, 1.0, n)
    if kind == "ties":
        return np.round(rng.normal(shift, 1.0, n), 1)
    return rng.lognormal(shift, 1.0, n)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", ["normal", "ties", "lognormal"])
def test_wasserstein_matches_scipy(seed: int, kind: str) -> None:
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(1, 3000)), int(rng.integers(1, 3000))
    ref = _sample(rng, kind, m)
    cur = _sample(rng, kind, n, shift=rng.uniform(-1, 1))
    r = wasserstein(ref, cur)
    want = st.wasserstein_distance(ref, cur)
    assert math.isclose(r.distance, want, rel_tol=RTOL_SAME_DEFINITION, abs_tol=1e-300)
    assert r.statistic == r.distance and r.pvalue is None
    sd = float(np.std(ref))  # population standard deviation, ddof=0
    assert math.isclose(r.reference_std, sd, rel_tol=1e-12)
    if sd > 0:
        assert math.isclose(r.normalized, want / sd, rel_tol=RTOL_SAME_DEFINITION)
    assert (r.reference_size, r.current_size) == (m, n)


def test_wasserstein_constant_reference_and_errors() -> None:
    r = wasserstein([3.0, 3.0], [4.0])
    assert r.normalized is None and r.distance == 1.0
    with pytest.raises(errors.EmptyInputError):
        wasserstein([], [1.0])
    with pytest.raises(errors.NonFiniteError) as e:
        wasserstein([1.0], [0.0, np.inf])
    assert e.value.index == 1 and e.value.input == "current"


def _psi_oracle(ref: np.ndarray, cur: np.ndarray, edges: np.ndarray, eps: float):
    def counts(x: np.ndarray) -> np.ndarray:
        if len(edges) == 1:
            inner = np.array([np.sum(x == edges[0])])
        else:
            inner = np.histogram(x, bins=edges)[0]
        return np.concatenate([[np.sum(x < edges[0])], inner, [np.sum(x > edges[-1])]])

    rc, cc = counts(ref), counts(cur)
    rp, cp = rc / rc.sum(), cc / cc.sum()
    k = len(rp)
    rs, cs = (rp + eps) / (1 + k * eps), (cp + eps) / (1 + k * eps)
    return rc, cc, float(np.sum((cs - rs) * np.log(cs / rs))), float(jensenshannon(rp, cp))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("bins", [1, 4, 10, 20])
@pytest.mark.parametrize("kind", ["normal", "ties"])
def test_psi_quantile_bins_match_numpy_and_scipy(seed: int, bins: int, kind: str) -> None:
    rng = np.random.default_rng(seed)
    ref = _sample(rng, kind, int(rng.integers(1, 2000)))
    cur = _sample(rng, kind, int(rng.integers(1, 2000)), shift=rng.uniform(-2, 2))
    r = psi(ref, cur, bins=bins)
    edges = np.unique(np.quantile(ref, np.arange(bins + 1) / bins))
    np.testing.assert_allclose(r.edges, edges, rtol=1e-15, atol=0)
    rc, cc, want_psi, want_js = _psi_oracle(ref, cur, np.asarray(r.edges), 1e-4)
    assert r.reference_counts == rc.tolist() and r.current_counts == cc.tolist()
    assert math.isclose(r.psi, want_psi, rel_tol=RTOL_SAME_DEFINITION, abs_tol=ATOL_NEAR_ZERO)
    assert math.isclose(
        r.js_distance, want_js, rel_tol=RTOL_SAME_DEFINITION, abs_tol=ATOL_NEAR_ZERO
    )
    assert r.statistic == r.psi and r.pvalue is None


def test_psi_given_edges_overflow_and_epsilon() -> None:
    ref = np.array([0.0, 1.0, 2.0, 3.0])
    cur = np.array([-5.0, 0.5, 3.0, 9.0, 10.0])
    for eps in (1e-6, 1e-4, 1e-2):
        r = psi(ref, cur, edges=[0.0, 1.5, 3.0], epsilon=eps)
        assert r.reference_counts == [0, 2, 2, 0] and r.current_counts == [1, 1, 1, 2]
        _, _, want_psi, want_js = _psi_oracle(ref, cur, np.array([0.0, 1.5, 3.0]), eps)
        assert math.isclose(r.psi, want_psi, rel_tol=RTOL_SAME_DEFINITION)
        assert math.isclose(r.js_distance, want_js, rel_tol=RTOL_SAME_DEFINITION)
    # smaller smoothing: larger PSI when mass lands in bins empty in the reference
    assert psi(ref, cur, edges=[0, 1.5, 3], epsilon=1e-6).psi > psi(ref, cur, edges=[0, 1.5, 3]).psi


@pytest.mark.parametrize(
    "kwargs, name",
    [({"bins": 0}, "bins"), ({"edges": [1.0, 1.0]}, "edges"), ({"edges": [0.0, np.inf]}, "edges"),
     ({"epsilon": 0.0}, "epsilon"), ({"epsilon": float("nan")}, "epsilon")],
)
def test_psi_bad_parameters(kwargs, name) -> None:
    with pytest.raises(errors.ParameterError) as e:
        psi([1.0, 2.0], [1.0], **kwargs)
    assert e.value.name == name


@given(
    hs.lists(hs.floats(0, 1), min_size=0, max_size=40),
    hs.sampled_from(["bonferroni", "holm", "fdr_bh"]),
    hs.sampled_from([0.01, 0.05, 0.1, 0.5]),
)
def test_multipletests_matches_statsmodels_exactly(pvals, method, alpha) -> None:
    # Include ties and the ends of [0, 1] often.
    pvals = pvals + [pvals[0]] * 2 if pvals else [0.0, 1.0, 0.05]
    r = multipletests(pvals, alpha=alpha, method=method)
    reject, corrected, _, _ = sm_multipletests(np.array(pvals), alpha=alpha, method=method)
    assert r.reject == reject.tolist()
    assert r.pvalues_corrected == corrected.tolist()  # bitwise
    assert r.method == method and r.alpha == alpha


@pytest.mark.parametrize("seed", SEEDS)
def test_multipletests_realistic_pvalues(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(size=50), rng.beta(0.2, 5, size=20)])
    for method in ("bonferroni", "holm", "fdr_bh"):
        r = multipletests(p, method=method)
        reject, corrected, _, _ = sm_multipletests(p, alpha=0.05, method=method)
        assert r.reject == reject.tolist() and r.pvalues_corrected == corrected.tolist()


def test_multipletests_errors() -> None:
    with pytest.raises(errors.OutOfRangeError) as e:
        multipletests([0.1, 1.2])
    assert e.value.index == 1
    with pytest.raises(errors.OutOfRangeError):
        multipletests([-0.1])
    for alpha in (0.0, 1.0, -1.0):
        with pytest.raises(errors.ParameterError):
            multipletests([0.1], alpha=alpha)
    with pytest.raises(errors.ParameterError):
        multipletests([0.1], method="hommel")
