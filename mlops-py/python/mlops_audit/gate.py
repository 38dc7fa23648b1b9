"""The deployment gate: a model ships only if it meets written requirements.

Requirements are data — a TOML or JSON file, or a dict — with these keys (all optional, at
least one required; unknown keys are errors, so a typo cannot drop a requirement):
``max_fpr_gap``, ``min_auc``, ``max_ece``, ``max_cost_per_decision`` (the total cost over
the number of decisions, as :func:`mlops_audit.metrics.cost_per_decision`; the older key
``max_expected_cost`` is read as this),
``challenger_not_worse_alpha`` (the one-sided p-value of "challenger worse" must be at
least this), ``allow_drift_alerts``. Read strictly: a table (JSON object) only, each key
once, numbers for the limits and ``true``/``false`` for ``allow_drift_alerts``; a wrong type
raises :class:`~mlops_audit.errors.InputTypeError`, anything else
:class:`~mlops_audit.errors.ParameterError`, both naming the requirement.

:func:`evaluate` checks them against what the audit measured and returns a
:class:`GateReport`; a requirement with nothing measured fails. :func:`assert_gate` fails a
test (pytest, unittest) with the report as the message::

    req = gate.Requirements.from_file("requirements.toml")
    report = gate.evaluate(req, fpr_gap=audit.max_gap, auc=auc, drift_alerts=[])
    gate.assert_gate(report)
"""

from __future__ import annotations

import html as _html
import json as _json
import math as _math
import numbers as _numbers
import typing as _typing
import warnings as _warnings
from collections.abc import Iterable as _Iterable
from collections.abc import Mapping as _Mapping
from dataclasses import dataclass as _dataclass

from mlops_audit import results as _results
from mlops_audit._mlops_audit import _gate_evaluate, _gate_requirements
from mlops_audit.results import _extends
from mlops_audit.errors import InputTypeError as _InputTypeError
from mlops_audit.errors import ParameterError as _ParameterError

if _typing.TYPE_CHECKING:
    # The names as annotations spell them (annotations are not evaluated: __future__ import).
    import os
    from collections.abc import Iterable, Mapping
    from typing import Any

del annotations  # bound by the __future__ import; not part of the module's API

__all__ = ["GateReport", "Requirements", "assert_gate", "evaluate"]


@_dataclass(frozen=True)
class Requirements:
    """Checked requirements (build with :meth:`from_toml`, :meth:`from_json`,
    :meth:`from_dict` or :meth:`from_file`)."""

    values: Mapping[str, Any]

    @classmethod
    def from_toml(cls, text: str) -> Requirements:
        return cls(_json.loads(_gate_requirements(text, format="toml")))

    @classmethod
    def from_json(cls, text: str) -> Requirements:
        return cls(_json.loads(_gate_requirements(text, format="json")))

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Requirements:
        if not isinstance(values, _Mapping):
            raise _InputTypeError(
                f"requirements must be a mapping of requirement names to values, got "
                f"{type(values).__name__}", input="requirements")
        return cls.from_json(_json.dumps({k: _json_value(k, v) for k, v in values.items()},
                                         allow_nan=False))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Requirements:
        """A ``.toml`` or ``.json`` file (by extension)."""
        text = open(path, encoding="utf-8").read()
        if str(path).lower().endswith(".json"):
            return cls.from_json(text)
        return cls.from_toml(text)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.values)


def _json_value(name: Any, value: Any) -> Any:
    """A requirement's value as JSON carries it: numpy numbers as Python ones; an infinite
    or NaN limit (which JSON cannot carry) refused here, naming the requirement; other
    types passed on for the strict reader to refuse by name."""
    if isinstance(value, (bool, str)) or value is None:
        return value
    if hasattr(value, "dtype") and getattr(value, "shape", None) == ():
        value = value.item()  # numpy scalars, including numpy.bool_
        if isinstance(value, bool):
            return value
    if isinstance(value, _numbers.Real):
        x = float(value)
        if not _math.isfinite(x):
            raise _ParameterError(f"parameter `{name}` is invalid: requirement `{name}` = {x} "
                                  "must be finite", name=str(name), value=str(x),
                                  reason="must be finite")
        return x
    try:
        _json.dumps(value)
    except TypeError:
        raise _InputTypeError(f"requirement `{name}` has a value of type "
                              f"{type(value).__name__}, which is not a number or a boolean",
                              input=str(name)) from None
    return value


def _measurement(name: str, value: Any) -> float | None:
    """A measured value as a float (NaN: not measured), or ``None``; a type that is not a
    real number raises ``InputTypeError`` naming the measurement."""
    if value is None:
        return None
    if hasattr(value, "dtype") and getattr(value, "shape", None) == ():
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, _numbers.Real):
        raise _InputTypeError(f"evidence `{name}` must be a real number or None, got "
                              f"{type(value).__name__}", input=name)
    return float(value)


def _alerts(value: Any) -> list[str] | None:
    """Drift alerts as a list of strings, or ``None``. A string is refused: iterating it
    would read each character as an alert."""
    if value is None:
        return None
    if isinstance(value, (str, bytes, _Mapping)) or not isinstance(value, _Iterable):
        raise _InputTypeError(f"drift_alerts must be a list of alert strings (or None), got "
                              f"{type(value).__name__}", input="drift_alerts")
    alerts = list(value)
    for i, a in enumerate(alerts):
        if not isinstance(a, str):
            raise _InputTypeError(f"drift_alerts[{i}] must be a string, got "
                                  f"{type(a).__name__}", input="drift_alerts")
    return alerts


@_extends("GateReport")
class GateReport(_results.GateReport):  # type: ignore[name-defined,misc]
    """Each requirement with its measured value and verdict (``pass``, ``fail`` or
    ``not_measured``), and the overall verdict ``passed``: the Rust core's ``GateReport``."""

    __slots__ = ()

    @property
    def failures(self) -> list[dict[str, _typing.Any]]:
        """The checks that did not pass."""
        return [c for c in self.checks if c["verdict"] != "pass"]

    def __str__(self) -> str:
        lines = [f"deployment gate: {'PASSED' if self.passed else 'FAILED'}"]
        for c in self.checks:
            verdict = c["verdict"].upper().replace("_", " ")
            measured = c["measured"] if c["measured"] is not None else "not measured"
            lines.append(f"  [{verdict}] {c['name']} {c['requirement']} (measured: {measured})")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colour = {"pass": "#2e7d32", "fail": "#c62828", "not_measured": "#ef6c00"}
        rows = "".join(
            f"<tr><td style='color:{colour[c['verdict']]};font-weight:bold'>"
            f"{_html.escape(c['verdict'].replace('_', ' ').upper())}</td>"
            f"<td>{_html.escape(c['name'])}</td><td>{_html.escape(c['requirement'])}</td>"
            f"<td>{_html.escape(str(c['measured']) if c['measured'] is not None else 'not measured')}</td></tr>"
            for c in self.checks)
        head = "PASSED" if self.passed else "FAILED"
        return (f"<div><b>Deployment gate: {head}</b> (GateReport)<table>"
                "<tr><th>verdict</th><th>requirement</th><th>limit</th><th>measured</th></tr>"
                f"{rows}</table></div>")


def evaluate(requirements: Requirements | Mapping[str, Any], *, fpr_gap: float | None = None,
             auc: float | None = None, ece: float | None = None,
             cost_per_decision: float | None = None,
             challenger_worse_pvalue: float | None = None,
             drift_alerts: Iterable[str] | None = None,
             expected_cost: float | None = None) -> GateReport:
    """Checks every requirement against the measured values (``None`` or NaN: not
    measured). Measurements must be real numbers in their domain (rates, AUC, ECE and the
    p-value in [0, 1], the cost finite and non-negative), else ``ParameterError`` (or
    ``InputTypeError`` for a wrong type) naming the measurement; ``drift_alerts`` is a list
    of strings (a single string is refused).

    ``cost_per_decision`` is the cost per decision (:func:`mlops_audit.metrics.cost_per_decision`),
    not the total. ``expected_cost`` is its deprecated old name."""
    if not isinstance(requirements, Requirements):
        requirements = Requirements.from_dict(requirements)
    if expected_cost is not None:
        if cost_per_decision is not None:
            raise _ParameterError(
                "give cost_per_decision only (expected_cost is its old name)",
                name="expected_cost", value=expected_cost,
                reason="given together with cost_per_decision")
        _warnings.warn("gate.evaluate(expected_cost=...) is deprecated: it is the cost per "
                       "decision, now passed as cost_per_decision=", DeprecationWarning,
                       stacklevel=2)
        cost_per_decision = expected_cost
    measured = {
        "fpr_gap": fpr_gap, "auc": auc, "ece": ece, "cost_per_decision": cost_per_decision,
        "challenger_worse_pvalue": challenger_worse_pvalue,
    }
    evidence = {k: _measurement(k, v) for k, v in measured.items()}
    return _gate_evaluate(_json.dumps(dict(requirements.values)),  # type: ignore[no-any-return]
                          drift_alerts=_alerts(drift_alerts), **evidence)


def assert_gate(report: GateReport) -> None:
    """Raises ``AssertionError`` with the readable report when the gate failed."""
    if not report.passed:
        raise AssertionError(str(report))
