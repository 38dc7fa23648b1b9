//! Numbers in: scores, labels and weights as 1-D columns, borrowed wherever the memory
//! allows.
//!
//! Accepted: whatever [`source`] finds, of a real or boolean type: numpy arrays (any
//! strides, no copy for `float64` scores or `bool` labels), pandas, polars and pyarrow
//! columns, and Python sequences (through `numpy.asarray`). A missing value is a
//! `MissingValueError` naming the row.

use std::borrow::Cow;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    ArrowPrimitiveType, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
    UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use mlops_core::{BinaryLabel, CoreError, LosslessF64, to_f64_lossless, to_labels};
use ndarray::{Array1, ArrayView1, CowArray, Ix1};
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1, PyUntypedArrayMethods};
use pyo3::prelude::*;

use super::{Categories, Numpy, Source, source};
use crate::errors::{BindError, BindResult};

/// A 1-D column from Python.
pub enum Column<'py> {
    F64(PyReadonlyArray1<'py, f64>),
    F32(PyReadonlyArray1<'py, f32>),
    I64(PyReadonlyArray1<'py, i64>),
    I32(PyReadonlyArray1<'py, i32>),
    I16(PyReadonlyArray1<'py, i16>),
    I8(PyReadonlyArray1<'py, i8>),
    U64(PyReadonlyArray1<'py, u64>),
    U32(PyReadonlyArray1<'py, u32>),
    U16(PyReadonlyArray1<'py, u16>),
    U8(PyReadonlyArray1<'py, u8>),
    Bool(PyReadonlyArray1<'py, bool>),
    /// The chunks of an Arrow array or stream.
    Arrow(Vec<ArrayRef>),
}

macro_rules! try_numpy {
    ($array:expr, $($t:ty => $variant:ident),*) => {$(
        if let Ok(a) = $array.cast::<PyArray1<$t>>() {
            return Ok(Column::$variant(a.try_readonly()?));
        }
    )*};
}

fn from_numpy<'py>(numpy: Numpy<'py>, name: &str) -> BindResult<Column<'py>> {
    if let Some(index) = numpy.first_missing() {
        return Err(BindError::missing(name, index));
    }
    let array = numpy.array;
    try_numpy!(array,
        f64 => F64, f32 => F32, i64 => I64, i32 => I32, i16 => I16, i8 => I8,
        u64 => U64, u32 => U32, u16 => U16, u8 => U8, bool => Bool);
    let dtype = array.dtype().str()?.to_string();
    Err(BindError::input_type(
        format!(
            "`{name}` has dtype {dtype}, which does not convert losslessly to numbers; \
             pass a boolean, integer or float array (e.g. np.asarray(x, dtype=float))"
        ),
        Some(name),
    ))
}

/// Reads any supported Python object as a 1-D column.
pub fn extract_column<'py>(obj: &Bound<'py, PyAny>, name: &str) -> BindResult<Column<'py>> {
    match source(obj, name, Categories::AsValues)? {
        Source::Numpy(numpy) => from_numpy(numpy, name),
        Source::Arrow { chunks, .. } => Ok(Column::Arrow(chunks)),
        // Numbers in a list: numpy finds their common dtype.
        Source::Objects(items) => {
            let array = obj
                .py()
                .import("numpy")?
                .call_method1("asarray", (items,))?;
            from_numpy(super::numpy(&array, name, None)?, name)
        }
        Source::Categorical { .. } => Err(BindError::input_type(
            format!("`{name}` is categorical; pass numbers"),
            Some(name),
        )),
    }
}

/// Reads an optional column.
pub fn extract_optional<'py>(
    obj: Option<&Bound<'py, PyAny>>,
    name: &str,
) -> BindResult<Option<Column<'py>>> {
    match obj {
        Some(o) if !o.is_none() => extract_column(o, name).map(Some),
        _ => Ok(None),
    }
}

/// Values of Arrow chunks as one slice: borrowed for a single chunk, concatenated otherwise.
/// A null anywhere is a missing value.
fn arrow_values<'a, T: ArrowPrimitiveType>(
    chunks: &'a [ArrayRef],
    name: &str,
) -> Result<Cow<'a, [T::Native]>, CoreError> {
    let mut offset = 0;
    for c in chunks {
        if c.null_count() > 0 {
            let local = (0..c.len()).find(|&i| c.is_null(i)).unwrap_or(0);
            return Err(CoreError::MissingValue {
                input: name.to_owned(),
                index: offset + local,
            });
        }
        offset += c.len();
    }
    let prim = |c: &'a ArrayRef| c.as_primitive::<T>().values().as_ref();
    Ok(match chunks {
        [one] => Cow::Borrowed(prim(one)),
        _ => Cow::Owned(
            chunks
                .iter()
                .flat_map(|c| prim(c).iter().copied())
                .collect(),
        ),
    })
}

fn arrow_bools(chunks: &[ArrayRef], name: &str) -> Result<Vec<bool>, CoreError> {
    let mut out = Vec::with_capacity(chunks.iter().map(|c| c.len()).sum());
    for c in chunks {
        let b = c.as_boolean();
        for i in 0..b.len() {
            if b.is_null(i) {
                return Err(CoreError::MissingValue {
                    input: name.to_owned(),
                    index: out.len(),
                });
            }
            out.push(b.value(i));
        }
    }
    Ok(out)
}

fn arrow_type(chunks: &[ArrayRef]) -> DataType {
    chunks
        .first()
        .map_or(DataType::Float64, |c| c.data_type().clone())
}

fn lossless_view<T: LosslessF64>(
    name: &str,
    view: ArrayView1<'_, T>,
) -> Result<CowArray<'static, f64, Ix1>, CoreError> {
    to_f64_lossless(name, view).map(CowArray::from)
}

impl Column<'_> {
    /// The column as `f64`, borrowed when it already is (any strides), converted exactly
    /// otherwise.
    pub fn floats(&self, name: &str) -> BindResult<CowArray<'_, f64, Ix1>> {
        let out: Result<CowArray<'_, f64, Ix1>, CoreError> = match self {
            Self::F64(a) => Ok(CowArray::from(a.as_array())),
            Self::F32(a) => lossless_view(name, a.as_array()),
            Self::I64(a) => lossless_view(name, a.as_array()),
            Self::I32(a) => lossless_view(name, a.as_array()),
            Self::I16(a) => lossless_view(name, a.as_array()),
            Self::I8(a) => lossless_view(name, a.as_array()),
            Self::U64(a) => lossless_view(name, a.as_array()),
            Self::U32(a) => lossless_view(name, a.as_array()),
            Self::U16(a) => lossless_view(name, a.as_array()),
            Self::U8(a) => lossless_view(name, a.as_array()),
            Self::Bool(a) => Ok(CowArray::from(a.as_array().mapv(f64::from))),
            Self::Arrow(chunks) => return arrow_floats(chunks, name),
        };
        Ok(out?)
    }

    /// The column as binary labels, borrowed when it is boolean, converted otherwise.
    pub fn labels(&self, name: &str) -> BindResult<CowArray<'_, bool, Ix1>> {
        fn conv<'a, L: BinaryLabel + 'a>(
            name: &str,
            v: ArrayView1<'a, L>,
        ) -> Result<CowArray<'a, bool, Ix1>, CoreError> {
            to_labels(name, v)
        }
        let out = match self {
            Self::F64(a) => conv(name, a.as_array()),
            Self::F32(a) => conv(name, a.as_array()),
            Self::I64(a) => conv(name, a.as_array()),
            Self::I32(a) => conv(name, a.as_array()),
            Self::I16(a) => conv(name, a.as_array()),
            Self::I8(a) => conv(name, a.as_array()),
            Self::U64(a) => conv(name, a.as_array()),
            Self::U32(a) => conv(name, a.as_array()),
            Self::U16(a) => conv(name, a.as_array()),
            Self::U8(a) => conv(name, a.as_array()),
            Self::Bool(a) => conv(name, a.as_array()),
            Self::Arrow(chunks) => return arrow_labels(chunks, name),
        };
        Ok(out?)
    }
}

macro_rules! arrow_dispatch {
    ($chunks:expr, $name:expr, $f:ident, $bool_case:expr, $($t:ty),*) => {{
        let dt = arrow_type($chunks);
        match dt {
            $(ref d if *d == <$t>::DATA_TYPE => {
                let v = arrow_values::<$t>($chunks, $name)?;
                Ok($f($name, ArrayView1::from(v.as_ref()))?)
            })*
            DataType::Boolean => $bool_case,
            other => Err(BindError::input_type(
                format!("`{}` has Arrow type {other}, which does not convert losslessly to numbers", $name),
                Some($name),
            )),
        }
    }};
}

fn arrow_floats<'a>(chunks: &'a [ArrayRef], name: &str) -> BindResult<CowArray<'a, f64, Ix1>> {
    if arrow_type(chunks) == DataType::Float64 {
        return match arrow_values::<Float64Type>(chunks, name)? {
            Cow::Borrowed(s) => Ok(CowArray::from(ArrayView1::from(s))),
            Cow::Owned(v) => Ok(CowArray::from(Array1::from(v))),
        };
    }
    fn conv<T: LosslessF64>(
        name: &str,
        v: ArrayView1<'_, T>,
    ) -> Result<CowArray<'static, f64, Ix1>, CoreError> {
        lossless_view(name, v)
    }
    arrow_dispatch!(
        chunks,
        name,
        conv,
        {
            let b = arrow_bools(chunks, name)?;
            Ok(CowArray::from(Array1::from_iter(
                b.into_iter().map(f64::from),
            )))
        },
        Float32Type,
        Int64Type,
        Int32Type,
        Int16Type,
        Int8Type,
        UInt64Type,
        UInt32Type,
        UInt16Type,
        UInt8Type
    )
}

fn arrow_labels<'a>(chunks: &'a [ArrayRef], name: &str) -> BindResult<CowArray<'a, bool, Ix1>> {
    fn conv<L: BinaryLabel>(
        name: &str,
        v: ArrayView1<'_, L>,
    ) -> Result<CowArray<'static, bool, Ix1>, CoreError> {
        to_labels(name, v).map(|c| CowArray::from(c.into_owned()))
    }
    arrow_dispatch!(
        chunks,
        name,
        conv,
        {
            let b = arrow_bools(chunks, name)?;
            Ok(CowArray::from(Array1::from(b)))
        },
        Float64Type,
        Float32Type,
        Int64Type,
        Int32Type,
        Int16Type,
        Int8Type,
        UInt64Type,
        UInt32Type,
        UInt16Type,
        UInt8Type
    )
}

/// How a column would reach the core: `"borrowed"` (no copy) or `"converted"` (copied once),
/// for `kind` `"scores"` or `"labels"`. Lets the tests check the zero-copy claims.
#[pyfunction]
pub fn _column_info(obj: &Bound<'_, PyAny>, kind: &str) -> BindResult<&'static str> {
    let col = extract_column(obj, "x")?;
    let borrowed = match kind {
        "scores" => col.floats("x")?.is_view(),
        "labels" => col.labels("x")?.is_view(),
        other => {
            return Err(BindError::input_type(
                format!("kind must be 'scores' or 'labels', got {other:?}"),
                None,
            ));
        }
    };
    Ok(if borrowed { "borrowed" } else { "converted" })
}

/// The `(y_true, y_score, sample_weight)` columns of one call, read from Python.
pub struct TaskInputs<'py> {
    labels: Column<'py>,
    scores: Column<'py>,
    weights: Option<Column<'py>>,
}

/// The same columns converted for the core: borrowed wherever the memory allows.
pub struct TaskViews<'a> {
    labels: CowArray<'a, bool, Ix1>,
    scores: CowArray<'a, f64, Ix1>,
    weights: Option<CowArray<'a, f64, Ix1>>,
}

impl<'py> TaskInputs<'py> {
    /// Reads the three inputs (in this order, so the first bad one is the one reported).
    pub fn read(
        y_true: &Bound<'py, PyAny>,
        y_score: &Bound<'py, PyAny>,
        sample_weight: Option<&Bound<'py, PyAny>>,
    ) -> BindResult<Self> {
        Ok(Self {
            labels: extract_column(y_true, "y_true")?,
            scores: extract_column(y_score, "y_score")?,
            weights: extract_optional(sample_weight, "sample_weight")?,
        })
    }

    /// Converts labels, scores and weights (copying only what cannot be borrowed).
    pub fn views(&self) -> BindResult<TaskViews<'_>> {
        Ok(TaskViews {
            labels: self.labels.labels("y_true")?,
            scores: self.scores.floats("y_score")?,
            weights: self
                .weights
                .as_ref()
                .map(|w| w.floats("sample_weight"))
                .transpose()?,
        })
    }
}

impl TaskViews<'_> {
    /// The checked task; call it without the GIL.
    pub fn task(&self) -> Result<mlops_core::BinaryTask<'_>, CoreError> {
        mlops_core::BinaryTask::new(self.scores.view(), self.labels.view())?
            .with_optional_weights(self.weights.as_ref().map(|w| w.view()))
    }
}

/// Reads `(y_true, y_score, sample_weight)`, then runs `f` on the checked task with the GIL
/// released.
pub fn with_task<T: Send>(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_score: &Bound<'_, PyAny>,
    sample_weight: Option<&Bound<'_, PyAny>>,
    f: impl FnOnce(&mlops_core::BinaryTask<'_>) -> Result<T, CoreError> + Send,
) -> BindResult<T> {
    let inputs = TaskInputs::read(y_true, y_score, sample_weight)?;
    let views = inputs.views()?;
    crate::detach(py, || f(&views.task()?))
}
