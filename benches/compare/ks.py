"""mlops_audit.drift.ks_2samp against scipy.stats.ks_2samp at 1e6 vs 1e6, in the same run.

Run after ``maturin develop --release`` (a debug build is many times slower):

    python benches/compare/ks.py

Checks that the two agree (statistic exactly, p-value to 1e-10 relative, same method) and
prints the best-of-N wall time of each and their ratio (target: at least 10x).
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np
import scipy.stats as st

from mlops_audit.drift import ks_2samp

N = 1_000_000
REPEATS = 5


def best_time(f, repeats: int = REPEATS) -> float:
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t0)
    return best


def compare(name: str, reference: np.ndarray, current: np.ndarray) -> float:
    ours = ks_2samp(reference, current)
    theirs = st.ks_2samp(reference, current)
    assert ours.statistic == theirs.statistic, (ours.statistic, theirs.statistic)
    assert math.isclose(ours.pvalue, theirs.pvalue, rel_tol=1e-10), (ours.pvalue, theirs.pvalue)
    assert ours.statistic_location == theirs.statistic_location
    assert ours.method == "asymp"

    t_ours = best_time(lambda: ks_2samp(reference, current))
    t_scipy = best_time(lambda: st.ks_2samp(reference, current))
    ratio = t_scipy / t_ours
    print(f"ks_2samp 1e6 vs 1e6, {name}: statistic {ours.statistic:.6g}, p-value {ours.pvalue:.6g} (agree)")
    print(f"  mlops_audit: {t_ours * 1e3:8.1f} ms (best of {REPEATS})")
    print(f"  scipy:       {t_scipy * 1e3:8.1f} ms (best of {REPEATS})")
    print(f"  ratio scipy / mlops_audit: {ratio:.1f}x (target >= 10x)")
    return ratio


def main() -> int:
    rng = np.random.default_rng(20261124)
    reference = np.round(rng.normal(0.0, 1.0, N), 6)
    # A small shift: the p-value comes from Pelz and Good's expansion.
    compare("shift 0.002 sd", reference, np.round(rng.normal(0.002, 1.0, N), 6))
    # A larger shift: the p-value comes from the Birnbaum-Tingey sum (n d^2 >= 2.2), which
    # has about n (1 - d) terms for the effective size n = 5e5.
    compare("shift 0.005 sd", reference, np.round(rng.normal(0.005, 1.0, N), 6))
    return 0


if __name__ == "__main__":
    sys.exit(main())
