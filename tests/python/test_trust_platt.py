"""Platt scaling against a 50-digit mpmath fit of the same objective.

The objective (Platt 1999, Lin, Lin and Weng 2007, scikit-learn's ``_sigmoid_calibration``):
with ``z = A f + B``, targets ``t = (N+ + 1) / (N+ + 2)`` for positives and ``1 / (N- + 2)``
for negatives (``N`` the weighted class totals),

    L(A, B) = sum w [-t ln sigmoid(-z) - (1 - t) ln sigmoid(z)].

The oracle below minimises it with Newton's method in 50-digit arithmetic, after mapping the
weighted scores onto [-1, 1] (an exact change of parameters, so the minimiser is the same).

Agreement is measured in each parameter's natural unit: ``A`` relative to
``max(|A|, 1 / half_range)`` (a change of ``1 / half_range`` moves ``z`` by 1 across the
scores) and ``B`` relative to ``max(|B|, 1, max(|A|, 1 / half_range) |centre|)``. Where
neither is close to 0 this is the plain relative difference.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
import sklearn.calibration as skc
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import RTOL
from mlops_audit.calibration import PlattCalibrator

DIGITS = 50


class _Singular(ArithmeticError):
    """The oracle's Hessian rounded to singular at its working precision."""


def mp_platt(scores, labels, weights=None):
    """(A, B) minimising Platt's smoothed-target loss, by Newton's method at 50 digits,
    redone at more digits where the Hessian rounds to singular (a side that is nearly
    separable under weights a million apart: hypothesis found one)."""
    for digits in (DIGITS, 4 * DIGITS, 16 * DIGITS):
        try:
            return _mp_platt(scores, labels, weights, digits)
        except _Singular:
            continue
    raise AssertionError("the oracle's Hessian is singular even at 800 digits")


def _mp_platt(scores, labels, weights, digits):
    with mp.workdps(digits):
        n = len(scores)
        w = [mp.mpf(1)] * n if weights is None else [mp.mpf(float(v)) for v in weights]
        s = [mp.mpf(float(v)) for v in scores]
        y = [bool(v) for v in labels]
        n_pos = mp.fsum(wi for wi, yi in zip(w, y) if yi)
        n_neg = mp.fsum(wi for wi, yi in zip(w, y) if not yi)
        t = [(n_pos + 1) / (n_pos + 2) if yi else 1 / (n_neg + 2) for yi in y]
        live = [si for si, wi in zip(s, w) if wi > 0]
        lo, hi = min(live), max(live)
        if lo == hi:  # the loss depends on A lo + B only: A = 0 and B solves it
            wt = mp.fsum(wi * ti for wi, ti in zip(w, t))
            wu = mp.fsum(wi * (1 - ti) for wi, ti in zip(w, t))
            return mp.mpf(0), mp.log(wu / wt)
        centre, half = (lo + hi) / 2, (hi - lo) / 2
        f = [(si - centre) / half for si in s]

        def loss(a, b):
            return mp.fsum(
                wi * (ti * mp.log1p(mp.exp(a * fi + b)) + (1 - ti) * mp.log1p(mp.exp(-(a * fi + b))))
                for fi, ti, wi in zip(f, t, w)
            )

        def newton_step(a, b):
            ga = gb = haa = hab = hbb = mp.mpf(0)
            for fi, ti, wi in zip(f, t, w):
                q = 1 / (1 + mp.exp(-(a * fi + b)))
                r, h = wi * (q - (1 - ti)), wi * q * (1 - q)
                ga, gb = ga + r * fi, gb + r
                haa, hab, hbb = haa + h * fi * fi, hab + h * fi, hbb + h
            det = haa * hbb - hab * hab
            if det == 0:
                raise _Singular
            da, db = (hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det
            return da, db, ga * da + gb * db

        a, b = mp.mpf(0), mp.log((n_neg + 1) / (n_pos + 1))
        current, polish = loss(a, b), 0
        for _ in range(1000):
            da, db, decrement = newton_step(a, b)
            if decrement < mp.mpf(10) ** (-digits // 2):
                # Quadratic convergence from here: four full steps reach 50 digits.
                a, b, polish = a - da, b - db, polish + 1
                if polish == 4:
                    break
                continue
            # A full Newton step far from the minimum can move a row's logit by thousands,
            # where its curvature rounds to 0 and the Hessian to singular: at most 20 per
            # step (every |f| <= 1).
            step = min(mp.mpf(1), 20 / (abs(da) + abs(db)))
            while True:
                na, nb = a - step * da, b - step * db
                trial = loss(na, nb)
                if trial <= current - step * decrement / 10000:
                    break
                step /= 2
                if step < mp.mpf(10) ** -40:
                    raise _Singular  # a wild Newton direction: redo at more digits
            a, b, current = na, nb, trial
        else:
            raise AssertionError("the oracle did not converge")
        slope = a / half
        return slope, b - slope * centre


def rounding_floor(scores, labels, weights, oracle):
    """How far from the minimum a double-precision fit can be told apart from it.

    A fit stops where the gradient it computes is rounding noise, of size about
    ``eps * sum w |r| (1 + |f|)`` (``r`` each row's residual, ``f`` its score on [-1, 1]);
    that moves the parameters, in their natural units, by up to that noise over the
    smallest eigenvalue of the Hessian. It is far below 1e-12 except for data sets whose
    weights span many orders of magnitude with probabilities near 0 or 1.
    """
    a_nat, b_nat = oracle
    with mp.workdps(DIGITS):
        n = len(scores)
        w = [mp.mpf(1)] * n if weights is None else [mp.mpf(float(v)) for v in weights]
        s = [mp.mpf(float(v)) for v in scores]
        live = [si for si, wi in zip(s, w) if wi > 0]
        lo, hi = min(live), max(live)
        if lo == hi:
            return 0.0
        centre, half = (lo + hi) / 2, (hi - lo) / 2
        a, b = a_nat * half, b_nat + a_nat * centre
        n_pos = mp.fsum(wi for wi, yi in zip(w, labels) if yi)
        n_neg = mp.fsum(wi for wi, yi in zip(w, labels) if not yi)
        noise = haa = hab = hbb = mp.mpf(0)
        for si, yi, wi in zip(s, labels, w):
            f = (si - centre) / half
            t = (n_pos + 1) / (n_pos + 2) if yi else 1 / (n_neg + 2)
            q = 1 / (1 + mp.exp(-(a * f + b)))
            noise += wi * abs(q - (1 - t)) * (1 + abs(f))
            h = wi * q * (1 - q)
            haa, hab, hbb = haa + h * f * f, hab + h * f, hbb + h
        # The smaller eigenvalue of [[haa, hab], [hab, hbb]].
        mean, gap = (haa + hbb) / 2, mp.sqrt(((haa - hbb) / 2) ** 2 + hab**2)
        smallest = (haa * hbb - hab * hab) / (mean + gap)
        return float(16 * mp.mpf(2) ** -52 * noise / smallest)


def natural_errors(ours, scores, weights, oracle):
    """Differences of (A, B) in their natural units (module docstring)."""
    scores = np.asarray(scores, dtype=float)
    w = np.ones_like(scores) if weights is None else np.asarray(weights, dtype=float)
    live = scores[w > 0]
    a, b = oracle
    with mp.workdps(DIGITS):
        lo, hi = mp.mpf(float(live.min())), mp.mpf(float(live.max()))
        half, centre = (hi - lo) / 2, (hi + lo) / 2
        unit_a = max(abs(a), 1 / half) if half > 0 else mp.mpf(1)
        unit_b = max(abs(b), 1, unit_a * abs(centre))
        return (
            float(abs(mp.mpf(ours.a) - a) / unit_a),
            float(abs(mp.mpf(ours.b) - b) / unit_b),
        )


def smoothed_loss(a, b, scores, labels, weights=None):
    """The objective in double precision, for comparing two fits."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(labels).astype(bool)
    w = np.ones_like(s) if weights is None else np.asarray(weights, dtype=float)
    n_pos, n_neg = w[y].sum(), w[~y].sum()
    t = np.where(y, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    z = a * s + b
    return float(np.sum(w * (t * np.logaddexp(0, z) + (1 - t) * np.logaddexp(0, -z))))


def fit(scores, labels, weights=None):
    return PlattCalibrator().fit(
        np.asarray(scores, dtype=float),
        np.asarray(labels),
        sample_weight=None if weights is None else np.asarray(weights, dtype=float),
    )


def test_three_points_that_gave_up_now_match_mpmath():
    # Before: "did not converge in 200 Newton steps" (the loss could not resolve the last
    # step's decrease, and the step-size stopping rule never fired).
    scores, labels = [-1.8, -1.4, -0.3], [1, 0, 1]
    ours = fit(scores, labels)
    a, b = mp_platt(scores, labels)
    assert abs(ours.a / float(a) - 1) < RTOL
    assert abs(ours.b / float(b) - 1) < RTOL


def test_boosted_scores_match_mpmath():
    # Decision-function scores of a gradient-boosted model (as on Adult, where the old
    # optimiser gave up): a few hundred rows, heavy-tailed margins, many ties.
    from sklearn.datasets import make_classification
    from sklearn.ensemble import HistGradientBoostingClassifier

    x, y = make_classification(n_samples=1200, n_features=8, n_informative=5, random_state=3)
    model = HistGradientBoostingClassifier(max_iter=60, random_state=0).fit(x[:800], y[:800])
    scores, labels = model.decision_function(x[800:]), y[800:]
    ours = fit(scores, labels)
    oracle = mp_platt(scores, labels)
    assert max(natural_errors(ours, scores, None, oracle)) < RTOL
    assert abs(ours.a / float(oracle[0]) - 1) < RTOL
    assert abs(ours.b / float(oracle[1]) - 1) < RTOL


def test_small_grid_always_converges_and_matches_mpmath():
    # 121 small data sets of scores on a 0.1 grid (ties included); before the fix six of
    # these gave up (mlops-core's `small_data_sets_always_converge` runs the same family).
    rng = np.random.default_rng(121)
    worst = 0.0
    for _ in range(121):
        n = int(rng.integers(2, 13))
        scores = np.round(rng.uniform(-3, 3, n), 1)
        labels = rng.integers(0, 2, n)
        ours = fit(scores, labels)
        worst = max(worst, *natural_errors(ours, scores, None, mp_platt(scores, labels)))
    assert worst < RTOL


magnitudes = st.sampled_from([1e-300, 1e-12, 1e-3, 1.0, 30.0, 1e6, 1e15, 1e300])


@st.composite
def datasets(draw):
    n = draw(st.integers(2, 12))
    kind = draw(st.sampled_from(["spread", "ties", "constant-ish", "offset", "one score"]))
    scale = draw(magnitudes)
    ints = draw(st.lists(st.integers(-20, 20), min_size=n, max_size=n))
    if kind == "spread":
        frac = draw(st.lists(st.floats(-1, 1), min_size=n, max_size=n))
        scores = [(i + u) * scale / 20 for i, u in zip(ints, frac)]
    elif kind == "ties":
        scores = [(i % 3) * scale for i in ints]
    elif kind == "constant-ish":  # a few ulps apart
        scores = [1.0 + (i % 4) * 2.0**-52 for i in ints]
    elif kind == "offset":  # a large common offset and a small spread
        scores = [1e8 + i * 1e-4 for i in ints]
    else:
        scores = [0.7] * n
    labels = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    weights = None
    if draw(st.booleans()):
        weights = draw(st.lists(st.sampled_from([0.0, 1e-3, 0.5, 1.0, 3.0, 1e6]), min_size=n, max_size=n))
        if not any(weights):
            weights[0] = 1.0
    return scores, labels, weights


@settings(max_examples=300)
@given(datasets())
def test_platt_always_converges_to_the_mpmath_minimum(data):
    scores, labels, weights = data
    ours = fit(scores, labels, weights)  # never "did not converge"
    oracle = mp_platt(scores, labels, weights)
    err_a, err_b = natural_errors(ours, scores, weights, oracle)
    tol = RTOL + rounding_floor(scores, labels, weights, oracle)
    assert err_a < tol and err_b < tol, (ours, err_a, err_b, tol)


@pytest.mark.parametrize("seed", range(12))
def test_never_worse_than_sklearns_sigmoid_calibration(seed):
    # The same objective; scikit-learn stops L-BFGS at gtol 1e-6, so its loss can only be
    # at or above ours, and its parameters are close to ours.
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 300))
    scores = rng.normal(size=n) * 10.0 ** rng.integers(-2, 3)
    labels = (rng.random(n) < 1 / (1 + np.exp(-scores / scores.std()))).astype(int)
    weights = rng.choice([0.5, 1.0, 2.0], n) if seed % 2 else None
    ours = fit(scores, labels, weights)
    a_ref, b_ref = skc._sigmoid_calibration(scores, labels, weights)
    ours_loss = smoothed_loss(ours.a, ours.b, scores, labels, weights)
    ref_loss = smoothed_loss(a_ref, b_ref, scores, labels, weights)
    assert ours_loss <= ref_loss * (1 + 1e-14)
    grid = np.linspace(scores.min(), scores.max(), 25)
    np.testing.assert_allclose(ours.transform(grid), 1 / (1 + np.exp(a_ref * grid + b_ref)), atol=1e-4)
