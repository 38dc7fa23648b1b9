//! `mlops_audit.gate`: the deployment gate (thin bridge; the logic is in
//! `mlops_audit::gate`).

use mlops_audit::gate::{Evidence, GateError, Requirements, evaluate};
use pyo3::prelude::*;

fn gate_err(e: GateError) -> PyErr {
    let message = e.to_string();
    match &e {
        // A value of the wrong type: a TypeError naming the requirement.
        GateError::RequirementType { name, .. } => {
            crate::errors::input_type_error(message, Some(name))
        }
        GateError::InvalidRequirement { name, .. } | GateError::InvalidEvidence { name, .. } => {
            crate::errors::parameter_error(name, message)
        }
        GateError::UnknownRequirement { name } | GateError::DuplicateRequirement { name } => {
            crate::errors::parameter_error(name, message)
        }
        _ => crate::errors::parameter_error("requirements", message),
    }
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

/// The gate report, as JSON, for requirements given as JSON and the measurements (floats
/// already checked for type by the Python wrapper; infinities arrive as such, which JSON
/// could not carry, and are refused by the domain check).
#[pyfunction]
#[pyo3(signature = (requirements, *, fpr_gap=None, auc=None, ece=None, cost_per_decision=None, challenger_worse_pvalue=None, drift_alerts=None))]
pub fn _gate_evaluate(
    requirements: &str,
    fpr_gap: Option<f64>,
    auc: Option<f64>,
    ece: Option<f64>,
    cost_per_decision: Option<f64>,
    challenger_worse_pvalue: Option<f64>,
    drift_alerts: Option<Vec<String>>,
) -> PyResult<String> {
    let r = Requirements::from_json(requirements).map_err(gate_err)?;
    let e = Evidence {
        fpr_gap,
        auc,
        ece,
        cost_per_decision,
        challenger_worse_pvalue,
        drift_alerts,
    };
    let report = evaluate(&r, &e).map_err(gate_err)?;
    serde_json::to_string(&report).map_err(|e| json_err("report", e))
}
