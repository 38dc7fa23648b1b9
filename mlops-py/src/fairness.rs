//! `mlops_audit.fairness`: equal-opportunity thresholds.

use mlops_core::CostMatrix;
use mlops_core::Groups;
use mlops_core::names::SAMPLE_WEIGHT;
use mlops_fairness::{
    AuditParams, Constraint, Decision, FairnessError, GroupAudit, GroupMetrics, GroupRule,
    RATE_NAMES, ThresholdPolicy, ThresholdSearch, audit as run_audit, uniform_from_key,
    uniform_from_seed,
};
use numpy::{IntoPyArray, PyArray1, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{TaskInputs, extract_column, extract_optional};
use crate::errors::{core_err, fairness_err, input_type_error};
use crate::groups::{extract_groups, key_to_py};
use crate::metrics::PyCostMatrix;

fn json_err(e: serde_json::Error) -> PyErr {
    crate::errors::parameter_error("json", e.to_string())
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
    fn no_bands(&self, what: &str) -> PyResult<()> {
        match self.0.groups.iter().find(|g| g.rule.band.is_some()) {
            Some(g) => Err(crate::errors::parameter_error(
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
    fn thresholds<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
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
    fn rules<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
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
    fn steps<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for g in &self.0.groups {
            d.set_item(key_to_py(py, &g.key)?, g.rule.steps())?;
        }
        Ok(d)
    }
    /// ``{group: (fpr, tpr)}``: both rates each group reaches on the fit data (expected
    /// values for randomized rules).
    #[getter]
    fn group_rates<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
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
    fn rates<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
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
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.0).map_err(json_err)
    }
    /// Reads a policy written by :meth:`to_json`.
    #[staticmethod]
    /// The policy's invariants are checked as it is read (see ``ThresholdPolicy::check``
    /// in the Rust core): a tampered or corrupted file raises ``ParameterError``.
    fn from_json(json: &str) -> PyResult<Self> {
        serde_json::from_str(json).map(Self).map_err(json_err)
    }
    /// Flags (a bool array) for new scores and their groups.
    ///
    /// Rows of a group unseen at fit time raise ``GroupError`` unless ``fallback`` gives a
    /// threshold for them (a float, or ``"single_threshold"`` for the best common
    /// threshold found at fit time). Randomized rules draw at the boundary reproducibly:
    /// from ``seed`` and the row position, or from ``seed`` and ``row_key`` (integer ids,
    /// so a row gets the same decision whatever the batch order).
    #[pyo3(signature = (y_score, groups, *, fallback=None, seed=0, row_key=None))]
    fn predict<'py>(
        &self,
        py: Python<'py>,
        y_score: &Bound<'py, PyAny>,
        groups: &Bound<'py, PyAny>,
        fallback: Option<&Bound<'py, PyAny>>,
        seed: u64,
        row_key: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyArray1<bool>>> {
        let scores_col = extract_column(y_score, "y_score")?;
        let scores = scores_col.floats("y_score")?;
        let groups = extract_groups(groups)?;
        let fallback = match fallback {
            None => None,
            Some(f) if f.is_none() => None,
            Some(f) => {
                if let Ok(name) = f.extract::<String>() {
                    if name != "single_threshold" {
                        return Err(crate::errors::parameter_error(
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
                        return Err(crate::errors::parameter_error(
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
                let np = py.import("numpy")?;
                let arr = np
                    .call_method1("asarray", (k,))?
                    .call_method1("astype", ("uint64",))?;
                let arr = arr.cast_into::<PyArray1<u64>>().map_err(|_| {
                    input_type_error(
                        "row_key must be a 1-D integer array".into(),
                        Some("row_key"),
                    )
                })?;
                let v = arr
                    .to_vec()
                    .map_err(|e| input_type_error(format!("row_key: {e}"), Some("row_key")))?;
                mlops_core::check_len("row_key", v.len(), "y_score", scores.len())
                    .map_err(core_err)?;
                Some(v)
            }
            _ => None,
        };
        let policy = &self.0;
        let view = scores.view();
        let flags = py
            .detach(|| match &keys {
                Some(k) => {
                    policy.predict(view, &groups, fallback, |i| uniform_from_key(seed, k[i]))
                }
                None => policy.predict(view, &groups, fallback, |i| uniform_from_seed(seed, i)),
            })
            .map_err(fairness_err)?;
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

/// Per-group thresholds that equalise a rate across groups at the lowest total cost.
///
/// The default is the lending case: the flag is punitive, so the false-positive rate
/// (``constraint="fpr"``) must be equal within ``tolerance`` in every group, and among all
/// such per-group thresholds the one minimising ``fn_cost * FN + fp_cost * FP`` is
/// returned, exactly (not a grid, not a ternary search). With ``randomized=True`` the
/// search is over every rule that flags with a probability non-decreasing in the score
/// (every mixture of a group's thresholds), and returns the exact optimum among them: a
/// group's rule mixes at most two of its thresholds, adjacent or not, possibly "flag
/// everyone with probability p" (the lower convex hull of the group's (rate, cost) points,
/// Hardt, Price & Srebro 2016). ``tolerance`` bounds the gap in both modes;
/// ``tolerance=0`` makes the rates equal exactly.
///
/// ``constraint`` is ``"fpr"``, ``"tpr"`` (equal opportunity of Hardt, Price & Srebro 2016,
/// for a beneficial flag), ``"selection_rate"`` (demographic parity) or
/// ``"equalized_odds"`` (FPR and TPR both equal; needs ``randomized=True``: each group's
/// rule mixes two thresholds of its ROC convex hull and may flag any score with a small
/// probability, see :attr:`ThresholdPolicy.steps`; at ``tolerance=0`` the cost is the
/// exact minimum over the intersection of the groups' ROC hulls; above it, every group's
/// (FPR, TPR) lies in one ``tolerance``-wide box, found by a linear program solved to
/// 1e-10). ``cost`` (a
/// :class:`~mlops_audit.metrics.CostMatrix`) overrides ``fn_cost``/``fp_cost`` for a full
/// 2x2 matrix.
#[pyfunction]
#[pyo3(signature = (y_true, y_score, groups, *, fn_cost=5.0, fp_cost=1.0, constraint="fpr", tolerance=0.01, randomized=false, sample_weight=None, cost=None, max_groups=1000))]
#[allow(clippy::too_many_arguments)]
pub fn equal_opportunity(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_score: &Bound<'_, PyAny>,
    groups: &Bound<'_, PyAny>,
    fn_cost: f64,
    fp_cost: f64,
    constraint: &str,
    tolerance: f64,
    randomized: bool,
    sample_weight: Option<&Bound<'_, PyAny>>,
    cost: Option<&PyCostMatrix>,
    max_groups: usize,
) -> PyResult<PyThresholdPolicy> {
    let constraint: Constraint = constraint.parse().map_err(fairness_err)?;
    let cost = match cost {
        Some(c) => c.0,
        None => CostMatrix::new(fn_cost, fp_cost).map_err(core_err)?,
    };
    let inputs = TaskInputs::read(y_true, y_score, sample_weight)?;
    let views = inputs.views()?;
    let groups = extract_groups(groups)?;
    let search = ThresholdSearch::new()
        .cost(cost)
        .constraint(constraint)
        .tolerance(tolerance)
        .randomized(randomized)
        .max_groups(max_groups);
    let policy = py
        .detach(|| -> Result<ThresholdPolicy, FairnessError> {
            let task = views.task()?;
            // The policy reports total costs: refuse weights whose total cost could overflow.
            cost.check_total_weight(SAMPLE_WEIGHT, task.total_weight())?;
            search.fit(&task, &groups)
        })
        .map_err(fairness_err)?;
    Ok(PyThresholdPolicy(policy))
}

/// The Python key of an audited group (every group has a key; only the overall row has none).
fn audit_key<'py>(py: Python<'py>, g: &GroupMetrics) -> PyResult<Bound<'py, PyAny>> {
    match &g.key {
        Some(k) => key_to_py(py, k),
        None => Err(crate::errors::parameter_error(
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
    fn group_keys<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        self.0.groups.iter().map(|g| audit_key(py, g)).collect()
    }
    /// ``{group: value}`` of one rate (``"fpr"``, ``"tpr"``, ...), keyed as :attr:`group_keys`;
    /// ``None`` where undefined.
    fn rate<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyDict>> {
        if !RATE_NAMES.contains(&name) && name != "accuracy" {
            return Err(crate::errors::parameter_error(
                "name",
                format!("expected one of {RATE_NAMES:?} or \"accuracy\", got {name:?}"),
            ));
        }
        let d = PyDict::new(py);
        for g in &self.0.groups {
            let r = g.rates;
            let v = match name {
                "tpr" => r.tpr,
                "fpr" => r.fpr,
                "tnr" => r.tnr,
                "fnr" => r.fnr,
                "precision" => r.precision,
                "selection_rate" => r.selection_rate,
                _ => r.accuracy,
            };
            d.set_item(audit_key(py, g)?, v)?;
        }
        Ok(d)
    }
    /// Everything as plain Python data (the JSON content).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("json")?.call_method1("loads", (self.to_json()?,))
    }
    /// The audit as JSON.
    fn to_json(&self) -> PyResult<String> {
        self.0.to_json().map_err(fairness_err)
    }
    /// Reads an audit written by :meth:`to_json`, checked (counts, rates, disparities,
    /// verdict and warnings must agree with the groups).
    #[staticmethod]
    fn from_json(json: &str) -> PyResult<Self> {
        GroupAudit::from_json(json).map(Self).map_err(fairness_err)
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

/// Audits a decision rule group by group.
///
/// The rule is one of: ``threshold`` (flag when ``y_score >= threshold``, for everyone),
/// ``thresholds`` (a dict ``{group: threshold}`` keyed as :meth:`GroupAudit.rate` is: the
/// value for one sensitive column, a tuple for several; or a :class:`ThresholdPolicy` with
/// deterministic rules), or ``y_pred`` (hard 0/1 decisions). The core test is the largest
/// gap of ``constraint`` (FPR by default) against ``tolerance``. ``bootstrap`` > 0 adds
/// percentile intervals from that many stratified, seeded replicates.
#[pyfunction]
#[pyo3(signature = (y_true, y_score, groups, *, threshold=None, thresholds=None, y_pred=None, sample_weight=None, constraint="fpr", tolerance=0.05, min_count=30, bootstrap=0, level=0.95, seed=0))]
#[allow(clippy::too_many_arguments)]
pub fn audit<'py>(
    py: Python<'py>,
    y_true: &Bound<'py, PyAny>,
    y_score: &Bound<'py, PyAny>,
    groups: &Bound<'py, PyAny>,
    threshold: Option<f64>,
    thresholds: Option<&Bound<'py, PyAny>>,
    y_pred: Option<&Bound<'py, PyAny>>,
    sample_weight: Option<&Bound<'py, PyAny>>,
    constraint: &str,
    tolerance: f64,
    min_count: usize,
    bootstrap: usize,
    level: f64,
    seed: u64,
) -> PyResult<PyGroupAudit> {
    let constraint: Constraint = constraint.parse().map_err(fairness_err)?;
    let given = [threshold.is_some(), thresholds.is_some(), y_pred.is_some()];
    if given.iter().filter(|&&b| b).count() != 1 {
        return Err(crate::errors::parameter_error(
            "threshold",
            "give exactly one of threshold=, thresholds= or y_pred=".to_owned(),
        ));
    }
    let inputs = TaskInputs::read(y_true, y_score, sample_weight)?;
    let pred_col = extract_optional(y_pred, "y_pred")?;
    let views = inputs.views()?;
    let preds: Option<Vec<bool>> = pred_col
        .as_ref()
        .map(|p| p.labels("y_pred").map(|v| v.to_vec()))
        .transpose()?;
    let groups = extract_groups(groups)?;
    let per_group: Option<Vec<f64>> = match thresholds {
        None => None,
        Some(t) => Some(thresholds_by_group(t, &groups)?),
    };
    let decision = match (threshold, &per_group, &preds) {
        (Some(t), _, _) => Decision::Threshold(t),
        (_, Some(ts), _) => Decision::PerGroup(ts),
        (_, _, Some(p)) => Decision::Predictions(p),
        _ => Decision::Threshold(f64::NAN),
    };
    let params = AuditParams {
        constraint,
        tolerance,
        min_count,
        with_auc: true,
    };
    let audit = || -> Result<GroupAudit, FairnessError> {
        let task = views.task()?;
        let report = run_audit(&task, &groups, decision, params)?;
        if bootstrap > 0 {
            report.with_bootstrap(&task, &groups, decision, bootstrap, level, seed)
        } else {
            Ok(report)
        }
    };
    // The bootstrap can run for minutes: Ctrl-C must reach it.
    let report = if bootstrap > 0 {
        crate::detach_interruptible(py, audit, fairness_err)?
    } else {
        py.detach(audit).map_err(fairness_err)?
    };
    Ok(PyGroupAudit(report))
}

/// Per-group thresholds from a dict `{group: threshold}` (keyed as the policy's and audit's
/// views are: the value for one column, a tuple for several) or a deterministic policy.
fn thresholds_by_group(obj: &Bound<'_, PyAny>, groups: &Groups) -> PyResult<Vec<f64>> {
    let missing = |key: &mlops_core::GroupKey| {
        let python = key_to_py(obj.py(), key)
            .and_then(|k| k.repr())
            .map_or_else(|_| key.to_string(), |r| r.to_string());
        crate::errors::parameter_error(
            "thresholds",
            format!("no threshold for group {python} (keys are the groups' values)"),
        )
    };
    if let Ok(policy) = obj.cast::<PyThresholdPolicy>() {
        let p = &policy.get().0;
        if p.params.randomized {
            return Err(crate::errors::parameter_error(
                "thresholds",
                "a randomized policy has no single threshold per group; audit its \
                 decisions with y_pred=policy.predict(...)"
                    .to_owned(),
            ));
        }
        return groups
            .keys()
            .iter()
            .map(|k| p.rule_for(k).map(|r| r.threshold).ok_or_else(|| missing(k)))
            .collect();
    }
    let dict = obj.cast::<PyDict>().map_err(|_| {
        input_type_error(
            "thresholds must be a dict {group: threshold} or a ThresholdPolicy".into(),
            Some("thresholds"),
        )
    })?;
    groups
        .keys()
        .iter()
        .map(|k| {
            let t = dict
                .get_item(key_to_py(obj.py(), k)?)?
                .ok_or_else(|| missing(k))?;
            t.extract::<f64>().map_err(|_| {
                input_type_error(
                    format!("the threshold of group {k} must be a number"),
                    Some("thresholds"),
                )
            })
        })
        .collect()
}
