"""HistogramCalibrator against an independent numpy implementation of histogram binning,
plus hypothesis properties (weights as repeated rows, permutation invariance)."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import assert_close
from mlops_audit import errors
from mlops_audit.calibration import HistogramCalibrator


def numpy_edges(p, n_bins, strategy):
    """sklearn.calibration.calibration_curve's edges."""
    q = np.linspace(0, 1, n_bins + 1)
    return np.percentile(p, q * 100) if strategy == "quantile" else q


def numpy_histogram(p, y, w, n_bins, strategy):
    """Histogram binning written from its definition: right-closed bins
    (searchsorted(inner edges, side='left')), weighted mean label per bin, an empty bin
    takes its nearest non-empty bin's value (by index; the mean of both at a tie)."""
    w = np.ones(len(p)) if w is None else np.asarray(w, float)
    edges = numpy_edges(p, n_bins, strategy)
    idx = np.searchsorted(edges[1:-1], p, side="left")
    sw = np.bincount(idx, weights=w, minlength=n_bins)
    sy = np.bincount(idx, weights=w * y, minlength=n_bins)
    full = np.flatnonzero(sw > 0)
    values = np.empty(n_bins)
    for b in range(n_bins):
        d = np.abs(full - b)
        near = full[d == d.min()]
        values[b] = np.mean(sy[near] / sw[near])
    return edges, values, sw


def numpy_transform(edges, values, s):
    return values[np.searchsorted(edges[1:-1], s, side="left")]


def data(seed, n=400, ties=True):
    rng = np.random.default_rng(seed)
    p = rng.beta(2, 5, n)
    if ties:
        p = np.round(p, 1)  # values exactly on the uniform edges
    y = (rng.random(n) < p).astype(int)
    w = rng.choice([0.0, 0.5, 1.0, 3.0], n)
    return y, p, w


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n_bins", [1, 2, 5, 10, 30])
@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
@pytest.mark.parametrize("ties", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_matches_numpy_histogram_binning(seed, n_bins, strategy, ties, weighted):
    y, p, w = data(seed, ties=ties)
    w = w if weighted else None
    cal = HistogramCalibrator(n_bins=n_bins, strategy=strategy).fit(p, y, sample_weight=w)
    edges, values, sw = numpy_histogram(p, y, w, n_bins, strategy)
    np.testing.assert_array_equal(cal.edges, edges)
    assert_close(cal.values, values)
    assert_close(cal.bin_weight, sw)
    grid = np.concatenate([np.linspace(-0.5, 1.5, 201), edges, p])
    assert_close(cal.transform(grid), numpy_transform(edges, values, grid))
    assert_close(cal.predict(p), cal.transform(p))


def test_empty_bins_take_the_nearest_non_empty_bin():
    # Uniform bins of width 0.1: only bins 1 (0.1, 0.2] and 4 (0.4, 0.5] hold rows.
    p = np.array([0.15, 0.15, 0.45, 0.45])
    y = np.array([0, 1, 1, 1])
    cal = HistogramCalibrator(n_bins=10).fit(p, y)
    # bin 0 -> bin 1 (0.5); bin 2 -> bin 1; bin 3 -> bin 4 (1.0); bins 5.. -> bin 4.
    expected = [0.5, 0.5, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    assert cal.values.tolist() == expected
    assert cal.bin_weight.tolist() == [0, 2, 0, 0, 2, 0, 0, 0, 0, 0]
    # A tie: bin 2 of five bins (0.4, 0.6] is as far from bin 1 as from bin 3.
    p = np.array([0.3, 0.3, 0.7, 0.7])
    cal = HistogramCalibrator(n_bins=5).fit(p, np.array([0, 0, 1, 1]))
    assert cal.values.tolist() == [0.0, 0.0, 0.5, 1.0, 1.0]


def test_out_of_range_scores_are_clipped_to_the_outer_bins():
    y, p, _ = data(1, ties=False)
    cal = HistogramCalibrator(n_bins=4, strategy="quantile").fit(p, y)
    lo, hi = p.min(), p.max()
    out = cal.transform([lo - 10.0, lo, hi, hi + 10.0, -1.0, 2.0])
    assert out.tolist() == [cal.values[0], cal.values[0], cal.values[-1], cal.values[-1],
                            cal.values[0], cal.values[-1]]
    # Quantile bins take any finite scores (logits, say); uniform bins need probabilities.
    HistogramCalibrator(n_bins=3, strategy="quantile").fit(p * 10 - 5, y)
    with pytest.raises(errors.OutOfRangeError) as e:
        HistogramCalibrator(n_bins=3).fit(np.r_[p, 1.5], np.r_[y, 1])
    assert e.value.index == len(p) and e.value.value == 1.5


def test_errors_and_parameters():
    with pytest.raises(errors.ParameterError):
        HistogramCalibrator(n_bins=0)
    with pytest.raises(errors.ParameterError, match="between 1 and"):
        HistogramCalibrator(n_bins=10**12)  # a typo must not allocate terabytes
    with pytest.raises(errors.ParameterError):
        HistogramCalibrator(strategy="kmeans")
    with pytest.raises(errors.EmptyInputError):
        HistogramCalibrator().fit(np.array([]), np.array([], dtype=int))
    with pytest.raises(errors.NonFiniteError):
        HistogramCalibrator().fit(np.array([0.1, np.nan]), np.array([0, 1]))
    cal = HistogramCalibrator().fit(np.array([0.1, 0.9]), np.array([0, 1]))
    with pytest.raises(errors.NonFiniteError):
        cal.transform([0.5, np.inf])
    with pytest.raises(AttributeError):
        HistogramCalibrator().transform([0.5])


def test_json_and_pickle_round_trips():
    y, p, w = data(3)
    cal = HistogramCalibrator(n_bins=7, strategy="quantile").fit(p, y, sample_weight=w)
    again = HistogramCalibrator.from_json(cal.to_json())
    np.testing.assert_array_equal(again.transform(p), cal.transform(p))
    assert json.loads(cal.to_json())["strategy"] == "quantile"
    assert (again.n_bins, again.strategy) == (7, "quantile")
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(cal)).transform(p), cal.transform(p))
    unfitted = pickle.loads(pickle.dumps(HistogramCalibrator(n_bins=3, strategy="quantile")))
    assert (unfitted.n_bins, unfitted.strategy) == (3, "quantile")
    with pytest.raises(errors.ParameterError):
        HistogramCalibrator.from_json('{"strategy": "uniform", "edges": [0.0, 1.0], '
                                      '"values": [], "bin_weight": []}')
    with pytest.raises(errors.ParameterError, match="ascending"):
        HistogramCalibrator.from_json('{"strategy": "uniform", "edges": [0.0, 1.0, 0.5], '
                                      '"values": [0.1, 0.2], "bin_weight": [1, 1]}')


rows = st.lists(
    st.tuples(st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.55, 0.9, 1.0]), st.integers(0, 1),
              st.integers(1, 3)),
    min_size=1, max_size=40,
)


@given(rows=rows, n_bins=st.integers(1, 12), strategy=st.sampled_from(["uniform", "quantile"]))
def test_property_matches_numpy_with_ties_and_tiny_samples(rows, n_bins, strategy):
    p = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    cal = HistogramCalibrator(n_bins=n_bins, strategy=strategy).fit(p, y)
    edges, values, _ = numpy_histogram(p, y, None, n_bins, strategy)
    assert_close(cal.values, values)
    assert np.all((cal.values >= 0) & (cal.values <= 1))


@given(rows=rows, n_bins=st.integers(1, 12))
def test_property_integer_weights_equal_repeated_rows(rows, n_bins):
    # Uniform edges do not depend on the rows, so repeating rows changes nothing else.
    p = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    w = np.array([r[2] for r in rows], dtype=float)
    weighted = HistogramCalibrator(n_bins=n_bins).fit(p, y, sample_weight=w)
    repeated = HistogramCalibrator(n_bins=n_bins).fit(np.repeat(p, w.astype(int)),
                                                      np.repeat(y, w.astype(int)))
    assert_close(weighted.values, repeated.values)
    assert_close(weighted.bin_weight, repeated.bin_weight)


@given(rows=rows, n_bins=st.integers(1, 12), seed=st.integers(0, 2**32 - 1),
       strategy=st.sampled_from(["uniform", "quantile"]))
def test_property_row_order_does_not_matter(rows, n_bins, seed, strategy):
    p = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    w = np.array([r[2] for r in rows], dtype=float)
    perm = np.random.default_rng(seed).permutation(len(p))
    a = HistogramCalibrator(n_bins=n_bins, strategy=strategy).fit(p, y, sample_weight=w)
    b = HistogramCalibrator(n_bins=n_bins, strategy=strategy).fit(p[perm], y[perm],
                                                                  sample_weight=w[perm])
    assert_close(a.values, b.values)
    np.testing.assert_array_equal(a.edges, b.edges)
