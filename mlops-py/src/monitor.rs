//! `mlops_audit.drift.ReferenceProfile`, the monitor behind `mlops_audit.drift.DriftMonitor`
//! and `drift_report`: tables from Python, the core's profile and monitor, JSON out.
//!
//! Tables: objects with the Arrow PyCapsule interface (pyarrow tables and record batches,
//! polars DataFrames) are read as Arrow record batches; pandas DataFrames and dicts are read
//! column by column: numpy numeric arrays as numbers (float64 borrowed), numpy bool arrays
//! as categories, Arrow arrays and polars/pyarrow Series through Arrow (strings read in
//! place, dictionaries as codes), numpy fixed-width strings factorised from their memory,
//! object arrays of text (and missing values) converted by pyarrow when it is installed,
//! and anything else (bytes, other objects, lists) item by item: text is categorical,
//! numbers numeric, `None`, NaN and `pandas.NA` missing, and a mix of text and numbers is a
//! `MixedTypes` error.

use std::borrow::Cow;
use std::collections::BTreeMap;

use arrow_array::{ArrayRef, RecordBatch};
use mlops_core::{GroupColumn, GroupValue, Groups};
use mlops_drift::monitor::FeatureTest;
use mlops_drift::table::{ColumnData, Table, arrow_column};
use mlops_drift::{
    Correction, DriftError, DriftMonitor, KsParams, MonitorConfig, PredictionSpec, ProfileParams,
    ReferenceProfile, Window, drift_report,
};
use numpy::{PyArrayMethods, PyReadonlyArray1, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString};
use pyo3_arrow::input::{AnyArray, AnyRecordBatch};

use crate::detach;
use crate::errors::{BindError, BindResult};

/// One column read from Python, owning (or borrowing from numpy) its values.
enum Owned<'py> {
    F64(PyReadonlyArray1<'py, f64>),
    Numbers(Vec<f64>),
    Text(Vec<Option<String>>),
    /// Fixed-width numpy strings, factorised: a code per row into `levels`.
    Factorized {
        codes: Vec<u32>,
        levels: Vec<String>,
    },
    Arrow(ArrayRef),
}

/// A table read from Python.
enum OwnedTable<'py> {
    Columns(Vec<(String, Owned<'py>)>),
    Batch(RecordBatch),
}

impl OwnedTable<'_> {
    fn table(&self) -> Result<Table<'_>, DriftError> {
        match self {
            Self::Batch(b) => Table::from_record_batch(b),
            Self::Columns(cols) => {
                let mut out = Vec::with_capacity(cols.len());
                for (name, c) in cols {
                    let data = match c {
                        Owned::F64(a) => match a.as_slice() {
                            Ok(s) => ColumnData::numeric(s),
                            Err(_) => ColumnData::Numeric {
                                values: Cow::Owned(a.as_array().to_vec()),
                                nulls: None,
                            },
                        },
                        Owned::Numbers(v) => ColumnData::numeric(v),
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

fn module_of(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .getattr("__module__")
        .and_then(|m| m.extract())
        .unwrap_or_default()
}

fn has(obj: &Bound<'_, PyAny>, attr: &str) -> bool {
    obj.hasattr(attr).unwrap_or(false)
}

/// Reads a table: a dict of columns, a pandas DataFrame, or an Arrow-capable table.
fn read_table<'py>(obj: &Bound<'py, PyAny>, what: &str) -> BindResult<OwnedTable<'py>> {
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut cols = Vec::with_capacity(d.len());
        for (k, v) in d.iter() {
            let name: String = k.str()?.extract()?;
            cols.push((name.clone(), read_column(&v, &name)?));
        }
        return Ok(OwnedTable::Columns(cols));
    }
    if module_of(obj).starts_with("pandas") && has(obj, "columns") {
        let mut cols = Vec::new();
        for k in obj.getattr("columns")?.try_iter()? {
            let k = k?;
            let name: String = k.str()?.extract()?;
            let series = obj.get_item(&k)?;
            cols.push((name.clone(), read_column(&series, &name)?));
        }
        return Ok(OwnedTable::Columns(cols));
    }
    if has(obj, "__arrow_c_stream__") || has(obj, "__arrow_c_array__") {
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
            obj.get_type().name()?
        ),
        Some(what),
    ))
}

/// Reads one column.
fn read_column<'py>(obj: &Bound<'py, PyAny>, name: &str) -> BindResult<Owned<'py>> {
    let py = obj.py();
    let np = py.import("numpy")?;
    let mut obj = obj.clone();
    let module = module_of(&obj);
    if module.starts_with("pandas") && has(&obj, "to_numpy") {
        let numpy_backed = obj
            .getattr("dtype")
            .is_ok_and(|d| crate::convert::is_numpy_dtype(&d));
        if !numpy_backed {
            // Extension dtypes (nullable, Arrow-backed, str): Arrow keeps nulls as nulls.
            if has(&obj, "__arrow_c_stream__")
                && let Ok(a) = arrow_of(&obj, name)
            {
                return Ok(a);
            }
            obj = obj.call_method0("to_numpy")?;
        } else {
            obj = obj.call_method0("to_numpy")?;
        }
    } else if obj.cast::<PyUntypedArray>().is_err()
        && (has(&obj, "__arrow_c_array__") || has(&obj, "__arrow_c_stream__"))
    {
        return arrow_of(&obj, name);
    }
    if obj.cast::<PyUntypedArray>().is_err() {
        obj = np.call_method1("asarray", (&obj,))?;
    }
    let arr = obj.cast::<PyUntypedArray>()?;
    if arr.ndim() != 1 {
        return Err(BindError::input_type(
            format!("column `{name}` must be 1-D"),
            Some(name),
        ));
    }
    let kind: String = arr.dtype().getattr("kind")?.extract()?;
    match kind.as_str() {
        "f" | "i" | "u" => {
            let f64_arr = np.call_method1("asarray", (&obj, "float64"))?;
            let a = f64_arr
                .cast::<numpy::PyArray1<f64>>()
                .map_err(|e| BindError::input_type(format!("column `{name}`: {e}"), Some(name)))?;
            Ok(Owned::F64(a.try_readonly().map_err(|e| {
                BindError::input_type(format!("cannot borrow column `{name}`: {e}"), Some(name))
            })?))
        }
        "b" => {
            let items: Vec<bool> = obj.call_method0("tolist")?.extract()?;
            Ok(Owned::Text(
                items
                    .into_iter()
                    .map(|b| Some(if b { "true" } else { "false" }.to_owned()))
                    .collect(),
            ))
        }
        "U" if arr.len() > 0 => fixed_width_text(&obj, name),
        "O" => match text_through_arrow(&obj, name)? {
            Some(text) => Ok(text),
            None => objects(&obj.call_method0("tolist")?, name),
        },
        "U" | "S" => objects(&obj.call_method0("tolist")?, name),
        other => Err(BindError::input_type(
            format!(
                "column `{name}` has numpy dtype kind {other:?}, which is neither numeric nor \
                 categorical; cast it to numbers or strings"
            ),
            Some(name),
        )),
    }
}

/// A numpy fixed-width string array factorised from its UTF-32 memory in one pass (no
/// Python `str` per row): rows become codes into the distinct strings.
fn fixed_width_text<'py>(obj: &Bound<'py, PyAny>, name: &str) -> BindResult<Owned<'py>> {
    let np = obj.py().import("numpy")?;
    let arr = obj.cast::<PyUntypedArray>()?;
    let itemsize: usize = arr.dtype().getattr("itemsize")?.extract()?;
    let width = (itemsize / 4).max(1);
    // Native little-endian and contiguous (a copy only when it is not already so).
    let contiguous = np.call_method1("ascontiguousarray", (obj, format!("<U{width}")))?;
    let flat = contiguous.call_method1("view", ("<u4",))?;
    let flat = flat
        .cast::<numpy::PyArray1<u32>>()
        .map_err(|e| BindError::input_type(format!("column `{name}`: {e}"), Some(name)))?
        .try_readonly()
        .map_err(|e| {
            BindError::input_type(format!("cannot borrow column `{name}`: {e}"), Some(name))
        })?;
    let data = flat
        .as_slice()
        .map_err(|e| BindError::input_type(format!("column `{name}`: {e}"), Some(name)))?;
    let groups = obj
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
    arrow_of(&array, name).map(Some)
}

fn arrow_of<'py>(obj: &Bound<'py, PyAny>, name: &str) -> BindResult<Owned<'py>> {
    let any: AnyArray = obj.extract().map_err(|e| {
        BindError::input_type(
            format!("column `{name}` could not be read through Arrow: {e}"),
            Some(name),
        )
    })?;
    let (chunks, _) = any.into_chunked_array()?.into_inner();
    let refs: Vec<&dyn arrow_array::Array> = chunks.iter().map(|c| c.as_ref()).collect();
    let array = match chunks.as_slice() {
        [one] => one.clone(),
        _ => arrow_select::concat::concat(&refs)
            .map_err(|e| BindError::input_type(format!("column `{name}`: {e}"), Some(name)))?,
    };
    Ok(Owned::Arrow(array))
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
        let missing = item.is_none()
            || item.get_type().name().is_ok_and(|n| n == "NAType")
            || (item.cast::<PyFloat>().is_ok() && item.extract::<f64>().is_ok_and(f64::is_nan));
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
        Some(K::Number) => Owned::Numbers(numbers),
        // All missing (or empty): categorical with no categories.
        _ => Owned::Text(text),
    })
}

/// A reference profile of training data: per-column summaries that are built once, saved
/// as JSON and merged across partitions.
#[pyclass(frozen, eq, name = "ReferenceProfile", module = "mlops_audit.drift")]
#[derive(Clone, PartialEq)]
pub struct PyReferenceProfile(pub ReferenceProfile);

fn to_json<T: serde::Serialize>(v: &T) -> BindResult<String> {
    serde_json::to_string(v).map_err(|e| {
        BindError::from(DriftError::Serialization {
            message: e.to_string(),
        })
    })
}

#[allow(clippy::too_many_arguments)]
fn profile_params(
    categorical: Option<Vec<String>>,
    numeric: Option<Vec<String>>,
    sample_cap: Option<usize>,
    sketch_k: u16,
    seed: u64,
    group: Option<&Bound<'_, PyAny>>,
    prediction: Option<String>,
    threshold: Option<f64>,
) -> BindResult<ProfileParams> {
    let group_columns = match group {
        None => Vec::new(),
        Some(g) if g.is_none() => Vec::new(),
        Some(g) => {
            if let Ok(s) = g.extract::<String>() {
                vec![s]
            } else {
                g.extract::<Vec<String>>().map_err(|_| {
                    BindError::parameter("group", "expected a column name or a list of names")
                })?
            }
        }
    };
    if threshold.is_some_and(|t| !t.is_finite()) {
        return Err(BindError::parameter(
            "threshold",
            "expected a finite number",
        ));
    }
    if threshold.is_some() && prediction.is_none() {
        return Err(BindError::parameter(
            "threshold",
            "a threshold needs a prediction column",
        ));
    }
    Ok(ProfileParams {
        sample_cap: sample_cap.unwrap_or(usize::MAX),
        sketch_k,
        seed,
        categorical: categorical.unwrap_or_default(),
        numeric: numeric.unwrap_or_default(),
        group_columns,
        prediction: prediction.map(|column| PredictionSpec { column, threshold }),
    })
}

#[pymethods]
impl PyReferenceProfile {
    /// Profiles ``table``: a pandas or polars DataFrame, a pyarrow Table or RecordBatch, or
    /// a dict of columns (numpy arrays, Series, pyarrow arrays, lists).
    ///
    /// Columns are numeric (numbers; NaN, inf and nulls counted as missing and reported) or
    /// categorical (text, booleans, pandas/Arrow categoricals); ``categorical=[...]`` treats
    /// numeric columns as categories (``1`` and ``1.0`` are both ``"1"``) and
    /// ``numeric=[...]`` requires numbers. Numeric values are kept exactly up to
    /// ``sample_cap`` per column (``None``: no cap), beyond it in a KLL sketch of size
    /// ``sketch_k`` (seeded by ``seed``) whose rank-error bound is computed from its
    /// compactions. ``prediction`` (0/1 labels, or scores with ``threshold``) and ``group``
    /// (one or several columns) record the training share of positive predictions per group
    /// for the monitor's output-rate checks.
    #[staticmethod]
    #[pyo3(signature = (
        table, *, categorical=None, numeric=None, sample_cap=Some(100_000), sketch_k=200,
        seed=0, group=None, prediction=None, threshold=None
    ), text_signature = "(table, *, categorical=None, numeric=None, sample_cap=100000, \
        sketch_k=200, seed=0, group=None, prediction=None, threshold=None)")]
    #[allow(clippy::too_many_arguments)]
    fn from_data(
        py: Python<'_>,
        table: &Bound<'_, PyAny>,
        categorical: Option<Vec<String>>,
        numeric: Option<Vec<String>>,
        #[pyo3(from_py_with = crate::args::opt_usizes::sample_cap)] sample_cap: Option<usize>,
        #[pyo3(from_py_with = crate::args::u16s::sketch_k)] sketch_k: u16,
        #[pyo3(from_py_with = crate::args::u64s::seed)] seed: u64,
        group: Option<&Bound<'_, PyAny>>,
        prediction: Option<String>,
        threshold: Option<f64>,
    ) -> BindResult<Self> {
        let params = profile_params(
            categorical,
            numeric,
            sample_cap,
            sketch_k,
            seed,
            group,
            prediction,
            threshold,
        )?;
        let owned = read_table(table, "table")?;
        let table = owned.table()?;
        Ok(Self(detach(py, || {
            ReferenceProfile::from_table(&table, &params)
        })?))
    }

    /// The profile of both partitions (``self`` and ``other`` profile disjoint rows).
    fn merge(&self, py: Python<'_>, other: &Self) -> BindResult<Self> {
        detach(py, || {
            let mut m = self.0.clone();
            m.merge(&other.0).map(|()| m)
        })
        .map(Self)
    }

    /// The profile as JSON (with its ``format_version``).
    fn to_json(&self) -> BindResult<String> {
        Ok(self.0.to_json()?)
    }

    /// Reads a profile written by :meth:`to_json`.
    #[staticmethod]
    fn from_json(json: &str) -> BindResult<Self> {
        Ok(Self(ReferenceProfile::from_json(json)?))
    }

    /// Pickles through the checked JSON: a tampered payload raises ``StateError``.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        Ok((
            py.get_type::<Self>().getattr("from_json")?,
            (self.to_json()?,),
        ))
    }

    /// Profiles are immutable (``merge`` returns a new one): a copy is the same profile.
    fn __copy__(&self) -> Self {
        self.clone()
    }

    fn __deepcopy__(&self, _memo: &Bound<'_, PyAny>) -> Self {
        self.clone()
    }

    /// The profile as a plain ``dict`` (the content of :meth:`to_json`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("json")?.call_method1("loads", (self.to_json()?,))
    }

    /// Rows profiled.
    #[getter]
    fn rows(&self) -> u64 {
        self.0.rows
    }

    /// The JSON format version.
    #[getter]
    fn format_version(&self) -> u32 {
        self.0.format_version
    }

    /// Column name to ``"numeric"`` or ``"categorical"``, in table order.
    #[getter]
    fn columns(&self) -> Vec<(String, &'static str)> {
        self.0
            .columns
            .iter()
            .map(|c| (c.name.clone(), c.summary.kind().name()))
            .collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "ReferenceProfile(rows={}, columns=[{}])",
            self.0.rows,
            self.0
                .columns
                .iter()
                .map(|c| format!("{}: {}", c.name, c.summary.kind().name()))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// The compiled monitor; ``mlops_audit.drift.DriftMonitor`` wraps it.
#[pyclass(frozen, name = "_DriftMonitor", module = "mlops_audit.drift")]
pub struct PyDriftMonitor(DriftMonitor);

#[allow(clippy::too_many_arguments)]
fn monitor_config(
    tests: Option<BTreeMap<String, String>>,
    features: Option<Vec<String>>,
    alpha: f64,
    effect_threshold: Option<f64>,
    psi_threshold: f64,
    wasserstein_threshold: f64,
    correction: &str,
    confidence_level: f64,
    window_rows: Option<u64>,
    window_seconds: Option<f64>,
    window_sample_cap: Option<usize>,
    shards: usize,
    ks_method: &str,
    missing_alpha: Option<f64>,
    missing_rate_threshold: Option<f64>,
) -> BindResult<MonitorConfig> {
    let defaults = MonitorConfig::default();
    let window = match (window_rows, window_seconds) {
        (None, None) => Window::Cumulative,
        (Some(n), None) => Window::Count(n),
        (None, Some(s)) => Window::Time(s),
        (Some(_), Some(_)) => {
            return Err(BindError::parameter(
                "window_rows",
                "give window_rows or window_seconds, not both",
            ));
        }
    };
    let tests = tests
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| v.parse::<FeatureTest>().map(|t| (k, t)))
        .collect::<Result<_, _>>()?;
    Ok(MonitorConfig {
        tests,
        features,
        alpha,
        effect_threshold,
        psi_threshold,
        wasserstein_threshold,
        correction: correction.parse::<Correction>()?,
        confidence_level,
        window,
        window_sample_cap: window_sample_cap.unwrap_or(usize::MAX),
        shards,
        ks: KsParams::parse("two-sided", ks_method)?,
        missing_alpha: missing_alpha.or(defaults.missing_alpha),
        missing_rate_threshold: missing_rate_threshold.unwrap_or(defaults.missing_rate_threshold),
    })
}

/// ``MonitorConfig::default()`` as JSON: the defaults the Python signatures show.
#[pyfunction]
pub fn _monitor_defaults_json() -> BindResult<String> {
    to_json(&MonitorConfig::default())
}

#[pymethods]
impl PyDriftMonitor {
    #[new]
    #[pyo3(signature = (
        profile, *, tests=None, features=None, alpha=0.05, effect_threshold=None,
        psi_threshold=0.25, wasserstein_threshold=0.1, correction="holm",
        confidence_level=0.95, window_rows=None, window_seconds=None,
        window_sample_cap=Some(50_000), shards=0, ks_method="auto", missing_alpha=None,
        missing_rate_threshold=None
    ), text_signature = "(profile, *, tests=None, features=None, alpha=0.05, \
        effect_threshold=None, psi_threshold=0.25, wasserstein_threshold=0.1, \
        correction='holm', confidence_level=0.95, window_rows=None, window_seconds=None, \
        window_sample_cap=50000, shards=0, ks_method='auto', missing_alpha=None, \
        missing_rate_threshold=None)")]
    #[allow(clippy::too_many_arguments)]
    fn new(
        profile: &PyReferenceProfile,
        tests: Option<BTreeMap<String, String>>,
        features: Option<Vec<String>>,
        alpha: f64,
        effect_threshold: Option<f64>,
        psi_threshold: f64,
        wasserstein_threshold: f64,
        correction: &str,
        confidence_level: f64,
        #[pyo3(from_py_with = crate::args::opt_u64s::window_rows)] window_rows: Option<u64>,
        window_seconds: Option<f64>,
        #[pyo3(from_py_with = crate::args::opt_usizes::window_sample_cap)]
        window_sample_cap: Option<usize>,
        #[pyo3(from_py_with = crate::args::usizes::shards)] shards: usize,
        ks_method: &str,
        missing_alpha: Option<f64>,
        missing_rate_threshold: Option<f64>,
    ) -> BindResult<Self> {
        let config = monitor_config(
            tests,
            features,
            alpha,
            effect_threshold,
            psi_threshold,
            wasserstein_threshold,
            correction,
            confidence_level,
            window_rows,
            window_seconds,
            window_sample_cap,
            shards,
            ks_method,
            missing_alpha,
            missing_rate_threshold,
        )?;
        Ok(Self(DriftMonitor::new(profile.0.clone(), config)?))
    }

    /// Ingests a batch (GIL released while it is summarised and merged).
    #[pyo3(signature = (batch, timestamp=None))]
    fn ingest(
        &self,
        py: Python<'_>,
        batch: &Bound<'_, PyAny>,
        timestamp: Option<f64>,
    ) -> BindResult<()> {
        let owned = match read_table(batch, "batch") {
            Ok(o) => o,
            Err(e) => {
                self.0.record_error();
                return Err(e);
            }
        };
        let table = match owned.table() {
            Ok(t) => t,
            Err(e) => {
                self.0.record_error();
                return Err(BindError::from(e));
            }
        };
        detach(py, || match timestamp {
            Some(t) => self.0.ingest_at(&table, t),
            None => self.0.ingest(&table),
        })
    }

    /// The report of the current window, as JSON.
    #[pyo3(signature = (now=None))]
    fn evaluate_json(&self, py: Python<'_>, now: Option<f64>) -> BindResult<String> {
        let report = detach(py, || match now {
            Some(t) => self.0.evaluate_at(t),
            None => self.0.evaluate(),
        })?;
        to_json(&report)
    }

    /// Counts an error of the caller's own in the report's error counter.
    fn record_error(&self) {
        self.0.record_error();
    }

    /// The monitored features.
    #[getter]
    fn features(&self) -> Vec<String> {
        self.0.features().to_vec()
    }

    /// The reference profile.
    #[getter]
    fn profile(&self) -> PyReferenceProfile {
        PyReferenceProfile(self.0.profile().clone())
    }

    /// The monitor's whole state but its alert hook, as JSON (see
    /// ``mlops_drift::monitor::MonitorState``).
    fn to_json(&self, py: Python<'_>) -> BindResult<String> {
        detach(py, || self.0.to_json())
    }

    /// A monitor from :meth:`to_json` text, checked.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> BindResult<Self> {
        Ok(Self(detach(py, || DriftMonitor::from_json(text))?))
    }

    /// Pickles through the checked JSON.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        Ok((
            py.get_type::<Self>().getattr("from_json")?,
            (self.to_json(py)?,),
        ))
    }

    /// An independent monitor with the same state (no JSON on the way).
    fn __copy__(&self, py: Python<'_>) -> BindResult<Self> {
        Ok(Self(detach(py, || {
            DriftMonitor::from_state(self.0.state())
        })?))
    }

    fn __deepcopy__(&self, py: Python<'_>, _memo: &Bound<'_, PyAny>) -> BindResult<Self> {
        self.__copy__(py)
    }
}

/// One-shot drift report of ``current`` against ``reference`` (JSON).
#[pyfunction]
#[pyo3(signature = (
    reference, current, *, categorical=None, numeric=None, group=None, prediction=None,
    threshold=None, sample_cap=None, tests=None, features=None, alpha=0.05,
    effect_threshold=None, psi_threshold=0.25, wasserstein_threshold=0.1, correction="holm",
    confidence_level=0.95, ks_method="auto", missing_alpha=None, missing_rate_threshold=None
))]
#[allow(clippy::too_many_arguments)]
pub fn _drift_report_json(
    py: Python<'_>,
    reference: &Bound<'_, PyAny>,
    current: &Bound<'_, PyAny>,
    categorical: Option<Vec<String>>,
    numeric: Option<Vec<String>>,
    group: Option<&Bound<'_, PyAny>>,
    prediction: Option<String>,
    threshold: Option<f64>,
    #[pyo3(from_py_with = crate::args::opt_usizes::sample_cap)] sample_cap: Option<usize>,
    tests: Option<BTreeMap<String, String>>,
    features: Option<Vec<String>>,
    alpha: f64,
    effect_threshold: Option<f64>,
    psi_threshold: f64,
    wasserstein_threshold: f64,
    correction: &str,
    confidence_level: f64,
    ks_method: &str,
    missing_alpha: Option<f64>,
    missing_rate_threshold: Option<f64>,
) -> BindResult<String> {
    let cap = sample_cap;
    let params = profile_params(
        categorical,
        numeric,
        cap,
        200,
        0,
        group,
        prediction,
        threshold,
    )?;
    let config = monitor_config(
        tests,
        features,
        alpha,
        effect_threshold,
        psi_threshold,
        wasserstein_threshold,
        correction,
        confidence_level,
        None,
        None,
        sample_cap,
        1,
        ks_method,
        missing_alpha,
        missing_rate_threshold,
    )?;
    let r = read_table(reference, "reference")?;
    let c = read_table(current, "current")?;
    let (rt, ct) = (r.table()?, c.table()?);
    let report = detach(py, || drift_report(&rt, &ct, &params, config))?;
    to_json(&report)
}
