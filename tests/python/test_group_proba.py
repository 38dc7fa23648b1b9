"""``fairness.audit(..., group_proba=...)``: probabilities of group membership in place of
group labels. Equal, bit for bit, to the audit of the data expanded into one weighted row
per (row, group) (its one group column is named ``group``); typed errors for bad
probabilities; the weighting estimator's bias where the outcome depends on the group
beyond the proxy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlops_audit import errors, fairness


def _data(n: int = 400, seed: int = 4):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    s = np.clip(0.3 * y + 0.7 * rng.random(n), 0, 1)
    w = rng.integers(1, 4, size=n).astype(float)
    proba = rng.dirichlet([1.0, 2.0, 0.7], size=n)
    # Some rows certain of their group, some with a zero for one group.
    proba[:40] = np.eye(3)[rng.integers(0, 3, size=40)]
    proba[40:80, 2] = 0.0
    proba[40:80] /= proba[40:80].sum(1, keepdims=True)
    return y, s, w, proba


def _expand(proba: np.ndarray, names: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows, cols = np.nonzero(proba > 0)  # row by row, group by group within a row
    return rows, np.asarray(names, dtype=object)[cols], proba[rows, cols]


@pytest.mark.parametrize("kwargs", [
    {"threshold": 0.5},
    {"threshold": 0.45, "bootstrap": 60, "seed": 9},
])
def test_equals_the_expanded_audit_bit_for_bit(kwargs):
    y, s, w, proba = _data()
    got = fairness.audit(y, s, group_proba=proba, sample_weight=w, **kwargs)
    rows, g, p = _expand(proba, [0, 1, 2])
    want = fairness.audit(y[rows], s[rows], {"group": g.astype(np.int64)},
                          sample_weight=w[rows] * p, **kwargs)
    assert got.to_json() == want.to_json()


def test_dataframe_columns_name_the_groups():
    y, s, _, proba = _data(seed=7)
    frame = pd.DataFrame(proba, columns=["black", "hispanic", "white"])
    pred = s > 0.4
    got = fairness.audit(y, s, group_proba=frame, y_pred=pred)
    rows, g, p = _expand(proba, ["black", "hispanic", "white"])
    want = fairness.audit(y[rows], s[rows], {"group": g.astype(str)}, y_pred=pred[rows],
                          sample_weight=p)
    assert got.to_json() == want.to_json()
    assert got.group_names == ["black", "hispanic", "white"]
    by_dict = fairness.audit(y, s, group_proba=frame,
                             thresholds={"black": 0.4, "hispanic": 0.5, "white": 0.45})
    want = fairness.audit(y[rows], s[rows], {"group": g.astype(str)}, sample_weight=p,
                          thresholds={"black": 0.4, "hispanic": 0.5, "white": 0.45})
    assert by_dict.to_json() == want.to_json()


@pytest.mark.parametrize("row, exc", [
    ([0.5, 0.5 + 2e-6, 0.0], errors.ParameterError),  # sums to 1 + 2e-6 > 1 + 1e-6
    ([0.7, 0.4, -0.1], errors.OutOfRangeError),
    ([0.5, np.nan, 0.5], (errors.NonFiniteError, errors.MissingValueError)),
])
def test_bad_rows_are_typed_errors(row, exc):
    y, s, _, proba = _data(n=100)
    proba = proba.copy()
    proba[7] = row
    with pytest.raises(exc) as info:
        fairness.audit(y, s, group_proba=proba, threshold=0.5)
    assert isinstance(info.value, ValueError)
    assert "7" in str(info.value)


def test_tolerance_of_row_sums_and_empty_groups():
    y, s, _, proba = _data(n=100)
    near = proba.copy()
    near[3] = [0.5, 0.5 + 5e-7, 0.0]  # within 1e-6
    fairness.audit(y, s, group_proba=near, threshold=0.5)
    empty = np.column_stack([proba[:, 0] + proba[:, 2], proba[:, 1], np.zeros(100)])
    with pytest.raises(errors.GroupError, match="`2`"):
        fairness.audit(y, s, group_proba=empty, threshold=0.5)


def test_groups_xor_group_proba():
    y, s, _, proba = _data(n=100)
    with pytest.raises(errors.ParameterError):
        fairness.audit(y, s, np.zeros(100), group_proba=proba, threshold=0.5)
    with pytest.raises(errors.ParameterError):
        fairness.audit(y, s, threshold=0.5)
    with pytest.raises(errors.InputTypeError):
        fairness.audit(y, s, group_proba=proba[:, 0], threshold=0.5)


def _bisg_world(n: int, direct_effect: float, seed: int):
    """True groups G, a proxy Z (surname and geography, say) whose distribution depends on
    G, membership probabilities P(G | Z) by Bayes' rule, a score X, and outcomes that
    depend on X and Z and, with ``direct_effect``, on G itself."""
    from scipy.stats import binom

    rng = np.random.default_rng(seed)
    prior = 0.3
    g = rng.random(n) < prior
    z = rng.binomial(9, np.where(g, 0.7, 0.3))
    like1, like0 = binom.pmf(z, 9, 0.7), binom.pmf(z, 9, 0.3)
    post = prior * like1 / (prior * like1 + (1 - prior) * like0)
    x = rng.normal(size=n)
    logit = x - 1.0 + 0.15 * (z - 4.5) + direct_effect * g
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return g.astype(int), np.column_stack([1 - post, post]), x, y


@pytest.mark.parametrize("direct_effect", [0.0, 1.5])
def test_weighting_estimator_bias(direct_effect):
    # Chen, Kallus, Mao, Svacha & Udell (2019): the weighting estimator is unbiased when
    # group and outcome are independent given the proxy (here: the outcome depends on the
    # proxy Z and the score only), and biased when the outcome depends on the group beyond
    # the proxy (direct_effect > 0): the weighted FPRs are pulled towards each other.
    g, proba, x, y = _bisg_world(60_000, direct_effect, seed=1)
    t = 0.3
    true = fairness.audit(y, x, g, threshold=t).rate("fpr")
    est = fairness.audit(y, x, group_proba=proba, threshold=t).rate("fpr")
    true_gap, est_gap = abs(true[1] - true[0]), abs(est[1] - est[0])
    if direct_effect == 0.0:
        assert abs(est_gap - true_gap) < 0.02, (true, est)
    else:
        # Attenuated towards 0 (here by about a third), far beyond the noise.
        assert true_gap - est_gap > 0.03, (true, est)
