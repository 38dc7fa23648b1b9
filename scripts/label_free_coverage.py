"""Coverage of the label-free intervals (``fairness.estimate_audit``) at full size.

A simulated lending portfolio (``datasets.simulate_lending``): the champion model's scores
calibrated on a training month (isotonic), applied to a production month of ``N`` loans
with the cost-optimal threshold 1/6. Outcomes are drawn ``REPS`` times from the calibrated
probabilities (calibration holds: covariate shift only), and the share of draws whose
realised FPR per group, cost per group and FPR gap fall inside the 95% intervals is
printed, with the predicted and observed probability that the gap exceeds the tolerance.
A concept-shift scenario (outcomes drawn from probabilities 1.5 times the odds the model
says) shows what the intervals cannot survive.

Run: ``python scripts/label_free_coverage.py [N] [REPS]`` (defaults 20000, 10000).
"""

from __future__ import annotations

import sys
import time

import numpy as np

from mlops_audit import calibration, datasets, fairness


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    train = datasets.simulate_lending(n, seed=0, as_frame=False)
    prod = datasets.simulate_lending(n, seed=1, drift="downturn", as_frame=False)
    cal = calibration.IsotonicCalibrator().fit(train["champion_score"], train["default"])
    p = np.clip(cal.transform(prod["champion_score"]), 0.0, 1.0)
    g = np.asarray(prod["ethnicity"])
    names = sorted(set(g.tolist()))
    t, tol = 1 / 6, 0.05
    start = time.perf_counter()
    r = fairness.estimate_audit(p, g, threshold=t, tolerance=tol)
    took = time.perf_counter() - start
    print(f"n = {n}, replicates = {reps}, estimate_audit took {took:.2f} s "
          f"(grid resolution {r.resolution:.1e}, dropped mass {r.dropped_mass:.1e})")
    # A second tolerance at the estimated gap, where P(gap > tolerance) is far from 0 and 1.
    mid = round(r.fpr_gap["value"], 4)
    r_mid = fairness.estimate_audit(p, g, threshold=t, tolerance=mid)
    flag = p >= t
    rng = np.random.default_rng(20261207)
    for scenario, truth in [("calibrated (covariate shift)", p),
                            ("concept shift (odds x1.5)", 1.5 * p / (1 + 0.5 * p))]:
        inside = {name: [0, 0] for name in names}
        gap_in, exceeded, exceeded_mid = 0, 0, 0
        done = 0
        while done < reps:
            k = min(500, reps - done)
            y = rng.random((k, len(p))) < truth
            fprs = []
            for est, name in zip(r.groups, names):
                rows = g == name
                neg = ~y[:, rows]
                fpr = (neg & flag[rows]).sum(1) / neg.sum(1)
                cost = (neg & flag[rows]).sum(1) + 5.0 * (y[:, rows] & ~flag[rows]).sum(1)
                iv = est["fpr"]["interval"]
                inside[name][0] += int(np.sum((iv["low"] <= fpr) & (fpr <= iv["high"])))
                iv = est["cost"]["interval"]
                inside[name][1] += int(np.sum((iv["low"] <= cost) & (cost <= iv["high"])))
                fprs.append(fpr)
            gap = np.max(fprs, axis=0) - np.min(fprs, axis=0)
            iv = r.fpr_gap["interval"]
            gap_in += int(np.sum((iv["low"] <= gap) & (gap <= iv["high"])))
            exceeded += int(np.sum(gap > tol))
            exceeded_mid += int(np.sum(gap > mid))
            done += k
        print(f"\n{scenario}:")
        for est, name in zip(r.groups, names):
            fi, ci = est["fpr"]["interval"], est["cost"]["interval"]
            print(f"  group {name}: {est['rows']:6d} rows, FPR {est['fpr']['value']:.4f} "
                  f"[{fi['low']:.4f}, {fi['high']:.4f}] covers {inside[name][0] / reps:.4f}; "
                  f"cost {est['cost']['value']:.1f} [{ci['low']:.0f}, {ci['high']:.0f}] "
                  f"covers {inside[name][1] / reps:.4f}")
        gi = r.fpr_gap["interval"]
        print(f"  FPR gap {r.fpr_gap['value']:.4f} [{gi['low']:.4f}, {gi['high']:.4f}] "
              f"covers {gap_in / reps:.4f}")
        print(f"  P(gap > {tol}): predicted {r.gap_exceeds_tolerance:.4f}, "
              f"observed {exceeded / reps:.4f}")
        print(f"  P(gap > {mid}): predicted {r_mid.gap_exceeds_tolerance:.4f}, "
              f"observed {exceeded_mid / reps:.4f}")


if __name__ == "__main__":
    main()
