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
use serde::de::value::{MapAccessDeserializer, MapDeserializer, SeqDeserializer};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};

use crate::errors::{BindError, BindResult};

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

/// A JSON value, read leniently: the strings `"inf"`, `"-inf"` and `"nan"` are read as
/// those floats, except where the type asks for text.
enum Json {
    Null,
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    Text(String),
    List(Vec<Json>),
    Record(Vec<(String, Json)>),
}

impl From<serde_json::Value> for Json {
    fn from(v: serde_json::Value) -> Self {
        use serde_json::Value as V;
        match v {
            V::Null => Self::Null,
            V::Bool(b) => Self::Bool(b),
            V::Number(n) => n
                .as_u64()
                .map(Self::Unsigned)
                .or_else(|| n.as_i64().map(Self::Signed))
                .unwrap_or_else(|| Self::Float(n.as_f64().unwrap_or(f64::NAN))),
            V::String(s) => Self::Text(s),
            V::Array(items) => Self::List(items.into_iter().map(Self::from).collect()),
            V::Object(entries) => {
                Self::Record(entries.into_iter().map(|(k, v)| (k, v.into())).collect())
            }
        }
    }
}

/// The float a non-finite float's text stands for.
fn non_finite(text: &str) -> Option<f64> {
    match text {
        "inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        "nan" => Some(f64::NAN),
        _ => None,
    }
}

type JsonError = de::value::Error;

impl<'de> IntoDeserializer<'de, JsonError> for Json {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> de::Deserializer<'de> for Json {
    type Error = JsonError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        match self {
            Self::Null => visitor.visit_unit(),
            Self::Bool(b) => visitor.visit_bool(b),
            Self::Unsigned(u) => visitor.visit_u64(u),
            Self::Signed(i) => visitor.visit_i64(i),
            Self::Float(x) => visitor.visit_f64(x),
            // Read as a float where the type does not say (a flattened or untagged
            // field): the text a non-finite float is written as.
            Self::Text(s) => match non_finite(&s) {
                Some(x) => visitor.visit_f64(x),
                None => visitor.visit_string(s),
            },
            Self::List(items) => {
                let mut seq = SeqDeserializer::new(items.into_iter());
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            Self::Record(entries) => {
                let mut map = MapDeserializer::new(entries.into_iter());
                let value = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(value)
            }
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        match self {
            // Text where the type asks for text, even "inf".
            Self::Text(s) => visitor.visit_string(s),
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        match self {
            Self::Null => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, JsonError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, JsonError> {
        match self {
            Self::Text(s) => visitor.visit_enum(s.into_deserializer()),
            Self::Record(entries) if entries.len() == 1 => visitor.visit_enum(
                MapAccessDeserializer::new(MapDeserializer::new(entries.into_iter())),
            ),
            _ => Err(de::Error::custom(
                "expected an enum: a variant's name or a record of one entry",
            )),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf unit
        unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// `T` read from JSON text, non-finite floats written as text read back.
fn from_json<T: DeserializeOwned>(name: &str, value: serde_json::Value) -> BindResult<T> {
    T::deserialize(Json::from(value))
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
    LabelFreeAudit => mlops_fairness::LabelFreeAudit,
}
