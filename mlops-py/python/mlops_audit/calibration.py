"""Calibration: do predicted probabilities mean what they say?

The 5:1 lending costs put the cost-optimal cut at 1/6 only for calibrated probabilities,
and a regulator asks whether a score of 0.2 means the same risk in every group.

- Metrics: :func:`brier_score`, :func:`log_loss`, :func:`reliability_curve` (scikit-learn's
  ``calibration_curve`` bin rule: right-closed bins, ``strategy="uniform"|"quantile"``),
  :func:`expected_calibration_error` and :func:`max_calibration_error` over the same bins.
- :func:`debiased_squared_calibration_error` (Kumar, Liang & Ma 2019), and the tests
  :func:`hosmer_lemeshow` and :func:`spiegelhalter_z` (scipy-like results).
- :func:`calibration_by_group`: all of the above per group, with the worst group named per
  metric; :func:`reliability_diagram_svg` draws a reliability diagram as SVG and
  :func:`plot_reliability_diagram` with matplotlib.
- Calibrators: :class:`IsotonicCalibrator` (pool-adjacent-violators, as scikit-learn's
  ``IsotonicRegression(out_of_bounds="clip")``), :class:`PlattCalibrator` (Platt's
  sigmoid with smoothed targets, as scikit-learn's sigmoid calibration),
  :class:`HistogramCalibrator` (histogram binning) and :class:`BetaCalibrator` (beta
  calibration of Kull, Silva Filho & Flach 2017).

Weights are frequency weights in every sum (an integer weight counts as that many
repeated rows); quantile bin edges are percentiles of the scores alone, unweighted, as
scikit-learn's ``calibration_curve`` computes them.
"""

from __future__ import annotations

import html as _html
import typing as _typing

import numpy as _np

from mlops_audit._mlops_audit import (
    BetaCalibrator,
    HistogramCalibrator,
    IsotonicCalibrator,
    PlattCalibrator,
    _calibration_by_group,
    _calibration_errors,
    _debiased_squared_ece,
    _hosmer_lemeshow,
    _reliability_curve,
    _spiegelhalter,
    brier_score,
    log_loss,
    reliability_diagram_svg,
)
from mlops_audit import results as _results
from mlops_audit.results import TestResult, _extends, _group_key, _make

if _typing.TYPE_CHECKING:
    # The names as annotations spell them (annotations are not evaluated: __future__ import).
    from typing import Any

del annotations  # bound by the __future__ import; not part of the module's API

__all__ = [
    "BetaCalibrator",
    "CalibrationByGroup",
    "HistogramCalibrator",
    "IsotonicCalibrator",
    "PlattCalibrator",
    "ReliabilityCurve",
    "TestResult",
    "brier_score",
    "calibration_by_group",
    "debiased_squared_calibration_error",
    "expected_calibration_error",
    "hosmer_lemeshow",
    "log_loss",
    "max_calibration_error",
    "plot_reliability_diagram",
    "reliability_curve",
    "reliability_diagram_svg",
    "spiegelhalter_z",
]


@_extends("ReliabilityCurve")
class ReliabilityCurve(_results.ReliabilityCurve):  # type: ignore[name-defined,misc]
    """The non-empty bins of a reliability curve, as numpy arrays: ``fraction_positive``,
    ``mean_predicted``, ``weight`` (rows per bin), ``low`` and ``high`` (bin edges); and
    ``strategy``, ``n_bins`` and ``bins`` (one dict per bin) as the library gives them.

    Unpacks like scikit-learn's ``calibration_curve``:
    ``prob_true, prob_pred = reliability_curve(...)``.
    """

    __slots__ = ()

    def _column(self, name: str) -> _np.ndarray:
        return _np.array([b[name] for b in self._fields["bins"]], dtype=float)

    @property
    def fraction_positive(self) -> _np.ndarray:
        """Observed frequency of positives per bin."""
        return self._column("fraction_positive")

    @property
    def mean_predicted(self) -> _np.ndarray:
        """Mean predicted probability per bin."""
        return self._column("mean_predicted")

    @property
    def weight(self) -> _np.ndarray:
        """Rows (total weight) per bin."""
        return self._column("weight")

    @property
    def low(self) -> _np.ndarray:
        """Lower bin edges."""
        return self._column("low")

    @property
    def high(self) -> _np.ndarray:
        """Upper bin edges."""
        return self._column("high")

    def __iter__(self):
        yield self.fraction_positive
        yield self.mean_predicted

    def __repr__(self) -> str:
        return (f"ReliabilityCurve(strategy={self.strategy!r}, n_bins={self.n_bins}, "
                f"non_empty={len(self._fields['bins'])})")


def reliability_curve(y_true: Any, y_prob: Any, *, n_bins: int = 5, strategy: str = "uniform",
                      sample_weight: Any = None) -> ReliabilityCurve:
    """Observed frequency against mean predicted probability per bin.

    Matches ``sklearn.calibration.calibration_curve`` to the bit (same edges, same
    right-closed bins; empty bins left out). Weights, when given, weight the means.
    """
    return _reliability_curve(y_true, y_prob, n_bins, strategy, sample_weight)


def expected_calibration_error(y_true: Any, y_prob: Any, *, n_bins: int = 10,
                               strategy: str = "uniform", sample_weight: Any = None) -> float:
    """ECE: ``sum_b (n_b / n) |fraction_positive_b - mean_predicted_b|`` over the bins of
    :func:`reliability_curve` (``"uniform"``: equal width, Naeini et al. 2015;
    ``"quantile"``: equal mass)."""
    return _calibration_errors(y_true, y_prob, n_bins, strategy, sample_weight)[0]


def max_calibration_error(y_true: Any, y_prob: Any, *, n_bins: int = 10,
                          strategy: str = "uniform", sample_weight: Any = None) -> float:
    """MCE: the largest ``|fraction_positive_b - mean_predicted_b|`` over the bins."""
    return _calibration_errors(y_true, y_prob, n_bins, strategy, sample_weight)[1]


def debiased_squared_calibration_error(y_true: Any, y_prob: Any, *, n_bins: int = 15,
                                       strategy: str = "quantile",
                                       sample_weight: Any = None) -> float:
    """The debiased estimate of the squared L2 calibration error (Kumar, Liang & Ma 2019,
    "Verified Uncertainty Calibration", NeurIPS):
    ``sum_b (n_b / n) [(ybar_b - pbar_b)^2 - ybar_b (1 - ybar_b) / (n_b - 1)]`` over the bins
    of :func:`reliability_curve`.

    Unbiased per bin, so it can be negative for a well calibrated model (returned as is;
    ``sqrt(max(value, 0))`` is the paper's debiased L2 error). Weights are frequency
    weights (``n_b = sum w``); as in the authors' ``uncertainty-calibration`` package, a bin
    with ``n_b <= 1`` contributes 0, and when no bin has ``n_b > 1``
    :class:`~mlops_audit.errors.UndefinedMetricError` is raised. Defaults: 15 equal-mass
    bins, as the paper.
    """
    return _debiased_squared_ece(y_true, y_prob, n_bins, strategy, sample_weight)


def hosmer_lemeshow(y_true: Any, y_prob: Any, *, n_groups: int = 10,
                    grouping: str = "quantile", df: int | None = None,
                    sample_weight: Any = None) -> TestResult:
    """The Hosmer-Lemeshow goodness-of-fit test.

    ``C = sum_g (O_g - E_g)^2 / (E_g (1 - E_g / n_g))`` over risk groups, against a
    chi-square with ``df`` degrees of freedom. ``grouping="quantile"`` cuts at the deciles
    (``n_groups`` quantiles, numpy's linear percentiles) of the predicted risk,
    ``"uniform"`` at ``k / n_groups``. Groups are right-closed, so tied probabilities
    always share a group (groups can differ in size); empty groups are dropped, and
    ``df`` defaults to ``g - 2`` with ``g`` the non-empty groups (in-sample); pass
    ``df=g`` for a model assessed out of sample. Weights are frequency weights.

    Returns a :class:`~mlops_audit.results.TestResult` with ``statistic``, ``pvalue``,
    ``df`` and ``groups`` (per group: ``low``, ``high``, ``weight``, ``observed``,
    ``expected``). Raises :class:`~mlops_audit.errors.UndefinedMetricError` when a group's
    probabilities are all 0 or all 1, or ``g - 2 < 1``.
    """
    return _hosmer_lemeshow(y_true, y_prob, n_groups, grouping, df, sample_weight)


def spiegelhalter_z(y_true: Any, y_prob: Any, *, sample_weight: Any = None) -> TestResult:
    """Spiegelhalter's (1986) z-test of calibration:
    ``Z = sum w (y - p)(1 - 2p) / sqrt(sum w (1 - 2p)^2 p (1 - p))`` and its two-sided
    normal p-value. Raises :class:`~mlops_audit.errors.UndefinedMetricError` when the
    variance is 0 (every probability 0, 1/2 or 1)."""
    return _spiegelhalter(y_true, y_prob, sample_weight)


@_extends("CalibrationByGroup")
class CalibrationByGroup(_results.CalibrationByGroup):  # type: ignore[name-defined,misc]
    """Calibration per group (see :func:`calibration_by_group`).

    Dicts are keyed by group: the value itself for one sensitive column (an int stays an
    int), a tuple of values for several. ``groups``: ``{group: {"rows", "weight", "brier",
    "log_loss", "ece", "mce", "debiased_squared_ece", "hosmer_lemeshow", "spiegelhalter"}}``
    (the two tests as :class:`~mlops_audit.results.Result` objects; these three are ``None``
    where undefined); ``reliability``: ``{group: ReliabilityCurve}``; ``worst``:
    ``{metric: group}`` (largest value, or smallest p-value for the two tests); ``names``:
    ``{group: name}``, the label shown in tables and legends. Item access and
    :meth:`to_dict` give the library's fields as they are (keys as lists).
    """

    __slots__ = ()

    @property
    def groups(self) -> dict[Any, dict[str, Any]]:
        out = {}
        for g in self._fields["groups"]:
            entry = {k: v for k, v in g.items() if k not in ("key", "group", "reliability")}
            for test, kind in (("hosmer_lemeshow", "HosmerLemeshowResult"),
                               ("spiegelhalter", "SpiegelhalterResult")):
                if entry[test] is not None:
                    entry[test] = _make(kind, entry[test])
            out[_group_key(g["key"])] = entry
        return out

    @property
    def reliability(self) -> dict[Any, ReliabilityCurve]:
        return {_group_key(g["key"]): _make("ReliabilityCurve", g["reliability"])
                for g in self._fields["groups"]}

    @property
    def names(self) -> dict[Any, str]:
        return {_group_key(g["key"]): g["group"] for g in self._fields["groups"]}

    @property
    def worst(self) -> dict[str, Any]:
        return {w["metric"]: _group_key(w["key"]) for w in self._fields["worst"]}

    def metric(self, name: str) -> dict[Any, Any]:
        """One metric for every group: ``{group: value}``."""
        return {g: entry[name] for g, entry in self.groups.items()}

    def __repr__(self) -> str:
        worst = ", ".join(f"{k}={v!r}" for k, v in self.worst.items())
        return f"CalibrationByGroup(groups={list(self.groups)}, worst: {worst})"

    def _repr_html_(self) -> str:
        columns = ["rows", "brier", "log_loss", "ece", "mce", "debiased_squared_ece"]

        def cell(value: Any) -> str:
            return "undefined" if value is None else f"{value:.4g}"

        head = "".join(f"<th>{c}</th>" for c in ["group", *columns, "HL p", "Spiegelhalter p"])
        rows = []
        names = self.names
        for key, entry in self.groups.items():
            tests = [None if entry[t] is None else entry[t].pvalue
                     for t in ("hosmer_lemeshow", "spiegelhalter")]
            cells = "".join(f"<td>{cell(entry[c])}</td>" for c in columns)
            cells += "".join(f"<td>{cell(v)}</td>" for v in tests)
            name = _html.escape(names[key])
            rows.append(f"<tr><th style='text-align:left'>{name}</th>{cells}</tr>")
        worst = ", ".join(f"{_html.escape(k)}: {_html.escape(names[v])}"
                          for k, v in self.worst.items())
        return (f"<table><caption>CalibrationByGroup (worst: {worst})</caption>"
                f"<tr>{head}</tr>{''.join(rows)}</table>")


def calibration_by_group(y_true: Any, y_prob: Any, groups: Any, *, n_bins: int = 10,
                         strategy: str = "uniform", n_groups: int = 10,
                         grouping: str = "quantile", df: int | None = None,
                         sample_weight: Any = None) -> CalibrationByGroup:
    """Every calibration metric per group: Brier score, log loss, ECE, MCE, the debiased
    squared ECE (these and the reliability curve with ``n_bins`` and ``strategy``), the
    Hosmer-Lemeshow test (``n_groups``, ``grouping``, ``df``) and Spiegelhalter's z, each
    computed on the group's rows exactly as the single-group functions do, and the worst
    group per metric. ``groups`` is a sensitive column or several (as in
    :func:`mlops_audit.fairness.audit`)."""
    return _calibration_by_group(
        y_true, y_prob, groups, n_bins, strategy, n_groups, grouping, df, sample_weight)


def plot_reliability_diagram(y_true: Any, y_prob: Any, *, n_bins: int = 10,
                             strategy: str = "uniform", groups: Any = None,
                             sample_weight: Any = None, ax: Any = None) -> Any:
    """A reliability diagram: observed frequency against mean predicted probability per
    bin (from :func:`reliability_curve`, or one curve per group of
    :func:`calibration_by_group` when ``groups`` is given), with the diagonal of perfect
    calibration. Draws on ``ax``, or on new axes; returns the Axes. Needs matplotlib
    (``pip install 'mlops-audit[plot]'``), imported only here."""
    from mlops_audit.fairness import _GREY, _PALETTE, _new_axes

    ax = _new_axes(ax, "plot_reliability_diagram", "reliability_curve")
    if groups is None:
        curves = {"all": reliability_curve(y_true, y_prob, n_bins=n_bins, strategy=strategy,
                                           sample_weight=sample_weight)}
    else:
        by_group = calibration_by_group(y_true, y_prob, groups, n_bins=n_bins,
                                        strategy=strategy, sample_weight=sample_weight)
        curves = {by_group.names[k]: c for k, c in by_group.reliability.items()}
    ax.plot([0, 1], [0, 1], linestyle="--", color=_GREY, linewidth=1,
            label="perfectly calibrated")
    for i, (name, curve) in enumerate(curves.items()):
        ax.plot(curve.mean_predicted, curve.fraction_positive, marker="o", linewidth=2,
                color=_PALETTE[i % len(_PALETTE)], label=str(name))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("mean predicted probability")
    ax.set_ylabel("observed frequency")
    ax.legend(loc="upper left", frameon=False)
    return ax
