"""Sample weights near float64's largest value: a typed refusal or the exact answer, never
NaN or infinity.

The library's rule: the weights' total must not exceed half of ``f64::MAX`` (so that every
partial sum, in any order, stays finite), else ``WeightOverflowError`` naming
``sample_weight``; a total cost is refused the same way when the largest cost times the
total weight exceeds that limit. Below the limit every result is finite and right.

"Right" is checked against two oracles. Statistics with a scikit-learn counterpart (ROC AUC,
average precision, Brier score, log loss) and the weighted confusion counts (exact sums,
``math.fsum``) are compared with those directly. Every other function is compared with
itself on the weights divided by 2^600, an exact rescaling that brings them to ordinary
magnitudes: ratios (rates, AUC, gaps, calibration fits, mean costs) must be equal, totals
(weighted counts, costs) equal times 2^600. The functions are correct at ordinary
magnitudes by their own oracle tests (test_oracle_sklearn.py, test_fairness*.py, ...).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from mlops_audit import calibration as c
from mlops_audit import compare as cp
from mlops_audit import errors as E
from mlops_audit import fairness as f
from mlops_audit import metrics as m

MAX = float(np.finfo(np.float64).max)
LIMIT = MAX / 2
K = 600  # the oracle's weights are w * 2^-K
DOWN = math.ldexp(1.0, -K)
UP = math.ldexp(1.0, K)
# Results on weights scaled by a power of two are equal up to the rounding of the few
# operations whose operands leave the normal range; iterative fits stop by tolerance.
RTOL = 1e-9
FIT_RTOL = 1e-6

# Field names of results that are totals of weights (degree 1 in the weights); every other
# number is a ratio (degree 0).
TOTALS = {"tp", "fp", "tn", "fn", "cost", "total_cost", "weight", "observed", "expected",
          "bin_weight"}


def exact_total(w: np.ndarray) -> float:
    """The correctly rounded sum of ``w`` (``math.fsum`` on exactly scaled values, which
    cannot overflow), possibly above ``MAX``."""
    return math.fsum(float(x) * DOWN for x in w) * UP


# ---------------------------------------------------------------------------------------
# Data: a binary task with weights of every magnitude up to f64::MAX.
# ---------------------------------------------------------------------------------------
MAGNITUDES = [MAX, MAX / 2, MAX / 3, MAX / 8, MAX / 40, MAX / 1000, 1e300, 1e200, 1.0]


@st.composite
def weighted_task(draw: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(4, 24))
    y = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    y[0], y[1] = True, False
    s = np.array(draw(st.lists(st.sampled_from([0.0, 0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 1.0]),
                               min_size=n, max_size=n)))
    g = np.array(draw(st.lists(st.sampled_from(["A", "B"]), min_size=n, max_size=n)))
    g[:4] = ["A", "A", "B", "B"]
    y[2], y[3] = True, False
    magnitude = draw(st.sampled_from(MAGNITUDES))
    # Shares of at least 1e-100: the oracle's weights (times 2^-600) stay normal numbers.
    share = st.one_of(st.just(1.0), st.just(0.0), st.floats(1e-100, 1.0),
                      st.sampled_from([1e-100, 0.5, 0.999999]))
    w = np.array([magnitude * draw(share) for _ in range(n)])
    # Some rows of ordinary weight among the huge ones.
    for i in draw(st.lists(st.integers(0, n - 1), max_size=n // 2)):
        w[i] = draw(st.floats(0.5, 4.0))
    assume(bool(np.any(w > 0)))
    return y, s, w, g


# ---------------------------------------------------------------------------------------
# Comparing results.
# ---------------------------------------------------------------------------------------
def leaves(x: Any, path: str = "") -> list[tuple[str, Any]]:
    """The numbers (and None) in a result, with their paths; text is left out."""
    if hasattr(x, "to_dict") and not isinstance(x, dict):
        x = x.to_dict()
    if isinstance(x, dict):
        return [kv for k, v in x.items() for kv in leaves(v, f"{path}.{k}")]
    if isinstance(x, (list, tuple)):
        return [kv for i, v in enumerate(x) for kv in leaves(v, f"{path}[{i}]")]
    if isinstance(x, np.ndarray):
        return [kv for i, v in enumerate(x.tolist()) for kv in leaves(v, f"{path}[{i}]")]
    if x is None or isinstance(x, (bool, np.bool_)):
        return [(path, x)]
    if isinstance(x, (int, float, np.integer, np.floating)):
        return [(path, float(x))]
    return []


def field(path: str) -> str:
    return path.rsplit(".", 1)[-1].split("[", 1)[0]


def assert_finite(result: Any, allow_inf: Callable[[str], bool] = lambda p: False) -> None:
    for path, v in leaves(result):
        if isinstance(v, float) and not math.isfinite(v):
            assert v == math.inf and allow_inf(path), f"{path} = {v}"


def assert_scaled(got: Any, oracle: Any, *, rtol: float = RTOL) -> None:
    """``got`` (huge weights) against ``oracle`` (weights * 2^-K): ratios equal, totals
    equal times 2^K."""
    a, b = leaves(got), leaves(oracle)
    assert [p for p, _ in a] == [p for p, _ in b]
    for (path, x), (_, y) in zip(a, b):
        if x is None or y is None or isinstance(x, bool):
            assert x == y, (path, x, y)
            continue
        if field(path) in TOTALS:
            y = y * UP
        if math.isinf(x) or math.isinf(y):
            assert x == y, (path, x, y)
        else:
            assert math.isclose(x, y, rel_tol=rtol, abs_tol=rtol * 1e-3), (path, x, y)


def threshold_inf(path: str) -> bool:
    # "Flag nobody" is the threshold +inf by definition (scikit-learn's first ROC point).
    return "threshold" in path


def call(fn: Callable[[], Any]) -> tuple[str, Any]:
    """``("ok", result)`` or ``("error", exception)`` for a typed error; anything else
    (NaN warnings turned errors, untyped exceptions) propagates and fails the test."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            return "ok", fn()
    except E.MlopsError as e:
        return "error", e


# Each public function taking ``sample_weight``: (call, oracle). The oracle gets the same
# labels, scores and groups with the weights scaled down; ``direct`` oracles return the
# expected result for the huge weights themselves, the others the function's result on the
# scaled weights (compared with ``assert_scaled``).
def _calibrator(cls: type) -> Callable[..., Any]:
    def fit(y: Any, s: Any, w: Any, g: Any) -> dict[str, Any]:
        k = cls().fit(s, y, w)
        names = ("a", "b", "c", "x_thresholds", "y_thresholds", "edges", "values",
                 "bin_weight")
        return {n: getattr(k, n) for n in names if hasattr(k, n)}
    return fit


def _cm(y: Any, s: Any, w: Any) -> dict[str, float]:
    """Exact weighted counts of ``s >= 0.5``."""
    p = s >= 0.5
    return {"tp": math.fsum(w[y & p]), "fp": math.fsum(w[~y & p]),
            "tn": math.fsum(w[~y & ~p]), "fn": math.fsum(w[y & ~p])}


FUNCTIONS: dict[str, tuple[Callable[..., Any], bool]] = {
    # name: (call(y, s, w, g), uses a cost)
    "metrics.roc_auc": (lambda y, s, w, g: m.roc_auc(y, s, w), False),
    "metrics.average_precision": (lambda y, s, w, g: m.average_precision(y, s, w), False),
    "metrics.roc_curve": (lambda y, s, w, g: dict(zip(
        ("fpr", "tpr", "thresholds"), m.roc_curve(y, s, w))), False),
    "metrics.precision_recall_curve": (lambda y, s, w, g: dict(zip(
        ("precision", "recall", "thresholds"), m.precision_recall_curve(y, s, w))), False),
    "metrics.confusion_matrix": (lambda y, s, w, g: m.confusion_matrix(y, s, 0.5, w), False),
    "metrics.confusion_from_predictions": (
        lambda y, s, w, g: m.confusion_from_predictions(y, s >= 0.5, w), False),
    "metrics.expected_cost": (lambda y, s, w, g: {"cost": m.expected_cost(
        y, s, 0.5, sample_weight=w)}, True),
    "metrics.min_cost_threshold": (lambda y, s, w, g: (lambda o: {
        "threshold": o.threshold, "cost": o.cost, "confusion": o.confusion})(
        m.min_cost_threshold(y, s, sample_weight=w)), True),
    "calibration.brier_score": (lambda y, s, w, g: c.brier_score(y, s, w), False),
    "calibration.log_loss": (lambda y, s, w, g: c.log_loss(y, s, w), False),
    "calibration.reliability_curve": (lambda y, s, w, g: c.reliability_curve(
        y, s, sample_weight=w), False),
    "calibration.expected_calibration_error": (lambda y, s, w, g: c.expected_calibration_error(
        y, s, sample_weight=w), False),
    "calibration.max_calibration_error": (lambda y, s, w, g: c.max_calibration_error(
        y, s, sample_weight=w), False),
    "calibration.debiased_squared_calibration_error": (
        lambda y, s, w, g: c.debiased_squared_calibration_error(y, s, sample_weight=w), False),
    "calibration.hosmer_lemeshow": (lambda y, s, w, g: c.hosmer_lemeshow(
        y, s, n_groups=4, sample_weight=w), False),
    "calibration.spiegelhalter_z": (lambda y, s, w, g: c.spiegelhalter_z(
        y, s, sample_weight=w), False),
    "calibration.calibration_by_group": (lambda y, s, w, g: c.calibration_by_group(
        y, s, g, n_groups=3, sample_weight=w), False),
    "calibration.reliability_diagram_svg": (lambda y, s, w, g: c.reliability_diagram_svg(
        y, s, groups=g, sample_weight=w), False),
    "calibration.PlattCalibrator": (_calibrator(c.PlattCalibrator), False),
    "calibration.BetaCalibrator": (_calibrator(c.BetaCalibrator), False),
    "calibration.IsotonicCalibrator": (_calibrator(c.IsotonicCalibrator), False),
    "calibration.HistogramCalibrator": (_calibrator(c.HistogramCalibrator), False),
    "fairness.audit": (lambda y, s, w, g: f.audit(y, s, g, threshold=0.5, sample_weight=w,
                                                  bootstrap=8, seed=1), False),
    "fairness.equal_opportunity": (lambda y, s, w, g: f.equal_opportunity(
        y, s, g, tolerance=0.5, sample_weight=w), True),
    "fairness.frontier": (lambda y, s, w, g: f.frontier(y, s, g, tolerances=[0.0, 0.2, 1.0],
                                                        sample_weight=w), True),
    "fairness.frontier_svg": (lambda y, s, w, g: f.frontier_svg(
        y, s, g, tolerances=[0.0, 0.2, 1.0], sample_weight=w), True),
    "fairness.roc_by_group": (lambda y, s, w, g: f.roc_by_group(y, s, g, sample_weight=w),
                              False),
    "fairness.roc_by_group_svg": (lambda y, s, w, g: f.roc_by_group_svg(
        y, s, g, sample_weight=w), False),
    "fairness.ThresholdOptimizer": (lambda y, s, w, g: f.ThresholdOptimizer(
        tolerance=0.5).fit(s, y, g, sample_weight=w).policy_, True),
    "compare.paired_bootstrap[auc]": (lambda y, s, w, g: cp.paired_bootstrap(
        y, s, s * s, n_resamples=16, sample_weight=w), False),
    "compare.paired_bootstrap[brier]": (lambda y, s, w, g: cp.paired_bootstrap(
        y, s, s * s, metric="brier", n_resamples=16, sample_weight=w), False),
    "compare.paired_bootstrap[cost]": (lambda y, s, w, g: cp.paired_bootstrap(
        y, s, s * s, metric="cost", n_resamples=16, sample_weight=w), False),
    "compare.paired_bootstrap[max_fpr_gap]": (lambda y, s, w, g: cp.paired_bootstrap(
        y, s, s * s, metric="max_fpr_gap", groups=g, threshold=0.5, n_resamples=16,
        sample_weight=w), False),
}

# Oracles from other libraries or exact sums (for the huge weights directly).
DIRECT: dict[str, Callable[..., Any]] = {
    "metrics.roc_auc": lambda y, s, w: skm.roc_auc_score(y, s, sample_weight=w * DOWN),
    "metrics.average_precision": lambda y, s, w: skm.average_precision_score(
        y, s, sample_weight=w * DOWN),
    "calibration.brier_score": lambda y, s, w: skm.brier_score_loss(y, s, sample_weight=w * DOWN),
    "calibration.log_loss": lambda y, s, w: skm.log_loss(y, np.clip(s, 2.0**-52, 1 - 2.0**-52),
                                                       sample_weight=w * DOWN, labels=[0, 1]),
    "metrics.confusion_matrix": lambda y, s, w: _cm(y, s, w),
    "metrics.confusion_from_predictions": lambda y, s, w: _cm(y, s, w),
}

# Neither homogeneous in the weights nor a ratio (frequency-weight statistics: bins with
# weight <= 1 are skipped, the z statistic grows like sqrt(weight)): only finiteness and
# typed refusals are checked on them; the HL statistic is checked below.
NOT_HOMOGENEOUS = {"calibration.debiased_squared_calibration_error",
                   "calibration.spiegelhalter_z", "calibration.calibration_by_group",
                   "calibration.hosmer_lemeshow", "calibration.reliability_diagram_svg",
                   "fairness.frontier_svg", "fairness.roc_by_group_svg"}
ITERATIVE = {"calibration.BetaCalibrator"}
# Largest cost of the default cost matrix (5:1): a total cost is at most this times the
# total weight.
LARGEST_COST = 5.0


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@settings(max_examples=30)
@given(data=weighted_task())
def test_huge_weights_give_a_typed_error_or_the_right_finite_answer(name, data):
    y, s, w, g = data
    fn, uses_cost = FUNCTIONS[name]
    total = exact_total(w)
    bound = total * LARGEST_COST if uses_cost else total
    kind, got = call(lambda: fn(y, s, w, g))

    if bound > LIMIT * (1 + 1e-9):
        assert kind == "error" and isinstance(got, E.WeightOverflowError), (name, total, got)
        assert got.input == "sample_weight"
        assert "sample_weight" in str(got)
        return
    if kind == "error" and isinstance(got, E.WeightOverflowError):
        if "Hosmer-Lemeshow" in got.reason:
            # A frequency-weight statistic that grows with the total weight beyond float64
            # (checked in the test below).
            return
        # Only within rounding of the limit may the check go either way.
        assert bound >= LIMIT * (1 - 1e-9), (name, total, got)
        return
    if name in NOT_HOMOGENEOUS:
        if kind == "ok":
            assert_finite(got, threshold_inf)
            if isinstance(got, str):
                assert "nan" not in got.lower() and "inf" not in got.lower()
        return

    if kind == "error" and name == "calibration.PlattCalibrator":
        # Platt's targets saturate at 0 and 1 with weights this large (its prior counts are
        # the weights), and on nearly separable rows Newton's method cannot reach the
        # optimum at |z| ~ 700 in its 200 steps: it says so rather than stopping short.
        assert isinstance(got, E.UndefinedMetricError), got
        return
    scaled_kind, scaled = call(lambda: fn(y, s, w * DOWN, g))
    if kind == "error":
        # A typed error on huge weights must be the answer on ordinary ones too (e.g. a
        # class without weight), not an artefact of their size.
        assert scaled_kind == "error" and type(scaled) is type(got), (name, got, scaled)
        return
    assert scaled_kind == "ok", (name, scaled)
    if isinstance(got, str):  # an SVG chart
        assert "nan" not in got.lower() and "inf" not in got.lower()
        return
    assert_finite(got, threshold_inf)
    if name in DIRECT:
        expected = DIRECT[name](y, s, w)
        if isinstance(expected, dict):
            got_counts = {k: getattr(got, k) for k in expected}
            for k, v in expected.items():
                assert math.isclose(got_counts[k], v, rel_tol=1e-12), (k, got_counts[k], v)
        else:
            assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12), (got, expected)
    if name == "calibration.PlattCalibrator":
        # Platt's targets (N+ + 1) / (N+ + 2) and 1 / (N- + 2) use the weights as counts,
        # so the fit is not scale-free: check that it is the optimum instead.
        assert_platt_optimum(y, s, w, got["a"], got["b"])
        return
    assert_scaled(got, scaled, rtol=FIT_RTOL if name in ITERATIVE else RTOL)


def assert_platt_optimum(y: np.ndarray, s: np.ndarray, w: np.ndarray, a: float,
                         b: float) -> None:
    """The gradient of Platt's weighted loss vanishes at ``(a, b)``, relative to the size
    of its terms (computed on the exactly rescaled weights, with the targets of the caller's
    weights)."""
    pos, neg = exact_total(w[y]), exact_total(w[~y])
    t = np.where(y, (pos + 1) / (pos + 2), 1 / (neg + 2))
    z = np.clip(a * s + b, -700, 700)
    p = 1 / (1 + np.exp(z))  # P(y = 1) = 1 / (1 + exp(A s + B))
    r = (w * DOWN) * (p - t)
    # Relative to the terms' size, or to the weights where every term is rounding noise
    # (a fit that interpolates the targets).
    size = math.fsum(np.abs(r) * (np.abs(s) + 1))
    mass = math.fsum((w * DOWN) * (np.abs(s) + 1))
    for g in (math.fsum(r * s), math.fsum(r)):
        assert abs(g) <= max(1e-6 * size, 1e-12 * mass), (a, b, g, size, mass)


@settings(max_examples=60)
@given(data=weighted_task())
def test_hosmer_lemeshow_statistic_is_homogeneous_and_its_pvalue_is_chi_square(data):
    from scipy import stats

    y, s, w, _ = data
    assume(exact_total(w) <= LIMIT * (1 - 1e-9))
    kind, got = call(lambda: c.hosmer_lemeshow(y, s, n_groups=4, sample_weight=w))
    scaled_kind, scaled = call(lambda: c.hosmer_lemeshow(y, s, n_groups=4,
                                                         sample_weight=w * DOWN))
    if scaled_kind == "error":
        assert kind == "error" and type(got) is type(scaled)
        return
    if scaled.statistic * UP > MAX:
        # The true statistic is beyond float64: a typed refusal, never inf.
        assert kind == "error", got
        return
    assert kind == "ok", got
    assert math.isclose(got.statistic, scaled.statistic * UP, rel_tol=RTOL)
    assert math.isclose(got.pvalue, stats.chi2.sf(got.statistic, got.df), rel_tol=1e-9,
                        abs_tol=1e-300)


def test_the_refusal_names_sample_weight_and_the_reason():
    y = np.array([True, False, True, False])
    s = np.array([0.9, 0.2, 0.6, 0.4])
    w = np.full(4, MAX / 2)
    for fn in (lambda: m.roc_auc(y, s, w), lambda: c.brier_score(y, s, w),
               lambda: c.PlattCalibrator().fit(s, y, w),
               lambda: f.audit(y, s, np.array(["A", "A", "B", "B"]), threshold=0.5,
                               sample_weight=w)):
        with pytest.raises(E.WeightOverflowError) as e:
            fn()
        assert isinstance(e.value, ValueError)
        assert e.value.input == "sample_weight"
        assert "overflows" in e.value.reason
    # Just below the limit the answer is the scikit-learn one.
    w = np.full(4, MAX / 8)
    assert m.roc_auc(y, s, w) == skm.roc_auc_score(y, s, sample_weight=np.ones(4))
    # The largest cost times the total weight must fit too: 5 * (MAX / 8 * 4) overflows.
    with pytest.raises(E.WeightOverflowError) as e:
        m.expected_cost(y, s, 0.5, sample_weight=w)
    assert "cost" in e.value.reason
