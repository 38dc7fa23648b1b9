//! `mlops_audit.gate`: the deployment gate (thin JSON bridge; the logic is in
//! `mlops_audit::gate`).

use mlops_audit::gate::{Evidence, GateError, Requirements, evaluate};
use pyo3::prelude::*;

fn gate_err(e: GateError) -> PyErr {
    let name = match &e {
        GateError::InvalidRequirement { name, .. } => *name,
        _ => "requirements",
    };
    crate::errors::parameter_error(name, e.to_string())
}

fn json_err(what: &str, e: serde_json::Error) -> PyErr {
    crate::errors::parameter_error(what, e.to_string())
}

/// Checked requirements, as JSON, from TOML (``format="toml"``) or JSON text.
#[pyfunction]
#[pyo3(signature = (text, *, format="toml"))]
pub fn _gate_requirements(text: &str, format: &str) -> PyResult<String> {
    let r = match format {
        "toml" => Requirements::from_toml(text),
        "json" => Requirements::from_json(text),
        other => {
            return Err(crate::errors::parameter_error(
                "format",
                format!("expected \"toml\" or \"json\", got {other:?}"),
            ));
        }
    }
    .map_err(gate_err)?;
    serde_json::to_string(&r).map_err(|e| json_err("requirements", e))
}

/// The gate report, as JSON, for requirements and evidence given as JSON.
#[pyfunction]
pub fn _gate_evaluate(requirements: &str, evidence: &str) -> PyResult<String> {
    let r = Requirements::from_json(requirements).map_err(gate_err)?;
    let e: Evidence = serde_json::from_str(evidence).map_err(|e| json_err("evidence", e))?;
    serde_json::to_string(&evaluate(&r, &e)).map_err(|e| json_err("report", e))
}
