"""Reports people can read: one self-contained HTML file, and JSON with the same content
and an audit trail.

A :class:`Report` is the Rust document model (``mlops_audit::report::Report``) held as
JSON: sections of paragraphs, tables and SVG charts, the deployment gate's verdict at the
top, and an audit trail (library version, time of the run, parameters, input
fingerprints, seeds). The HTML is rendered and escaped in Rust: it holds no script, no
link, no external font or image (it opens from an email attachment), and every data
string is text, never markup. In a notebook a report renders itself::

    from mlops_audit import fairness, gate, report
    r = report.Report("Loan model audit")
    r.add_input("y_score", risk_test).set_seed("bootstrap", 7)
    r.set_parameters(fn_cost=5, fp_cost=1, tolerance=0.02)
    r.set_gate(gate.evaluate({"max_fpr_gap": 0.05}, fpr_gap=audit.max_gap))
    r.add_policy(policy, title="Equal-opportunity thresholds")
    r.add_audit(audit, title="Held-out audit")
    html_path, json_path = r.write("audit-2026-11")
"""

from __future__ import annotations

import json as _json
import math as _math
import pathlib as _pathlib
import typing as _typing
from collections.abc import Mapping as _Mapping
from collections.abc import Sequence as _Sequence
from dataclasses import dataclass as _dataclass
from dataclasses import field as _field

import numpy as _np

from mlops_audit._mlops_audit import GroupAudit as _GroupAudit
from mlops_audit._mlops_audit import ThresholdPolicy as _ThresholdPolicy
from mlops_audit._mlops_audit import (
    _audit_section_json,
    _check_chart,
    _fingerprint,
    _new_report_json,
    _policy_section_json,
    _drift_section_json,
    _rate_bars_svg,
    _render_report_html,
    _render_section_html,
    _report_json,
)
from mlops_audit.errors import InputTypeError as _InputTypeError
from mlops_audit.errors import ParameterError as _ParameterError
from mlops_audit.gate import GateReport as _GateReport

if _typing.TYPE_CHECKING:
    # The names as annotations spell them (annotations are not evaluated: __future__ import).
    import os
    import pathlib
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any

    from mlops_audit._mlops_audit import GroupAudit, ThresholdPolicy
    from mlops_audit.errors import ParameterError
    from mlops_audit.gate import GateReport

del annotations  # bound by the __future__ import; not part of the module's API

__all__ = ["STATUSES", "Chart", "Report", "Section", "Table", "fingerprint", "rate_bars_svg"]

# RFC 3339 writes four-digit years: 9999-12-31T23:59:59Z is the last time it can stamp.
_LAST_RFC3339_SECOND = 253_402_300_799

#: A section's possible statuses (shown as a coloured badge).
STATUSES = ("pass", "warn", "fail")


def _parameter_error(name: str, reason: str) -> ParameterError:
    return _ParameterError(f"parameter `{name}` is invalid: {reason}", name=name, reason=reason)


def _text(value: Any, field: str) -> str:
    """``value`` as text that JSON and UTF-8 can carry (no lone surrogates), else a
    :class:`~mlops_audit.errors.ParameterError` naming ``field``, raised when the text is
    added rather than when the report is rendered."""
    text = value if isinstance(value, str) else str(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise _parameter_error(
            field, f"{text!r} holds {text[e.start]!r} at index {e.start}, a lone surrogate "
            "that UTF-8 cannot encode; decode the source text properly (errors='replace' "
            "shows such characters as U+FFFD)") from None
    return text


def _cell(value: Any) -> str:
    """A table cell as text: numbers with 4 decimals (as the Rust sections write them),
    ``undefined`` for ``None``."""
    if value is None:
        return "undefined"
    if isinstance(value, (bool, _np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, _np.integer)):
        return str(int(value))
    if isinstance(value, (float, _np.floating)):
        v = float(value)
        return f"{v:.4f}" if _math.isfinite(v) else str(v)
    return _text(value, "tables")


@_dataclass(frozen=True)
class Table:
    """A table of cells; numbers are written with 4 decimals, ``None`` as ``undefined``."""

    caption: str
    header: Sequence[Any]
    rows: Sequence[Sequence[Any]] = ()

    @classmethod
    def from_frame(cls, frame: Any, caption: str, *, index: bool = True) -> Table:
        """A table from a pandas DataFrame (its index as the first column with
        ``index=True``)."""
        header = [str(c) for c in frame.columns]
        rows = [list(r) for r in frame.itertuples(index=index, name=None)]
        if index:
            header = [str(frame.index.name or ""), *header]
        return cls(caption, header, rows)

    def to_dict(self) -> dict[str, Any]:
        """The table as data: cells as text, every row as long as the header."""
        header = [_text(h, "tables") for h in self.header]
        rows = [[_cell(c) for c in row] for row in self.rows]
        for i, row in enumerate(rows):
            if len(row) != len(header):
                raise _parameter_error(
                    "tables", f"table {self.caption!r}: row {i} has {len(row)} cells, "
                    f"the header {len(header)}; give every row one cell per column")
        return {"caption": _text(self.caption, "tables"), "header": header, "rows": rows}


@_dataclass(frozen=True)
class Chart:
    """An SVG chart drawn by this package (``roc_by_group_svg``, ``frontier_svg``,
    ``reliability_diagram_svg``, :func:`rate_bars_svg`) with a caption."""

    caption: str
    svg: str

    def to_dict(self) -> dict[str, Any]:
        """The chart as data, once its SVG is checked: static drawing only (no script,
        event handler, link or external resource), else
        :class:`~mlops_audit.errors.NotSvgError` or
        :class:`~mlops_audit.errors.UnsafeSvgError`."""
        if not isinstance(self.svg, str):
            raise _InputTypeError(f"chart {self.caption!r}: svg must be a str, got "
                                  f"{type(self.svg).__name__}", input="charts")
        caption = _text(self.caption, "charts")
        _check_chart(caption, self.svg)
        return {"caption": caption, "svg": self.svg}


@_dataclass
class Section:
    """One part of a report (a view of the JSON content; see :meth:`Report.sections`)."""

    title: str
    status: str | None = None
    paragraphs: list[str] = _field(default_factory=list)
    tables: list[dict[str, Any]] = _field(default_factory=list)
    charts: list[dict[str, Any]] = _field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "status": self.status, "paragraphs": list(self.paragraphs),
                "tables": list(self.tables), "charts": list(self.charts)}

    def _repr_html_(self) -> str:
        return _render_section_html(_json.dumps(self.to_dict()))


def _table(t: Table | Mapping[str, Any] | Sequence[Any]) -> dict[str, Any]:
    if isinstance(t, Table):
        return t.to_dict()
    if isinstance(t, _Mapping):
        return Table(t["caption"], t["header"], t.get("rows", ())).to_dict()
    if isinstance(t, str) or not isinstance(t, _Sequence) or len(t) != 3:
        raise _InputTypeError(f"a table is a Table, a dict {{caption, header, rows}} or a "
                              f"tuple (caption, header, rows), got {t!r:.80}", input="tables")
    caption, header, rows = t
    return Table(caption, header, rows).to_dict()


def _chart(c: Chart | Mapping[str, Any] | Sequence[Any]) -> dict[str, Any]:
    if isinstance(c, Chart):
        return c.to_dict()
    if isinstance(c, _Mapping):
        return Chart(c["caption"], c["svg"]).to_dict()
    if isinstance(c, str) or not isinstance(c, _Sequence) or len(c) != 2:
        raise _InputTypeError(f"a chart is a Chart, a dict {{caption, svg}} or a tuple "
                              f"(caption, svg), got {c!r:.80}", input="charts")
    caption, svg = c
    return Chart(caption, svg).to_dict()


def _strings(values: Any) -> list[str] | None:
    """``values`` as a list of ``str`` when it is a column of strings (numpy ``U``/``S``/
    object, pandas categorical or object, a list of ``str``), else ``None``."""
    if isinstance(values, (list, tuple)) and values and all(isinstance(v, str) for v in values):
        return list(values)
    try:
        arr = _np.asarray(values)
    except Exception:  # not array-like: the Rust reader says what it expected
        return None
    if arr.dtype.kind == "U":
        return [str(v) for v in arr.tolist()]
    if arr.dtype.kind == "S":
        return [v.decode("utf-8") for v in arr.tolist()]
    if arr.dtype.kind == "O":
        out = arr.tolist()
        for i, v in enumerate(out):
            if not isinstance(v, str):
                raise _InputTypeError(
                    f"input column holds a {type(v).__name__} at index {i}; fingerprint "
                    "strings or numbers, not a mix (fill missing values first)", input=None)
        return out
    return None


def fingerprint(name: str, values: Any) -> dict[str, Any]:
    """An input's fingerprint ``{"name", "rows", "sha256"}``, as
    ``mlops_audit::report::InputFingerprint`` computes it: numbers (and booleans) as the
    little-endian bits of their ``float64`` value, strings (numpy, pandas categorical or
    object, lists of ``str``) as UTF-8 each prefixed with its byte length (``u64``
    little-endian). The same data gives the same hash in Rust and Python."""
    name = _text(name, "name")
    strings = _strings(values)
    try:
        return _json.loads(_fingerprint(name, strings if strings is not None else values))
    except UnicodeEncodeError as e:
        raise _parameter_error(
            name, f"a string holds a lone surrogate UTF-8 cannot encode ({e.reason}); decode "
            "the source text properly") from None


def rate_bars_svg(rates: Mapping[str, tuple[float | None, float | None]], *,
                  rate: str = "false-positive rate", before: str = "one threshold",
                  after: str = "per-group thresholds", title: str = "Rate by group") -> str:
    """A rate per group under two rules as paired bars (self-contained SVG): ``rates`` maps
    each group to ``(before, after)``, ``None`` where the rate is undefined. Text is
    escaped."""
    pairs = [(_text(g, "rates"), None if b is None else float(b), None if a is None else float(a))
             for g, (b, a) in rates.items()]
    return _rate_bars_svg(pairs, rate=rate, before=before, after=after, title=title)


class Report:
    """A report: sections, the gate verdict and an audit trail (see the module doc).

    ``unix_seconds`` fixes the time stamped in the trail (for reproducible reports); by
    default it is the time of construction. Every ``add_*``/``set_*`` method returns the
    report, so calls chain.
    """

    def __init__(self, title: str, *, unix_seconds: int | None = None) -> None:
        if unix_seconds is not None and not 0 <= unix_seconds <= _LAST_RFC3339_SECOND:
            raise _parameter_error(
                "unix_seconds", f"expected seconds from 1970-01-01 to 9999-12-31T23:59:59Z "
                f"(0 to {_LAST_RFC3339_SECOND}), got {unix_seconds!r}")
        self._doc: dict[str, Any] = _json.loads(
            _new_report_json(_text(title, "title"), unix_seconds=unix_seconds))

    # -- content --------------------------------------------------------------------------

    @property
    def title(self) -> str:
        return str(self._doc["title"])

    @property
    def sections(self) -> list[Section]:
        """The sections, in order (copies: change the report through its methods)."""
        return [Section(s["title"], s["status"], list(s["paragraphs"]), list(s["tables"]),
                        list(s["charts"])) for s in _json.loads(_json.dumps(self._doc["sections"]))]

    @property
    def gate(self) -> GateReport | None:
        g = self._doc["gate"]
        if g is None:
            return None
        return _GateReport.from_json(_json.dumps({"test": "GateReport", **g}))

    @property
    def trail(self) -> dict[str, Any]:
        """The audit trail: ``library_version``, ``created_utc``, ``parameters``,
        ``inputs`` (fingerprints), ``seeds``."""
        return _json.loads(_json.dumps(self._doc["trail"]))

    def add_section(self, title: str, *, paragraphs: Iterable[str] = (),
                    tables: Iterable[Table | Mapping[str, Any] | Sequence[Any]] = (),
                    charts: Iterable[Chart | Mapping[str, Any] | Sequence[Any]] = (),
                    status: str | None = None) -> Report:
        """Appends a section. ``tables``: :class:`Table` objects, dicts ``{caption, header,
        rows}`` or tuples ``(caption, header, rows)``; ``charts``: :class:`Chart` objects,
        dicts ``{caption, svg}`` or tuples ``(caption, svg)``; ``status``: ``"pass"``,
        ``"warn"``, ``"fail"`` or ``None``."""
        if status is not None and status not in STATUSES:
            raise _parameter_error("status", f"expected one of {STATUSES} or None, got {status!r}")
        if isinstance(paragraphs, str):
            paragraphs = [paragraphs]
        section = {
            "title": _text(title, "title"),
            "status": status,
            "paragraphs": [_text(p, "paragraphs") for p in paragraphs],
            "tables": [_table(t) for t in tables],
            "charts": [_chart(c) for c in charts],
        }
        self._doc["sections"].append(section)
        return self

    def add_audit(self, audit: GroupAudit, *, title: str = "Group audit",
                  charts: Iterable[Chart | Mapping[str, Any] | Sequence[Any]] = ()) -> Report:
        """Appends a group audit (:func:`mlops_audit.fairness.audit`) as a section: the
        verdict, rates by group, the spread of each rate, bootstrap intervals, warnings;
        ``charts`` are shown with it."""
        if not isinstance(audit, _GroupAudit):
            raise _InputTypeError(
                f"add_audit needs a GroupAudit (from mlops_audit.fairness.audit), got "
                f"{type(audit).__name__}", input="audit")
        return self._add_rust_section(_audit_section_json(audit, _text(title, "title")), charts)

    def add_policy(self, policy: ThresholdPolicy, *, title: str = "Threshold policy",
                   charts: Iterable[Chart | Mapping[str, Any] | Sequence[Any]] = ()) -> Report:
        """Appends a threshold policy (:func:`mlops_audit.fairness.equal_opportunity`) as a
        section: each group's rule and rates, and what the alternatives cost (the price of
        fairness); ``charts`` are shown with it."""
        if not isinstance(policy, _ThresholdPolicy):
            raise _InputTypeError(
                f"add_policy needs a ThresholdPolicy (from "
                f"mlops_audit.fairness.equal_opportunity), got {type(policy).__name__}",
                input="policy")
        return self._add_rust_section(_policy_section_json(policy, _text(title, "title")), charts)

    def _add_rust_section(self, section_json: str, charts: Iterable[Any]) -> Report:
        section = _json.loads(section_json)
        section["charts"].extend(_chart(c) for c in charts)
        self._doc["sections"].append(section)
        return self

    def add_drift(self, drift_report: Any, *, title: str = "Production window",
                  charts: Iterable[Chart | Mapping[str, Any] | Sequence[Any]] = ()) -> Report:
        """Appends a production window's drift report (a
        :class:`mlops_audit.drift.DriftReport` from :meth:`DriftMonitor.evaluate` or
        :func:`mlops_audit.drift.drift_report`) as a section: the alert status and its
        reasons, the drift panel (a row per feature: test, statistic, corrected p-value,
        effect size, missing rate, status) and the output panel (the share flagged per group
        against its interval); ``charts`` are shown with it."""
        from mlops_audit.drift import DriftReport  # a sibling module: imported when used

        if not isinstance(drift_report, DriftReport):
            raise _InputTypeError(
                f"add_drift needs a DriftReport (from mlops_audit.drift), got "
                f"{type(drift_report).__name__}", input="drift_report")
        return self._add_rust_section(
            _drift_section_json(drift_report, _text(title, "title")), charts)

    def set_gate(self, gate_report: GateReport | None) -> Report:
        """Sets the deployment gate's verdict, shown at the top (``None`` removes it)."""
        if gate_report is None:
            self._doc["gate"] = None
            return self
        if not isinstance(gate_report, _GateReport):
            raise _InputTypeError(
                f"set_gate needs a GateReport (from mlops_audit.gate.evaluate), got "
                f"{type(gate_report).__name__}", input="gate_report")
        self._doc["gate"] = {k: v for k, v in gate_report.to_dict().items() if k != "test"}
        return self

    # -- audit trail ----------------------------------------------------------------------

    def set_parameters(self, parameters: Mapping[str, Any] | None = None, /,
                       **more: Any) -> Report:
        """Records parameters by name (values are written as text)."""
        for k, v in {**dict(parameters or {}), **more}.items():
            # Floats as repr: the shortest text that reads back as the same number.
            text = repr(float(v)) if isinstance(v, (float, _np.floating)) else str(v)
            self._doc["trail"]["parameters"][_text(k, "parameters")] = _text(text, "parameters")
        return self

    def set_seed(self, purpose: str, seed: int) -> Report:
        """Records a seed (a non-negative integer below 2**64) and what it was for."""
        s = int(seed)
        if not 0 <= s < 2**64:
            raise _parameter_error("seed", f"expected an integer in [0, 2**64), got {seed!r}")
        self._doc["trail"]["seeds"][_text(purpose, "seed")] = s
        return self

    def add_input(self, name: str, values: Any) -> Report:
        """Records an input's fingerprint (see :func:`fingerprint`)."""
        self._doc["trail"]["inputs"].append(fingerprint(_text(name, "name"), values))
        return self

    # -- output ---------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (the JSON content)."""
        return _json.loads(self.to_json())

    def to_json(self) -> str:
        """The report as JSON (the Rust document model's format; charts as SVG text)."""
        return _report_json(_json.dumps(self._doc, allow_nan=False))

    @classmethod
    def from_json(cls, text: str) -> Report:
        """Reads a report written by :meth:`to_json` (or by the Rust ``Report::to_json``)."""
        r = cls.__new__(cls)
        r._doc = _json.loads(_report_json(text))
        return r

    def to_html(self) -> str:
        """The report as one self-contained HTML document."""
        return _render_report_html(_json.dumps(self._doc, allow_nan=False))

    def write(self, directory: str | os.PathLike[str]) -> tuple[pathlib.Path, pathlib.Path]:
        """Writes ``report.html`` and ``report.json`` into ``directory`` (created if
        missing); returns their paths."""
        d = _pathlib.Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        html_path, json_path = d / "report.html", d / "report.json"
        html_path.write_text(self.to_html(), encoding="utf-8")
        json_path.write_text(self.to_json(), encoding="utf-8")
        return html_path, json_path

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        gate = self._doc["gate"]
        verdict = "no gate" if gate is None else ("gate PASSED" if gate["passed"]
                                                  else "gate FAILED")
        return (f"Report({self.title!r}, {len(self._doc['sections'])} sections, {verdict}, "
                f"{len(self._doc['trail']['inputs'])} inputs)")
