"""Side by side, in one run: mlops_audit.fairness.equal_opportunity against fairlearn's
ThresholdOptimizer(constraints="false_positive_rate_parity") on the same data.

Both are given the model's scores (fairlearn through a pass-through estimator with
prefit=True, so neither side trains anything) and must return per-group decision rules
with equal false-positive rates. fairlearn maximises accuracy, so the comparison runs
with equal error costs (fn_cost = fp_cost = 1), where both minimise the expected number
of errors; the answers are checked before any time is reported: our rules reach equal
FPRs and never make more expected errors than fairlearn's (whose search is a grid).

Usage:  python benches/compare/fairness.py [--sizes 100000 1000000] [--repeats 3]
Prints a Markdown table of median wall times and ratios.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from mlops_audit.fairness import equal_opportunity


def lending_data(n: int, seed: int = 0):
    """Four groups of unequal size and base rate, scores to 1e-6 (nearly all distinct),
    as in the Rust bench benches/threshold_search.rs."""
    rng = np.random.default_rng(seed)
    u = rng.random(n)
    k = np.searchsorted([0.5, 0.8, 0.95], u, side="right")
    bad = rng.random(n) < np.array([0.2, 0.25, 0.3, 0.35])[k]
    score = 0.3 * bad + 0.6 * rng.random(n) + np.array([0.0, 0.05, -0.05, 0.1])[k]
    groups = np.array(["a", "b", "c", "d"])[k]
    return bad, np.round(score, 6), groups


def median_time(f, repeats: int):
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def fairlearn_fit(y, s, g):
    from fairlearn.postprocessing import ThresholdOptimizer
    from sklearn.base import BaseEstimator, ClassifierMixin

    class Scores(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            self.classes_ = np.array([0, 1])
            return self

        def predict(self, X):
            return np.asarray(X)[:, 0]

    X = s[:, None]
    to = ThresholdOptimizer(estimator=Scores().fit(X, y), constraints="false_positive_rate_parity",
                            objective="accuracy_score", prefit=True, predict_method="predict")
    to.fit(X, y.astype(int), sensitive_features=g)
    return to


def expected_errors_and_fpr(p, y, g):
    """Expected errors and per-group FPRs of flag probabilities p."""
    errors = p[~y].sum() + (1 - p[y]).sum()
    fpr = {k: p[(g == k) & ~y].mean() for k in np.unique(g)}
    return errors, fpr


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    print("| rows | fairlearn ThresholdOptimizer | mlops_audit randomized | ratio "
          "| mlops_audit deterministic (tol 0.01) | ratio |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        y, s, g = lending_data(n)
        t_fl, to = median_time(lambda: fairlearn_fit(y, s, g), max(1, args.repeats // 2))
        t_rand, pol = median_time(
            lambda: equal_opportunity(y, s, g, fn_cost=1.0, fp_cost=1.0, randomized=True),
            args.repeats)
        t_det, det = median_time(
            lambda: equal_opportunity(y, s, g, fn_cost=1.0, fp_cost=1.0, tolerance=0.01),
            args.repeats)

        # Check the answers before reporting any time.
        p_fl = to._pmf_predict(s[:, None], sensitive_features=g)[:, 1]
        fl_errors, fl_fpr = expected_errors_and_fpr(p_fl, y, g)
        ours = pol.total_cost
        rates = list(pol.rates.values())
        assert max(rates) - min(rates) <= 1e-12, rates
        assert ours <= fl_errors + 1e-6 * n, (ours, fl_errors)
        assert det.max_gap <= 0.01 + 1e-12
        print(f"| {n:,} | {t_fl * 1e3:,.0f} ms | {t_rand * 1e3:,.1f} ms | {t_fl / t_rand:,.0f}x "
              f"| {t_det * 1e3:,.1f} ms | {t_fl / t_det:,.0f}x |")
        print(f"<!-- n={n}: expected errors fairlearn {fl_errors:.1f} (FPR gap "
              f"{max(fl_fpr.values()) - min(fl_fpr.values()):.2e}), mlops_audit randomized "
              f"{ours:.1f} (gap {max(rates) - min(rates):.1e}), deterministic {det.total_cost:.1f} "
              f"(gap {det.max_gap:.4f}) -->")


if __name__ == "__main__":
    main()
