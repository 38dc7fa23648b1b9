//! `mlops_audit.calibration`: calibration metrics and calibrators.

use mlops_core::calibration::{
    BetaCalibrator, BinStrategy, CalibrationByGroupParams, HistogramCalibrator,
    HosmerLemeshowParams, IsotonicCalibrator, PlattCalibrator, brier_score, calibration_by_group,
    calibration_error, debiased_squared_calibration_error, hosmer_lemeshow, log_loss,
    reliability_curve, spiegelhalter_z,
};

use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::detach;
use crate::errors::{BindError, BindResult};
use crate::input::extract_groups;
use crate::input::{TaskInputs, extract_column, with_task};

fn strategy(s: &str) -> BindResult<BinStrategy> {
    match s {
        "uniform" => Ok(BinStrategy::Uniform),
        "quantile" => Ok(BinStrategy::Quantile),
        other => Err(BindError::parameter(
            "strategy",
            format!("expected \"uniform\" or \"quantile\", got {other:?}"),
        )),
    }
}

/// Brier score: weighted mean of ``(p - y)^2`` (``sklearn.metrics.brier_score_loss``).
#[pyfunction(name = "brier_score")]
#[pyo3(signature = (y_true, y_prob, sample_weight=None))]
pub fn brier_score_(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_prob: &Bound<'_, PyAny>,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> BindResult<f64> {
    with_task(py, y_true, y_prob, sample_weight, brier_score)
}

/// Log loss: weighted mean negative log-likelihood, probabilities clipped to
/// ``[eps, 1 - eps]`` as ``sklearn.metrics.log_loss`` does.
#[pyfunction(name = "log_loss")]
#[pyo3(signature = (y_true, y_prob, sample_weight=None))]
pub fn log_loss_(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_prob: &Bound<'_, PyAny>,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> BindResult<f64> {
    with_task(py, y_true, y_prob, sample_weight, log_loss)
}

/// The reliability curve as JSON (``mlops_audit.calibration.reliability_curve`` wraps it).
#[pyfunction]
#[pyo3(signature = (y_true, y_prob, n_bins=5, strategy="uniform", sample_weight=None))]
pub fn _reliability_curve_json(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_prob: &Bound<'_, PyAny>,
    #[pyo3(from_py_with = crate::args::usizes::n_bins)] n_bins: usize,
    strategy: &str,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> BindResult<String> {
    let strategy = self::strategy(strategy)?;
    let curve = with_task(py, y_true, y_prob, sample_weight, |t| {
        reliability_curve(t, n_bins, strategy)
    })?;
    serde_json::to_string(&curve).map_err(|e| BindError::parameter("curve", e.to_string()))
}

/// ``(ece, mce)`` over the reliability bins (see ``expected_calibration_error``).
#[pyfunction]
#[pyo3(signature = (y_true, y_prob, n_bins=10, strategy="uniform", sample_weight=None))]
pub fn _calibration_errors(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_prob: &Bound<'_, PyAny>,
    #[pyo3(from_py_with = crate::args::usizes::n_bins)] n_bins: usize,
    strategy: &str,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> BindResult<(f64, f64)> {
    let strategy = self::strategy(strategy)?;
    with_task(py, y_true, y_prob, sample_weight, |t| {
        reliability_curve(t, n_bins, strategy).map(|c| calibration_error(&c))
    })
}

/// Isotonic calibration (pool-adjacent-violators), as scikit-learn's
/// ``IsotonicRegression(out_of_bounds="clip")``: ``fit(y_score, y_true, sample_weight=None)``,
/// ``transform(y_score)``; JSON and pickle round trips.
#[pyclass(name = "IsotonicCalibrator", module = "mlops_audit.calibration")]
#[derive(Default)]
pub struct PyIsotonicCalibrator(Option<IsotonicCalibrator>);

impl PyIsotonicCalibrator {
    fn fitted(&self) -> PyResult<&IsotonicCalibrator> {
        self.0.as_ref().ok_or_else(|| {
            pyo3::exceptions::PyAttributeError::new_err(
                "IsotonicCalibrator is not fitted yet: call fit() first",
            )
        })
    }
}

#[pymethods]
impl PyIsotonicCalibrator {
    #[new]
    fn new() -> Self {
        Self(None)
    }
    /// Fits on scores and binary labels; returns ``self``.
    #[pyo3(signature = (y_score, y_true, sample_weight=None))]
    fn fit<'py>(
        mut slf: PyRefMut<'py, Self>,
        y_score: &Bound<'py, PyAny>,
        y_true: &Bound<'py, PyAny>,
        sample_weight: Option<&Bound<'py, PyAny>>,
    ) -> BindResult<PyRefMut<'py, Self>> {
        let py = slf.py();
        let cal = with_task(py, y_true, y_score, sample_weight, IsotonicCalibrator::fit)?;
        slf.0 = Some(cal);
        Ok(slf)
    }
    /// Calibrated probabilities for new scores.
    fn transform<'py>(
        &self,
        py: Python<'py>,
        y_score: &Bound<'py, PyAny>,
    ) -> BindResult<Bound<'py, PyArray1<f64>>> {
        let cal = self.fitted()?;
        let s = extract_column(y_score, "y_score")?;
        let s = s.floats("y_score")?;
        let out = detach(py, || cal.transform(s.view()))?;
        Ok(out.into_pyarray(py))
    }
    /// Same as :meth:`transform` (scikit-learn's ``predict``).
    fn predict<'py>(
        &self,
        py: Python<'py>,
        y_score: &Bound<'py, PyAny>,
    ) -> BindResult<Bound<'py, PyArray1<f64>>> {
        self.transform(py, y_score)
    }
    /// Fitted step points (scikit-learn's ``X_thresholds_``).
    #[getter]
    fn x_thresholds<'py>(&self, py: Python<'py>) -> BindResult<Bound<'py, PyArray1<f64>>> {
        Ok(self.fitted()?.x_thresholds.clone().into_pyarray(py))
    }
    /// Fitted values (scikit-learn's ``y_thresholds_``).
    #[getter]
    fn y_thresholds<'py>(&self, py: Python<'py>) -> BindResult<Bound<'py, PyArray1<f64>>> {
        Ok(self.fitted()?.y_thresholds.clone().into_pyarray(py))
    }
    /// The fitted calibrator as JSON.
    fn to_json(&self) -> BindResult<String> {
        serde_json::to_string(self.fitted()?)
            .map_err(|e| BindError::parameter("json", e.to_string()))
    }
    /// Reads a calibrator written by :meth:`to_json`.
    #[staticmethod]
    fn from_json(json: &str) -> BindResult<Self> {
        let cal = IsotonicCalibrator::from_json(json)?;
        Ok(Self(Some(cal)))
    }
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        match &self.0 {
            Some(_) => (
                py.get_type::<Self>().getattr("from_json")?,
                (self.to_json()?,),
            )
                .into_pyobject(py),
            None => (py.get_type::<Self>(), ()).into_pyobject(py),
        }
    }
    fn __repr__(&self) -> String {
        match &self.0 {
            Some(c) => format!("IsotonicCalibrator({} thresholds)", c.x_thresholds.len()),
            None => "IsotonicCalibrator(unfitted)".to_owned(),
        }
    }
}

/// Platt scaling, as scikit-learn's sigmoid calibration: ``P(y=1 | s) = 1 / (1 + exp(a s + b))``
/// fitted on Platt's smoothed targets. ``fit(y_score, y_true, sample_weight=None)``,
/// ``transform(y_score)``; ``a`` and ``b`` as scikit-learn's ``a_`` and ``b_``.
#[pyclass(name = "PlattCalibrator", module = "mlops_audit.calibration")]
#[derive(Default)]
pub struct PyPlattCalibrator(Option<PlattCalibrator>);

impl PyPlattCalibrator {
    fn fitted(&self) -> PyResult<&PlattCalibrator> {
        self.0.as_ref().ok_or_else(|| {
            pyo3::exceptions::PyAttributeError::new_err(
                "PlattCalibrator is not fitted yet: call fit() first",
            )
        })
    }
}

#[pymethods]
impl PyPlattCalibrator {
    #[new]
    fn new() -> Self {
        Self(None)
    }
    /// Fits ``a`` and ``b`` on scores and binary labels; returns ``self``.
    #[pyo3(signature = (y_score, y_true, sample_weight=None))]
    fn fit<'py>(
        mut slf: PyRefMut<'py, Self>,
        y_score: &Bound<'py, PyAny>,
        y_true: &Bound<'py, PyAny>,
        sample_weight: Option<&Bound<'py, PyAny>>,
    ) -> BindResult<PyRefMut<'py, Self>> {
        let py = slf.py();
        let cal = with_task(py, y_true, y_score, sample_weight, PlattCalibrator::fit)?;
        slf.0 = Some(cal);
        Ok(slf)
    }
    /// Calibrated probabilities for new scores.
    fn transform<'py>(
        &self,
        py: Python<'py>,
        y_score: &Bound<'py, PyAny>,
    ) -> BindResult<Bound<'py, PyArray1<f64>>> {
        let cal = *self.fitted()?;
        let s = extract_column(y_score, "y_score")?;
        let s = s.floats("y_score")?;
        let out = detach(py, || cal.transform(s.view()))?;
        Ok(out.into_pyarray(py))
    }
    /// Same as :meth:`transform`.
    fn predict<'py>(
        &self,
        py: Python<'py>,
        y_score: &Bound<'py, PyAny>,
    ) -> BindResult<Bound<'py, PyArray1<f64>>> {
        self.transform(py, y_score)
    }
    /// The slope.
    #[getter]
    fn a(&self) -> BindResult<f64> {
        Ok(self.fitted()?.a)
    }
    /// The intercept.
    #[getter]
    fn b(&self) -> BindResult<f64> {
        Ok(self.fitted()?.b)
    }
    /// The fitted calibrator as JSON.
    fn to_json(&self) -> BindResult<String> {
        serde_json::to_string(self.fitted()?)
            .map_err(|e| BindError::parameter("json", e.to_string()))
    }
    /// Reads a calibrator written by :meth:`to_json`.
    #[staticmethod]
    fn from_json(json: &str) -> BindResult<Self> {
        let cal = PlattCalibrator::from_json(json)?;
        Ok(Self(Some(cal)))
    }
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        match &self.0 {
            Some(_) => (
                py.get_type::<Self>().getattr("from_json")?,
                (self.to_json()?,),
            )
                .into_pyobject(py),
            None => (py.get_type::<Self>(), ()).into_pyobject(py),
        }
    }
    fn __repr__(&self) -> String {
        match &self.0 {
            Some(c) => format!("PlattCalibrator(a={}, b={})", c.a, c.b),
            None => "PlattCalibrator(unfitted)".to_owned(),
        }
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> BindResult<String> {
    serde_json::to_string(value).map_err(|e| BindError::parameter("json", e.to_string()))
}

fn strategy_name(s: BinStrategy) -> &'static str {
    match s {
        BinStrategy::Uniform => "uniform",
        BinStrategy::Quantile => "quantile",
    }
}

/// The debiased squared calibration error of Kumar, Liang & Ma (2019).
#[pyfunction]
#[pyo3(signature = (y_true, y_prob, n_bins=15, strategy="quantile", sample_weight=None))]
pub fn _debiased_squared_ece(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_prob: &Bound<'_, PyAny>,
    #[pyo3(from_py_with = crate::args::usizes::n_bins)] n_bins: usize,
    strategy: &str,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> BindResult<f64> {
    let strategy = self::strategy(strategy)?;
    with_task(py, y_true, y_prob, sample_weight, |t| {
        debiased_squared_calibration_error(t, n_bins, strategy)
    })
}

fn hl_params(
    n_groups: usize,
    grouping: &str,
    df: Option<usize>,
) -> BindResult<HosmerLemeshowParams> {
    let grouping = strategy(grouping).map_err(|_| {
        BindError::parameter(
            "grouping",
            format!("expected \"quantile\" or \"uniform\", got {grouping:?}"),
        )
    })?;
    Ok(HosmerLemeshowParams::new(n_groups, grouping, df)?)
}

/// The Hosmer-Lemeshow test as JSON.
#[pyfunction]
#[pyo3(signature = (y_true, y_prob, n_groups=10, grouping="quantile", df=None, sample_weight=None))]
pub fn _hosmer_lemeshow_json(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_prob: &Bound<'_, PyAny>,
    #[pyo3(from_py_with = crate::args::usizes::n_groups)] n_groups: usize,
    grouping: &str,
    #[pyo3(from_py_with = crate::args::opt_usizes::df)] df: Option<usize>,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> BindResult<String> {
    let params = hl_params(n_groups, grouping, df)?;
    let r = with_task(py, y_true, y_prob, sample_weight, |t| {
        hosmer_lemeshow(t, &params)
    })?;
    to_json(&r)
}

/// Spiegelhalter's z-test as JSON.
#[pyfunction]
#[pyo3(signature = (y_true, y_prob, sample_weight=None))]
pub fn _spiegelhalter_json(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_prob: &Bound<'_, PyAny>,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> BindResult<String> {
    let r = with_task(py, y_true, y_prob, sample_weight, spiegelhalter_z)?;
    to_json(&r)
}

/// Every calibration metric per group, as JSON.
#[pyfunction]
#[pyo3(signature = (y_true, y_prob, groups, n_bins=10, strategy="uniform", n_groups=10, grouping="quantile", df=None, sample_weight=None))]
#[allow(clippy::too_many_arguments)]
pub fn _calibration_by_group_json(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_prob: &Bound<'_, PyAny>,
    groups: &Bound<'_, PyAny>,
    #[pyo3(from_py_with = crate::args::usizes::n_bins)] n_bins: usize,
    strategy: &str,
    #[pyo3(from_py_with = crate::args::usizes::n_groups)] n_groups: usize,
    grouping: &str,
    #[pyo3(from_py_with = crate::args::opt_usizes::df)] df: Option<usize>,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> BindResult<String> {
    let params = CalibrationByGroupParams::new(
        n_bins,
        self::strategy(strategy)?,
        hl_params(n_groups, grouping, df)?,
    )?;
    let inputs = TaskInputs::read(y_true, y_prob, sample_weight)?;
    let views = inputs.views()?;
    let groups = extract_groups(groups)?;
    let r = detach(py, || {
        calibration_by_group(&views.task()?, &groups, &params)
    })?;
    to_json(&r)
}

/// Histogram binning: each bin of the scores maps to the weighted mean label of its
/// training rows. ``HistogramCalibrator(n_bins=10, strategy="uniform")``, then
/// ``fit(y_score, y_true, sample_weight=None)``, ``transform(y_score)``.
#[pyclass(name = "HistogramCalibrator", module = "mlops_audit.calibration")]
pub struct PyHistogramCalibrator {
    n_bins: usize,
    strategy: BinStrategy,
    fitted: Option<HistogramCalibrator>,
}

impl PyHistogramCalibrator {
    fn fitted(&self) -> PyResult<&HistogramCalibrator> {
        self.fitted.as_ref().ok_or_else(|| {
            pyo3::exceptions::PyAttributeError::new_err(
                "HistogramCalibrator is not fitted yet: call fit() first",
            )
        })
    }
}

#[pymethods]
impl PyHistogramCalibrator {
    #[new]
    #[pyo3(signature = (n_bins=10, strategy="uniform"))]
    fn new(
        #[pyo3(from_py_with = crate::args::usizes::n_bins)] n_bins: usize,
        strategy: &str,
    ) -> BindResult<Self> {
        mlops_core::calibration::check_bins("n_bins", n_bins, 1)?;
        Ok(Self {
            n_bins,
            strategy: self::strategy(strategy)?,
            fitted: None,
        })
    }
    /// Fits the bins on scores and binary labels; returns ``self``.
    #[pyo3(signature = (y_score, y_true, sample_weight=None))]
    fn fit<'py>(
        mut slf: PyRefMut<'py, Self>,
        y_score: &Bound<'py, PyAny>,
        y_true: &Bound<'py, PyAny>,
        sample_weight: Option<&Bound<'py, PyAny>>,
    ) -> BindResult<PyRefMut<'py, Self>> {
        let py = slf.py();
        let (n_bins, strategy) = (slf.n_bins, slf.strategy);
        let cal = with_task(py, y_true, y_score, sample_weight, |t| {
            HistogramCalibrator::fit(t, n_bins, strategy)
        })?;
        slf.fitted = Some(cal);
        Ok(slf)
    }
    /// Calibrated probabilities for new scores (clipped into the first/last bin).
    fn transform<'py>(
        &self,
        py: Python<'py>,
        y_score: &Bound<'py, PyAny>,
    ) -> BindResult<Bound<'py, PyArray1<f64>>> {
        let cal = self.fitted()?;
        let s = extract_column(y_score, "y_score")?;
        let s = s.floats("y_score")?;
        let out = detach(py, || cal.transform(s.view()))?;
        Ok(out.into_pyarray(py))
    }
    /// Same as :meth:`transform`.
    fn predict<'py>(
        &self,
        py: Python<'py>,
        y_score: &Bound<'py, PyAny>,
    ) -> BindResult<Bound<'py, PyArray1<f64>>> {
        self.transform(py, y_score)
    }
    /// The number of bins.
    #[getter]
    fn n_bins(&self) -> usize {
        self.n_bins
    }
    /// ``"uniform"`` or ``"quantile"``.
    #[getter]
    fn strategy(&self) -> &'static str {
        strategy_name(self.strategy)
    }
    /// The ``n_bins + 1`` fitted bin edges.
    #[getter]
    fn edges<'py>(&self, py: Python<'py>) -> BindResult<Bound<'py, PyArray1<f64>>> {
        Ok(self.fitted()?.edges.clone().into_pyarray(py))
    }
    /// The calibrated value of each bin.
    #[getter]
    fn values<'py>(&self, py: Python<'py>) -> BindResult<Bound<'py, PyArray1<f64>>> {
        Ok(self.fitted()?.values.clone().into_pyarray(py))
    }
    /// The training weight in each bin (0 for an empty bin).
    #[getter]
    fn bin_weight<'py>(&self, py: Python<'py>) -> BindResult<Bound<'py, PyArray1<f64>>> {
        Ok(self.fitted()?.bin_weight.clone().into_pyarray(py))
    }
    /// The fitted calibrator as JSON.
    fn to_json(&self) -> BindResult<String> {
        to_json(self.fitted()?)
    }
    /// Reads a calibrator written by :meth:`to_json`.
    #[staticmethod]
    fn from_json(json: &str) -> BindResult<Self> {
        let cal = HistogramCalibrator::from_json(json)?;
        Ok(Self {
            n_bins: cal.values.len(),
            strategy: cal.strategy,
            fitted: Some(cal),
        })
    }
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        match &self.fitted {
            Some(_) => (
                py.get_type::<Self>().getattr("from_json")?,
                (self.to_json()?,),
            )
                .into_pyobject(py),
            None => (
                py.get_type::<Self>(),
                (self.n_bins, strategy_name(self.strategy)),
            )
                .into_pyobject(py),
        }
    }
    fn __repr__(&self) -> String {
        let state = if self.fitted.is_some() {
            "fitted"
        } else {
            "unfitted"
        };
        format!(
            "HistogramCalibrator(n_bins={}, strategy={:?}, {state})",
            self.n_bins,
            strategy_name(self.strategy)
        )
    }
}

/// Beta calibration (Kull, Silva Filho & Flach 2017):
/// ``logit q = a ln s - b ln(1 - s) + c``, fitted by unpenalised weighted logistic
/// regression; a negative ``a`` or ``b`` is fixed at 0 and the model refitted.
#[pyclass(name = "BetaCalibrator", module = "mlops_audit.calibration")]
#[derive(Default)]
pub struct PyBetaCalibrator(Option<BetaCalibrator>);

impl PyBetaCalibrator {
    fn fitted(&self) -> PyResult<&BetaCalibrator> {
        self.0.as_ref().ok_or_else(|| {
            pyo3::exceptions::PyAttributeError::new_err(
                "BetaCalibrator is not fitted yet: call fit() first",
            )
        })
    }
}

#[pymethods]
impl PyBetaCalibrator {
    #[new]
    fn new() -> Self {
        Self(None)
    }
    /// Fits ``a``, ``b`` and ``c`` on probabilities and binary labels; returns ``self``.
    #[pyo3(signature = (y_score, y_true, sample_weight=None))]
    fn fit<'py>(
        mut slf: PyRefMut<'py, Self>,
        y_score: &Bound<'py, PyAny>,
        y_true: &Bound<'py, PyAny>,
        sample_weight: Option<&Bound<'py, PyAny>>,
    ) -> BindResult<PyRefMut<'py, Self>> {
        let py = slf.py();
        let cal = with_task(py, y_true, y_score, sample_weight, BetaCalibrator::fit)?;
        slf.0 = Some(cal);
        Ok(slf)
    }
    /// Calibrated probabilities for new probabilities.
    fn transform<'py>(
        &self,
        py: Python<'py>,
        y_score: &Bound<'py, PyAny>,
    ) -> BindResult<Bound<'py, PyArray1<f64>>> {
        let cal = *self.fitted()?;
        let s = extract_column(y_score, "y_score")?;
        let s = s.floats("y_score")?;
        let out = detach(py, || cal.transform(s.view()))?;
        Ok(out.into_pyarray(py))
    }
    /// Same as :meth:`transform`.
    fn predict<'py>(
        &self,
        py: Python<'py>,
        y_score: &Bound<'py, PyAny>,
    ) -> BindResult<Bound<'py, PyArray1<f64>>> {
        self.transform(py, y_score)
    }
    /// Coefficient of ``ln s``.
    #[getter]
    fn a(&self) -> BindResult<f64> {
        Ok(self.fitted()?.a)
    }
    /// Coefficient of ``-ln(1 - s)``.
    #[getter]
    fn b(&self) -> BindResult<f64> {
        Ok(self.fitted()?.b)
    }
    /// The intercept.
    #[getter]
    fn c(&self) -> BindResult<f64> {
        Ok(self.fitted()?.c)
    }
    /// The fitted calibrator as JSON.
    fn to_json(&self) -> BindResult<String> {
        to_json(self.fitted()?)
    }
    /// Reads a calibrator written by :meth:`to_json`.
    #[staticmethod]
    fn from_json(json: &str) -> BindResult<Self> {
        let cal = BetaCalibrator::from_json(json)?;
        Ok(Self(Some(cal)))
    }
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        match &self.0 {
            Some(_) => (
                py.get_type::<Self>().getattr("from_json")?,
                (self.to_json()?,),
            )
                .into_pyobject(py),
            None => (py.get_type::<Self>(), ()).into_pyobject(py),
        }
    }
    fn __repr__(&self) -> String {
        match &self.0 {
            Some(c) => format!("BetaCalibrator(a={}, b={}, c={})", c.a, c.b, c.c),
            None => "BetaCalibrator(unfitted)".to_owned(),
        }
    }
}

/// A reliability diagram as a self-contained SVG string: one curve for all rows, or one
/// per group when ``groups`` is given (``mlops_audit.plot``'s style and colours).
#[pyfunction]
#[pyo3(signature = (y_true, y_prob, *, n_bins=10, strategy="uniform", groups=None, sample_weight=None, title="Reliability diagram"))]
#[allow(clippy::too_many_arguments)]
pub fn reliability_diagram_svg(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_prob: &Bound<'_, PyAny>,
    #[pyo3(from_py_with = crate::args::usizes::n_bins)] n_bins: usize,
    strategy: &str,
    groups: Option<&Bound<'_, PyAny>>,
    sample_weight: Option<&Bound<'_, PyAny>>,
    title: &str,
) -> BindResult<String> {
    let strategy = self::strategy(strategy)?;
    let inputs = TaskInputs::read(y_true, y_prob, sample_weight)?;
    let views = inputs.views()?;
    let groups = groups.map(extract_groups).transpose()?;
    detach(py, || -> Result<String, mlops_core::CoreError> {
        let task = views.task()?;
        match &groups {
            Some(groups) => {
                let params = CalibrationByGroupParams::new(
                    n_bins,
                    strategy,
                    HosmerLemeshowParams::default(),
                )?;
                let report = calibration_by_group(&task, groups, &params)?;
                let curves: Vec<_> = report
                    .groups
                    .iter()
                    .map(|g| (g.group.as_str(), &g.reliability))
                    .collect();
                Ok(mlops_audit::plot::reliability_diagram_svg(&curves, title))
            }
            None => {
                let curve = reliability_curve(&task, n_bins, strategy)?;
                Ok(mlops_audit::plot::reliability_diagram_svg(
                    &[("all", &curve)],
                    title,
                ))
            }
        }
    })
}
