"""Times mlops_audit.compare against vectorised numpy written here, on the same data, and
prints ratios (never absolute targets):

- DeLong's test at 1e6 rows against a numpy midrank DeLong (Sun & Xu 2014's placement
  form: midranks by ``np.unique`` over all rows, the positives and the negatives); the two
  must agree before anything is timed. Target: mlops_audit at least 3x faster.
- The 1000-replicate paired bootstrap of the AUC difference at 1e5 rows against numpy
  doing the same algorithm (sort once, per replicate ``np.bincount`` multiplicities and a
  weighted sweep over tie blocks with ``np.add.reduceat``), checked replicate by replicate
  on the package's own multiplicities.

Run after ``maturin develop --release``: ``python benches/compare/compare.py``.
"""

from __future__ import annotations

import math
import time

import numpy as np

from mlops_audit.compare import _replicate_multiplicities, delong, paired_bootstrap


def best_of(f, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return min(times), out


def midrank(x):
    """Average 1-based ranks, ties sharing the mean of their ranks."""
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    upper = np.cumsum(counts)
    return (upper - (counts - 1) / 2.0)[inverse]


def numpy_delong(y, a, b):
    """(auc_a, auc_b, std_error of auc_a - auc_b, two-sided p) by Sun & Xu's midranks."""
    pos, neg = y == 1, y == 0
    m, n = int(pos.sum()), int(neg.sum())
    v10, v01, aucs = [], [], []
    for s in (a, b):
        x, z = s[pos], s[neg]
        tz = midrank(np.concatenate([x, z]))
        tx, ty = midrank(x), midrank(z)
        aucs.append((tz[:m].sum() - m * (m + 1) / 2.0) / (m * n))
        v10.append((tz[:m] - tx) / n)
        v01.append(1.0 - (tz[m:] - ty) / m)
    s10, s01 = np.cov(np.array(v10)), np.cov(np.array(v01))
    var = (s10[0, 0] + s10[1, 1] - 2 * s10[0, 1]) / m + (s01[0, 0] + s01[1, 1] - 2 * s01[0, 1]) / n
    se = math.sqrt(var)
    z = (aucs[0] - aucs[1]) / se
    return aucs[0], aucs[1], se, math.erfc(abs(z) / math.sqrt(2.0))


class NumpyBootstrapAuc:
    """The same algorithm as the package's bootstrap, in numpy: each model sorted once;
    a replicate's AUC is a weighted sweep over the tie blocks."""

    def __init__(self, y, s):
        order = np.argsort(s, kind="stable")
        self.order, self.y = order, y[order].astype(bool)
        ss = s[order]
        self.starts = np.flatnonzero(np.concatenate([[True], ss[1:] != ss[:-1]]))

    def auc(self, m):
        w = m[self.order].astype(float)
        bp = np.add.reduceat(np.where(self.y, w, 0.0), self.starts)
        bn = np.add.reduceat(np.where(self.y, 0.0, w), self.starts)
        below = np.cumsum(bn) - bn
        return float((bp * (below + 0.5 * bn)).sum() / (bp.sum() * bn.sum()))


def data(n, seed):
    rng = np.random.default_rng(seed)
    s = rng.random(n)
    a = np.round(s, 4)
    b = np.round(0.7 * s + 0.3 * rng.random(n), 4)
    y = (rng.random(n) < s).astype(np.int64)
    return y, a, b


def main():
    n = 1_000_000
    y, a, b = data(n, 1)
    ours = delong(y, a, b)
    ref = numpy_delong(y, a, b)
    for got, exp in zip((ours.auc_a, ours.auc_b, ours.std_error, ours.pvalue), ref):
        assert math.isclose(got, exp, rel_tol=1e-9, abs_tol=1e-300), (got, exp)
    t_ours, _ = best_of(lambda: delong(y, a, b))
    t_np, _ = best_of(lambda: numpy_delong(y, a, b))
    print(f"DeLong, {n:.0e} rows: mlops_audit {t_ours * 1e3:.1f} ms, numpy midrank "
          f"{t_np * 1e3:.1f} ms -> mlops_audit is {t_np / t_ours:.1f}x faster (target >= 3x)")

    n, B = 100_000, 1000
    y, a, b = data(n, 2)
    t_ours, r = best_of(lambda: paired_bootstrap(y, a, b, n_resamples=B, seed=7), repeat=2)
    ba, bb = NumpyBootstrapAuc(y, a), NumpyBootstrapAuc(y, b)
    m = _replicate_multiplicities(n, seed=7, n_replicates=5)
    for k in range(5):
        assert math.isclose(r.replicates[k], bb.auc(m[k]) - ba.auc(m[k]), rel_tol=1e-9)
    reps = 100  # numpy is timed on 100 replicates and scaled to 1000
    rng = np.random.default_rng(3)

    def numpy_boot():
        out = []
        for _ in range(reps):
            mult = np.bincount(rng.integers(0, n, n), minlength=n)
            out.append(bb.auc(mult) - ba.auc(mult))
        return out

    t_np, _ = best_of(numpy_boot, repeat=2)
    t_np *= B / reps
    print(f"Paired bootstrap of the AUC difference, {B} replicates of {n:.0e} rows: "
          f"mlops_audit {t_ours:.2f} s, numpy (same algorithm, scaled from {reps}) "
          f"{t_np:.2f} s -> {t_np / t_ours:.1f}x faster")


if __name__ == "__main__":
    main()
