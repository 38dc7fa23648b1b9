//! `mlops_audit.gate`: the deployment gate (thin bridge; the logic is in
//! `mlops_audit::gate`).

use mlops_audit::gate::{Evidence, Requirements, evaluate};
use pyo3::prelude::*;

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
) -> BindResult<String> {
    let r = Requirements::from_json(requirements)?;
    let e = Evidence {
        fpr_gap,
        auc,
        ece,
        cost_per_decision,
        challenger_worse_pvalue,
        drift_alerts,
    };
    let report = evaluate(&r, &e)?;
    serde_json::to_string(&report).map_err(|e| json_err("report", e))
}
