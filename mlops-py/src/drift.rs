//! `mlops_audit.drift`: two-sample tests of feature drift.

use std::borrow::Cow;

use mlops_drift::{Alternative, DriftError, KsParams, KsResult, PValueMethod};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::detach;
use crate::errors::{BindError, BindResult};
use crate::input::extract_column;

/// The result of :func:`ks_2samp`, with the fields of ``scipy.stats.ks_2samp``'s result.
///
/// Unpacks like SciPy's: ``statistic, pvalue = ks_2samp(reference, current)``.
#[pyclass(frozen, eq, name = "KsResult", module = "mlops_audit.drift")]
#[derive(Clone, PartialEq)]
pub struct PyKsResult(KsResult);

fn parse<T: std::str::FromStr<Err = DriftError>>(value: &str) -> BindResult<T> {
    Ok(value.parse()?)
}

#[pymethods]
impl PyKsResult {
    #[new]
    #[pyo3(signature = (
        statistic, pvalue, method, statistic_location, statistic_sign, alternative,
        reference_size, current_size
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        statistic: f64,
        pvalue: f64,
        method: &str,
        statistic_location: f64,
        #[pyo3(from_py_with = crate::args::i64s::statistic_sign)] statistic_sign: i64,
        alternative: &str,
        #[pyo3(from_py_with = crate::args::usizes::reference_size)] reference_size: usize,
        #[pyo3(from_py_with = crate::args::usizes::current_size)] current_size: usize,
    ) -> BindResult<Self> {
        let method = match method {
            "exact" => PValueMethod::Exact,
            "asymp" => PValueMethod::Asymp,
            other => {
                return Err(BindError::parameter(
                    "method",
                    format!("expected \"exact\" or \"asymp\", got {other:?}"),
                ));
            }
        };
        if statistic_sign != 1 && statistic_sign != -1 {
            return Err(BindError::parameter(
                "statistic_sign",
                format!("expected 1 or -1, got {statistic_sign}"),
            ));
        }
        Ok(Self(KsResult {
            statistic,
            pvalue,
            method,
            statistic_location,
            statistic_sign: if statistic_sign > 0 { 1 } else { -1 },
            alternative: parse::<Alternative>(alternative)?,
            reference_size,
            current_size,
        }))
    }
    /// The KS statistic: the largest distance between the two empirical CDFs, in the
    /// direction of ``alternative``.
    #[getter]
    fn statistic(&self) -> f64 {
        self.0.statistic
    }
    /// The p-value.
    #[getter]
    fn pvalue(&self) -> f64 {
        self.0.pvalue
    }
    /// How the p-value was computed: ``"exact"`` or ``"asymp"`` (after the ``"auto"`` rule
    /// and any fallback).
    #[getter]
    fn method(&self) -> &'static str {
        self.0.method.name()
    }
    /// The observed value where the distance between the CDFs is attained.
    #[getter]
    fn statistic_location(&self) -> f64 {
        self.0.statistic_location
    }
    /// ``+1`` when the reference CDF exceeds the current one at the location, else ``-1``.
    #[getter]
    fn statistic_sign(&self) -> i8 {
        self.0.statistic_sign
    }
    /// The alternative hypothesis tested.
    #[getter]
    fn alternative(&self) -> &'static str {
        self.0.alternative.name()
    }
    /// Number of reference observations.
    #[getter]
    fn reference_size(&self) -> usize {
        self.0.reference_size
    }
    /// Number of current observations.
    #[getter]
    fn current_size(&self) -> usize {
        self.0.current_size
    }
    /// Every field as a plain ``dict``.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let r = &self.0;
        let d = PyDict::new(py);
        d.set_item("statistic", r.statistic)?;
        d.set_item("pvalue", r.pvalue)?;
        d.set_item("method", r.method.name())?;
        d.set_item("statistic_location", r.statistic_location)?;
        d.set_item("statistic_sign", r.statistic_sign)?;
        d.set_item("alternative", r.alternative.name())?;
        d.set_item("reference_size", r.reference_size)?;
        d.set_item("current_size", r.current_size)?;
        Ok(d)
    }
    /// Every field as JSON (the content of :meth:`to_dict`).
    fn to_json(&self) -> BindResult<String> {
        serde_json::to_string(&self.0).map_err(|e| BindError::parameter("json", e.to_string()))
    }
    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        PyTuple::new(py, [self.0.statistic, self.0.pvalue])?
            .as_any()
            .try_iter()
            .map(Bound::into_any)
    }
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let r = &self.0;
        (
            py.get_type::<Self>(),
            (
                r.statistic,
                r.pvalue,
                r.method.name(),
                r.statistic_location,
                r.statistic_sign,
                r.alternative.name(),
                r.reference_size,
                r.current_size,
            ),
        )
            .into_pyobject(py)
    }
    fn __repr__(&self) -> String {
        let r = &self.0;
        format!(
            "KsResult(statistic={}, pvalue={}, method='{}', statistic_location={}, \
             statistic_sign={}, alternative='{}', reference_size={}, current_size={})",
            float_repr(r.statistic),
            float_repr(r.pvalue),
            r.method,
            float_repr(r.statistic_location),
            r.statistic_sign,
            r.alternative,
            r.reference_size,
            r.current_size
        )
    }
}

/// Python's `repr` of a finite float (shortest round-trip digits, always a decimal point
/// or an exponent).
fn float_repr(v: f64) -> String {
    let s = format!("{v:?}");
    // Rust prints 1e-5 as "1e-5"; Python as "1e-05".
    match s.split_once('e') {
        Some((mantissa, exp)) => {
            let (sign, digits) = exp.strip_prefix('-').map_or(("+", exp), |d| ("-", d));
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => s,
    }
}

/// Two-sample Kolmogorov-Smirnov test: has the distribution of a numeric feature drifted
/// between ``reference`` (e.g. training data) and ``current`` (e.g. production data)?
///
/// Same meaning, parameters and ``method="auto"`` rule as ``scipy.stats.ks_2samp``
/// (exact p-values when both samples have at most 10 000 values), agreeing with it to
/// 1e-10 (relative) on p-values. Where SciPy abandons the exact computation with a
/// warning, this computes it anyway when affordable; ``result.method`` says which method
/// gave the p-value. Missing or non-finite values raise ``MissingValueError`` /
/// ``NonFiniteError`` naming the sample and the index.
#[pyfunction]
#[pyo3(signature = (reference, current, *, alternative="two-sided", method="auto"))]
pub fn ks_2samp(
    py: Python<'_>,
    reference: &Bound<'_, PyAny>,
    current: &Bound<'_, PyAny>,
    alternative: &str,
    method: &str,
) -> BindResult<PyKsResult> {
    let params = KsParams::parse(alternative, method)?;
    let reference_col = extract_column(reference, mlops_drift::ks::names::REFERENCE)?;
    let current_col = extract_column(current, mlops_drift::ks::names::CURRENT)?;
    let reference = reference_col.floats(mlops_drift::ks::names::REFERENCE)?;
    let current = current_col.floats(mlops_drift::ks::names::CURRENT)?;
    // The test copies and sorts each sample anyway; a strided view is copied here once.
    let reference: Cow<'_, [f64]> = reference
        .as_slice()
        .map_or_else(|| Cow::Owned(reference.to_vec()), Cow::Borrowed);
    let current: Cow<'_, [f64]> = current
        .as_slice()
        .map_or_else(|| Cow::Owned(current.to_vec()), Cow::Borrowed);
    detach(py, || mlops_drift::ks_2samp(&reference, &current, params)).map(PyKsResult)
}

fn to_json<T: serde::Serialize>(v: &T) -> BindResult<String> {
    serde_json::to_string(v).map_err(|e| BindError::parameter("result", e.to_string()))
}

/// One numeric sample as an owned vector (the core functions copy and sort anyway).
fn float_sample(obj: &Bound<'_, PyAny>, name: &str) -> BindResult<Vec<f64>> {
    let col = extract_column(obj, name)?;
    let values = col.floats(name)?;
    Ok(values.to_vec())
}

/// Wasserstein-1 distance of ``reference`` and ``current`` (optionally weighted); JSON text.
#[pyfunction]
#[pyo3(signature = (reference, current, reference_weights=None, current_weights=None))]
pub fn _wasserstein_json(
    py: Python<'_>,
    reference: &Bound<'_, PyAny>,
    current: &Bound<'_, PyAny>,
    reference_weights: Option<&Bound<'_, PyAny>>,
    current_weights: Option<&Bound<'_, PyAny>>,
) -> BindResult<String> {
    use mlops_drift::wasserstein::weight_names;
    if reference_weights.is_some() || current_weights.is_some() {
        let reference = float_sample(reference, mlops_drift::ks::names::REFERENCE)?;
        let current = float_sample(current, mlops_drift::ks::names::CURRENT)?;
        let weights =
            |w: Option<&Bound<'_, PyAny>>, name: &str| w.map(|w| float_sample(w, name)).transpose();
        let rw = weights(reference_weights, weight_names::REFERENCE)?;
        let cw = weights(current_weights, weight_names::CURRENT)?;
        let r = detach(py, || {
            mlops_drift::wasserstein_weighted(&reference, &current, rw.as_deref(), cw.as_deref())
        })?;
        return to_json(&r);
    }
    // Borrowed from numpy when contiguous, as in `ks_2samp`: the core sorts copies anyway.
    let reference_col = extract_column(reference, mlops_drift::ks::names::REFERENCE)?;
    let current_col = extract_column(current, mlops_drift::ks::names::CURRENT)?;
    let reference = reference_col.floats(mlops_drift::ks::names::REFERENCE)?;
    let current = current_col.floats(mlops_drift::ks::names::CURRENT)?;
    let reference: Cow<'_, [f64]> = reference
        .as_slice()
        .map_or_else(|| Cow::Owned(reference.to_vec()), Cow::Borrowed);
    let current: Cow<'_, [f64]> = current
        .as_slice()
        .map_or_else(|| Cow::Owned(current.to_vec()), Cow::Borrowed);
    let r = detach(py, || mlops_drift::wasserstein(&reference, &current))?;
    to_json(&r)
}

/// PSI and Jensen-Shannon distance on bins fixed from ``reference``; JSON text.
#[pyfunction]
#[pyo3(signature = (reference, current, bins=10, edges=None, epsilon=1e-4))]
pub fn _psi_json(
    py: Python<'_>,
    reference: &Bound<'_, PyAny>,
    current: &Bound<'_, PyAny>,
    #[pyo3(from_py_with = crate::args::usizes::bins)] bins: usize,
    edges: Option<Vec<f64>>,
    epsilon: f64,
) -> BindResult<String> {
    let reference = float_sample(reference, mlops_drift::ks::names::REFERENCE)?;
    let current = float_sample(current, mlops_drift::ks::names::CURRENT)?;
    let binning = match edges {
        Some(e) => mlops_drift::Binning::Edges(e),
        None => mlops_drift::Binning::Quantiles(bins),
    };
    let params = mlops_drift::PsiParams { binning, epsilon };
    let r = detach(py, || mlops_drift::psi(&reference, &current, params))?;
    to_json(&r)
}

/// Categorical drift from ``(category, count)`` pairs; JSON text.
#[pyfunction]
#[pyo3(signature = (reference, current, epsilon=1e-4))]
pub fn _categorical_json(
    py: Python<'_>,
    reference: Vec<(String, f64)>,
    current: Vec<(String, f64)>,
    epsilon: f64,
) -> BindResult<String> {
    let params = mlops_drift::CategoricalParams { epsilon };
    let r = detach(py, || {
        mlops_drift::categorical_drift(&reference, &current, params)
    })?;
    to_json(&r)
}

/// A count from Python: negative values are refused with the count's name.
fn count(sample: &str, name: &str, value: i64) -> BindResult<u64> {
    u64::try_from(value).map_err(|_| {
        BindError::from(DriftError::InvalidCount {
            sample: sample.to_owned(),
            category: name.to_owned(),
            value: value as f64,
        })
    })
}

/// Production share ``x / n`` against training share ``x0 / n0``; JSON text.
#[pyfunction]
#[pyo3(signature = (x0, n0, x, n, confidence_level=0.95))]
pub fn _proportion_json(
    py: Python<'_>,
    #[pyo3(from_py_with = crate::args::i64s::x0)] x0: i64,
    #[pyo3(from_py_with = crate::args::i64s::n0)] n0: i64,
    #[pyo3(from_py_with = crate::args::i64s::x)] x: i64,
    #[pyo3(from_py_with = crate::args::i64s::n)] n: i64,
    confidence_level: f64,
) -> BindResult<String> {
    use mlops_drift::proportion::names::{PRODUCTION, TRAINING};
    let (x0, n0) = (count(TRAINING, "x0", x0)?, count(TRAINING, "n0", n0)?);
    let (x, n) = (count(PRODUCTION, "x", x)?, count(PRODUCTION, "n", n)?);
    let r = detach(py, || {
        mlops_drift::proportion_drift(x0, n0, x, n, confidence_level)
    })?;
    to_json(&r)
}

/// Multiple-testing correction of ``pvalues``; JSON text.
#[pyfunction]
#[pyo3(signature = (pvalues, alpha=0.05, method="holm"))]
pub fn _multipletests_json(
    py: Python<'_>,
    pvalues: &Bound<'_, PyAny>,
    alpha: f64,
    method: &str,
) -> BindResult<String> {
    let method: mlops_drift::Correction = parse(method)?;
    let pvalues = float_sample(pvalues, "pvalues")?;
    let r = detach(py, || mlops_drift::multipletests(&pvalues, alpha, method))?;
    to_json(&r)
}

/// Anderson-Darling k-sample test of ``samples``; JSON text.
#[pyfunction]
#[pyo3(signature = (samples, variant="midrank", method="interpolated", resamples=9999, seed=0))]
pub fn _anderson_ksamp_json(
    py: Python<'_>,
    samples: Vec<Bound<'_, PyAny>>,
    variant: &str,
    method: &str,
    #[pyo3(from_py_with = crate::args::usizes::resamples)] resamples: usize,
    #[pyo3(from_py_with = crate::args::u64s::seed)] seed: u64,
) -> BindResult<String> {
    let params = mlops_drift::AndersonParams {
        variant: parse(variant)?,
        method: parse(method)?,
        resamples,
        seed,
    };
    let owned = samples
        .iter()
        .enumerate()
        .map(|(i, s)| float_sample(s, &mlops_drift::anderson::sample_name(i)))
        .collect::<BindResult<Vec<Vec<f64>>>>()?;
    let r = detach(py, || {
        let views: Vec<&[f64]> = owned.iter().map(Vec::as_slice).collect();
        mlops_drift::anderson_ksamp(&views, params)
    })?;
    to_json(&r)
}

/// Two-sample Cramér-von Mises test; JSON text.
#[pyfunction]
#[pyo3(signature = (reference, current, method="auto"))]
pub fn _cramervonmises_2samp_json(
    py: Python<'_>,
    reference: &Bound<'_, PyAny>,
    current: &Bound<'_, PyAny>,
    method: &str,
) -> BindResult<String> {
    let method: mlops_drift::CvmMethod = parse(method)?;
    let reference = float_sample(reference, mlops_drift::ks::names::REFERENCE)?;
    let current = float_sample(current, mlops_drift::ks::names::CURRENT)?;
    let r = detach(py, || {
        mlops_drift::cramervonmises_2samp(&reference, &current, method)
    })?;
    to_json(&r)
}

/// Drift of a rate: ``current_count / current_total`` against
/// ``reference_count / reference_total`` under ``alternative``; JSON text.
#[pyfunction]
#[pyo3(signature = (
    reference_count, reference_total, current_count, current_total, alternative="two-sided"
))]
pub fn _rate_drift_json(
    py: Python<'_>,
    #[pyo3(from_py_with = crate::args::i64s::reference_count)] reference_count: i64,
    #[pyo3(from_py_with = crate::args::i64s::reference_total)] reference_total: i64,
    #[pyo3(from_py_with = crate::args::i64s::current_count)] current_count: i64,
    #[pyo3(from_py_with = crate::args::i64s::current_total)] current_total: i64,
    alternative: &str,
) -> BindResult<String> {
    let alternative = mlops_drift::missing::Alternative::parse(alternative)?;
    use mlops_drift::ks::names::{CURRENT, REFERENCE};
    let (x0, n0) = (
        count(REFERENCE, "reference_count", reference_count)?,
        count(REFERENCE, "reference_total", reference_total)?,
    );
    let (x, n) = (
        count(CURRENT, "current_count", current_count)?,
        count(CURRENT, "current_total", current_total)?,
    );
    let r = detach(py, || mlops_drift::rate_test(x0, n0, x, n, alternative))?;
    to_json(&r)
}

/// Missing values (NaN, +inf, -inf) of two numeric samples and the test of their rates;
/// JSON text.
#[pyfunction]
pub fn _numeric_missing_json(
    py: Python<'_>,
    reference: &Bound<'_, PyAny>,
    current: &Bound<'_, PyAny>,
) -> BindResult<String> {
    use mlops_drift::ks::names::{CURRENT, REFERENCE};
    let reference_col = extract_column(reference, REFERENCE)?;
    let current_col = extract_column(current, CURRENT)?;
    let reference = reference_col.floats(REFERENCE)?;
    let current = current_col.floats(CURRENT)?;
    let reference: Cow<'_, [f64]> = reference
        .as_slice()
        .map_or_else(|| Cow::Owned(reference.to_vec()), Cow::Borrowed);
    let current: Cow<'_, [f64]> = current
        .as_slice()
        .map_or_else(|| Cow::Owned(current.to_vec()), Cow::Borrowed);
    let r = detach(py, || {
        mlops_drift::numeric_missing_drift(&reference, &current)
    })?;
    to_json(&r)
}

/// Categories of ``current`` unseen in ``reference`` and the test of the share of rows
/// they hold; JSON text.
#[pyfunction]
pub fn _unseen_categories_json(
    py: Python<'_>,
    reference: Vec<(String, i64)>,
    current: Vec<(String, i64)>,
) -> BindResult<String> {
    use mlops_drift::ks::names::{CURRENT, REFERENCE};
    let convert = |sample: &str, pairs: Vec<(String, i64)>| -> BindResult<Vec<(String, u64)>> {
        pairs
            .into_iter()
            .map(|(k, v)| count(sample, &k, v).map(|v| (k, v)))
            .collect()
    };
    let reference = convert(REFERENCE, reference)?;
    let current = convert(CURRENT, current)?;
    let r = detach(py, || {
        mlops_drift::unseen_category_drift(&reference, &current)
    })?;
    to_json(&r)
}
