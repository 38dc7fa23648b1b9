"""Type stubs for the compiled extension ``mlops_audit._mlops_audit``.

Checked against the compiled module by ``python -m mypy.stubtest`` in the test suite.
"""

from collections.abc import Iterator, Sequence
from typing import Any, final

import numpy as np
import numpy.typing as npt

from mlops_audit.results import Result

__version__: str
__all__ = [
    "_drift_section_json",
    "_unseen_categories",
    "_rate_drift",
    "_numeric_missing",
    "_cramervonmises_2samp",
    "_anderson_ksamp",
    "ConfusionMatrix",
    "IsotonicCalibrator",
    "PlattCalibrator",
    "CostMatrix",
    "CostOptimum",
    "GroupAudit",
    "_result_types",
    "_result_from_json",
    "ThresholdPolicy",
    "__version__",
    "_audit_section_json",
    "_check_chart",
    "_fingerprint",
    "_new_report_json",
    "_policy_section_json",
    "_rate_bars_svg",
    "_render_report_html",
    "_render_section_html",
    "_report_json",
    "_calibration_errors",
    "_SequentialTest",
    "_ShadowAccumulator",
    "_bootstrap_multiplicities",
    "_cohens_h",
    "_column_info",
    "_categorical",
    "_delong",
    "_fisher_exact",
    "_mann_whitney",
    "_mcnemar",
    "_paired_bootstrap",
    "_paired_ttest",
    "_multipletests",
    "_parallelism_enabled",
    "_sort_lower_bound",
    "_power",
    "_proportion",
    "_psi",
    "_reliability_curve",
    "_sample_size",
    "_set_parallelism",
    "_simulate_lending",
    "_gate_evaluate",
    "_gate_requirements",
    "_two_proportion_ztest",
    "_welch_ttest",
    "_wilcoxon",
    "_wasserstein",
    "audit",
    "average_precision",
    "brier_score",
    "confusion_from_predictions",
    "confusion_matrix",
    "equal_opportunity",
    "estimate_audit",
    "cost_per_decision",
    "frontier",
    "frontier_svg",
    "german_credit",
    "log_loss",
    "ks_2samp",
    "min_cost_threshold",
    "precision_recall_curve",
    "roc_auc",
    "roc_by_group",
    "roc_by_group_svg",
    "roc_curve",
    "total_cost",
    "BetaCalibrator",
    "HistogramCalibrator",
    "_calibration_by_group",
    "_debiased_squared_ece",
    "_hosmer_lemeshow",
    "_spiegelhalter",
    "reliability_diagram_svg",
    "ReferenceProfile",
    "_DriftMonitor",
    "_drift_report",
    "_monitor_defaults",
]

# Anything 1-D: a numpy array, a pandas/polars Series, a pyarrow array, a sequence.
_ArrayLike = Any
_FloatArray = npt.NDArray[np.float64]

def _set_parallelism(enabled: bool) -> None: ...
def _parallelism_enabled() -> bool: ...
def _sort_lower_bound(values: Any) -> None: ...
def _column_info(obj: _ArrayLike, kind: str) -> str: ...
def german_credit() -> dict[str, Any]: ...
def _simulate_lending(n: int, *, seed: int = 0, drift: str = "none") -> dict[str, Any]: ...
def _gate_requirements(text: str, *, format: str = "toml") -> str: ...
def _gate_evaluate(
    requirements: str,
    *,
    fpr_gap: float | None = None,
    auc: float | None = None,
    ece: float | None = None,
    cost_per_decision: float | None = None,
    challenger_worse_pvalue: float | None = None,
    drift_alerts: list[str] | None = None,
) -> str: ...
@final
class ConfusionMatrix:
    def __new__(
        cls, tp: float, fp: float, tn: float, fn_: float, threshold: float | None = None
    ) -> ConfusionMatrix: ...
    @property
    def tp(self) -> float: ...
    @property
    def fp(self) -> float: ...
    @property
    def tn(self) -> float: ...
    @property
    def fn(self) -> float: ...
    @property
    def threshold(self) -> float | None: ...
    @property
    def tpr(self) -> float | None: ...
    @property
    def fpr(self) -> float | None: ...
    @property
    def tnr(self) -> float | None: ...
    @property
    def fnr(self) -> float | None: ...
    @property
    def precision(self) -> float | None: ...
    @property
    def selection_rate(self) -> float | None: ...
    @property
    def accuracy(self) -> float | None: ...
    def to_dict(self) -> dict[str, float | None]: ...
    def to_json(self) -> str: ...
    def __array__(self, dtype: Any = None, copy: bool | None = None) -> Any: ...
    def __reduce__(self) -> tuple[Any, ...]: ...
    def _repr_html_(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class CostMatrix:
    def __new__(
        cls,
        fn_cost: float = 5.0,
        fp_cost: float = 1.0,
        tp_cost: float = 0.0,
        tn_cost: float = 0.0,
    ) -> CostMatrix: ...
    @property
    def fn_cost(self) -> float: ...
    @property
    def fp_cost(self) -> float: ...
    @property
    def tp_cost(self) -> float: ...
    @property
    def tn_cost(self) -> float: ...
    def bayes_threshold(self) -> float: ...
    def total_cost(self, cm: ConfusionMatrix) -> float: ...
    def mean_cost(self, cm: ConfusionMatrix) -> float | None: ...
    def __reduce__(self) -> tuple[Any, ...]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class CostOptimum:
    def __new__(cls, threshold: float, cost: float, confusion: ConfusionMatrix) -> CostOptimum: ...
    def __reduce__(self) -> tuple[Any, ...]: ...
    @property
    def threshold(self) -> float: ...
    @property
    def cost(self) -> float: ...
    @property
    def confusion(self) -> ConfusionMatrix: ...

def roc_auc(y_true: _ArrayLike, y_score: _ArrayLike, sample_weight: _ArrayLike | None = None) -> float: ...
def roc_curve(
    y_true: _ArrayLike,
    y_score: _ArrayLike,
    sample_weight: _ArrayLike | None = None,
    *,
    drop_intermediate: bool = True,
) -> tuple[_FloatArray, _FloatArray, _FloatArray]: ...
def precision_recall_curve(
    y_true: _ArrayLike, y_score: _ArrayLike, sample_weight: _ArrayLike | None = None
) -> tuple[_FloatArray, _FloatArray, _FloatArray]: ...
def average_precision(
    y_true: _ArrayLike, y_score: _ArrayLike, sample_weight: _ArrayLike | None = None
) -> float: ...
def confusion_matrix(
    y_true: _ArrayLike,
    y_score: _ArrayLike,
    threshold: float,
    sample_weight: _ArrayLike | None = None,
) -> ConfusionMatrix: ...
def confusion_from_predictions(
    y_true: _ArrayLike, y_pred: _ArrayLike, sample_weight: _ArrayLike | None = None
) -> ConfusionMatrix: ...
def total_cost(
    y_true: _ArrayLike,
    y_score: _ArrayLike,
    threshold: float,
    *,
    cost: CostMatrix | None = None,
    sample_weight: _ArrayLike | None = None,
) -> float: ...
def cost_per_decision(
    y_true: _ArrayLike,
    y_score: _ArrayLike,
    threshold: float,
    *,
    cost: CostMatrix | None = None,
    sample_weight: _ArrayLike | None = None,
) -> float: ...
def min_cost_threshold(
    y_true: _ArrayLike,
    y_score: _ArrayLike,
    *,
    cost: CostMatrix | None = None,
    sample_weight: _ArrayLike | None = None,
) -> CostOptimum: ...

@final
class ThresholdPolicy:
    @property
    def constraint(self) -> str: ...
    @property
    def tolerance(self) -> float: ...
    @property
    def randomized(self) -> bool: ...
    @property
    def thresholds(self) -> dict[Any, float]: ...
    @property
    def rules(self) -> dict[Any, tuple[float, float]]: ...
    @property
    def steps(self) -> dict[Any, list[tuple[float, float]]]: ...
    @property
    def group_rates(self) -> dict[Any, tuple[float | None, float | None]]: ...
    @property
    def rates(self) -> dict[Any, float]: ...
    @property
    def max_gap(self) -> float: ...
    @property
    def total_cost(self) -> float: ...
    @property
    def price_of_fairness(self) -> float: ...
    def to_dict(self) -> dict[str, Any]: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(json: str) -> ThresholdPolicy: ...
    def predict(
        self,
        y_score: _ArrayLike,
        groups: Any,
        *,
        fallback: float | str | None = None,
        seed: int = 0,
        row_key: _ArrayLike | None = None,
    ) -> npt.NDArray[np.bool_]: ...
    def __reduce__(self) -> tuple[Any, ...]: ...
    def _repr_html_(self) -> str: ...

def equal_opportunity(
    y_true: _ArrayLike,
    y_score: _ArrayLike,
    groups: Any,
    *,
    fn_cost: float = 5.0,
    fp_cost: float = 1.0,
    constraint: str = "fpr",
    tolerance: float = 0.01,
    randomized: bool = False,
    sample_weight: _ArrayLike | None = None,
    cost: CostMatrix | None = None,
    max_groups: int = 1000,
) -> ThresholdPolicy: ...

@final
class GroupAudit:
    @property
    def max_gap(self) -> float | None: ...
    @property
    def passed(self) -> bool | None: ...
    @property
    def constraint(self) -> str: ...
    @property
    def tolerance(self) -> float: ...
    @property
    def warnings(self) -> list[str]: ...
    @property
    def group_names(self) -> list[str]: ...
    @property
    def group_keys(self) -> list[Any]: ...
    def rate(self, name: str) -> dict[Any, float | None]: ...
    def to_dict(self) -> dict[str, Any]: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(json: str) -> GroupAudit: ...
    def __reduce__(self) -> tuple[Any, ...]: ...
    def __copy__(self) -> GroupAudit: ...
    def __deepcopy__(self, _memo: Any) -> GroupAudit: ...
    def _repr_html_(self) -> str: ...

def audit(
    y_true: _ArrayLike,
    y_score: _ArrayLike,
    groups: Any = None,
    *,
    group_proba: Any = None,
    threshold: float | None = None,
    thresholds: dict[Any, float] | ThresholdPolicy | None = None,
    y_pred: _ArrayLike | None = None,
    sample_weight: _ArrayLike | None = None,
    constraint: str = "fpr",
    tolerance: float = 0.05,
    min_count: int = 30,
    bootstrap: int = 0,
    level: float = 0.95,
    seed: int = 0,
) -> GroupAudit: ...

def estimate_audit(
    proba: _ArrayLike,
    groups: Any,
    *,
    threshold: float | None = None,
    thresholds: dict[Any, float] | ThresholdPolicy | None = None,
    y_pred: _ArrayLike | None = None,
    y_score: _ArrayLike | None = None,
    sample_weight: _ArrayLike | None = None,
    cost: CostMatrix | None = None,
    tolerance: float | None = None,
    level: float | None = None,
) -> Result: ...

def roc_by_group(
    y_true: _ArrayLike,
    y_score: _ArrayLike,
    groups: Any,
    *,
    policy: ThresholdPolicy | None = None,
    sample_weight: _ArrayLike | None = None,
) -> list[dict[str, Any]]: ...
def roc_by_group_svg(
    y_true: _ArrayLike,
    y_score: _ArrayLike,
    groups: Any,
    *,
    policy: ThresholdPolicy | None = None,
    sample_weight: _ArrayLike | None = None,
    title: str = "ROC by group",
) -> str: ...
def frontier(
    y_true: _ArrayLike,
    y_score: _ArrayLike,
    groups: Any,
    *,
    tolerances: _ArrayLike | None = None,
    fn_cost: float = 5.0,
    fp_cost: float = 1.0,
    constraint: str = "fpr",
    sample_weight: _ArrayLike | None = None,
    max_groups: int = 1000,
) -> list[dict[str, float]]: ...
def frontier_svg(
    y_true: _ArrayLike,
    y_score: _ArrayLike,
    groups: Any,
    *,
    tolerances: _ArrayLike | None = None,
    fn_cost: float = 5.0,
    fp_cost: float = 1.0,
    constraint: str = "fpr",
    sample_weight: _ArrayLike | None = None,
    chosen_tolerance: float | None = None,
    title: str = "Cost versus fairness gap",
    max_groups: int = 1000,
) -> str: ...

def _delong(
    y_true: _ArrayLike,
    score_champion: _ArrayLike,
    score_challenger: _ArrayLike,
    level: float = 0.95,
) -> Result: ...
def _mcnemar(
    y_true: _ArrayLike,
    pred_champion: _ArrayLike,
    pred_challenger: _ArrayLike,
    exact: bool = True,
    correction: bool = True,
) -> Result: ...
def _paired_ttest(
    a: _ArrayLike, b: _ArrayLike, alternative: str = "two-sided", level: float = 0.95
) -> Result: ...
def _welch_ttest(
    a: _ArrayLike, b: _ArrayLike, alternative: str = "two-sided", level: float = 0.95
) -> Result: ...
def _wilcoxon(
    a: _ArrayLike, b: _ArrayLike, alternative: str = "two-sided", method: str = "auto"
) -> Result: ...
def _mann_whitney(
    a: _ArrayLike, b: _ArrayLike, alternative: str = "two-sided", method: str = "auto"
) -> Result: ...
def _two_proportion_ztest(
    count1: int, nobs1: int, count2: int, nobs2: int, alternative: str = "two-sided"
) -> Result: ...
def _fisher_exact(
    t00: int, t01: int, t10: int, t11: int, alternative: str = "two-sided"
) -> Result: ...
def _power(
    effect_size: float,
    nobs1: float,
    alpha: float = 0.05,
    ratio: float = 1.0,
    alternative: str = "two-sided",
) -> Result: ...
def _sample_size(
    effect_size: float,
    power: float = 0.8,
    alpha: float = 0.05,
    ratio: float = 1.0,
    alternative: str = "two-sided",
) -> Result: ...
def _cohens_h(p1: float, p2: float) -> float: ...
def _result_types() -> list[str]: ...
def _result_from_json(text: str) -> Result: ...
def _paired_bootstrap(
    y_true: _ArrayLike,
    score_champion: _ArrayLike,
    score_challenger: _ArrayLike,
    metric: str,
    n_resamples: int,
    seed: int,
    confidence_level: float,
    groups: Any = None,
    thresholds: tuple[float, float] | None = None,
    cost: CostMatrix | None = None,
    sample_weight: _ArrayLike | None = None,
) -> Result: ...
@final
class _ShadowAccumulator:
    def __new__(
        cls,
        max_pending: int,
        thresholds: tuple[float, float] | None = None,
        cost: CostMatrix | None = None,
        confidence_level: float = 0.95,
    ) -> _ShadowAccumulator: ...
    def record(
        self, request_id: int, champion: float, challenger: float, group: str = "all"
    ) -> None: ...
    def record_many(
        self,
        request_ids: Sequence[int],
        champion: _ArrayLike,
        challenger: _ArrayLike,
        groups: Sequence[str] | None = None,
    ) -> None: ...
    def label(self, request_id: int, label: bool) -> bool: ...
    def label_many(self, request_ids: Sequence[int], labels: Sequence[bool]) -> int: ...
    def merge(self, other: _ShadowAccumulator) -> None: ...
    @property
    def labelled(self) -> int: ...
    @property
    def pending(self) -> int: ...
    def summary(self) -> Result: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> _ShadowAccumulator: ...

@final
class _SequentialTest:
    def __new__(cls, kind: str, alpha: float, tau2: float) -> _SequentialTest: ...
    def update(self, champion: Sequence[float], challenger: Sequence[float]) -> None: ...
    def update_counts(
        self,
        successes_champion: int,
        trials_champion: int,
        successes_challenger: int,
        trials_challenger: int,
    ) -> None: ...
    def result(self) -> Result: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> _SequentialTest: ...

def _bootstrap_multiplicities(n: int, seed: int, n_replicates: int) -> npt.NDArray[np.uint32]: ...

def ks_2samp(
    reference: _ArrayLike,
    current: _ArrayLike,
    *,
    alternative: str = "two-sided",
    method: str = "auto",
) -> Result: ...

def brier_score(
    y_true: _ArrayLike, y_prob: _ArrayLike, sample_weight: _ArrayLike | None = None
) -> float: ...
def log_loss(
    y_true: _ArrayLike, y_prob: _ArrayLike, sample_weight: _ArrayLike | None = None
) -> float: ...
def _reliability_curve(
    y_true: _ArrayLike,
    y_prob: _ArrayLike,
    n_bins: int = 5,
    strategy: str = "uniform",
    sample_weight: _ArrayLike | None = None,
) -> Result: ...
def _calibration_errors(
    y_true: _ArrayLike,
    y_prob: _ArrayLike,
    n_bins: int = 10,
    strategy: str = "uniform",
    sample_weight: _ArrayLike | None = None,
) -> tuple[float, float]: ...

@final
class PlattCalibrator:
    def __new__(cls) -> PlattCalibrator: ...
    def fit(
        self, y_score: _ArrayLike, y_true: _ArrayLike, sample_weight: _ArrayLike | None = None
    ) -> PlattCalibrator: ...
    def transform(self, y_score: _ArrayLike) -> _FloatArray: ...
    def predict(self, y_score: _ArrayLike) -> _FloatArray: ...
    @property
    def a(self) -> float: ...
    @property
    def b(self) -> float: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(json: str) -> PlattCalibrator: ...
    def __reduce__(self) -> tuple[Any, ...]: ...

@final
class IsotonicCalibrator:
    def __new__(cls) -> IsotonicCalibrator: ...
    def fit(
        self, y_score: _ArrayLike, y_true: _ArrayLike, sample_weight: _ArrayLike | None = None
    ) -> IsotonicCalibrator: ...
    def transform(self, y_score: _ArrayLike) -> _FloatArray: ...
    def predict(self, y_score: _ArrayLike) -> _FloatArray: ...
    @property
    def x_thresholds(self) -> _FloatArray: ...
    @property
    def y_thresholds(self) -> _FloatArray: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(json: str) -> IsotonicCalibrator: ...
    def __reduce__(self) -> tuple[Any, ...]: ...

@final
class HistogramCalibrator:
    def __new__(cls, n_bins: int = 10, strategy: str = "uniform") -> HistogramCalibrator: ...
    def fit(
        self, y_score: _ArrayLike, y_true: _ArrayLike, sample_weight: _ArrayLike | None = None
    ) -> HistogramCalibrator: ...
    def transform(self, y_score: _ArrayLike) -> _FloatArray: ...
    def predict(self, y_score: _ArrayLike) -> _FloatArray: ...
    @property
    def n_bins(self) -> int: ...
    @property
    def strategy(self) -> str: ...
    @property
    def edges(self) -> _FloatArray: ...
    @property
    def values(self) -> _FloatArray: ...
    @property
    def bin_weight(self) -> _FloatArray: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(json: str) -> HistogramCalibrator: ...
    def __reduce__(self) -> tuple[Any, ...]: ...

@final
class BetaCalibrator:
    def __new__(cls) -> BetaCalibrator: ...
    def fit(
        self, y_score: _ArrayLike, y_true: _ArrayLike, sample_weight: _ArrayLike | None = None
    ) -> BetaCalibrator: ...
    def transform(self, y_score: _ArrayLike) -> _FloatArray: ...
    def predict(self, y_score: _ArrayLike) -> _FloatArray: ...
    @property
    def a(self) -> float: ...
    @property
    def b(self) -> float: ...
    @property
    def c(self) -> float: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(json: str) -> BetaCalibrator: ...
    def __reduce__(self) -> tuple[Any, ...]: ...

def _debiased_squared_ece(
    y_true: _ArrayLike,
    y_prob: _ArrayLike,
    n_bins: int = 15,
    strategy: str = "quantile",
    sample_weight: _ArrayLike | None = None,
) -> float: ...
def _hosmer_lemeshow(
    y_true: _ArrayLike,
    y_prob: _ArrayLike,
    n_groups: int = 10,
    grouping: str = "quantile",
    df: int | None = None,
    sample_weight: _ArrayLike | None = None,
) -> Result: ...
def reliability_diagram_svg(
    y_true: _ArrayLike,
    y_prob: _ArrayLike,
    *,
    n_bins: int = 10,
    strategy: str = "uniform",
    groups: Any = None,
    sample_weight: _ArrayLike | None = None,
    title: str = "Reliability diagram",
) -> str: ...
def _spiegelhalter(
    y_true: _ArrayLike, y_prob: _ArrayLike, sample_weight: _ArrayLike | None = None
) -> Result: ...
def _calibration_by_group(
    y_true: _ArrayLike,
    y_prob: _ArrayLike,
    groups: Any,
    n_bins: int = 10,
    strategy: str = "uniform",
    n_groups: int = 10,
    grouping: str = "quantile",
    df: int | None = None,
    sample_weight: _ArrayLike | None = None,
) -> Result: ...

def _wasserstein(
    reference: _ArrayLike,
    current: _ArrayLike,
    reference_weights: _ArrayLike | None = None,
    current_weights: _ArrayLike | None = None,
) -> Result: ...
def _psi(
    reference: _ArrayLike,
    current: _ArrayLike,
    bins: int = 10,
    edges: Sequence[float] | None = None,
    epsilon: float = 0.0001,
) -> Result: ...
def _categorical(
    reference: Sequence[tuple[str, float]],
    current: Sequence[tuple[str, float]],
    epsilon: float = 0.0001,
) -> Result: ...
def _proportion(
    x0: int, n0: int, x: int, n: int, confidence_level: float = 0.95
) -> Result: ...
def _multipletests(
    pvalues: _ArrayLike, alpha: float = 0.05, method: str = "holm"
) -> Result: ...
def _new_report_json(title: str, *, unix_seconds: int | None = None) -> str: ...
def _report_json(json: str) -> str: ...
def _render_report_html(json: str) -> str: ...
def _render_section_html(json: str) -> str: ...
def _audit_section_json(audit: GroupAudit, title: str) -> str: ...
def _policy_section_json(policy: ThresholdPolicy, title: str) -> str: ...
def _drift_section_json(drift_report: Result, title: str) -> str: ...
def _fingerprint(name: str, values: Any) -> str: ...
def _rate_bars_svg(
    pairs: list[tuple[str, float | None, float | None]],
    *,
    rate: str,
    before: str,
    after: str,
    title: str,
) -> str: ...
def _check_chart(caption: str, svg: str) -> None: ...

@final
class ReferenceProfile:
    @staticmethod
    def from_data(
        table: Any,
        *,
        categorical: list[str] | None = None,
        numeric: list[str] | None = None,
        sample_cap: int | None = 100000,
        sketch_k: int = 200,
        seed: int = 0,
        group: str | list[str] | None = None,
        prediction: str | None = None,
        threshold: float | None = None,
    ) -> ReferenceProfile: ...
    def merge(self, other: ReferenceProfile) -> ReferenceProfile: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(json: str) -> ReferenceProfile: ...
    def __reduce__(self) -> tuple[Any, ...]: ...
    def __copy__(self) -> ReferenceProfile: ...
    def __deepcopy__(self, _memo: Any) -> ReferenceProfile: ...
    def to_dict(self) -> Any: ...
    @property
    def rows(self) -> int: ...
    @property
    def format_version(self) -> int: ...
    @property
    def columns(self) -> list[tuple[str, str]]: ...

@final
class _DriftMonitor:
    def __new__(
        cls,
        profile: ReferenceProfile,
        *,
        tests: dict[str, str] | None = None,
        features: list[str] | None = None,
        alpha: float = 0.05,
        effect_threshold: float | None = None,
        psi_threshold: float = 0.25,
        wasserstein_threshold: float = 0.1,
        correction: str = "holm",
        confidence_level: float = 0.95,
        window_rows: int | None = None,
        window_seconds: float | None = None,
        window_sample_cap: int | None = 50000,
        shards: int = 0,
        ks_method: str = "auto",
        missing_alpha: float | None = None,
        missing_rate_threshold: float | None = None,
    ) -> _DriftMonitor: ...
    def ingest(self, batch: Any, timestamp: float | None = None) -> None: ...
    def evaluate(self, now: float | None = None) -> Result: ...
    def record_error(self) -> None: ...
    @property
    def features(self) -> list[str]: ...
    @property
    def profile(self) -> ReferenceProfile: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> _DriftMonitor: ...
    def __reduce__(self) -> tuple[Any, ...]: ...
    def __copy__(self) -> _DriftMonitor: ...
    def __deepcopy__(self, _memo: Any) -> _DriftMonitor: ...

def _drift_report(
    reference: Any,
    current: Any,
    *,
    categorical: list[str] | None = None,
    numeric: list[str] | None = None,
    group: str | list[str] | None = None,
    prediction: str | None = None,
    threshold: float | None = None,
    sample_cap: int | None = None,
    tests: dict[str, str] | None = None,
    features: list[str] | None = None,
    alpha: float = 0.05,
    effect_threshold: float | None = None,
    psi_threshold: float = 0.25,
    wasserstein_threshold: float = 0.1,
    correction: str = "holm",
    confidence_level: float = 0.95,
    ks_method: str = "auto",
    missing_alpha: float | None = None,
    missing_rate_threshold: float | None = None,
) -> Result: ...
def _monitor_defaults() -> dict[str, Any]: ...
def _anderson_ksamp(
    samples: Sequence[_ArrayLike],
    variant: str = "midrank",
    method: str = "interpolated",
    resamples: int = 9999,
    seed: int = 0,
) -> Result: ...
def _cramervonmises_2samp(
    reference: _ArrayLike, current: _ArrayLike, method: str = "auto"
) -> Result: ...
def _rate_drift(
    reference_count: int,
    reference_total: int,
    current_count: int,
    current_total: int,
    alternative: str = "two-sided",
) -> Result: ...
def _numeric_missing(reference: _ArrayLike, current: _ArrayLike) -> Result: ...
def _unseen_categories(
    reference: Sequence[tuple[str, int]], current: Sequence[tuple[str, int]]
) -> Result: ...
