//! Results cross into Python as typed objects built from the core's serde structs.
//!
//! A result is converted field by field with `pythonize` (floats stay floats, infinities
//! included; `Option::None` is `None`; enums are their names) and wrapped in the class of
//! `mlops_audit.results` named after its Rust type. Nothing here names a field: a field
//! added to a core result reaches Python with no edit in this crate.
//!
//! Each result type is listed once, in [`result_types!`], which gives it its Python name
//! and its way back from JSON: `to_json()` (on the Python side) writes non-finite floats as
//! the strings `"inf"`, `"-inf"` and `"nan"` (the convention of
//! [`mlops_core::serde_float`]), and [`_result_from_json`] reads them back where the type
//! has a float, through the type's own `Deserialize` (so a JSON text is checked like any
//! input). Pickling goes through the same JSON.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::errors::{BindError, BindResult};
use crate::value::Value;

/// A core result type with its Python class name.
pub trait ResultType: Serialize + DeserializeOwned {
    /// The class name in `mlops_audit.results`.
    const NAME: &'static str;
}

/// `mlops_audit.results._make`, imported once.
fn make_fn(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static MAKE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    MAKE.get_or_try_init(py, || {
        py.import("mlops_audit.results")?
            .getattr("_make")
            .map(Bound::unbind)
    })
    .map(|f| f.bind(py))
}

/// `value` as its `mlops_audit.results` class.
pub fn to_py<T: ResultType>(py: Python<'_>, value: &T) -> BindResult<Py<PyAny>> {
    let fields = pythonize::pythonize(py, value)?;
    if !fields.is_instance_of::<PyDict>() {
        return Err(BindError::parameter(
            "result",
            format!("{} is not a record of fields", T::NAME),
        ));
    }
    Ok(make_fn(py)?.call1((T::NAME, fields)).map(Bound::unbind)?)
}

/// `value` as plain Python data with the shape of its JSON: records as dicts, sequences
/// (tuples included) as lists, non-finite floats as floats. The `to_dict()` of the stateful
/// objects (audits, profiles), which are not result objects.
pub fn plain<'py, T: Serialize>(py: Python<'py>, value: &T) -> BindResult<Bound<'py, PyAny>> {
    fn lists<'py>(obj: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        use pyo3::types::{PyList, PyTuple};
        if let Ok(d) = obj.cast::<PyDict>() {
            for (k, v) in d.iter() {
                if v.is_instance_of::<PyDict>()
                    || v.is_instance_of::<PyList>()
                    || v.is_instance_of::<PyTuple>()
                {
                    d.set_item(k, lists(v)?)?;
                }
            }
            return Ok(obj);
        }
        if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
            let items = obj
                .try_iter()?
                .map(|item| lists(item?))
                .collect::<PyResult<Vec<_>>>()?;
            return Ok(PyList::new(obj.py(), items)?.into_any());
        }
        Ok(obj)
    }
    Ok(lists(pythonize::pythonize(py, value)?)?)
}

/// The core value of a result object made by [`to_py`] (any other object: an
/// `InputTypeError` naming `input`).
pub fn from_py<T: ResultType>(obj: &Bound<'_, PyAny>, input: &str) -> BindResult<T> {
    let wrong = || {
        BindError::input_type(
            format!("{input} must be a {} of this library", T::NAME),
            Some(input),
        )
    };
    let is_type = obj
        .getattr("test")
        .and_then(|t| t.extract::<String>())
        .is_ok_and(|t| t == T::NAME);
    let fields = obj
        .getattr("_fields")
        .ok()
        .filter(|_| is_type)
        .ok_or_else(wrong)?;
    Ok(pythonize::depythonize(&fields)?)
}

/// `T` read from JSON text, non-finite floats written as text read back.
fn from_json<T: DeserializeOwned>(name: &str, value: serde_json::Value) -> BindResult<T> {
    T::deserialize(Value::from(value))
        .map_err(|e| BindError::parameter("json", format!("not a valid {name}: {e}")))
}

/// Declares the result types: each Python class name with its Rust type.
macro_rules! result_types {
    ($($name:ident => $ty:ty,)*) => {
        $(impl ResultType for $ty {
            const NAME: &'static str = stringify!($name);
        })*

        /// The class names of every result type, for `mlops_audit.results`.
        #[pyfunction]
        pub fn _result_types() -> Vec<&'static str> {
            vec![$(stringify!($name)),*]
        }

        /// A result from its JSON text (``to_json()``): ``{"test": <class name>, fields...}``.
        #[pyfunction]
        pub fn _result_from_json(py: Python<'_>, text: &str) -> BindResult<Py<PyAny>> {
            let mut value: serde_json::Value = serde_json::from_str(text)
                .map_err(|e| BindError::parameter("json", format!("not valid JSON: {e}")))?;
            let name = value
                .as_object_mut()
                .and_then(|o| o.remove("test"))
                .and_then(|t| t.as_str().map(str::to_owned))
                .ok_or_else(|| BindError::parameter(
                    "json",
                    "expected a JSON object with a \"test\" entry naming the result type",
                ))?;
            match name.as_str() {
                $(stringify!($name) => to_py(py, &from_json::<$ty>(&name, value)?),)*
                other => Err(BindError::parameter(
                    "json",
                    format!("unknown result type {other:?}"),
                )),
            }
        }
    };
}

result_types! {
    DelongResult => mlops_core::compare::DelongResult,
    McNemarResult => mlops_core::compare::McNemarResult,
    TTestResult => mlops_core::compare::TTestResult,
    WilcoxonResult => mlops_core::compare::WilcoxonResult,
    MannWhitneyResult => mlops_core::compare::MannWhitneyResult,
    ProportionsZTestResult => mlops_core::compare::ProportionsZTestResult,
    FisherExactResult => mlops_core::compare::FisherExactResult,
    PowerResult => mlops_core::compare::PowerResult,
    PairedBootstrapResult => mlops_core::compare::PairedBootstrapResult,
    ShadowSummary => mlops_core::compare::ShadowSummary,
    SequentialResult => mlops_core::compare::SequentialResult,
    HosmerLemeshowResult => mlops_core::calibration::HosmerLemeshowResult,
    SpiegelhalterResult => mlops_core::calibration::SpiegelhalterResult,
    ReliabilityCurve => mlops_core::calibration::ReliabilityCurve,
    CalibrationByGroup => mlops_core::calibration::CalibrationByGroup,
    KsResult => mlops_drift::KsResult,
    WassersteinResult => mlops_drift::WassersteinResult,
    PsiResult => mlops_drift::PsiResult,
    CategoricalResult => mlops_drift::CategoricalResult,
    ProportionResult => mlops_drift::ProportionResult,
    CorrectionResult => mlops_drift::CorrectionResult,
    AndersonResult => mlops_drift::AndersonResult,
    CvmResult => mlops_drift::CvmResult,
    RateDriftResult => mlops_drift::RateDriftResult,
    MissingDriftResult => mlops_drift::MissingDriftResult,
    UnseenCategoryResult => mlops_drift::UnseenCategoryResult,
    DriftReport => mlops_drift::DriftReport,
    GateReport => mlops_audit::gate::GateReport,
    LabelFreeAudit => mlops_fairness::LabelFreeAudit,
}
