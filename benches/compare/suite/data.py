"""Seeded workloads, shared by every comparison (and by the Evidently worker, which runs in
a virtualenv of its own: this module needs numpy and pandas only, never mlops_audit).

Every generator takes the row count and a seed; the same (n, seed) gives the same data
in any process, since numpy's PCG64 streams do not change between numpy versions.
"""

from __future__ import annotations

import numpy as np

SEED = 20261124


def lending(n: int, seed: int = SEED, n_groups: int = 4):
    """Labels (bool), scores to 1e-6 (nearly all distinct: a threshold search's worst
    case) and group names for groups of unequal size and base rate, as in
    ``benches/threshold_search.rs``. ``n_groups`` is 4 or 8."""
    rng = np.random.default_rng(seed)
    if n_groups == 4:
        cuts, base, shift = [0.5, 0.8, 0.95], [0.2, 0.25, 0.3, 0.35], [0.0, 0.05, -0.05, 0.1]
    elif n_groups == 8:
        cuts = [0.3, 0.5, 0.65, 0.77, 0.86, 0.93, 0.97]
        base = [0.2, 0.22, 0.25, 0.27, 0.3, 0.32, 0.35, 0.4]
        shift = [0.0, 0.02, 0.05, -0.02, -0.05, 0.08, 0.1, -0.08]
    else:
        raise ValueError("n_groups is 4 or 8")
    k = np.searchsorted(cuts, rng.random(n), side="right")
    bad = rng.random(n) < np.asarray(base)[k]
    score = 0.3 * bad + 0.6 * rng.random(n) + np.asarray(shift)[k]
    names = np.array([chr(ord("a") + i) for i in range(n_groups)])
    return bad, np.round(score, 6), names[k]


def two_samples(n: int, seed: int = SEED, shift: float = 0.002):
    """Reference and current normal samples of ``n`` values each, to 1e-6 (some ties),
    the current one shifted by ``shift`` standard deviations."""
    rng = np.random.default_rng(seed)
    return np.round(rng.normal(0.0, 1.0, n), 6), np.round(rng.normal(shift, 1.0, n), 6)


CATEGORIES = [list("abcd"), list("abcdef"), [f"c{i}" for i in range(10)],
              ["low", "mid", "high"], [f"r{i:02d}" for i in range(20)]]


def drift_columns(n: int, seed: int = SEED, numeric: int = 20, categorical: int = 5):
    """Two tables as dicts of numpy arrays: ``numeric`` normal columns ``x0..`` (column i of
    the current table shifted by 0.002 i) and ``categorical`` string columns ``c0..``
    (the current table's first category slightly more frequent)."""
    rng = np.random.default_rng(seed)
    tables = []
    for drift in (0.0, 1.0):
        t: dict[str, np.ndarray] = {}
        for i in range(numeric):
            t[f"x{i}"] = rng.normal(0.002 * i * drift, 1.0, n)
        for j in range(categorical):
            cats = np.array(CATEGORIES[j % len(CATEGORIES)])
            p = np.full(len(cats), 1.0)
            p[0] += 0.01 * j * drift
            t[f"c{j}"] = cats[rng.choice(len(cats), n, p=p / p.sum())]
        tables.append(t)
    return tables[0], tables[1]


def drift_frames(n: int, seed: int = SEED, numeric: int = 20, categorical: int = 5):
    """:func:`drift_columns` as two pandas DataFrames (strings in pandas' default string
    dtype), as a user holds them."""
    import pandas as pd

    ref, cur = drift_columns(n, seed, numeric, categorical)
    return pd.DataFrame(ref), pd.DataFrame(cur)


def calibration(n: int, seed: int = SEED):
    """Scores in [0, 1] to 1e-4 (with ties, as model scores are) and labels with
    P(y = 1) = score^2: a miscalibrated model."""
    rng = np.random.default_rng(seed)
    s = np.round(rng.random(n), 4)
    return s, (rng.random(n) < s**2).astype(np.int64)


def decision_scores(n: int, seed: int = SEED):
    """Decision-function scores (normal) and labels from a logistic model of them, for
    Platt scaling."""
    rng = np.random.default_rng(seed)
    f = rng.normal(size=n)
    return f, (rng.random(n) < 1.0 / (1.0 + np.exp(-1.5 * f + 0.3))).astype(np.int64)


def two_models(n: int, seed: int = SEED):
    """Labels and the scores of two correlated models to 1e-4 (ties), as in
    ``benches/common/mod.rs``."""
    rng = np.random.default_rng(seed)
    s = rng.random(n)
    a = np.round(s, 4)
    b = np.round(0.7 * s + 0.3 * rng.random(n), 4)
    return (rng.random(n) < s).astype(np.int64), a, b


def paired_predictions(n: int, seed: int = SEED):
    """Labels, two models' hard predictions (each right about 80% of the time, correlated)
    and their per-row log losses, for McNemar's test and the paired t-test."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(np.int64)
    u = rng.random(n)
    p_a = np.clip(np.where(y == 1, 0.65, 0.25) + 0.6 * (u - 0.5), 0.01, 0.99)
    p_b = np.clip(p_a + 0.3 * (rng.random(n) - 0.5) + 0.01 * y, 0.01, 0.99)
    loss_a = -np.log(np.where(y == 1, p_a, 1 - p_a))
    loss_b = -np.log(np.where(y == 1, p_b, 1 - p_b))
    return y, (p_a >= 0.5).astype(np.int64), (p_b >= 0.5).astype(np.int64), loss_a, loss_b
