//! `mlops_audit.compare`: champion/challenger statistics, returned as
//! `mlops_audit.results` objects.

use mlops_core::compare::{
    Alternative, BootstrapMetric, BootstrapParams, RankMethod, SequentialKind, SequentialTest,
    ShadowAccumulator, ShadowConfig, bootstrap_multiplicities, cohens_h, delong, fisher_exact,
    mann_whitney_u, mcnemar_from_predictions, paired_bootstrap, paired_ttest, power, sample_size,
    two_proportion_ztest, welch_ttest, wilcoxon,
};
use mlops_core::{CoreError, CostMatrix};
use pyo3::prelude::*;

use crate::errors::{BindError, BindResult};

use crate::detach;
use crate::input::extract_column;

fn to_json<T: serde::Serialize>(v: &T) -> BindResult<String> {
    serde_json::to_string(v).map_err(|e| BindError::parameter("result", e.to_string()))
}

/// DeLong's test of ``AUC(score_challenger) - AUC(score_champion)`` on the same rows.
#[pyfunction]
#[pyo3(signature = (y_true, score_champion, score_challenger, level=0.95))]
pub fn _delong(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    score_champion: &Bound<'_, PyAny>,
    score_challenger: &Bound<'_, PyAny>,
    level: f64,
) -> BindResult<Py<PyAny>> {
    let y = extract_column(y_true, "y_true")?;
    let a = extract_column(score_champion, "score_champion")?;
    let b = extract_column(score_challenger, "score_challenger")?;
    let (y, a, b) = (
        y.labels("y_true")?,
        a.floats("score_champion")?,
        b.floats("score_challenger")?,
    );
    let r = detach(py, || delong(y.view(), a.view(), b.view(), level))?;
    crate::results::to_py(py, &r)
}

/// McNemar's test on the hard decisions of the champion and the challenger on the same
/// rows.
#[pyfunction]
#[pyo3(signature = (y_true, pred_champion, pred_challenger, exact=true, correction=true))]
pub fn _mcnemar(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    pred_champion: &Bound<'_, PyAny>,
    pred_challenger: &Bound<'_, PyAny>,
    exact: bool,
    correction: bool,
) -> BindResult<Py<PyAny>> {
    let y = extract_column(y_true, "y_true")?;
    let a = extract_column(pred_champion, "pred_champion")?;
    let b = extract_column(pred_challenger, "pred_challenger")?;
    let (y, a, b) = (
        y.labels("y_true")?,
        a.labels("pred_champion")?,
        b.labels("pred_challenger")?,
    );
    let r = detach(py, || {
        mcnemar_from_predictions(y.view(), a.view(), b.view(), exact, correction)
    })?;
    crate::results::to_py(py, &r)
}

/// Paired t-test of ``a - b`` row by row (``scipy.stats.ttest_rel``).
#[pyfunction]
#[pyo3(signature = (a, b, alternative="two-sided", level=0.95))]
pub fn _paired_ttest(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    alternative: &str,
    level: f64,
) -> BindResult<Py<PyAny>> {
    let (ca, cb) = (extract_column(a, "a")?, extract_column(b, "b")?);
    let (a, b) = (ca.floats("a")?, cb.floats("b")?);
    let r = detach(py, || {
        paired_ttest(a.view(), b.view(), Alternative::parse(alternative)?, level)
    })?;
    crate::results::to_py(py, &r)
}

/// Welch's t-test (``scipy.stats.ttest_ind(equal_var=False)``).
#[pyfunction]
#[pyo3(signature = (a, b, alternative="two-sided", level=0.95))]
pub fn _welch_ttest(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    alternative: &str,
    level: f64,
) -> BindResult<Py<PyAny>> {
    let (ca, cb) = (extract_column(a, "a")?, extract_column(b, "b")?);
    let (a, b) = (ca.floats("a")?, cb.floats("b")?);
    let r = detach(py, || {
        welch_ttest(a.view(), b.view(), Alternative::parse(alternative)?, level)
    })?;
    crate::results::to_py(py, &r)
}

/// Wilcoxon signed-rank test of ``a - b`` (``scipy.stats.wilcoxon``).
#[pyfunction]
#[pyo3(signature = (a, b, alternative="two-sided", method="auto"))]
pub fn _wilcoxon(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    alternative: &str,
    method: &str,
) -> BindResult<Py<PyAny>> {
    rank_test(py, a, b, alternative, method, |a, b, alt, m| {
        wilcoxon(a, b, alt, m)
    })
}

/// Mann-Whitney U test (``scipy.stats.mannwhitneyu``).
#[pyfunction]
#[pyo3(signature = (a, b, alternative="two-sided", method="auto"))]
pub fn _mann_whitney(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    alternative: &str,
    method: &str,
) -> BindResult<Py<PyAny>> {
    rank_test(py, a, b, alternative, method, |a, b, alt, m| {
        mann_whitney_u(a, b, alt, m)
    })
}

/// A two-sample rank test with an alternative and a method.
fn rank_test<R: crate::results::ResultType + Send>(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    alternative: &str,
    method: &str,
    test: impl FnOnce(
        ndarray::ArrayView1<'_, f64>,
        ndarray::ArrayView1<'_, f64>,
        Alternative,
        RankMethod,
    ) -> Result<R, mlops_core::CoreError>
    + Send,
) -> BindResult<Py<PyAny>> {
    let (ca, cb) = (extract_column(a, "a")?, extract_column(b, "b")?);
    let (a, b) = (ca.floats("a")?, cb.floats("b")?);
    let r = detach(py, || {
        test(
            a.view(),
            b.view(),
            Alternative::parse(alternative)?,
            RankMethod::parse(method)?,
        )
    })?;
    crate::results::to_py(py, &r)
}

/// Pooled two-proportion z-test (statsmodels' ``proportions_ztest``).
#[pyfunction]
#[pyo3(signature = (count1, nobs1, count2, nobs2, alternative="two-sided"))]
pub fn _two_proportion_ztest(
    py: Python<'_>,
    #[pyo3(from_py_with = crate::args::u64s::count1)] count1: u64,
    #[pyo3(from_py_with = crate::args::u64s::nobs1)] nobs1: u64,
    #[pyo3(from_py_with = crate::args::u64s::count2)] count2: u64,
    #[pyo3(from_py_with = crate::args::u64s::nobs2)] nobs2: u64,
    alternative: &str,
) -> BindResult<Py<PyAny>> {
    let (c1, n1, c2, n2) = (count1, nobs1, count2, nobs2);
    let r = detach(py, || {
        two_proportion_ztest(c1, n1, c2, n2, Alternative::parse(alternative)?)
    })?;
    crate::results::to_py(py, &r)
}

/// Fisher's exact test on ``[[t00, t01], [t10, t11]]`` (``scipy.stats.fisher_exact``).
#[pyfunction]
#[pyo3(signature = (t00, t01, t10, t11, alternative="two-sided"))]
pub fn _fisher_exact(
    py: Python<'_>,
    #[pyo3(from_py_with = crate::args::u64s::t00)] t00: u64,
    #[pyo3(from_py_with = crate::args::u64s::t01)] t01: u64,
    #[pyo3(from_py_with = crate::args::u64s::t10)] t10: u64,
    #[pyo3(from_py_with = crate::args::u64s::t11)] t11: u64,
    alternative: &str,
) -> BindResult<Py<PyAny>> {
    let table = [[t00, t01], [t10, t11]];
    let r = detach(py, || fisher_exact(table, Alternative::parse(alternative)?))?;
    crate::results::to_py(py, &r)
}

/// Power of the two-sample normal test (statsmodels' ``NormalIndPower.power``).
#[pyfunction]
#[pyo3(signature = (effect_size, nobs1, alpha=0.05, ratio=1.0, alternative="two-sided"))]
pub fn _power(
    py: Python<'_>,
    effect_size: f64,
    nobs1: f64,
    alpha: f64,
    ratio: f64,
    alternative: &str,
) -> BindResult<Py<PyAny>> {
    let r = detach(py, || {
        Alternative::parse(alternative).and_then(|alt| power(effect_size, nobs1, alpha, ratio, alt))
    })?;
    crate::results::to_py(py, &r)
}

/// Sample size for a target power (``NormalIndPower.solve_power``).
#[pyfunction]
#[pyo3(signature = (effect_size, power=0.8, alpha=0.05, ratio=1.0, alternative="two-sided"))]
pub fn _sample_size(
    py: Python<'_>,
    effect_size: f64,
    power: f64,
    alpha: f64,
    ratio: f64,
    alternative: &str,
) -> BindResult<Py<PyAny>> {
    let r = detach(py, || {
        Alternative::parse(alternative)
            .and_then(|alt| sample_size(effect_size, power, alpha, ratio, alt))
    })?;
    crate::results::to_py(py, &r)
}

/// Cohen's h for two proportions.
#[pyfunction]
pub fn _cohens_h(p1: f64, p2: f64) -> BindResult<f64> {
    Ok(cohens_h(p1, p2)?)
}

/// The metric of a paired bootstrap from its Python spelling and options.
fn bootstrap_metric(
    metric: &str,
    cost: Option<&crate::metrics::PyCostMatrix>,
    thresholds: Option<(f64, f64)>,
) -> BindResult<BootstrapMetric> {
    let need_thresholds = || {
        thresholds.map(|(a, b)| [a, b]).ok_or_else(|| {
            BindError::parameter(
                "threshold",
                format!(
                    "the {metric} metric needs a threshold (one, or a pair (champion, challenger))"
                ),
            )
        })
    };
    if matches!(metric, "auc" | "brier") && (thresholds.is_some() || cost.is_some()) {
        return Err(BindError::parameter(
            "threshold",
            format!("the {metric} metric uses neither a threshold nor a cost matrix: drop them"),
        ));
    }
    match metric {
        "auc" => Ok(BootstrapMetric::Auc),
        "brier" => Ok(BootstrapMetric::Brier),
        "cost" => {
            let cost = cost.map(|c| c.0).unwrap_or_default();
            Ok(BootstrapMetric::Cost {
                cost,
                thresholds: thresholds_or_bayes(thresholds, &cost),
            })
        }
        "max_fpr_gap" => Ok(BootstrapMetric::MaxFprGap {
            thresholds: need_thresholds()?,
        }),
        other => Err(BindError::parameter(
            "metric",
            format!("must be \"auc\", \"brier\", \"cost\" or \"max_fpr_gap\", got {other:?}"),
        )),
    }
}

/// Paired bootstrap of ``metric(challenger) - metric(champion)``.
#[pyfunction]
#[pyo3(signature = (y_true, score_champion, score_challenger, metric, n_resamples, seed, confidence_level, groups=None, thresholds=None, cost=None, sample_weight=None))]
#[allow(clippy::too_many_arguments)]
pub fn _paired_bootstrap(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    score_champion: &Bound<'_, PyAny>,
    score_challenger: &Bound<'_, PyAny>,
    metric: &str,
    #[pyo3(from_py_with = crate::args::usizes::n_resamples)] n_resamples: usize,
    #[pyo3(from_py_with = crate::args::u64s::seed)] seed: u64,
    confidence_level: f64,
    groups: Option<&Bound<'_, PyAny>>,
    thresholds: Option<(f64, f64)>,
    cost: Option<&crate::metrics::PyCostMatrix>,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> BindResult<Py<PyAny>> {
    let metric = bootstrap_metric(metric, cost, thresholds)?;
    let params = BootstrapParams::new(metric, n_resamples, seed, confidence_level)?;
    let y = extract_column(y_true, "y_true")?;
    let a = extract_column(score_champion, "score_champion")?;
    let b = extract_column(score_challenger, "score_challenger")?;
    let w = crate::input::extract_optional(sample_weight, "sample_weight")?;
    let groups = groups.map(crate::input::extract_groups).transpose()?;
    let (y, a, b) = (
        y.labels("y_true")?,
        a.floats("score_champion")?,
        b.floats("score_challenger")?,
    );
    let w = w.as_ref().map(|w| w.floats("sample_weight")).transpose()?;
    let r = crate::detach_interruptible(py, || {
        paired_bootstrap(
            y.view(),
            a.view(),
            b.view(),
            w.as_ref().map(|w| w.view()),
            groups.as_ref(),
            &params,
        )
    })?;
    crate::results::to_py(py, &r)
}

/// The multiplicities of replicates ``0..n_replicates`` of a paired bootstrap of ``n`` rows
/// with ``seed``, row-major in one flat array (reshape to ``(n_replicates, n)``).
#[pyfunction]
pub fn _bootstrap_multiplicities<'py>(
    py: Python<'py>,
    #[pyo3(from_py_with = crate::args::usizes::n)] n: usize,
    #[pyo3(from_py_with = crate::args::u64s::seed)] seed: u64,
    #[pyo3(from_py_with = crate::args::usizes::n_replicates)] n_replicates: usize,
) -> Bound<'py, numpy::PyArray1<u32>> {
    use numpy::IntoPyArray;
    let flat: Vec<u32> = py.detach(|| {
        (0..n_replicates)
            .flat_map(|r| bootstrap_multiplicities(n, seed, r))
            .collect()
    });
    flat.into_pyarray(py)
}

/// Thresholds `(champion, challenger)` from one number or a pair; the cost's Bayes
/// threshold by default.
fn thresholds_or_bayes(thresholds: Option<(f64, f64)>, cost: &CostMatrix) -> [f64; 2] {
    let t = cost.bayes_threshold();
    thresholds.map_or([t, t], |(a, b)| [a, b])
}

/// The compiled state of ``mlops_audit.compare.ShadowAccumulator``.
#[pyclass(name = "_ShadowAccumulator", module = "mlops_audit._mlops_audit")]
pub struct PyShadowAccumulator(ShadowAccumulator);

#[pymethods]
impl PyShadowAccumulator {
    #[new]
    #[pyo3(signature = (max_pending, thresholds=None, cost=None, confidence_level=0.95))]
    fn new(
        #[pyo3(from_py_with = crate::args::usizes::max_pending)] max_pending: usize,
        thresholds: Option<(f64, f64)>,
        cost: Option<&crate::metrics::PyCostMatrix>,
        confidence_level: f64,
    ) -> BindResult<Self> {
        let cost = cost.map(|c| c.0).unwrap_or_default();
        let config = ShadowConfig::new(
            max_pending,
            thresholds_or_bayes(thresholds, &cost),
            cost,
            confidence_level,
        )?;
        Ok(Self(ShadowAccumulator::new(config)))
    }

    /// Records both scores of one request.
    #[pyo3(signature = (request_id, champion, challenger, group="all"))]
    fn record(
        &mut self,
        #[pyo3(from_py_with = crate::args::u64s::request_id)] request_id: u64,
        champion: f64,
        challenger: f64,
        group: &str,
    ) -> BindResult<()> {
        Ok(self.0.record(request_id, champion, challenger, group)?)
    }

    /// Records many requests; stops at the first bad score (the earlier ones are kept).
    #[pyo3(signature = (request_ids, champion, challenger, groups=None))]
    fn record_many(
        &mut self,
        #[pyo3(from_py_with = crate::args::u64_lists::request_ids)] request_ids: Vec<u64>,
        champion: &Bound<'_, PyAny>,
        challenger: &Bound<'_, PyAny>,
        groups: Option<Vec<String>>,
    ) -> BindResult<()> {
        let champion_col = crate::input::extract_column(champion, "champion")?;
        let challenger_col = crate::input::extract_column(challenger, "challenger")?;
        let champion = champion_col.floats("champion")?;
        let challenger = challenger_col.floats("challenger")?;
        let n = request_ids.len();
        mlops_core::check_len("champion", champion.len(), "request_ids", n)
            .and_then(|()| mlops_core::check_len("challenger", challenger.len(), "request_ids", n))
            .and_then(|()| {
                groups.as_ref().map_or(Ok(()), |g| {
                    mlops_core::check_len("groups", g.len(), "request_ids", n)
                })
            })?;
        for i in 0..n {
            let group = groups.as_ref().map_or("all", |g| g[i].as_str());
            self.0
                .record(request_ids[i], champion[i], challenger[i], group)
                .map_err(|e| match e {
                    CoreError::NotFinite { input, value, .. } => {
                        BindError::from(CoreError::NotFinite {
                            input,
                            index: i,
                            value,
                        })
                    }
                    other => BindError::from(other),
                })?;
        }
        Ok(())
    }

    /// Records a label; ``False`` when the id was not pending (counted, dropped).
    fn label(
        &mut self,
        #[pyo3(from_py_with = crate::args::u64s::request_id)] request_id: u64,
        label: bool,
    ) -> bool {
        self.0.label(request_id, label)
    }

    /// Records many labels; returns how many matched a pending request.
    fn label_many(
        &mut self,
        #[pyo3(from_py_with = crate::args::u64_lists::request_ids)] request_ids: Vec<u64>,
        labels: Vec<bool>,
    ) -> BindResult<usize> {
        mlops_core::check_len("labels", labels.len(), "request_ids", request_ids.len())?;
        Ok(request_ids
            .iter()
            .zip(&labels)
            .filter(|&(&id, &y)| self.0.label(id, y))
            .count())
    }

    /// Adds another accumulator's rows, pending requests and counters.
    fn merge(&mut self, other: &Self) -> BindResult<()> {
        Ok(self.0.merge(&other.0)?)
    }

    /// Labelled rows.
    #[getter]
    fn labelled(&self) -> usize {
        self.0.labelled()
    }

    /// Requests waiting for a label.
    #[getter]
    fn pending(&self) -> usize {
        self.0.pending()
    }

    /// The paired tests on the labelled rows.
    fn summary(&self, py: Python<'_>) -> BindResult<Py<PyAny>> {
        let s = py.detach(|| self.0.summary());
        crate::results::to_py(py, &s)
    }

    /// The whole state as JSON text.
    fn to_json(&self) -> BindResult<String> {
        to_json(&self.0)
    }

    /// An accumulator from :meth:`to_json` text.
    #[staticmethod]
    fn from_json(text: &str) -> BindResult<Self> {
        Ok(Self(ShadowAccumulator::from_json(text)?))
    }
}

/// The compiled state of ``mlops_audit.compare.SequentialTest``.
#[pyclass(name = "_SequentialTest", module = "mlops_audit._mlops_audit")]
pub struct PySequentialTest(SequentialTest);

#[pymethods]
impl PySequentialTest {
    #[new]
    fn new(kind: &str, alpha: f64, tau2: f64) -> BindResult<Self> {
        let kind = match kind {
            "proportions" => SequentialKind::Proportions,
            "means" => SequentialKind::Means,
            other => {
                return Err(BindError::parameter(
                    "kind",
                    format!("must be \"proportions\" or \"means\", got {other:?}"),
                ));
            }
        };
        Ok(Self(SequentialTest::new(kind, alpha, tau2)?))
    }

    /// Adds a batch of values to each arm, then looks.
    fn update(&mut self, champion: Vec<f64>, challenger: Vec<f64>) -> BindResult<()> {
        Ok(self.0.update(&champion, &challenger)?)
    }

    /// Adds a batch of counts to each arm of a proportions test, then looks.
    fn update_counts(
        &mut self,
        #[pyo3(from_py_with = crate::args::u64s::successes_champion)] successes_champion: u64,
        #[pyo3(from_py_with = crate::args::u64s::trials_champion)] trials_champion: u64,
        #[pyo3(from_py_with = crate::args::u64s::successes_challenger)] successes_challenger: u64,
        #[pyo3(from_py_with = crate::args::u64s::trials_challenger)] trials_challenger: u64,
    ) -> BindResult<()> {
        Ok(self.0.update_counts(
            successes_champion,
            trials_champion,
            successes_challenger,
            trials_challenger,
        )?)
    }

    /// Where the test stands.
    fn result(&self, py: Python<'_>) -> BindResult<Py<PyAny>> {
        crate::results::to_py(py, &self.0.result())
    }

    /// The whole state as JSON text.
    fn to_json(&self) -> BindResult<String> {
        to_json(&self.0)
    }

    /// A test from :meth:`to_json` text.
    #[staticmethod]
    fn from_json(text: &str) -> BindResult<Self> {
        Ok(Self(SequentialTest::from_json(text)?))
    }
}
