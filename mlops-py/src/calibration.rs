//! `mlops_audit.calibration`: calibration metrics and calibrators.

use mlops_core::calibration::{
    BinStrategy, IsotonicCalibrator, PlattCalibrator, brier_score, calibration_error, log_loss,
    reliability_curve,
};

use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::convert::{extract_column, with_task};
use crate::detach;
use crate::errors::parameter_error;

fn strategy(s: &str) -> PyResult<BinStrategy> {
    match s {
        "uniform" => Ok(BinStrategy::Uniform),
        "quantile" => Ok(BinStrategy::Quantile),
        other => Err(parameter_error(
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
) -> PyResult<f64> {
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
) -> PyResult<f64> {
    with_task(py, y_true, y_prob, sample_weight, log_loss)
}

/// The reliability curve as JSON (``mlops_audit.calibration.reliability_curve`` wraps it).
#[pyfunction]
#[pyo3(signature = (y_true, y_prob, n_bins=5, strategy="uniform", sample_weight=None))]
pub fn _reliability_curve_json(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_prob: &Bound<'_, PyAny>,
    n_bins: usize,
    strategy: &str,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> PyResult<String> {
    let strategy = self::strategy(strategy)?;
    let curve = with_task(py, y_true, y_prob, sample_weight, |t| {
        reliability_curve(t, n_bins, strategy)
    })?;
    serde_json::to_string(&curve).map_err(|e| parameter_error("curve", e.to_string()))
}

/// ``(ece, mce)`` over the reliability bins (see ``expected_calibration_error``).
#[pyfunction]
#[pyo3(signature = (y_true, y_prob, n_bins=10, strategy="uniform", sample_weight=None))]
pub fn _calibration_errors(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_prob: &Bound<'_, PyAny>,
    n_bins: usize,
    strategy: &str,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> PyResult<(f64, f64)> {
    let strategy = self::strategy(strategy)?;
    with_task(py, y_true, y_prob, sample_weight, |t| {
        reliability_curve(t, n_bins, strategy).map(|c| calibration_error(&c))
    })
}

/// Isotonic calibration (pool-adjacent-violators), as scikit-learn's
/// ``IsotonicRegression(out_of_bounds="clip")``: ``fit(y_score, y_true, sample_weight=None)``,
/// ``transform(y_score)``, ``fit_transform``; JSON and pickle round trips.
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
    ) -> PyResult<PyRefMut<'py, Self>> {
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
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
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
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        self.transform(py, y_score)
    }
    /// Fitted step points (scikit-learn's ``X_thresholds_``).
    #[getter]
    fn x_thresholds<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        Ok(self.fitted()?.x_thresholds.clone().into_pyarray(py))
    }
    /// Fitted values (scikit-learn's ``y_thresholds_``).
    #[getter]
    fn y_thresholds<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        Ok(self.fitted()?.y_thresholds.clone().into_pyarray(py))
    }
    /// The fitted calibrator as JSON.
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(self.fitted()?).map_err(|e| parameter_error("json", e.to_string()))
    }
    /// Reads a calibrator written by :meth:`to_json`.
    #[staticmethod]
    fn from_json(json: &str) -> PyResult<Self> {
        let cal: IsotonicCalibrator =
            serde_json::from_str(json).map_err(|e| parameter_error("json", e.to_string()))?;
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
    ) -> PyResult<PyRefMut<'py, Self>> {
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
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
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
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        self.transform(py, y_score)
    }
    /// The slope.
    #[getter]
    fn a(&self) -> PyResult<f64> {
        Ok(self.fitted()?.a)
    }
    /// The intercept.
    #[getter]
    fn b(&self) -> PyResult<f64> {
        Ok(self.fitted()?.b)
    }
    /// The fitted calibrator as JSON.
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(self.fitted()?).map_err(|e| parameter_error("json", e.to_string()))
    }
    /// Reads a calibrator written by :meth:`to_json`.
    #[staticmethod]
    fn from_json(json: &str) -> PyResult<Self> {
        let cal: PlattCalibrator =
            serde_json::from_str(json).map_err(|e| parameter_error("json", e.to_string()))?;
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
