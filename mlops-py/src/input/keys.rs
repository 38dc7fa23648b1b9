//! Row keys (`ThresholdPolicy.predict(row_key=...)`): integers, or the stable hash of
//! strings or bytes, one kind per column; floats refused (they would be truncated).

use mlops_fairness::key_from_bytes;
use numpy::{PyArray1, PyArrayMethods};
use pyo3::prelude::*;

use crate::errors::{BindError, BindResult};

/// What one `row_key` holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Integer,
    Text,
    Bytes,
}

impl KeyKind {
    fn name(self) -> &'static str {
        match self {
            Self::Integer => "integers",
            Self::Text => "strings",
            Self::Bytes => "bytes",
        }
    }
}

fn row_key_type_error(message: String) -> BindError {
    BindError::input_type(format!("row_key: {message}"), Some("row_key"))
}

/// One key of `row_key` (see `ThresholdPolicy.predict`): an integer modulo 2^64, or the
/// stable hash of a string's UTF-8 bytes or of bytes.
fn row_key_of(item: &Bound<'_, PyAny>, index: usize) -> BindResult<(KeyKind, u64)> {
    use pyo3::types::{PyBool, PyBytes, PyFloat, PyString};
    if item.is_none() {
        return Err(BindError::from(mlops_core::CoreError::MissingValue {
            input: "row_key".to_owned(),
            index,
        }));
    }
    if let Ok(s) = item.cast::<PyString>() {
        let text = s.to_str().map_err(|_| {
            row_key_type_error(format!(
                "the string at index {index} is not valid Unicode (a lone surrogate) and has \
                 no UTF-8 bytes to hash"
            ))
        })?;
        return Ok((KeyKind::Text, key_from_bytes(text.as_bytes())));
    }
    if let Ok(b) = item.cast::<PyBytes>() {
        return Ok((KeyKind::Bytes, key_from_bytes(b.as_bytes())));
    }
    let kind_of = |what: &str| {
        row_key_type_error(format!(
            "index {index} holds {what} ({}); keys are integers, strings or bytes: a float key \
             would be truncated, so that distinct ids could share one draw",
            item.get_type()
                .name()
                .map_or_else(|_| "?".to_owned(), |n| n.to_string())
        ))
    };
    let numpy_bool = item
        .py()
        .import("numpy")
        .and_then(|np| np.getattr("bool_"))
        .is_ok_and(|t| item.is_instance(&t).unwrap_or(false));
    if item.is_instance_of::<PyBool>() || numpy_bool {
        return Err(kind_of("a boolean"));
    }
    if item.is_instance_of::<PyFloat>() {
        return Err(kind_of("a float"));
    }
    // Python and numpy integers (anything with `__index__`).
    let Ok(int) = item.call_method0("__index__") else {
        return Err(kind_of("an object of another type"));
    };
    if let Ok(v) = int.extract::<i64>() {
        // Two's complement: int64 and uint64 agree on every value both hold.
        return Ok((KeyKind::Integer, v as u64));
    }
    if let Ok(v) = int.extract::<u64>() {
        return Ok((KeyKind::Integer, v));
    }
    #[allow(clippy::cast_precision_loss)]
    Err(BindError::from(mlops_core::CoreError::OutOfRange {
        input: "row_key".to_owned(),
        index,
        value: int.extract::<f64>().unwrap_or(f64::NAN),
        low: i64::MIN as f64,
        high: u64::MAX as f64,
    }))
}

/// The keys of `row_key`: a numpy array of any integer dtype, or of strings or bytes, a
/// pandas, polars or pyarrow column, or a sequence. Sequences are read element by element
/// (numpy would turn `[1, "a"]` into strings); columns through `numpy.asarray`.
pub fn row_keys(py: Python<'_>, obj: &Bound<'_, PyAny>) -> BindResult<Vec<u64>> {
    use pyo3::types::{PyList, PyTuple};
    let items = if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        obj.clone()
    } else {
        let arr = py.import("numpy")?.call_method1("asarray", (obj,))?;
        let ndim: usize = arr.getattr("ndim")?.extract()?;
        if ndim != 1 {
            return Err(row_key_type_error(format!(
                "expected one key per row (1-D), got {ndim} dimensions"
            )));
        }
        let dtype = arr.getattr("dtype")?;
        let kind: String = dtype.getattr("kind")?.extract()?;
        match kind.as_str() {
            "i" => {
                let a = arr.call_method1("astype", ("int64",))?;
                let a = a.cast_into::<PyArray1<i64>>()?;
                // Two's complement, as for single integers.
                return Ok(a.to_vec()?.into_iter().map(|v| v as u64).collect());
            }
            "u" => {
                let a = arr.call_method1("astype", ("uint64",))?;
                return Ok(a.cast_into::<PyArray1<u64>>()?.to_vec()?);
            }
            "U" | "S" | "T" | "O" => arr.call_method0("tolist")?,
            _ => {
                let hint = if kind == "f" {
                    " (a pandas integer column with missing values converts to float: fill or \
                     drop them)"
                } else {
                    ""
                };
                return Err(row_key_type_error(format!(
                    "expected integers, strings or bytes, got dtype {}{hint}; float keys would \
                     be truncated, so that distinct ids could share one draw",
                    dtype.str()?
                )));
            }
        }
    };
    let mut keys = Vec::new();
    let mut first: Option<KeyKind> = None;
    for (index, item) in items.try_iter()?.enumerate() {
        let (kind, key) = row_key_of(&item?, index)?;
        match first {
            None => first = Some(kind),
            Some(k) if k != kind => {
                return Err(row_key_type_error(format!(
                    "index {index} holds {} after {}: one kind of key per column",
                    kind.name(),
                    k.name()
                )));
            }
            Some(_) => {}
        }
        keys.push(key);
    }
    Ok(keys)
}
