//! Rust errors to Python exceptions, in one place.
//!
//! The exception classes live in the pure-Python module `mlops_audit.errors` (so that they
//! can inherit from both `MlopsError` and `ValueError`/`TypeError`, and pickle). Each Rust
//! variant maps to one class, and its structured fields become attributes of the exception
//! (`err.index`, `err.value`, `err.input`, ...).

use mlops_audit::report::ReportError;
use mlops_core::CoreError;
use mlops_drift::DriftError;
use mlops_fairness::FairnessError;
use pyo3::IntoPyObjectExt;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Builds an exception of class `class` from `mlops_audit.errors`, with `message` and the
/// attributes in `details`.
fn raise(class: &str, message: String, details: Vec<(&str, Py<PyAny>)>) -> PyErr {
    Python::attach(|py| {
        let build = || -> PyResult<PyErr> {
            let module = py.import("mlops_audit.errors")?;
            let cls = module.getattr(class)?;
            let kwargs = PyDict::new(py);
            for (k, v) in details {
                kwargs.set_item(k, v)?;
            }
            let exc = cls.call((message.clone(),), Some(&kwargs))?;
            Ok(PyErr::from_value(exc))
        };
        build().unwrap_or_else(|e| {
            PyRuntimeError::new_err(format!(
                "{message} (and mlops_audit.errors.{class} could not be raised: {e})"
            ))
        })
    })
}

fn obj<'py, T: IntoPyObject<'py>>(py: Python<'py>, v: T) -> Py<PyAny> {
    v.into_py_any(py).unwrap_or_else(|_| py.None())
}

/// Maps a [`CoreError`] to its Python exception.
pub fn core_err(e: CoreError) -> PyErr {
    let message = e.to_string();
    Python::attach(|py| {
        let (class, details): (&str, Vec<(&str, Py<PyAny>)>) = match e {
            CoreError::EmptyInput { input } => ("EmptyInputError", vec![("input", obj(py, input))]),
            CoreError::LengthMismatch {
                input,
                reference,
                expected,
                found,
            } => (
                "LengthMismatchError",
                vec![
                    ("input", obj(py, input)),
                    ("reference", obj(py, reference)),
                    ("expected", obj(py, expected)),
                    ("found", obj(py, found)),
                ],
            ),
            CoreError::NotFinite {
                input,
                index,
                value,
            } => (
                "NonFiniteError",
                vec![
                    ("input", obj(py, input)),
                    ("index", obj(py, index)),
                    ("value", obj(py, value)),
                ],
            ),
            CoreError::MissingValue { input, index } => (
                "MissingValueError",
                vec![("input", obj(py, input)), ("index", obj(py, index))],
            ),
            CoreError::NotRepresentable {
                input,
                index,
                value,
            } => (
                "NotRepresentableError",
                vec![
                    ("input", obj(py, input)),
                    ("index", obj(py, index)),
                    ("value", obj(py, value)),
                ],
            ),
            CoreError::LabelNotBinary {
                input,
                index,
                value,
            } => (
                "LabelError",
                vec![
                    ("input", obj(py, input)),
                    ("index", obj(py, index)),
                    ("value", obj(py, value)),
                ],
            ),
            CoreError::NegativeWeight {
                input,
                index,
                value,
            } => (
                "NegativeWeightError",
                vec![
                    ("input", obj(py, input)),
                    ("index", obj(py, index)),
                    ("value", obj(py, value)),
                ],
            ),
            CoreError::OutOfRange {
                input,
                index,
                value,
                low,
                high,
            } => (
                "OutOfRangeError",
                vec![
                    ("input", obj(py, input)),
                    ("index", obj(py, index)),
                    ("value", obj(py, value)),
                    ("low", obj(py, low)),
                    ("high", obj(py, high)),
                ],
            ),
            CoreError::AllWeightsZero { input } => {
                ("ZeroWeightsError", vec![("input", obj(py, input))])
            }
            CoreError::WeightsOverflow { input, reason } => (
                "WeightOverflowError",
                vec![("input", obj(py, input)), ("reason", obj(py, reason))],
            ),
            CoreError::GroupCodeOutOfRange {
                column,
                index,
                code,
                levels,
            } => (
                "GroupError",
                vec![
                    ("column", obj(py, column)),
                    ("index", obj(py, index)),
                    ("value", obj(py, code)),
                    ("levels", obj(py, levels)),
                ],
            ),
            CoreError::DuplicateGroupLevel { column, level } => (
                "GroupError",
                vec![("column", obj(py, column)), ("group", obj(py, level))],
            ),
            CoreError::NoGroupColumns => ("GroupError", vec![]),
            CoreError::MixedGroupTypes {
                column,
                int_value,
                str_value,
            } => (
                "GroupError",
                vec![
                    ("column", obj(py, column)),
                    ("int_value", obj(py, int_value)),
                    ("str_value", obj(py, str_value)),
                ],
            ),
            CoreError::InvalidParameter {
                name,
                value,
                reason,
            } => (
                "ParameterError",
                vec![
                    ("name", obj(py, name)),
                    ("value", obj(py, value)),
                    ("reason", obj(py, reason)),
                ],
            ),
            CoreError::InvalidState {
                object,
                field,
                reason,
            } => (
                "StateError",
                vec![
                    ("object", obj(py, object)),
                    ("name", obj(py, field.clone())),
                    ("field", obj(py, field)),
                    ("reason", obj(py, reason)),
                ],
            ),
            CoreError::UndefinedMetric { metric, reason } => (
                "UndefinedMetricError",
                vec![("metric", obj(py, metric)), ("reason", obj(py, reason))],
            ),
            // `CoreError` is non-exhaustive: a variant added later still arrives typed.
            _ => ("MlopsError", vec![]),
        };
        raise(class, message, details)
    })
}

/// A Python object of the wrong type or shape (`InputTypeError`, a `TypeError`).
pub fn input_type_error(message: String, input: Option<&str>) -> PyErr {
    Python::attach(|py| {
        let details = input
            .map(|i| vec![("input", obj(py, i.to_owned()))])
            .unwrap_or_default();
        raise("InputTypeError", message, details)
    })
}

/// A parameter outside its domain, found in the binding layer (`ParameterError`).
pub fn parameter_error(name: &str, reason: String) -> PyErr {
    Python::attach(|py| {
        raise(
            "ParameterError",
            format!("parameter `{name}` is invalid: {reason}"),
            vec![
                ("name", obj(py, name.to_owned())),
                ("reason", obj(py, reason.clone())),
            ],
        )
    })
}

/// Maps a [`DriftError`] to its Python exception.
pub fn drift_err(e: DriftError) -> PyErr {
    let message = e.to_string();
    Python::attach(|py| {
        let (class, details): (&str, Vec<(&str, Py<PyAny>)>) = match e {
            // Empty or non-finite samples, misaligned columns, p-values outside [0, 1] and
            // bad parameters are core errors: one mapping for every crate.
            DriftError::Core(core) => return core_err(core),
            DriftError::InvalidCount {
                sample,
                category,
                value,
            } => (
                "OutOfRangeError",
                vec![
                    ("input", obj(py, sample)),
                    ("category", obj(py, category)),
                    ("value", obj(py, value)),
                    ("low", obj(py, 0.0)),
                ],
            ),
            DriftError::DuplicateCategory { sample, category } => (
                "InputError",
                vec![("input", obj(py, sample)), ("category", obj(py, category))],
            ),
            DriftError::SuccessesExceedTrials {
                sample,
                successes,
                trials,
            } => (
                "OutOfRangeError",
                vec![
                    ("input", obj(py, sample)),
                    ("value", obj(py, successes)),
                    ("low", obj(py, 0)),
                    ("high", obj(py, trials)),
                ],
            ),
            DriftError::DuplicateColumn { column } | DriftError::MissingColumn { column } => {
                ("ColumnError", vec![("column", obj(py, column))])
            }
            DriftError::UnknownColumn { column, available } => (
                "ColumnError",
                vec![
                    ("column", obj(py, column)),
                    ("available", obj(py, available)),
                ],
            ),
            DriftError::ColumnTypeMismatch {
                column,
                expected,
                found,
            } => (
                "ColumnTypeError",
                vec![
                    ("column", obj(py, column)),
                    ("expected", obj(py, expected)),
                    ("found", obj(py, found)),
                ],
            ),
            DriftError::MixedTypes {
                column,
                index,
                expected,
                found,
            } => (
                "ColumnTypeError",
                vec![
                    ("column", obj(py, column)),
                    ("index", obj(py, index)),
                    ("expected", obj(py, expected)),
                    ("found", obj(py, found)),
                ],
            ),
            DriftError::UnsupportedColumnType { column, data_type } => (
                "ColumnTypeError",
                vec![
                    ("column", obj(py, column)),
                    ("data_type", obj(py, data_type)),
                ],
            ),
            DriftError::ProfileMismatch { column, reason } => (
                "ProfileError",
                vec![("column", obj(py, column)), ("reason", obj(py, reason))],
            ),
            DriftError::AmbiguousGroups { group, reason } => (
                "ProfileError",
                vec![("group", obj(py, group)), ("reason", obj(py, reason))],
            ),
            DriftError::UnsupportedFormatVersion { found, supported } => (
                "ProfileError",
                vec![("found", obj(py, found)), ("supported", obj(py, supported))],
            ),
            DriftError::Serialization { message } => {
                ("ProfileError", vec![("reason", obj(py, message))])
            }
            DriftError::InvalidPrediction {
                column,
                index,
                value,
            } => (
                "LabelError",
                vec![
                    ("input", obj(py, column)),
                    ("index", obj(py, index)),
                    ("value", obj(py, value)),
                ],
            ),
            DriftError::NoVariation { value } => {
                ("NoVariationError", vec![("value", obj(py, value))])
            }
            DriftError::EmptyProfile => ("EmptyInputError", vec![("input", obj(py, "profile"))]),
            DriftError::NoReferenceValues { column, missing } => (
                "EmptyInputError",
                vec![
                    ("input", obj(py, "profile")),
                    ("column", obj(py, column)),
                    ("missing", obj(py, missing)),
                ],
            ),
            DriftError::TooFewObservations {
                sample,
                found,
                needed,
            } => (
                "TooFewObservationsError",
                vec![
                    ("input", obj(py, sample)),
                    ("found", obj(py, found)),
                    ("needed", obj(py, needed)),
                ],
            ),
            _ => ("MlopsError", vec![]),
        };
        raise(class, message, details)
    })
}

/// Maps a [`FairnessError`] to its Python exception.
pub fn fairness_err(e: FairnessError) -> PyErr {
    let message = e.to_string();
    Python::attach(|py| {
        let (class, details): (&str, Vec<(&str, Py<PyAny>)>) = match e {
            FairnessError::Core(core) => return core_err(core),
            FairnessError::EmptyGroup { group }
            | FairnessError::GroupHasNoNegatives { group }
            | FairnessError::GroupHasNoPositives { group } => {
                ("GroupError", vec![("group", obj(py, group))])
            }
            FairnessError::TooManyGroups { found, limit } => (
                "GroupError",
                vec![
                    ("found", obj(py, found)),
                    ("limit", obj(py, limit)),
                    ("name", obj(py, "max_groups")),
                ],
            ),
            FairnessError::UnseenGroup { group, index } => (
                "GroupError",
                vec![("group", obj(py, group)), ("index", obj(py, index))],
            ),
            FairnessError::GroupTypeMismatch {
                column,
                index,
                value,
                found,
                expected,
            } => (
                "GroupError",
                vec![
                    ("column", obj(py, column)),
                    ("index", obj(py, index)),
                    ("group", obj(py, value)),
                    ("found", obj(py, found)),
                    ("expected", obj(py, expected)),
                ],
            ),
            FairnessError::Infeasible {
                rate,
                tolerance,
                smallest_gap,
            } => (
                "InfeasibleError",
                vec![
                    ("rate", obj(py, rate)),
                    ("tolerance", obj(py, tolerance)),
                    ("smallest_gap", obj(py, smallest_gap)),
                ],
            ),
            FairnessError::InvalidParameter {
                name,
                value,
                reason,
            } => (
                "ParameterError",
                vec![
                    ("name", obj(py, name)),
                    ("value", obj(py, value)),
                    ("reason", obj(py, reason)),
                ],
            ),
            _ => ("MlopsError", vec![]),
        };
        raise(class, message, details)
    })
}

/// Maps a [`ReportError`] to its Python exception.
pub fn report_err(e: ReportError) -> PyErr {
    let message = e.to_string();
    Python::attach(|py| {
        let (class, details): (&str, Vec<(&str, Py<PyAny>)>) = match e {
            ReportError::NotSvg { chart, reason } => (
                "NotSvgError",
                vec![("chart", obj(py, chart)), ("reason", obj(py, reason))],
            ),
            ReportError::UnsafeSvg { chart, what } => (
                "UnsafeSvgError",
                vec![("chart", obj(py, chart)), ("what", obj(py, what))],
            ),
            _ => ("MlopsError", vec![]),
        };
        raise(class, message, details)
    })
}
