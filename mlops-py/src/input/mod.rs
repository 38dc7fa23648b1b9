//! Python data in: the one place that knows numpy, pandas, polars and pyarrow.
//!
//! [`source`] finds where a column's values are, for every reader alike:
//!
//! - numpy arrays (any strides), made safe to borrow: native byte order, aligned; the
//!   masked entries of a masked array are remembered as missing;
//! - pandas Series: numpy-backed dtypes through `to_numpy()` (no copy); extension dtypes
//!   (nullable, Arrow-backed, `str`, categorical) through the Arrow PyCapsule interface,
//!   which keeps nulls as nulls, and, when that fails (pandas' Arrow export needs pyarrow,
//!   which this package does not require), through `to_numpy()` with pandas' own `isna()`
//!   mask, so that a missing value is found the same way with or without pyarrow;
//! - polars Series and pyarrow arrays: Arrow chunks (no pyarrow needed for polars);
//! - Python lists, tuples and ranges: the Python objects themselves, for the reader to
//!   convert (numbers through numpy, group keys and table cells item by item).
//!
//! Missing means one thing everywhere: `None`, a float NaN, `pandas.NA` or `pandas.NaT`
//! among Python objects ([`is_missing`]), a null in Arrow, a masked entry in numpy, an
//! `isna()` entry in pandas. In a numeric numpy array NaN is a value (the core calls it
//! not finite).
//!
//! The readers: [`numeric`] (scores, labels, weights), [`groups`] (sensitive columns) and
//! [`table`] (the drift monitor's tables).

pub mod groups;
pub mod keys;
pub mod numeric;
pub mod table;

use arrow_array::ArrayRef;
use arrow_schema::FieldRef;
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyList, PyRange, PyTuple};
use pyo3_arrow::input::AnyArray;

pub use groups::{extract_group_proba, extract_groups, key_to_py};
pub use keys::row_keys;
pub use numeric::{_column_info, TaskInputs, extract_column, extract_optional, with_task};

use crate::errors::{BindError, BindResult};

/// A 1-D numpy array in native byte order, aligned.
pub struct Numpy<'py> {
    /// The array (its data, for a masked array).
    pub array: Bound<'py, PyUntypedArray>,
    /// The rows that were missing before the array was made (masked entries, pandas'
    /// `isna()`), when there is one: their values in `array` mean nothing.
    pub nulls: Option<Vec<bool>>,
}

impl Numpy<'_> {
    /// The first missing row, if any.
    pub fn first_missing(&self) -> Option<usize> {
        self.nulls.as_ref().and_then(|n| n.iter().position(|&m| m))
    }
}

/// Where a column's values are.
pub enum Source<'py> {
    /// A numpy array.
    Numpy(Numpy<'py>),
    /// The chunks of an Arrow array or stream, and its field.
    Arrow {
        /// The chunks, in order.
        chunks: Vec<ArrayRef>,
        /// The field (its data type holds even when there are no chunks).
        field: FieldRef,
    },
    /// A pandas categorical: integer codes (`-1` missing) into `categories`.
    Categorical {
        /// The codes, an integer numpy array.
        codes: Bound<'py, PyAny>,
        /// The categories, a pandas Index.
        categories: Bound<'py, PyAny>,
    },
    /// A Python list, tuple or range: its items, for the reader to convert.
    Objects(Bound<'py, PyAny>),
}

/// Whether a pandas categorical should arrive as [`Source::Categorical`] (codes) rather
/// than as an extension array like any other.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Categories {
    /// Read codes and categories.
    AsCodes,
    /// Read the values.
    AsValues,
}

/// Finds where the values of `obj` (the argument `name`) are.
pub fn source<'py>(
    obj: &Bound<'py, PyAny>,
    name: &str,
    categories: Categories,
) -> BindResult<Source<'py>> {
    if obj.cast::<PyUntypedArray>().is_ok() {
        return numpy(obj, name, None).map(Source::Numpy);
    }
    if module_of(obj).starts_with("pandas") && has_attr(obj, "to_numpy") {
        return pandas_source(obj, name, categories);
    }
    if has_attr(obj, "__arrow_c_array__") || has_attr(obj, "__arrow_c_stream__") {
        return arrow_source(obj).map_err(|e| {
            BindError::input_type(
                format!("`{name}` could not be read through the Arrow interface: {e}"),
                Some(name),
            )
        });
    }
    if obj.cast::<PyList>().is_ok()
        || obj.cast::<PyTuple>().is_ok()
        || obj.cast::<PyRange>().is_ok()
    {
        return Ok(Source::Objects(obj.clone()));
    }
    if has_attr(obj, "__array__") {
        let array = obj.py().import("numpy")?.call_method1("asarray", (obj,))?;
        return numpy(&array, name, None).map(Source::Numpy);
    }
    Err(BindError::input_type(
        format!(
            "`{name}` must be a 1-D numpy array, pandas/polars Series, pyarrow array or \
             sequence, got {}",
            type_name(obj)
        ),
        Some(name),
    ))
}

/// A pandas Series (or pandas array such as `pd.Categorical`).
fn pandas_source<'py>(
    obj: &Bound<'py, PyAny>,
    name: &str,
    categories: Categories,
) -> BindResult<Source<'py>> {
    // A DataFrame has no single dtype: its 2-D array is refused as such.
    let Ok(dtype) = obj.getattr("dtype") else {
        return numpy(&obj.call_method0("to_numpy")?, name, None).map(Source::Numpy);
    };
    if is_numpy_dtype(&dtype) {
        return numpy(&obj.call_method0("to_numpy")?, name, None).map(Source::Numpy);
    }
    if categories == Categories::AsCodes
        && dtype.getattr("name")?.extract::<String>()? == "category"
    {
        // A Series of category dtype has `.cat`; a bare `pd.Categorical` has `.codes` and
        // `.categories` itself.
        let cat = if has_attr(obj, "cat") {
            obj.getattr("cat")?
        } else {
            obj.clone()
        };
        return Ok(Source::Categorical {
            codes: cat.getattr("codes")?,
            categories: cat.getattr("categories")?,
        });
    }
    if has_attr(obj, "__arrow_c_stream__")
        && let Ok(arrow) = arrow_source(obj)
    {
        return Ok(arrow);
    }
    // No Arrow (pyarrow not installed): pandas' own mask says what is missing, because
    // `to_numpy()` turns a missing value into NaN (nullable numbers) or a Python object.
    let mask = obj
        .py()
        .import("numpy")?
        .call_method1("asarray", (obj.call_method0("isna")?,))?;
    numpy(&obj.call_method0("to_numpy")?, name, true_entries(&mask)?).map(Source::Numpy)
}

/// Arrow chunks through the PyCapsule interface.
fn arrow_source<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Source<'py>> {
    let any: AnyArray = obj.extract()?;
    let (chunks, field) = any.into_chunked_array()?.into_inner();
    Ok(Source::Arrow { chunks, field })
}

/// A numpy array made safe to borrow: a masked array's data with its first masked row
/// remembered; a copy in native byte order or aligned when the array is neither. `nulls`
/// are the missing rows already known (from pandas).
pub fn numpy<'py>(
    obj: &Bound<'py, PyAny>,
    name: &str,
    nulls: Option<Vec<bool>>,
) -> BindResult<Numpy<'py>> {
    let np = obj.py().import("numpy")?;
    let ma = np.getattr("ma")?;
    let mut array = obj.clone();
    let mut nulls = nulls;
    if array.is_instance(&ma.getattr("MaskedArray")?)? {
        let mask = ma.call_method1("getmaskarray", (&array,))?;
        nulls = nulls.or(true_entries(&mask.call_method0("ravel")?)?);
        array = array.getattr("data")?;
    }
    let dtype = array.getattr("dtype")?;
    if !dtype.getattr("isnative")?.extract::<bool>()? {
        let native = dtype.call_method1("newbyteorder", ("=",))?;
        array = np.call_method1("ascontiguousarray", (&array, native))?;
    } else if !array
        .getattr("flags")?
        .getattr("aligned")?
        .extract::<bool>()?
    {
        array = np.call_method1("ascontiguousarray", (&array,))?;
    }
    let array = array.cast_into::<PyUntypedArray>()?;
    if array.ndim() != 1 {
        let shape: Vec<String> = array.shape().iter().map(ToString::to_string).collect();
        return Err(BindError::input_type(
            format!(
                "`{name}` must be 1-D, got an array of shape ({})",
                shape.join(", ")
            ),
            Some(name),
        ));
    }
    Ok(Numpy { array, nulls })
}

/// A numpy fixed-width string array (`<U{width}`) as its UTF-32 code points, `width` per
/// row, for the core to factorise in one pass without a Python `str` per row. Copied only
/// when it is not already little-endian and contiguous.
pub fn utf32<'py>(
    array: &Bound<'py, PyUntypedArray>,
) -> BindResult<(PyReadonlyArray1<'py, u32>, usize)> {
    let itemsize: usize = array.dtype().getattr("itemsize")?.extract()?;
    let width = (itemsize / 4).max(1);
    let contiguous = array
        .py()
        .import("numpy")?
        .call_method1("ascontiguousarray", (array, format!("<U{width}")))?;
    let flat = contiguous
        .call_method1("view", ("<u4",))?
        .cast_into::<PyArray1<u32>>()?
        .try_readonly()?;
    Ok((flat, width))
}

/// A boolean numpy array as a mask, or `None` when no entry is true.
fn true_entries(mask: &Bound<'_, PyAny>) -> PyResult<Option<Vec<bool>>> {
    if mask.call_method0("any")?.extract::<bool>()? {
        Ok(Some(mask.call_method0("tolist")?.extract()?))
    } else {
        Ok(None)
    }
}

/// Is this Python object a missing value: `None`, a float NaN (Python or numpy),
/// `pandas.NA` or `pandas.NaT`?
pub fn is_missing(obj: &Bound<'_, PyAny>) -> bool {
    if obj.is_none() {
        return true;
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return f.value().is_nan();
    }
    let name = type_name(obj);
    matches!(name.as_str(), "NAType" | "NaTType")
        || (name.starts_with("float") && obj.extract::<f64>().is_ok_and(f64::is_nan))
}

/// Is `dtype` a numpy dtype (as opposed to a pandas extension dtype)?
fn is_numpy_dtype(dtype: &Bound<'_, PyAny>) -> bool {
    let py = dtype.py();
    py.import("numpy")
        .and_then(|np| np.getattr("dtype"))
        .and_then(|t| dtype.is_instance(&t))
        .unwrap_or(false)
}

/// The module that defines the type of `obj` (`"pandas.core.series"`, ...).
fn module_of(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .getattr("__module__")
        .and_then(|m| m.extract())
        .unwrap_or_default()
}

/// The name of the type of `obj`, for messages.
fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string())
}

fn has_attr(obj: &Bound<'_, PyAny>, attr: &str) -> bool {
    obj.hasattr(attr).unwrap_or(false)
}
