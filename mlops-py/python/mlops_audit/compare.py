"""Champion/challenger statistics: is the challenger better, and by how much?

One sign convention for every model comparison (:func:`delong`, :func:`mcnemar`,
:func:`paired_bootstrap`, :class:`ShadowAccumulator`, :class:`SequentialTest`): the
arguments are ``(y_true, champion, challenger)`` and every difference is **challenger minus
champion**. Positive therefore means the challenger is better for a metric where higher is
better (AUC, accuracy) and worse for one where lower is better (Brier score, cost, an FPR
gap, a default rate). The generic two-sample tests named after scipy's
(:func:`paired_ttest`, :func:`welch_ttest`, :func:`wilcoxon`, :func:`mann_whitney`,
:func:`two_proportion_ztest`, :func:`fisher_exact`) keep scipy's argument order and sign:
``a`` minus ``b``.

Paired tests for two models scored on the same rows (shadow mode):

- :func:`delong`: DeLong's test for two correlated ROC AUCs, in the O(n log n) form of
  Sun & Xu (2014), with the AUCs, their variances and covariance, z, two- and one-sided
  p-values (real p-values, not logarithms) and a confidence interval of the difference.
- :func:`mcnemar`: McNemar's test on the hard decisions (exact binomial, or chi-square with
  or without continuity correction, as statsmodels).

- :func:`paired_ttest` and :func:`wilcoxon`: paired tests on row-wise values (per-row
  losses), as ``scipy.stats.ttest_rel`` and ``scipy.stats.wilcoxon``.
- :func:`welch_ttest`, :func:`mann_whitney`: independent samples, as
  ``scipy.stats.ttest_ind(equal_var=False)`` and ``scipy.stats.mannwhitneyu``.
- :func:`two_proportion_ztest`, :func:`fisher_exact`: two proportions (A/B tests), as
  statsmodels' ``proportions_ztest`` and ``scipy.stats.fisher_exact``.

- :func:`power`, :func:`sample_size` (with :func:`cohens_h`): fixed-horizon design, as
  statsmodels' ``NormalIndPower``.

- :func:`paired_bootstrap`: the paired bootstrap of a challenger − champion difference of
  AUC, Brier score, cost or max FPR gap between groups, with percentile and BCa intervals.
- :class:`SequentialTest`: a mixture SPRT for two proportions or two means that may be
  looked at after every batch (always-valid p-value, confidence sequence).
- :class:`ShadowAccumulator`: pairs a shadow deployment's scores with labels as they
  arrive, merges across threads and processes, and runs the paired tests.
"""

from __future__ import annotations

import numbers as _numbers
import operator as _operator
import typing as _typing

import numpy as _np

from mlops_audit._mlops_audit import (
    _SequentialTest,
    _ShadowAccumulator,
    _bootstrap_multiplicities,
    _paired_bootstrap,
    _cohens_h,
    _delong,
    _fisher_exact,
    _mann_whitney,
    _mcnemar,
    _paired_ttest,
    _power,
    _sample_size,
    _two_proportion_ztest,
    _welch_ttest,
    _wilcoxon,
)
from mlops_audit.errors import InputTypeError as _InputTypeError
from mlops_audit.errors import ParameterError as _ParameterError
from mlops_audit.results import TestResult

if _typing.TYPE_CHECKING:
    # The names as annotations spell them (annotations are not evaluated: __future__ import).
    from typing import Any

    import numpy as np

    from mlops_audit.errors import InputTypeError

del annotations  # bound by the __future__ import; not part of the module's API

__all__ = [
    "SequentialTest",
    "ShadowAccumulator",
    "TestResult",
    "cohens_h",
    "delong",
    "fisher_exact",
    "mann_whitney",
    "mcnemar",
    "paired_bootstrap",
    "paired_ttest",
    "power",
    "sample_size",
    "two_proportion_ztest",
    "welch_ttest",
    "wilcoxon",
]


def delong(y_true: Any, score_champion: Any, score_challenger: Any, *,
           level: float = 0.95) -> TestResult:
    """DeLong's test of ``AUC(challenger) - AUC(champion)`` for two models scored on the
    same rows.

    The sign: ``difference`` (and ``statistic``, z) is challenger minus champion, so
    positive means the challenger ranks better. Returns a :class:`TestResult` with
    ``auc_champion``, ``auc_challenger``, ``var_champion``, ``var_challenger``,
    ``covariance``, ``difference``, ``std_error``, ``statistic`` (z), ``pvalue``
    (two-sided), ``pvalue_greater`` (H1: the challenger's AUC is larger), ``pvalue_less``
    (H1: it is smaller: the challenger is worse), ``ci_low``, ``ci_high`` (interval of the
    difference). ``statistic`` and the p-values are ``None`` when the two rankings are
    identical (standard error 0). Fewer than two positives or negatives raise
    ``UndefinedMetricError``.
    """
    return _delong(y_true, score_champion, score_challenger, level)


def mcnemar(y_true: Any, pred_champion: Any, pred_challenger: Any, *, exact: bool = True,
            correction: bool = True) -> TestResult:
    """McNemar's test: do the champion and the challenger make different numbers of errors
    on the same rows?

    ``champion_only`` counts rows the champion gets right and the challenger wrong
    (statsmodels' ``b``), ``challenger_only`` the reverse (``c``); ``difference`` is
    ``challenger_only - champion_only``, how many more rows the challenger gets right
    (positive: the challenger makes fewer errors). ``exact=True``: the binomial test,
    ``statistic = min(b, c)``; otherwise the chi-square statistic
    ``(|b - c| - correction)^2 / (b + c)``. The statistic and the two-sided ``pvalue`` are
    symmetric in the two models. Defaults as ``statsmodels``' ``mcnemar``.
    """
    return _mcnemar(y_true, pred_champion, pred_challenger, exact, correction)


def paired_ttest(a: Any, b: Any, *, alternative: str = "two-sided",
                 level: float = 0.95) -> TestResult:
    """Paired t-test of ``mean(a - b)`` on row-wise values, as ``scipy.stats.ttest_rel``:
    the sign is ``a`` minus ``b``, scipy's (not this module's challenger-minus-champion
    convention: to compare per-row losses that way, pass the challenger's as ``a``).

    Returns ``statistic`` (t), ``pvalue``, ``df``, ``difference`` (mean of ``a - b``),
    ``std_error``, ``ci_low``/``ci_high`` (the ``level`` interval; one-sided for a one-sided
    alternative, as scipy). ``statistic`` and ``pvalue`` are ``None`` when all differences
    are equal. Fewer than two rows raise ``UndefinedMetricError``.
    """
    return _paired_ttest(a, b, alternative, level)


def welch_ttest(a: Any, b: Any, *, alternative: str = "two-sided",
                level: float = 0.95) -> TestResult:
    """Welch's t-test of ``mean(a) - mean(b)`` for independent samples, as
    ``scipy.stats.ttest_ind(a, b, equal_var=False)``: the sign is ``a`` minus ``b``, scipy's.
    Fields as :func:`paired_ttest`, with Welch-Satterthwaite ``df``."""
    return _welch_ttest(a, b, alternative, level)


def wilcoxon(a: Any, b: Any, *, alternative: str = "two-sided",
             method: str = "auto") -> TestResult:
    """Wilcoxon signed-rank test of ``a - b``, as ``scipy.stats.wilcoxon(a, b,
    zero_method="wilcox", correction=False)``: the sign is ``a`` minus ``b``, scipy's.

    ``method="auto"`` follows scipy: more than 50 rows: normal approximation; otherwise the
    exact distribution when there are no ties and no zero differences; otherwise, up to 13
    rows, every sign flip is enumerated (scipy's deterministic permutation test); otherwise
    the normal approximation with tie correction. Fields: ``statistic`` (``min(T+, T-)``
    two-sided, ``T+`` otherwise), ``pvalue``, ``r_plus``, ``r_minus``, ``z``,
    ``n_nonzero``, ``n_zero``, ``ties``, ``method`` (the one used).
    """
    return _wilcoxon(a, b, alternative, method)


def mann_whitney(a: Any, b: Any, *, alternative: str = "two-sided",
                 method: str = "auto") -> TestResult:
    """Mann-Whitney U test, as ``scipy.stats.mannwhitneyu(a, b)`` (continuity correction on):
    ``a`` against ``b`` in scipy's order (``"greater"``: ``a`` tends to be larger).

    ``method="auto"`` follows scipy: exact when one sample has at most 8 values and there
    are no ties, asymptotic otherwise (also where the exact distribution would need more
    than 2^25 terms, e.g. 8 values against tens of millions with U near its middle;
    ``exact`` says which was used). ``method="exact"`` raises a ``ParameterError`` there.
    Fields: ``statistic`` (U of ``a``), ``pvalue``, ``u_b``, ``z``, ``exact``, ``ties``.
    """
    return _mann_whitney(a, b, alternative, method)


def two_proportion_ztest(count1: int, nobs1: int, count2: int, nobs2: int, *,
                         alternative: str = "two-sided") -> TestResult:
    """Pooled z-test of ``count1/nobs1 - count2/nobs2`` (sample 1 minus sample 2), as
    statsmodels' ``proportions_ztest([count1, count2], [nobs1, nobs2])`` (``alternative`` spelled as scipy:
    ``"greater"`` for statsmodels' ``"larger"``, ``"less"`` for ``"smaller"``)."""
    return _two_proportion_ztest(count1, nobs1, count2, nobs2, alternative)


def fisher_exact(table: Any, *, alternative: str = "two-sided") -> TestResult:
    """Fisher's exact test on a 2x2 table of counts, as ``scipy.stats.fisher_exact`` (same
    table orientation and ``alternative``: ``"greater"`` means an odds ratio above 1).

    ``statistic`` is the sample odds ratio (``inf`` when ``t01 t10 = 0``; ``None`` when a
    row or column sums to zero, with ``pvalue = 1``).
    """
    (t00, t01), (t10, t11) = _table_2x2(table)
    return _fisher_exact(t00, t01, t10, t11, alternative)


def _table_2x2(table: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    """``table`` as two rows of two non-negative integer counts, else a typed error naming
    ``table`` (a 2x3 table used to fail in tuple unpacking, a count of 2.5 was truncated)."""
    def shape_error(what: str) -> InputTypeError:
        return _InputTypeError(f"table must be a 2x2 table of counts, {what}", input="table")

    if isinstance(table, (str, bytes)):
        raise shape_error("got a string")
    try:
        rows = [row for row in table]
        cells = [[v for v in row] for row in rows]
    except TypeError:
        raise shape_error(f"got {type(table).__name__}") from None
    if len(cells) != 2 or any(isinstance(r, (str, bytes)) for r in rows) or any(
            len(r) != 2 for r in cells):
        shape = f"{len(cells)} rows of " + "/".join(str(len(r)) for r in cells) + " cells"
        raise shape_error(f"got {shape}")
    out = []
    for i, row in enumerate(cells):
        counts = []
        for j, v in enumerate(row):
            if isinstance(v, (bool, _np.bool_)):
                raise _InputTypeError(f"table[{i}][{j}] must be an integer count, got a boolean",
                                      input="table")
            try:
                count = _operator.index(v)
            except TypeError:
                raise _InputTypeError(f"table[{i}][{j}] must be an integer count, got "
                                      f"{type(v).__name__} {v!r}", input="table") from None
            if count < 0:
                raise _ParameterError(f"parameter `table` is invalid: table[{i}][{j}] = {count} "
                                      "is negative; counts are >= 0", name="table",
                                      value=str(count), reason="counts must be >= 0")
            counts.append(count)
        out.append((counts[0], counts[1]))
    return out[0], out[1]


def cohens_h(p1: float, p2: float) -> float:
    """Cohen's h, ``2 asin(sqrt(p1)) - 2 asin(sqrt(p2))``: the effect size of two proportions
    for :func:`power` and :func:`sample_size` (statsmodels' ``proportion_effectsize``)."""
    return _cohens_h(p1, p2)


def power(effect_size: float, nobs1: float, *, alpha: float = 0.05, ratio: float = 1.0,
          alternative: str = "two-sided") -> TestResult:
    """Power of a two-sample test of a standardised ``effect_size`` (Cohen's h for two
    proportions, ``difference / sd`` for two means) with ``nobs1`` and ``ratio * nobs1``
    rows, as statsmodels' ``NormalIndPower().power`` (``"greater"`` is its ``"larger"``).
    Fields: ``power``, ``effect_size``, ``nobs1``, ``nobs2``, ``ratio``, ``alpha``."""
    return _power(effect_size, nobs1, alpha, ratio, alternative)


def sample_size(effect_size: float, *, power: float = 0.8, alpha: float = 0.05,
                ratio: float = 1.0, alternative: str = "two-sided") -> TestResult:
    """Rows per group for a fixed-horizon two-sample test to reach ``power``, as
    statsmodels' ``NormalIndPower().solve_power(nobs1=None)``; ``nobs1`` is fractional
    (round it up), ``nobs2 = ratio * nobs1``."""
    return _sample_size(effect_size, power, alpha, ratio, alternative)


def paired_bootstrap(y_true: Any, score_champion: Any, score_challenger: Any, *,
                     metric: str = "auc", n_resamples: int = 1000, seed: int = 0,
                     confidence_level: float = 0.95, groups: Any = None,
                     threshold: float | tuple[float, float] | None = None,
                     cost: Any = None, sample_weight: Any = None) -> TestResult:
    """Paired bootstrap of ``metric(challenger) - metric(champion)`` on the same rows.

    Every replicate draws ``n`` rows with replacement, the same rows for both models, and
    evaluates the metric with row weights ``multiplicity * sample_weight``; replicates run
    in parallel, each from its own generator seeded by ``(seed, replicate)``, so the result
    depends on ``seed`` only.

    ``metric``: ``"auc"`` (higher is better), ``"brier"`` (scores in [0, 1]), ``"cost"``
    (mean cost per row of flagging ``score >= threshold`` under ``cost``, a
    :class:`mlops_audit.metrics.CostMatrix`, default 5:1; ``threshold`` defaults to its
    Bayes threshold) or ``"max_fpr_gap"`` (largest difference of the groups' false-positive
    rates at ``threshold``; needs ``groups``, which the other metrics refuse: the resampling
    is not stratified). ``threshold`` is one number or a pair ``(champion, challenger)``;
    AUC and Brier take none. For all but AUC lower is better.

    The sign: ``statistic`` (= ``difference``) is challenger minus champion, so positive
    means the challenger's metric is larger: the challenger is better for AUC and worse for
    Brier, cost and the FPR gap (there, negative means the challenger is better).

    Returns a :class:`TestResult` with ``statistic``, ``champion``,
    ``challenger``, ``std_error`` (standard deviation of the replicates), the percentile
    interval ``percentile_low``/``percentile_high`` and the BCa interval
    ``bca_low``/``bca_high`` (Efron & Tibshirani 1993, as ``scipy.stats.bootstrap``), with
    ``bias_correction`` and ``acceleration``; ``pvalue``, the two-sided bootstrap p-value
    ``min(1, 2 min(1 + #{d* <= 0}, 1 + #{d* >= 0}) / (B + 1))`` over the ``B`` valid
    replicates (twice the smaller bootstrap tail beyond 0); ``seed``; ``valid_resamples``
    and ``degenerate_resamples`` (replicates where the metric is undefined, e.g. no
    positive for AUC or a group without negatives, reported and left out of the
    intervals); ``replicates``, each replicate's difference (``None`` where degenerate).
    """
    thresholds = _threshold_pair(threshold)
    return _paired_bootstrap(
        y_true, score_champion, score_challenger, metric, n_resamples, seed,
        confidence_level, groups, thresholds, cost, sample_weight)


def _threshold_pair(threshold: float | tuple[float, float] | None) -> tuple[float, float] | None:
    """One threshold for both models or a pair ``(champion, challenger)``; anything else is
    an ``InputTypeError`` naming ``threshold`` (a 3-tuple used to fail in unpacking)."""
    def number(v: Any) -> float:
        if isinstance(v, (bool, _np.bool_)) or not isinstance(v, _numbers.Real):
            raise _InputTypeError(f"threshold must be a number or a pair of numbers "
                                  f"(champion, challenger), got {type(v).__name__} {v!r}",
                                  input="threshold")
        return float(v)

    if threshold is None:
        return None
    if isinstance(threshold, _numbers.Real) and not isinstance(threshold, (bool, _np.bool_)):
        return (float(threshold), float(threshold))
    if isinstance(threshold, (str, bytes)) or not hasattr(threshold, "__len__"):
        return (number(threshold), number(threshold))
    if len(threshold) != 2:
        raise _InputTypeError(f"threshold must be one number or a pair (champion, challenger), "
                              f"got {len(threshold)} values", input="threshold")
    champion_t, challenger_t = threshold
    return (number(champion_t), number(challenger_t))


class ShadowAccumulator:
    """Champion and challenger scores of a shadow deployment, paired with labels as they
    arrive; mergeable across threads and processes (``merge``, pickling, ``to_json``).

    ``record(request_id, champion, challenger, group="all")`` stores a request's two scores
    as pending; ``label(request_id, y)`` pairs it with its label. A second ``record`` of an
    id still pending is counted in ``duplicate_requests`` and ignored (the first scores
    stay). A label for an id that is not pending (never recorded, evicted, already
    labelled, or recorded by another shard) is counted in ``unmatched_labels`` and
    dropped, so route labels to the accumulator that saw the request. At most
    ``max_pending`` requests wait for a label; beyond, the oldest is evicted and counted in
    ``evicted``. Labelled rows are all kept (the rank tests need every row).

    ``threshold`` (one number or ``(champion, challenger)``; default: the Bayes threshold
    of ``cost``, a :class:`mlops_audit.metrics.CostMatrix`, 1/6 for the default 5:1) sets
    the decisions of McNemar's test and of the per-row cost.

    ``summary()`` runs, on the labelled rows, with every difference challenger − champion:
    ``delong`` (AUC; positive: the challenger is better), ``brier_ttest`` and
    ``brier_wilcoxon`` (per-row Brier loss ``(score - y)^2``; negative: the challenger is
    better), ``cost_ttest`` (per-row decision cost; negative: the challenger costs less),
    ``mcnemar`` (exact, on the decisions; ``difference`` positive: the challenger gets more
    rows right), with per-group counts in ``groups`` and the reason for each undefined test
    (``None``) in ``undefined``.
    """

    def __init__(self, *, max_pending: int = 100_000,
                 threshold: float | tuple[float, float] | None = None, cost: Any = None,
                 confidence_level: float = 0.95) -> None:
        self._inner = _ShadowAccumulator(max_pending, _threshold_pair(threshold), cost,
                                         confidence_level)

    def record(self, request_id: int, champion: float, challenger: float,
               group: str = "all") -> None:
        """Stores both models' scores of one request until its label arrives."""
        self._inner.record(request_id, champion, challenger, group)

    def record_many(self, request_ids: Any, champion: Any, challenger: Any,
                    groups: Any = None) -> None:
        """:meth:`record` for aligned sequences (groups default to ``"all"``)."""
        self._inner.record_many(
            list(request_ids), champion, challenger,
            None if groups is None else [str(g) for g in groups])

    def label(self, request_id: int, y: bool | int) -> bool:
        """Pairs a label with its pending request; ``False`` when the id was not pending."""
        return self._inner.label(request_id, bool(y))

    def label_many(self, request_ids: Any, labels: Any) -> int:
        """:meth:`label` for aligned sequences; returns how many ids were pending."""
        return self._inner.label_many(list(request_ids), [bool(v) for v in labels])

    def merge(self, other: ShadowAccumulator) -> None:
        """Adds ``other``'s labelled rows (after this one's), pending requests and counters.
        Both must have the same settings."""
        self._inner.merge(other._inner)

    @property
    def labelled(self) -> int:
        """Labelled rows."""
        return self._inner.labelled

    @property
    def pending(self) -> int:
        """Requests waiting for a label."""
        return self._inner.pending

    def summary(self) -> TestResult:
        """The paired tests on the labelled rows (see the class documentation)."""
        return self._inner.summary()

    def to_json(self) -> str:
        """The whole state (settings, pending requests, labelled rows, counters) as JSON."""
        return self._inner.to_json()

    @classmethod
    def from_json(cls, text: str) -> ShadowAccumulator:
        """An accumulator from :meth:`to_json` text."""
        obj = cls.__new__(cls)
        obj._inner = _ShadowAccumulator.from_json(text)
        return obj

    def __getstate__(self) -> str:
        return self.to_json()

    def __setstate__(self, state: str) -> None:
        self._inner = _ShadowAccumulator.from_json(state)

    def __repr__(self) -> str:
        return f"ShadowAccumulator(labelled={self.labelled}, pending={self.pending})"


class SequentialTest:
    """A two-arm A/B test that may be looked at after every batch: the mixture sequential
    probability ratio test (mSPRT) with a normal mixture ``N(0, tau2)`` over the
    difference ``theta = mean_challenger - mean_champion`` (Johari, Koomen, Pekelis & Walsh
    2017, "Peeking at A/B tests", KDD; Johari, Pekelis & Walsh, "Always valid inference").

    ``kind="proportions"`` (0/1 outcomes, e.g. defaults; per-arm variances ``p (1 - p)``)
    or ``"means"`` (sample variances). The champion's arm is the control, the challenger's
    the treatment; the sign is challenger minus champion, so a positive estimate means the
    challenger's values are larger: better for a success rate, worse for a default rate or
    a loss. After each update, with
    ``V = s_champion^2/n_champion + s_challenger^2/n_challenger``::

        Lambda = sqrt(V / (V + tau2)) * exp(tau2 * theta_hat^2 / (2 V (V + tau2)))
        pvalue = min(previous pvalue, 1 / Lambda)          # always valid, non-increasing
        interval: theta_hat +- sqrt(V (V + tau2) / tau2 * (ln((V + tau2) / V) - 2 ln alpha)),
                  intersected with every earlier one       # confidence sequence

    ``tau2`` is required: the mixture is most powerful for effects of size about
    ``sqrt(tau2)``. Johari et al. fit it to the spread of effects in past comparable
    experiments; with no history, use the square of the smallest difference worth
    detecting. While an arm has fewer than two rows or every value is equal, nothing is
    tested. The guarantee (``P(ever pvalue <= alpha) <= alpha`` under no difference) is
    exact for normal data of known variance and asymptotic with plug-in variances.

    ``result()`` returns ``estimate`` (``mean_challenger - mean_champion``), ``std_error``,
    ``log_likelihood_ratio``, ``pvalue`` (``statistic`` is the estimate),
    ``ci_low``/``ci_high``, ``rejected``, ``decision`` (``"continue"``,
    ``"challenger_greater"`` or ``"champion_greater"``), ``rejected_at`` (the look),
    ``looks``, ``n_champion``, ``n_challenger``, ``mean_champion``, ``mean_challenger``.
    """

    def __init__(self, kind: str = "proportions", *, tau2: float, alpha: float = 0.05) -> None:
        self._inner = _SequentialTest(kind, alpha, tau2)

    def update(self, champion: Any, challenger: Any) -> TestResult:
        """Adds a batch of values to each arm (either may be empty), looks, and returns
        :meth:`result`."""
        self._inner.update(_np.asarray(champion, dtype=float).ravel().tolist(),
                           _np.asarray(challenger, dtype=float).ravel().tolist())
        return self.result()

    def update_counts(self, successes_champion: int, trials_champion: int,
                      successes_challenger: int, trials_challenger: int) -> TestResult:
        """Adds a batch of counts to each arm of a proportions test, looks, and returns
        :meth:`result`."""
        self._inner.update_counts(successes_champion, trials_champion,
                                  successes_challenger, trials_challenger)
        return self.result()

    def result(self) -> TestResult:
        """Where the test stands (see the class documentation)."""
        return self._inner.result()

    def to_json(self) -> str:
        """The whole state as JSON (to pause and resume the test elsewhere)."""
        return self._inner.to_json()

    @classmethod
    def from_json(cls, text: str) -> SequentialTest:
        """A test from :meth:`to_json` text."""
        obj = cls.__new__(cls)
        obj._inner = _SequentialTest.from_json(text)
        return obj

    def __getstate__(self) -> str:
        return self.to_json()

    def __setstate__(self, state: str) -> None:
        self._inner = _SequentialTest.from_json(state)

    def __repr__(self) -> str:
        r = self.result()
        return f"SequentialTest(looks={r.looks}, pvalue={r.pvalue:.4g}, decision={r.decision!r})"


def _replicate_multiplicities(n: int, *, seed: int, n_replicates: int) -> np.ndarray:
    """The row multiplicities of replicates ``0..n_replicates`` of :func:`paired_bootstrap`
    on ``n`` rows with ``seed``, shape ``(n_replicates, n)``: for checking each replicate
    independently."""
    return _bootstrap_multiplicities(n, seed, n_replicates).reshape(n_replicates, n)
