"""Numerical robustness: weight-scale invariance and the [0, 1] range under float weights.
Oracle: scikit-learn (which normalises before integrating) and the definitions."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.metrics as skm

from conftest import assert_close
from mlops_audit import metrics as m


@pytest.fixture(scope="module")
def weighted():
    rng = np.random.default_rng(3)
    n = 300
    y = rng.integers(0, 2, n)
    s = np.round(rng.random(n) + 0.2 * y, 1)
    w = rng.exponential(1.0, n)
    return y, s, w


@pytest.mark.parametrize("scale", [1e-100, 1e-3, 7.5, 1e3, 1e100])
def test_statistics_are_invariant_to_the_scale_of_the_weights(weighted, scale):
    y, s, w = weighted
    assert_close(m.roc_auc(y, s, w * scale), skm.roc_auc_score(y, s, sample_weight=w))
    assert_close(m.average_precision(y, s, w * scale), skm.average_precision_score(y, s, sample_weight=w))
    fpr, tpr, _ = m.roc_curve(y, s, w * scale, drop_intermediate=False)
    sk_fpr, sk_tpr, _ = skm.roc_curve(y, s, sample_weight=w, drop_intermediate=False)
    assert_close(fpr, sk_fpr)
    assert_close(tpr, sk_tpr)
    assert m.min_cost_threshold(y, s, sample_weight=w * scale).threshold == m.min_cost_threshold(
        y, s, sample_weight=w
    ).threshold


@pytest.mark.parametrize("scale", [1e160, 1e-160, 1e-200])
def test_statistics_are_invariant_to_extreme_weight_scales(weighted, scale):
    y, s, w = weighted
    assert_close(m.roc_auc(y, s, w * scale), skm.roc_auc_score(y, s, sample_weight=w * scale))
    assert_close(
        m.average_precision(y, s, w * scale), skm.average_precision_score(y, s, sample_weight=w * scale)
    )


def test_auc_and_ap_of_perfect_separation_are_exactly_one_without_weights(rng):
    for n in (2, 10, 1000):
        y = np.r_[1, 0, rng.integers(0, 2, n - 2)]
        s = np.where(y == 1, 1.0 + rng.random(n), rng.random(n))
        assert m.roc_auc(y, s) == 1.0
        assert m.roc_auc(y, -s) == 0.0
        assert m.average_precision(y, s) == 1.0


def test_auc_and_ap_stay_in_unit_interval_with_float_weights():
    # minimal reproductions
    assert m.roc_auc([1, 0, 0, 0], [1.0, 0.5, 0.4, 0.3], [1.0, 0.1, 0.4, 0.1]) <= 1.0
    assert m.average_precision([1, 1, 1, 0], [1.0, 0.5, 0.4, 0.3], [0.1, 0.4, 0.1, 1.0]) <= 1.0


def test_auc_stays_in_unit_interval_on_seeded_float_weighted_data():
    rng = np.random.default_rng(1)
    for _ in range(200):
        n = int(rng.integers(2, 40))
        y = np.r_[1, 0, rng.integers(0, 2, n - 2)]
        s = np.where(y == 1, 1.0 + rng.random(n), rng.random(n))
        w = rng.random(n) * 10 ** rng.uniform(-3, 3)
        assert 0.0 <= m.roc_auc(y, s, w) <= 1.0
        assert 0.0 <= m.roc_auc(y, -s, w) <= 1.0
        assert 0.0 <= m.average_precision(y, s, w) <= 1.0
