"""Debiased squared ECE against Kumar et al.'s `uncertainty-calibration` package,
Hosmer-Lemeshow against numpy + scipy.stats.chi2, Spiegelhalter's z against numpy +
scipy.stats.norm; hypothesis properties with ties, weights and tiny samples."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from conftest import assert_close
from mlops_audit import errors
from mlops_audit.calibration import (
    debiased_squared_calibration_error,
    hosmer_lemeshow,
    reliability_curve,
    spiegelhalter_z,
)


def data(seed, n=500, ties=True):
    rng = np.random.default_rng(seed)
    p = rng.beta(2, 5, n)
    if ties:
        p = np.round(p, 2)
    y = (rng.random(n) < np.clip(p * 1.2, 0, 1)).astype(int)
    w = rng.choice([1, 2, 3], n)
    return y, p, w


def edges(p, n_bins, strategy):
    """sklearn.calibration.calibration_curve's edges."""
    q = np.linspace(0, 1, n_bins + 1)
    return np.percentile(p, q * 100) if strategy == "quantile" else q


def bins_of(p, e):
    return np.searchsorted(e[1:-1], p, side="left")


# ---------------------------------------------------------------- debiased squared ECE


def numpy_debiased(y, p, w, n_bins, strategy):
    """Kumar, Liang & Ma (2019), section 5, with frequency weights."""
    w = np.ones(len(p)) if w is None else np.asarray(w, float)
    e = edges(p, n_bins, strategy)
    b = bins_of(p, e)
    n_b = np.bincount(b, weights=w, minlength=n_bins)
    ybar = np.bincount(b, weights=w * y, minlength=n_bins)
    pbar = np.bincount(b, weights=w * p, minlength=n_bins)
    total = 0.0
    for k in range(n_bins):
        if n_b[k] > 1:
            yk, pk = ybar[k] / n_b[k], pbar[k] / n_b[k]
            total += n_b[k] / w.sum() * ((yk - pk) ** 2 - yk * (1 - yk) / (n_b[k] - 1))
    return total if np.any(n_b > 1) else None


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n_bins", [1, 3, 10, 15, 40])
@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
@pytest.mark.parametrize("ties", [True, False])
def test_debiased_matches_uncertainty_calibration(seed, n_bins, strategy, ties):
    cal = pytest.importorskip("calibration.utils")
    y, p, w = data(seed, ties=ties)
    ours = debiased_squared_calibration_error(y, p, n_bins=n_bins, strategy=strategy)
    e = edges(p, n_bins, strategy)
    # The package's own estimator on our bins: its bin rule (searchsorted on the upper
    # edges, side="left") is the same right-closed rule.
    binned = cal.bin(list(zip(p, y)), list(e[1:]))
    assert_close(ours, cal.unbiased_square_ce(binned))
    # Its public entry point reports sqrt(max(estimate, 0)).
    l2 = cal.lower_bound_scaling_ce(p, y, p=2, debias=True, num_bins=n_bins,
                                    binning_scheme=lambda probs, num_bins: list(e[1:]))
    assert_close(np.sqrt(max(ours, 0.0)), l2)
    assert_close(ours, numpy_debiased(y, p, None, n_bins, strategy))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_debiased_weights_are_frequency_weights(seed, strategy):
    y, p, w = data(seed)
    ours = debiased_squared_calibration_error(y, p, n_bins=10, strategy="uniform",
                                              sample_weight=w)
    repeated = debiased_squared_calibration_error(np.repeat(y, w), np.repeat(p, w), n_bins=10,
                                                  strategy="uniform")
    assert_close(ours, repeated)
    assert_close(debiased_squared_calibration_error(y, p, n_bins=7, strategy=strategy,
                                                    sample_weight=w),
                 numpy_debiased(y, p, w, 7, strategy))


def test_debiased_is_unbiased_where_the_plug_in_is_not():
    # A perfectly calibrated model: the true squared error is 0. The plug-in estimate is
    # positive on average; the debiased one averages to about 0.
    rng = np.random.default_rng(0)
    plug, debiased = [], []
    for _ in range(300):
        p = rng.choice([0.1, 0.3, 0.6], 200)
        y = (rng.random(200) < p).astype(int)
        curve = reliability_curve(y, p, n_bins=10)
        plug.append(np.sum(curve.weight / 200 * (curve.fraction_positive
                                                 - curve.mean_predicted) ** 2))
        debiased.append(debiased_squared_calibration_error(y, p, n_bins=10,
                                                           strategy="uniform"))
    se = np.std(debiased) / np.sqrt(len(debiased))
    assert abs(np.mean(debiased)) < 4 * se
    assert np.mean(plug) > 10 * se


# ---------------------------------------------------------------- Hosmer-Lemeshow


def numpy_hosmer_lemeshow(y, p, w, n_groups, grouping, df=None):
    w = np.ones(len(p)) if w is None else np.asarray(w, float)
    e = edges(p, n_groups, grouping)
    g = bins_of(p, e)
    n = np.bincount(g, weights=w, minlength=n_groups)
    o = np.bincount(g, weights=w * y, minlength=n_groups)
    ex = np.bincount(g, weights=w * p, minlength=n_groups)
    keep = n > 0
    n, o, ex = n[keep], o[keep], ex[keep]
    stat = np.sum((o - ex) ** 2 / (ex * (1 - ex / n)))
    dof = len(n) - 2 if df is None else df
    return stat, stats.chi2.sf(stat, dof), dof, n, o, ex


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n_groups", [3, 5, 10, 20])
@pytest.mark.parametrize("grouping", ["uniform", "quantile"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("df", [None, 7])
def test_hosmer_lemeshow_matches_numpy_and_scipy(seed, n_groups, grouping, weighted, df):
    y, p, w = data(seed, ties=seed % 2 == 0)
    p = np.clip(p, 0.01, 0.99)  # a group with all p = 0 has no variance
    w = w if weighted else None
    r = hosmer_lemeshow(y, p, n_groups=n_groups, grouping=grouping, df=df, sample_weight=w)
    stat, pvalue, dof, n, o, ex = numpy_hosmer_lemeshow(y, p, w, n_groups, grouping, df)
    assert_close(r.statistic, stat)
    assert_close(r.pvalue, pvalue)
    assert r.df == dof
    assert_close([g["weight"] for g in r.groups], n)
    assert_close([g["observed"] for g in r.groups], o)
    assert_close([g["expected"] for g in r.groups], ex)
    statistic, pv = r  # unpacks like scipy
    assert (statistic, pv) == (r.statistic, r.pvalue)
    assert r.to_dict()["test"] == "HosmerLemeshowResult"


def test_hosmer_lemeshow_ties_share_a_group():
    # 60 rows at 0.2 straddle the 1st-6th deciles; they stay in one group.
    p = np.r_[np.full(60, 0.2), np.linspace(0.3, 0.9, 40)]
    y = (np.arange(100) % 3 == 0).astype(int)
    r = hosmer_lemeshow(y, p)
    assert r.groups[0]["weight"] == 60
    assert r.df == len(r.groups) - 2 < 8


def test_hosmer_lemeshow_undefined_cases():
    with pytest.raises(errors.UndefinedMetricError, match="all 0 or all 1"):
        hosmer_lemeshow([0, 0, 1, 1, 0], [0.0, 0.0, 0.5, 0.7, 0.9], n_groups=5,
                        grouping="uniform")
    with pytest.raises(errors.UndefinedMetricError, match="df"):
        hosmer_lemeshow([0, 1, 0, 1], [0.3, 0.3, 0.6, 0.6])  # two groups: g - 2 = 0
    r = hosmer_lemeshow([0, 1, 0, 1], [0.3, 0.3, 0.6, 0.6], df=2)  # out of sample: df = g
    assert r.df == 2
    with pytest.raises(errors.ParameterError):
        hosmer_lemeshow([0, 1], [0.3, 0.6], n_groups=1)
    with pytest.raises(errors.ParameterError):
        hosmer_lemeshow([0, 1], [0.3, 0.6], df=0)
    with pytest.raises(errors.ParameterError):
        hosmer_lemeshow([0, 1], [0.3, 0.6], n_groups=10**12)
    with pytest.raises(errors.ParameterError):
        debiased_squared_calibration_error([0, 1], [0.3, 0.6], n_bins=10**12)
    with pytest.raises(errors.UndefinedMetricError, match="more than one row"):
        debiased_squared_calibration_error([1], [0.3])
    with pytest.raises(errors.ParameterError):
        hosmer_lemeshow([0, 1], [0.3, 0.6], grouping="deciles")
    with pytest.raises(errors.OutOfRangeError):
        hosmer_lemeshow([0, 1], [0.3, 1.6])
    with pytest.raises(errors.EmptyInputError):
        hosmer_lemeshow([], [])


# ---------------------------------------------------------------- Spiegelhalter


def numpy_spiegelhalter(y, p, w=None):
    w = np.ones(len(p)) if w is None else np.asarray(w, float)
    z = np.sum(w * (y - p) * (1 - 2 * p)) / np.sqrt(np.sum(w * (1 - 2 * p) ** 2 * p * (1 - p)))
    return z, 2 * stats.norm.sf(abs(z))


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("weighted", [False, True])
def test_spiegelhalter_matches_numpy_and_scipy(seed, weighted):
    y, p, w = data(seed, n=[5, 50, 500, 2000][seed % 4])
    w = w if weighted else None
    r = spiegelhalter_z(y, p, sample_weight=w)
    z, pvalue = numpy_spiegelhalter(y, p, w)
    assert_close(r.statistic, z)
    assert_close(r.pvalue, pvalue)


def test_spiegelhalter_undefined_and_bad_input():
    with pytest.raises(errors.UndefinedMetricError, match="variance is 0"):
        spiegelhalter_z([0, 1, 1], [0.0, 0.5, 1.0])
    with pytest.raises(errors.OutOfRangeError) as e:
        spiegelhalter_z([0, 1, 1], [0.1, 0.5, -0.2])
    assert e.value.index == 2
    with pytest.raises(errors.EmptyInputError):
        spiegelhalter_z([], [])
    with pytest.raises(errors.NonFiniteError):
        spiegelhalter_z([0, 1], [0.1, np.nan])


probs = st.sampled_from([0.0, 0.05, 0.2, 0.2, 0.35, 0.5, 0.7, 0.95, 1.0])
rows = st.lists(st.tuples(probs, st.integers(0, 1), st.integers(0, 3)), min_size=1,
                max_size=40)


@given(rows=rows)
def test_property_spiegelhalter_and_debiased_on_ties_weights_tiny_samples(rows):
    p = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    w = np.array([r[2] for r in rows], dtype=float)
    if w.sum() == 0:
        with pytest.raises(errors.ZeroWeightsError):
            spiegelhalter_z(y, p, sample_weight=w)
        return
    variance = np.sum(w * (1 - 2 * p) ** 2 * p * (1 - p))
    if variance == 0:
        with pytest.raises(errors.UndefinedMetricError):
            spiegelhalter_z(y, p, sample_weight=w)
    else:
        r = spiegelhalter_z(y, p, sample_weight=w)
        z, pvalue = numpy_spiegelhalter(y, p, w)
        assert_close([r.statistic, r.pvalue], [z, pvalue])
        assert 0 <= r.pvalue <= 1
    for strategy in ("uniform", "quantile"):
        expected = numpy_debiased(y, p, w, 4, strategy)
        if expected is None:  # no bin holds more than one row
            with pytest.raises(errors.UndefinedMetricError):
                debiased_squared_calibration_error(y, p, n_bins=4, strategy=strategy,
                                                   sample_weight=w)
            continue
        assert_close(
            debiased_squared_calibration_error(y, p, n_bins=4, strategy=strategy,
                                               sample_weight=w),
            expected)


@given(rows=rows, n_groups=st.integers(2, 8), grouping=st.sampled_from(["uniform", "quantile"]))
def test_property_hosmer_lemeshow_defined_or_typed_error(rows, n_groups, grouping):
    p = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    w = np.array([r[2] for r in rows], dtype=float) + 1.0
    e = edges(p, n_groups, grouping)
    g = bins_of(p, e)
    n = np.bincount(g, weights=w, minlength=n_groups)
    ex = np.bincount(g, weights=w * p, minlength=n_groups)
    keep = n > 0
    variance = ex[keep] * (1 - ex[keep] / n[keep])
    if np.any(variance <= 0) or keep.sum() < 3:
        with pytest.raises(errors.UndefinedMetricError):
            hosmer_lemeshow(y, p, n_groups=n_groups, grouping=grouping, sample_weight=w)
        return
    r = hosmer_lemeshow(y, p, n_groups=n_groups, grouping=grouping, sample_weight=w)
    stat, pvalue, dof, *_ = numpy_hosmer_lemeshow(y, p, w, n_groups, grouping)
    assert_close([r.statistic, r.pvalue], [stat, pvalue])
    assert r.df == dof and r.statistic >= 0
