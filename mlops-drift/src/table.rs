//! Tables of named columns, the input of [`ReferenceProfile`](crate::ReferenceProfile) and
//! [`DriftMonitor`](crate::DriftMonitor): built from slices or from an Arrow
//! [`RecordBatch`].
//!
//! A column is numeric (`f64`, where NaN and ±inf are *missing* values, counted and reported
//! rather than rejected, plus an optional null mask) or categorical (text, `None` missing).
//! Arrow floats and integers are numeric; strings (`Utf8`, `LargeUtf8`, `Utf8View`, and
//! dictionaries of them) and booleans (`"false"`/`"true"`) are categorical.

use std::borrow::Cow;
use std::collections::HashSet;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, LargeStringArray, RecordBatch, StringArray, StringViewArray};
use arrow_schema::DataType;
use mlops_core::CoreError;

use crate::DriftError;

/// The values of one column.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData<'a> {
    /// Numbers; NaN and ±inf are missing, and so is every row with `nulls[i] == true`.
    Numeric {
        /// The values.
        values: Cow<'a, [f64]>,
        /// Optional null mask (`true` = missing), as long as `values`.
        nulls: Option<Vec<bool>>,
    },
    /// Categories as text; `None` is missing.
    Categorical(Vec<Option<Cow<'a, str>>>),
    /// Categories read in place from an Arrow string array (nulls missing): no per-row
    /// copy of a column that may hold millions of rows.
    Text(TextColumn<'a>),
    /// Categories factorised once (an Arrow dictionary, numpy fixed-width strings): per row
    /// an index into `levels`, or [`MISSING_CODE`]; counted by code, not by text.
    Factorized {
        /// Per row, an index into `levels` or [`MISSING_CODE`].
        codes: Cow<'a, [u32]>,
        /// The category names.
        levels: Vec<Cow<'a, str>>,
    },
}

/// The code of a missing row in [`ColumnData::Factorized`].
pub const MISSING_CODE: u32 = u32::MAX;

/// An Arrow string array viewed as a categorical column.
#[derive(Debug, Clone, Copy)]
pub enum TextColumn<'a> {
    /// `Utf8`.
    Utf8(&'a StringArray),
    /// `LargeUtf8` (pandas' and pyarrow's large strings).
    LargeUtf8(&'a LargeStringArray),
    /// `Utf8View`.
    Utf8View(&'a StringViewArray),
}

impl<'a> TextColumn<'a> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Self::Utf8(a) => a.len(),
            Self::LargeUtf8(a) => a.len(),
            Self::Utf8View(a) => a.len(),
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i`, `None` when null.
    pub fn get(&self, i: usize) -> Option<&'a str> {
        match *self {
            Self::Utf8(a) => (!a.is_null(i)).then(|| a.value(i)),
            Self::LargeUtf8(a) => (!a.is_null(i)).then(|| a.value(i)),
            Self::Utf8View(a) => (!a.is_null(i)).then(|| a.value(i)),
        }
    }

    /// Calls `f` on every row in order (a loop per array type, no dispatch per row).
    pub fn for_each(&self, f: impl FnMut(Option<&'a str>)) {
        match *self {
            Self::Utf8(a) => a.iter().for_each(f),
            Self::LargeUtf8(a) => a.iter().for_each(f),
            Self::Utf8View(a) => a.iter().for_each(f),
        }
    }
}

impl PartialEq for TextColumn<'_> {
    /// Equal rows (whatever the Arrow type holding them).
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && (0..self.len()).all(|i| self.get(i) == other.get(i))
    }
}

impl<'a> ColumnData<'a> {
    /// A numeric column borrowing `values` (NaN and ±inf count as missing).
    pub fn numeric(values: &'a [f64]) -> Self {
        Self::Numeric {
            values: Cow::Borrowed(values),
            nulls: None,
        }
    }

    /// A categorical column borrowing its text.
    pub fn categorical<S: AsRef<str> + ?Sized>(values: &'a [Option<&'a S>]) -> Self {
        Self::Categorical(
            values
                .iter()
                .map(|v| v.map(|s| Cow::Borrowed(s.as_ref())))
                .collect(),
        )
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Self::Numeric { values, .. } => values.len(),
            Self::Categorical(v) => v.len(),
            Self::Text(t) => t.len(),
            Self::Factorized { codes, .. } => codes.len(),
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `"numeric"` or `"categorical"`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::Numeric { .. } => "numeric",
            Self::Categorical(_) | Self::Text(_) | Self::Factorized { .. } => "categorical",
        }
    }

    /// Row `i` as a category: text as is, numbers through [`number_category`], `None` when
    /// missing.
    pub(crate) fn category(&self, i: usize) -> Option<Cow<'_, str>> {
        match self {
            Self::Categorical(v) => v[i].as_deref().map(Cow::Borrowed),
            Self::Text(t) => t.get(i).map(Cow::Borrowed),
            Self::Factorized { codes, levels } => levels
                .get(codes[i] as usize)
                .map(|s| Cow::Borrowed(s.as_ref())),
            Self::Numeric { values, nulls } => {
                if nulls.as_ref().is_some_and(|m| m[i]) {
                    return None;
                }
                number_category(values[i]).map(Cow::Owned)
            }
        }
    }

    /// Row `i` as a number, `None` when missing (null, NaN or ±inf) or categorical.
    pub(crate) fn number(&self, i: usize) -> Option<f64> {
        match self {
            Self::Numeric { values, nulls } => {
                let v = values[i];
                (v.is_finite() && !nulls.as_ref().is_some_and(|m| m[i])).then_some(v)
            }
            Self::Categorical(_) | Self::Text(_) | Self::Factorized { .. } => None,
        }
    }
}

/// The category name of a number in a column treated as categorical: integers without a
/// decimal point (`1.0` and `1` are both `"1"`), other values in Rust's shortest round-trip
/// form (`"0.5"`); `None` for NaN and ±inf (missing).
///
/// # Examples
/// ```
/// use mlops_drift::table::number_category;
/// assert_eq!(number_category(3.0).as_deref(), Some("3"));
/// assert_eq!(number_category(-0.0).as_deref(), Some("0"));
/// assert_eq!(number_category(0.25).as_deref(), Some("0.25"));
/// assert_eq!(number_category(f64::NAN), None);
/// ```
pub fn number_category(v: f64) -> Option<String> {
    if !v.is_finite() {
        return None;
    }
    if v.fract() == 0.0 && v.abs() < 9.007_199_254_740_992e15 {
        Some(format!("{}", v as i64))
    } else {
        Some(format!("{v}"))
    }
}

/// Named columns of equal length.
#[derive(Debug, Clone, PartialEq)]
pub struct Table<'a> {
    columns: Vec<(String, ColumnData<'a>)>,
    rows: usize,
}

impl<'a> Table<'a> {
    /// A table from named columns.
    ///
    /// # Examples
    /// ```
    /// use mlops_drift::table::{ColumnData, Table};
    /// let income = [1.0, 2.0, f64::NAN];
    /// let housing = [Some("rent"), None, Some("own")];
    /// let t = Table::new(vec![
    ///     ("income".into(), ColumnData::numeric(&income)),
    ///     ("housing".into(), ColumnData::categorical(&housing)),
    /// ])?;
    /// assert_eq!(t.rows(), 3);
    /// # Ok::<(), mlops_drift::DriftError>(())
    /// ```
    ///
    /// # Errors
    /// [`DriftError::DuplicateColumn`] for a name given twice,
    /// [`CoreError::LengthMismatch`] when a column's length differs from the first's,
    /// and [`CoreError::InvalidParameter`] for a null mask of the wrong length.
    pub fn new(columns: Vec<(String, ColumnData<'a>)>) -> Result<Self, DriftError> {
        let mut seen = HashSet::new();
        let rows = columns.first().map_or(0, |(_, c)| c.len());
        let first = columns.first().map(|(n, _)| n.clone()).unwrap_or_default();
        for (name, col) in &columns {
            if !seen.insert(name.as_str()) {
                return Err(DriftError::DuplicateColumn {
                    column: name.clone(),
                });
            }
            if col.len() != rows {
                return Err(CoreError::LengthMismatch {
                    input: name.clone(),
                    reference: first,
                    expected: rows,
                    found: col.len(),
                }
                .into());
            }
            if let ColumnData::Factorized { codes, levels } = col
                && let Some(i) = codes
                    .iter()
                    .position(|&c| c != MISSING_CODE && c as usize >= levels.len())
            {
                return Err(DriftError::invalid_parameter(
                    "codes",
                    codes[i].to_string(),
                    format!(
                        "row {i} of `{name}` has a code beyond its {} levels",
                        levels.len()
                    ),
                ));
            }
            if let ColumnData::Numeric {
                values,
                nulls: Some(m),
            } = col
                && m.len() != values.len()
            {
                return Err(DriftError::invalid_parameter(
                    "nulls",
                    m.len().to_string(),
                    format!(
                        "the null mask of `{name}` must have one entry per value ({})",
                        values.len()
                    ),
                ));
            }
        }
        Ok(Self { columns, rows })
    }

    /// A table viewing an Arrow record batch (float64 columns without nulls are borrowed).
    ///
    /// # Errors
    /// [`DriftError::UnsupportedColumnType`] for a column that is neither numbers, text nor
    /// booleans, and the errors of [`Table::new`].
    pub fn from_record_batch(batch: &'a RecordBatch) -> Result<Self, DriftError> {
        let schema = batch.schema();
        let mut columns = Vec::with_capacity(batch.num_columns());
        for (field, array) in schema.fields().iter().zip(batch.columns()) {
            columns.push((field.name().clone(), arrow_column(field.name(), array)?));
        }
        Self::new(columns)
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The columns, in order.
    pub fn columns(&self) -> &[(String, ColumnData<'a>)] {
        &self.columns
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnData<'a>> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }
}

fn nulls_of(array: &dyn Array) -> Option<Vec<bool>> {
    (array.null_count() > 0).then(|| (0..array.len()).map(|i| array.is_null(i)).collect())
}

macro_rules! numeric_arrow {
    ($array:expr, $t:ty) => {{
        let a = $array.as_primitive::<$t>();
        ColumnData::Numeric {
            values: Cow::Owned(a.values().iter().map(|&v| v as f64).collect()),
            nulls: nulls_of(a),
        }
    }};
}

/// One Arrow array as a column (float64 without nulls is borrowed).
///
/// # Errors
/// [`DriftError::UnsupportedColumnType`] for a type that is neither numbers, text nor
/// booleans.
pub fn arrow_column<'a>(name: &str, array: &'a ArrayRef) -> Result<ColumnData<'a>, DriftError> {
    let dt = array.data_type();
    Ok(match dt {
        DataType::Float64 => {
            let a = array.as_primitive::<Float64Type>();
            ColumnData::Numeric {
                values: Cow::Borrowed(a.values().as_ref()),
                nulls: nulls_of(a),
            }
        }
        DataType::Float32 => numeric_arrow!(array, Float32Type),
        DataType::Float16 => {
            let a = array.as_primitive::<Float16Type>();
            ColumnData::Numeric {
                values: Cow::Owned(a.values().iter().map(|v| v.to_f64()).collect()),
                nulls: nulls_of(a),
            }
        }
        DataType::Int8 => numeric_arrow!(array, Int8Type),
        DataType::Int16 => numeric_arrow!(array, Int16Type),
        DataType::Int32 => numeric_arrow!(array, Int32Type),
        DataType::Int64 => numeric_arrow!(array, Int64Type),
        DataType::UInt8 => numeric_arrow!(array, UInt8Type),
        DataType::UInt16 => numeric_arrow!(array, UInt16Type),
        DataType::UInt32 => numeric_arrow!(array, UInt32Type),
        DataType::UInt64 => numeric_arrow!(array, UInt64Type),
        DataType::Boolean => {
            let a = array.as_boolean();
            ColumnData::Categorical(
                (0..a.len())
                    .map(|i| {
                        (!a.is_null(i))
                            .then(|| Cow::Borrowed(if a.value(i) { "true" } else { "false" }))
                    })
                    .collect(),
            )
        }
        DataType::Utf8 => ColumnData::Text(TextColumn::Utf8(array.as_string::<i32>())),
        DataType::LargeUtf8 => ColumnData::Text(TextColumn::LargeUtf8(array.as_string::<i64>())),
        DataType::Utf8View => ColumnData::Text(TextColumn::Utf8View(array.as_string_view())),
        DataType::Null => ColumnData::Categorical(vec![None; array.len()]),
        DataType::Dictionary(_, value) if is_text(value) => arrow_dictionary(name, array)?,
        other => {
            return Err(DriftError::UnsupportedColumnType {
                column: name.to_owned(),
                data_type: other.to_string(),
            });
        }
    })
}

fn is_text(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

/// A dictionary-encoded string column as codes into its (borrowed) values; rows whose key
/// or value is null are missing.
fn arrow_dictionary<'a>(name: &str, array: &'a ArrayRef) -> Result<ColumnData<'a>, DriftError> {
    let unsupported = || DriftError::UnsupportedColumnType {
        column: name.to_owned(),
        data_type: array.data_type().to_string(),
    };
    let dict = array.as_any_dictionary_opt().ok_or_else(unsupported)?;
    let values: &'a ArrayRef = dict.values();
    let text = match values.data_type() {
        DataType::Utf8 => TextColumn::Utf8(values.as_string::<i32>()),
        DataType::LargeUtf8 => TextColumn::LargeUtf8(values.as_string::<i64>()),
        DataType::Utf8View => TextColumn::Utf8View(values.as_string_view()),
        _ => return Err(unsupported()),
    };
    // Dictionary value index -> level code (null values are missing rows).
    let mut levels: Vec<Cow<'a, str>> = Vec::with_capacity(text.len());
    let mut level_of: Vec<u32> = Vec::with_capacity(text.len());
    for i in 0..text.len() {
        match text.get(i) {
            Some(s) => {
                level_of.push(u32::try_from(levels.len()).map_err(|_| unsupported())?);
                levels.push(Cow::Borrowed(s));
            }
            None => level_of.push(MISSING_CODE),
        }
    }
    let keys = dict.normalized_keys();
    let codes = (0..array.len())
        .map(|i| {
            if array.is_null(i) {
                MISSING_CODE
            } else {
                keys.get(i)
                    .and_then(|&k| level_of.get(k).copied())
                    .unwrap_or(MISSING_CODE)
            }
        })
        .collect();
    Ok(ColumnData::Factorized {
        codes: Cow::Owned(codes),
        levels,
    })
}
