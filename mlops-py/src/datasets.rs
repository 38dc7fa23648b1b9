//! `mlops_audit.datasets`: the built-in data of the `mlops-audit` crate.

use mlops_audit::datasets::german_credit as load_german_credit;
use numpy::IntoPyArray;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The UCI Statlog German Credit data (1,000 loans, 300 bad; CC BY 4.0, donor Hans
/// Hofmann), as a ``dict`` of columns: numeric features as float64 arrays, categorical
/// features in the UCI coding as lists of str, the target ``bad_loan`` (1 = bad) as an
/// int8 array, and the sensitive columns ``sex`` and ``age_group``.
///
/// ``pandas.DataFrame(german_credit())`` gives a table.
#[pyfunction]
pub fn german_credit(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let d = load_german_credit().map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    let out = PyDict::new(py);
    for (name, values) in d.numeric {
        out.set_item(name, values.into_pyarray(py))?;
    }
    for (name, values) in d.categorical.into_iter().chain(d.sensitive) {
        out.set_item(name, values)?;
    }
    let target: Vec<i8> = d.target.iter().map(|&y| i8::from(y == 1)).collect();
    out.set_item(d.target_name, target.into_pyarray(py))?;
    Ok(out)
}
