"""Per-group thresholds with equal false-positive rates, 4 groups.

Peers:

- fairlearn's ``ThresholdOptimizer(constraints="false_positive_rate_parity")`` against our
  randomized rules (``randomized=True``): both equalise the FPRs exactly with randomized
  rules. fairlearn maximises accuracy, so both run with equal error costs (1:1) and
  minimise the expected number of errors; our rules must reach equal FPRs and never make
  more expected errors than fairlearn's (whose search is over a grid).
- :func:`numpy_window_search`, the exact deterministic search written in numpy (sort per
  group, cumulative counts, then every window of allowed FPRs), against ours
  (``tolerance=0.01``): same total cost, same thresholds.

Lower bounds: bare sorts (Rust, numpy) of the scores (the search must sort them once).
"""

from __future__ import annotations

import numpy as np

from . import data
from .runner import Peer, Workload

FN_COST = FP_COST = 1.0
TOLERANCE = 0.01


def generate(n: int):
    return data.lending(n, n_groups=4)


def ours_deterministic(d):
    from mlops_audit.fairness import equal_opportunity

    y, s, g = d
    return equal_opportunity(y, s, g, fn_cost=FN_COST, fp_cost=FP_COST, tolerance=TOLERANCE)


def ours_randomized(d):
    from mlops_audit.fairness import equal_opportunity

    y, s, g = d
    return equal_opportunity(y, s, g, fn_cost=FN_COST, fp_cost=FP_COST, randomized=True,
                             tolerance=0.0)


# ---------------------------------------------------------------------------------------
# The deterministic search in numpy.
# ---------------------------------------------------------------------------------------

def _operating_points(y: np.ndarray, s: np.ndarray):
    """One group's operating points, the first k tie blocks of scores (from the top)
    flagged, k = 0..B: FPR, cost, and the threshold (lowest flagged score; inf for none).
    Of points with equal FPR only the cheapest can be chosen: with a positive cost of a
    missed positive it is the last of them (more positives caught, no more negatives)."""
    order = np.argsort(-s, kind="stable")
    ss, yy = s[order], y[order]
    ends = np.flatnonzero(np.append(ss[1:] != ss[:-1], True))
    tp = np.concatenate([[0], np.cumsum(yy)[ends]])
    fp = np.concatenate([[0], ends + 1]) - tp
    pos, neg = tp[-1], fp[-1]
    rate = fp / neg
    cost = FN_COST * (pos - tp) + FP_COST * fp
    threshold = np.concatenate([[np.inf], ss[ends]])
    last_of_rate = np.flatnonzero(np.append(rate[1:] != rate[:-1], True))
    return rate[last_of_rate], cost[last_of_rate], threshold[last_of_rate]


class _RangeMin:
    """Leftmost argmin of ``cost[lo:hi]`` for many ranges at once (a sparse table)."""

    def __init__(self, cost: np.ndarray, longest: int):
        self.cost = cost
        self.levels = [np.arange(cost.size)]
        width = 1
        while 2 * width <= longest:
            prev = self.levels[-1]
            left, right = prev[:-width], prev[width:]
            self.levels.append(np.where(cost[left] <= cost[right], left, right))
            width *= 2

    def argmin(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        level = np.floor(np.log2(np.maximum(hi - lo, 1))).astype(np.int64)
        out = np.empty(lo.size, dtype=np.int64)
        for k in np.unique(level):
            sel = level == k
            a = self.levels[k][lo[sel]]
            b = self.levels[k][hi[sel] - (1 << k)]
            out[sel] = np.where(self.cost[a] <= self.cost[b], a, b)
        return out


def _window_ends(rate: np.ndarray, low: np.ndarray, tol: float) -> np.ndarray:
    """For each window start, the number of rates r with ``r - low <= tol`` (the same
    test, under the same rounding, as the library's)."""
    hi = np.searchsorted(rate, low + tol, side="right")
    while True:  # rounding of low + tol can put the end one step off either way
        up = (hi < rate.size) & (rate[np.minimum(hi, rate.size - 1)] - low <= tol)
        down = (hi > 0) & (rate[np.maximum(hi - 1, 0)] - low > tol)
        if not (up.any() or down.any()):
            return hi
        hi = hi + up - down


def numpy_window_search(d, tol: float = TOLERANCE):
    """The cheapest choice of one operating point per group whose FPRs lie within ``tol``
    of each other: for every window start L (any group's FPR), each group takes its
    cheapest point with FPR in [L, L + tol]; the cheapest L wins (the lowest on a tie).
    Returns (total cost, thresholds by group)."""
    y, s, g = d
    names, codes = np.unique(g, return_inverse=True)
    groups = [_operating_points(y[codes == k], s[codes == k]) for k in range(names.size)]
    starts = np.unique(np.concatenate([rate for rate, _, _ in groups]))
    total = np.zeros(starts.size)
    feasible = np.ones(starts.size, dtype=bool)
    picks = []
    for rate, cost, _ in groups:
        lo = np.searchsorted(rate, starts, side="left")
        hi = _window_ends(rate, starts, tol)
        ok = hi > lo
        feasible &= ok
        pick = np.zeros(starts.size, dtype=np.int64)
        pick[ok] = _RangeMin(cost, int((hi - lo).max())).argmin(lo[ok], hi[ok])
        total += np.where(ok, cost[pick], 0.0)
        picks.append(pick)
    best = int(np.argmin(np.where(feasible, total, np.inf)))
    thresholds = {str(name): float(t[pick[best]])
                  for name, (_, _, t), pick in zip(names, groups, picks, strict=True)}
    return float(total[best]), thresholds


def check_numpy(d, ours, theirs) -> None:
    cost, thresholds = theirs
    assert ours.total_cost == cost, (ours.total_cost, cost)
    assert ours.thresholds == thresholds, (ours.thresholds, thresholds)
    assert ours.max_gap <= TOLERANCE


# ---------------------------------------------------------------------------------------
# fairlearn.
# ---------------------------------------------------------------------------------------

def fairlearn_fit(d):
    from fairlearn.postprocessing import ThresholdOptimizer
    from sklearn.base import BaseEstimator, ClassifierMixin

    class Scores(ClassifierMixin, BaseEstimator):
        """Passes the model's scores through, so that nothing is trained."""

        def fit(self, X, y):
            self.classes_ = np.array([0, 1])
            return self

        def predict(self, X):
            return np.asarray(X)[:, 0]

    y, s, g = d
    X = s[:, None]
    optimizer = ThresholdOptimizer(
        estimator=Scores().fit(X, y), constraints="false_positive_rate_parity",
        objective="accuracy_score", prefit=True, predict_method="predict")
    return optimizer.fit(X, y.astype(int), sensitive_features=g)


def check_fairlearn(d, ours, theirs) -> None:
    """Our randomized rules equalise the FPRs exactly and make no more expected errors."""
    y, s, g = d
    pol = ours
    rates = list(pol.rates.values())
    assert max(rates) - min(rates) <= 1e-12, rates
    p = theirs._pmf_predict(s[:, None], sensitive_features=g)[:, 1]
    fairlearn_errors = p[~y].sum() + (1 - p[y]).sum()
    assert pol.total_cost <= fairlearn_errors + 1e-6 * y.size, (pol.total_cost, fairlearn_errors)


def scores(d):
    return d[1]


DETERMINISTIC = Workload(
    key="threshold",
    title="Threshold search, equal FPR within 0.01 (deterministic)",
    size=lambda n: f"{n:.0e} rows, 4 groups",
    generate=generate,
    ours=ours_deterministic,
    peers=[Peer("numpy (same exact search)", numpy_window_search, check_numpy, target=5.0)],
    sort_input=scores,
    bound_target=2.0,
)

RANDOMIZED = Workload(
    key="threshold_randomized",
    title="Threshold search, equal FPR (randomized rules)",
    size=lambda n: f"{n:.0e} rows, 4 groups",
    generate=generate,
    ours=ours_randomized,
    peers=[Peer("fairlearn ThresholdOptimizer", fairlearn_fit,
                check_fairlearn, target=100.0,
                max_n=10**6, skip_reason="fairlearn skipped at 1e7 (too slow)",
                needs=("fairlearn", "sklearn"))],
    sort_input=scores,
    bound_target=2.0,
)

WORKLOADS = [DETERMINISTIC, RANDOMIZED]
