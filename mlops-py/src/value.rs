//! A value tree between Python or JSON and the core's serde types.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::de::value::{MapAccessDeserializer, MapDeserializer, SeqDeserializer};
use serde::de::{self, IntoDeserializer, Visitor};

use crate::errors::{BindError, BindResult};

/// A value tree that deserialises into any serde type.
///
/// From JSON text (see [`crate::results`]) it is read leniently: the strings `"inf"`,
/// `"-inf"` and `"nan"` are read as those floats, except where the type asks for text.
/// From Python ([`Value::from_py`]) it is strict: text is only text, a boolean only a
/// boolean, and a number never a boolean.
#[derive(Clone)]
pub enum Value {
    /// `null` / `None`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A non-negative integer.
    Unsigned(u64),
    /// A negative integer.
    Signed(i64),
    /// A float.
    Float(f64),
    /// Text (JSON text: `"inf"` may be read as a float).
    Text(String),
    /// Text that is never read as a float.
    StrictText(String),
    /// A sequence.
    List(Vec<Value>),
    /// A record of named entries.
    Record(Vec<(String, Value)>),
}

impl From<serde_json::Value> for Value {
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

/// The error of reading a [`Value`].
pub type ValueError = de::value::Error;

impl<'de> IntoDeserializer<'de, ValueError> for Value {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> de::Deserializer<'de> for Value {
    type Error = ValueError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
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
            Self::StrictText(s) => visitor.visit_string(s),
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

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            // Text where the type asks for text, even "inf".
            Self::Text(s) | Self::StrictText(s) => visitor.visit_string(s),
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Self::Null => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        match self {
            Self::Text(s) | Self::StrictText(s) => visitor.visit_enum(s.into_deserializer()),
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

impl Value {
    /// `obj` as a value, strictly: `None`, booleans (Python's and numpy's), integers
    /// (anything with `__index__`), floats (Python's and numpy's), text, lists and tuples,
    /// and dicts with text keys. Anything else is an `InputTypeError` naming `path` (the
    /// option's name, with the position inside it).
    pub fn from_py(obj: &Bound<'_, PyAny>, path: &str) -> BindResult<Self> {
        let unsupported = || {
            let type_name = obj
                .get_type()
                .name()
                .map_or_else(|_| "?".to_owned(), |n| n.to_string());
            BindError::input_type(
                format!("{path}: values of type {type_name} are not accepted here"),
                Some(path),
            )
        };
        if obj.is_none() {
            return Ok(Self::Null);
        }
        if obj.is_instance_of::<PyBool>() || is_numpy_bool(obj) {
            return Ok(Self::Bool(obj.is_truthy()?));
        }
        if obj.is_instance_of::<PyString>() {
            return Ok(Self::StrictText(obj.extract()?));
        }
        if obj.is_instance_of::<PyFloat>() {
            return Ok(Self::Float(obj.extract()?));
        }
        if obj.is_instance_of::<PyInt>() || obj.hasattr("__index__")? {
            let i: i128 = obj
                .call_method0("__index__")?
                .extract()
                .map_err(|_| unsupported())?;
            return u64::try_from(i)
                .map(Self::Unsigned)
                .or_else(|_| i64::try_from(i).map(Self::Signed))
                .map_err(|_| {
                    BindError::parameter(path, format!("{i} is out of the range of integers"))
                });
        }
        if obj.hasattr("dtype")? {
            // A numpy floating scalar other than float64 (which is a Python float).
            return obj
                .extract::<f64>()
                .map(Self::Float)
                .map_err(|_| unsupported());
        }
        if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
            return obj
                .try_iter()?
                .enumerate()
                .map(|(i, item)| Self::from_py(&item?, &format!("{path}[{i}]")))
                .collect::<BindResult<_>>()
                .map(Self::List);
        }
        if let Ok(dict) = obj.cast::<PyDict>() {
            return dict
                .iter()
                .map(|(k, v)| {
                    let key: String = k.extract().map_err(|_| {
                        BindError::input_type(
                            format!("{path}: keys must be text, not {k}"),
                            Some(path),
                        )
                    })?;
                    let value = Self::from_py(&v, &format!("{path}.{key}"))?;
                    Ok((key, value))
                })
                .collect::<BindResult<_>>()
                .map(Self::Record);
        }
        Err(unsupported())
    }
}

/// A numpy boolean scalar (`numpy.bool_`), which is not a Python `bool`.
fn is_numpy_bool(obj: &Bound<'_, PyAny>) -> bool {
    obj.get_type().fully_qualified_name().is_ok_and(|n| {
        n.to_cow()
            .is_ok_and(|n| n == "numpy.bool" || n == "numpy.bool_")
    })
}
