"""Calibration metrics and the isotonic calibrator against scikit-learn."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import sklearn.calibration as skc
import sklearn.isotonic as ski
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import assert_close
from mlops_audit import errors
from mlops_audit.calibration import (
    IsotonicCalibrator,
    brier_score,
    expected_calibration_error,
    log_loss,
    max_calibration_error,
    reliability_curve,
)


def data(seed, n=500, ties=True):
    rng = np.random.default_rng(seed)
    p = rng.beta(2, 5, n)
    if ties:
        p = np.round(p, 1)  # many values exactly on uniform bin edges (0.2, 0.4, ...)
    y = (rng.random(n) < p).astype(int)
    w = rng.choice([0.5, 1.0, 2.0, 3.0], n)
    return y, p, w


@pytest.mark.parametrize("seed", range(8))
def test_brier_and_log_loss_match_sklearn(seed):
    y, p, w = data(seed)
    p[:3] = [0.0, 1.0, 1.0]
    y[:3] = [1, 0, 1]  # a confident miss at each end: log loss clips like sklearn
    assert_close(brier_score(y, p), skm.brier_score_loss(y, p))
    assert_close(brier_score(y, p, w), skm.brier_score_loss(y, p, sample_weight=w))
    assert_close(log_loss(y, p), skm.log_loss(y, p, labels=[0, 1]))
    assert_close(log_loss(y, p, w), skm.log_loss(y, p, sample_weight=w, labels=[0, 1]))


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("n_bins", [1, 2, 3, 5, 7, 10, 20])
@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
@pytest.mark.parametrize("ties", [True, False])
def test_reliability_curve_is_sklearns_calibration_curve_exactly(seed, n_bins, strategy, ties):
    y, p, _ = data(seed, ties=ties)
    prob_true, prob_pred = skc.calibration_curve(y, p, n_bins=n_bins, strategy=strategy)
    ours = reliability_curve(y, p, n_bins=n_bins, strategy=strategy)
    got_true, got_pred = ours
    np.testing.assert_array_equal(got_true, prob_true)
    np.testing.assert_array_equal(got_pred, prob_pred)
    assert ours.weight.sum() == len(y)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_calibration_errors_from_the_bins(seed, strategy):
    y, p, _ = data(seed)
    curve = reliability_curve(y, p, n_bins=10, strategy=strategy)
    gaps = np.abs(curve.fraction_positive - curve.mean_predicted)
    assert_close(expected_calibration_error(y, p, strategy=strategy),
                 np.sum(curve.weight / curve.weight.sum() * gaps))
    assert_close(max_calibration_error(y, p, strategy=strategy), gaps.max())


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("weighted", [False, True])
def test_isotonic_matches_sklearn(seed, weighted):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 400))
    s = np.round(rng.normal(size=n), 1)  # ties: merged as weighted means, as sklearn
    y = (rng.random(n) < 1 / (1 + np.exp(-2 * s))).astype(int)
    w = rng.choice([0.5, 1.0, 2.0], n) if weighted else None
    ours = IsotonicCalibrator().fit(s, y, sample_weight=w)
    ref = ski.IsotonicRegression(out_of_bounds="clip").fit(s, y, sample_weight=w)
    assert_close(ours.x_thresholds, ref.X_thresholds_, rtol=1e-9, atol=1e-9)
    assert_close(ours.y_thresholds, ref.y_thresholds_, rtol=1e-9, atol=1e-9)
    new = np.r_[rng.normal(size=200) * 2, s.min() - 1, s.max() + 1]
    assert_close(ours.transform(new), ref.predict(new), rtol=1e-9, atol=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(-5, 5), st.booleans()), min_size=1, max_size=60))
def test_isotonic_output_is_monotone_and_in_unit_interval(rows):
    s = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    cal = IsotonicCalibrator().fit(s, y)
    grid = np.linspace(-6, 6, 101)
    out = cal.transform(grid)
    assert np.all(np.diff(out) >= -1e-15)
    assert np.all((out >= 0) & (out <= 1))


def test_calibrating_calibrated_probabilities_changes_little():
    rng = np.random.default_rng(0)
    p = rng.random(200_000)
    y = (rng.random(p.size) < p).astype(int)
    cal = IsotonicCalibrator().fit(p, y)
    assert np.abs(cal.transform(p) - p).mean() < 0.01


def test_errors_round_trips_and_unfitted_use():
    with pytest.raises(errors.OutOfRangeError) as e:
        brier_score([0, 1, 1], [0.2, 1.5, 0.3])
    assert (e.value.index, e.value.value) == (1, 1.5)
    assert isinstance(e.value, ValueError)
    with pytest.raises(errors.OutOfRangeError):
        reliability_curve([0, 1], [-0.1, 0.5])
    with pytest.raises(errors.ParameterError):
        reliability_curve([0, 1], [0.1, 0.5], strategy="kmeans")
    with pytest.raises(errors.ParameterError):
        reliability_curve([0, 1], [0.1, 0.5], n_bins=0)
    with pytest.raises(AttributeError):
        IsotonicCalibrator().transform([0.1])
    cal = IsotonicCalibrator().fit([0.1, 0.2, 0.3, 0.4], [0, 1, 0, 1])
    back = IsotonicCalibrator.from_json(cal.to_json())
    assert_close(back.transform([0.25]), cal.transform([0.25]))
    again = pickle.loads(pickle.dumps(cal))
    assert_close(again.transform([0.25]), [0.5])
    with pytest.raises(errors.NonFiniteError):
        cal.transform([np.nan])


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("scale", [1.0, 100.0])
def test_platt_matches_sklearns_sigmoid_calibration(seed, weighted, scale):
    # scikit-learn's CalibratedClassifierCV(method="sigmoid") fits _SigmoidCalibration.
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 2000))
    f = rng.normal(size=n) * scale  # decision-function scores; >= 30 triggers rescaling
    y = (rng.random(n) < 1 / (1 + np.exp(-1.5 * f / scale + 0.3))).astype(int)
    w = rng.choice([0.5, 1.0, 2.0], n) if weighted else None
    ref = skc._SigmoidCalibration().fit(f, y, sample_weight=w)
    ours = calibration_platt().fit(f, y, sample_weight=w)
    grid = np.linspace(f.min(), f.max(), 50)
    # scikit-learn stops L-BFGS at gtol 1e-6; ours solves to machine precision.
    assert_close(ours.transform(grid), ref.predict(grid), rtol=1e-6, atol=1e-6)
    assert ours.a == pytest.approx(ref.a_, rel=1e-4, abs=1e-6)
    assert ours.b == pytest.approx(ref.b_, rel=1e-4, abs=1e-6)


def calibration_platt():
    from mlops_audit.calibration import PlattCalibrator

    return PlattCalibrator()


def test_platt_separable_data_stays_finite_and_round_trips():
    from mlops_audit.calibration import PlattCalibrator

    f = np.array([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0])
    y = np.array([0, 0, 0, 1, 1, 1])
    cal = PlattCalibrator().fit(f, y)  # smoothed targets keep a and b finite
    p = cal.transform(f)
    assert np.all(np.isfinite(p)) and np.all(np.diff(p) > 0)
    back = pickle.loads(pickle.dumps(cal))
    assert_close(back.transform(f), p)
    assert_close(PlattCalibrator.from_json(cal.to_json()).transform(f), p)
    with pytest.raises(AttributeError):
        PlattCalibrator().transform(f)
