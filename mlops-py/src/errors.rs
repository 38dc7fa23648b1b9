//! Rust errors to Python exceptions, in one place.
//!
//! Every fallible binding returns [`BindResult`]: [`BindError`] has a `From` for each core
//! error enum, so `?` works on core results, and it becomes a Python exception only when it
//! reaches Python (with the GIL held; an error built while the GIL is released stays plain
//! Rust until then).
//!
//! The exception classes live in the pure-Python module `mlops_audit.errors`, not in
//! `create_exception!`: they inherit from both `MlopsError` and `ValueError`/`TypeError`,
//! carry their structured details as attributes (`err.index`, `err.value`, `err.input`,
//! ...), pickle through `__reduce__` and have docstrings, none of which a Rust-created
//! class can have. They are imported once, all together, on the first error, and addressed
//! through the typed [`Class`] enum, never by a string at the raise site.

use mlops_audit::datasets::DatasetError;
use mlops_audit::gate::GateError;
use mlops_audit::report::ReportError;
use mlops_core::CoreError;
use mlops_drift::DriftError;
use mlops_fairness::FairnessError;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};
use pyo3::{CastError, CastIntoError, IntoPyObjectExt};

/// An error on its way from the bindings to Python.
#[derive(Debug)]
pub enum BindError {
    /// From `mlops-core`.
    Core(CoreError),
    /// From `mlops-drift`.
    Drift(DriftError),
    /// From `mlops-fairness`.
    Fairness(FairnessError),
    /// From the report builder.
    Report(ReportError),
    /// From the deployment gate.
    Gate(GateError),
    /// From the built-in datasets.
    Dataset(DatasetError),
    /// A Python object of the wrong type or shape (`InputTypeError`, a `TypeError`).
    InputType {
        /// The whole message.
        message: String,
        /// The argument at fault, when known.
        input: Option<String>,
    },
    /// A parameter outside its domain, found in the binding layer (`ParameterError`).
    Parameter {
        /// The parameter's name.
        name: String,
        /// Why it is invalid.
        reason: String,
    },
    /// An exception Python raised itself, passed on unchanged.
    Python(PyErr),
}

/// The result of every fallible binding.
pub type BindResult<T> = Result<T, BindError>;

impl BindError {
    /// A Python object of the wrong type or shape; `input` names the argument.
    pub fn input_type(message: impl Into<String>, input: Option<&str>) -> Self {
        Self::InputType {
            message: message.into(),
            input: input.map(str::to_owned),
        }
    }

    /// A parameter outside its domain.
    pub fn parameter(name: &str, reason: impl Into<String>) -> Self {
        Self::Parameter {
            name: name.to_owned(),
            reason: reason.into(),
        }
    }

    /// A missing value (None, NaN, NA, an Arrow null) in `input` at row `index`.
    pub fn missing(input: &str, index: usize) -> Self {
        Self::Core(CoreError::MissingValue {
            input: input.to_owned(),
            index,
        })
    }
}

macro_rules! from_errors {
    ($($source:ty => $variant:ident),* $(,)?) => {$(
        impl From<$source> for BindError {
            fn from(e: $source) -> Self {
                Self::$variant(e)
            }
        }
    )*};
}

from_errors!(
    CoreError => Core,
    DriftError => Drift,
    FairnessError => Fairness,
    ReportError => Report,
    GateError => Gate,
    DatasetError => Dataset,
    PyErr => Python,
);

impl From<CastError<'_, '_>> for BindError {
    fn from(e: CastError<'_, '_>) -> Self {
        Self::Python(e.into())
    }
}

impl From<pyo3_arrow::error::PyArrowError> for BindError {
    fn from(e: pyo3_arrow::error::PyArrowError) -> Self {
        Self::Python(e.into())
    }
}

/// An array whose memory cannot be read as a slice (not contiguous): a wrong shape of input.
impl From<numpy::AsSliceError> for BindError {
    fn from(e: numpy::AsSliceError) -> Self {
        Self::input_type(format!("cannot read the array: {e}"), None)
    }
}

/// An array another extension holds mutably borrowed.
impl From<numpy::BorrowError> for BindError {
    fn from(e: numpy::BorrowError) -> Self {
        Self::input_type(format!("cannot borrow the array: {e}"), None)
    }
}

/// A Rust value that does not map to Python objects or back (`pythonize`): the Python
/// error it carries.
impl From<pythonize::PythonizeError> for BindError {
    fn from(e: pythonize::PythonizeError) -> Self {
        Self::Python(e.into())
    }
}

impl From<CastIntoError<'_>> for BindError {
    fn from(e: CastIntoError<'_>) -> Self {
        Self::Python(e.into())
    }
}

impl From<BindError> for PyErr {
    fn from(e: BindError) -> Self {
        Python::attach(|py| e.into_exception(py))
    }
}

/// Declares [`Class`], one variant per class of `mlops_audit.errors` the bindings raise.
macro_rules! classes {
    ($($variant:ident),* $(,)?) => {
        /// A class of `mlops_audit.errors`.
        // The variants spell the Python class names exactly (`stringify!` gives the name).
        #[allow(clippy::enum_variant_names)]
        #[derive(Clone, Copy, Debug)]
        enum Class {
            $($variant),*
        }

        impl Class {
            /// Every class, in declaration order (the order of [`CLASSES`]).
            const ALL: &[Class] = &[$(Class::$variant),*];

            /// The class's name in `mlops_audit.errors`.
            fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => stringify!($variant)),*
                }
            }
        }
    };
}

classes!(
    MlopsError,
    InputError,
    InputTypeError,
    EmptyInputError,
    LengthMismatchError,
    NonFiniteError,
    MissingValueError,
    NotRepresentableError,
    OutOfRangeError,
    LabelError,
    NegativeWeightError,
    ZeroWeightsError,
    WeightOverflowError,
    GroupError,
    ParameterError,
    StateError,
    UndefinedMetricError,
    InfeasibleError,
    NotSvgError,
    UnsafeSvgError,
    ColumnError,
    ColumnTypeError,
    ProfileError,
    NoVariationError,
    TooFewObservationsError,
);

/// The classes of [`Class::ALL`], imported together on first use.
static CLASSES: PyOnceLock<Vec<Py<PyType>>> = PyOnceLock::new();

impl Class {
    fn get(self, py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
        let all = CLASSES.get_or_try_init(py, || {
            let module = py.import("mlops_audit.errors")?;
            Class::ALL
                .iter()
                .map(|c| Ok(module.getattr(c.name())?.cast_into::<PyType>()?.unbind()))
                .collect::<PyResult<Vec<_>>>()
        })?;
        all.get(self as usize)
            .map(|class| class.bind(py))
            .ok_or_else(|| PyRuntimeError::new_err("exception class table is incomplete"))
    }
}

/// One exception to raise: its class, message and attributes.
struct Raise<'py> {
    class: Class,
    details: Vec<(&'static str, Bound<'py, PyAny>)>,
}

/// `raise!(py, Class, "attr" => value, ...)`: a [`Raise`] of class `Class` whose attributes
/// are the given values converted to Python.
macro_rules! raise {
    ($py:expr, $class:ident $(, $key:literal => $value:expr)* $(,)?) => {
        Raise {
            class: Class::$class,
            details: vec![$(($key, to_py($py, $value))),*],
        }
    };
}

/// A detail value as a Python object (`None` in the impossible case it does not convert).
fn to_py<'py, T: IntoPyObject<'py>>(py: Python<'py>, v: T) -> Bound<'py, PyAny> {
    v.into_bound_py_any(py)
        .unwrap_or_else(|_| py.None().into_bound(py))
}

impl BindError {
    fn into_exception(self, py: Python<'_>) -> PyErr {
        let (message, raise) = match self {
            Self::Python(e) => return e,
            Self::Core(e) => (e.to_string(), core(py, e)),
            Self::Drift(DriftError::Core(e)) | Self::Fairness(FairnessError::Core(e)) => {
                (e.to_string(), core(py, e))
            }
            Self::Drift(e) => (e.to_string(), drift(py, e)),
            Self::Fairness(e) => (e.to_string(), fairness(py, e)),
            Self::Report(e) => (e.to_string(), report(py, e)),
            Self::Gate(e) => gate(py, &e),
            // The built-in data fails to parse only if the package is broken.
            Self::Dataset(e @ DatasetError::Parse { .. }) => {
                return PyRuntimeError::new_err(e.to_string());
            }
            Self::Dataset(e) => dataset(py, &e),
            Self::InputType { message, input } => {
                let raise = match input {
                    Some(input) => raise!(py, InputTypeError, "input" => input),
                    None => raise!(py, InputTypeError),
                };
                (message, raise)
            }
            Self::Parameter { name, reason } => parameter(py, &name, reason),
        };
        let class = raise.class;
        let build = || -> PyResult<PyErr> {
            let kwargs = PyDict::new(py);
            for (k, v) in raise.details {
                kwargs.set_item(k, v)?;
            }
            let exc = class.get(py)?.call((message.as_str(),), Some(&kwargs))?;
            Ok(PyErr::from_value(exc))
        };
        build().unwrap_or_else(|e| {
            PyRuntimeError::new_err(format!(
                "{message} (and mlops_audit.errors.{} could not be raised: {e})",
                class.name()
            ))
        })
    }
}

/// A `ParameterError` found in the bindings: its message and attributes.
fn parameter<'py>(py: Python<'py>, name: &str, reason: String) -> (String, Raise<'py>) {
    (
        format!("parameter `{name}` is invalid: {reason}"),
        raise!(py, ParameterError, "name" => name, "reason" => reason),
    )
}

fn core(py: Python<'_>, e: CoreError) -> Raise<'_> {
    match e {
        CoreError::EmptyInput { input } => raise!(py, EmptyInputError, "input" => input),
        CoreError::LengthMismatch {
            input,
            reference,
            expected,
            found,
        } => raise!(py, LengthMismatchError,
            "input" => input, "reference" => reference, "expected" => expected, "found" => found),
        CoreError::NotFinite {
            input,
            index,
            value,
        } => raise!(py, NonFiniteError, "input" => input, "index" => index, "value" => value),
        CoreError::MissingValue { input, index } => {
            raise!(py, MissingValueError, "input" => input, "index" => index)
        }
        CoreError::NotRepresentable {
            input,
            index,
            value,
        } => {
            raise!(py, NotRepresentableError, "input" => input, "index" => index, "value" => value)
        }
        CoreError::LabelNotBinary {
            input,
            index,
            value,
        } => raise!(py, LabelError, "input" => input, "index" => index, "value" => value),
        CoreError::NegativeWeight {
            input,
            index,
            value,
        } => raise!(py, NegativeWeightError, "input" => input, "index" => index, "value" => value),
        CoreError::OutOfRange {
            input,
            index,
            value,
            low,
            high,
        } => raise!(py, OutOfRangeError,
            "input" => input, "index" => index, "value" => value, "low" => low, "high" => high),
        CoreError::AllWeightsZero { input } => raise!(py, ZeroWeightsError, "input" => input),
        CoreError::WeightsOverflow { input, reason } => {
            raise!(py, WeightOverflowError, "input" => input, "reason" => reason)
        }
        CoreError::GroupCodeOutOfRange {
            column,
            index,
            code,
            levels,
        } => raise!(py, GroupError,
            "column" => column, "index" => index, "value" => code, "levels" => levels),
        CoreError::DuplicateGroupLevel { column, level } => {
            raise!(py, GroupError, "column" => column, "group" => level)
        }
        CoreError::NoGroupColumns => raise!(py, GroupError),
        CoreError::MixedGroupTypes {
            column,
            int_value,
            str_value,
        } => raise!(py, GroupError,
            "column" => column, "int_value" => int_value, "str_value" => str_value),
        CoreError::InvalidParameter {
            name,
            value,
            reason,
        } => raise!(py, ParameterError, "name" => name, "value" => value, "reason" => reason),
        CoreError::InvalidState {
            object,
            field,
            reason,
        } => raise!(py, StateError,
            "object" => object, "name" => field.clone(), "field" => field, "reason" => reason),
        CoreError::UndefinedMetric { metric, reason } => {
            raise!(py, UndefinedMetricError, "metric" => metric, "reason" => reason)
        }
        // `CoreError` is non-exhaustive: a variant added later still arrives typed.
        _ => raise!(py, MlopsError),
    }
}

fn drift(py: Python<'_>, e: DriftError) -> Raise<'_> {
    match e {
        DriftError::Core(core_error) => core(py, core_error),
        DriftError::InvalidCount {
            sample,
            category,
            value,
        } => raise!(py, OutOfRangeError,
            "input" => sample, "category" => category, "value" => value, "low" => 0.0),
        DriftError::DuplicateCategory { sample, category } => {
            raise!(py, InputError, "input" => sample, "category" => category)
        }
        DriftError::SuccessesExceedTrials {
            sample,
            successes,
            trials,
        } => raise!(py, OutOfRangeError,
            "input" => sample, "value" => successes, "low" => 0, "high" => trials),
        DriftError::DuplicateColumn { column } | DriftError::MissingColumn { column } => {
            raise!(py, ColumnError, "column" => column)
        }
        DriftError::UnknownColumn { column, available } => {
            raise!(py, ColumnError, "column" => column, "available" => available)
        }
        DriftError::ColumnTypeMismatch {
            column,
            expected,
            found,
        } => raise!(py, ColumnTypeError,
            "column" => column, "expected" => expected, "found" => found),
        DriftError::MixedTypes {
            column,
            index,
            expected,
            found,
        } => raise!(py, ColumnTypeError,
            "column" => column, "index" => index, "expected" => expected, "found" => found),
        DriftError::UnsupportedColumnType { column, data_type } => {
            raise!(py, ColumnTypeError, "column" => column, "data_type" => data_type)
        }
        DriftError::ProfileMismatch { column, reason } => {
            raise!(py, ProfileError, "column" => column, "reason" => reason)
        }
        DriftError::AmbiguousGroups { group, reason } => {
            raise!(py, ProfileError, "group" => group, "reason" => reason)
        }
        DriftError::UnsupportedFormatVersion { found, supported } => {
            raise!(py, ProfileError, "found" => found, "supported" => supported)
        }
        DriftError::Serialization { message } => raise!(py, ProfileError, "reason" => message),
        DriftError::InvalidPrediction {
            column,
            index,
            value,
        } => raise!(py, LabelError, "input" => column, "index" => index, "value" => value),
        DriftError::NoVariation { value } => raise!(py, NoVariationError, "value" => value),
        DriftError::EmptyProfile => raise!(py, EmptyInputError, "input" => "profile"),
        DriftError::NoReferenceValues { column, missing } => raise!(py, EmptyInputError,
            "input" => "profile", "column" => column, "missing" => missing),
        DriftError::TooFewObservations {
            sample,
            found,
            needed,
        } => raise!(py, TooFewObservationsError,
            "input" => sample, "found" => found, "needed" => needed),
        _ => raise!(py, MlopsError),
    }
}

fn fairness(py: Python<'_>, e: FairnessError) -> Raise<'_> {
    match e {
        FairnessError::Core(core_error) => core(py, core_error),
        FairnessError::EmptyGroup { group }
        | FairnessError::GroupHasNoNegatives { group }
        | FairnessError::GroupHasNoPositives { group } => raise!(py, GroupError, "group" => group),
        FairnessError::TooManyGroups { found, limit } => raise!(py, GroupError,
            "found" => found, "limit" => limit, "name" => "max_groups"),
        FairnessError::UnseenGroup { group, index } => {
            raise!(py, GroupError, "group" => group, "index" => index)
        }
        FairnessError::GroupTypeMismatch {
            column,
            index,
            value,
            found,
            expected,
        } => raise!(py, GroupError, "column" => column, "index" => index, "group" => value,
            "found" => found, "expected" => expected),
        FairnessError::Infeasible {
            rate,
            tolerance,
            smallest_gap,
        } => raise!(py, InfeasibleError,
            "rate" => rate, "tolerance" => tolerance, "smallest_gap" => smallest_gap),
        _ => raise!(py, MlopsError),
    }
}

fn report(py: Python<'_>, e: ReportError) -> Raise<'_> {
    match e {
        ReportError::NotSvg { chart, reason } => {
            raise!(py, NotSvgError, "chart" => chart, "reason" => reason)
        }
        ReportError::UnsafeSvg { chart, what } => {
            raise!(py, UnsafeSvgError, "chart" => chart, "what" => what)
        }
        _ => raise!(py, MlopsError),
    }
}

/// A gate error names the requirement at fault: a value of the wrong type is an
/// `InputTypeError`, anything else a `ParameterError`.
fn gate<'py>(py: Python<'py>, e: &GateError) -> (String, Raise<'py>) {
    let name = match e {
        GateError::RequirementType { name, .. } => {
            return (e.to_string(), raise!(py, InputTypeError, "input" => *name));
        }
        GateError::InvalidRequirement { name, .. } | GateError::InvalidEvidence { name, .. } => {
            *name
        }
        GateError::UnknownRequirement { name } | GateError::DuplicateRequirement { name } => {
            name.as_str()
        }
        _ => "requirements",
    };
    parameter(py, name, e.to_string())
}

fn dataset<'py>(py: Python<'py>, e: &DatasetError) -> (String, Raise<'py>) {
    match e {
        DatasetError::UnknownScenario { .. } => parameter(py, "drift", e.to_string()),
        _ => (e.to_string(), raise!(py, MlopsError)),
    }
}
