"""The paired bootstrap against independent recomputations.

Each replicate's difference is recomputed from the replicate's row multiplicities with
scikit-learn (``roc_auc_score``/``brier_score_loss`` with ``sample_weight=multiplicities``)
and plain numpy (cost, FPR gap); the percentile and BCa intervals are recomputed in numpy
from those replicates and a leave-one-out jackknife done with scikit-learn; the intervals
agree with ``scipy.stats.bootstrap(paired=True)`` within Monte-Carlo error.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st
from hypothesis import assume, given, settings
from hypothesis import strategies as st_h
from sklearn.metrics import brier_score_loss, roc_auc_score

from conftest import ATOL, MC_SE_TOL, RTOL, assert_close
from mlops_audit import errors
from mlops_audit._mlops_audit import _set_parallelism
from mlops_audit.compare import _replicate_multiplicities, paired_bootstrap
from mlops_audit.metrics import CostMatrix


def _data(seed: int, n: int, ties: bool, weighted: bool, n_groups: int = 3):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.4).astype(np.int64)
    a = 1 / (1 + np.exp(-(0.8 * (2 * y - 1) + rng.normal(0, 1, n))))
    b = 1 / (1 + np.exp(-(1.1 * (2 * y - 1) + rng.normal(0, 1, n))))
    if ties:
        a, b = np.round(a, 1), np.round(b, 1)
    w = rng.integers(0, 4, n).astype(float) if weighted else None
    if w is not None:  # both classes keep some weight
        w[np.flatnonzero(y == 1)[0]] = 1.0
        w[np.flatnonzero(y == 0)[0]] = 1.0
    g = np.array(["a", "b", "c", "d"][:n_groups])[rng.integers(0, n_groups, n)]
    return y, a, b, w, g


def _metric(name, y, s, w, t=None, cost=None, g=None):
    """The metric of one model with row weights w, by scikit-learn or numpy masks; None
    where undefined."""
    w = np.ones_like(s) if w is None else w
    if name == "auc":
        if w[y == 1].sum() == 0 or w[y == 0].sum() == 0:
            return None
        return roc_auc_score(y, s, sample_weight=w)
    if name == "brier":
        return brier_score_loss(y, s, sample_weight=w)
    if name == "cost":
        fn_c, fp_c = cost
        pred = s >= t
        total = fn_c * w[(y == 1) & ~pred].sum() + fp_c * w[(y == 0) & pred].sum()
        return total / w.sum()
    if name == "max_fpr_gap":
        rates = []
        for level in np.unique(g):
            neg = (y == 0) & (g == level)
            if w[neg].sum() == 0:
                return None
            rates.append(w[neg & (s >= t)].sum() / w[neg].sum())
        return max(rates) - min(rates)
    raise ValueError(name)


def _diff(name, y, a, b, w, **kw):
    ma, mb = _metric(name, y, a, w, **kw), _metric(name, y, b, w, **kw)
    return None if ma is None or mb is None else mb - ma


CASES = [
    # metric, keyword arguments of paired_bootstrap, keyword arguments of _metric
    ("auc", {}, {}),
    ("brier", {}, {}),
    ("cost", {"threshold": (0.3, 0.4), "cost": CostMatrix(5.0, 1.0)},
     {"cost": (5.0, 1.0)}),
    ("max_fpr_gap", {"threshold": 0.5}, {"t": 0.5}),
]


@pytest.mark.parametrize("metric,opts,oracle_opts", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_every_replicate_matches_sklearn_and_numpy(metric, opts, oracle_opts, ties, weighted):
    n, B, seed = 80, 150, 11
    y, a, b, w, g = _data(5 + ties + 2 * weighted, n, ties, weighted)
    extra = {"groups": g} if metric == "max_fpr_gap" else {}
    r = paired_bootstrap(y, a, b, metric=metric, n_resamples=B, seed=seed, sample_weight=w,
                         **opts, **extra)
    m = _replicate_multiplicities(n, seed=seed, n_replicates=B)
    assert m.shape == (B, n) and (m.sum(axis=1) == n).all()

    def oracle(y, a, b, w):
        kw = dict(oracle_opts)
        if metric == "cost":
            # separate thresholds: cost of each model at its own threshold
            ca = _metric("cost", y, a, w, t=0.3, cost=kw["cost"])
            cb = _metric("cost", y, b, w, t=0.4, cost=kw["cost"])
            return cb - ca
        if metric == "max_fpr_gap":
            kw["g"] = g
        return _diff(metric, y, a, b, w, **kw)

    assert math.isclose(r.difference, oracle(y, a, b, w), rel_tol=RTOL, abs_tol=ATOL)
    assert r.statistic == r.difference
    base = np.ones(n) if w is None else w
    expected = [oracle(y, a, b, mult * base) for mult in m]
    assert len(r.replicates) == B
    for got, exp in zip(r.replicates, expected):
        assert (got is None) == (exp is None)
        if exp is not None:
            assert math.isclose(got, exp, rel_tol=RTOL, abs_tol=ATOL), (got, exp)
    n_bad = sum(e is None for e in expected)
    assert r.degenerate_resamples == n_bad and r.valid_resamples == B - n_bad
    assert r.seed == seed and r.n_resamples == B

    # Percentile interval, standard error and p-value from the oracle's replicates.
    d = np.array([e for e in expected if e is not None])
    alpha = (1 - r.confidence_level) / 2
    assert_close([r.percentile_low, r.percentile_high], np.percentile(d, [100 * alpha, 100 * (1 - alpha)]))
    assert math.isclose(r.std_error, d.std(ddof=1), rel_tol=1e-10, abs_tol=ATOL)
    p = min(1.0, 2 * (1 + min((d <= 0).sum(), (d >= 0).sum())) / (d.size + 1))
    assert math.isclose(r.pvalue, p, rel_tol=RTOL)

    # BCa from the replicates and a jackknife (leave each row out, recompute the oracle).
    jack = []
    for i in range(n):
        keep = np.ones(n)
        keep[i] = 0.0
        jack.append(oracle(y, a, b, keep * base))
    if any(j is None for j in jack):
        assert r.bca_low is None
        return
    jack = np.array(jack)
    z0 = st.norm.ppf(((d < r.difference).sum() + (d <= r.difference).sum()) / (2 * d.size))
    u = jack.mean() - jack
    acc = (u**3).sum() / (6 * ((u**2).sum()) ** 1.5)
    assert math.isclose(r.acceleration, acc, rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(r.bias_correction, z0, rel_tol=1e-12, abs_tol=1e-12)
    za = st.norm.ppf(alpha)
    a1 = st.norm.cdf(z0 + (z0 + za) / (1 - acc * (z0 + za)))
    a2 = st.norm.cdf(z0 + (z0 - za) / (1 - acc * (z0 - za)))
    assert_close([r.bca_low, r.bca_high], np.percentile(d, [100 * a1, 100 * a2]), rtol=1e-9)


@pytest.mark.parametrize("metric", ["auc", "brier"])
def test_intervals_agree_with_scipy_bootstrap(metric):
    """Same estimator, different random draws: endpoints agree within Monte-Carlo error."""
    n, B = 300, 2000
    y, a, b, _, _ = _data(3, n, False, False)

    def auc(y, s, axis=-1):
        # Mann-Whitney form with midranks, vectorised over scipy's resample batches.
        ranks = st.rankdata(s, axis=axis)
        p = y.sum(axis=axis)
        return ((ranks * y).sum(axis=axis) - p * (p + 1) / 2) / (p * (y.shape[axis] - p))

    if metric == "auc":
        def stat(y, a, b, axis=-1):
            return auc(y, b, axis) - auc(y, a, axis)
    else:
        def stat(y, a, b, axis=-1):
            return ((b - y) ** 2).mean(axis=axis) - ((a - y) ** 2).mean(axis=axis)

    assert math.isclose(stat(y, a, b), (roc_auc_score(y, b) - roc_auc_score(y, a)) if metric == "auc"
                        else brier_score_loss(y, b) - brier_score_loss(y, a), rel_tol=1e-12)
    for method, low, high in [("percentile", "percentile_low", "percentile_high"),
                              ("BCa", "bca_low", "bca_high")]:
        ref = st.bootstrap((y, a, b), stat, paired=True, vectorized=True, n_resamples=B,
                           method=method, rng=np.random.default_rng(1))
        r = paired_bootstrap(y, a, b, metric=metric, n_resamples=B, seed=2)
        se = ref.standard_error
        assert abs(r.std_error - se) < 0.1 * se
        assert abs(r[low] - ref.confidence_interval.low) < MC_SE_TOL * se
        assert abs(r[high] - ref.confidence_interval.high) < MC_SE_TOL * se


def test_identical_models_and_swapped_models():
    y, a, b, w, _ = _data(9, 120, True, True)
    same = paired_bootstrap(y, a, a, n_resamples=200, seed=4, sample_weight=w)
    assert same.difference == 0 and all(d == 0 for d in same.replicates if d is not None)
    assert same.pvalue == 1.0 and same.std_error == 0
    ab = paired_bootstrap(y, a, b, n_resamples=200, seed=4, sample_weight=w)
    ba = paired_bootstrap(y, b, a, n_resamples=200, seed=4, sample_weight=w)
    assert ba.difference == -ab.difference
    assert [(-d if d is not None else None) for d in ab.replicates] == ba.replicates
    assert math.isclose(ba.percentile_low, -ab.percentile_high, rel_tol=RTOL, abs_tol=ATOL)
    assert ab.pvalue == ba.pvalue


def test_seed_decides_and_threads_do_not():
    y, a, b, _, _ = _data(1, 500, False, False)
    r1 = paired_bootstrap(y, a, b, n_resamples=300, seed=8)
    _set_parallelism(False)
    try:
        r2 = paired_bootstrap(y, a, b, n_resamples=300, seed=8)
    finally:
        _set_parallelism(True)
    assert r1 == r2
    assert paired_bootstrap(y, a, b, n_resamples=300, seed=9).replicates != r1.replicates


def test_degenerate_replicates_are_counted():
    y = np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    a = np.linspace(0, 1, 10)
    b = a[::-1].copy()
    r = paired_bootstrap(y, a, b, n_resamples=400, seed=3)
    m = _replicate_multiplicities(10, seed=3, n_replicates=400)
    missing = m[:, 0] == 0  # the only positive was not drawn
    assert r.degenerate_resamples == int(missing.sum()) > 0
    assert [d is None for d in r.replicates] == list(missing)
    assert r.valid_resamples + r.degenerate_resamples == 400


def test_errors():
    y, a, b, _, g = _data(2, 50, False, False)
    with pytest.raises(errors.ParameterError):
        paired_bootstrap(y, a, b, metric="accuracy")
    with pytest.raises(errors.ParameterError):
        paired_bootstrap(y, a, b, metric="max_fpr_gap", threshold=0.5)
    with pytest.raises(errors.ParameterError):
        paired_bootstrap(y, a, b, metric="max_fpr_gap", groups=g)
    with pytest.raises(errors.ParameterError):
        paired_bootstrap(y, a, b, groups=g)  # AUC resampling is not stratified
    with pytest.raises(errors.ParameterError):
        paired_bootstrap(y, a, b, threshold=0.5)
    with pytest.raises(errors.ParameterError):
        paired_bootstrap(y, a, b, n_resamples=1)
    with pytest.raises(errors.ParameterError):
        paired_bootstrap(y, a, b, confidence_level=1.0)
    with pytest.raises(errors.OutOfRangeError):
        paired_bootstrap(y, a, b + 1.0, metric="brier")
    with pytest.raises(errors.UndefinedMetricError):
        paired_bootstrap(np.zeros(50, dtype=int), a, b)
    with pytest.raises(errors.LengthMismatchError):
        paired_bootstrap(y, a, b[:-1])
    bad = a.copy()
    bad[3] = np.nan
    with pytest.raises(errors.NonFiniteError) as e:
        paired_bootstrap(y, bad, b)
    assert e.value.index == 3 and e.value.input == "score_champion"


def test_result_object():
    y, a, b, _, _ = _data(2, 60, False, False)
    r = paired_bootstrap(y, a, b, n_resamples=50, seed=1)
    assert r.test == "PairedBootstrapResult"
    assert r.to_dict()["difference"] == r.difference
    assert "difference" in repr(r) and '"seed": 1' in r.to_json()


@settings(max_examples=60)
@given(
    rows=st_h.lists(
        st_h.tuples(st_h.integers(0, 1), st_h.sampled_from([0.0, 0.2, 0.5, 0.5, 0.9, 1.0]),
                    st_h.sampled_from([0.0, 0.2, 0.5, 0.9, 1.0]),
                    st_h.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0])),
        min_size=2, max_size=12),
    metric=st_h.sampled_from(["auc", "brier"]),
    seed=st_h.integers(0, 2**64 - 1),
)
def test_tiny_tied_weighted_samples_match_sklearn(rows, metric, seed):
    y = np.array([r[0] for r in rows])
    a = np.array([r[1] for r in rows])
    b = np.array([r[2] for r in rows])
    w = np.array([r[3] for r in rows])
    assume(w.sum() > 0)
    observed = _diff(metric, y, a, b, w)
    if observed is None:
        with pytest.raises(errors.UndefinedMetricError):
            paired_bootstrap(y, a, b, metric=metric, n_resamples=20, seed=seed, sample_weight=w)
        return
    r = paired_bootstrap(y, a, b, metric=metric, n_resamples=20, seed=seed, sample_weight=w)
    assert math.isclose(r.difference, observed, rel_tol=RTOL, abs_tol=ATOL)
    m = _replicate_multiplicities(len(y), seed=seed, n_replicates=20)
    for got, mult in zip(r.replicates, m):
        ww = mult * w
        exp = None if ww.sum() == 0 else _diff(metric, y, a, b, ww)
        assert (got is None) == (exp is None)
        if exp is not None:
            assert math.isclose(got, exp, rel_tol=RTOL, abs_tol=ATOL), (got, exp)
    assert r.degenerate_resamples == sum(d is None for d in r.replicates)


def test_max_fpr_gap_agrees_with_the_fairness_audit():
    """The gap computed in mlops-core (which cannot depend on mlops-fairness) is the one the
    fairness audit reports, with weights."""
    from mlops_audit.fairness import audit

    y, a, b, w, g = _data(4, 300, True, True)
    r = paired_bootstrap(y, a, b, metric="max_fpr_gap", threshold=(0.4, 0.6), groups=g,
                         n_resamples=10, sample_weight=w)
    gap_a = audit(y, a, g, threshold=0.4, sample_weight=w).max_gap
    gap_b = audit(y, b, g, threshold=0.6, sample_weight=w).max_gap
    assert math.isclose(r.champion, gap_a, rel_tol=RTOL, abs_tol=ATOL)
    assert math.isclose(r.challenger, gap_b, rel_tol=RTOL, abs_tol=ATOL)
