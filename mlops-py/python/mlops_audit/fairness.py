"""Fairness: cost-optimal per-group thresholds under an equal-opportunity constraint.

The lending case drives the defaults. A flag sends a loan to a review that usually rejects
it, so the flag is punitive and fairness means *equal false-positive rates*: applicants who
would repay are flagged at the same rate in every group. A missed bad loan costs 5 times a
needless review. :func:`equal_opportunity` finds, exactly, the per-group thresholds with
the lowest ``5 * FN + FP`` among all whose FPRs lie within ``tolerance`` of each other.

:func:`audit` reports how any rule treats each group: counts, every rate, ROC AUC, the
largest disparities with the pair of groups that attains them, small-group warnings, and
seeded stratified bootstrap intervals. :class:`ThresholdOptimizer` wraps the search as a
scikit-learn style post-processor.

Pictures for choosing: :func:`roc_by_group` gives each group's ROC curve with the operating
point of a policy's rule, :func:`frontier` the lowest cost at each tolerance. Both come as
self-contained SVG (:func:`roc_by_group_svg`, :func:`frontier_svg`, no dependency) and as
matplotlib plots (:func:`plot_roc_by_group`, :func:`plot_frontier`, needing matplotlib).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mlops_audit._mlops_audit import (
    GroupAudit,
    ThresholdPolicy,
    audit,
    equal_opportunity,
    frontier,
    frontier_svg,
    roc_by_group,
    roc_by_group_svg,
)

__all__ = [
    "GroupAudit",
    "ThresholdOptimizer",
    "ThresholdPolicy",
    "audit",
    "equal_opportunity",
    "frontier",
    "frontier_svg",
    "plot_frontier",
    "plot_roc_by_group",
    "roc_by_group",
    "roc_by_group_svg",
]


class ThresholdOptimizer:
    """Per-group thresholds as the last step after an existing model.

    ``fit(y_score, y_true, groups)`` fits a :class:`ThresholdPolicy` with
    :func:`equal_opportunity`; ``predict(y_score, groups)`` applies it. With
    ``estimator`` (a fitted classifier with ``predict_proba``), the first argument of
    ``fit``/``predict`` is the feature matrix instead, scored with the estimator's
    positive-class probability.

    Parameters are those of :func:`equal_opportunity`, plus ``fallback`` (a threshold, or
    ``"single_threshold"``, for groups unseen at fit time) and ``seed`` (for randomized
    rules).
    """

    _params = ("estimator", "fn_cost", "fp_cost", "constraint", "tolerance", "randomized",
               "fallback", "seed")

    def __init__(self, estimator: Any = None, *, fn_cost: float = 5.0, fp_cost: float = 1.0,
                 constraint: str = "fpr", tolerance: float = 0.01, randomized: bool = False,
                 fallback: float | str | None = None, seed: int = 0) -> None:
        self.estimator = estimator
        self.fn_cost = fn_cost
        self.fp_cost = fp_cost
        self.constraint = constraint
        self.tolerance = tolerance
        self.randomized = randomized
        self.fallback = fallback
        self.seed = seed

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor parameters (scikit-learn protocol)."""
        return {name: getattr(self, name) for name in self._params}

    def set_params(self, **params: Any) -> ThresholdOptimizer:
        """Sets constructor parameters (scikit-learn protocol)."""
        for name, value in params.items():
            if name not in self._params:
                raise ValueError(f"unknown parameter {name!r}; expected one of {self._params}")
            setattr(self, name, value)
        return self

    def _scores(self, x: Any) -> Any:
        if self.estimator is None:
            return x
        proba = np.asarray(self.estimator.predict_proba(x))
        return np.ascontiguousarray(proba[:, 1], dtype=np.float64)

    def fit(self, x: Any, y_true: Any, groups: Any, sample_weight: Any = None) -> ThresholdOptimizer:
        """Fits the per-group thresholds; ``x`` is scores, or features with ``estimator``."""
        self.policy_ = equal_opportunity(
            y_true, self._scores(x), groups, fn_cost=self.fn_cost, fp_cost=self.fp_cost,
            constraint=self.constraint, tolerance=self.tolerance, randomized=self.randomized,
            sample_weight=sample_weight,
        )
        return self

    def predict(self, x: Any, groups: Any, row_key: Any = None) -> np.ndarray:
        """0/1 flags for new rows."""
        if not hasattr(self, "policy_"):
            raise AttributeError("ThresholdOptimizer is not fitted yet: call fit() first")
        flags = self.policy_.predict(self._scores(x), groups, fallback=self.fallback,
                                     seed=self.seed, row_key=row_key)
        return flags.astype(np.int64)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._params)
        return f"ThresholdOptimizer({args})"


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
              if all(np.isfinite(float(p[k])) for k in ("tolerance", "cost", "max_gap"))]
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
    if chosen_tolerance is not None and np.isfinite(chosen_tolerance):
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
