//! Python objects to [`Groups`]: one sensitive column or several (intersectional).
//!
//! A column is whatever [`source`] finds: a numpy array (integers, booleans, strings or
//! objects holding str/int), a pandas Series (categoricals keep their codes), a polars
//! Series or pyarrow array (strings, dictionaries, integers), or a list of str/int. Several
//! columns arrive as a list/tuple of columns, a dict `{name: column}`, or a pandas/polars
//! DataFrame. A missing key (see [`is_missing`]) is an error naming the column and row:
//! silently dropping rows from a fairness audit would hide exactly the people it is about.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use mlops_core::{GroupColumn, GroupKey, GroupValue, Groups};
use numpy::{PyArray1, PyArrayDescrMethods, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyInt, PyList, PyString, PyTuple};

use super::{Categories, Numpy, Source, is_missing, source, type_name};
use crate::errors::{BindError, BindResult};

/// One Python scalar as a group level.
fn scalar(obj: &Bound<'_, PyAny>, column: &str, index: usize) -> BindResult<GroupValue> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(GroupValue::Str(s.to_str()?.to_owned()));
    }
    if obj.cast::<PyBool>().is_ok() {
        return Ok(GroupValue::Int(i64::from(obj.extract::<bool>()?)));
    }
    if (obj.cast::<PyInt>().is_ok() || obj.hasattr("__index__").unwrap_or(false))
        && let Ok(v) = obj.extract::<i64>()
    {
        return Ok(GroupValue::Int(v));
    }
    if is_missing(obj) {
        return Err(BindError::missing(column, index));
    }
    Err(BindError::input_type(
        format!(
            "group column `{column}` holds a {} at index {index}; group keys must be strings \
             or integers",
            type_name(obj)
        ),
        Some(column),
    ))
}

fn from_values(column: &str, values: Vec<GroupValue>) -> BindResult<GroupColumn> {
    // Factorise by value; levels keep their type (an int 1 and a str "1" are different).
    let mut index = std::collections::HashMap::new();
    let mut levels = Vec::new();
    let mut codes = Vec::with_capacity(values.len());
    for v in values {
        let next = levels.len() as u32;
        let code = *index.entry(v.clone()).or_insert_with(|| {
            levels.push(v);
            next
        });
        codes.push(code);
    }
    Ok(GroupColumn::from_codes(column, codes, levels)?)
}

fn from_objects(obj: &Bound<'_, PyAny>, column: &str) -> BindResult<GroupColumn> {
    let mut values = Vec::new();
    for (i, item) in obj.try_iter()?.enumerate() {
        values.push(scalar(&item?, column, i)?);
    }
    from_values(column, values)
}

macro_rules! numpy_ints {
    ($obj:expr, $column:expr, $($t:ty),*) => {$(
        if let Ok(a) = $obj.cast::<PyArray1<$t>>() {
            let ro = a.try_readonly()?;
            let mut out = Vec::with_capacity(ro.len());
            for (i, &v) in ro.as_array().iter().enumerate() {
                out.push(i64::try_from(v).map_err(|_| BindError::input_type(
                    format!("group column `{}` has {v} at index {i}, beyond the int64 range", $column),
                    Some($column),
                ))?);
            }
            return Ok(GroupColumn::from_ints($column, &out)?);
        }
    )*};
}

fn from_numpy(numpy: Numpy<'_>, column: &str) -> BindResult<GroupColumn> {
    if let Some(index) = numpy.first_missing() {
        return Err(BindError::missing(column, index));
    }
    let obj = numpy.array.as_any();
    let untyped = &numpy.array;
    numpy_ints!(obj, column, i64, i32, i16, i8, u64, u32, u16, u8);
    if let Ok(a) = obj.cast::<PyArray1<bool>>() {
        let ro = a.try_readonly()?;
        let out: Vec<i64> = ro.as_array().iter().map(|&b| i64::from(b)).collect();
        return Ok(GroupColumn::from_ints(column, &out)?);
    }
    match untyped.dtype().kind() {
        // Fixed-width strings: their UTF-32 memory, factorised in one pass in the core (no
        // Python str per row, no sort).
        b'U' => {
            let (flat, width) = super::utf32(untyped)?;
            let data = flat.as_slice()?;
            Ok(GroupColumn::from_utf32(column, data, width)?)
        }
        // Objects (str, int, None, NaN mixed): read element by element.
        b'O' => from_objects(obj, column),
        _ => Err(BindError::input_type(
            format!(
                "group column `{column}` has dtype {}; group keys must be strings or integers \
                 (bin a numeric column first)",
                untyped.dtype().str()?
            ),
            Some(column),
        )),
    }
}

fn arrow_ints<T: arrow_array::ArrowPrimitiveType>(
    chunks: &[ArrayRef],
    column: &str,
) -> BindResult<GroupColumn>
where
    T::Native: TryInto<i64> + Copy + std::fmt::Display,
{
    let mut out = Vec::new();
    for c in chunks {
        let a = c.as_primitive::<T>();
        for i in 0..a.len() {
            if a.is_null(i) {
                return Err(BindError::missing(column, out.len()));
            }
            let v = a.value(i);
            out.push(v.try_into().map_err(|_| {
                BindError::input_type(
                    format!("group column `{column}` has {v}, beyond the int64 range"),
                    Some(column),
                )
            })?);
        }
    }
    Ok(GroupColumn::from_ints(column, &out)?)
}

fn arrow_strings(chunks: &[ArrayRef], column: &str) -> BindResult<GroupColumn> {
    let mut index: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    let mut levels = Vec::new();
    let mut codes = Vec::new();
    let mut push = |v: Option<&str>, row: usize| -> BindResult<()> {
        let v = v.ok_or_else(|| BindError::missing(column, row))?;
        let next = levels.len() as u32;
        let code = match index.get(v) {
            Some(&c) => c,
            None => {
                index.insert(v.to_owned(), next);
                levels.push(GroupValue::Str(v.to_owned()));
                next
            }
        };
        codes.push(code);
        Ok(())
    };
    let mut row = 0;
    for c in chunks {
        match c.data_type() {
            DataType::Utf8 => {
                for v in c.as_string::<i32>() {
                    push(v, row)?;
                    row += 1;
                }
            }
            DataType::LargeUtf8 => {
                for v in c.as_string::<i64>() {
                    push(v, row)?;
                    row += 1;
                }
            }
            DataType::Utf8View => {
                for v in c.as_string_view() {
                    push(v, row)?;
                    row += 1;
                }
            }
            other => {
                return Err(BindError::input_type(
                    format!("group column `{column}` has Arrow type {other}"),
                    Some(column),
                ));
            }
        }
    }
    Ok(GroupColumn::from_codes(column, codes, levels)?)
}

fn from_arrow(
    chunks: Vec<ArrayRef>,
    field: &arrow_schema::Field,
    column: &str,
) -> BindResult<GroupColumn> {
    // Dictionaries (categoricals) are decoded to their values first.
    let chunks: Vec<ArrayRef> = chunks
        .into_iter()
        .map(|c| match c.data_type() {
            DataType::Dictionary(_, _) => {
                decode_dictionary(&c).map_err(|e| BindError::input_type(e, Some(column)))
            }
            _ => Ok(c),
        })
        .collect::<BindResult<_>>()?;
    let dt = chunks
        .first()
        .map_or_else(|| field.data_type().clone(), |c| c.data_type().clone());
    match dt {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => arrow_strings(&chunks, column),
        DataType::Int64 => arrow_ints::<Int64Type>(&chunks, column),
        DataType::Int32 => arrow_ints::<Int32Type>(&chunks, column),
        DataType::Int16 => arrow_ints::<Int16Type>(&chunks, column),
        DataType::Int8 => arrow_ints::<Int8Type>(&chunks, column),
        DataType::UInt64 => arrow_ints::<UInt64Type>(&chunks, column),
        DataType::UInt32 => arrow_ints::<UInt32Type>(&chunks, column),
        DataType::UInt16 => arrow_ints::<UInt16Type>(&chunks, column),
        DataType::UInt8 => arrow_ints::<UInt8Type>(&chunks, column),
        DataType::Boolean => {
            let mut out = Vec::new();
            for c in &chunks {
                for v in c.as_boolean() {
                    out.push(i64::from(
                        v.ok_or_else(|| BindError::missing(column, out.len()))?,
                    ));
                }
            }
            Ok(GroupColumn::from_ints(column, &out)?)
        }
        other => Err(BindError::input_type(
            format!(
                "group column `{column}` has Arrow type {other}; group keys must be strings or \
                 integers"
            ),
            Some(column),
        )),
    }
}

/// Decodes a dictionary array through its keys (nulls stay null).
fn decode_dictionary(c: &ArrayRef) -> Result<ArrayRef, String> {
    let dict = c
        .as_any_dictionary_opt()
        .ok_or_else(|| "not a dictionary array".to_owned())?;
    let keys = dict.normalized_keys();
    let values = dict.values();
    let indices = arrow_array::UInt32Array::from(
        (0..c.len())
            .map(|i| (!c.is_null(i)).then(|| keys[i] as u32))
            .collect::<Vec<_>>(),
    );
    arrow_select::take::take(values.as_ref(), &indices, None).map_err(|e| e.to_string())
}

/// One sensitive column.
pub fn extract_group_column(obj: &Bound<'_, PyAny>, column: &str) -> BindResult<GroupColumn> {
    match source(obj, column, Categories::AsCodes)? {
        Source::Numpy(numpy) => from_numpy(numpy, column),
        Source::Arrow { chunks, field } => from_arrow(chunks, &field, column),
        Source::Categorical { codes, categories } => from_categorical(&codes, &categories, column),
        Source::Objects(items) => from_objects(&items, column),
    }
}

/// A pandas categorical: its codes (`-1` is missing) and its categories as the levels.
fn from_categorical(
    codes: &Bound<'_, PyAny>,
    categories: &Bound<'_, PyAny>,
    column: &str,
) -> BindResult<GroupColumn> {
    let codes_i64 = codes
        .py()
        .import("numpy")?
        .call_method1("asarray", (codes, "int64"))?;
    let codes_arr = codes_i64.cast::<PyArray1<i64>>()?.try_readonly()?;
    let mut out = Vec::with_capacity(codes_arr.len());
    for (i, &c) in codes_arr.as_array().iter().enumerate() {
        let code = u32::try_from(c).map_err(|_| BindError::missing(column, i))?;
        out.push(code);
    }
    let mut levels = Vec::new();
    for (i, item) in categories.call_method0("tolist")?.try_iter()?.enumerate() {
        levels.push(scalar(&item?, column, i)?);
    }
    Ok(GroupColumn::from_codes(column, out, levels)?)
}

/// The name a column carries (a pandas/polars Series name), if it is a string.
fn carried_name(obj: &Bound<'_, PyAny>) -> Option<String> {
    obj.getattr("name")
        .ok()
        .and_then(|n| n.extract::<String>().ok())
        .filter(|n| !n.is_empty())
}

/// Is this a sequence of columns (rather than one column given as a list of scalars)?
fn is_list_of_columns(obj: &Bound<'_, PyAny>) -> BindResult<bool> {
    let seq = if let Ok(l) = obj.cast::<PyList>() {
        l.as_any().clone()
    } else if let Ok(t) = obj.cast::<PyTuple>() {
        t.as_any().clone()
    } else {
        return Ok(false);
    };
    let Some(first) = seq.try_iter()?.next() else {
        return Ok(false);
    };
    // A column has a length; a scalar (str, int, None, a numpy scalar such as int64) has
    // not, or is a str.
    let first = first?;
    Ok(first.hasattr("__len__")? && first.cast::<PyString>().is_err())
}

/// A group key as Python keys it in dict views: the value itself for one column (an int
/// stays an int, a str a str, a missing value is `None`), a tuple of them for several.
/// Distinct keys stay distinct (`1` and `"1"` are different dict keys), unlike their labels.
pub fn key_to_py<'py>(py: Python<'py>, key: &GroupKey) -> PyResult<Bound<'py, PyAny>> {
    let value = |v: &GroupValue| match v {
        GroupValue::Int(i) => i.into_bound_py_any(py),
        GroupValue::Str(s) => s.into_bound_py_any(py),
        GroupValue::Missing => Ok(py.None().into_bound(py)),
    };
    match key.0.as_slice() {
        [one] => value(one),
        many => {
            let values = many.iter().map(value).collect::<PyResult<Vec<_>>>()?;
            Ok(PyTuple::new(py, values)?.into_any())
        }
    }
}

/// Reads `groups`: one column, or several combined into intersectional groups.
pub fn extract_groups(obj: &Bound<'_, PyAny>) -> BindResult<Groups> {
    let mut columns = Vec::new();
    if let Ok(d) = obj.cast::<PyDict>() {
        for (k, v) in d.iter() {
            let name: String = k.str()?.to_string();
            columns.push(extract_group_column(&v, &name)?);
        }
    } else if obj.hasattr("columns")? && (obj.hasattr("iloc")? || obj.hasattr("get_column")?) {
        // A pandas or polars DataFrame: its columns, by name.
        for name in obj.getattr("columns")?.try_iter()? {
            let name = name?;
            let label: String = name.str()?.to_string();
            columns.push(extract_group_column(&obj.get_item(&name)?, &label)?);
        }
    } else if is_list_of_columns(obj)? {
        for (i, c) in obj.try_iter()?.enumerate() {
            let c = c?;
            let name = carried_name(&c).unwrap_or_else(|| format!("groups[{i}]"));
            columns.push(extract_group_column(&c, &name)?);
        }
    } else {
        let name = carried_name(obj).unwrap_or_else(|| "groups".to_owned());
        columns.push(extract_group_column(obj, &name)?);
    }
    Ok(Groups::new(columns)?)
}

/// Membership probabilities read from Python: row-major values, their shape, and one group
/// level per column.
pub struct GroupProba {
    /// The `n x G` values, row by row.
    pub values: Vec<f64>,
    /// Rows.
    pub rows: usize,
    /// The group of each column: the column name of a DataFrame (a str), else the column's
    /// index (an int).
    pub levels: Vec<GroupValue>,
}

/// `group_proba`: an `n x G` array (groups `0..G`), or a pandas or polars DataFrame with one
/// column per group (named by the column names).
pub fn extract_group_proba(obj: &Bound<'_, PyAny>) -> BindResult<GroupProba> {
    let np = obj.py().import("numpy")?;
    let wrong =
        |why: String| BindError::input_type(format!("group_proba: {why}"), Some("group_proba"));
    let frame = obj.hasattr("columns")? && (obj.hasattr("iloc")? || obj.hasattr("get_column")?);
    let (data, names) = if frame {
        let mut names = Vec::new();
        for c in obj.getattr("columns")?.try_iter()? {
            names.push(GroupValue::Str(c?.str()?.to_string()));
        }
        (obj.call_method0("to_numpy")?, Some(names))
    } else {
        (obj.clone(), None)
    };
    let arr = np
        .call_method1("asarray", (data, "float64"))
        .map_err(|e| wrong(format!("expected numbers ({e})")))?;
    let ndim: usize = arr.getattr("ndim")?.extract()?;
    if ndim != 2 {
        return Err(wrong(format!(
            "expected an n x G array (one column per group), got {ndim} dimension(s)"
        )));
    }
    let arr = np.call_method1("ascontiguousarray", (arr,))?;
    let arr = arr
        .cast_into::<numpy::PyArray2<f64>>()
        .map_err(|_| wrong("expected a float64 array".to_owned()))?;
    let shape = arr.shape().to_vec();
    let values = arr
        .to_vec()
        .map_err(|_| wrong("not contiguous".to_owned()))?;
    let levels = names.unwrap_or_else(|| {
        (0..shape[1])
            .map(|k| GroupValue::Int(i64::try_from(k).unwrap_or(i64::MAX)))
            .collect()
    });
    Ok(GroupProba {
        values,
        rows: shape[0],
        levels,
    })
}
