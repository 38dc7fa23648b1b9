//! `mlops_audit.calibration`: calibration metrics and calibrators.

use mlops_core::calibration::{
    BetaCalibrator, BinStrategy, CalibrationByGroupParams, Calibrator, HistogramCalibrator,
    HistogramParams, HosmerLemeshowParams, IsotonicCalibrator, NoParams, PlattCalibrator,
    brier_score, calibration_by_group, calibration_error, debiased_squared_calibration_error,
    hosmer_lemeshow, log_loss, reliability_curve, spiegelhalter_z,
};

use numpy::{IntoPyArray, PyArray1};
use pyo3::exceptions::PyAttributeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyType};

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

/// The reliability curve (``mlops_audit.calibration.reliability_curve`` wraps it).
#[pyfunction]
#[pyo3(signature = (y_true, y_prob, n_bins=5, strategy="uniform", sample_weight=None))]
pub fn _reliability_curve(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_prob: &Bound<'_, PyAny>,
    #[pyo3(from_py_with = crate::args::usizes::n_bins)] n_bins: usize,
    strategy: &str,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> BindResult<Py<PyAny>> {
    let strategy = self::strategy(strategy)?;
    let curve = with_task(py, y_true, y_prob, sample_weight, |t| {
        reliability_curve(t, n_bins, strategy)
    })?;
    crate::results::to_py(py, &curve)
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

/// The Hosmer-Lemeshow test.
#[pyfunction]
#[pyo3(signature = (y_true, y_prob, n_groups=10, grouping="quantile", df=None, sample_weight=None))]
pub fn _hosmer_lemeshow(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_prob: &Bound<'_, PyAny>,
    #[pyo3(from_py_with = crate::args::usizes::n_groups)] n_groups: usize,
    grouping: &str,
    #[pyo3(from_py_with = crate::args::opt_usizes::df)] df: Option<usize>,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> BindResult<Py<PyAny>> {
    let params = hl_params(n_groups, grouping, df)?;
    let r = with_task(py, y_true, y_prob, sample_weight, |t| {
        hosmer_lemeshow(t, &params)
    })?;
    crate::results::to_py(py, &r)
}

/// Spiegelhalter's z-test.
#[pyfunction]
#[pyo3(signature = (y_true, y_prob, sample_weight=None))]
pub fn _spiegelhalter(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_prob: &Bound<'_, PyAny>,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> BindResult<Py<PyAny>> {
    let r = with_task(py, y_true, y_prob, sample_weight, spiegelhalter_z)?;
    crate::results::to_py(py, &r)
}

/// Every calibration metric per group.
#[pyfunction]
#[pyo3(signature = (y_true, y_prob, groups, n_bins=10, strategy="uniform", n_groups=10, grouping="quantile", df=None, sample_weight=None))]
#[allow(clippy::too_many_arguments)]
pub fn _calibration_by_group(
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
) -> BindResult<Py<PyAny>> {
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
    crate::results::to_py(py, &r)
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

// Calibrators: one generic implementation over the core's `Calibrator` trait, and a macro
// that declares each Python class over it (a pyo3 class cannot be generic).

/// What every calibrator class holds: the parameters it fits with, and the fit.
pub struct Fitted<C: Calibrator> {
    params: C::Params,
    fit: Option<C>,
}

impl<C: Calibrator> Fitted<C> {
    fn unfitted(params: C::Params) -> Self {
        Self { params, fit: None }
    }

    /// The fit, or an `AttributeError` (as scikit-learn's fitted attributes).
    fn get(&self) -> BindResult<&C> {
        Ok(self.fit.as_ref().ok_or_else(|| {
            PyAttributeError::new_err(format!("{} is not fitted yet: call fit() first", C::NAME))
        })?)
    }

    fn fit(
        &mut self,
        py: Python<'_>,
        y_score: &Bound<'_, PyAny>,
        y_true: &Bound<'_, PyAny>,
        sample_weight: Option<&Bound<'_, PyAny>>,
    ) -> BindResult<()> {
        let params = &self.params;
        let fit = with_task(py, y_true, y_score, sample_weight, |t| C::fit(t, params))?;
        self.fit = Some(fit);
        Ok(())
    }

    fn transform<'py>(
        &self,
        py: Python<'py>,
        y_score: &Bound<'py, PyAny>,
    ) -> BindResult<Bound<'py, PyArray1<f64>>> {
        let cal = self.get()?;
        let s = extract_column(y_score, "y_score")?;
        let s = s.floats("y_score")?;
        Ok(detach(py, || cal.transform(s.view()))?.into_pyarray(py))
    }

    fn to_json(&self) -> BindResult<String> {
        Ok(self.get()?.to_json()?)
    }

    /// A fitted calibrator read from checked JSON, with the parameters it records.
    fn from_json(json: &str) -> BindResult<Self> {
        let fit = C::from_json(json)?;
        Ok(Self {
            params: fit.params(),
            fit: Some(fit),
        })
    }

    /// The parameters as keyword arguments of the constructor (their serde names).
    fn kwargs<'py>(&self, py: Python<'py>) -> BindResult<Bound<'py, PyDict>> {
        Ok(pythonize::pythonize(py, &self.params)?.cast_into::<PyDict>()?)
    }

    /// Fitted: `cls.from_json(json)`, so that a tampered pickle is checked like any JSON.
    /// Unfitted: `cls(**params)`.
    fn reduce<'py>(&self, cls: &Bound<'py, PyType>) -> BindResult<Bound<'py, PyTuple>> {
        let py = cls.py();
        match &self.fit {
            Some(_) => Ok((cls.getattr("from_json")?, (self.to_json()?,)).into_pyobject(py)?),
            None => {
                let partial = py.import("functools")?.getattr("partial")?;
                let make = partial.call((cls,), Some(&self.kwargs(py)?))?;
                Ok((make, ()).into_pyobject(py)?)
            }
        }
    }

    /// `Name(param=value, ..., unfitted)` or `Name(param=value, ..., fitted: <summary>)`.
    fn repr(&self, py: Python<'_>, summary: impl FnOnce(&C) -> String) -> BindResult<String> {
        let mut parts = Vec::new();
        for (k, v) in self.kwargs(py)?.iter() {
            parts.push(format!("{k}={}", v.repr()?));
        }
        parts.push(match &self.fit {
            Some(c) => format!("fitted: {}", summary(c)),
            None => "unfitted".to_owned(),
        });
        Ok(format!("{}({})", C::NAME, parts.join(", ")))
    }
}

/// Declares the Python class `$name` over [`Fitted`]`<$core>`: the methods every calibrator
/// has (``fit``, ``transform``, ``predict``, ``to_json``, ``from_json``, pickling and
/// ``repr``), plus the class's own constructor and getters, given in the braces.
macro_rules! calibrator_class {
    (
        $(#[$doc:meta])*
        $name:literal => $py:ident($core:ty), summary = $summary:expr,
        { $($own:tt)* }
    ) => {
        $(#[$doc])*
        #[pyclass(name = $name, module = "mlops_audit.calibration")]
        pub struct $py(Fitted<$core>);

        #[pymethods]
        impl $py {
            $($own)*

            /// Fits on scores and binary labels (and weights); returns ``self``.
            #[pyo3(signature = (y_score, y_true, sample_weight=None))]
            fn fit<'py>(
                mut slf: PyRefMut<'py, Self>,
                y_score: &Bound<'py, PyAny>,
                y_true: &Bound<'py, PyAny>,
                sample_weight: Option<&Bound<'py, PyAny>>,
            ) -> BindResult<PyRefMut<'py, Self>> {
                let py = slf.py();
                slf.0.fit(py, y_score, y_true, sample_weight)?;
                Ok(slf)
            }
            /// Calibrated probabilities for new scores.
            fn transform<'py>(
                &self,
                py: Python<'py>,
                y_score: &Bound<'py, PyAny>,
            ) -> BindResult<Bound<'py, PyArray1<f64>>> {
                self.0.transform(py, y_score)
            }
            /// Same as :meth:`transform` (scikit-learn's ``predict``).
            fn predict<'py>(
                &self,
                py: Python<'py>,
                y_score: &Bound<'py, PyAny>,
            ) -> BindResult<Bound<'py, PyArray1<f64>>> {
                self.0.transform(py, y_score)
            }
            /// The fitted calibrator as JSON.
            fn to_json(&self) -> BindResult<String> {
                self.0.to_json()
            }
            /// Reads a calibrator written by :meth:`to_json`, checked: a tampered or
            /// corrupted text raises ``StateError``.
            #[staticmethod]
            fn from_json(json: &str) -> BindResult<Self> {
                Fitted::from_json(json).map(Self)
            }
            /// Pickles through the checked JSON (an unfitted calibrator, through its
            /// parameters).
            fn __reduce__<'py>(&self, py: Python<'py>) -> BindResult<Bound<'py, PyTuple>> {
                self.0.reduce(&py.get_type::<Self>())
            }
            fn __repr__(&self, py: Python<'_>) -> BindResult<String> {
                self.0.repr(py, $summary)
            }
        }
    };
}

calibrator_class! {
    /// Isotonic calibration (pool-adjacent-violators), as scikit-learn's
    /// ``IsotonicRegression(out_of_bounds="clip")``: ``fit(y_score, y_true, sample_weight=None)``,
    /// ``transform(y_score)``; JSON and pickle round trips.
    "IsotonicCalibrator" => PyIsotonicCalibrator(IsotonicCalibrator),
    summary = |c: &IsotonicCalibrator| format!("{} thresholds", c.x_thresholds.len()),
    {
        #[new]
        fn new() -> Self {
            Self(Fitted::unfitted(NoParams {}))
        }
        /// Fitted step points (scikit-learn's ``X_thresholds_``).
        #[getter]
        fn x_thresholds<'py>(&self, py: Python<'py>) -> BindResult<Bound<'py, PyArray1<f64>>> {
            Ok(self.0.get()?.x_thresholds.clone().into_pyarray(py))
        }
        /// Fitted values (scikit-learn's ``y_thresholds_``).
        #[getter]
        fn y_thresholds<'py>(&self, py: Python<'py>) -> BindResult<Bound<'py, PyArray1<f64>>> {
            Ok(self.0.get()?.y_thresholds.clone().into_pyarray(py))
        }
    }
}

calibrator_class! {
    /// Platt scaling, as scikit-learn's sigmoid calibration: ``P(y=1 | s) = 1 / (1 + exp(a s + b))``
    /// fitted on Platt's smoothed targets. ``fit(y_score, y_true, sample_weight=None)``,
    /// ``transform(y_score)``; ``a`` and ``b`` as scikit-learn's ``a_`` and ``b_``.
    "PlattCalibrator" => PyPlattCalibrator(PlattCalibrator),
    summary = |c: &PlattCalibrator| format!("a={:?}, b={:?}", c.a, c.b),
    {
        #[new]
        fn new() -> Self {
            Self(Fitted::unfitted(NoParams {}))
        }
        /// The slope.
        #[getter]
        fn a(&self) -> BindResult<f64> {
            Ok(self.0.get()?.a)
        }
        /// The intercept.
        #[getter]
        fn b(&self) -> BindResult<f64> {
            Ok(self.0.get()?.b)
        }
    }
}

calibrator_class! {
    /// Histogram binning: each bin of the scores maps to the weighted mean label of its
    /// training rows. ``HistogramCalibrator(n_bins=10, strategy="uniform")``, then
    /// ``fit(y_score, y_true, sample_weight=None)``, ``transform(y_score)`` (scores outside
    /// the edges are clipped into the first/last bin).
    "HistogramCalibrator" => PyHistogramCalibrator(HistogramCalibrator),
    summary = |c: &HistogramCalibrator| {
        let empty = c.bin_weight.iter().filter(|&&w| w <= 0.0).count();
        format!("{empty} empty bins")
    },
    {
        #[new]
        #[pyo3(signature = (n_bins=10, strategy="uniform"))]
        fn new(
            #[pyo3(from_py_with = crate::args::usizes::n_bins)] n_bins: usize,
            strategy: &str,
        ) -> BindResult<Self> {
            let params = HistogramParams::new(n_bins, self::strategy(strategy)?).map_err(BindError::from)?;
            Ok(Self(Fitted::unfitted(params)))
        }
        /// The number of bins.
        #[getter]
        fn n_bins(&self) -> usize {
            self.0.params.n_bins
        }
        /// ``"uniform"`` or ``"quantile"``.
        #[getter]
        fn strategy(&self) -> &'static str {
            strategy_name(self.0.params.strategy)
        }
        /// The ``n_bins + 1`` fitted bin edges.
        #[getter]
        fn edges<'py>(&self, py: Python<'py>) -> BindResult<Bound<'py, PyArray1<f64>>> {
            Ok(self.0.get()?.edges.clone().into_pyarray(py))
        }
        /// The calibrated value of each bin.
        #[getter]
        fn values<'py>(&self, py: Python<'py>) -> BindResult<Bound<'py, PyArray1<f64>>> {
            Ok(self.0.get()?.values.clone().into_pyarray(py))
        }
        /// The training weight in each bin (0 for an empty bin).
        #[getter]
        fn bin_weight<'py>(&self, py: Python<'py>) -> BindResult<Bound<'py, PyArray1<f64>>> {
            Ok(self.0.get()?.bin_weight.clone().into_pyarray(py))
        }
    }
}

calibrator_class! {
    /// Beta calibration (Kull, Silva Filho & Flach 2017):
    /// ``logit q = a ln s - b ln(1 - s) + c``, fitted by unpenalised weighted logistic
    /// regression; a negative ``a`` or ``b`` is fixed at 0 and the model refitted.
    "BetaCalibrator" => PyBetaCalibrator(BetaCalibrator),
    summary = |c: &BetaCalibrator| format!("a={:?}, b={:?}, c={:?}", c.a, c.b, c.c),
    {
        #[new]
        fn new() -> Self {
            Self(Fitted::unfitted(NoParams {}))
        }
        /// Coefficient of ``ln s``.
        #[getter]
        fn a(&self) -> BindResult<f64> {
            Ok(self.0.get()?.a)
        }
        /// Coefficient of ``-ln(1 - s)``.
        #[getter]
        fn b(&self) -> BindResult<f64> {
            Ok(self.0.get()?.b)
        }
        /// The intercept.
        #[getter]
        fn c(&self) -> BindResult<f64> {
            Ok(self.0.get()?.c)
        }
    }
}
