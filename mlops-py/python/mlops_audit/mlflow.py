"""MLflow: log audits, policies, gate verdicts, calibration, drift and reports to a run, load
a policy or a reference profile back for serving, and evaluate models with
``mlflow.models.evaluate(..., evaluators=["mlops_audit"])``.

Needs MLflow 3: ``pip install "mlops-audit[mlflow]"`` (importing :mod:`mlops_audit` never
imports MLflow; importing this module without it raises ``ImportError`` naming the extra).

Every ``log_*`` function writes to the run ``run_id`` (default: the active run; with none,
:class:`~mlops_audit.errors.ParameterError`) and returns the metrics it logged as a dict:

- **metrics**: the numbers (FPR gap, per-group rates, price of fairness, AUC, ECE, drift
  statistics, ...), under ``prefix`` (``"audit"``, ``"policy"``, ...; give another prefix to
  log two audits to one run, e.g. ``"audit.test"``);
- **params**: the settings (constraint, tolerance, costs and their ratio, seeds), under the
  same prefix (MLflow params cannot change once logged: a second call with the same prefix
  and other settings is an error, as in MLflow);
- **tags**: ``mlops_audit.version`` (the library's version), ``mlops_audit.gate``
  (``passed``/``failed``) and verdicts;
- **artifacts**: the result as JSON (``mlops_audit/{prefix}.json``), ``policy.json``,
  ``profile.json``, ``report.html`` and ``report.json``.

Undefined values (``None``: a rate of a group without negatives, an AUC of one class) are not
logged as 0 or NaN: they are left out, their keys listed under ``"undefined"`` in the
``mlops_audit/{prefix}.json`` artifact and counted in the tag ``{prefix}.undefined``. An
infinite value (a threshold that flags nobody) is left out of the metrics too and written
under ``"non_finite"`` in that artifact (as ``"inf"``/``"-inf"``).

Group names in metric keys. A key holds ``/``, letters, digits, ``_ - . : space`` in MLflow,
and some stores refuse more. A group becomes one key segment (:func:`group_segment`):
ASCII letters, digits and ``-`` are kept; every other character (``_`` and ``.`` too) is
written as ``_`` and the two lowercase hex digits of each of its UTF-8 bytes (``"B 2"`` ->
``"B_202"``, ``"née"`` -> ``"n_c3_a9e"``); the empty name is ``_``; a missing value is
``_missing``; several group columns are joined by ``__``; a segment longer than 64 characters
is ``_h`` and the first 32 hex digits of the SHA-256 of its key. Decoding is unambiguous, so two
groups get one segment only through a SHA-256 collision or a column mixing the number ``3``
and the text ``"3"``; a log call checks its segments and raises
:class:`~mlops_audit.errors.ParameterError` naming both groups rather than let one overwrite
the other. ``mlops_audit/{prefix}.json`` maps each segment back to its group.
"""

from __future__ import annotations

import hashlib as _hashlib
import json as _json
import math as _math
import numbers as _numbers
import os as _os
import re as _re
import time as _time
import typing as _typing
from collections.abc import Mapping as _Mapping

try:
    import mlflow as _mlflow
    from mlflow.entities import Metric as _Metric
    from mlflow.entities import Param as _Param
    from mlflow.entities import RunTag as _RunTag
    from mlflow.models.evaluation import EvaluationResult as _EvaluationResult
    from mlflow.models.evaluation import ModelEvaluator as _ModelEvaluator
    from mlflow.tracking import MlflowClient as _MlflowClient
except ImportError as _error:  # pragma: no cover - exercised in the main test environment
    raise ImportError(
        "mlops_audit.mlflow needs MLflow, which is not installed: install the `mlflow` extra "
        "with pip install 'mlops-audit[mlflow]' (or pip install 'mlflow>=3,<4')") from _error

import numpy as _np

from mlops_audit import calibration as _calibration
from mlops_audit import fairness as _fairness
from mlops_audit import gate as _gate
from mlops_audit import metrics as _metrics
from mlops_audit import report as _report
from mlops_audit._mlops_audit import __version__ as _version
from mlops_audit.drift import DriftReport as _DriftReport
from mlops_audit.drift import ReferenceProfile as _ReferenceProfile
from mlops_audit.errors import InputTypeError as _InputTypeError
from mlops_audit.errors import ParameterError as _ParameterError
from mlops_audit.results import Result as _Result

if _typing.TYPE_CHECKING:
    # The names as annotations spell them (annotations are not evaluated: __future__ import).
    from collections.abc import Iterable, Mapping
    from typing import Any

    from mlops_audit.drift import DriftReport, ReferenceProfile
    from mlops_audit.fairness import GroupAudit, ThresholdPolicy
    from mlops_audit.gate import GateReport
    from mlops_audit.report import Report

del annotations  # bound by the __future__ import; not part of the module's API

__all__ = [
    "AuditEvaluator",
    "group_segment",
    "load_policy",
    "load_profile",
    "log_audit",
    "log_calibration",
    "log_drift",
    "log_gate",
    "log_policy",
    "log_profile",
    "log_report",
]

#: The tag holding the library's version, set by every ``log_*`` call.
_VERSION_TAG = "mlops_audit.version"
#: The tag holding the deployment gate's verdict (``passed`` or ``failed``).
_GATE_TAG = "mlops_audit.gate"

#: The folder of the JSON records each ``log_*`` call writes.
_RECORDS = "mlops_audit"

_KEPT = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")
_MAX_SEGMENT = 64
_PREFIX = _re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")
_MAX_PREFIX = 100

# MLflow's limits on one log_batch call.
_BATCH_METRICS = 1000
_BATCH_PARAMS = 100
_BATCH_TAGS = 100


# -- keys --------------------------------------------------------------------------------


def _escape(text: str) -> str:
    if text == "":
        return "_"
    return "".join(ch if ch in _KEPT else "".join(f"_{b:02x}" for b in _utf8(ch))
                   for ch in text)


def _utf8(text: str) -> bytes:
    # A lone surrogate (from badly decoded bytes) is encoded too: a key for every string.
    return text.encode("utf-8", "surrogatepass")


def _component(value: Any) -> str:
    if value is None:
        return "_missing"
    if isinstance(value, bool):
        return _escape(str(value).lower())
    if isinstance(value, _numbers.Integral):
        return _escape(str(int(value)))
    return _escape(str(value))


def group_segment(key: Any) -> str:
    """The metric-key segment of a group (see the module doc): ``key`` is the group's key as
    the results give it (a value, ``None`` for missing, or a list/tuple of values for several
    columns). Deterministic: the same key gives the same segment in every run."""
    parts = list(key) if isinstance(key, (list, tuple)) else [key]
    segment = "__".join(_component(p) for p in parts)
    if len(segment) > _MAX_SEGMENT:
        canonical = _json.dumps(parts, ensure_ascii=False, default=str)
        digest = _hashlib.sha256(_utf8(canonical)).hexdigest()
        segment = "_h" + digest[:32]
    return segment


def _segments(groups: Iterable[tuple[Any, str]], what: str) -> dict[str, str]:
    """``{segment: label}`` for ``(key, label)`` pairs; two groups on one segment raise."""
    out: dict[str, str] = {}
    keys: dict[str, Any] = {}
    for key, label in groups:
        seg = group_segment(key)
        if seg in out and keys[seg] != key:
            raise _ParameterError(
                f"{what}: groups {out[seg]!r} and {label!r} map to the same metric-key segment "
                f"{seg!r}; rename one of them (a column mixing numbers and their text, or a "
                "SHA-256 collision of long names)", name="groups", value=seg,
                reason="two groups on one metric key")
        out[seg] = label
        keys[seg] = key
    return out


def _check_prefix(prefix: str) -> str:
    if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix) or len(prefix) > _MAX_PREFIX:
        raise _ParameterError(
            f"parameter `prefix` is invalid: {prefix!r} must be dot-separated parts of ASCII "
            f"letters, digits, '_' and '-' (at most {_MAX_PREFIX} characters)",
            name="prefix", value=str(prefix), reason="not a metric-key prefix")
    return prefix


# -- logging -----------------------------------------------------------------------------


class _Batch:
    """Metrics, params and tags collected for one run, with the undefined values left out."""

    def __init__(self, prefix: str) -> None:
        self.prefix = _check_prefix(prefix)
        self.metrics: dict[str, float] = {}
        self.params: dict[str, str] = {}
        self.tags: dict[str, str] = {_VERSION_TAG: _version}
        self.undefined: list[str] = []
        self.non_finite: dict[str, str] = {}

    def metric(self, name: str, value: Any) -> None:
        key = f"{self.prefix}.{name}"
        if value is None:
            self.undefined.append(key)
            return
        if isinstance(value, bool):
            value = float(value)
        x = float(value)
        if not _math.isfinite(x):
            # An infinite value (a threshold that flags nobody, say) is not a number every
            # MLflow store keeps: it goes to the JSON artifact, as the library writes it.
            self.non_finite[key] = _finite_json(x)
            return
        self.metrics[key] = x

    def param(self, name: str, value: Any) -> None:
        if value is None:
            return
        text = repr(float(value)) if isinstance(value, float) else str(value)
        self.params[f"{self.prefix}.{name}"] = text

    def tag(self, key: str, value: Any) -> None:
        self.tags[key] = str(value)

    def send(self, run_id: str | None, artifacts: Mapping[str, str] = (), *,
             record: Mapping[str, Any] | None = None) -> dict[str, float]:
        """Logs everything to the run, with ``record`` (plus the undefined keys) as the
        ``mlops_audit/{prefix}.json`` artifact and ``artifacts`` (file name -> text) beside it."""
        run_id = _run_id(run_id)
        client = _MlflowClient()
        files = dict(artifacts)
        if record is not None:
            self.tags[f"{self.prefix}.undefined"] = str(len(self.undefined))
            files[f"{_RECORDS}/{self.prefix}.json"] = _json.dumps(
                {**record, "undefined": list(self.undefined), "non_finite": dict(self.non_finite)},
                allow_nan=False, default=_plain)
        timestamp = _now_ms()
        metrics = [_Metric(k, v, timestamp, 0) for k, v in self.metrics.items()]
        params = [_Param(k, v) for k, v in self.params.items()]
        tags = [_RunTag(k, v) for k, v in self.tags.items()]
        for i in range(0, len(metrics), _BATCH_METRICS):
            client.log_batch(run_id, metrics=metrics[i:i + _BATCH_METRICS])
        for i in range(0, len(params), _BATCH_PARAMS):
            client.log_batch(run_id, params=params[i:i + _BATCH_PARAMS])
        for i in range(0, len(tags), _BATCH_TAGS):
            client.log_batch(run_id, tags=tags[i:i + _BATCH_TAGS])
        for name, text in files.items():
            client.log_text(run_id, text, name)
        return dict(self.metrics)


def _now_ms() -> int:
    return int(_time.time() * 1000)


def _plain(value: Any) -> Any:
    """JSON for numpy scalars and other values the standard encoder refuses."""
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, _Result):
        return value.to_dict()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _run_id(run_id: str | None) -> str:
    if run_id is not None:
        if not isinstance(run_id, str) or not run_id:
            raise _InputTypeError(f"run_id must be a run's id (a str), got {run_id!r:.80}",
                                  input="run_id")
        return run_id
    active = _mlflow.active_run()
    if active is None:
        raise _ParameterError(
            "no MLflow run to log to: pass run_id=, or call inside `with mlflow.start_run():`",
            name="run_id", value=None, reason="no active run")
    return active.info.run_id


def _finite_json(value: Any) -> Any:
    """``value`` with non-finite floats as the library's text (``"inf"``, ``"-inf"``,
    ``"nan"``), so the JSON artifacts are valid JSON."""
    if isinstance(value, float) and not _math.isfinite(value):
        return "nan" if value != value else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: _finite_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_json(v) for v in value]
    return value


def _key_of(group: Mapping[str, Any]) -> Any:
    """A group's key from a result's dict (a list, one value per column) as a tuple."""
    key = group.get("key")
    return tuple(key) if isinstance(key, list) else key


def log_audit(audit: GroupAudit, *, run_id: str | None = None,
              prefix: str = "audit") -> dict[str, float]:
    """Logs a group audit (:func:`mlops_audit.fairness.audit`).

    Metrics: ``{prefix}.max_gap`` and ``{prefix}.{constraint}_gap`` (the gap of the
    constrained rate, e.g. ``audit.fpr_gap``), its bootstrap interval
    (``.low``/``.high``), each rate's largest difference and smallest ratio between groups
    (``{prefix}.spread.{rate}.max_diff``/``.min_ratio``), and per group
    (``{prefix}.group.{segment}.{rate}``, also ``rows`` and ``roc_auc``) and overall
    (``{prefix}.overall.{rate}``). Params: ``{prefix}.constraint``, ``.tolerance``,
    ``.min_count``, and with intervals ``.bootstrap``, ``.level``, ``.seed``. Tag:
    ``{prefix}.passed`` (``true``, ``false`` or ``undefined``). Artifact:
    ``mlops_audit/{prefix}.json``."""
    if not isinstance(audit, _fairness.GroupAudit):
        raise _InputTypeError(f"log_audit needs a GroupAudit (from mlops_audit.fairness.audit), "
                              f"got {type(audit).__name__}", input="audit")
    d = audit.to_dict()
    b = _Batch(prefix)
    params = d["params"]
    constraint = str(params["constraint"])
    b.param("constraint", constraint)
    b.param("tolerance", float(params["tolerance"]))
    b.param("min_count", params["min_count"])
    b.metric("max_gap", d["max_gap"])
    b.metric(f"{_metric_name(constraint)}_gap", d["max_gap"])
    b.tag(f"{b.prefix}.passed", "undefined" if d["passed"] is None else str(d["passed"]).lower())
    segments = _segments(((_key_of(g), g["name"]) for g in d["groups"]), "log_audit")
    for seg, g in zip(segments, d["groups"]):
        _group_metrics(b, f"group.{seg}", g)
    _group_metrics(b, "overall", d["overall"])
    for disparity in d["disparities"]:
        rate = _metric_name(disparity["rate"])
        b.metric(f"spread.{rate}.max_diff", disparity["max_diff"])
        b.metric(f"spread.{rate}.min_ratio", disparity["min_ratio"])
    intervals = d["intervals"]
    if intervals is not None:
        b.param("bootstrap", intervals["replicates"])
        b.param("level", float(intervals["level"]))
        b.param("seed", intervals["seed"])
        gap = intervals["max_gap"]
        b.metric(f"{_metric_name(constraint)}_gap.low", None if gap is None else gap["low"])
        b.metric(f"{_metric_name(constraint)}_gap.high", None if gap is None else gap["high"])
    return b.send(run_id, record={"audit": _finite_json(d), "groups": segments})


def _names(names: Iterable[str], what: str) -> None:
    """Refuses two names that :func:`_metric_name` writes alike."""
    seen: dict[str, str] = {}
    for name in names:
        key = _metric_name(name)
        if key in seen and seen[key] != name:
            raise _ParameterError(
                f"{what}: {seen[key]!r} and {name!r} are both written {key!r} in a key; "
                "rename one of them", name="names", value=key, reason="two names on one key")
        seen[key] = name


def _metric_name(name: str) -> str:
    """A rate or field name as a key part (they are identifiers already; checked)."""
    text = str(name)
    if not _re.fullmatch(r"[A-Za-z0-9_-]+", text):
        return _escape(text)
    return text


def _group_metrics(b: _Batch, path: str, g: Mapping[str, Any]) -> None:
    b.metric(f"{path}.rows", g["rows"])
    for rate, value in g["rates"].items():
        b.metric(f"{path}.{_metric_name(rate)}", value)
    b.metric(f"{path}.roc_auc", g.get("roc_auc"))


def log_policy(policy: ThresholdPolicy, *, run_id: str | None = None, prefix: str = "policy",
               artifact_file: str = "policy.json") -> dict[str, float]:
    """Logs a threshold policy (:func:`mlops_audit.fairness.equal_opportunity`) and saves it
    as ``artifact_file`` (its own JSON, which :func:`load_policy` reads back).

    Metrics: ``{prefix}.max_gap``, ``{prefix}.{constraint}_gap``, ``.total_cost``,
    ``.price_of_fairness``, the baselines' costs (``.cost.single_threshold``,
    ``.cost.unconstrained``, ``.cost.bayes``), and per group
    (``{prefix}.group.{segment}.threshold``, ``.rate``, ``.cost``, ``.rows``; a randomized
    rule as ``.threshold``, ``.probability`` (of flagging a score at the threshold) and, for a
    rule that randomizes below it, ``.band.{lower,p_above,p_between,p_below}``). Params:
    ``.constraint``, ``.tolerance``, ``.randomized``, ``.fn_cost``, ``.fp_cost``,
    ``.cost_ratio`` (``fn_cost / fp_cost``).
    Artifacts: ``artifact_file`` and ``mlops_audit/{prefix}.json``."""
    if not isinstance(policy, _fairness.ThresholdPolicy):
        raise _InputTypeError(f"log_policy needs a ThresholdPolicy (from "
                              f"mlops_audit.fairness.equal_opportunity), got "
                              f"{type(policy).__name__}", input="policy")
    d = policy.to_dict()
    b = _Batch(prefix)
    params = d["params"]
    constraint = str(params["constraint"])
    b.param("constraint", constraint)
    b.param("tolerance", float(params["tolerance"]))
    b.param("randomized", str(bool(params["randomized"])).lower())
    cost = params["cost"]
    fn_cost, fp_cost = float(cost["fn_cost"]), float(cost["fp_cost"])
    b.param("fn_cost", fn_cost)
    b.param("fp_cost", fp_cost)
    b.param("cost_ratio", fn_cost / fp_cost if fp_cost > 0 else None)
    b.metric("max_gap", policy.max_gap)
    b.metric(f"{_metric_name(constraint)}_gap", policy.max_gap)
    b.metric("total_cost", policy.total_cost)
    b.metric("price_of_fairness", policy.price_of_fairness)
    for name, baseline in d["baselines"].items():
        b.metric(f"cost.{_metric_name(name)}", baseline["cost"])
    segments = _segments(((_key_of(g), g["name"]) for g in d["groups"]), "log_policy")
    for seg, g in zip(segments, d["groups"]):
        path = f"group.{seg}"
        b.metric(f"{path}.rows", g["rows"])
        b.metric(f"{path}.rate", g["rate"])
        b.metric(f"{path}.cost", g["cost"])
        b.metric(f"{path}.threshold", g["rule"]["threshold"])
        if bool(params["randomized"]):
            b.metric(f"{path}.probability", g["rule"]["p_at_threshold"])
            band = g["rule"].get("band")
            for field in ("lower", "p_above", "p_between", "p_below") if band else ():
                b.metric(f"{path}.band.{field}", band[field])
    return b.send(run_id, {_artifact_name(artifact_file): policy.to_json()},
                  record={"groups": segments})


def _artifact_name(name: str) -> str:
    if not isinstance(name, str) or not name or name.startswith("/") or ".." in name.split("/"):
        raise _ParameterError(
            f"parameter `artifact_file` is invalid: {name!r} must be a relative path inside "
            "the run's artifacts", name="artifact_file", value=str(name),
            reason="not a relative artifact path")
    return name


def log_gate(gate_report: GateReport, *, run_id: str | None = None,
             prefix: str = "gate") -> dict[str, float]:
    """Logs a deployment gate's verdict (:func:`mlops_audit.gate.evaluate`).

    Tags: ``mlops_audit.gate`` (``passed``/``failed``) and ``{prefix}.{requirement}`` (each
    check's verdict: ``pass``, ``fail``, ``not_measured``). Metrics: ``{prefix}.passed``
    (1 or 0) and ``{prefix}.{requirement}.measured`` (the measurement as the report writes it,
    to 6 decimals; left out when not measured). Params: ``{prefix}.{requirement}`` (the
    limit, as the report writes it).
    Artifact: ``mlops_audit/{prefix}.json``."""
    if not isinstance(gate_report, _gate.GateReport):
        raise _InputTypeError(f"log_gate needs a GateReport (from mlops_audit.gate.evaluate), "
                              f"got {type(gate_report).__name__}", input="gate_report")
    b = _Batch(prefix)
    b.tag(_GATE_TAG, "passed" if gate_report.passed else "failed")
    b.metric("passed", 1.0 if gate_report.passed else 0.0)
    for check in gate_report.checks:
        name = _metric_name(check["name"])
        b.tag(f"{b.prefix}.{name}", check["verdict"])
        b.param(name, check["requirement"])
        b.metric(f"{name}.measured", _measured(check["measured"]))
    return b.send(run_id, record={"gate": gate_report.to_dict()})


def _measured(value: Any) -> float | None:
    """A check's measurement as a number (the report writes it as text, e.g. ``"0.080000"``),
    ``None`` when not measured or not a number (a list of drift alerts)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def log_calibration(result: Any, *, run_id: str | None = None,
                    prefix: str = "calibration") -> dict[str, float]:
    """Logs a calibration result: an ECE (a number, as
    :func:`mlops_audit.calibration.expected_calibration_error` returns it) as
    ``{prefix}.ece``; a :class:`~mlops_audit.calibration.CalibrationByGroup` per group
    (``{prefix}.group.{segment}.{brier,log_loss,ece,mce,debiased_squared_ece,rows}`` and the
    two tests' ``.hosmer_lemeshow.pvalue``/``.spiegelhalter.pvalue``) and the worst group's
    value per metric (``{prefix}.worst.{metric}``); any other result of the library (a
    ``TestResult`` of ``hosmer_lemeshow`` or ``spiegelhalter_z``, a reliability curve) by its
    top-level numeric fields (``{prefix}.{field}``). Artifact: ``mlops_audit/{prefix}.json``."""
    b = _Batch(prefix)
    if isinstance(result, _numbers.Real) and not isinstance(result, bool):
        b.metric("ece", float(result))
        return b.send(run_id, record={"ece": _finite_json(float(result))})
    if not isinstance(result, _Result):
        raise _InputTypeError(f"log_calibration needs a result of mlops_audit.calibration "
                              f"(or an ECE as a number), got {type(result).__name__}",
                              input="result")
    d = result.to_dict()
    record: dict[str, Any] = {"calibration": _finite_json(d)}
    if isinstance(result, _calibration.CalibrationByGroup):
        segments = _segments(((_key_of(g), g["group"]) for g in d["groups"]),
                             "log_calibration")
        for seg, g in zip(segments, d["groups"]):
            path = f"group.{seg}"
            for field in ("rows", "brier", "log_loss", "ece", "mce", "debiased_squared_ece"):
                b.metric(f"{path}.{field}", g[field])
            for test in ("hosmer_lemeshow", "spiegelhalter"):
                t = g[test]
                b.metric(f"{path}.{test}.statistic", None if t is None else t.get("statistic"))
                b.metric(f"{path}.{test}.pvalue", None if t is None else t.get("pvalue"))
        for worst in d["worst"]:
            b.metric(f"worst.{_metric_name(worst['metric'])}", worst["value"])
        record["groups"] = segments
    else:
        for field, value in d.items():
            if isinstance(value, bool) or value is None:
                if value is None:
                    b.metric(_metric_name(field), None)
                continue
            if isinstance(value, _numbers.Real):
                b.metric(_metric_name(field), value)
    return b.send(run_id, record=record)


def log_drift(drift_report: DriftReport, *, run_id: str | None = None,
              prefix: str = "drift") -> dict[str, float]:
    """Logs a production window's drift report (:func:`mlops_audit.drift.drift_report` or
    :meth:`DriftMonitor.evaluate <mlops_audit.drift.DriftMonitor.evaluate>`).

    Tag: ``{prefix}.status`` (``ok``, ``alert``, ``no_data``). Metrics: ``{prefix}.alert``
    (1 or 0), ``{prefix}.rows``, ``{prefix}.drifted_features``; per feature
    (``{prefix}.feature.{segment}.{statistic,pvalue,pvalue_corrected,effect_size,drifted,
    current_missing_rate,missing_pvalue_corrected,missing_drifted}``); per output group
    (``{prefix}.output.group.{segment}.{training_share,production_share,out_of_interval,pvalue}``:
    the share flagged and the two-proportion test's p-value) and over all rows
    (``{prefix}.output.overall.*``). Params: ``{prefix}.alpha``, ``.correction``.
    Artifact: ``mlops_audit/{prefix}.json``."""
    if not isinstance(drift_report, _DriftReport):
        raise _InputTypeError(f"log_drift needs a DriftReport (from mlops_audit.drift), got "
                              f"{type(drift_report).__name__}", input="drift_report")
    d = drift_report.to_dict()
    b = _Batch(prefix)
    b.tag(f"{b.prefix}.status", d["status"])
    b.param("alpha", float(d["alpha"]))
    b.param("correction", d["correction"])
    b.metric("alert", 1.0 if d["status"] == "alert" else 0.0)
    b.metric("rows", d["window"]["rows"])
    b.metric("drifted_features", len(drift_report.drifted))
    features = _segments(((f["name"], f["name"]) for f in d["features"]), "log_drift")
    for seg, f in zip(features, d["features"]):
        for field in ("statistic", "pvalue", "pvalue_corrected", "effect_size", "drifted",
                      "current_missing_rate", "missing_pvalue_corrected", "missing_drifted"):
            if field in f:
                b.metric(f"feature.{seg}.{field}", f[field])
    outputs = _segments(((_key_of({"key": o["group"]}), o["name"]) for o in d["outputs"]),
                        "log_drift")
    for seg, o in zip(outputs, d["outputs"]):
        _output_metrics(b, f"output.group.{seg}", o)
    if d.get("output_overall") is not None:
        _output_metrics(b, "output.overall", d["output_overall"])
    return b.send(run_id, record={"drift": _finite_json(d), "features": features,
                                  "outputs": outputs})


def _output_metrics(b: _Batch, path: str, o: Mapping[str, Any]) -> None:
    for field in ("training_share", "production_share", "out_of_interval"):
        b.metric(f"{path}.{field}", o[field])
    b.metric(f"{path}.pvalue", o["test"]["pvalue"])


def log_report(report: Report, *, run_id: str | None = None,
               prefix: str = "report") -> dict[str, float]:
    """Saves a report (:class:`mlops_audit.report.Report`) as the artifacts ``report.html``
    and ``report.json``; its gate verdict as the tag ``mlops_audit.gate``, its trail's
    parameters as params ``{prefix}.{name}`` and seeds as ``{prefix}.seed.{purpose}`` (a name
    of letters, digits, ``_`` and ``-`` as it is, another written as group segments are)."""
    if not isinstance(report, _report.Report):
        raise _InputTypeError(f"log_report needs a mlops_audit.report.Report, got "
                              f"{type(report).__name__}", input="report")
    b = _Batch(prefix)
    gate_report = report.gate
    if gate_report is not None:
        b.tag(_GATE_TAG, "passed" if gate_report.passed else "failed")
    trail = report.trail
    _names(trail["parameters"], "log_report")
    _names(trail["seeds"], "log_report")
    for name, value in trail["parameters"].items():
        b.param(_metric_name(name), value)
    for purpose, seed in trail["seeds"].items():
        b.param(f"seed.{_metric_name(purpose)}", seed)
    return b.send(run_id, {"report.html": report.to_html(), "report.json": report.to_json()})


def log_profile(profile: ReferenceProfile, *, run_id: str | None = None,
                prefix: str = "profile", artifact_file: str = "profile.json") -> dict[str, float]:
    """Saves a reference profile (:class:`mlops_audit.drift.ReferenceProfile`) as
    ``artifact_file`` (its own JSON, which :func:`load_profile` reads back), with the metric
    ``{prefix}.rows`` and the param ``{prefix}.format_version``."""
    if not isinstance(profile, _ReferenceProfile):
        raise _InputTypeError(f"log_profile needs a ReferenceProfile (from "
                              f"mlops_audit.drift), got {type(profile).__name__}",
                              input="profile")
    b = _Batch(prefix)
    b.metric("rows", profile.rows)
    b.param("format_version", profile.format_version)
    return b.send(run_id, {_artifact_name(artifact_file): profile.to_json()})


def _load_text(run_id: str, artifact_file: str) -> str:
    run_id = _run_id(run_id)
    return _mlflow.artifacts.load_text(f"runs:/{run_id}/{_artifact_name(artifact_file)}")


def load_policy(run_id: str, *, artifact_file: str = "policy.json") -> ThresholdPolicy:
    """The policy :func:`log_policy` saved to run ``run_id``: the same thresholds, so it
    makes the same decisions (for serving)."""
    return _fairness.ThresholdPolicy.from_json(_load_text(run_id, artifact_file))


def load_profile(run_id: str, *, artifact_file: str = "profile.json") -> ReferenceProfile:
    """The reference profile :func:`log_profile` saved to run ``run_id`` (for a
    :class:`~mlops_audit.drift.DriftMonitor` in serving)."""
    return _ReferenceProfile.from_json(_load_text(run_id, artifact_file))


# -- the evaluator plugin ----------------------------------------------------------------

#: evaluator_config keys of :class:`AuditEvaluator` and their defaults (``...``: required).
_CONFIG: dict[str, Any] = {
    "sensitive_features": ...,
    "fn_cost": 5.0,
    "fp_cost": 1.0,
    "threshold": None,
    "policy": None,
    "constraint": "fpr",
    "tolerance": 0.05,
    "min_count": 30,
    "bootstrap": 0,
    "level": 0.95,
    "seed": 0,
    "n_bins": 10,
    "requirements": None,
    "pos_label": 1,
    "metric_prefix": "",
    # Read by mlflow.models.evaluate itself before the evaluators run.
    "col_mapping": None,
}


def _config(evaluator_config: Mapping[str, Any] | None) -> dict[str, Any]:
    config = dict(evaluator_config or {})
    unknown = sorted(set(config) - set(_CONFIG))
    if unknown:
        raise _ParameterError(
            f"evaluator_config of the mlops_audit evaluator has unknown keys {unknown}; it "
            f"takes {sorted(_CONFIG)} (with evaluators=None, nest each evaluator's config "
            "under its name)", name=unknown[0], value="given", reason="unknown key")
    if config.get("sensitive_features") is None:
        raise _ParameterError(
            "evaluator_config of the mlops_audit evaluator needs 'sensitive_features': the "
            "column (or list of columns) of the evaluation data holding each row's group",
            name="sensitive_features", value=None, reason="missing")
    out = {k: config.get(k, v) for k, v in _CONFIG.items()}
    if out["threshold"] is not None and out["policy"] is not None:
        raise _ParameterError(
            "evaluator_config gives both 'threshold' and 'policy': give one (a policy holds a "
            "threshold per group)", name="threshold", value=out["threshold"],
            reason="given together with policy")
    policy = out["policy"]
    if isinstance(policy, str):
        out["policy"] = _fairness.ThresholdPolicy.from_json(policy)
    elif policy is not None and not isinstance(policy, _fairness.ThresholdPolicy):
        raise _InputTypeError(
            f"evaluator_config 'policy' must be a ThresholdPolicy or its JSON text, got "
            f"{type(policy).__name__}", input="policy")
    requirements = out["requirements"]
    if requirements is not None and not isinstance(requirements, _gate.Requirements):
        if isinstance(requirements, (str, _os.PathLike)):
            out["requirements"] = _gate.Requirements.from_file(requirements)
        else:
            out["requirements"] = _gate.Requirements.from_dict(requirements)
    prefix = out["metric_prefix"]
    if prefix:
        _check_prefix(str(prefix).rstrip("."))
    return out


def _columns(config: Mapping[str, Any]) -> list[str]:
    cols = config["sensitive_features"]
    return [cols] if isinstance(cols, str) else [str(c) for c in cols]


def _scores(output: Any, predictions: str | None) -> Any:
    """One score per row from a model's output (or the dataset's predictions): a 1-D
    array or Series, one column, a named column of a frame, or the positive class's column of
    a two-column ``predict_proba``."""
    if hasattr(output, "columns"):  # a pandas DataFrame
        if predictions is not None:
            if predictions not in output.columns:
                raise _InputTypeError(
                    f"the model's output has no column {predictions!r} (columns: "
                    f"{list(output.columns)})", input="predictions")
            output = output[predictions]
        elif len(output.columns) == 1:
            output = output.iloc[:, 0]
        else:
            output = output.to_numpy()
    values = _np.asarray(output)
    if values.ndim == 2 and values.shape[1] == 2:
        values = values[:, 1]
    elif values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1:
        raise _InputTypeError(
            f"the model's output has shape {values.shape}: the mlops_audit evaluator needs one "
            "score per row (the probability of the positive class), a two-column "
            "predict_proba, or `predictions=` naming the score column", input="predictions")
    return _np.ascontiguousarray(values, dtype=_np.float64)


class AuditEvaluator(_ModelEvaluator):
    """The ``mlops_audit`` evaluator of ``mlflow.models.evaluate`` (MLflow finds it through the
    entry point group ``mlflow.model_evaluator``)::

        mlflow.models.evaluate(model_uri, data=frame, targets="default",
                               model_type="classifier", evaluators=["mlops_audit"],
                               evaluator_config={"mlops_audit": {
                                   "sensitive_features": "ethnicity",
                                   "requirements": {"max_fpr_gap": 0.05, "min_auc": 0.7}}})

    The model's output is the score (the positive class's probability: a 1-D output, one
    column, a two-column ``predict_proba``, or the column named by ``predictions=``); with
    ``model=None`` the dataset's predictions. The sensitive columns stay in the data (so the
    model receives them too: select its features in the model, e.g. with a
    ``ColumnTransformer``).

    ``evaluator_config`` keys: ``sensitive_features`` (required: a column or a list of
    columns); ``fn_cost`` (5) and ``fp_cost`` (1); ``threshold`` (default: the cost-optimal
    ``fp_cost / (fp_cost + fn_cost)``) or ``policy`` (a
    :class:`~mlops_audit.fairness.ThresholdPolicy` or its JSON, e.g. from
    :func:`load_policy`); the audit's ``constraint`` (``"fpr"``), ``tolerance`` (0.05),
    ``min_count`` (30), ``bootstrap`` (0), ``level`` (0.95), ``seed`` (0); ``n_bins`` (10) of
    the ECE; ``requirements`` of the deployment gate (a dict, a
    :class:`~mlops_audit.gate.Requirements` or a TOML/JSON file); ``pos_label`` (1: the label
    of a default) and ``metric_prefix`` (``""``). Unknown keys are errors.

    It logs, through the ``log_*`` functions: the group audit (``audit.*``), the calibration
    overall and per group (``calibration.*``), ``auc``, ``ece`` and ``cost_per_decision``
    (total cost over rows) under ``metric_prefix`` + ``overall.``, the policy if one is given
    (``policy.*`` and ``policy.json``), the gate's verdict if requirements are given (tag
    ``mlops_audit.gate``, ``gate.*``), and ``report.html``/``report.json``. It returns the
    metrics and the report's artifacts in the ``EvaluationResult``. The gate measures
    ``fpr_gap`` (the audit's FPR gap, whatever its constraint), ``auc``, ``ece`` and
    ``cost_per_decision``; drift and the challenger test are not measured here, so a
    requirement on them fails as not measured.
    """

    @classmethod
    def can_evaluate(cls, *, model_type: Any, evaluator_config: Any, **kwargs: Any) -> bool:
        # A classifier with sensitive features configured: with evaluators=None MLflow asks
        # every evaluator, and one without its configuration has nothing to audit.
        return (model_type == "classifier" and isinstance(evaluator_config, _Mapping)
                and evaluator_config.get("sensitive_features") is not None)

    def evaluate(self, *, model_type: Any, dataset: Any, run_id: str, evaluator_config: Any,
                 model: Any = None, extra_metrics: Any = None, custom_artifacts: Any = None,
                 predictions: Any = None, **kwargs: Any) -> Any:
        config = _config(evaluator_config)
        features = dataset.features_data
        columns = _columns(config)
        missing = [c for c in columns if c not in getattr(features, "columns", ())]
        if missing:
            raise _ParameterError(
                f"sensitive_features {missing} are not columns of the evaluation data "
                f"(feature columns: {list(getattr(features, 'columns', []))}); keep them in "
                "`data` (and out of `feature_names`, if given)", name="sensitive_features",
                value=str(missing[0]), reason="not a column of the data")
        groups = features[columns[0]] if len(columns) == 1 else features[columns]
        if model is not None:
            output = model.predict(features)
        elif dataset.has_predictions:
            output = dataset.predictions_data
        else:
            raise _ParameterError(
                "the mlops_audit evaluator needs a model or a predictions column",
                name="model", value=None, reason="no scores")
        y_score = _scores(output, predictions)
        y_true = _labels(dataset.labels_data, config["pos_label"])
        return _evaluate(run_id, config, y_true, y_score, groups)


def _labels(labels: Any, pos_label: Any) -> Any:
    """``labels == pos_label`` for binary labels; a missing label, a third class or labels
    without ``pos_label`` raise (each would silently count as a negative)."""
    values = _np.asarray(labels, dtype=object)
    for i, v in enumerate(values):
        if v is None or (isinstance(v, float) and v != v):
            raise _ParameterError(f"targets has a missing label at index {i}: every row of "
                                  "the evaluation data needs its outcome", name="targets",
                                  value=None, reason=f"missing at index {i}")
    classes = sorted({v.item() if hasattr(v, "item") else v for v in values}, key=repr)
    if len(classes) > 2 or (classes and pos_label not in classes):
        raise _ParameterError(
            f"targets has the labels {classes[:5]}; the mlops_audit evaluator needs two, one "
            f"of them pos_label={pos_label!r} (set 'pos_label' in evaluator_config)",
            name="pos_label", value=repr(pos_label), reason="not among the labels")
    return values == pos_label


def _evaluate(run_id: str, config: Mapping[str, Any], y_true: Any, y_score: Any,
              groups: Any) -> Any:
    prefix = str(config["metric_prefix"] or "")
    if prefix and not prefix.endswith("."):
        prefix += "."
    fn_cost, fp_cost = float(config["fn_cost"]), float(config["fp_cost"])
    cost = _metrics.CostMatrix(fn_cost=fn_cost, fp_cost=fp_cost)
    policy = config["policy"]
    threshold = config["threshold"]
    if policy is None and threshold is None:
        threshold = cost.bayes_threshold()
    audit_kw: dict[str, Any] = {
        "constraint": config["constraint"], "tolerance": config["tolerance"],
        "min_count": config["min_count"], "bootstrap": config["bootstrap"],
        "level": config["level"], "seed": config["seed"]}
    if policy is not None:
        audit = _fairness.audit(y_true, y_score, groups, thresholds=policy, **audit_kw)
        flags = policy.predict(y_score, groups, seed=config["seed"])
    else:
        audit = _fairness.audit(y_true, y_score, groups, threshold=float(threshold), **audit_kw)
        flags = y_score >= float(threshold)
    cm = _metrics.confusion_from_predictions(y_true, flags)
    per_decision = cost.mean_cost(cm)
    auc = _undefined_as_none(lambda: _metrics.roc_auc(y_true, y_score))
    ece = _undefined_as_none(lambda: _calibration.expected_calibration_error(
        y_true, y_score, n_bins=config["n_bins"]))
    by_group = _calibration.calibration_by_group(y_true, y_score, groups,
                                                 n_bins=config["n_bins"])
    fpr_gap = next((d["max_diff"] for d in audit.to_dict()["disparities"]
                    if d["rate"] == "fpr"), None)

    logged: dict[str, float] = {}
    overall = _Batch(f"{prefix}overall")
    overall.metric("auc", auc)
    overall.metric("ece", ece)
    overall.metric("cost_per_decision", per_decision)
    overall.param("fn_cost", fn_cost)
    overall.param("fp_cost", fp_cost)
    overall.param("cost_ratio", fn_cost / fp_cost if fp_cost > 0 else None)
    overall.param("threshold", None if threshold is None else float(threshold))
    overall.param("n_bins", config["n_bins"])
    overall.param("sensitive_features", ",".join(_columns(config)))
    logged.update(overall.send(run_id, record={
        "auc": auc, "ece": ece, "cost_per_decision": per_decision,
        "threshold": threshold, "fn_cost": fn_cost, "fp_cost": fp_cost}))
    logged.update(log_audit(audit, run_id=run_id, prefix=f"{prefix}audit"))
    logged.update(log_calibration(by_group, run_id=run_id, prefix=f"{prefix}calibration"))
    doc = _report.Report("mlops_audit evaluation")
    doc.set_parameters(fn_cost=fn_cost, fp_cost=fp_cost, constraint=config["constraint"],
                       tolerance=config["tolerance"],
                       threshold="per group (policy)" if threshold is None else threshold)
    doc.set_seed("bootstrap", int(config["seed"]))
    if policy is not None:
        logged.update(log_policy(policy, run_id=run_id, prefix=f"{prefix}policy"))
        doc.add_policy(policy)
    if config["requirements"] is not None:
        verdict = _gate.evaluate(config["requirements"], fpr_gap=fpr_gap, auc=auc, ece=ece,
                                 cost_per_decision=per_decision)
        logged.update(log_gate(verdict, run_id=run_id, prefix=f"{prefix}gate"))
        doc.set_gate(verdict)
    doc.add_audit(audit)
    log_report(doc, run_id=run_id, prefix=f"{prefix}report")
    return _evaluation_result(run_id, logged)


def _undefined_as_none(compute: Any) -> Any:
    from mlops_audit.errors import UndefinedMetricError

    try:
        return compute()
    except UndefinedMetricError:
        return None


def _evaluation_result(run_id: str, logged: Mapping[str, float]) -> Any:
    from mlflow.models.evaluation.artifacts import JsonEvaluationArtifact, TextEvaluationArtifact

    root = _MlflowClient().get_run(run_id).info.artifact_uri.rstrip("/")
    artifacts = {
        "report_html": TextEvaluationArtifact(uri=f"{root}/report.html"),
        "report_json": JsonEvaluationArtifact(uri=f"{root}/report.json"),
    }
    return _EvaluationResult(metrics=dict(logged), artifacts=artifacts, run_id=run_id)
