"""The mixture SPRT against an independent numpy implementation of the formulas of Johari,
Pekelis & Walsh ("Always valid inference"), and seeded simulations of peeking: type-I error
at or below alpha within binomial error, and a real effect detected."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from conftest import ATOL, RTOL
from mlops_audit import errors
from mlops_audit.compare import SequentialTest


def oracle(batches_a, batches_b, kind, alpha, tau2):
    """Every look's (pvalue, ci_low, ci_high, log_lr) from the cumulative data, written
    from the formulas: V = s_a^2/n_a + s_b^2/n_b, Lambda = sqrt(V/(V+t)) exp(t d^2 / (2V(V+t)))."""
    out, p, lo, hi = [], 1.0, -math.inf, math.inf
    a, b = np.array([]), np.array([])
    for xa, xb in zip(batches_a, batches_b):
        a, b = np.concatenate([a, xa]), np.concatenate([b, xb])
        if a.size < 2 or b.size < 2:
            out.append((p, None, None, None))
            continue
        ddof = 0 if kind == "proportions" else 1
        v = a.var(ddof=ddof) / a.size + b.var(ddof=ddof) / b.size
        if v == 0:
            out.append((p, None if lo == -math.inf else lo, None if hi == math.inf else hi, None))
            continue
        d = b.mean() - a.mean()
        log_lr = 0.5 * math.log(v / (v + tau2)) + tau2 * d * d / (2 * v * (v + tau2))
        p = min(p, min(1.0, math.exp(-log_lr)))
        half = math.sqrt(v * (v + tau2) / tau2 * (math.log((v + tau2) / v) - 2 * math.log(alpha)))
        lo, hi = max(lo, d - half), min(hi, d + half)
        out.append((p, lo, hi, log_lr))
    return out


def close(x, y, rtol=RTOL):
    if x is None or y is None:
        return x is y
    return math.isclose(x, y, rel_tol=rtol, abs_tol=ATOL)


@pytest.mark.parametrize("kind", ["proportions", "means"])
@pytest.mark.parametrize("seed", range(4))
def test_every_look_matches_the_numpy_formulas(kind, seed):
    rng = np.random.default_rng(seed)
    looks = 25
    sizes = rng.integers(0, 40, size=(looks, 2))
    if kind == "proportions":
        draw = lambda n, p: (rng.random(n) < p).astype(float)  # noqa: E731
        batches_a = [draw(n, 0.3) for n in sizes[:, 0]]
        batches_b = [draw(n, 0.3 + 0.05 * seed) for n in sizes[:, 1]]
        tau2 = 0.05**2
    else:
        batches_a = [rng.normal(0, 2, n) for n in sizes[:, 0]]
        batches_b = [rng.normal(0.2 * seed, 2, n) for n in sizes[:, 1]]
        tau2 = 0.5**2
    test = SequentialTest(kind, tau2=tau2, alpha=0.05)
    expected = oracle(batches_a, batches_b, kind, 0.05, tau2)
    last = 1.0
    for xa, xb, (p, lo, hi, log_lr) in zip(batches_a, batches_b, expected):
        r = test.update(xa, xb)
        # Welford/Chan merging vs numpy's two-pass variance: agreement to ~1e-12 relative,
        # amplified slightly by exp() of the log-likelihood ratio.
        assert close(r.pvalue, p, 1e-9), (r.pvalue, p)
        assert close(r.ci_low, lo, 1e-9) and close(r.ci_high, hi, 1e-9)
        assert close(r.log_likelihood_ratio, log_lr, 1e-9)
        assert r.pvalue <= last
        last = r.pvalue
        assert r.rejected == (r.pvalue <= 0.05)
    assert r.looks == looks and r.n_champion == sizes[:, 0].sum()
    assert r.n_challenger == sizes[:, 1].sum()


def test_counts_equal_values():
    by_counts = SequentialTest("proportions", tau2=1e-3)
    by_values = SequentialTest("proportions", tau2=1e-3)
    rng = np.random.default_rng(5)
    for _ in range(10):
        a, b = (rng.random(50) < 0.2).astype(float), (rng.random(60) < 0.3).astype(float)
        rc = by_counts.update_counts(int(a.sum()), a.size, int(b.sum()), b.size)
        rv = by_values.update(a, b)
        assert close(rc.pvalue, rv.pvalue, 1e-12) and close(rc.ci_low, rv.ci_low, 1e-12)


def _peek_runs(runs, looks, batch, p_a, p_b, tau2, seed):
    rng = np.random.default_rng(seed)
    sa = rng.binomial(batch, p_a, size=(runs, looks))
    sb = rng.binomial(batch, p_b, size=(runs, looks))
    rejected, towards_b = 0, 0
    for r in range(runs):
        test = SequentialTest("proportions", tau2=tau2, alpha=0.05)
        for k in range(looks):  # peek after every batch: `rejected` is final once true
            test._inner.update_counts(int(sa[r, k]), batch, int(sb[r, k]), batch)
        res = test.result()
        rejected += res.rejected
        towards_b += res.decision == "challenger_greater"
    return rejected / runs, towards_b / runs


def test_type_one_error_under_peeking_is_at_most_alpha():
    runs = 2000
    rate, _ = _peek_runs(runs, 20, 100, 0.2, 0.2, 0.03**2, seed=11)
    assert rate <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / runs), rate


def test_a_real_effect_is_detected_in_the_right_direction():
    rate, towards_b = _peek_runs(300, 20, 100, 0.2, 0.26, 0.03**2, seed=12)
    assert rate >= 0.9 and towards_b == rate


def test_state_round_trips_and_bad_inputs_raise():
    t = SequentialTest("means", tau2=0.1)
    t.update([1.0, 2.0, 3.0], [2.0, 2.5, 4.0])
    back = SequentialTest.from_json(t.to_json())
    assert back.result() == t.result()
    back.update([1.0], [5.0])
    t.update([1.0], [5.0])
    assert back.result() == t.result()
    assert pickle.loads(pickle.dumps(t)).result() == t.result()
    with pytest.raises(errors.ParameterError):
        SequentialTest("medians", tau2=0.1)
    with pytest.raises(errors.ParameterError):
        SequentialTest("means", tau2=0.0)
    with pytest.raises(errors.ParameterError):
        SequentialTest("means", tau2=0.1, alpha=1.5)
    with pytest.raises(errors.ParameterError):
        t.update_counts(1, 2, 1, 2)
    with pytest.raises(errors.NonFiniteError):
        t.update([float("nan")], [])
    with pytest.raises(errors.OutOfRangeError):
        SequentialTest("proportions", tau2=0.1).update([0.5], [1.0])
    with pytest.raises(errors.ParameterError):
        SequentialTest("proportions", tau2=0.1).update_counts(3, 2, 0, 0)
