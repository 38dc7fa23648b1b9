//! `mlops_audit.gate`: the deployment gate (thin bridge; the logic is in
//! `mlops_audit::gate`).

use mlops_audit::gate::{Evidence, Requirements, evaluate};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::{BindError, BindResult};

fn json_err(what: &str, e: serde_json::Error) -> BindError {
    BindError::parameter(what, e.to_string())
}

/// Checked requirements, as JSON, from TOML (``format="toml"``) or JSON text.
#[pyfunction]
#[pyo3(signature = (text, *, format="toml"))]
pub fn _gate_requirements(text: &str, format: &str) -> BindResult<String> {
    let r = match format {
        "toml" => Requirements::from_toml(text)?,
        "json" => Requirements::from_json(text)?,
        other => {
            return Err(BindError::parameter(
                "format",
                format!("expected \"toml\" or \"json\", got {other:?}"),
            ));
        }
    };
    serde_json::to_string(&r).map_err(|e| json_err("requirements", e))
}

/// The gate report for requirements given as JSON and the measurements (floats already
/// checked for type by the Python wrapper; infinities arrive as such and are refused by the
/// domain check).
#[pyfunction]
#[pyo3(signature = (requirements, **evidence))]
pub fn _gate_evaluate(
    py: Python<'_>,
    requirements: &str,
    evidence: Option<&Bound<'_, PyDict>>,
) -> BindResult<Py<PyAny>> {
    let r = Requirements::from_json(requirements)?;
    let e = crate::options::options::<Evidence>(py, evidence)?;
    let report = evaluate(&r, &e)?;
    crate::results::to_py(py, &report)
}
