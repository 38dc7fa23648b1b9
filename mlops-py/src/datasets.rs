//! `mlops_audit.datasets`: the built-in data of the `mlops-audit` crate.

use mlops_audit::datasets::german_credit as load_german_credit;
use mlops_audit::datasets::{LendingDrift, simulate_lending};
use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::BindResult;

/// The UCI Statlog German Credit data (1,000 loans, 300 bad; CC BY 4.0, donor Hans
/// Hofmann), as a ``dict`` of columns: numeric features as float64 arrays, categorical
/// features in the UCI coding as lists of str, the target ``bad_loan`` (1 = bad) as an
/// int8 array, and the sensitive columns ``sex`` and ``age_group``.
///
/// ``pandas.DataFrame(german_credit())`` gives a table.
#[pyfunction]
pub fn german_credit(py: Python<'_>) -> BindResult<Bound<'_, PyDict>> {
    let d = load_german_credit()?;
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

/// A simulated lending portfolio (see ``mlops_audit.datasets.simulate_lending``), as a
/// ``dict`` of columns: numeric features as float64 arrays (``employment_years`` NaN where
/// missing), categorical columns as numpy string arrays, ``default`` as an int8 array and
/// the two models' scores as float64 arrays.
#[pyfunction]
#[pyo3(signature = (n, *, seed=0, drift="none"))]
pub fn _simulate_lending<'py>(
    py: Python<'py>,
    #[pyo3(from_py_with = crate::args::usizes::n)] n: usize,
    #[pyo3(from_py_with = crate::args::u64s::seed)] seed: u64,
    drift: &str,
) -> BindResult<Bound<'py, PyDict>> {
    let scenario: LendingDrift = drift.parse()?;
    let d = py.detach(|| simulate_lending(n, seed, scenario));
    let out = PyDict::new(py);
    let np = py.import("numpy")?;
    for (name, values) in d.categorical() {
        out.set_item(name, np.call_method1("array", (values.to_vec(),))?)?;
    }
    for (name, values) in d.numeric() {
        out.set_item(name, values.to_vec().into_pyarray(py))?;
    }
    let target: Vec<i8> = d.default.iter().map(|&y| i8::from(y == 1)).collect();
    out.set_item("default", target.into_pyarray(py))?;
    out.set_item("champion_score", d.champion_score.into_pyarray(py))?;
    out.set_item("challenger_score", d.challenger_score.into_pyarray(py))?;
    Ok(out)
}
