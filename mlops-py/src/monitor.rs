//! `mlops_audit.drift.ReferenceProfile`, the monitor behind `mlops_audit.drift.DriftMonitor`
//! and `drift_report`: tables from Python (read by [`crate::input::table`]), the core's
//! profile and monitor, JSON out.

use mlops_drift::{
    DriftMonitor, DriftReportOptions, MonitorConfig, MonitorOptions, ProfileOptions, ProfileParams,
    ReferenceProfile, drift_report, drift_report_profiles,
};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::detach;
use crate::errors::{BindError, BindResult};
use crate::input::table::read_table;

/// A reference profile of training data: per-column summaries that are built once, saved
/// as JSON and merged across partitions.
#[pyclass(frozen, eq, name = "ReferenceProfile", module = "mlops_audit.drift")]
#[derive(Clone, PartialEq)]
pub struct PyReferenceProfile(pub ReferenceProfile);

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
    #[pyo3(signature = (table, **options))]
    fn from_data(
        py: Python<'_>,
        table: &Bound<'_, PyAny>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> BindResult<Self> {
        let params =
            ProfileParams::try_from(crate::options::options::<ProfileOptions>(py, options)?)?;
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
    fn to_dict<'py>(&self, py: Python<'py>) -> BindResult<Bound<'py, PyAny>> {
        crate::results::plain(py, &self.0)
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
            .map(|c| (c.name.clone(), c.summary.kind().into()))
            .collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "ReferenceProfile(rows={}, columns=[{}])",
            self.0.rows,
            self.0
                .columns
                .iter()
                .map(|c| format!("{}: {}", c.name, c.summary.kind()))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// The compiled monitor; ``mlops_audit.drift.DriftMonitor`` wraps it.
#[pyclass(frozen, name = "_DriftMonitor", module = "mlops_audit.drift")]
pub struct PyDriftMonitor(DriftMonitor);

#[pymethods]
impl PyDriftMonitor {
    #[new]
    #[pyo3(signature = (profile, **options))]
    fn new(
        py: Python<'_>,
        profile: &PyReferenceProfile,
        options: Option<&Bound<'_, PyDict>>,
    ) -> BindResult<Self> {
        let config =
            MonitorConfig::try_from(crate::options::options::<MonitorOptions>(py, options)?)?;
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

    /// Adds rows profiled elsewhere (a ``ReferenceProfile`` of the batch).
    #[pyo3(signature = (profile, timestamp=None))]
    fn ingest_profile(
        &self,
        py: Python<'_>,
        profile: &PyReferenceProfile,
        timestamp: Option<f64>,
    ) -> BindResult<()> {
        let p = &profile.0;
        detach(py, || match timestamp {
            Some(t) => self.0.ingest_profile_at(p, t),
            None => self.0.ingest_profile(p),
        })
    }

    /// The report of the current window.
    #[pyo3(signature = (now=None))]
    fn evaluate(&self, py: Python<'_>, now: Option<f64>) -> BindResult<Py<PyAny>> {
        let report = detach(py, || match now {
            Some(t) => self.0.evaluate_at(t),
            None => self.0.evaluate(),
        })?;
        crate::results::to_py(py, &report)
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

/// One-shot drift report of ``current`` against ``reference``.
#[pyfunction]
#[pyo3(signature = (reference, current, **options))]
pub fn _drift_report(
    py: Python<'_>,
    reference: &Bound<'_, PyAny>,
    current: &Bound<'_, PyAny>,
    options: Option<&Bound<'_, PyDict>>,
) -> BindResult<Py<PyAny>> {
    let (params, config) =
        crate::options::options::<DriftReportOptions>(py, options)?.into_parts()?;
    if let (Ok(r), Ok(c)) = (
        reference.cast::<PyReferenceProfile>(),
        current.cast::<PyReferenceProfile>(),
    ) {
        // Both summarised already (for example in Spark executors): the profile options
        // were fixed when they were built.
        if !(params.categorical.is_empty()
            && params.numeric.is_empty()
            && params.group_columns.is_empty()
            && params.prediction.is_none())
        {
            return Err(BindError::parameter(
                "categorical",
                "profile options (categorical, numeric, group, prediction, threshold) are \
                 fixed when a ReferenceProfile is built; pass none with two profiles"
                    .to_owned(),
            ));
        }
        let (r, c) = (r.get().0.clone(), c.get().0.clone());
        let report = detach(py, || drift_report_profiles(&r, &c, config))?;
        return crate::results::to_py(py, &report);
    }
    let r = read_table(reference, "reference")?;
    let c = read_table(current, "current")?;
    let (rt, ct) = (r.table()?, c.table()?);
    let report = detach(py, || drift_report(&rt, &ct, &params, config))?;
    crate::results::to_py(py, &report)
}
