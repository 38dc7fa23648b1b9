"""Fairness: cost-optimal per-group thresholds under an equal-opportunity constraint.

The lending case drives the defaults. A flag sends a loan to a review that usually rejects
it, so the flag is punitive and fairness means *equal false-positive rates*: applicants who
would repay are flagged at the same rate in every group. A missed bad loan costs 5 times a
needless review. :func:`equal_opportunity` finds, exactly, the per-group thresholds with
the lowest ``5 * FN + FP`` among all whose FPRs lie within ``tolerance`` of each other.

:func:`estimate_audit` estimates the same without labels, from calibrated probabilities
(before the defaults are known): expected confusion counts, FPR, TPR, cost and the FPR gap
per group, with exact prediction intervals and the probability that the gap exceeds the
tolerance.

:func:`audit` reports how any rule treats each group: counts, every rate, ROC AUC, the
largest disparities with the pair of groups that attains them, small-group warnings, and
seeded stratified bootstrap intervals. :class:`ThresholdOptimizer` wraps the search as a
scikit-learn classifier (a post-processor after a model, or around one, as fairlearn's).

Pictures for choosing: :func:`roc_by_group` gives each group's ROC curve with the operating
point of a policy's rule, :func:`frontier` the lowest cost at each tolerance. Both come as
self-contained SVG (:func:`roc_by_group_svg`, :func:`frontier_svg`, no dependency) and as
matplotlib plots (:func:`plot_roc_by_group`, :func:`plot_frontier`, needing matplotlib).
"""

from __future__ import annotations

import copy as _copy
import inspect as _inspect
import typing as _typing

import numpy as _np

from mlops_audit._mlops_audit import (
    GroupAudit,
    ScoreSummary,
    ThresholdPolicy,
    _audit,
    _equal_opportunity,
    _estimate_audit,
    frontier,
    frontier_svg,
    roc_by_group,
    roc_by_group_svg,
)
from mlops_audit._options import defaults as _defaults_of, options as _options
from mlops_audit.errors import InputTypeError as _InputTypeError
from mlops_audit.errors import ParameterError as _ParameterError

if _typing.TYPE_CHECKING:
    # The names as annotations spell them (annotations are not evaluated: __future__ import).
    from typing import Any

    import numpy as np

    from mlops_audit.metrics import CostMatrix

del annotations  # bound by the __future__ import; not part of the module's API

__all__ = [
    "GroupAudit",
    "ScoreSummary",
    "ThresholdOptimizer",
    "ThresholdPolicy",
    "audit",
    "equal_opportunity",
    "estimate_audit",
    "frontier",
    "frontier_svg",
    "plot_frontier",
    "plot_roc_by_group",
    "roc_by_group",
    "roc_by_group_svg",
]


#: The defaults of the Rust core's ``SearchOptions`` and ``AuditOptions``: the signatures
#: below show them, so each is written once, in Rust.
_SEARCH = _defaults_of("SearchOptions")
_AUDIT = _defaults_of("AuditOptions")
_ESTIMATE = _defaults_of("EstimateParams")


def equal_opportunity(
    y_true: Any,
    y_score: Any = None,
    groups: Any = None,
    *,
    sample_weight: Any = None,
    cost: CostMatrix | None = None,
    fn_cost: float = _SEARCH["fn_cost"],
    fp_cost: float = _SEARCH["fp_cost"],
    constraint: str = _SEARCH["constraint"],
    tolerance: float = _SEARCH["tolerance"],
    randomized: bool = _SEARCH["randomized"],
    max_groups: int = _SEARCH["max_groups"],
) -> ThresholdPolicy:
    """Per-group thresholds that equalise a rate across groups at the lowest total cost.

    The default is the lending case: the flag is punitive, so the false-positive rate
    (``constraint="fpr"``) must be equal within ``tolerance`` in every group, and among all
    such per-group thresholds the one minimising ``fn_cost * FN + fp_cost * FP`` is
    returned, exactly (not a grid, not a ternary search). With ``randomized=True`` the
    search is over every rule that flags with a probability non-decreasing in the score
    (every mixture of a group's thresholds), and returns the exact optimum among them: a
    group's rule mixes at most two of its thresholds, adjacent or not, possibly "flag
    everyone with probability p" (the lower convex hull of the group's (rate, cost) points,
    Hardt, Price & Srebro 2016). ``tolerance`` bounds the gap in both modes;
    ``tolerance=0`` makes the rates equal exactly.

    ``constraint`` is ``"fpr"``, ``"tpr"`` (equal opportunity of Hardt, Price & Srebro 2016,
    for a beneficial flag), ``"selection_rate"`` (demographic parity) or
    ``"equalized_odds"`` (FPR and TPR both equal; needs ``randomized=True``: each group's
    rule mixes two thresholds of its ROC convex hull and may flag any score with a small
    probability, see :attr:`ThresholdPolicy.steps`; at ``tolerance=0`` the cost is the
    exact minimum over the intersection of the groups' ROC hulls; above it, every group's
    (FPR, TPR) lies in one ``tolerance``-wide box, found by a linear program solved to
    1e-10). ``cost`` (a
    :class:`~mlops_audit.metrics.CostMatrix`) overrides ``fn_cost``/``fp_cost`` for a full
    2x2 matrix.

    ``y_true`` may instead be a :class:`ScoreSummary` (the rows summarised elsewhere, for
    example in Spark executors): then leave out ``y_score``, ``groups`` and
    ``sample_weight``; the policy is the one the rows would give, bit for bit.
    """
    options = _options(locals(), "y_true", "y_score", "groups", "sample_weight", "cost")
    return _equal_opportunity(y_true, y_score, groups, sample_weight=sample_weight, cost=cost,
                              **options)


def audit(
    y_true: Any,
    y_score: Any = None,
    groups: Any = None,
    *,
    group_proba: Any = None,
    threshold: float | None = None,
    thresholds: Any = None,
    y_pred: Any = None,
    sample_weight: Any = None,
    constraint: str = _AUDIT["constraint"],
    tolerance: float = _AUDIT["tolerance"],
    min_count: int = _AUDIT["min_count"],
    bootstrap: int = _AUDIT["bootstrap"],
    level: float = _AUDIT["level"],
    seed: int = _AUDIT["seed"],
) -> GroupAudit:
    """Audits a decision rule group by group.

    The rule is one of: ``threshold`` (flag when ``y_score >= threshold``, for everyone),
    ``thresholds`` (a dict ``{group: threshold}`` keyed as :meth:`GroupAudit.rate` is: the
    value for one sensitive column, a tuple for several; or a :class:`ThresholdPolicy` with
    deterministic rules), or ``y_pred`` (hard 0/1 decisions). The core test is the largest
    gap of ``constraint`` (FPR by default) against ``tolerance``. ``bootstrap`` > 0 adds
    percentile intervals from that many stratified, seeded replicates.

    ``y_true`` may instead be a :class:`ScoreSummary`: then leave out ``y_score``,
    ``groups`` and ``sample_weight``, audit a ``threshold`` or ``thresholds`` (a summary
    holds no decisions) without ``bootstrap`` (it holds no rows).

    When the protected attribute is not recorded, ``group_proba`` replaces ``groups``: each
    row's probabilities of belonging to each group (BISG-style estimates), an ``n x G``
    array (groups ``0..G-1``) or a DataFrame with one column per group. The audit is then
    the weighting estimator, equal bit for bit to the audit of the data expanded into one
    row per (row, group) with a positive probability, weighted by it (times the row's
    weight); with ``bootstrap`` the expanded rows are resampled. Each row must sum to 1
    within 1e-6. The estimator is biased when membership and outcome are correlated given
    the score (Chen, Kallus, Mao, Svacha & Udell 2019).
    """
    options = _options(locals(), "y_true", "y_score", "groups", "group_proba", "threshold",
                       "thresholds", "y_pred", "sample_weight")
    return _audit(y_true, y_score, groups, group_proba=group_proba, threshold=threshold,
                  thresholds=thresholds, y_pred=y_pred, sample_weight=sample_weight, **options)


def estimate_audit(
    proba: Any,
    groups: Any,
    *,
    threshold: float | None = None,
    thresholds: Any = None,
    y_pred: Any = None,
    y_score: Any = None,
    sample_weight: Any = None,
    cost: CostMatrix | None = None,
    tolerance: float = _ESTIMATE["tolerance"],
    level: float = _ESTIMATE["level"],
) -> Any:
    """Label-free estimates of how a decision rule treats each group, from calibrated
    probabilities alone (before the outcomes are known): expected confusion counts, FPR,
    TPR, selection rate and the ``fn_cost FN + fp_cost FP`` cost per group and overall,
    the FPR gap, and ``gap_exceeds_tolerance``, the probability that the realised gap
    exceeds ``tolerance``; each with an exact prediction interval of its realised value (see
    the Rust ``mlops_fairness::estimate``).

    The rule is one of ``threshold`` (flag when ``y_score >= threshold``), ``thresholds`` (a
    dict ``{group: threshold}`` or a :class:`ThresholdPolicy`; a randomized policy's rows are
    counted by their flag probability, and its intervals need the drawn decisions, passed
    as ``y_pred``) or ``y_pred`` (hard decisions). ``y_score`` is what the rule thresholds
    (``proba`` when not given). ``sample_weight`` are frequency weights (intervals need
    whole numbers). ``cost`` (a :class:`~mlops_audit.metrics.CostMatrix`), ``tolerance`` and
    ``level`` default to the lending case: 5 per missed default, 1 per needless review, a
    0.05 FPR gap, 95% intervals.
    """
    return _estimate_audit(proba, groups, threshold=threshold, thresholds=thresholds,
                           y_pred=y_pred, y_score=y_score, sample_weight=sample_weight,
                           cost=cost, tolerance=tolerance, level=level)


class _FallbackEstimator:
    """The parts of scikit-learn's estimator protocol used without scikit-learn installed:
    constructor parameters through ``get_params``/``set_params`` and a readable repr."""

    _estimator_type = "classifier"

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = _inspect.signature(cls.__init__)
        return [p.name for p in signature.parameters.values()
                if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor parameters (with ``deep``, the estimator's as ``estimator__*``)."""
        out: dict[str, Any] = {}
        for name in self._param_names():
            value = getattr(self, name)
            out[name] = value
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{name}__{k}", v) for k, v in value.get_params().items())
        return out

    def set_params(self, **params: Any) -> Any:
        """Sets constructor parameters (``estimator__*`` reach the estimator)."""
        names = self._param_names()
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in names:
                raise _ParameterError(
                    f"unknown parameter {name!r} for {type(self).__name__}; expected one "
                    f"of {names}", name=name, value=value, reason="unknown parameter")
            if sub:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            getattr(self, name).set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params(deep=False).items())
        return f"{type(self).__name__}({args})"


def _sensitive_features(groups: Any, sensitive_features: Any, method: str) -> Any:
    if groups is not None and sensitive_features is not None:
        raise _ParameterError(
            f"{method}() got both groups and sensitive_features: give one (they are the same)",
            name="sensitive_features", value="given", reason="given together with groups")
    chosen = sensitive_features if groups is None else groups
    if chosen is None:
        raise _ParameterError(
            f"{method}() needs each row's group: pass sensitive_features= (or groups "
            "positionally); the thresholds are per group",
            name="sensitive_features", value=None, reason="missing")
    return chosen


class _ThresholdOptimizer:
    """Per-group thresholds as the last step after a model: a scikit-learn classifier.

    ``fit(X, y, sensitive_features=groups)`` fits a :class:`ThresholdPolicy` with
    :func:`equal_opportunity`; ``predict(X, sensitive_features=groups)`` applies it (the
    groups may also be passed positionally, as ``fit(X, y, groups)``). Without
    ``estimator``, ``X`` is the scores: one value per row, 1-D or a single column (shape
    ``(n, 1)``, as a previous step of a :class:`sklearn.pipeline.Pipeline` hands them
    over). With ``estimator``, ``X`` is the features, scored with the estimator's
    positive-class probability (``predict_proba``); as in fairlearn's
    ``ThresholdOptimizer``, ``prefit=False`` (the default) fits a clone of the estimator
    on ``(X, y)`` in :meth:`fit` and keeps it as ``estimator_`` (the estimator passed in is
    left untouched), and ``prefit=True`` uses the estimator as it is (it must be fitted).

    Parameters are those of :func:`equal_opportunity`, plus ``fallback`` (a threshold, or
    ``"single_threshold"``, for groups unseen at fit time) and ``seed`` (for randomized
    rules). After :meth:`fit`: ``policy_`` (the :class:`ThresholdPolicy`), ``estimator_``
    (``None`` without an estimator) and ``classes_`` (``[0, 1]``: labels are 0/1 or
    booleans and :meth:`predict` returns 0/1 flags).

    It is a scikit-learn estimator when scikit-learn is installed (a subclass of
    ``BaseEstimator`` and ``ClassifierMixin``: ``clone``, ``get_params(deep=True)``,
    ``is_classifier``, pipelines and grid searches work), and implements the same protocol
    without it. scikit-learn's ``check_estimator`` does not apply: its checks call
    ``fit(X, y)`` without sensitive features, which this post-processor refuses rather than
    silently fitting one threshold for everybody.
    """

    def __init__(self, estimator: Any = None, *, prefit: bool = False,
                 fn_cost: float = _SEARCH["fn_cost"], fp_cost: float = _SEARCH["fp_cost"],
                 constraint: str = _SEARCH["constraint"],
                 tolerance: float = _SEARCH["tolerance"],
                 randomized: bool = _SEARCH["randomized"], fallback: float | str | None = None,
                 seed: int = 0) -> None:
        # scikit-learn's convention: store the parameters as given, check them in fit().
        self.estimator = estimator
        self.prefit = prefit
        self.fn_cost = fn_cost
        self.fp_cost = fp_cost
        self.constraint = constraint
        self.tolerance = tolerance
        self.randomized = randomized
        self.fallback = fallback
        self.seed = seed

    def _scores(self, X: Any) -> Any:
        estimator = getattr(self, "estimator_", None)
        if estimator is None:
            return _score_column(X)
        proba = _np.asarray(estimator.predict_proba(X))
        classes = list(getattr(estimator, "classes_", [0, 1]))
        column = next((i for i, c in enumerate(classes) if c == 1), 1)
        if proba.ndim != 2 or proba.shape[1] <= column:
            raise _InputTypeError(
                f"estimator.predict_proba returned shape {proba.shape}; expected one column "
                "per class of a binary classifier", input="estimator.predict_proba")
        return _np.ascontiguousarray(proba[:, column], dtype=_np.float64)

    def _fit_estimator(self, X: Any, y: Any, sample_weight: Any, fit_params: dict[str, Any]) -> Any:
        if self.estimator is None:
            if fit_params:
                raise _ParameterError(
                    f"fit() got parameters {sorted(fit_params)} for an estimator, but there "
                    "is none", name=sorted(fit_params)[0], value="given",
                    reason="no estimator to pass them to")
            return None
        if self.prefit:
            _check_fitted(self.estimator)
            return self.estimator
        estimator = _clone(self.estimator)
        if sample_weight is not None:
            fit_params = {**fit_params, "sample_weight": sample_weight}
        estimator.fit(X, y, **fit_params)
        return estimator

    def fit(self, X: Any, y: Any, groups: Any = None, sample_weight: Any = None, *,
            sensitive_features: Any = None, **fit_params: Any) -> Any:
        """Fits the estimator (unless ``prefit``) and the per-group thresholds.

        ``X``: scores, or features with ``estimator``; ``sensitive_features`` (or
        ``groups``): each row's group; ``sample_weight`` weighs the rows of the threshold
        search (and of the estimator's fit); other keyword arguments go to the
        estimator's ``fit``."""
        groups = _sensitive_features(groups, sensitive_features, "fit")
        self.estimator_ = self._fit_estimator(X, y, sample_weight, fit_params)
        self.policy_ = equal_opportunity(
            y, self._scores(X), groups, fn_cost=self.fn_cost, fp_cost=self.fp_cost,
            constraint=self.constraint, tolerance=self.tolerance, randomized=self.randomized,
            sample_weight=sample_weight,
        )
        self.classes_ = _np.array([0, 1])
        return self

    def predict(self, X: Any, groups: Any = None, *, sensitive_features: Any = None,
                row_key: Any = None) -> np.ndarray:
        """0/1 flags for new rows (``row_key``: see :meth:`ThresholdPolicy.predict`)."""
        if not hasattr(self, "policy_"):
            raise _not_fitted(f"this {type(self).__name__} is not fitted yet: call fit() first")
        groups = _sensitive_features(groups, sensitive_features, "predict")
        flags = self.policy_.predict(self._scores(X), groups, fallback=self.fallback,
                                     seed=self.seed, row_key=row_key)
        return flags.astype(_np.int64)

    def score(self, X: Any, y: Any, groups: Any = None, sample_weight: Any = None, *,
              sensitive_features: Any = None) -> float:
        """Accuracy of :meth:`predict` (weighted by ``sample_weight``), as
        ``ClassifierMixin.score`` but with the groups the prediction needs."""
        pred = self.predict(X, groups, sensitive_features=sensitive_features)
        right = (pred == _np.asarray(y).astype(_np.int64)).astype(_np.float64)
        if sample_weight is None:
            return float(right.mean())
        return float(_np.average(right, weights=_np.asarray(sample_weight, dtype=_np.float64)))

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "policy_")

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()  # type: ignore[misc]
        # Without an estimator the input is one score per row (1-D or one column).
        tags.input_tags.one_d_array = self.estimator is None
        tags.target_tags.required = True
        return tags


def _score_column(X: Any) -> Any:
    """Scores from ``X``: 1-D as given (zero-copy where possible), or the single column of
    a 2-D array or frame."""
    if isinstance(X, (list, tuple)):
        X = _np.asarray(X, dtype=_np.float64)
    if getattr(X, "ndim", 1) != 2:
        return X
    values = _np.asarray(X)
    if values.shape[1] != 1:
        raise _InputTypeError(
            f"X has shape {values.shape}: without an estimator it must be the scores, 1-D or "
            "one column (pass estimator= to score features)", input="X")
    return _np.ascontiguousarray(values[:, 0], dtype=_np.float64)


def _clone(estimator: Any) -> Any:
    """An unfitted copy with the same parameters: scikit-learn's ``clone`` when installed,
    else a deep copy."""
    try:
        from sklearn.base import clone
    except ImportError:
        return _copy.deepcopy(estimator)
    return clone(estimator)


def _check_fitted(estimator: Any) -> None:
    """scikit-learn's fitted check, for estimators that can be unfitted (an object with
    ``predict_proba`` but no ``fit`` is taken as it is)."""
    if not hasattr(estimator, "fit"):
        return
    try:
        from sklearn.utils.validation import check_is_fitted
    except ImportError:
        return
    check_is_fitted(estimator)


def _not_fitted(message: str) -> Exception:
    try:
        from sklearn.exceptions import NotFittedError
    except ImportError:
        return AttributeError(message)
    return NotFittedError(message)


def _make_threshold_optimizer() -> type:
    """:class:`ThresholdOptimizer` on scikit-learn's bases when it is installed, else on
    :class:`_FallbackEstimator`. Built on first use: importing scikit-learn takes seconds,
    which nobody who only audits should pay."""
    try:
        from sklearn.base import BaseEstimator, ClassifierMixin
    except ImportError:
        bases: tuple[type, ...] = (_ThresholdOptimizer, _FallbackEstimator)
    else:
        bases = (_ThresholdOptimizer, ClassifierMixin, BaseEstimator)
    return type("ThresholdOptimizer", bases, {
        "__module__": __name__, "__qualname__": "ThresholdOptimizer",
        "__doc__": _ThresholdOptimizer.__doc__,
    })


if _typing.TYPE_CHECKING:
    ThresholdOptimizer = _ThresholdOptimizer
else:
    def __getattr__(name: str) -> Any:
        if name == "ThresholdOptimizer":
            cls = _make_threshold_optimizer()
            globals()["ThresholdOptimizer"] = cls
            return cls
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(globals()) | {"ThresholdOptimizer"})


# The SVG charts' colours (Tableau 10 without its grey), so both kinds of chart agree.
_PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
            "#ff9da7", "#9c755f")
_GREY = "#bab0ac"
_INK = "#333333"


def _pyplot(function: str, alternative: str) -> Any:
    """matplotlib.pyplot, imported only when a plot is asked for."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise ImportError(
            f"{function} needs matplotlib, which is not installed: "
            f"pip install 'mlops-audit[plot]' (or pip install matplotlib); "
            f"{alternative} draws the same chart as SVG without it"
        ) from e
    return plt


def _new_axes(ax: Any, function: str, alternative: str) -> Any:
    if ax is not None:
        return ax
    plt = _pyplot(function, alternative)
    _, ax = plt.subplots(figsize=(6.4, 4.8))
    return ax


def _number(x: float) -> str:
    """Up to four decimals, without trailing zeros (as the SVG charts write numbers)."""
    s = f"{x:.4f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def _finish(ax: Any, handles: list[Any], labels: list[str], loc: str, title: str) -> None:
    """Legend and title, with data text shown as typed: never read as mathtext (``$``),
    never hidden for starting with an underscore (labels given explicitly are kept)."""
    if handles:
        legend = ax.legend(handles, labels, loc=loc, fontsize="small", framealpha=0.9)
        for text in legend.get_texts():
            text.set_parse_math(False)
    if not ax.get_title():
        # Padded: operating points often sit at TPR 1, right under the title.
        ax.set_title(title, parse_math=False, pad=12)


def _rule_text(point: dict[str, float]) -> str:
    if point["threshold"] == float("inf"):
        return "flags nobody"
    text = f"threshold {_number(point['threshold'])}"
    if point["p_at_threshold"] < 1.0:
        text += f" (p={_number(point['p_at_threshold'])})"
    return text


def plot_roc_by_group(y_true: Any, y_score: Any, groups: Any, *,
                      policy: ThresholdPolicy | None = None, sample_weight: Any = None,
                      ax: Any = None) -> Any:
    """Each group's ROC curve, with the operating point of ``policy``'s rule as a star.

    The matplotlib twin of :func:`roc_by_group_svg` (same data from :func:`roc_by_group`,
    same colours). A group with one class only has no curve and is listed as undefined.
    Draws on ``ax``, or on new axes (``matplotlib.pyplot.subplots``); returns the Axes.
    Needs matplotlib (``pip install 'mlops-audit[plot]'``), imported only here.
    """
    ax = _new_axes(ax, "plot_roc_by_group", "roc_by_group_svg")
    rocs = roc_by_group(y_true, y_score, groups, policy=policy, sample_weight=sample_weight)
    ax.plot([0, 1], [0, 1], linestyle="--", color=_GREY, linewidth=1)
    handles: list[Any] = []
    labels: list[str] = []
    for i, roc in enumerate(rocs):
        colour = _PALETTE[i % len(_PALETTE)]
        if roc["fpr"] is None:
            (line,) = ax.plot([], [], color=_GREY, linewidth=6, alpha=0.4)
            handles.append(line)
            labels.append(f"{roc['name']}: undefined (one class only)")
            continue
        (line,) = ax.plot(roc["fpr"], roc["tpr"], color=colour, linewidth=2)
        auc = "undefined" if roc["auc"] is None else f"{roc['auc']:.3f}"
        label = f"{roc['name']}: AUC {auc}"
        if roc["point"] is not None:
            label += f", {_rule_text(roc['point'])}"
        handles.append(line)
        labels.append(label)
    stars = [(i, r["point"]) for i, r in enumerate(rocs)
             if r["point"] is not None and r["fpr"] is not None]
    for i, point in stars:
        ax.plot([point["fpr"]], [point["tpr"]], linestyle="none", marker="*", markersize=17,
                color=_PALETTE[i % len(_PALETTE)], markeredgecolor=_INK, markeredgewidth=1,
                zorder=5, clip_on=False)
    if stars:
        (marker,) = ax.plot([], [], linestyle="none", marker="*", markersize=12, color=_INK)
        handles.append(marker)
        labels.append("operating point at the threshold")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("False-positive rate")
    ax.set_ylabel("True-positive rate")
    ax.grid(True, alpha=0.25)
    _finish(ax, handles, labels, "lower right", "ROC by group")
    return ax


def plot_frontier(points_or_y_true: Any, y_score: Any = None, groups: Any = None, *,
                  tolerances: Any = None, fn_cost: float = 5.0, fp_cost: float = 1.0,
                  constraint: str = "fpr", sample_weight: Any = None,
                  chosen_tolerance: float | None = None, ax: Any = None,
                  max_groups: int = 1000) -> Any:
    """The lowest total cost against the largest gap between groups it reaches.

    Either ``plot_frontier(points)`` with the list :func:`frontier` returned, or
    ``plot_frontier(y_true, y_score, groups, ...)`` with :func:`frontier`'s arguments. The
    matplotlib twin of :func:`frontier_svg`: a staircase (each step is what loosening the
    tolerance buys), ``chosen_tolerance`` as a dashed line and its point as a star. Draws
    on ``ax``, or on new axes; returns the Axes. Needs matplotlib, imported only here.
    """
    if y_score is None:
        if groups is not None:
            raise TypeError("plot_frontier takes either points, or y_true, y_score and groups")
        points = [dict(p) for p in points_or_y_true]
    else:
        if groups is None:
            raise TypeError("plot_frontier(y_true, y_score, groups, ...) needs groups")
        points = frontier(points_or_y_true, y_score, groups, tolerances=tolerances,
                          fn_cost=fn_cost, fp_cost=fp_cost, constraint=constraint,
                          sample_weight=sample_weight, max_groups=max_groups)
    ax = _new_axes(ax, "plot_frontier", "frontier_svg")
    finite = [p for p in points
              if all(_np.isfinite(float(p[k])) for k in ("tolerance", "cost", "max_gap"))]
    finite.sort(key=lambda p: (p["max_gap"], -p["cost"], p["tolerance"]))
    colour, accent = _PALETTE[0], _PALETTE[2]
    gap_max = max((p["max_gap"] for p in finite), default=0.0)
    x_hi = gap_max * 1.1 if gap_max > 0 else 0.01
    handles: list[Any] = []
    labels: list[str] = []
    if finite:
        gaps = [p["max_gap"] for p in finite]
        costs = [p["cost"] for p in finite]
        (line,) = ax.step(gaps + [x_hi], costs + [costs[-1]], where="post", color=colour,
                          linewidth=2)
        ax.plot(gaps, costs, linestyle="none", marker="o", markersize=4, color=colour)
        handles.append(line)
        labels.append("lowest total cost within each tolerance")
    else:
        ax.text(0.5, 0.5, "no frontier points", transform=ax.transAxes, ha="center")
    if chosen_tolerance is not None and _np.isfinite(chosen_tolerance):
        t = float(chosen_tolerance)
        ax.axvline(t, linestyle="--", color=accent, linewidth=1.5)
        chosen = [p for p in finite if p["tolerance"] == t]
        if chosen:
            p = chosen[0]
            ax.plot([p["max_gap"]], [p["cost"]], linestyle="none", marker="*", markersize=17,
                    color=accent, markeredgecolor=_INK, zorder=5, clip_on=False)
            (marker,) = ax.plot([], [], linestyle="none", marker="*", markersize=12, color=accent)
            handles.append(marker)
            labels.append(f"tolerance {_number(t)}: cost {_number(p['cost'])}, "
                          f"gap {_number(p['max_gap'])}")
        else:
            (marker,) = ax.plot([], [], linestyle="--", color=accent)
            handles.append(marker)
            labels.append(f"tolerance {_number(t)}")
    ax.set_xlim(0, x_hi)
    ax.set_xlabel("Largest gap between groups (reached)")
    ax.set_ylabel("Total cost")
    ax.grid(True, alpha=0.25)
    _finish(ax, handles, labels, "upper right", "Cost versus fairness gap")
    return ax
