//! `mlops_audit.compare`: champion/challenger statistics. Results cross as JSON text and
//! become `mlops_audit.results.TestResult` objects on the Python side.

use mlops_core::compare::{delong, mcnemar_from_predictions};
use pyo3::prelude::*;

use crate::convert::extract_column;
use crate::detach;

fn to_json<T: serde::Serialize>(v: &T) -> PyResult<String> {
    serde_json::to_string(v).map_err(|e| crate::errors::parameter_error("result", e.to_string()))
}

/// DeLong's test of ``AUC(y_score_a) - AUC(y_score_b)`` on the same rows; JSON text.
#[pyfunction]
#[pyo3(signature = (y_true, y_score_a, y_score_b, level=0.95))]
pub fn _delong_json(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_score_a: &Bound<'_, PyAny>,
    y_score_b: &Bound<'_, PyAny>,
    level: f64,
) -> PyResult<String> {
    let y = extract_column(y_true, "y_true")?;
    let a = extract_column(y_score_a, "y_score_a")?;
    let b = extract_column(y_score_b, "y_score_b")?;
    let (y, a, b) = (
        y.labels("y_true")?,
        a.floats("y_score_a")?,
        b.floats("y_score_b")?,
    );
    let r = detach(py, || delong(y.view(), a.view(), b.view(), level))?;
    to_json(&r)
}

/// McNemar's test on the hard decisions of two models on the same rows; JSON text.
#[pyfunction]
#[pyo3(signature = (y_true, y_pred_a, y_pred_b, exact=true, correction=true))]
pub fn _mcnemar_json(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_pred_a: &Bound<'_, PyAny>,
    y_pred_b: &Bound<'_, PyAny>,
    exact: bool,
    correction: bool,
) -> PyResult<String> {
    let y = extract_column(y_true, "y_true")?;
    let a = extract_column(y_pred_a, "y_pred_a")?;
    let b = extract_column(y_pred_b, "y_pred_b")?;
    let (y, a, b) = (
        y.labels("y_true")?,
        a.labels("y_pred_a")?,
        b.labels("y_pred_b")?,
    );
    let r = detach(py, || {
        mcnemar_from_predictions(y.view(), a.view(), b.view(), exact, correction)
    })?;
    to_json(&r)
}
