//! `mlops_audit.drift.ReferenceProfile`, the monitor behind `mlops_audit.drift.DriftMonitor`
//! and `drift_report`: tables from Python (read by [`crate::input::table`]), the core's
//! profile and monitor, JSON out.

use std::collections::BTreeMap;

use mlops_drift::monitor::FeatureTest;
use mlops_drift::{
    Correction, DriftMonitor, KsParams, MonitorConfig, PredictionSpec, ProfileParams,
    ReferenceProfile, Window, drift_report, drift_report_profiles,
};
use pyo3::prelude::*;

use crate::detach;
use crate::errors::{BindError, BindResult};
use crate::input::table::read_table;

/// A reference profile of training data: per-column summaries that are built once, saved
/// as JSON and merged across partitions.
#[pyclass(frozen, eq, name = "ReferenceProfile", module = "mlops_audit.drift")]
#[derive(Clone, PartialEq)]
pub struct PyReferenceProfile(pub ReferenceProfile);

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

/// ``MonitorConfig::default()`` as a dict: the defaults the Python signatures show.
#[pyfunction]
pub fn _monitor_defaults(py: Python<'_>) -> BindResult<Bound<'_, PyAny>> {
    Ok(pythonize::pythonize(py, &MonitorConfig::default())?)
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

/// One-shot drift report of ``current`` against ``reference`` (JSON).
#[pyfunction]
#[pyo3(signature = (
    reference, current, *, categorical=None, numeric=None, group=None, prediction=None,
    threshold=None, sample_cap=None, tests=None, features=None, alpha=0.05,
    effect_threshold=None, psi_threshold=0.25, wasserstein_threshold=0.1, correction="holm",
    confidence_level=0.95, ks_method="auto", missing_alpha=None, missing_rate_threshold=None
))]
#[allow(clippy::too_many_arguments)]
pub fn _drift_report(
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
) -> BindResult<Py<PyAny>> {
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
                "profile options (categorical, numeric, group, prediction, threshold) are                  fixed when a ReferenceProfile is built; pass none with two profiles"
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
