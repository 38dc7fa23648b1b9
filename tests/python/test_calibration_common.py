"""What the four calibrators share, checked alike for each (issue 14: one generic binding
over the core's ``Calibrator`` trait): the same methods, errors, JSON and pickle round trips,
parameters recorded by ``from_json`` and kept by pickling, one ``repr`` layout; and every
``transform`` equal to its method's formula computed here with numpy from the fitted
attributes (``np.interp`` for isotonic, the logistic curves for Platt and beta, the bin
lookup for histogram binning)."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from mlops_audit import errors
from mlops_audit.calibration import (
    BetaCalibrator,
    HistogramCalibrator,
    IsotonicCalibrator,
    PlattCalibrator,
)

BETA_EPS = np.finfo(float).eps


def data(seed: int):
    rng = np.random.default_rng(seed)
    n = 300
    s = np.clip(rng.beta(2, 3, n), 1e-3, 1 - 1e-3)
    y = (rng.random(n) < s**1.5).astype(int)
    w = rng.choice([0.5, 1.0, 2.0], n)
    return s, y, w


def isotonic_formula(c, s):
    return np.interp(s, c.x_thresholds, c.y_thresholds)


def platt_formula(c, s):
    return 1.0 / (1.0 + np.exp(c.a * s + c.b))


def beta_formula(c, s):
    x = np.clip(s, BETA_EPS, 1 - BETA_EPS)
    return 1.0 / (1.0 + np.exp(-(c.a * np.log(x) - c.b * np.log1p(-x) + c.c)))


def histogram_formula(c, s):
    # Right-closed bins, the first also holding its lower edge; clipped outside the edges.
    return c.values[np.searchsorted(c.edges[1:-1], s, side="left")]


# (class, constructor keyword arguments, formula, fitted attribute names)
CASES = {
    "isotonic": (IsotonicCalibrator, {}, isotonic_formula, ["x_thresholds", "y_thresholds"]),
    "platt": (PlattCalibrator, {}, platt_formula, ["a", "b"]),
    "beta": (BetaCalibrator, {}, beta_formula, ["a", "b", "c"]),
    "histogram": (HistogramCalibrator, {"n_bins": 7, "strategy": "quantile"},
                  histogram_formula, ["edges", "values", "bin_weight"]),
    "histogram_default": (HistogramCalibrator, {}, histogram_formula,
                          ["edges", "values", "bin_weight"]),
}
PARAMS = {HistogramCalibrator: {"n_bins": 10, "strategy": "uniform"}}


def params_repr(cls, kwargs) -> str:
    full = {**PARAMS.get(cls, {}), **kwargs}
    return "".join(f"{k}={v!r}, " for k, v in full.items())


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("seed", range(3))
def test_transform_is_the_formula_and_round_trips_agree(case, seed):
    cls, kwargs, formula, _ = CASES[case]
    s, y, w = data(seed)
    cal = cls(**kwargs)
    assert cal.fit(s, y, sample_weight=w) is cal
    grid = np.r_[0.0, np.linspace(1e-6, 1 - 1e-6, 101), 1.0]
    q = cal.transform(grid)
    np.testing.assert_allclose(q, formula(cal, grid), rtol=1e-13, atol=1e-15)
    np.testing.assert_array_equal(cal.predict(grid), q)
    text = cal.to_json()
    json.loads(text)
    for back in (cls.from_json(text), pickle.loads(pickle.dumps(cal))):
        assert type(back) is cls
        assert back.to_json() == text
        np.testing.assert_array_equal(back.transform(grid), q)
        assert repr(back) == repr(cal)


@pytest.mark.parametrize("case", CASES)
def test_one_repr_layout(case):
    cls, kwargs, _, _ = CASES[case]
    name, params = cls.__name__, params_repr(cls, kwargs)
    assert repr(cls(**kwargs)) == f"{name}({params}unfitted)"
    fitted = cls(**kwargs).fit(*data(0)[:2])
    assert repr(fitted).startswith(f"{name}({params}fitted: ")


@pytest.mark.parametrize("case", CASES)
def test_unfitted_use_and_pickle(case):
    cls, kwargs, _, attributes = CASES[case]
    cal = cls(**kwargs)
    for use in (lambda: cal.transform([0.5]), lambda: cal.predict([0.5]), cal.to_json,
                *(lambda a=a: getattr(cal, a) for a in attributes)):
        with pytest.raises(AttributeError, match=f"{cls.__name__} is not fitted yet"):
            use()
    back = pickle.loads(pickle.dumps(cal))
    assert type(back) is cls and repr(back) == repr(cal)
    # The parameters survive: fitting the copy gives what fitting the original gives.
    s, y, _ = data(1)
    assert back.fit(s, y).to_json() == cal.fit(s, y).to_json()


def test_from_json_records_the_parameters():
    s, y, w = data(2)
    cal = HistogramCalibrator(n_bins=4, strategy="quantile").fit(s, y, sample_weight=w)
    back = HistogramCalibrator.from_json(cal.to_json())
    assert (back.n_bins, back.strategy) == (4, "quantile")
    assert repr(back).startswith("HistogramCalibrator(n_bins=4, strategy='quantile', fitted: ")
    # Refitting a calibrator read back uses the recorded parameters.
    assert back.fit(s, y).to_json() == HistogramCalibrator(4, "quantile").fit(s, y).to_json()


@pytest.mark.parametrize("case", CASES)
def test_tampered_json_is_a_state_error(case):
    cls, kwargs, _, _ = CASES[case]
    doc = json.loads(cls(**kwargs).fit(*data(0)[:2]).to_json())
    key = next(k for k, v in doc.items() if isinstance(v, (int, float, list)))
    doc[key] = "nan" if not isinstance(doc[key], list) else []
    with pytest.raises(errors.StateError, match=cls.__name__):
        cls.from_json(json.dumps(doc))
