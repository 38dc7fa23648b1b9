"""Shared tolerances, seeded data generators and oracle helpers for the mlops_audit tests.

Tolerances live here and only here. Oracles are independent implementations (scikit-learn,
plain numpy brute force); nothing in this suite compares the package with stored outputs of
itself.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tempfile
from collections.abc import Callable

import numpy as np
import pytest

# Hypothesis keeps caches (e.g. its unicode tables) in ./.hypothesis by default; keep the
# repository clean by using the system temp directory instead (read lazily by hypothesis).
os.environ.setdefault(
    "HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "mlops_audit_hypothesis")
)

from hypothesis import HealthCheck, settings  # noqa: E402

# --------------------------------------------------------------------------------------
# Tolerances: the single place where "close enough" is defined.
# --------------------------------------------------------------------------------------
RTOL = 1e-12
ATOL = 1e-12
# Linear programs solved by scipy's HiGHS: its primal/dual feasibility and optimality
# tolerances are 1e-7, so its optimum is only that close to the exact one.
LP_RTOL = 1e-7
# Two bootstraps of the same statistic with different random draws (ours against
# scipy.stats.bootstrap) differ by Monte-Carlo error, not rounding: with B = 2000 replicates
# the 2.5%/97.5% quantiles have a Monte-Carlo standard deviation of about 0.06 standard
# errors each, so their difference stays within 0.35 standard errors (4 sigma).
MC_SE_TOL = 0.35

# Hypothesis: no deadline (first calls pay numpy/sklearn import and JIT-free warmup costs),
# no example database (the suite writes nothing outside tests/python), bounded examples so
# the whole suite stays well under a minute on two cores.
settings.register_profile(
    "mlops",
    deadline=None,
    max_examples=150,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# A long run for local bug hunting: MLOPS_HYPOTHESIS_PROFILE=thorough python -m pytest ...
settings.register_profile("thorough", settings.get_profile("mlops"), max_examples=3000)
settings.load_profile(os.environ.get("MLOPS_HYPOTHESIS_PROFILE", "mlops"))


def assert_close(actual, expected, *, rtol: float = RTOL, atol: float = ATOL) -> None:
    """Element-wise closeness with the suite's tolerances (inf == inf is fine)."""
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=rtol, atol=atol
    )


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=RTOL, abs_tol=ATOL)


# --------------------------------------------------------------------------------------
# Seeded data generators.
# --------------------------------------------------------------------------------------
SEEDS = tuple(range(20))
# Sizes from 1 to 2000, one per seed (small sizes exercise the one-class/undefined paths).
SIZES = (1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1200, 1500, 1750, 1999, 2000)
TIE_MODES = ("handful", "round1", "continuous")
WEIGHT_MODES = ("none", "float_zeros", "int_zeros")


def make_labels(rng: np.random.Generator, n: int) -> np.ndarray:
    """0/1 int64 labels with a random prevalence in [0.05, 0.95]."""
    prevalence = rng.uniform(0.05, 0.95)
    return (rng.random(n) < prevalence).astype(np.int64)


def make_scores(rng: np.random.Generator, y: np.ndarray, ties: str) -> np.ndarray:
    """Scores weakly informative of ``y``.

    ``handful``: drawn from 3-5 distinct values (very heavy ties);
    ``round1``: ``np.round(x, 1)`` of a probability-like score (about 11 values);
    ``continuous``: normal scores (no ties, almost surely).
    """
    n = y.shape[0]
    signal = rng.uniform(0.0, 1.5)
    if ties == "handful":
        values = np.sort(rng.choice(np.linspace(-2.0, 2.0, 41), size=rng.integers(3, 6), replace=False))
        # shift the index a little towards the top for positives
        idx = rng.integers(0, values.size, n) + (y * rng.integers(0, 2, n))
        return values[np.minimum(idx, values.size - 1)]
    if ties == "round1":
        x = 1.0 / (1.0 + np.exp(-(signal * (2 * y - 1) + rng.normal(0.0, 1.0, n))))
        return np.round(x, 1)
    if ties == "continuous":
        return rng.normal(signal * y, 1.0, n)
    raise ValueError(ties)


def make_weights(rng: np.random.Generator, n: int, mode: str) -> np.ndarray | None:
    """``none``; ``float_zeros``: positive exponential weights with ~25% exact zeros;
    ``int_zeros``: integers 0..3. At least one weight is positive."""
    if mode == "none":
        return None
    if mode == "float_zeros":
        w = rng.exponential(1.0, n)
        w[rng.random(n) < 0.25] = 0.0
    elif mode == "int_zeros":
        w = rng.integers(0, 4, n).astype(np.float64)
    else:
        raise ValueError(mode)
    if not np.any(w > 0):
        w[rng.integers(0, n)] = 1.0
    return w


@dataclasses.dataclass(frozen=True)
class Case:
    """One seeded binary-classification data set."""

    seed: int
    y: np.ndarray
    s: np.ndarray
    w: np.ndarray | None

    @property
    def weights_or_ones(self) -> np.ndarray:
        return np.ones_like(self.s) if self.w is None else self.w

    @property
    def pos_weight(self) -> float:
        return float(self.weights_or_ones[self.y == 1].sum())

    @property
    def neg_weight(self) -> float:
        return float(self.weights_or_ones[self.y == 0].sum())

    @property
    def both_classes(self) -> bool:
        """Both classes carry positive weight (otherwise ROC/AUC are undefined)."""
        return self.pos_weight > 0 and self.neg_weight > 0


def make_case(seed: int, n: int, ties: str, weights: str) -> Case:
    rng = np.random.default_rng([seed, n, TIE_MODES.index(ties), WEIGHT_MODES.index(weights)])
    y = make_labels(rng, n)
    s = make_scores(rng, y, ties)
    w = make_weights(rng, n, weights)
    return Case(seed, y, s, w)


CASE_PARAMS = [
    pytest.param((seed, n, ties, wmode), id=f"seed{seed}-n{n}-{ties}-{wmode}")
    for seed, n in zip(SEEDS, SIZES)
    for ties in TIE_MODES
    for wmode in WEIGHT_MODES
]


@pytest.fixture(params=CASE_PARAMS)
def case(request) -> Case:
    return make_case(*request.param)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240601)


# --------------------------------------------------------------------------------------
# Brute-force numpy oracles (no sorting tricks, no cumulative sums).
# --------------------------------------------------------------------------------------
def brute_confusion(y, s, t, w=None) -> tuple[float, float, float, float]:
    """(tp, fp, tn, fn) of the rule ``s >= t`` by masking."""
    y = np.asarray(y).astype(bool)
    s = np.asarray(s, dtype=float)
    w = np.ones_like(s) if w is None else np.asarray(w, dtype=float)
    pred = s >= t
    return (
        float(w[y & pred].sum()),
        float(w[~y & pred].sum()),
        float(w[~y & ~pred].sum()),
        float(w[y & ~pred].sum()),
    )


def brute_cost(y, s, t, w=None, fn_cost=5.0, fp_cost=1.0, tp_cost=0.0, tn_cost=0.0) -> float:
    tp, fp, tn, fn = brute_confusion(y, s, t, w)
    return fn_cost * fn + fp_cost * fp + tp_cost * tp + tn_cost * tn


def brute_min_cost(y, s, w=None, **costs) -> tuple[float, float]:
    """Minimum over every distinct score and +inf; ties go to the highest threshold."""
    candidates = np.concatenate([[np.inf], np.unique(np.asarray(s, dtype=float))[::-1]])
    best_t, best_c = np.inf, brute_cost(y, s, np.inf, w, **costs)
    for t in candidates[1:]:  # descending: a strict improvement is needed to move down
        c = brute_cost(y, s, t, w, **costs)
        if c < best_c:
            best_t, best_c = float(t), c
    return best_t, best_c


def rate_oracle(num: float, den: float) -> float | None:
    return None if den == 0 else num / den


RATE_DEFS: dict[str, Callable[[float, float, float, float], tuple[float, float]]] = {
    # name: (tp, fp, tn, fn) -> (numerator, denominator)
    "tpr": lambda tp, fp, tn, fn: (tp, tp + fn),
    "fpr": lambda tp, fp, tn, fn: (fp, fp + tn),
    "tnr": lambda tp, fp, tn, fn: (tn, tn + fp),
    "fnr": lambda tp, fp, tn, fn: (fn, fn + tp),
    "precision": lambda tp, fp, tn, fn: (tp, tp + fp),
    "selection_rate": lambda tp, fp, tn, fn: (tp + fp, tp + fp + tn + fn),
    "accuracy": lambda tp, fp, tn, fn: (tp + tn, tp + fp + tn + fn),
}

# Fitted models (beta calibration) against scikit-learn's LogisticRegression: both optimise
# the same strictly convex likelihood to convergence, but stop at different points within
# the optimiser's tolerance (about 1e-13 relative apart in practice), so the coefficients
# are compared at this looser relative tolerance.
FIT_RTOL = 1e-9
# The authors' `betacal` package fits with scikit-learn's lbfgs at its default tol=1e-4 and
# C=1e11 (a vanishing penalty), so its probabilities are only that close to the optimum
# (differences up to 2.4e-4 were seen on 600 rows).
BETACAL_ATOL = 1e-3

# Drift monitor against SciPy: p-values come from independent special-function code, and
# agree to 1e-10 relative (the agreement documented for ks_2samp and chi2_contingency);
# SciPy solves the exact Clopper-Pearson interval with brentq (default xtol 2e-12 absolute),
# so those bounds get an absolute slack.
DRIFT_PVALUE_RTOL = 1e-10
BRENTQ_ATOL = 1e-11
