"""Calibration: isotonic and Platt calibrators, and the reliability curve.

- Isotonic: ``IsotonicCalibrator().fit`` against scikit-learn's
  ``IsotonicRegression(out_of_bounds="clip").fit``; the fitted functions must agree on a
  grid of scores.
- Platt: ``PlattCalibrator().fit`` against scikit-learn's ``_SigmoidCalibration().fit``,
  the fit that ``CalibratedClassifierCV(method="sigmoid")`` runs (called directly, so
  none of the wrapper's overhead is counted against scikit-learn); slope and intercept
  must agree to scikit-learn's stopping tolerance.
- Reliability curve, 10 uniform bins: ``reliability_curve`` against
  ``sklearn.calibration.calibration_curve`` (the same bins, to the bit).

Lower bounds for isotonic: bare sorts (Rust, numpy) of the scores.
"""

from __future__ import annotations

import numpy as np

from . import data
from .runner import Peer, Workload


def generate(n: int):
    return data.calibration(n)


def ours_isotonic(d):
    from mlops_audit.calibration import IsotonicCalibrator

    return IsotonicCalibrator().fit(d[0], d[1])


def sklearn_isotonic(d):
    from sklearn.isotonic import IsotonicRegression

    return IsotonicRegression(out_of_bounds="clip").fit(d[0], d[1])


def check_isotonic(d, ours, theirs) -> None:
    grid = np.concatenate([np.linspace(-0.1, 1.1, 10_001), d[0][:10_000]])
    np.testing.assert_allclose(ours.transform(grid), theirs.predict(grid), rtol=1e-9, atol=1e-12)


ISOTONIC = Workload(
    key="isotonic",
    title="Isotonic calibration (fit)",
    size=lambda n: f"{n:.0e} rows",
    generate=generate,
    ours=ours_isotonic,
    peers=[Peer("sklearn IsotonicRegression", sklearn_isotonic, check_isotonic, target=3.0,
                needs=("sklearn",))],
    sort_input=lambda d: d[0],
)


def generate_platt(n: int):
    return data.decision_scores(n)


def ours_platt(d):
    from mlops_audit.calibration import PlattCalibrator

    return PlattCalibrator().fit(d[0], d[1])


def sklearn_platt(d):
    from sklearn.calibration import _SigmoidCalibration

    return _SigmoidCalibration().fit(d[0], d[1])


def check_platt(d, ours, theirs) -> None:
    # scikit-learn stops L-BFGS at gtol 1e-6; ours solves to machine precision.
    assert np.isclose(ours.a, theirs.a_, rtol=1e-4, atol=1e-6), (ours.a, theirs.a_)
    assert np.isclose(ours.b, theirs.b_, rtol=1e-4, atol=1e-6), (ours.b, theirs.b_)


PLATT = Workload(
    key="platt",
    title="Platt calibration (fit)",
    size=lambda n: f"{n:.0e} rows",
    generate=generate_platt,
    ours=ours_platt,
    peers=[Peer("sklearn _SigmoidCalibration", sklearn_platt, check_platt,
                needs=("sklearn",))],
)


def ours_reliability(d):
    from mlops_audit.calibration import reliability_curve

    return reliability_curve(d[1], d[0], n_bins=10)


def sklearn_reliability(d):
    from sklearn.calibration import calibration_curve

    return calibration_curve(d[1], d[0], n_bins=10)


def check_reliability(d, ours, theirs) -> None:
    prob_true, prob_pred = theirs
    np.testing.assert_allclose(ours.fraction_positive, prob_true, rtol=1e-12, atol=0)
    np.testing.assert_allclose(ours.mean_predicted, prob_pred, rtol=1e-12, atol=0)


RELIABILITY = Workload(
    key="reliability_curve",
    title="Reliability curve, 10 bins",
    size=lambda n: f"{n:.0e} rows",
    generate=generate,
    ours=ours_reliability,
    peers=[Peer("sklearn calibration_curve", sklearn_reliability, check_reliability,
                needs=("sklearn",))],
)

WORKLOADS = [ISOTONIC, PLATT, RELIABILITY]
