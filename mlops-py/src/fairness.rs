//! `mlops_audit.fairness`: equal-opportunity thresholds.

use mlops_core::GroupKey;
use mlops_fairness::{
    AuditOptions, Decision, EstimateParams, FairnessError, FlagRule, GroupAudit, GroupMetrics,
    GroupRule, SearchOptions, ThresholdPolicy, audit as run_audit, audit_summary, estimate,
    expand_membership, rate_by_name, uniform_from_key, uniform_from_seed,
};
use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::detach;
use crate::errors::{BindError, BindResult};
use crate::input::{TaskInputs, extract_column, extract_optional};
use crate::input::{extract_group_proba, extract_groups, key_to_py, row_keys};
use crate::metrics::PyCostMatrix;
use crate::summary::PyScoreSummary;

fn json_err(e: serde_json::Error) -> BindError {
    BindError::parameter("json", e.to_string())
}

/// Per-group thresholds fitted under a fairness constraint (see :func:`equal_opportunity`),
/// with the rates and costs they achieve and what the alternatives would cost.
///
/// Dict views are keyed by group: the value itself for one sensitive column (an int stays
/// an int, a str a str), a tuple of values for several; :meth:`predict` takes group
/// columns of the types the policy was fitted on.
#[pyclass(frozen, name = "ThresholdPolicy", module = "mlops_audit.fairness")]
pub struct PyThresholdPolicy(pub ThresholdPolicy);

fn rule_tuple(r: GroupRule) -> (f64, f64) {
    (r.threshold, r.p_at_threshold)
}

impl PyThresholdPolicy {
    /// An error for views that cannot describe rules with a band.
    fn no_bands(&self, what: &str) -> BindResult<()> {
        match self.0.groups.iter().find(|g| g.rule.band.is_some()) {
            Some(g) => Err(BindError::parameter(
                what,
                format!(
                    "group {:?} has a rule that also flags scores below its threshold at \
                     random (a mix of two thresholds that are not adjacent, or an \
                     equalized-odds rule); read `steps` (or `to_dict()`) instead",
                    g.name
                ),
            )),
            None => Ok(()),
        }
    }
}

#[pymethods]
impl PyThresholdPolicy {
    /// The constraint: ``"fpr"``, ``"tpr"``, ``"selection_rate"`` or ``"equalized_odds"``.
    #[getter]
    fn constraint(&self) -> &'static str {
        self.0.params.constraint.into()
    }
    /// The tolerance the policy was fitted with.
    #[getter]
    fn tolerance(&self) -> f64 {
        self.0.params.tolerance
    }
    /// Whether rules mix two thresholds at random.
    #[getter]
    fn randomized(&self) -> bool {
        self.0.params.randomized
    }
    /// ``{group: threshold}``: flag when ``score >= threshold`` (``inf`` flags nobody); for a
    /// randomized rule the boundary score (see :attr:`rules`). Rules with a band (mixes of
    /// non-adjacent thresholds, equalized odds) are not one threshold: read :attr:`steps`.
    #[getter]
    fn thresholds<'py>(&self, py: Python<'py>) -> BindResult<Bound<'py, PyDict>> {
        self.no_bands("thresholds")?;
        let d = PyDict::new(py);
        for g in &self.0.groups {
            d.set_item(key_to_py(py, &g.key)?, g.rule.threshold)?;
        }
        Ok(d)
    }
    /// ``{group: (threshold, p)}``: flag when ``score > threshold``, and at
    /// ``score == threshold`` with probability ``p`` (1 for a deterministic rule).
    /// Rules with a band also randomize below the threshold: read :attr:`steps`.
    #[getter]
    fn rules<'py>(&self, py: Python<'py>) -> BindResult<Bound<'py, PyDict>> {
        self.no_bands("rules")?;
        let d = PyDict::new(py);
        for g in &self.0.groups {
            d.set_item(key_to_py(py, &g.key)?, rule_tuple(g.rule))?;
        }
        Ok(d)
    }
    /// ``{group: [(cut, p), ...]}``: every rule as a step function of the score, cuts
    /// ascending, the first ``-inf``: a score from ``cut`` up to the next cut is flagged
    /// with probability ``p``. Complete for every kind of policy.
    #[getter]
    fn steps<'py>(&self, py: Python<'py>) -> BindResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for g in &self.0.groups {
            d.set_item(key_to_py(py, &g.key)?, g.rule.steps())?;
        }
        Ok(d)
    }
    /// ``{group: (fpr, tpr)}``: both rates each group reaches on the fit data (expected
    /// values for randomized rules).
    #[getter]
    fn group_rates<'py>(&self, py: Python<'py>) -> BindResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for g in &self.0.groups {
            d.set_item(
                key_to_py(py, &g.key)?,
                (g.confusion.fpr(), g.confusion.tpr()),
            )?;
        }
        Ok(d)
    }
    /// ``{group: rate}``: the constrained rate each group reaches on the fit data (the FPR
    /// for equalized odds; both rates are in :attr:`group_rates`).
    #[getter]
    fn rates<'py>(&self, py: Python<'py>) -> BindResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for g in &self.0.groups {
            d.set_item(key_to_py(py, &g.key)?, g.rate)?;
        }
        Ok(d)
    }
    /// The largest gap of the constrained rate between groups.
    #[getter]
    fn max_gap(&self) -> f64 {
        self.0.max_gap
    }
    /// Total (expected) cost on the fit data.
    #[getter]
    fn total_cost(&self) -> f64 {
        self.0.total_cost
    }
    /// The policy's cost minus the best single threshold's.
    #[getter]
    fn price_of_fairness(&self) -> f64 {
        self.0.price_of_fairness()
    }
    /// Everything, as plain Python data (the JSON content).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let json = self.to_json()?;
        py.import("json")?.call_method1("loads", (json,))
    }
    /// JSON with a format version, the parameters, per-group fits and baselines.
    fn to_json(&self) -> BindResult<String> {
        serde_json::to_string(&self.0).map_err(json_err)
    }
    /// Reads a policy written by :meth:`to_json`.
    #[staticmethod]
    /// The policy's invariants are checked as it is read (see ``ThresholdPolicy::check``
    /// in the Rust core): a tampered or corrupted file raises ``ParameterError``.
    fn from_json(json: &str) -> BindResult<Self> {
        serde_json::from_str(json).map(Self).map_err(json_err)
    }
    /// Flags (a bool array) for new scores and their groups.
    ///
    /// Rows of a group unseen at fit time raise ``GroupError`` unless ``fallback`` gives a
    /// threshold for them (a float, or ``"single_threshold"`` for the best common
    /// threshold found at fit time). Randomized rules draw at the boundary reproducibly:
    /// from ``seed`` and the row position, or from ``seed`` and ``row_key``, one key per
    /// row, so a row gets the same decision whatever the batch order. Keys are integers
    /// (any int64 or uint64 value, taken modulo 2^64: ``-1`` and ``2**64 - 1`` are one
    /// key), or strings or bytes, hashed stably: the first 8 bytes of the SHA-256 digest of
    /// the bytes (of a string: its UTF-8 encoding), read big-endian. One kind per column;
    /// floats, booleans and other types raise ``InputTypeError``.
    #[pyo3(signature = (y_score, groups, *, fallback=None, seed=0, row_key=None))]
    fn predict<'py>(
        &self,
        py: Python<'py>,
        y_score: &Bound<'py, PyAny>,
        groups: &Bound<'py, PyAny>,
        fallback: Option<&Bound<'py, PyAny>>,
        #[pyo3(from_py_with = crate::args::u64s::seed)] seed: u64,
        row_key: Option<&Bound<'py, PyAny>>,
    ) -> BindResult<Bound<'py, PyArray1<bool>>> {
        let scores_col = extract_column(y_score, "y_score")?;
        let scores = scores_col.floats("y_score")?;
        let groups = extract_groups(groups)?;
        let fallback = match fallback {
            None => None,
            Some(f) if f.is_none() => None,
            Some(f) => {
                if let Ok(name) = f.extract::<String>() {
                    if name != "single_threshold" {
                        return Err(BindError::parameter(
                            "fallback",
                            format!("expected a threshold or \"single_threshold\", got {name:?}"),
                        ));
                    }
                    let t = self
                        .0
                        .baselines
                        .single_threshold
                        .thresholds
                        .first()
                        .copied()
                        .unwrap_or(f64::INFINITY);
                    Some(GroupRule::at_least(t))
                } else {
                    let t: f64 = f.extract()?;
                    if t.is_nan() {
                        return Err(BindError::parameter(
                            "fallback",
                            "must not be NaN".to_owned(),
                        ));
                    }
                    Some(GroupRule::at_least(t))
                }
            }
        };
        let keys: Option<Vec<u64>> = match row_key {
            Some(k) if !k.is_none() => {
                let v = row_keys(py, k)?;
                mlops_core::check_len("row_key", v.len(), "y_score", scores.len())?;
                Some(v)
            }
            _ => None,
        };
        let policy = &self.0;
        let view = scores.view();
        let flags = detach(py, || match &keys {
            Some(k) => policy.predict(view, &groups, fallback, |i| uniform_from_key(seed, k[i])),
            None => policy.predict(view, &groups, fallback, |i| uniform_from_seed(seed, i)),
        })?;
        Ok(flags.into_pyarray(py))
    }
    /// Pickles through the JSON format.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        Ok((
            py.get_type::<Self>().getattr("from_json")?,
            (self.to_json()?,),
        ))
    }
    /// The policy as an HTML table for notebooks (data escaped).
    fn _repr_html_(&self) -> String {
        mlops_audit::report::section_html(&mlops_audit::report::policy_section(
            &self.0,
            "Threshold policy",
        ))
    }
    fn __repr__(&self) -> String {
        let p = &self.0;
        let rules: Vec<String> = p
            .groups
            .iter()
            .map(|g| {
                if g.rule.band.is_some() {
                    let steps: Vec<String> = g
                        .rule
                        .steps()
                        .iter()
                        .map(|(c, q)| format!("{c}: {q:.4}"))
                        .collect();
                    format!("{}: [{}]", g.name, steps.join(", "))
                } else if g.rule.p_at_threshold < 1.0 {
                    format!(
                        "{}: {} (p={:.4})",
                        g.name, g.rule.threshold, g.rule.p_at_threshold
                    )
                } else {
                    format!("{}: {}", g.name, g.rule.threshold)
                }
            })
            .collect();
        format!(
            "ThresholdPolicy(constraint={:?}, tolerance={}, randomized={}, rules={{{}}}, \
             max_gap={:.6}, total_cost={}, price_of_fairness={})",
            <&str>::from(p.params.constraint),
            p.params.tolerance,
            if p.params.randomized { "True" } else { "False" },
            rules.join(", "),
            p.max_gap,
            p.total_cost,
            p.price_of_fairness()
        )
    }
}

/// The binding of ``mlops_audit.fairness.equal_opportunity`` (options: `SearchOptions`).
#[pyfunction]
#[pyo3(signature = (y_true, y_score=None, groups=None, *, sample_weight=None, cost=None, **options))]
pub fn _equal_opportunity(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_score: Option<&Bound<'_, PyAny>>,
    groups: Option<&Bound<'_, PyAny>>,
    sample_weight: Option<&Bound<'_, PyAny>>,
    cost: Option<&PyCostMatrix>,
    options: Option<&Bound<'_, PyDict>>,
) -> BindResult<PyThresholdPolicy> {
    let search =
        crate::options::options::<SearchOptions>(py, options)?.search(cost.map(|c| c.0))?;
    if let Some(summary) = as_summary(y_true, y_score, groups, sample_weight)? {
        let policy = detach(py, || search.fit_summary(&summary))?;
        return Ok(PyThresholdPolicy(policy));
    }
    let (y_score, groups) = row_inputs(y_score, groups)?;
    let inputs = TaskInputs::read(y_true, y_score, sample_weight)?;
    let views = inputs.views()?;
    let groups = extract_groups(groups)?;
    let policy = detach(py, || -> Result<ThresholdPolicy, FairnessError> {
        let task = views.task()?;
        search.fit(&task, &groups)
    })?;
    Ok(PyThresholdPolicy(policy))
}

/// `y_true` as a [`PyScoreSummary`], when it is one: then the row inputs must be absent.
pub(crate) fn as_summary<'py>(
    y_true: &Bound<'py, PyAny>,
    y_score: Option<&Bound<'py, PyAny>>,
    groups: Option<&Bound<'py, PyAny>>,
    sample_weight: Option<&Bound<'py, PyAny>>,
) -> BindResult<Option<mlops_core::ScoreSummary>> {
    let Ok(summary) = y_true.cast::<PyScoreSummary>() else {
        return Ok(None);
    };
    for (name, given) in [
        ("y_score", y_score),
        ("groups", groups),
        ("sample_weight", sample_weight),
    ] {
        if given.is_some_and(|v| !v.is_none()) {
            return Err(BindError::parameter(
                name,
                "is given with a ScoreSummary, which holds the scores, groups and weights \
                 already: pass the summary alone"
                    .to_owned(),
            ));
        }
    }
    Ok(Some(summary.get().0.clone()))
}

/// `y_score` and `groups`, required when `y_true` is a column of labels.
pub(crate) fn row_inputs<'a, 'py>(
    y_score: Option<&'a Bound<'py, PyAny>>,
    groups: Option<&'a Bound<'py, PyAny>>,
) -> BindResult<(&'a Bound<'py, PyAny>, &'a Bound<'py, PyAny>)> {
    match (y_score, groups) {
        (Some(s), Some(g)) => Ok((s, g)),
        (None, _) => Err(BindError::parameter(
            "y_score",
            "is needed with labels as y_true (or pass a ScoreSummary as y_true)".to_owned(),
        )),
        (_, None) => Err(BindError::parameter(
            "groups",
            "is needed with labels as y_true (or pass a ScoreSummary as y_true)".to_owned(),
        )),
    }
}

/// The Python key of an audited group (every group has a key; only the overall row has none).
fn audit_key<'py>(py: Python<'py>, g: &GroupMetrics) -> BindResult<Bound<'py, PyAny>> {
    match &g.key {
        Some(k) => Ok(key_to_py(py, k)?),
        None => Err(BindError::parameter(
            "audit",
            format!("group {:?} has no key", g.name),
        )),
    }
}

/// A group audit (see :func:`audit`): per-group counts and rates, disparities, warnings
/// and optional bootstrap intervals.
#[pyclass(frozen, eq, name = "GroupAudit", module = "mlops_audit.fairness")]
#[derive(Clone, PartialEq)]
pub struct PyGroupAudit(pub GroupAudit);

#[pymethods]
impl PyGroupAudit {
    /// The largest gap of the constrained rate between groups (``None`` if undefined).
    #[getter]
    fn max_gap(&self) -> Option<f64> {
        self.0.max_gap
    }
    /// ``max_gap <= tolerance`` (``None`` if the gap is undefined).
    #[getter]
    fn passed(&self) -> Option<bool> {
        self.0.passed
    }
    /// The constrained rate of the core test.
    #[getter]
    fn constraint(&self) -> &'static str {
        self.0.params.constraint.into()
    }
    /// The tolerance of the core test.
    #[getter]
    fn tolerance(&self) -> f64 {
        self.0.params.tolerance
    }
    /// Warnings: small groups, undefined rates.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.0.warnings.clone()
    }
    /// Group names (labels for people, each naming one group), in report order.
    #[getter]
    fn group_names(&self) -> Vec<String> {
        self.0.groups.iter().map(|g| g.name.clone()).collect()
    }
    /// Group keys, in report order: the keys of :meth:`rate` (the value itself for one
    /// sensitive column, a tuple of values for several).
    #[getter]
    fn group_keys<'py>(&self, py: Python<'py>) -> BindResult<Vec<Bound<'py, PyAny>>> {
        self.0.groups.iter().map(|g| audit_key(py, g)).collect()
    }
    /// ``{group: value}`` of one rate (``"fpr"``, ``"tpr"``, ...), keyed as :attr:`group_keys`;
    /// ``None`` where undefined.
    fn rate<'py>(&self, py: Python<'py>, name: &str) -> BindResult<Bound<'py, PyDict>> {
        // The name is checked on the overall rates, so that it is checked with no group too.
        rate_by_name(&self.0.overall.rates, name)?;
        let d = PyDict::new(py);
        for g in &self.0.groups {
            let v = rate_by_name(&g.rates, name)?;
            d.set_item(audit_key(py, g)?, v)?;
        }
        Ok(d)
    }
    /// Everything as plain Python data (the content of :meth:`to_json`).
    fn to_dict<'py>(&self, py: Python<'py>) -> BindResult<Bound<'py, PyAny>> {
        crate::results::plain(py, &self.0)
    }
    /// The audit as JSON.
    fn to_json(&self) -> BindResult<String> {
        Ok(self.0.to_json()?)
    }
    /// Reads an audit written by :meth:`to_json`, checked (counts, rates, disparities,
    /// verdict and warnings must agree with the groups).
    #[staticmethod]
    fn from_json(json: &str) -> BindResult<Self> {
        Ok(Self(GroupAudit::from_json(json)?))
    }
    /// Pickles through the checked JSON: a tampered payload raises ``StateError``.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        Ok((
            py.get_type::<Self>().getattr("from_json")?,
            (self.to_json()?,),
        ))
    }
    /// Audits are immutable: a copy is the same audit.
    fn __copy__(&self) -> Self {
        self.clone()
    }
    fn __deepcopy__(&self, _memo: &Bound<'_, PyAny>) -> Self {
        self.clone()
    }
    /// The audit as an HTML table for notebooks (data escaped).
    fn _repr_html_(&self) -> String {
        mlops_audit::report::section_html(&mlops_audit::report::audit_section(
            &self.0,
            "Group audit",
        ))
    }
    fn __repr__(&self) -> String {
        let a = &self.0;
        format!(
            "GroupAudit({} groups, {} gap {} (tolerance {}): {}, {} warnings)",
            a.groups.len(),
            <&str>::from(a.params.constraint),
            a.max_gap
                .map_or_else(|| "undefined".to_owned(), |g| format!("{g:.4}")),
            a.params.tolerance,
            match a.passed {
                Some(true) => "passed",
                Some(false) => "FAILED",
                None => "undefined",
            },
            a.warnings.len()
        )
    }
}

/// The binding of ``mlops_audit.fairness.audit`` (options: `AuditOptions`).
#[pyfunction]
#[pyo3(signature = (y_true, y_score=None, groups=None, *, group_proba=None, threshold=None, thresholds=None, y_pred=None, sample_weight=None, **options))]
#[allow(clippy::too_many_arguments)]
pub fn _audit<'py>(
    py: Python<'py>,
    y_true: &Bound<'py, PyAny>,
    y_score: Option<&Bound<'py, PyAny>>,
    groups: Option<&Bound<'py, PyAny>>,
    group_proba: Option<&Bound<'py, PyAny>>,
    threshold: Option<f64>,
    thresholds: Option<&Bound<'py, PyAny>>,
    y_pred: Option<&Bound<'py, PyAny>>,
    sample_weight: Option<&Bound<'py, PyAny>>,
    options: Option<&Bound<'py, PyDict>>,
) -> BindResult<PyGroupAudit> {
    let options = crate::options::options::<AuditOptions>(py, options)?;
    let (bootstrap, level, seed) = (options.bootstrap, options.level, options.seed);
    let given = [threshold.is_some(), thresholds.is_some(), y_pred.is_some()];
    if given.iter().filter(|&&b| b).count() != 1 {
        return Err(BindError::parameter(
            "threshold",
            "give exactly one of threshold=, thresholds= or y_pred=".to_owned(),
        ));
    }
    let params = options.params();
    if let Some(summary) = as_summary(y_true, y_score, groups, sample_weight)? {
        if group_proba.is_some() {
            return Err(BindError::parameter(
                "group_proba",
                "needs the rows; a ScoreSummary has its groups already".to_owned(),
            ));
        }
        if y_pred.is_some() {
            return Err(BindError::parameter(
                "y_pred",
                "a ScoreSummary holds scores, not decisions: audit threshold= or thresholds="
                    .to_owned(),
            ));
        }
        if bootstrap > 0 {
            return Err(BindError::parameter(
                "bootstrap",
                "needs the rows; a ScoreSummary has none (bootstrap=0)".to_owned(),
            ));
        }
        let keys = summary.keys();
        let per_group: Option<Vec<f64>> = match thresholds {
            None => None,
            Some(t) => Some(thresholds_by_group(t, &keys)?),
        };
        let decision = match (threshold, &per_group) {
            (Some(t), _) => Decision::Threshold(t),
            (_, Some(ts)) => Decision::PerGroup(ts),
            _ => Decision::Threshold(f64::NAN),
        };
        let report = detach(py, || audit_summary(&summary, decision, params))?;
        return Ok(PyGroupAudit(report));
    }
    let y_score = y_score.ok_or_else(|| {
        BindError::parameter(
            "y_score",
            "is needed with labels as y_true (or pass a ScoreSummary as y_true)".to_owned(),
        )
    })?;
    let inputs = TaskInputs::read(y_true, y_score, sample_weight)?;
    let pred_col = extract_optional(y_pred, "y_pred")?;
    let views = inputs.views()?;
    let mut preds: Option<Vec<bool>> = pred_col
        .as_ref()
        .map(|p| p.labels("y_pred").map(|v| v.to_vec()))
        .transpose()?;
    // Membership probabilities: the data expanded into one weighted row per (row, group).
    let (groups, expanded) = match (groups, group_proba) {
        (Some(g), None) => (extract_groups(g)?, None),
        (None, Some(gp)) => {
            let gp = extract_group_proba(gp)?;
            let task = views.task()?;
            let matrix = ndarray::ArrayView2::from_shape((gp.rows, gp.levels.len()), &gp.values)
                .map_err(|e| BindError::parameter("group_proba", e.to_string()))?;
            mlops_core::check_len("group_proba", gp.rows, "y_score", task.len())?;
            let weights: Option<Vec<f64>> = task.weights().map(|w| w.to_vec());
            let ex = expand_membership(matrix, gp.levels, "group", weights.as_deref())?;
            let labels = task.labels();
            let scores: Vec<f64> = ex.rows.iter().map(|&i| task.scores()[i]).collect();
            let y: Vec<bool> = ex.rows.iter().map(|&i| labels[i]).collect();
            if let Some(p) = &preds {
                mlops_core::check_len("y_pred", p.len(), "y_score", task.len())?;
                preds = Some(ex.rows.iter().map(|&i| p[i]).collect());
            }
            (ex.groups, Some((scores, y, ex.weights)))
        }
        _ => {
            return Err(BindError::parameter(
                "groups",
                "give exactly one of groups or group_proba=".to_owned(),
            ));
        }
    };
    let per_group: Option<Vec<f64>> = match thresholds {
        None => None,
        Some(t) => Some(thresholds_by_group(t, groups.keys())?),
    };
    let decision = match (threshold, &per_group, &preds) {
        (Some(t), _, _) => Decision::Threshold(t),
        (_, Some(ts), _) => Decision::PerGroup(ts),
        (_, _, Some(p)) => Decision::Predictions(p),
        _ => Decision::Threshold(f64::NAN),
    };
    let audit = || -> Result<GroupAudit, FairnessError> {
        let task = match &expanded {
            None => views.task()?,
            Some((s, y, w)) => mlops_core::BinaryTask::new(&s[..], &y[..])?.with_weights(&w[..])?,
        };
        let report = run_audit(&task, &groups, decision, params)?;
        if bootstrap > 0 {
            report.with_bootstrap(&task, &groups, decision, bootstrap, level, seed)
        } else {
            Ok(report)
        }
    };
    // The bootstrap can run for minutes: Ctrl-C must reach it.
    let report = if bootstrap > 0 {
        crate::detach_interruptible(py, audit)?
    } else {
        detach(py, audit)?
    };
    Ok(PyGroupAudit(report))
}

/// Per-group thresholds from a dict `{group: threshold}` (keyed as the policy's and audit's
/// views are: the value for one column, a tuple for several) or a deterministic policy.
fn thresholds_by_group(obj: &Bound<'_, PyAny>, keys: &[GroupKey]) -> BindResult<Vec<f64>> {
    let missing = |key: &mlops_core::GroupKey| {
        let python = key_to_py(obj.py(), key)
            .and_then(|k| k.repr())
            .map_or_else(|_| key.to_string(), |r| r.to_string());
        BindError::parameter(
            "thresholds",
            format!("no threshold for group {python} (keys are the groups' values)"),
        )
    };
    if let Ok(policy) = obj.cast::<PyThresholdPolicy>() {
        let p = &policy.get().0;
        if p.params.randomized {
            return Err(BindError::parameter(
                "thresholds",
                "a randomized policy has no single threshold per group; audit its \
                 decisions with y_pred=policy.predict(...)"
                    .to_owned(),
            ));
        }
        return keys
            .iter()
            .map(|k| p.rule_for(k).map(|r| r.threshold).ok_or_else(|| missing(k)))
            .collect();
    }
    let dict = obj.cast::<PyDict>().map_err(|_| {
        BindError::input_type(
            "thresholds must be a dict {group: threshold} or a ThresholdPolicy",
            Some("thresholds"),
        )
    })?;
    keys.iter()
        .map(|k| {
            let t = dict
                .get_item(key_to_py(obj.py(), k)?)?
                .ok_or_else(|| missing(k))?;
            t.extract::<f64>().map_err(|_| {
                BindError::input_type(
                    format!("the threshold of group {k} must be a number"),
                    Some("thresholds"),
                )
            })
        })
        .collect()
}

/// The binding of ``mlops_audit.fairness.estimate_audit`` (options: `EstimateParams`).
#[pyfunction]
#[pyo3(signature = (proba, groups, *, threshold=None, thresholds=None, y_pred=None, y_score=None, sample_weight=None, cost=None, **options))]
#[allow(clippy::too_many_arguments)]
pub fn _estimate_audit<'py>(
    py: Python<'py>,
    proba: &Bound<'py, PyAny>,
    groups: &Bound<'py, PyAny>,
    threshold: Option<f64>,
    thresholds: Option<&Bound<'py, PyAny>>,
    y_pred: Option<&Bound<'py, PyAny>>,
    y_score: Option<&Bound<'py, PyAny>>,
    sample_weight: Option<&Bound<'py, PyAny>>,
    cost: Option<&PyCostMatrix>,
    options: Option<&Bound<'py, PyDict>>,
) -> BindResult<Py<PyAny>> {
    let given = [threshold.is_some(), thresholds.is_some(), y_pred.is_some()];
    if given.iter().filter(|&&b| b).count() != 1 {
        return Err(BindError::parameter(
            "threshold",
            "give exactly one of threshold=, thresholds= or y_pred=".to_owned(),
        ));
    }
    let mut params = crate::options::options::<EstimateParams>(py, options)?;
    if let Some(c) = cost {
        params.cost = c.0;
    }
    let proba_col = extract_column(proba, "proba")?;
    let proba = proba_col.floats("proba")?.to_vec();
    let score_col = extract_optional(y_score, mlops_core::names::Y_SCORE)?;
    let scores: Option<Vec<f64>> = score_col
        .as_ref()
        .map(|c| c.floats(mlops_core::names::Y_SCORE).map(|v| v.to_vec()))
        .transpose()?;
    let weight_col = extract_optional(sample_weight, mlops_core::names::SAMPLE_WEIGHT)?;
    let weights: Option<Vec<f64>> = weight_col
        .as_ref()
        .map(|c| {
            c.floats(mlops_core::names::SAMPLE_WEIGHT)
                .map(|v| v.to_vec())
        })
        .transpose()?;
    let pred_col = extract_optional(y_pred, "y_pred")?;
    let preds: Option<Vec<bool>> = pred_col
        .as_ref()
        .map(|p| p.labels("y_pred").map(|v| v.to_vec()))
        .transpose()?;
    let groups = extract_groups(groups)?;
    // A policy decides by its rules (randomized ones by their flag probabilities); a dict
    // by one threshold per group.
    let mut per_group: Option<Vec<f64>> = None;
    let mut flag_probability: Option<Vec<f64>> = None;
    if let Some(t) = thresholds {
        if let Ok(policy) = t.cast::<PyThresholdPolicy>() {
            let p = &policy.get().0;
            let mut rules = Vec::with_capacity(groups.n_groups());
            for key in groups.keys() {
                rules.push(p.rule_for(key).ok_or_else(|| {
                    BindError::parameter(
                        "thresholds",
                        format!("the policy has no rule for group {key}"),
                    )
                })?);
            }
            let s = scores.as_deref().unwrap_or(&proba);
            mlops_core::check_len("groups", groups.len(), "proba", proba.len())?;
            mlops_core::check_len(mlops_core::names::Y_SCORE, s.len(), "proba", proba.len())?;
            flag_probability = Some(
                groups
                    .ids()
                    .iter()
                    .zip(s)
                    .map(|(&g, &x)| rules[g as usize].probability(x))
                    .collect(),
            );
        } else {
            per_group = Some(thresholds_by_group(t, groups.keys())?);
        }
    }
    let rule = match (threshold, &per_group, &preds, &flag_probability) {
        (_, _, _, Some(q)) => FlagRule::Probability(q),
        (Some(t), _, _, _) => FlagRule::Decision(Decision::Threshold(t)),
        (_, Some(ts), _, _) => FlagRule::Decision(Decision::PerGroup(ts)),
        (_, _, Some(p), _) => FlagRule::Decision(Decision::Predictions(p)),
        _ => FlagRule::Decision(Decision::Threshold(f64::NAN)),
    };
    let result = detach(py, || {
        estimate(
            &proba,
            scores.as_deref(),
            weights.as_deref(),
            &groups,
            rule,
            &params,
        )
    })?;
    crate::results::to_py(py, &result)
}
