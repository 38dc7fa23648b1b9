//! `mlops_audit.report`: reports built as the Rust [`Report`] (JSON in, HTML out).
//!
//! The document model, the HTML rendering and its escaping live in `mlops_audit::report`;
//! these functions only move JSON and arrays across the boundary.

use mlops_audit::plot::{RatePair, rate_bars_svg};
use mlops_audit::report::{
    AuditTrail, Chart, InputFingerprint, Report, Section, audit_section, policy_section,
    section_html,
};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString, PyTuple};

use crate::errors::{BindError, BindResult};
use crate::fairness::{PyGroupAudit, PyThresholdPolicy};
use crate::input::extract_column;

fn json_err(what: &str, e: serde_json::Error) -> BindError {
    BindError::parameter(what, format!("not a valid {what}: {e}"))
}

fn to_json<T: serde::Serialize>(what: &str, v: &T) -> BindResult<String> {
    serde_json::to_string(v).map_err(|e| json_err(what, e))
}

fn read_report(json: &str) -> BindResult<Report> {
    let report: Report = serde_json::from_str(json).map_err(|e| json_err("report", e))?;
    if report.format_version > mlops_audit::report::REPORT_FORMAT_VERSION {
        return Err(BindError::parameter(
            "format_version",
            format!(
                "the report has format version {}, newer than this library's {}; upgrade \
                 mlops-audit to read it",
                report.format_version,
                mlops_audit::report::REPORT_FORMAT_VERSION
            ),
        ));
    }
    report.check()?;
    Ok(report)
}

/// A new, empty report as JSON: the title and an audit trail with the library version and
/// the time (now, or ``unix_seconds`` for a reproducible report).
#[pyfunction]
#[pyo3(signature = (title, *, unix_seconds=None))]
pub fn _new_report_json(
    title: &str,
    #[pyo3(from_py_with = crate::args::opt_u64s::unix_seconds)] unix_seconds: Option<u64>,
) -> BindResult<String> {
    let trail = unix_seconds.map_or_else(AuditTrail::now, AuditTrail::at);
    to_json("report", &Report::new(title, trail))
}

/// The report given as JSON, checked against the document model and written back as JSON
/// (pretty-printed, as ``Report::to_json``).
#[pyfunction]
pub fn _report_json(py: Python<'_>, json: &str) -> BindResult<String> {
    let report = read_report(json)?;
    Ok(py.detach(|| report.to_json()))
}

/// The report given as JSON, rendered as one self-contained HTML document.
#[pyfunction]
pub fn _render_report_html(py: Python<'_>, json: &str) -> BindResult<String> {
    let report = read_report(json)?;
    Ok(py.detach(|| report.to_html()))
}

/// One section given as JSON, rendered as an HTML fragment with its own scoped style.
#[pyfunction]
pub fn _render_section_html(json: &str) -> BindResult<String> {
    let section: Section = serde_json::from_str(json).map_err(|e| json_err("section", e))?;
    section.charts.iter().try_for_each(Chart::check)?;
    Ok(section_html(&section))
}

/// Checks a chart's SVG before it goes into a report (see ``Chart::check``).
#[pyfunction]
pub fn _check_chart(caption: &str, svg: &str) -> BindResult<()> {
    Chart {
        caption: caption.to_owned(),
        svg: svg.to_owned(),
    }
    .check()
    .map_err(BindError::from)
}

/// A group audit as a report section (JSON).
#[pyfunction]
pub fn _audit_section_json(audit: &PyGroupAudit, title: &str) -> BindResult<String> {
    to_json("section", &audit_section(&audit.0, title))
}

/// A threshold policy as a report section (JSON).
#[pyfunction]
pub fn _policy_section_json(policy: &PyThresholdPolicy, title: &str) -> BindResult<String> {
    to_json("section", &policy_section(&policy.0, title))
}

/// A drift report (its JSON, from ``DriftReport.to_json()``) as a report section (JSON).
#[pyfunction]
pub fn _drift_section_json(drift_report: &Bound<'_, PyAny>, title: &str) -> BindResult<String> {
    let d: mlops_drift::DriftReport = crate::results::from_py(drift_report, "drift_report")?;
    to_json("section", &mlops_audit::report::drift_section(&d, title))
}

/// The fingerprint of an input (JSON ``{name, rows, sha256}``): a list of ``str`` is
/// hashed as strings (``InputFingerprint::of_strs``), anything else is read as a numeric
/// column and hashed as ``f64`` (``InputFingerprint::of_f64``).
#[pyfunction]
pub fn _fingerprint(py: Python<'_>, name: &str, values: &Bound<'_, PyAny>) -> BindResult<String> {
    let strings = values
        .cast::<PyList>()
        .ok()
        .filter(|l| l.iter().all(|v| v.is_instance_of::<PyString>()));
    let fp = match strings {
        Some(list) => {
            let strs: Vec<String> = list.extract()?;
            py.detach(|| InputFingerprint::of_strs(name, &strs))
        }
        None => {
            let column = extract_column(values, name)?;
            let floats = column.floats(name)?;
            // Contiguous views are hashed in place; strided ones are copied once.
            match floats.as_slice() {
                Some(s) => py.detach(|| InputFingerprint::of_f64(name, s)),
                None => {
                    let owned = floats.to_vec();
                    py.detach(|| InputFingerprint::of_f64(name, &owned))
                }
            }
        }
    };
    to_json("fingerprint", &fp)
}

/// A rate per group under two rules as paired bars (SVG); ``pairs`` is a list of
/// ``(group, before, after)`` with ``None`` for an undefined rate. Text is escaped.
#[pyfunction]
#[pyo3(signature = (pairs, *, rate, before, after, title))]
pub fn _rate_bars_svg(
    pairs: &Bound<'_, PyList>,
    rate: &str,
    before: &str,
    after: &str,
    title: &str,
) -> BindResult<String> {
    let pairs = pairs
        .iter()
        .map(|item| {
            let t = item.cast::<PyTuple>().map_err(|_| {
                BindError::parameter("pairs", "expected (group, before, after) tuples".to_owned())
            })?;
            let (group, before, after): (String, Option<f64>, Option<f64>) = t.extract()?;
            Ok(RatePair {
                group,
                before,
                after,
            })
        })
        .collect::<BindResult<Vec<_>>>()?;
    Ok(rate_bars_svg(&pairs, rate, before, after, title))
}
