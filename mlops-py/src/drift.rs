//! `mlops_audit.drift`: two-sample tests of feature drift.

use std::borrow::Cow;

use mlops_drift::{DriftError, KsParams};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::detach;
use crate::errors::{BindError, BindResult};
use crate::input::extract_column;

fn parse<T: std::str::FromStr<Err = DriftError>>(value: &str) -> BindResult<T> {
    Ok(value.parse()?)
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
) -> BindResult<Py<PyAny>> {
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
    let r = detach(py, || mlops_drift::ks_2samp(&reference, &current, params))?;
    crate::results::to_py(py, &r)
}

/// One numeric sample as an owned vector (the core functions copy and sort anyway).
fn float_sample(obj: &Bound<'_, PyAny>, name: &str) -> BindResult<Vec<f64>> {
    let col = extract_column(obj, name)?;
    let values = col.floats(name)?;
    Ok(values.to_vec())
}

/// Wasserstein-1 distance of ``reference`` and ``current`` (optionally weighted).
#[pyfunction]
#[pyo3(signature = (reference, current, reference_weights=None, current_weights=None))]
pub fn _wasserstein(
    py: Python<'_>,
    reference: &Bound<'_, PyAny>,
    current: &Bound<'_, PyAny>,
    reference_weights: Option<&Bound<'_, PyAny>>,
    current_weights: Option<&Bound<'_, PyAny>>,
) -> BindResult<Py<PyAny>> {
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
        return crate::results::to_py(py, &r);
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
    crate::results::to_py(py, &r)
}

/// PSI and Jensen-Shannon distance on bins fixed from ``reference``.
#[pyfunction]
#[pyo3(signature = (reference, current, **options))]
pub fn _psi(
    py: Python<'_>,
    reference: &Bound<'_, PyAny>,
    current: &Bound<'_, PyAny>,
    options: Option<&Bound<'_, PyDict>>,
) -> BindResult<Py<PyAny>> {
    let params = crate::options::options::<mlops_drift::PsiOptions>(py, options)?.into();
    let reference = float_sample(reference, mlops_drift::ks::names::REFERENCE)?;
    let current = float_sample(current, mlops_drift::ks::names::CURRENT)?;
    let r = detach(py, || mlops_drift::psi(&reference, &current, params))?;
    crate::results::to_py(py, &r)
}

/// Categorical drift from ``(category, count)`` pairs.
#[pyfunction]
#[pyo3(signature = (reference, current, **options))]
pub fn _categorical(
    py: Python<'_>,
    reference: Vec<(String, f64)>,
    current: Vec<(String, f64)>,
    options: Option<&Bound<'_, PyDict>>,
) -> BindResult<Py<PyAny>> {
    let params = crate::options::options::<mlops_drift::CategoricalParams>(py, options)?;
    let r = detach(py, || {
        mlops_drift::categorical_drift(&reference, &current, params)
    })?;
    crate::results::to_py(py, &r)
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

/// Production share ``x / n`` against training share ``x0 / n0``.
#[pyfunction]
#[pyo3(signature = (x0, n0, x, n, confidence_level=0.95))]
pub fn _proportion(
    py: Python<'_>,
    #[pyo3(from_py_with = crate::args::i64s::x0)] x0: i64,
    #[pyo3(from_py_with = crate::args::i64s::n0)] n0: i64,
    #[pyo3(from_py_with = crate::args::i64s::x)] x: i64,
    #[pyo3(from_py_with = crate::args::i64s::n)] n: i64,
    confidence_level: f64,
) -> BindResult<Py<PyAny>> {
    use mlops_drift::proportion::names::{PRODUCTION, TRAINING};
    let (x0, n0) = (count(TRAINING, "x0", x0)?, count(TRAINING, "n0", n0)?);
    let (x, n) = (count(PRODUCTION, "x", x)?, count(PRODUCTION, "n", n)?);
    let r = detach(py, || {
        mlops_drift::proportion_drift(x0, n0, x, n, confidence_level)
    })?;
    crate::results::to_py(py, &r)
}

/// Multiple-testing correction of ``pvalues``.
#[pyfunction]
#[pyo3(signature = (pvalues, alpha=0.05, method="holm"))]
pub fn _multipletests(
    py: Python<'_>,
    pvalues: &Bound<'_, PyAny>,
    alpha: f64,
    method: &str,
) -> BindResult<Py<PyAny>> {
    let method: mlops_drift::Correction = parse(method)?;
    let pvalues = float_sample(pvalues, "pvalues")?;
    let r = detach(py, || mlops_drift::multipletests(&pvalues, alpha, method))?;
    crate::results::to_py(py, &r)
}

/// Anderson-Darling k-sample test of ``samples``.
#[pyfunction]
#[pyo3(signature = (samples, **options))]
pub fn _anderson_ksamp(
    py: Python<'_>,
    samples: Vec<Bound<'_, PyAny>>,
    options: Option<&Bound<'_, PyDict>>,
) -> BindResult<Py<PyAny>> {
    let params = crate::options::options::<mlops_drift::AndersonParams>(py, options)?;
    let owned = samples
        .iter()
        .enumerate()
        .map(|(i, s)| float_sample(s, &mlops_drift::anderson::sample_name(i)))
        .collect::<BindResult<Vec<Vec<f64>>>>()?;
    let r = detach(py, || {
        let views: Vec<&[f64]> = owned.iter().map(Vec::as_slice).collect();
        mlops_drift::anderson_ksamp(&views, params)
    })?;
    crate::results::to_py(py, &r)
}

/// Two-sample Cramér-von Mises test.
#[pyfunction]
#[pyo3(signature = (reference, current, method="auto"))]
pub fn _cramervonmises_2samp(
    py: Python<'_>,
    reference: &Bound<'_, PyAny>,
    current: &Bound<'_, PyAny>,
    method: &str,
) -> BindResult<Py<PyAny>> {
    let method: mlops_drift::CvmMethod = parse(method)?;
    let reference = float_sample(reference, mlops_drift::ks::names::REFERENCE)?;
    let current = float_sample(current, mlops_drift::ks::names::CURRENT)?;
    let r = detach(py, || {
        mlops_drift::cramervonmises_2samp(&reference, &current, method)
    })?;
    crate::results::to_py(py, &r)
}

/// Drift of a rate: ``current_count / current_total`` against
/// ``reference_count / reference_total`` under ``alternative``.
#[pyfunction]
#[pyo3(signature = (
    reference_count, reference_total, current_count, current_total, alternative="two-sided"
))]
pub fn _rate_drift(
    py: Python<'_>,
    #[pyo3(from_py_with = crate::args::i64s::reference_count)] reference_count: i64,
    #[pyo3(from_py_with = crate::args::i64s::reference_total)] reference_total: i64,
    #[pyo3(from_py_with = crate::args::i64s::current_count)] current_count: i64,
    #[pyo3(from_py_with = crate::args::i64s::current_total)] current_total: i64,
    alternative: &str,
) -> BindResult<Py<PyAny>> {
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
    crate::results::to_py(py, &r)
}

/// Missing values (NaN, +inf, -inf) of two numeric samples and the test of their rates.
#[pyfunction]
pub fn _numeric_missing(
    py: Python<'_>,
    reference: &Bound<'_, PyAny>,
    current: &Bound<'_, PyAny>,
) -> BindResult<Py<PyAny>> {
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
    crate::results::to_py(py, &r)
}

/// Categories of ``current`` unseen in ``reference`` and the test of the share of rows
/// they hold.
#[pyfunction]
pub fn _unseen_categories(
    py: Python<'_>,
    reference: Vec<(String, i64)>,
    current: Vec<(String, i64)>,
) -> BindResult<Py<PyAny>> {
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
    crate::results::to_py(py, &r)
}
