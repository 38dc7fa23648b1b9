"""Isotonic calibration at 1e6 rows: mlops_audit against scikit-learn, in the same run.

Times ``mlops_audit.calibration.IsotonicCalibrator().fit`` and
``sklearn.isotonic.IsotonicRegression(out_of_bounds="clip").fit`` on the same seeded scores
(rounded to 1e-4, so with ties, as real model scores are) and labels, checks that the two
fitted functions agree on a grid of scores, and prints the speed ratio. Target: >= 3x.

Run after a release build (``maturin develop --release``)::

    python benches/compare/calibration.py [--rows 1000000] [--repeats 5]

Timings are the best of ``--repeats`` runs of each; only their ratio is meaningful.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.isotonic import IsotonicRegression

from mlops_audit.calibration import IsotonicCalibrator


def best_of(repeats: int, fn) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    rng = np.random.default_rng(20260101)
    scores = np.round(rng.random(args.rows), 4)
    labels = (rng.random(args.rows) < scores ** 2).astype(np.int64)

    ours = IsotonicCalibrator().fit(scores, labels)
    theirs = IsotonicRegression(out_of_bounds="clip").fit(scores, labels)
    grid = np.concatenate([np.linspace(-0.1, 1.1, 10_001), scores[:10_000]])
    np.testing.assert_allclose(ours.transform(grid), theirs.predict(grid), rtol=1e-9, atol=1e-12)

    t_ours = best_of(args.repeats, lambda: IsotonicCalibrator().fit(scores, labels))
    t_sklearn = best_of(
        args.repeats, lambda: IsotonicRegression(out_of_bounds="clip").fit(scores, labels)
    )
    print(f"rows: {args.rows}, best of {args.repeats}")
    print(f"mlops_audit IsotonicCalibrator.fit:      {t_ours * 1e3:9.2f} ms")
    print(f"sklearn IsotonicRegression(clip).fit:    {t_sklearn * 1e3:9.2f} ms")
    print(f"answers agree on {grid.size} scores; ratio sklearn / mlops_audit: "
          f"{t_sklearn / t_ours:.2f}x (target >= 3x)")


if __name__ == "__main__":
    main()
