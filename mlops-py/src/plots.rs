//! `mlops_audit.fairness` plots: per-group ROC curves with each group's operating point,
//! and the cost-versus-gap frontier, as data and as self-contained SVG.

use mlops_audit::plot;
use mlops_core::{BinaryTask, CostMatrix, GroupKey, Groups};
use mlops_fairness::{
    Constraint, DEFAULT_FRONTIER, FairnessError, FrontierPoint, GroupRoc, GroupRule,
    ThresholdSearch, roc_by_group, roc_by_group_summary,
};
use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use std::borrow::Cow;

use crate::detach;
use crate::errors::{BindError, BindResult};
use crate::fairness::{PyThresholdPolicy, as_summary, row_inputs};
use crate::input::extract_groups;
use crate::input::{TaskInputs, extract_optional};

/// Runs `f` on the task built from the Python inputs, with the GIL released.
fn with_task<T: Send>(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_score: &Bound<'_, PyAny>,
    sample_weight: Option<&Bound<'_, PyAny>>,
    groups: &Groups,
    f: impl FnOnce(&BinaryTask<'_>, &Groups) -> Result<T, FairnessError> + Send,
) -> BindResult<T> {
    let inputs = TaskInputs::read(y_true, y_score, sample_weight)?;
    let views = inputs.views()?;
    detach(py, || {
        let task = views.task()?;
        f(&task, groups)
    })
}

/// The policy's rule for every group, in group order; an error names a group it lacks.
fn policy_rules(
    policy: Option<&Bound<'_, PyAny>>,
    keys: &[GroupKey],
) -> BindResult<Option<Vec<GroupRule>>> {
    let Some(obj) = policy.filter(|p| !p.is_none()) else {
        return Ok(None);
    };
    let policy = obj.cast::<PyThresholdPolicy>().map_err(|_| {
        BindError::input_type(
            "policy must be a ThresholdPolicy (from equal_opportunity)",
            Some("policy"),
        )
    })?;
    let policy = &policy.get().0;
    keys.iter()
        .map(|k| {
            policy.rule_for(k).ok_or_else(|| {
                BindError::parameter(
                    "policy",
                    format!("the policy has no rule for group {:?}", k.to_string()),
                )
            })
        })
        .collect::<BindResult<Vec<_>>>()
        .map(Some)
}

fn rocs_for(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_score: Option<&Bound<'_, PyAny>>,
    groups: Option<&Bound<'_, PyAny>>,
    policy: Option<&Bound<'_, PyAny>>,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> BindResult<Vec<GroupRoc>> {
    if let Some(summary) = as_summary(y_true, y_score, groups, sample_weight)? {
        let rules = policy_rules(policy, &summary.keys())?;
        return detach(py, || roc_by_group_summary(&summary, rules.as_deref()));
    }
    let (y_score, groups) = row_inputs(y_score, groups)?;
    let groups = extract_groups(groups)?;
    let rules = policy_rules(policy, groups.keys())?;
    with_task(
        py,
        y_true,
        y_score,
        sample_weight,
        &groups,
        |task, groups| roc_by_group(task, groups, rules.as_deref()),
    )
}

/// Each group's ROC curve and the operating point of ``policy``'s rule.
///
/// One dict per group, in sorted group order: ``name``; ``fpr``, ``tpr`` and
/// ``thresholds`` as in :func:`mlops_audit.metrics.roc_curve` (``None`` for a group with
/// one class only); ``auc`` (``None`` when undefined); and ``point``, a dict
/// ``{threshold, p_at_threshold, steps, fpr, tpr}`` of the group's rule under ``policy``
/// (``steps`` as in :attr:`ThresholdPolicy.steps`, complete for rules with a band; expected
/// rates for a randomized rule), or ``None`` without a policy or where the rates are
/// undefined.
#[pyfunction(name = "roc_by_group")]
#[pyo3(signature = (y_true, y_score=None, groups=None, *, policy=None, sample_weight=None))]
pub fn roc_by_group_py<'py>(
    py: Python<'py>,
    y_true: &Bound<'py, PyAny>,
    y_score: Option<&Bound<'py, PyAny>>,
    groups: Option<&Bound<'py, PyAny>>,
    policy: Option<&Bound<'py, PyAny>>,
    sample_weight: Option<&Bound<'py, PyAny>>,
) -> BindResult<Bound<'py, PyList>> {
    let rocs = rocs_for(py, y_true, y_score, groups, policy, sample_weight)?;
    let out = PyList::empty(py);
    for roc in rocs {
        let d = PyDict::new(py);
        d.set_item("name", roc.name)?;
        match roc.curve {
            Some(c) => {
                d.set_item("fpr", c.fpr.into_pyarray(py))?;
                d.set_item("tpr", c.tpr.into_pyarray(py))?;
                d.set_item("thresholds", c.thresholds.into_pyarray(py))?;
            }
            None => {
                for k in ["fpr", "tpr", "thresholds"] {
                    d.set_item(k, py.None())?;
                }
            }
        }
        d.set_item("auc", roc.auc)?;
        match roc.point {
            Some(p) => {
                let pd = PyDict::new(py);
                pd.set_item("threshold", p.rule.threshold)?;
                pd.set_item("p_at_threshold", p.rule.p_at_threshold)?;
                pd.set_item("steps", p.rule.steps())?;
                pd.set_item("fpr", p.fpr)?;
                pd.set_item("tpr", p.tpr)?;
                d.set_item("point", pd)?;
            }
            None => d.set_item("point", py.None())?,
        }
        out.append(d)?;
    }
    Ok(out)
}

/// :func:`roc_by_group` drawn as a self-contained SVG (640x480, no scripts, no external
/// fonts): one curve per group, the diagonal, each group's operating point as a star, and
/// a legend with AUCs and thresholds. Group names and ``title`` are escaped.
#[pyfunction(name = "roc_by_group_svg")]
#[pyo3(signature = (y_true, y_score=None, groups=None, *, policy=None, sample_weight=None, title="ROC by group"))]
pub fn roc_by_group_svg_py(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_score: Option<&Bound<'_, PyAny>>,
    groups: Option<&Bound<'_, PyAny>>,
    policy: Option<&Bound<'_, PyAny>>,
    sample_weight: Option<&Bound<'_, PyAny>>,
    title: &str,
) -> BindResult<String> {
    let rocs = rocs_for(py, y_true, y_score, groups, policy, sample_weight)?;
    Ok(py.detach(|| plot::roc_by_group_svg(&rocs, title)))
}

#[allow(clippy::too_many_arguments)]
fn frontier_points(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_score: Option<&Bound<'_, PyAny>>,
    groups: Option<&Bound<'_, PyAny>>,
    tolerances: Option<&Bound<'_, PyAny>>,
    fn_cost: f64,
    fp_cost: f64,
    constraint: &str,
    sample_weight: Option<&Bound<'_, PyAny>>,
    max_groups: usize,
) -> BindResult<Vec<FrontierPoint>> {
    let constraint: Constraint = constraint.parse()?;
    let cost = CostMatrix::new(fn_cost, fp_cost)?;
    let tolerances_col = extract_optional(tolerances, "tolerances")?;
    let tolerances: Cow<'_, [f64]> = match &tolerances_col {
        Some(c) => Cow::Owned(c.floats("tolerances")?.to_vec()),
        None => Cow::Borrowed(&DEFAULT_FRONTIER[..]),
    };
    let search = ThresholdSearch::new()
        .cost(cost)
        .constraint(constraint)
        .max_groups(max_groups);
    if let Some(summary) = as_summary(y_true, y_score, groups, sample_weight)? {
        return detach(py, || search.frontier_summary(&summary, &tolerances));
    }
    let (y_score, groups) = row_inputs(y_score, groups)?;
    let groups = extract_groups(groups)?;
    with_task(
        py,
        y_true,
        y_score,
        sample_weight,
        &groups,
        |task, groups| search.frontier(task, groups, &tolerances),
    )
}

/// The cost-versus-fairness frontier: for each tolerance, the lowest total cost of
/// per-group thresholds whose ``constraint`` rates lie within it, as
/// :func:`equal_opportunity` would fit them (deterministic rules).
///
/// One dict ``{tolerance, cost, max_gap}`` per tolerance, in the order given; ``max_gap``
/// is the gap actually reached (at most the tolerance). ``tolerances`` defaults to a grid
/// from 0 to 1 (0, 0.0025, 0.005, 0.01, ..., 0.5, 1). More than ``max_groups`` groups
/// raise ``GroupError``, as in :func:`equal_opportunity`.
#[pyfunction(name = "frontier")]
#[pyo3(signature = (y_true, y_score=None, groups=None, *, tolerances=None, fn_cost=5.0, fp_cost=1.0, constraint="fpr", sample_weight=None, max_groups=1000))]
#[allow(clippy::too_many_arguments)]
pub fn frontier_py<'py>(
    py: Python<'py>,
    y_true: &Bound<'py, PyAny>,
    y_score: Option<&Bound<'py, PyAny>>,
    groups: Option<&Bound<'py, PyAny>>,
    tolerances: Option<&Bound<'py, PyAny>>,
    fn_cost: f64,
    fp_cost: f64,
    constraint: &str,
    sample_weight: Option<&Bound<'py, PyAny>>,
    #[pyo3(from_py_with = crate::args::usizes::max_groups)] max_groups: usize,
) -> BindResult<Bound<'py, PyList>> {
    let points = frontier_points(
        py,
        y_true,
        y_score,
        groups,
        tolerances,
        fn_cost,
        fp_cost,
        constraint,
        sample_weight,
        max_groups,
    )?;
    let out = PyList::empty(py);
    for p in points {
        let d = PyDict::new(py);
        d.set_item("tolerance", p.tolerance)?;
        d.set_item("cost", p.cost)?;
        d.set_item("max_gap", p.max_gap)?;
        out.append(d)?;
    }
    Ok(out)
}

/// :func:`frontier` drawn as a self-contained SVG: total cost against the gap reached, as
/// a staircase, with ``chosen_tolerance`` (if given) as a dashed line and its point as a
/// star. ``title`` is escaped.
#[pyfunction(name = "frontier_svg")]
#[pyo3(signature = (y_true, y_score=None, groups=None, *, tolerances=None, fn_cost=5.0, fp_cost=1.0, constraint="fpr", sample_weight=None, chosen_tolerance=None, title="Cost versus fairness gap", max_groups=1000))]
#[allow(clippy::too_many_arguments)]
pub fn frontier_svg_py(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_score: Option<&Bound<'_, PyAny>>,
    groups: Option<&Bound<'_, PyAny>>,
    tolerances: Option<&Bound<'_, PyAny>>,
    fn_cost: f64,
    fp_cost: f64,
    constraint: &str,
    sample_weight: Option<&Bound<'_, PyAny>>,
    chosen_tolerance: Option<f64>,
    title: &str,
    #[pyo3(from_py_with = crate::args::usizes::max_groups)] max_groups: usize,
) -> BindResult<String> {
    let points = frontier_points(
        py,
        y_true,
        y_score,
        groups,
        tolerances,
        fn_cost,
        fp_cost,
        constraint,
        sample_weight,
        max_groups,
    )?;
    Ok(py.detach(|| plot::frontier_svg(&points, chosen_tolerance, title)))
}
