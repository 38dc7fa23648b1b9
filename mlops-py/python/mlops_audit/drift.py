"""Drift tests and production monitoring.

Numeric features:

- :func:`ks_2samp` is the two-sample Kolmogorov-Smirnov test: has the distribution of a
  numeric feature moved between ``reference`` (the training data) and ``current`` (what the
  model sees in production)? It has the meaning, parameters and ``method="auto"`` rule of
  ``scipy.stats.ks_2samp`` and agrees with it to 1e-10 (relative) on p-values; where SciPy
  abandons the exact p-value with a warning, it is still computed exactly when affordable,
  and :attr:`KsResult.method` always says how the p-value was obtained. The result unpacks
  like SciPy's (``statistic, pvalue = ks_2samp(reference, current)``).
- :func:`wasserstein`: the Wasserstein-1 distance (as ``scipy.stats.wasserstein_distance``,
  optionally weighted) and the same divided by the reference's population (``ddof=0``)
  standard deviation.
- :func:`psi`: population stability index and Jensen-Shannon distance on bins fixed from
  the reference (quantile bins by default, or given edges), with overflow bins on both
  sides and an additive ``epsilon`` on bin proportions.

Categorical features and prediction rates:

- :func:`categorical_drift`: KL divergence ``D(current || reference)``, JS distance, PSI,
  total variation, the chi-square test of homogeneity and the G-test (as
  ``scipy.stats.chi2_contingency``), with categories unseen in the reference named.
- :func:`proportion_drift`: Wilson and Clopper-Pearson intervals of the production share of
  positive predictions (as ``scipy.stats.binomtest(x, n).proportion_ci``), whether the
  training share falls outside them, and the pooled two-proportion z-test (as statsmodels'
  ``proportions_ztest``).
- :func:`multipletests`: Bonferroni, Holm and Benjamini-Hochberg adjusted p-values (as
  ``statsmodels.stats.multitest.multipletests``).

Every function but :func:`ks_2samp` returns a :class:`~mlops_audit.results.TestResult` with
``statistic``, ``pvalue`` (``None`` where the measure has none) and an effect size.

More numeric tests:

- :func:`anderson_ksamp`: the Anderson-Darling k-sample test, as
  ``scipy.stats.anderson_ksamp`` (mid-rank, right and continuous variants; SciPy's
  interpolated p-value, or an exact or seeded permutation p-value without SciPy's
  0.001/0.25 limits).
- :func:`cramervonmises_2samp`: the two-sample Cramer-von Mises test, as
  ``scipy.stats.cramervonmises_2samp`` (exact or asymptotic p-value).

Missing values and unseen categories:

- :func:`missing_rate_drift`: a rate (missing values, rows in unseen categories, ...) in
  production against training, with the z-test, Fisher's exact test (two-sided or
  one-sided) and effect sizes.
- :func:`numeric_missing_drift`: the same for NaN/inf in two numeric samples, counted by
  kind.
- :func:`unseen_category_drift`: which production categories the reference lacks, with
  their counts, and the test of the share of rows they hold.

Production monitoring:

- :class:`ReferenceProfile`: per-column summaries of training data (exact category counts;
  numeric counts, missing/NaN/inf, mean, variance, min/max, values exact up to
  ``sample_cap`` then a KLL sketch with a stated rank-error bound), JSON with a format
  version, and mergeable across partitions.
- :class:`DriftMonitor`: ingests production batches from many threads, windows them, and
  :meth:`DriftMonitor.evaluate` returns a :class:`DriftReport` (input drift per feature,
  a one-sided test of a rise in each feature's missing share, output rate per group,
  counters, alert status and reasons); :func:`drift_report` does the same in one call for
  two tables.

"""

from __future__ import annotations

import operator as _operator
import typing as _typing

from mlops_audit._mlops_audit import (
    _anderson_ksamp,
    _categorical,
    _cramervonmises_2samp,
    _multipletests,
    _numeric_missing,
    _proportion,
    _psi,
    _rate_drift,
    _unseen_categories,
    _wasserstein,
    ks_2samp,
)
from mlops_audit._options import defaults as _defaults_of, options as _options
from mlops_audit.errors import InputTypeError as _InputTypeError
from mlops_audit import results as _results
from mlops_audit.results import KsResult, TestResult, _extends, _group_key

#: The defaults of the Rust core's options structs: the signatures below show them, so each is
#: written once, in Rust.
_PSI = _defaults_of("PsiOptions")
_CATEGORICAL = _defaults_of("CategoricalParams")
_ANDERSON = _defaults_of("AndersonParams")
_MONITOR = _defaults_of("MonitorOptions")
_REPORT = _defaults_of("DriftReportOptions")

if _typing.TYPE_CHECKING:
    # The names as annotations spell them (annotations are not evaluated: __future__ import).
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any

del annotations  # bound by the __future__ import; not part of the module's API

__all__: list[str] = [
    "KsResult",
    "TestResult",
    "anderson_ksamp",
    "categorical_drift",
    "cramervonmises_2samp",
    "ks_2samp",
    "missing_rate_drift",
    "multipletests",
    "numeric_missing_drift",
    "proportion_drift",
    "psi",
    "unseen_category_drift",
    "wasserstein",
]


def wasserstein(
    reference: Any,
    current: Any,
    *,
    reference_weights: Any | None = None,
    current_weights: Any | None = None,
) -> TestResult:
    """Wasserstein-1 (earth mover's) distance between ``reference`` and ``current``.

    Fields: ``statistic`` and ``distance`` (equal to ``scipy.stats.wasserstein_distance``),
    ``normalized`` (the effect size: distance divided by ``reference_std``, the
    **population** standard deviation ``numpy.std(reference)`` with ``ddof=0``; ``None``
    for a constant reference), ``pvalue`` (always ``None``), sample sizes.

    ``reference_weights`` and ``current_weights`` (SciPy's ``u_weights`` and ``v_weights``)
    give each value a weight: finite, ``>= 0``, not all zero, one per value (else
    ``NonFiniteError``, ``NegativeWeightError``, ``ZeroWeightsError`` or
    ``LengthMismatchError`` naming the parameter). The CDFs are then weighted and
    ``reference_std`` is the weighted population standard deviation; integer weights equal
    repeating each value that many times.
    """
    return _wasserstein(reference, current, reference_weights, current_weights)


def psi(
    reference: Any,
    current: Any,
    *,
    bins: int = _PSI["bins"],
    edges: Sequence[float] | None = _PSI["edges"],
    epsilon: float = _PSI["epsilon"],
) -> TestResult:
    """Population stability index and Jensen-Shannon distance of a numeric feature.

    Bins are fixed from ``reference``: by default its minimum, its ``numpy.quantile``
    (linear rule) at ``1/bins, ..., (bins-1)/bins`` and its maximum, duplicates dropped; or
    the strictly increasing ``edges`` given. Interior bins are ``[e0, e1), ..., [e(B-1),
    eB]`` (as ``numpy.histogram``) and an overflow bin on each side, ``(-inf, e0)`` and
    ``(eB, inf)``, counts production values outside the range.

    ``psi = sum((c - r) * ln(c / r))`` on proportions smoothed as ``(p + epsilon) / (1 + K
    epsilon)`` over the ``K`` bins; ``js_distance`` is
    ``scipy.spatial.distance.jensenshannon`` (natural log) of the raw proportions. Also
    reports ``edges``, per-bin counts and proportions; ``pvalue`` is ``None``.
    """
    return _psi(reference, current, **_options(locals(), "reference", "current"))


def _items(counts: Any, name: str) -> list[tuple[Any, Any]]:
    """``(category, count)`` pairs of a mapping, of anything with ``items()`` (a pandas
    ``value_counts()`` Series), or of an iterable of pairs."""
    items = counts.items() if callable(getattr(counts, "items", None)) else counts
    try:
        pairs = [(k, v) for k, v in items]
    except (TypeError, ValueError) as e:
        raise _InputTypeError(
            f"`{name}` must map categories to counts: a dict, a pandas value_counts() "
            f"Series or (category, count) pairs; got {type(counts).__name__} ({e})",
            input=name,
        ) from e
    return pairs


def _number(name: str, category: Any, value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError) as e:
        raise _InputTypeError(
            f"`{name}`: the count of category {category!r} is {value!r}, not a number",
            input=name,
        ) from e


def _pairs(counts: Any, name: str) -> list[tuple[str, float]]:
    return [(str(k), _number(name, k, v)) for k, v in _items(counts, name)]


def categorical_drift(
    reference: Mapping[str, float] | Iterable[tuple[str, float]],
    current: Mapping[str, float] | Iterable[tuple[str, float]],
    *,
    epsilon: float = _CATEGORICAL["epsilon"],
) -> TestResult:
    """Drift of a categorical feature given as counts per category.

    ``reference`` and ``current`` map category names to counts (a ``dict``, a pandas
    ``value_counts()`` Series, or ``(name, count)`` pairs). Fields: ``statistic``,
    ``pvalue``, ``dof`` (Pearson chi-square test of homogeneity on the 2 x K table, as
    ``scipy.stats.chi2_contingency(correction=False)``; categories with zero count in both
    are dropped), ``g_statistic``, ``g_pvalue`` (G-test, ``lambda_="log-likelihood"``),
    ``kl_divergence`` (``D(current || reference)``, natural log, proportions smoothed as
    ``(p + epsilon) / (1 + K epsilon)``), ``psi`` (smoothed), ``js_distance`` (raw, natural
    log), ``total_variation`` and ``cramers_v`` (effect sizes), ``categories``,
    ``unseen_categories`` (in current, not in reference) and the aligned counts.
    """
    return _categorical(_pairs(reference, "reference"), _pairs(current, "current"),
                        epsilon=epsilon)


def proportion_drift(
    x0: int, n0: int, x: int, n: int, *, confidence_level: float = 0.95
) -> TestResult:
    """Has the share of positive predictions moved from ``x0 / n0`` (training) to ``x / n``
    (production)?

    Fields: ``wilson_low``/``wilson_high`` and ``exact_low``/``exact_high`` (two-sided
    Wilson and Clopper-Pearson intervals of ``x / n``, as
    ``scipy.stats.binomtest(x, n).proportion_ci``), ``out_of_wilson_interval`` and
    ``out_of_exact_interval`` (the training share lies outside), ``statistic`` and
    ``pvalue`` (pooled two-proportion z-test, production minus training, two-sided;
    ``None`` when both samples are all 0 or all 1), ``difference`` and ``cohens_h``
    (effect sizes).
    """
    return _proportion(x0, n0, x, n, confidence_level)


def multipletests(pvalues: Any, *, alpha: float = 0.05, method: str = "holm") -> TestResult:
    """Multiple-testing correction, as ``statsmodels.stats.multitest.multipletests``.

    ``method`` is ``"bonferroni"``, ``"holm"`` or ``"fdr_bh"``. Fields: ``reject``,
    ``pvalues_corrected`` (in input order), ``method``, ``alpha``.
    """
    return _multipletests(pvalues, alpha, method)


# --------------------------------------------------------------------------------------
# Reference profiles, the monitor and one-shot reports.
# --------------------------------------------------------------------------------------
from mlops_audit._mlops_audit import (  # noqa: E402
    ReferenceProfile,
    _drift_report,
    _DriftMonitor,
)

__all__ += ["DriftMonitor", "DriftReport", "ReferenceProfile", "drift_report"]


@_extends("DriftReport")
class DriftReport(_results.DriftReport):  # type: ignore[name-defined,misc]
    """The report of :meth:`DriftMonitor.evaluate` or :func:`drift_report`.

    Sections (attributes, also in :meth:`to_dict`): ``status`` (``"ok"``, ``"alert"`` or
    ``"no_data"``), ``reasons`` (human-readable), ``window`` (kind, index, complete, rows,
    batches, start/end of time windows), ``counters`` (requests, rows, errors, late_rows,
    and ``predictions``: positive predictions since creation, ``{"all": counts, "groups":
    {group: counts}}``, ``None`` without a prediction column), ``features`` (one dict per
    feature: test, statistic, pvalue, pvalue_corrected, effect_size, drifted, approximate,
    missing rates, NaN/inf counts, unseen categories, note, and ``missing_test``,
    ``missing_pvalue_corrected``, ``missing_drifted``: the one-sided test of a rise in the
    missing share, see :class:`DriftMonitor`), ``output_overall`` (all rows) and ``outputs``
    (one per group, ``group`` its key and ``name`` its label): training and production counts
    and shares, the Wilson and Clopper-Pearson intervals and two-proportion test in ``test``,
    ``out_of_interval``; ``alpha``, ``correction``, ``missing_alpha``,
    ``missing_rate_threshold``, ``ignored_columns``. Undefined values are ``None``: a feature
    whose window holds no non-missing value has ``test``, ``statistic`` and ``pvalue``
    ``None`` and a ``note``, and makes the status ``"alert"``.

    A group is keyed by its values, as Python would: the category text itself for one
    group column (``None`` for a missing value, which equals no text), a tuple for several.
    :meth:`to_dict` and :meth:`to_json` give the JSON content, where a key is a list.
    """

    __slots__ = ()

    @property
    def outputs(self) -> list[dict[str, Any]]:
        """One section per group, ``group`` its key (a value, or a tuple of values)."""
        return [{**o, "group": _group_key(o["group"])} for o in self._fields["outputs"]]

    @property
    def counters(self) -> dict[str, Any]:
        """The counters, positive predictions per group keyed by group."""
        counters = self._fields["counters"]
        predictions = counters["predictions"]
        if predictions is None:
            return dict(counters)
        groups = {_group_key(g["key"]): {"positives": g["positives"], "total": g["total"]}
                  for g in predictions["groups"]}
        return {**counters, "predictions": {"all": predictions["all"], "groups": groups}}

    @property
    def drifted(self) -> list[str]:
        """Names of the features whose values drifted (a rise in a feature's missing share
        is its ``missing_drifted``; both make the status ``"alert"``)."""
        return [f["name"] for f in self._fields["features"] if f["drifted"]]

    def feature(self, name: str) -> dict[str, Any]:
        """The section of feature ``name``."""
        for f in self._fields["features"]:
            if f["name"] == name:
                return dict(f)
        raise KeyError(name)

    def __repr__(self) -> str:
        w = self._fields["window"]
        return (
            f"DriftReport(status={self._fields['status']!r}, window={w['kind']}#{w['index']} "
            f"rows={w['rows']}, drifted={self.drifted!r}, reasons={len(self._fields['reasons'])})"
        )

    def _repr_html_(self) -> str:
        import html

        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(str(f.get(k)))}</td>"
                for k in ("name", "test", "statistic", "pvalue_corrected", "drifted",
                          "current_missing_rate", "missing_drifted")
            )
            + "</tr>"
            for f in self._fields["features"]
        )
        reasons = "".join(f"<li>{html.escape(r)}</li>" for r in self._fields["reasons"])
        return (
            "<p><b>DriftReport</b>: status "
            f"<b>{html.escape(self._fields['status'])}</b></p><ul>{reasons}</ul>"
            "<table><tr><th>feature</th><th>test</th><th>statistic</th>"
            "<th>corrected p</th><th>drifted</th><th>missing share</th>"
            f"<th>missing share rose</th></tr>{rows}</table>"
        )


class DriftMonitor:
    """Watches production data against a :class:`ReferenceProfile`.

    The defaults (in the signature) are those of the Rust core's ``MonitorOptions``.

    ``tests`` maps feature names to ``"ks"``, ``"psi"``, ``"wasserstein"`` (numeric),
    ``"chi_square"``, ``"g_test"`` (categorical) or ``"auto"`` (KS for numeric, chi-square
    for categorical; the default). P-values are adjusted across features (``"bonferroni"``,
    ``"holm"``, ``"fdr_bh"``) and a feature drifts when its adjusted p-value is ``<= alpha``
    (and its effect size ``>= effect_threshold`` if given). Windows are tumbling: by count
    (``window_rows``: a window holds the batches whose first row falls in it), by time
    (``window_seconds``, on the UNIX clock or the ``timestamp`` given to :meth:`ingest`), or
    cumulative (default). :meth:`evaluate` reports the latest complete window, or the open
    one before any is complete. Numeric values are kept exactly up to
    ``window_sample_cap`` per shard and window (``None``: no cap), then sketched. Group and
    prediction columns are those the profile was built with.

    Missing values: per feature, the window's share of missing entries (nulls, NaN, ±inf) is
    tested against the reference's with a one-sided test of a rise (the pooled
    two-proportion z-test, or Fisher's exact test when an expected count is below 5; see
    :func:`missing_rate_drift` with ``alternative="greater"``). These p-values are adjusted
    across features with ``correction`` as a family of their own, and ``missing_drifted``
    is set when the adjusted p-value is ``<= missing_alpha`` (``None``: ``alpha``) and the
    rise is at least ``missing_rate_threshold`` (default one percentage point). A feature
    entirely missing in the window alerts: its value tests are undefined (``None``). A
    profile without rows, or a monitored column without a single non-missing reference
    value, is refused with ``EmptyInputError`` (naming the column): leave such a column out
    of ``features``.

    :meth:`ingest` accepts the table types of :meth:`ReferenceProfile.from_data`, releases
    the GIL, and may be called from many threads at once.
    """

    def __init__(
        self,
        profile: ReferenceProfile,
        *,
        tests: Mapping[str, str] | None = _MONITOR["tests"],
        features: Sequence[str] | None = _MONITOR["features"],
        alpha: float = _MONITOR["alpha"],
        effect_threshold: float | None = _MONITOR["effect_threshold"],
        psi_threshold: float = _MONITOR["psi_threshold"],
        wasserstein_threshold: float = _MONITOR["wasserstein_threshold"],
        correction: str = _MONITOR["correction"],
        confidence_level: float = _MONITOR["confidence_level"],
        window_rows: int | None = _MONITOR["window_rows"],
        window_seconds: float | None = _MONITOR["window_seconds"],
        window_sample_cap: int | None = _MONITOR["window_sample_cap"],
        shards: int = _MONITOR["shards"],
        ks_method: str = _MONITOR["ks_method"],
        missing_alpha: float | None = _MONITOR["missing_alpha"],
        missing_rate_threshold: float = _MONITOR["missing_rate_threshold"],
    ) -> None:
        self._inner = _DriftMonitor(profile, **_options(locals(), "self", "profile"))

    @property
    def features(self) -> list[str]:
        """The monitored features."""
        return self._inner.features

    @property
    def profile(self) -> ReferenceProfile:
        """The reference profile."""
        return self._inner.profile

    def ingest(self, batch: Any, *, timestamp: float | None = None) -> None:
        """Adds a batch of production rows (``timestamp`` in seconds for time windows)."""
        self._inner.ingest(batch, timestamp)

    def ingest_profile(self, profile: ReferenceProfile, *,
                       timestamp: float | None = None) -> None:
        """Adds production rows summarised elsewhere: ``profile`` is a
        :class:`ReferenceProfile` of the batch (built with the reference's ``group``,
        ``prediction`` and ``sketch_k``, for example per Spark partition and merged). The
        window then holds what :meth:`ingest` of the rows would give (exact while the
        profile keeps every value)."""
        self._inner.ingest_profile(profile, timestamp)

    def record_error(self) -> None:
        """Counts an error of the service's own in the report's ``counters``."""
        self._inner.record_error()

    def evaluate(self, *, now: float | None = None) -> DriftReport:
        """The report of the current window (``now`` in seconds for time windows)."""
        return self._inner.evaluate(now)

    def to_json(self) -> str:
        """The monitor's state as JSON: the profile, the configuration, every shard's
        windows (per feature, the window's summary; per group, its prediction counts), the
        counters and the ignored columns, taken at one moment (under every shard's lock).
        :meth:`from_json` restores a monitor that evaluates to the same report and continues
        the same windows. The number of shards is kept (also for ``shards=0``); which thread
        writes into which shard is not state and is chosen afresh."""
        return self._inner.to_json()

    @classmethod
    def from_json(cls, text: str) -> DriftMonitor:
        """A monitor from :meth:`to_json` text, checked (``StateError`` names the field of
        a malformed or inconsistent state)."""
        obj = cls.__new__(cls)
        obj._inner = _DriftMonitor.from_json(text)
        return obj

    def __getstate__(self) -> str:
        return self.to_json()

    def __setstate__(self, state: str) -> None:
        self._inner = _DriftMonitor.from_json(state)

    def __copy__(self) -> DriftMonitor:
        obj = type(self).__new__(type(self))
        obj._inner = self._inner.__copy__()
        return obj

    def __deepcopy__(self, memo: dict[int, Any]) -> DriftMonitor:
        return self.__copy__()

    def __repr__(self) -> str:
        return f"DriftMonitor(features={self.features!r})"


def drift_report(
    reference: Any,
    current: Any,
    *,
    categorical: Sequence[str] | None = _REPORT["categorical"],
    numeric: Sequence[str] | None = _REPORT["numeric"],
    group: str | Sequence[str] | None = _REPORT["group"],
    prediction: str | None = _REPORT["prediction"],
    threshold: float | None = _REPORT["threshold"],
    sample_cap: int | None = _REPORT["sample_cap"],
    sketch_k: int = _REPORT["sketch_k"],
    seed: int = _REPORT["seed"],
    tests: Mapping[str, str] | None = _REPORT["tests"],
    features: Sequence[str] | None = _REPORT["features"],
    alpha: float = _REPORT["alpha"],
    effect_threshold: float | None = _REPORT["effect_threshold"],
    psi_threshold: float = _REPORT["psi_threshold"],
    wasserstein_threshold: float = _REPORT["wasserstein_threshold"],
    correction: str = _REPORT["correction"],
    confidence_level: float = _REPORT["confidence_level"],
    ks_method: str = _REPORT["ks_method"],
    missing_alpha: float | None = _REPORT["missing_alpha"],
    missing_rate_threshold: float = _REPORT["missing_rate_threshold"],
) -> DriftReport:
    """One-shot drift report of ``current`` against ``reference`` (two tables).

    Options: those of :meth:`ReferenceProfile.from_data` (``categorical``, ``numeric``,
    ``group``, ``prediction``, ``threshold``, ``sample_cap``: default ``None``, every value
    kept exactly, ``sketch_k`` and ``seed`` of the sketch beyond a cap, so the KS and chi-square results equal :func:`ks_2samp` and
    :func:`categorical_drift` on the same columns) and the test options of
    :class:`DriftMonitor` (``tests``, ``features``, ``alpha``, ``effect_threshold``,
    ``psi_threshold``, ``wasserstein_threshold``, ``correction``, ``confidence_level``,
    ``ks_method``, ``missing_alpha``, ``missing_rate_threshold``), with the same missing-value
    checks and the same refusal of an empty reference.
    """
    return _drift_report(reference, current, **_options(locals(), "reference", "current"))


def anderson_ksamp(
    samples: Sequence[Any],
    *,
    variant: str = _ANDERSON["variant"],
    method: str = _ANDERSON["method"],
    resamples: int = _ANDERSON["resamples"],
    seed: int = _ANDERSON["seed"],
) -> TestResult:
    """Anderson-Darling k-sample test (Scholz and Stephens 1987): do the ``k >= 2``
    ``samples`` (e.g. ``[reference, current]``) come from one distribution?

    Same statistic, critical values and interpolated p-value as
    ``scipy.stats.anderson_ksamp(samples, midrank=...)`` (``variant="midrank"``, the default
    and SciPy's, handles ties with mid-ranks; ``"right"`` is ``midrank=False``;
    ``"continuous"`` is SciPy's ``variant="continuous"``).

    Fields: ``statistic`` (SciPy's standardised statistic, ``None`` when fewer than 4
    observations in all), ``critical_values`` at ``significance_levels``
    (0.25 ... 0.001), ``pvalue`` and ``pvalue_method``:

    - ``method="interpolated"``: SciPy's interpolation; outside the table the p-value is
      capped at 0.25 or floored at 0.001 and ``pvalue_limit`` is ``"capped"`` or
      ``"floored"`` (``None`` otherwise);
    - ``method="permutation"``: the permutation p-value, exact (``"exact-permutation"``)
      when the samples have at most ``resamples`` distinct orderings, otherwise from
      ``resamples`` random permutations drawn in parallel from ``seed``
      (``"random-permutation"``, ``(1 + hits) / (1 + resamples)``, as SciPy's
      ``PermutationMethod``); no cap, no floor.

    Also: ``a2`` (the unstandardised statistic), ``sigma`` (its null standard deviation),
    ``distance`` (effect size ``a2 / N``: the sample-size-free weighted squared distance
    between each sample's CDF and the pooled one), ``sample_sizes``, ``resamples``, ``seed``.
    """
    return _anderson_ksamp(list(samples), **_options(locals(), "samples"))


def cramervonmises_2samp(reference: Any, current: Any, *, method: str = "auto") -> TestResult:
    """Two-sample Cramer-von Mises test of ``reference`` against ``current``, as
    ``scipy.stats.cramervonmises_2samp``.

    ``method``: ``"auto"`` (exact when both samples have at most 20 values, SciPy's rule),
    ``"exact"`` (the exact permutation distribution by Xiao, Gordon and Yakovlev's frequency
    tables; falls back to asymptotic when too large) or ``"asymptotic"``. Ties get
    mid-ranks, as in SciPy. Each sample needs at least two values.

    Fields: ``statistic`` (T), ``pvalue``, ``method`` (``"exact"`` or ``"asymptotic"``, as
    actually computed), ``u`` (Anderson's U), ``distance`` (effect size ``T N / (m n)``,
    the integral of the squared CDF difference over the pooled sample), sample sizes.
    """
    return _cramervonmises_2samp(reference, current, method)


def missing_rate_drift(
    reference_count: int,
    reference_total: int,
    current_count: int,
    current_total: int,
    *,
    alternative: str = "two-sided",
) -> TestResult:
    """Has a rate (e.g. the share of missing values) moved from
    ``reference_count / reference_total`` to ``current_count / current_total``?

    ``alternative``: ``"two-sided"``, ``"greater"`` (the current rate is higher: a rise in
    missing values, the monitor's question) or ``"less"``.

    Fields: ``statistic`` (pooled two-proportion z, current minus reference, as
    ``statsmodels.stats.proportion.proportions_ztest([x, x0], [n, n0])``, whose
    ``alternative`` is ``"larger"`` for ``"greater"``; ``None`` when both rates are 0 or
    both are 1), ``z_pvalue``, ``fisher_pvalue`` and ``odds_ratio``
    (``scipy.stats.fisher_exact([[x, n - x], [x0, n0 - x0]], alternative=...)``), ``pvalue``
    and ``pvalue_test`` (Fisher's when the smallest expected count ``min_expected`` is below
    5, else the z-test's), ``alternative``, ``reference_rate``, ``current_rate``,
    ``difference`` and ``cohens_h`` (effect sizes) and the counts.
    """
    return _rate_drift(reference_count, reference_total, current_count, current_total, alternative)


def numeric_missing_drift(reference: Any, current: Any) -> TestResult:
    """Has the share of missing values of a numeric feature moved? NaN, ``+inf`` and
    ``-inf`` count as missing; ``reference`` and ``current`` report each kind (``total``,
    ``missing``, ``nan``, ``pos_inf``, ``neg_inf``). The test fields are those of
    :func:`missing_rate_drift`. Sequences are read with ``numpy.asarray(x, dtype=float)``,
    so ``None`` in a list counts as NaN.
    """
    return _numeric_missing(_floats_with_nan(reference), _floats_with_nan(current))


def _floats_with_nan(x: Any) -> Any:
    import numpy as np

    if isinstance(x, np.ndarray) and not isinstance(x, np.ma.MaskedArray):
        return x
    if isinstance(x, np.ma.MaskedArray):
        return x.astype(np.float64).filled(np.nan)
    return np.asarray(x, dtype=np.float64)


def _int_pairs(counts: Any, name: str) -> list[tuple[str, int]]:
    out = []
    for k, v in _items(counts, name):
        if isinstance(v, bool) or getattr(getattr(v, "dtype", None), "kind", "") == "b":
            raise _InputTypeError(
                f"`{name}`: the count of category {k!r} is a boolean, not a count", input=name)
        try:
            count = _operator.index(v)
        except TypeError:
            f = _number(name, k, v)
            if not f.is_integer():
                raise _InputTypeError(
                    f"`{name}`: the count of category {k!r} is {v!r}, not a whole number",
                    input=name,
                ) from None
            count = int(f)
        out.append((str(k), count))
    return out


def unseen_category_drift(
    reference: Mapping[str, int] | Iterable[tuple[str, int]],
    current: Mapping[str, int] | Iterable[tuple[str, int]],
) -> TestResult:
    """Which categories of ``current`` are absent from ``reference`` (or have count 0
    there), and is the share of rows they hold significant?

    ``reference`` and ``current`` map category names to integer counts (a ``dict``, a
    pandas ``value_counts()`` Series or ``(name, count)`` pairs). Fields: ``unseen`` (a list
    of ``{"name": ..., "count": ...}`` in the order of ``current``, never dropped) and the
    test of ``current_count / current_total`` (rows in unseen categories) against the
    reference's 0, with the fields of :func:`missing_rate_drift`.
    """
    return _unseen_categories(_int_pairs(reference, "reference"), _int_pairs(current, "current"))
