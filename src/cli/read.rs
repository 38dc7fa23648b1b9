//! Data files in and out: CSV, Parquet and Arrow IPC (file and stream) as one Arrow
//! record batch, and the typed columns the commands need, each bad cell named by column,
//! row and value.
//!
//! The format is recognised from the file's first bytes (`PAR1` Parquet, `ARROW1` an IPC
//! file, `0xFFFFFFFF` an IPC stream), anything else is read as CSV with a header, its column
//! types inferred from every row.

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Schema};

use super::error::{CliError, Context};
use crate::{GroupColumn, Groups};

/// Integers beyond this magnitude do not convert to `f64` exactly.
const MAX_EXACT_INT: u64 = 1 << 53;

/// A data file read whole.
pub(crate) struct Data {
    /// Where it came from (for messages).
    pub path: PathBuf,
    /// Its rows.
    pub batch: RecordBatch,
}

/// The file formats read and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Csv,
    Parquet,
    IpcFile,
    IpcStream,
}

fn detect(path: &Path) -> Result<Format, CliError> {
    let mut f = File::open(path).map_err(|e| CliError::file(path, e))?;
    let mut head = [0u8; 6];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) => return Err(CliError::file(path, e)),
        }
    }
    let head = &head[..n];
    Ok(if head.is_empty() {
        return Err(CliError::Empty {
            path: path.display().to_string(),
            what: "the file is empty",
        });
    } else if head.starts_with(b"PAR1") {
        Format::Parquet
    } else if head.starts_with(b"ARROW1") {
        Format::IpcFile
    } else if head.starts_with(&[0xFF, 0xFF, 0xFF, 0xFF]) {
        Format::IpcStream
    } else {
        Format::Csv
    })
}

/// Reads a data file (format from its first bytes) into one record batch.
///
/// # Errors
/// [`CliError::File`] for a file that cannot be opened or parsed, [`CliError::Empty`] for
/// one without bytes or rows.
pub(crate) fn read(path: &Path) -> Result<Data, CliError> {
    let format = detect(path)?;
    let open = || File::open(path).map_err(|e| CliError::file(path, e));
    let bad = |e: &dyn std::fmt::Display| CliError::file(path, format!("cannot be read: {e}"));
    let (schema, batches): (Arc<Schema>, Vec<RecordBatch>) = match format {
        Format::Csv => {
            let mut file = open()?;
            let csv = arrow_csv::reader::Format::default().with_header(true);
            let (schema, _) = csv.infer_schema(&mut file, None).map_err(|e| bad(&e))?;
            if schema.fields().is_empty() {
                return Err(CliError::Empty {
                    path: path.display().to_string(),
                    what: "the file has no header (no columns)",
                });
            }
            file.rewind().map_err(|e| CliError::file(path, e))?;
            let schema = Arc::new(schema);
            let reader = arrow_csv::ReaderBuilder::new(Arc::clone(&schema))
                .with_format(csv)
                .build(file)
                .map_err(|e| bad(&e))?;
            let batches = reader.collect::<Result<_, _>>().map_err(|e| bad(&e))?;
            (schema, batches)
        }
        Format::Parquet => {
            let builder =
                parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(open()?)
                    .map_err(|e| bad(&e))?;
            let schema = Arc::clone(builder.schema());
            let reader = builder.build().map_err(|e| bad(&e))?;
            let batches = reader.collect::<Result<_, _>>().map_err(|e| bad(&e))?;
            (schema, batches)
        }
        Format::IpcFile => {
            let reader = arrow_ipc::reader::FileReader::try_new(BufReader::new(open()?), None)
                .map_err(|e| bad(&e))?;
            let schema = reader.schema();
            let batches = reader.collect::<Result<_, _>>().map_err(|e| bad(&e))?;
            (schema, batches)
        }
        Format::IpcStream => {
            let reader = arrow_ipc::reader::StreamReader::try_new(BufReader::new(open()?), None)
                .map_err(|e| bad(&e))?;
            let schema = reader.schema();
            let batches = reader.collect::<Result<_, _>>().map_err(|e| bad(&e))?;
            (schema, batches)
        }
    };
    let batch = arrow_select::concat::concat_batches(&schema, &batches).map_err(|e| bad(&e))?;
    if batch.num_rows() == 0 {
        return Err(CliError::Empty {
            path: path.display().to_string(),
            what: "the file has columns but no rows",
        });
    }
    Ok(Data {
        path: path.to_owned(),
        batch,
    })
}

/// The format a file is written in, from its extension.
///
/// # Errors
/// [`CliError::Usage`] for another extension.
pub(crate) fn format_for_output(path: &Path) -> Result<Format, CliError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("csv") => Ok(Format::Csv),
        Some("parquet" | "pq") => Ok(Format::Parquet),
        Some("arrow" | "feather" | "ipc") => Ok(Format::IpcFile),
        Some("arrows") => Ok(Format::IpcStream),
        _ => Err(CliError::Usage(format!(
            "{}: cannot tell the output format from the extension; use .csv, .parquet, \
             .arrow (IPC file) or .arrows (IPC stream)",
            path.display()
        ))),
    }
}

/// Writes a record batch in the format of `path`'s extension.
///
/// # Errors
/// [`CliError::Usage`] for an unknown extension, [`CliError::File`] when writing fails.
pub(crate) fn write(path: &Path, batch: &RecordBatch) -> Result<(), CliError> {
    let format = format_for_output(path)?;
    let file = File::create(path).map_err(|e| CliError::file(path, e))?;
    let fail = |e: &dyn std::fmt::Display| CliError::file(path, format!("cannot be written: {e}"));
    match format {
        Format::Csv => {
            let mut w = arrow_csv::Writer::new(file);
            w.write(batch).map_err(|e| fail(&e))?;
        }
        Format::Parquet => {
            let props = parquet::file::properties::WriterProperties::builder()
                .set_compression(parquet::basic::Compression::SNAPPY)
                .build();
            let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(props))
                .map_err(|e| fail(&e))?;
            w.write(batch).map_err(|e| fail(&e))?;
            w.close().map_err(|e| fail(&e))?;
        }
        Format::IpcFile => {
            let mut w = arrow_ipc::writer::FileWriter::try_new(file, &batch.schema())
                .map_err(|e| fail(&e))?;
            w.write(batch).map_err(|e| fail(&e))?;
            w.finish().map_err(|e| fail(&e))?;
        }
        Format::IpcStream => {
            let mut w = arrow_ipc::writer::StreamWriter::try_new(file, &batch.schema())
                .map_err(|e| fail(&e))?;
            w.write(batch).map_err(|e| fail(&e))?;
            w.finish().map_err(|e| fail(&e))?;
        }
    }
    Ok(())
}

impl Data {
    fn name(&self) -> String {
        self.path.display().to_string()
    }

    /// The column called `name`.
    ///
    /// # Errors
    /// [`CliError::MissingColumn`] listing the file's columns.
    pub fn column(&self, name: &str) -> Result<&ArrayRef, CliError> {
        let schema = self.batch.schema_ref();
        match schema.index_of(name) {
            Ok(i) => Ok(self.batch.column(i)),
            Err(_) => Err(CliError::MissingColumn {
                path: self.name(),
                column: name.to_owned(),
                available: schema
                    .fields()
                    .iter()
                    .map(|f| f.name().as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    fn bad(&self, column: &str, row: usize, value: String, problem: &str) -> CliError {
        CliError::BadValue {
            path: self.name(),
            column: column.to_owned(),
            row,
            value,
            problem: problem.to_owned(),
        }
    }

    fn wrong_type(&self, column: &str, array: &ArrayRef, expected: &'static str) -> CliError {
        CliError::ColumnType {
            path: self.name(),
            column: column.to_owned(),
            found: array.data_type().to_string(),
            expected,
        }
    }

    /// A numeric column as finite `f64` values: floats, integers (exact up to 2^53),
    /// booleans (0/1) or text that parses as numbers. A missing, unparsable or non-finite
    /// cell is an error naming its row.
    ///
    /// # Errors
    /// [`CliError::MissingColumn`], [`CliError::BadValue`], [`CliError::ColumnType`].
    pub fn floats(&self, name: &str) -> Result<Vec<f64>, CliError> {
        let array = self.column(name)?;
        let mut out = Vec::with_capacity(array.len());
        macro_rules! prim {
            ($t:ty, $conv:expr) => {{
                let a = array.as_primitive::<$t>();
                for (i, v) in a.values().iter().enumerate() {
                    if a.is_null(i) {
                        return Err(self.bad(name, i, "the value".into(), "is missing"));
                    }
                    out.push($conv(*v, i)?);
                }
            }};
        }
        let exact_i = |v: i64, i: usize| -> Result<f64, CliError> {
            if v.unsigned_abs() <= MAX_EXACT_INT {
                #[allow(clippy::cast_precision_loss)]
                Ok(v as f64)
            } else {
                Err(self.bad(
                    name,
                    i,
                    v.to_string(),
                    "cannot be represented exactly as a float",
                ))
            }
        };
        let exact_u = |v: u64, i: usize| -> Result<f64, CliError> {
            if v <= MAX_EXACT_INT {
                #[allow(clippy::cast_precision_loss)]
                Ok(v as f64)
            } else {
                Err(self.bad(
                    name,
                    i,
                    v.to_string(),
                    "cannot be represented exactly as a float",
                ))
            }
        };
        let ok = |v: f64, _| -> Result<f64, CliError> { Ok(v) };
        match array.data_type() {
            DataType::Float64 => prim!(Float64Type, ok),
            DataType::Float32 => prim!(Float32Type, |v: f32, i| ok(f64::from(v), i)),
            DataType::Float16 => prim!(Float16Type, |v, i| ok(f64::from(v), i)),
            DataType::Int8 => prim!(Int8Type, |v: i8, i| exact_i(i64::from(v), i)),
            DataType::Int16 => prim!(Int16Type, |v: i16, i| exact_i(i64::from(v), i)),
            DataType::Int32 => prim!(Int32Type, |v: i32, i| exact_i(i64::from(v), i)),
            DataType::Int64 => prim!(Int64Type, exact_i),
            DataType::UInt8 => prim!(UInt8Type, |v: u8, i| exact_u(u64::from(v), i)),
            DataType::UInt16 => prim!(UInt16Type, |v: u16, i| exact_u(u64::from(v), i)),
            DataType::UInt32 => prim!(UInt32Type, |v: u32, i| exact_u(u64::from(v), i)),
            DataType::UInt64 => prim!(UInt64Type, exact_u),
            DataType::Boolean => {
                let a = array.as_boolean();
                for i in 0..a.len() {
                    if a.is_null(i) {
                        return Err(self.bad(name, i, "the value".into(), "is missing"));
                    }
                    out.push(if a.value(i) { 1.0 } else { 0.0 });
                }
            }
            _ => {
                let text = self.texts(name, array, "numbers")?;
                for (i, t) in text.into_iter().enumerate() {
                    let Some(t) = t else {
                        return Err(self.bad(name, i, "the value".into(), "is missing"));
                    };
                    match t.trim().parse::<f64>() {
                        Ok(v) => out.push(v),
                        Err(_) => {
                            return Err(self.bad(name, i, format!("{t:?}"), "is not a number"));
                        }
                    }
                }
            }
        }
        if let Some(i) = out.iter().position(|v| !v.is_finite()) {
            return Err(self.bad(name, i, out[i].to_string(), "is not a finite number"));
        }
        Ok(out)
    }

    /// Text cells of a string-like column (`None` for nulls).
    fn texts(
        &self,
        name: &str,
        array: &ArrayRef,
        expected: &'static str,
    ) -> Result<Vec<Option<String>>, CliError> {
        let own = |v: Option<&str>| v.map(str::to_owned);
        Ok(match array.data_type() {
            DataType::Utf8 => array.as_string::<i32>().iter().map(own).collect(),
            DataType::LargeUtf8 => array.as_string::<i64>().iter().map(own).collect(),
            DataType::Utf8View => array.as_string_view().iter().map(own).collect(),
            DataType::Dictionary(_, value)
                if matches!(
                    **value,
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                ) =>
            {
                let dict = array
                    .as_any_dictionary_opt()
                    .ok_or_else(|| self.wrong_type(name, array, expected))?;
                let values = self.texts(name, dict.values(), expected)?;
                let keys = dict.normalized_keys();
                (0..array.len())
                    .map(|i| {
                        if array.is_null(i) {
                            None
                        } else {
                            keys.get(i).and_then(|&k| values.get(k).cloned().flatten())
                        }
                    })
                    .collect()
            }
            _ => return Err(self.wrong_type(name, array, expected)),
        })
    }

    /// A label column: 0/1 (integers, floats or text) or booleans.
    ///
    /// # Errors
    /// As [`Data::floats`], and [`CliError::BadValue`] for a value other than 0 and 1.
    pub fn labels(&self, name: &str) -> Result<Vec<bool>, CliError> {
        let values = self.floats(name)?;
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                if v == 0.0 {
                    Ok(false)
                } else if v == 1.0 {
                    Ok(true)
                } else {
                    Err(self.bad(name, i, v.to_string(), "is not a label (labels are 0 or 1)"))
                }
            })
            .collect()
    }

    /// One group column: text or integers (booleans as 0/1). Every row needs a group.
    fn group_column(&self, name: &str) -> Result<GroupColumn, CliError> {
        let array = self.column(name)?;
        let expected = "a group column holds text or integers";
        let missing = |i| {
            self.bad(
                name,
                i,
                "the value".into(),
                "is missing: every row needs a group",
            )
        };
        let ints: Option<Vec<Option<i64>>> = match array.data_type() {
            DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
                let cast = arrow_cast_int(array);
                Some(cast)
            }
            DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => {
                let mut v = Vec::with_capacity(array.len());
                for i in 0..array.len() {
                    if array.is_null(i) {
                        v.push(None);
                        continue;
                    }
                    let u = match array.data_type() {
                        DataType::UInt8 => u64::from(array.as_primitive::<UInt8Type>().value(i)),
                        DataType::UInt16 => u64::from(array.as_primitive::<UInt16Type>().value(i)),
                        DataType::UInt32 => u64::from(array.as_primitive::<UInt32Type>().value(i)),
                        _ => array.as_primitive::<UInt64Type>().value(i),
                    };
                    let s = i64::try_from(u).map_err(|_| {
                        self.bad(name, i, u.to_string(), "is too large for a group")
                    })?;
                    v.push(Some(s));
                }
                Some(v)
            }
            DataType::Boolean => Some(
                array
                    .as_boolean()
                    .iter()
                    .map(|b| b.map(i64::from))
                    .collect(),
            ),
            _ => None,
        };
        if let Some(ints) = ints {
            let values = ints
                .into_iter()
                .enumerate()
                .map(|(i, v)| v.ok_or_else(|| missing(i)))
                .collect::<Result<Vec<i64>, _>>()?;
            return GroupColumn::from_ints(name, &values).context(format!("group column `{name}`"));
        }
        let values = self
            .texts(name, array, expected)?
            .into_iter()
            .enumerate()
            .map(|(i, v)| v.ok_or_else(|| missing(i)))
            .collect::<Result<Vec<String>, _>>()?;
        GroupColumn::from_strs(name, &values).context(format!("group column `{name}`"))
    }

    /// The groups of one or several (intersectional) group columns.
    ///
    /// # Errors
    /// As the columns', and the library's for the combination.
    pub fn groups(&self, names: &[String]) -> Result<Groups, CliError> {
        let columns = names
            .iter()
            .map(|n| self.group_column(n))
            .collect::<Result<Vec<_>, _>>()?;
        Groups::new(columns).context("the group columns")
    }
}

/// A signed integer column as `i64` (nulls `None`).
fn arrow_cast_int(array: &ArrayRef) -> Vec<Option<i64>> {
    macro_rules! each {
        ($t:ty) => {
            array
                .as_primitive::<$t>()
                .iter()
                .map(|v| v.map(i64::from))
                .collect()
        };
    }
    match array.data_type() {
        DataType::Int8 => each!(Int8Type),
        DataType::Int16 => each!(Int16Type),
        DataType::Int32 => each!(Int32Type),
        _ => each!(Int64Type),
    }
}
