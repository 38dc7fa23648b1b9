//! Tables in, for the drift monitor and `drift_report`.
//!
//! Objects with the Arrow PyCapsule interface (pyarrow tables and record batches, polars
//! DataFrames) are read as Arrow record batches; pandas DataFrames and dicts are read
//! column by column, each column through [`source`]: numpy numeric arrays as numbers
//! (float64 borrowed), numpy bool arrays as categories, Arrow columns (polars/pyarrow
//! Series, pandas extension dtypes when pyarrow is installed) through Arrow (strings read
//! in place, dictionaries as codes), numpy fixed-width strings factorised from their
//! memory, object arrays of text (and missing values) converted by pyarrow when it is
//! installed, and anything else (bytes, other objects) item by item: text is categorical,
//! numbers numeric, a missing value ([`is_missing`], or a masked entry) a missing cell, and
//! a mix of text and numbers is a `MixedTypes` error.

use std::borrow::Cow;

use arrow_array::{ArrayRef, RecordBatch};
use mlops_core::{GroupColumn, GroupValue, Groups};
use mlops_drift::DriftError;
use mlops_drift::table::{ColumnData, MISSING_CODE, Table, arrow_column};
use numpy::{
    PyArrayDescrMethods, PyArrayMethods, PyReadonlyArray1, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString};
use pyo3_arrow::input::AnyRecordBatch;

use super::{Categories, Source, has_attr, is_missing, module_of, source, type_name};
use crate::errors::{BindError, BindResult};

/// One column read from Python, owning (or borrowing from numpy) its values.
pub enum Owned<'py> {
    F64 {
        values: PyReadonlyArray1<'py, f64>,
        /// Rows missing whatever their value (masked, pandas `isna()`).
        nulls: Option<Vec<bool>>,
    },
    Numbers {
        values: Vec<f64>,
        /// Rows missing whatever their value.
        nulls: Option<Vec<bool>>,
    },
    Text(Vec<Option<String>>),
    /// Fixed-width numpy strings, factorised: a code per row into `levels`.
    Factorized {
        codes: Vec<u32>,
        levels: Vec<String>,
    },
    Arrow(ArrayRef),
}

/// A table read from Python.
pub enum OwnedTable<'py> {
    Columns(Vec<(String, Owned<'py>)>),
    Batch(RecordBatch),
}

impl OwnedTable<'_> {
    /// The table as the core reads it, borrowing the columns.
    pub fn table(&self) -> Result<Table<'_>, DriftError> {
        match self {
            Self::Batch(b) => Table::from_record_batch(b),
            Self::Columns(cols) => {
                let mut out = Vec::with_capacity(cols.len());
                for (name, c) in cols {
                    let data = match c {
                        Owned::F64 { values, nulls } => ColumnData::Numeric {
                            values: values.as_slice().map_or_else(
                                |_| Cow::Owned(values.as_array().to_vec()),
                                Cow::Borrowed,
                            ),
                            nulls: nulls.clone(),
                        },
                        Owned::Numbers { values, nulls } => ColumnData::Numeric {
                            values: Cow::Borrowed(values),
                            nulls: nulls.clone(),
                        },
                        Owned::Text(v) => ColumnData::Categorical(
                            v.iter().map(|s| s.as_deref().map(Cow::Borrowed)).collect(),
                        ),
                        Owned::Factorized { codes, levels } => ColumnData::Factorized {
                            codes: Cow::Borrowed(codes),
                            levels: levels.iter().map(|l| Cow::Borrowed(l.as_str())).collect(),
                        },
                        Owned::Arrow(a) => arrow_column(name, a)?,
                    };
                    out.push((name.clone(), data));
                }
                Table::new(out)
            }
        }
    }
}

/// Reads a table: a dict of columns, a pandas DataFrame, or an Arrow-capable table.
pub fn read_table<'py>(obj: &Bound<'py, PyAny>, what: &str) -> BindResult<OwnedTable<'py>> {
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut cols = Vec::with_capacity(d.len());
        for (k, v) in d.iter() {
            let name: String = k.str()?.extract()?;
            cols.push((name.clone(), read_column(&v, &name)?));
        }
        return Ok(OwnedTable::Columns(cols));
    }
    if module_of(obj).starts_with("pandas") && has_attr(obj, "columns") {
        let mut cols = Vec::new();
        for k in obj.getattr("columns")?.try_iter()? {
            let k = k?;
            let name: String = k.str()?.extract()?;
            let series = obj.get_item(&k)?;
            cols.push((name.clone(), read_column(&series, &name)?));
        }
        return Ok(OwnedTable::Columns(cols));
    }
    if has_attr(obj, "__arrow_c_stream__") || has_attr(obj, "__arrow_c_array__") {
        let any: AnyRecordBatch = obj.extract().map_err(|e| {
            BindError::input_type(
                format!("`{what}` could not be read as an Arrow table: {e}"),
                Some(what),
            )
        })?;
        let reader = any.into_reader()?;
        let schema = reader.schema();
        let batches = reader
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| BindError::input_type(format!("`{what}`: {e}"), Some(what)))?;
        let batch = arrow_select::concat::concat_batches(&schema, &batches)
            .map_err(|e| BindError::input_type(format!("`{what}`: {e}"), Some(what)))?;
        return Ok(OwnedTable::Batch(batch));
    }
    Err(BindError::input_type(
        format!(
            "`{what}` must be a pandas or polars DataFrame, a pyarrow Table or RecordBatch, \
             or a dict of columns; got {}",
            type_name(obj)
        ),
        Some(what),
    ))
}

/// Reads one column of a table. Unlike the other readers, a missing value is no error
/// here: the profile counts it.
fn read_column<'py>(obj: &Bound<'py, PyAny>, name: &str) -> BindResult<Owned<'py>> {
    let np = obj.py().import("numpy")?;
    let numpy = match source(obj, name, Categories::AsValues)? {
        Source::Arrow { chunks, .. } => return arrow(&chunks, name),
        Source::Numpy(numpy) => numpy,
        Source::Objects(items) => super::numpy(&np.call_method1("asarray", (items,))?, name, None)?,
        Source::Categorical { .. } => {
            return Err(BindError::input_type(
                format!("column `{name}` is a categorical read as codes"),
                Some(name),
            ));
        }
    };
    let owned = from_numpy(&numpy.array, name)?;
    Ok(match numpy.nulls {
        None => owned,
        Some(nulls) => with_nulls(owned, nulls),
    })
}

/// `owned` with the rows of `nulls` missing, whatever their value.
fn with_nulls(owned: Owned<'_>, nulls: Vec<bool>) -> Owned<'_> {
    match owned {
        Owned::F64 { values, .. } => Owned::F64 {
            values,
            nulls: Some(nulls),
        },
        Owned::Numbers { values, .. } => Owned::Numbers {
            values,
            nulls: Some(nulls),
        },
        Owned::Text(mut text) => {
            for (cell, _) in text.iter_mut().zip(&nulls).filter(|(_, null)| **null) {
                *cell = None;
            }
            Owned::Text(text)
        }
        Owned::Factorized { mut codes, levels } => {
            for (code, _) in codes.iter_mut().zip(&nulls).filter(|(_, null)| **null) {
                *code = MISSING_CODE;
            }
            Owned::Factorized { codes, levels }
        }
        arrow @ Owned::Arrow(_) => arrow,
    }
}

/// A numpy column by its kind: numbers, booleans (as categories), text or objects.
fn from_numpy<'py>(array: &Bound<'py, PyUntypedArray>, name: &str) -> BindResult<Owned<'py>> {
    let np = array.py().import("numpy")?;
    match array.dtype().kind() {
        b'f' | b'i' | b'u' => {
            let f64_arr = np.call_method1("asarray", (array, "float64"))?;
            let a = f64_arr
                .cast::<numpy::PyArray1<f64>>()
                .map_err(|e| BindError::input_type(format!("column `{name}`: {e}"), Some(name)))?;
            let values = a.try_readonly()?;
            Ok(Owned::F64 {
                values,
                nulls: None,
            })
        }
        b'b' => {
            let items: Vec<bool> = array.call_method0("tolist")?.extract()?;
            Ok(Owned::Text(
                items
                    .into_iter()
                    .map(|b| Some(if b { "true" } else { "false" }.to_owned()))
                    .collect(),
            ))
        }
        b'U' if array.len() > 0 => fixed_width_text(array, name),
        b'O' => match text_through_arrow(array.as_any(), name)? {
            Some(text) => Ok(text),
            None => objects(&array.call_method0("tolist")?, name),
        },
        b'U' | b'S' => objects(&array.call_method0("tolist")?, name),
        other => Err(BindError::input_type(
            format!(
                "column `{name}` has numpy dtype kind {:?}, which is neither numeric nor \
                 categorical; cast it to numbers or strings",
                char::from(other)
            ),
            Some(name),
        )),
    }
}

/// A numpy fixed-width string array factorised from its UTF-32 memory in one pass (no
/// Python `str` per row): rows become codes into the distinct strings.
fn fixed_width_text<'py>(array: &Bound<'py, PyUntypedArray>, name: &str) -> BindResult<Owned<'py>> {
    let (flat, width) = super::utf32(array)?;
    let data = flat.as_slice()?;
    let groups = array
        .py()
        .detach(|| GroupColumn::from_utf32(name, data, width).and_then(|c| Groups::new(vec![c])))
        .map_err(|e| BindError::input_type(format!("column `{name}`: {e}"), Some(name)))?;
    Ok(Owned::Factorized {
        codes: groups.ids().to_vec(),
        // The raw strings (not the keys' labels, which quote some of them).
        levels: groups
            .keys()
            .iter()
            .map(|k| match k.0.as_slice() {
                [GroupValue::Str(s)] => s.clone(),
                _ => k.to_string(),
            })
            .collect(),
    })
}

/// Arrow chunks as one array (concatenated when there are several).
fn arrow<'py>(chunks: &[ArrayRef], name: &str) -> BindResult<Owned<'py>> {
    let array = match chunks {
        [one] => one.clone(),
        _ => {
            let refs: Vec<&dyn arrow_array::Array> = chunks.iter().map(|c| c.as_ref()).collect();
            arrow_select::concat::concat(&refs)
                .map_err(|e| BindError::input_type(format!("column `{name}`: {e}"), Some(name)))?
        }
    };
    Ok(Owned::Arrow(array))
}

/// An object array that holds only text and missing values (`None`, NaN, `pandas.NA`),
/// converted by pyarrow in C (`from_pandas=True` makes those three null) and then read in
/// place: `None` when pyarrow is not installed or the column is anything else (numbers,
/// booleans, mixed types, all missing), which [`objects`] then reads item by item, with
/// its rules and errors.
fn text_through_arrow<'py>(obj: &Bound<'py, PyAny>, name: &str) -> BindResult<Option<Owned<'py>>> {
    let py = obj.py();
    let Ok(pa) = py.import("pyarrow") else {
        return Ok(None);
    };
    let kwargs = PyDict::new(py);
    kwargs.set_item("from_pandas", true)?;
    let Ok(array) = pa.call_method("array", (obj,), Some(&kwargs)) else {
        return Ok(None);
    };
    let types = pa.getattr("types")?;
    let data_type = array.getattr("type")?;
    let mut is_text = false;
    for check in ["is_string", "is_large_string", "is_string_view"] {
        if let Ok(f) = types.getattr(check) {
            is_text |= f.call1((&data_type,))?.extract::<bool>()?;
        }
    }
    if !is_text {
        return Ok(None);
    }
    match source(&array, name, Categories::AsValues)? {
        Source::Arrow { chunks, .. } => arrow(&chunks, name).map(Some),
        _ => Ok(None),
    }
}

/// Python objects item by item: all text (or missing) is categorical, all numbers (or
/// missing) numeric, a mix is an error naming the first row of the other type.
fn objects<'py>(list: &Bound<'py, PyAny>, name: &str) -> BindResult<Owned<'py>> {
    #[derive(Clone, Copy, PartialEq)]
    enum K {
        Text,
        Number,
    }
    let mut first: Option<K> = None;
    let mut text: Vec<Option<String>> = Vec::new();
    let mut numbers: Vec<f64> = Vec::new();
    for (i, item) in list.try_iter()?.enumerate() {
        let item = item?;
        let missing = is_missing(&item);
        let k = if missing {
            None
        } else if item.cast::<PyString>().is_ok() {
            Some(K::Text)
        } else if (item.cast::<PyInt>().is_ok() || item.cast::<PyFloat>().is_ok())
            && item.cast::<PyBool>().is_err()
        {
            Some(K::Number)
        } else if item.cast::<PyBool>().is_ok() {
            Some(K::Text)
        } else {
            return Err(BindError::input_type(
                format!(
                    "column `{name}` holds a {} at row {i}: use numbers, strings or None",
                    item.get_type().name()?
                ),
                Some(name),
            ));
        };
        if let (Some(f), Some(k)) = (first, k)
            && f != k
        {
            let label = |k: K| if k == K::Text { "text" } else { "numbers" };
            return Err(BindError::from(DriftError::MixedTypes {
                column: name.to_owned(),
                index: i,
                expected: label(f).to_owned(),
                found: label(k).to_owned(),
            }));
        }
        if first.is_none() {
            first = k;
        }
        match k {
            None => {
                text.push(None);
                numbers.push(f64::NAN);
            }
            Some(K::Text) => {
                let s: String = if item.cast::<PyBool>().is_ok() {
                    if item.extract::<bool>()? {
                        "true"
                    } else {
                        "false"
                    }
                    .to_owned()
                } else {
                    item.extract()?
                };
                text.push(Some(s));
            }
            Some(K::Number) => numbers.push(item.extract::<f64>()?),
        }
    }
    Ok(match first {
        Some(K::Number) => Owned::Numbers {
            values: numbers,
            nulls: None,
        },
        // All missing (or empty): categorical with no categories.
        _ => Owned::Text(text),
    })
}
