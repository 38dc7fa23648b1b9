//! Group audits: how a decision rule treats each group, the largest disparities, and
//! bootstrap intervals that say how much of it is noise.

use mlops_core::{
    BinaryTask, ConfusionMatrix, CoreError, GroupKey, Groups, Rates, ScoreSummary, SortedCounts,
};
use rand::RngExt;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use mlops_core::quantile::quantile_linear;
use mlops_core::rng::replicate_rng;
use mlops_core::state::Checker;

use crate::error::{FairnessError, Result};
use crate::threshold::{Constraint, Grouped};

/// The decision rule being audited.
#[derive(Debug, Clone, Copy)]
pub enum Decision<'a> {
    /// One threshold for everyone: flag when `score >= threshold`.
    Threshold(f64),
    /// A threshold per group, indexed by group id.
    PerGroup(&'a [f64]),
    /// Hard decisions already made, one per row.
    Predictions(&'a [bool]),
}

impl Decision<'_> {
    /// Whether row `i`, with `score` in group `group`, is flagged.
    #[inline]
    pub fn flags(&self, i: usize, score: f64, group: usize) -> bool {
        match *self {
            Self::Threshold(t) => score >= t,
            Self::PerGroup(ts) => score >= ts[group],
            Self::Predictions(p) => p[i],
        }
    }

    /// Checks the rule against the data: lengths, and no NaN threshold.
    pub(crate) fn check(&self, n_rows: usize, n_groups: usize) -> Result<()> {
        let thresholds: &[f64] = match self {
            Self::Threshold(t) => std::slice::from_ref(t),
            Self::PerGroup(ts) => {
                if ts.len() != n_groups {
                    return Err(FairnessError::invalid_parameter(
                        "thresholds",
                        format!("{} values", ts.len()),
                        format!("one threshold per group is needed ({n_groups} groups)"),
                    ));
                }
                ts
            }
            Self::Predictions(p) => {
                mlops_core::check_len("y_pred", p.len(), "y_score", n_rows)?;
                &[]
            }
        };
        match thresholds.iter().find(|t| t.is_nan()) {
            Some(t) => Err(FairnessError::invalid_parameter(
                "threshold",
                t,
                "must be a number (+/-inf allowed)",
            )),
            None => Ok(()),
        }
    }

    /// The threshold applied to `group`, when the rule is a threshold.
    fn threshold_of(&self, group: usize) -> Option<f64> {
        match *self {
            Self::Threshold(t) => Some(t),
            Self::PerGroup(ts) => Some(ts[group]),
            Self::Predictions(_) => None,
        }
    }
}

/// Audit settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AuditParams {
    /// The rate whose largest gap is the audit's core test (FPR for a punitive flag).
    pub constraint: Constraint,
    /// The largest gap that passes.
    pub tolerance: f64,
    /// A group with fewer positive or negative rows than this gets a warning: its rates
    /// move a lot with a handful of rows.
    pub min_count: usize,
    /// Compute ROC AUC per group (needs a sort per group).
    pub with_auc: bool,
}

impl AuditParams {
    /// Checks the tolerance is in `[0, 1]`.
    fn check(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.tolerance) {
            return Err(FairnessError::invalid_parameter(
                "tolerance",
                self.tolerance,
                "must be in [0, 1]",
            ));
        }
        Ok(())
    }
}

impl Default for AuditParams {
    fn default() -> Self {
        Self {
            constraint: Constraint::Fpr,
            tolerance: 0.05,
            min_count: 30,
            with_auc: true,
        }
    }
}

/// The options of an audit as a user writes them (the Python keywords, the command-line
/// flags): the settings of [`AuditParams`] (ROC AUC always computed) and of the bootstrap
/// ([`GroupAudit::with_bootstrap`]; `bootstrap = 0`: none).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditOptions {
    /// The rate whose largest gap is the core test.
    pub constraint: Constraint,
    /// The largest gap that passes.
    pub tolerance: f64,
    /// Groups with fewer positive or negative rows get a warning.
    pub min_count: usize,
    /// Bootstrap replicates (`0`: no intervals).
    pub bootstrap: usize,
    /// Confidence level of the bootstrap intervals.
    pub level: f64,
    /// Seed of the bootstrap.
    pub seed: u64,
}

impl Default for AuditOptions {
    fn default() -> Self {
        let p = AuditParams::default();
        Self {
            constraint: p.constraint,
            tolerance: p.tolerance,
            min_count: p.min_count,
            bootstrap: 0,
            level: 0.95,
            seed: 0,
        }
    }
}

impl AuditOptions {
    /// The audit settings (with ROC AUC per group).
    pub fn params(&self) -> AuditParams {
        AuditParams {
            constraint: self.constraint,
            tolerance: self.tolerance,
            min_count: self.min_count,
            with_auc: true,
        }
    }
}

/// One group's (or the whole population's) counts and rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupMetrics {
    /// The group's name: its key's label, [`mlops_core::ALL_ROWS_LABEL`] (`"(all)"`, which
    /// no group's label is) for the whole population.
    pub name: String,
    /// The group's key; `None` for the whole population.
    pub key: Option<GroupKey>,
    /// Rows (unweighted).
    pub rows: usize,
    /// Positive rows (unweighted).
    pub positive_rows: usize,
    /// Negative rows (unweighted).
    pub negative_rows: usize,
    /// Weighted confusion matrix.
    pub confusion: ConfusionMatrix,
    /// Every rate; `None` where undefined.
    pub rates: Rates,
    /// ROC AUC; `None` when not asked for or undefined (one class).
    pub roc_auc: Option<f64>,
    /// The threshold applied to the group, when the rule is a threshold.
    #[serde(with = "crate::audit::opt_float")]
    pub threshold: Option<f64>,
    /// Too few positive or negative rows for stable rates.
    pub small: bool,
}

/// The spread of one rate across groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disparity {
    /// The rate: `tpr`, `fpr`, `tnr`, `fnr`, `precision` or `selection_rate`.
    pub rate: String,
    /// `max - min` over the groups where the rate is defined; `None` with fewer than two.
    pub max_diff: Option<f64>,
    /// `(group with the highest rate, group with the lowest)`.
    pub diff_pair: Option<(String, String)>,
    /// `min / max`; `None` with fewer than two groups or a maximum of 0.
    pub min_ratio: Option<f64>,
    /// Groups where the rate is undefined (left out of the comparison).
    pub undefined_in: Vec<String>,
}

/// A percentile bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
    /// Replicates in which the value was defined.
    pub replicates: usize,
}

/// Bootstrap intervals of an audit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootstrapIntervals {
    /// Replicates drawn.
    pub replicates: usize,
    /// Confidence level (e.g. 0.95).
    pub level: f64,
    /// The seed; with it, the intervals are reproducible on any number of threads.
    pub seed: u64,
    /// Per group (in the audit's order), per rate name: the interval.
    pub groups: Vec<Vec<(String, Option<Interval>)>>,
    /// The largest gap of the constrained rate.
    pub max_gap: Option<Interval>,
}

/// A group audit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawGroupAudit")]
pub struct GroupAudit {
    /// The settings.
    pub params: AuditParams,
    /// The sensitive columns.
    pub group_columns: Vec<String>,
    /// The whole population.
    pub overall: GroupMetrics,
    /// Each group, in sorted key order.
    pub groups: Vec<GroupMetrics>,
    /// The spread of each rate.
    pub disparities: Vec<Disparity>,
    /// The largest gap of the constrained rate (the core test).
    pub max_gap: Option<f64>,
    /// `max_gap <= tolerance`; `None` when the gap is undefined.
    pub passed: Option<bool>,
    /// Human-readable warnings (small groups, undefined rates).
    pub warnings: Vec<String>,
    /// Bootstrap intervals, when asked for.
    pub intervals: Option<BootstrapIntervals>,
}

/// The serialised form of [`GroupAudit`], checked on the way in.
#[derive(Deserialize)]
struct RawGroupAudit {
    params: AuditParams,
    group_columns: Vec<String>,
    overall: GroupMetrics,
    groups: Vec<GroupMetrics>,
    disparities: Vec<Disparity>,
    max_gap: Option<f64>,
    passed: Option<bool>,
    warnings: Vec<String>,
    intervals: Option<BootstrapIntervals>,
}

impl TryFrom<RawGroupAudit> for GroupAudit {
    type Error = FairnessError;

    fn try_from(r: RawGroupAudit) -> Result<Self> {
        let a = Self {
            params: r.params,
            group_columns: r.group_columns,
            overall: r.overall,
            groups: r.groups,
            disparities: r.disparities,
            max_gap: r.max_gap,
            passed: r.passed,
            warnings: r.warnings,
            intervals: r.intervals,
        };
        a.check()?;
        Ok(a)
    }
}

const CHECK: Checker = Checker::new("GroupAudit");

/// Relative tolerance of the overall confusion matrix against the sum of the groups' (the
/// same sum, possibly in another order).
const SUM_RTOL: f64 = 1e-12;

/// One group's (or the population's) metrics: counts that add up, finite non-negative
/// weights, rates equal to those of its confusion matrix, an AUC in `[0, 1]`, no NaN
/// threshold, and the small-group flag of `min_count`.
fn check_metrics(field: &str, g: &GroupMetrics, min_count: usize) -> Result<()> {
    let at = |f: &str| format!("{field}.{f}");
    for (name, v) in [
        ("rows", g.rows),
        ("positive_rows", g.positive_rows),
        ("negative_rows", g.negative_rows),
    ] {
        CHECK.count(&at(name), v as u64)?;
    }
    CHECK.ensure(
        g.positive_rows.checked_add(g.negative_rows) == Some(g.rows),
        at("rows"),
        || {
            format!(
                "is {} but positive_rows + negative_rows = {} + {}",
                g.rows, g.positive_rows, g.negative_rows
            )
        },
    )?;
    let cm = g.confusion;
    for (name, v) in [("tp", cm.tp), ("fp", cm.fp), ("tn", cm.tn), ("fn", cm.fn_)] {
        CHECK.within(&at(&format!("confusion.{name}")), v, 0.0, f64::MAX)?;
    }
    CHECK.ensure(g.rates == cm.rates(), at("rates"), || {
        "differ from the rates of the confusion matrix".to_owned()
    })?;
    if let Some(auc) = g.roc_auc {
        CHECK.probability(&at("roc_auc"), auc)?;
    }
    if let Some(t) = g.threshold {
        CHECK.ensure(!t.is_nan(), at("threshold"), || {
            "is NaN; a threshold is a number (+/-inf allowed)".to_owned()
        })?;
    }
    let small = g.positive_rows < min_count || g.negative_rows < min_count;
    CHECK.ensure(g.small == small, at("small"), || {
        format!(
            "is {} but the group has {} positive and {} negative rows (min_count {min_count})",
            g.small, g.positive_rows, g.negative_rows
        )
    })?;
    Ok(())
}

fn check_interval(field: &str, i: &Interval, replicates: usize) -> Result<()> {
    CHECK.probability(&format!("{field}.low"), i.low)?;
    CHECK.probability(&format!("{field}.high"), i.high)?;
    CHECK.ensure(i.low <= i.high, format!("{field}.high"), || {
        format!("is {} below low = {}", i.high, i.low)
    })?;
    CHECK.ensure(
        (1..=replicates).contains(&i.replicates),
        format!("{field}.replicates"),
        || format!("is {}; expected 1..={replicates}", i.replicates),
    )?;
    Ok(())
}

impl GroupAudit {
    /// Checks an audit (one computed by [`audit`] always passes; one read from edited JSON
    /// may not): the tolerance in `[0, 1]`; per group and overall, counts that add up and
    /// rates equal to those of the confusion matrix ([`GroupMetrics`]); groups in strictly
    /// ascending key order, one value per group column, named after their keys; the
    /// overall counts the sum of the groups'; thresholds as one rule gives them; and the
    /// disparities, largest gap, verdict and warnings equal to those the groups give.
    /// Bootstrap intervals, when present: a level in (0, 1), one interval list per group
    /// with every rate, bounds in `[0, 1]`.
    ///
    /// # Errors
    /// [`FairnessError::Core`] ([`mlops_core::CoreError::InvalidState`]) naming the field.
    pub fn check(&self) -> Result<()> {
        let p = &self.params;
        CHECK.probability("params.tolerance", p.tolerance)?;
        CHECK.ensure(!self.group_columns.is_empty(), "group_columns", || {
            "is empty; an audit has at least one group column".to_owned()
        })?;
        check_metrics("overall", &self.overall, p.min_count)?;
        // Audits written before the overall row took the reserved label called it "overall".
        let label = self.overall.name.as_str();
        CHECK.ensure(
            self.overall.key.is_none()
                && (label == mlops_core::ALL_ROWS_LABEL || label == "overall"),
            "overall.name",
            || {
                format!(
                    "the population's metrics are labelled {:?} and have no key",
                    mlops_core::ALL_ROWS_LABEL
                )
            },
        )?;
        let mut sum = ConfusionMatrix::default();
        let (mut pos, mut neg) = (0u128, 0u128);
        for (i, g) in self.groups.iter().enumerate() {
            let field = format!("groups[{i}]");
            check_metrics(&field, g, p.min_count)?;
            let Some(key) = &g.key else {
                return Err(CHECK.fail(format!("{field}.key"), "is missing").into());
            };
            CHECK.same_len(
                &format!("{field}.key"),
                key.0.len(),
                "group_columns",
                self.group_columns.len(),
            )?;
            CHECK.ensure(g.name == key.to_string(), format!("{field}.name"), || {
                format!("is {:?} but the key reads {:?}", g.name, key.to_string())
            })?;
            if i > 0 {
                let before = self.groups[i - 1].key.as_ref();
                CHECK.ensure(before < Some(key), format!("{field}.key"), || {
                    "is not after the previous group's; groups are in strictly ascending key \
                     order"
                        .to_owned()
                })?;
            }
            CHECK.ensure(
                self.overall.threshold.is_none() || g.threshold == self.overall.threshold,
                format!("{field}.threshold"),
                || {
                    format!(
                        "is {:?} but the one threshold for everyone is {:?}",
                        g.threshold, self.overall.threshold
                    )
                },
            )?;
            CHECK.ensure(
                g.threshold.is_some() == self.groups[0].threshold.is_some(),
                format!("{field}.threshold"),
                || "one rule gives every group a threshold or none".to_owned(),
            )?;
            sum = sum + g.confusion;
            pos += g.positive_rows as u128;
            neg += g.negative_rows as u128;
        }
        let o = &self.overall;
        CHECK.ensure(
            pos == o.positive_rows as u128 && neg == o.negative_rows as u128,
            "overall.rows",
            || {
                format!(
                    "has {} positive and {} negative rows but the groups add up to {pos} and \
                     {neg}",
                    o.positive_rows, o.negative_rows
                )
            },
        )?;
        let close = |a: f64, b: f64| (a - b).abs() <= SUM_RTOL * b.abs().max(a.abs());
        let oc = o.confusion;
        CHECK.ensure(
            close(oc.tp, sum.tp)
                && close(oc.fp, sum.fp)
                && close(oc.tn, sum.tn)
                && close(oc.fn_, sum.fn_),
            "overall.confusion",
            || format!("is {oc:?} but the groups add up to {sum:?}"),
        )?;
        let expected = summarise(
            self.params,
            self.group_columns.clone(),
            self.overall.clone(),
            self.groups.clone(),
        );
        CHECK.ensure(
            self.disparities == expected.disparities,
            "disparities",
            || "differ from the disparities of the groups' rates".to_owned(),
        )?;
        CHECK.ensure(self.max_gap == expected.max_gap, "max_gap", || {
            format!(
                "is {:?} but the groups' {} rates give {:?}",
                self.max_gap, p.constraint, expected.max_gap
            )
        })?;
        CHECK.ensure(self.passed == expected.passed, "passed", || {
            format!(
                "is {:?} but a gap of {:?} against tolerance {} gives {:?}",
                self.passed, self.max_gap, p.tolerance, expected.passed
            )
        })?;
        CHECK.ensure(self.warnings == expected.warnings, "warnings", || {
            "differ from the warnings the groups give".to_owned()
        })?;
        if let Some(b) = &self.intervals {
            CHECK.count("intervals.replicates", b.replicates as u64)?;
            CHECK.ensure(b.replicates >= 1, "intervals.replicates", || {
                "is 0; a bootstrap draws at least one replicate".to_owned()
            })?;
            CHECK.ensure(b.level > 0.0 && b.level < 1.0, "intervals.level", || {
                format!("is {}; expected a level in (0, 1)", b.level)
            })?;
            CHECK.same_len(
                "intervals.groups",
                b.groups.len(),
                "groups",
                self.groups.len(),
            )?;
            for (i, rates) in b.groups.iter().enumerate() {
                let names: Vec<&str> = rates.iter().map(|(n, _)| n.as_str()).collect();
                CHECK.ensure(
                    names == RATE_NAMES,
                    format!("intervals.groups[{i}]"),
                    || format!("names the rates {names:?}; expected {RATE_NAMES:?}"),
                )?;
                for (name, interval) in rates {
                    if let Some(iv) = interval {
                        check_interval(&format!("intervals.groups[{i}].{name}"), iv, b.replicates)?;
                    }
                }
            }
            if let Some(iv) = &b.max_gap {
                check_interval("intervals.max_gap", iv, b.replicates)?;
            }
        }
        Ok(())
    }

    /// Reads an audit written by [`GroupAudit::to_json`], checked with
    /// [`GroupAudit::check`].
    ///
    /// # Errors
    /// [`FairnessError::Core`] ([`mlops_core::CoreError::InvalidState`], naming the field)
    /// for malformed JSON or an audit that fails its check.
    pub fn from_json(text: &str) -> Result<Self> {
        mlops_core::state::from_json::<RawGroupAudit, _, _>("GroupAudit", text)
    }

    /// The audit as JSON.
    ///
    /// # Errors
    /// [`FairnessError::Core`] if serde fails (it does not: infinite thresholds are
    /// written as text).
    pub fn to_json(&self) -> Result<String> {
        Ok(mlops_core::state::to_json("GroupAudit", self)?)
    }
}

/// Rate names, in report order: the rates whose gaps between groups an audit reports.
pub const RATE_NAMES: [&str; 6] = ["tpr", "fpr", "tnr", "fnr", "precision", "selection_rate"];

/// One rate of `r` by name: any of [`RATE_NAMES`], or `"accuracy"` (reported per group,
/// but not compared across groups). `None` where the rate is undefined (its denominator
/// is 0).
///
/// Public so that a binding or report reads a rate by name with the names and the
/// undefined cases the audit itself uses, rather than matching the fields again.
///
/// # Errors
/// [`FairnessError::Core`] ([`mlops_core::CoreError::InvalidParameter`] naming `name`)
/// for any other name.
///
/// # Examples
/// ```
/// use mlops_core::ConfusionMatrix;
/// use mlops_fairness::rate_by_name;
/// let rates = ConfusionMatrix { tp: 3.0, fp: 1.0, tn: 0.0, fn_: 1.0 }.rates();
/// assert_eq!(rate_by_name(&rates, "tpr")?, Some(0.75));
/// assert_eq!(rate_by_name(&rates, "accuracy")?, Some(0.6));
/// assert!(rate_by_name(&rates, "f1").is_err());
/// # Ok::<(), mlops_fairness::FairnessError>(())
/// ```
pub fn rate_by_name(r: &Rates, name: &str) -> Result<Option<f64>> {
    Ok(match name {
        "tpr" => r.tpr,
        "fpr" => r.fpr,
        "tnr" => r.tnr,
        "fnr" => r.fnr,
        "precision" => r.precision,
        "selection_rate" => r.selection_rate,
        "accuracy" => r.accuracy,
        _ => {
            return Err(CoreError::invalid_parameter(
                "name",
                name,
                format!("expected one of {RATE_NAMES:?} or \"accuracy\""),
            )
            .into());
        }
    })
}

/// [`rate_by_name`] for the names the audit itself passes ([`RATE_NAMES`] and the
/// constraints' rates), which always exist.
pub(crate) fn known_rate(r: &Rates, name: &str) -> Option<f64> {
    rate_by_name(r, name).ok().flatten()
}

fn disparity(rate: &str, groups: &[GroupMetrics]) -> Disparity {
    let mut hi: Option<(f64, &str)> = None;
    let mut lo: Option<(f64, &str)> = None;
    let mut undefined_in = Vec::new();
    for g in groups {
        match known_rate(&g.rates, rate) {
            Some(v) => {
                if hi.is_none_or(|(h, _)| v > h) {
                    hi = Some((v, &g.name));
                }
                if lo.is_none_or(|(l, _)| v < l) {
                    lo = Some((v, &g.name));
                }
            }
            None => undefined_in.push(g.name.clone()),
        }
    }
    let defined = groups.len() - undefined_in.len();
    let (max_diff, diff_pair, min_ratio) = match (hi, lo) {
        (Some((h, hn)), Some((l, ln))) if defined >= 2 => (
            Some(h - l),
            Some((hn.to_owned(), ln.to_owned())),
            (h > 0.0).then(|| l / h),
        ),
        _ => (None, None, None),
    };
    Disparity {
        rate: rate.to_owned(),
        max_diff,
        diff_pair,
        min_ratio,
        undefined_in,
    }
}

fn metrics(
    name: String,
    key: Option<GroupKey>,
    cm: ConfusionMatrix,
    rows: (usize, usize),
    roc_auc: Option<f64>,
    threshold: Option<f64>,
    min_count: usize,
) -> GroupMetrics {
    GroupMetrics {
        name,
        key,
        rows: rows.0 + rows.1,
        positive_rows: rows.0,
        negative_rows: rows.1,
        rates: cm.rates(),
        confusion: cm,
        roc_auc,
        threshold,
        small: rows.0 < min_count || rows.1 < min_count,
    }
}

/// Confusion per group and rows per group by one pass over the data.
fn confusion_by_group(
    task: &BinaryTask<'_>,
    groups: &Groups,
    flag: impl Fn(usize, f64, usize) -> bool,
) -> (Vec<ConfusionMatrix>, Vec<(usize, usize)>) {
    let mut cms = vec![ConfusionMatrix::default(); groups.n_groups()];
    let mut rows = vec![(0usize, 0usize); groups.n_groups()];
    let labels = task.labels();
    for (i, ((&s, &y), &g)) in task
        .scores()
        .iter()
        .zip(labels.iter())
        .zip(groups.ids())
        .enumerate()
    {
        let g = g as usize;
        let w = task.weight(i);
        let cm = &mut cms[g];
        match (y, flag(i, s, g)) {
            (true, true) => cm.tp += w,
            (false, true) => cm.fp += w,
            (false, false) => cm.tn += w,
            (true, false) => cm.fn_ += w,
        }
        if w > 0.0 {
            if y {
                rows[g].0 += 1;
            } else {
                rows[g].1 += 1;
            }
        }
    }
    (cms, rows)
}

/// Audits `decision` on `task`, group by group.
///
/// # Errors
/// [`FairnessError::Core`] when `groups` (or the predictions) are not aligned with `task`;
/// [`CoreError::InvalidParameter`](mlops_core::CoreError::InvalidParameter) for a per-group threshold list of the wrong length,
/// a NaN threshold, or a tolerance outside `[0, 1]`.
///
/// # Examples
/// ```
/// use mlops_core::{BinaryTask, Groups};
/// use mlops_fairness::{AuditParams, Decision, audit};
/// let task = BinaryTask::new(&[0.9, 0.2, 0.7, 0.6, 0.1, 0.3][..], &[1, 0, 0, 1, 0, 0][..])?;
/// let groups = Groups::from_strs("group", &["a", "a", "a", "b", "b", "b"])?;
/// let report = audit(&task, &groups, Decision::Threshold(0.5), AuditParams::default())?;
/// assert_eq!(report.groups[0].rates.fpr, Some(0.5)); // a: 0.7 flagged, 0.2 not
/// assert_eq!(report.groups[1].rates.fpr, Some(0.0));
/// assert_eq!(report.max_gap, Some(0.5));
/// assert_eq!(report.passed, Some(false));
/// # Ok::<(), mlops_fairness::FairnessError>(())
/// ```
pub fn audit(
    task: &BinaryTask<'_>,
    groups: &Groups,
    decision: Decision<'_>,
    params: AuditParams,
) -> Result<GroupAudit> {
    params.check()?;
    mlops_core::check_len("groups", groups.len(), "y_score", task.len())?;
    let n_groups = groups.n_groups();
    decision.check(task.len(), n_groups)?;
    if !matches!(decision, Decision::Predictions(_)) {
        // A threshold rule reads everything off each group's sorted counts, the same
        // arithmetic as from a summary of the same rows (`audit_summary`).
        let grouped = Grouped {
            counts: SortedCounts::by_group(task, groups)?,
            keys: groups.keys().to_vec(),
            columns: groups.columns().to_vec(),
        };
        return Ok(audit_grouped(&grouped, decision, params));
    }
    let (cms, rows) = confusion_by_group(task, groups, |i, s, g| decision.flags(i, s, g));
    // One sort per group; the pooled AUC merges them instead of sorting again.
    let (aucs, overall_auc): (Vec<Option<f64>>, Option<f64>) = if params.with_auc {
        let per_group = SortedCounts::by_group(task, groups)?;
        aucs(&per_group)
    } else {
        (vec![None; n_groups], None)
    };
    Ok(assemble(
        groups.keys(),
        groups.columns(),
        &cms,
        &rows,
        &aucs,
        overall_auc,
        decision,
        params,
    ))
}

/// Audits a threshold rule ([`Decision::Threshold`] or [`Decision::PerGroup`], thresholds
/// indexed as the summary's groups, in ascending key order) from a [`ScoreSummary`]: the
/// same audit, bit for bit, as [`audit`] on the rows summarised.
///
/// # Errors
/// [`CoreError::InvalidParameter`](mlops_core::CoreError::InvalidParameter) for [`Decision::Predictions`] (a summary holds
/// scores, not decisions), a per-group threshold list of the wrong length, a NaN threshold
/// or a tolerance outside `[0, 1]`; [`FairnessError::Core`] for a summary of no rows.
pub fn audit_summary(
    summary: &ScoreSummary,
    decision: Decision<'_>,
    params: AuditParams,
) -> Result<GroupAudit> {
    params.check()?;
    if let Decision::Predictions(_) = decision {
        return Err(FairnessError::invalid_parameter(
            "decision",
            "predictions",
            "a summary holds scores, not decisions: audit a threshold or per-group thresholds",
        ));
    }
    let grouped = Grouped::from_summary(summary)?;
    decision.check(0, grouped.keys.len())?;
    Ok(audit_grouped(&grouped, decision, params))
}

/// Each group's ROC AUC and the pooled one (a merge of the groups' counts, not a new sort).
fn aucs(per_group: &[SortedCounts]) -> (Vec<Option<f64>>, Option<f64>) {
    let refs: Vec<&SortedCounts> = per_group.iter().collect();
    (
        per_group.iter().map(|c| c.roc_auc().ok()).collect(),
        SortedCounts::merge(&refs).roc_auc().ok(),
    )
}

/// The confusion matrix of the rule `score >= threshold` from sorted counts: each cell a
/// plain sum of block weights in block order (no difference of totals, which would lose
/// the small cells' precision).
fn confusion_of(counts: &SortedCounts, threshold: f64) -> ConfusionMatrix {
    let k = counts.blocks_at(threshold);
    let (pos, neg) = (counts.block_pos(), counts.block_neg());
    ConfusionMatrix {
        tp: pos[..k].iter().sum(),
        fp: neg[..k].iter().sum(),
        fn_: pos[k..].iter().sum(),
        tn: neg[k..].iter().sum(),
    }
}

/// The audit of a threshold rule from each group's sorted counts.
fn audit_grouped(grouped: &Grouped, decision: Decision<'_>, params: AuditParams) -> GroupAudit {
    let counts = &grouped.counts;
    let cms: Vec<ConfusionMatrix> = counts
        .iter()
        .enumerate()
        .map(|(g, c)| confusion_of(c, decision.threshold_of(g).unwrap_or(f64::INFINITY)))
        .collect();
    let rows: Vec<(usize, usize)> = counts
        .iter()
        .map(|c| (c.positive_rows(), c.negative_rows()))
        .collect();
    let (aucs, overall_auc) = if params.with_auc {
        aucs(counts)
    } else {
        (vec![None; counts.len()], None)
    };
    assemble(
        &grouped.keys,
        &grouped.columns,
        &cms,
        &rows,
        &aucs,
        overall_auc,
        decision,
        params,
    )
}

/// The audit from each group's confusion matrix, rows and AUC.
#[allow(clippy::too_many_arguments)]
fn assemble(
    keys: &[GroupKey],
    columns: &[String],
    cms: &[ConfusionMatrix],
    rows: &[(usize, usize)],
    aucs: &[Option<f64>],
    overall_auc: Option<f64>,
    decision: Decision<'_>,
    params: AuditParams,
) -> GroupAudit {
    let group_metrics: Vec<GroupMetrics> = keys
        .iter()
        .enumerate()
        .map(|(g, key)| {
            metrics(
                key.to_string(),
                Some(key.clone()),
                cms[g],
                rows[g],
                aucs[g],
                decision.threshold_of(g),
                params.min_count,
            )
        })
        .collect();
    let total = cms.iter().fold(ConfusionMatrix::default(), |a, &b| a + b);
    let total_rows = rows.iter().fold((0, 0), |(p, n), &(a, b)| (p + a, n + b));
    let overall_threshold = match decision {
        Decision::Threshold(t) => Some(t),
        _ => None,
    };
    let overall = metrics(
        mlops_core::ALL_ROWS_LABEL.to_owned(),
        None,
        total,
        total_rows,
        overall_auc,
        overall_threshold,
        params.min_count,
    );
    summarise(params, columns.to_vec(), overall, group_metrics)
}

/// An audit from its per-group metrics: the disparities, the core test and the warnings
/// are functions of the groups (so a saved audit can be checked against them).
fn summarise(
    params: AuditParams,
    group_columns: Vec<String>,
    overall: GroupMetrics,
    group_metrics: Vec<GroupMetrics>,
) -> GroupAudit {
    let disparities: Vec<Disparity> = RATE_NAMES
        .iter()
        .map(|r| disparity(r, &group_metrics))
        .collect();
    // The core test: the largest gap of any constrained rate (both FPR and TPR for
    // equalized odds).
    let core = disparities
        .iter()
        .filter(|d| params.constraint.rate_names().contains(&d.rate.as_str()))
        .filter_map(|d| d.max_diff)
        .reduce(f64::max);
    let mut warnings = Vec::new();
    for g in &group_metrics {
        if g.small {
            warnings.push(format!(
                "group `{}` has {} positive and {} negative rows (fewer than {}): its rates \
                 are unstable; read them with their intervals",
                g.name, g.positive_rows, g.negative_rows, params.min_count
            ));
        }
        for &name in params.constraint.rate_names() {
            if known_rate(&g.confusion.rates(), name).is_none() {
                warnings.push(format!(
                    "group `{}` has an undefined {name}: it is left out of the gap",
                    g.name
                ));
            }
        }
    }
    GroupAudit {
        params,
        group_columns,
        overall,
        groups: group_metrics,
        disparities,
        max_gap: core,
        passed: core.map(|g| g <= params.tolerance),
        warnings,
        intervals: None,
    }
}

/// One group's rows for the bootstrap: `(confusion cell, weight)` each.
///
/// A replicate needs only the weight drawn into each confusion cell. When the rows come in
/// few kinds (a kind: a cell and a weight; unweighted rows have at most four), the numbers
/// of rows of each kind among `n` rows drawn with replacement are multinomial with the
/// kinds' shares as probabilities, so they are drawn directly, as a chain of binomials
/// (each kind's count given those before it), in time independent of `n`: the same
/// distribution as drawing the rows one by one, which is what happens when the kinds are
/// many.
enum GroupSampler {
    /// Kinds `(cell, weight, rows of that kind)`.
    Kinds(Vec<(u8, f64, u64)>),
    Rows(Vec<(u8, f64)>),
}

/// Above this many kinds of rows a group is resampled row by row.
const MAX_KINDS: usize = 64;

impl GroupSampler {
    fn new(rows: Vec<(u8, f64)>) -> Self {
        let mut kinds: Vec<(u8, f64, u64)> = Vec::new();
        for &(cell, w) in &rows {
            match kinds
                .iter()
                .position(|k| k.0 == cell && k.1.to_bits() == w.to_bits())
            {
                Some(i) => kinds[i].2 += 1,
                None if kinds.len() < MAX_KINDS => kinds.push((cell, w, 1)),
                None => return Self::Rows(rows),
            }
        }
        Self::Kinds(kinds)
    }

    /// The weight drawn into each confusion cell (TP, FP, TN, FN order of `cell`).
    fn draw(&self, rng: &mut Xoshiro256PlusPlus) -> [f64; 4] {
        let mut c = [0.0f64; 4];
        match self {
            Self::Rows(rows) => {
                for _ in 0..rows.len() {
                    let (cell, w) = rows[rng.random_range(0..rows.len())];
                    c[cell as usize] += w;
                }
            }
            Self::Kinds(kinds) => {
                let mut left: u64 = kinds.iter().map(|k| k.2).sum();
                let mut draws = left;
                for (i, &(cell, w, rows)) in kinds.iter().enumerate() {
                    let k = if i + 1 == kinds.len() {
                        draws
                    } else if draws == 0 || rows == 0 {
                        0
                    } else {
                        // P(a draw is of this kind | not of an earlier kind) = rows / left.
                        let p = rows as f64 / left as f64;
                        rand_distr::Binomial::new(draws, p).map_or(0, |b| rng.sample(b))
                    };
                    c[cell as usize] += k as f64 * w;
                    draws -= k;
                    left -= rows;
                }
            }
        }
        c
    }
}

fn interval(mut values: Vec<f64>, level: f64) -> Option<Interval> {
    values.sort_unstable_by(f64::total_cmp);
    let a = (1.0 - level) / 2.0;
    Some(Interval {
        low: quantile_linear(&values, a)?,
        high: quantile_linear(&values, 1.0 - a)?,
        replicates: values.len(),
    })
}

impl GroupAudit {
    /// Adds percentile bootstrap intervals for every group rate and for the largest gap of
    /// the constrained rate. Rows are resampled with replacement within each group (a
    /// stratified bootstrap: group sizes stay fixed), decisions stay those of the audit,
    /// and replicates run in parallel, each from its own seed derived from `seed`.
    ///
    /// Cancellable: under a cancelled [`mlops_core::cancel::CancelToken`] it stops within
    /// about one replicate per thread.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`](mlops_core::CoreError::InvalidParameter) for `replicates == 0` or a level outside (0, 1);
    /// [`FairnessError::Core`] for inputs that do not match the audit, or
    /// [`mlops_core::CoreError::Cancelled`] when cancelled.
    pub fn with_bootstrap(
        mut self,
        task: &BinaryTask<'_>,
        groups: &Groups,
        decision: Decision<'_>,
        replicates: usize,
        level: f64,
        seed: u64,
    ) -> Result<Self> {
        if replicates == 0 {
            return Err(FairnessError::invalid_parameter(
                "replicates",
                replicates,
                "must be at least 1",
            ));
        }
        if !(level > 0.0 && level < 1.0) {
            return Err(FairnessError::invalid_parameter(
                "level",
                level,
                "must be in (0, 1)",
            ));
        }
        mlops_core::check_len("groups", groups.len(), "y_score", task.len())?;
        decision.check(task.len(), groups.n_groups())?;
        let labels = task.labels();
        let mut members: Vec<Vec<(u8, f64)>> = vec![Vec::new(); groups.n_groups()];
        for (i, &g) in groups.ids().iter().enumerate() {
            let flagged = decision.flags(i, task.scores()[i], g as usize);
            let cell = match (labels[i], flagged) {
                (true, true) => 0,
                (false, true) => 1,
                (false, false) => 2,
                (true, false) => 3,
            };
            members[g as usize].push((cell, task.weight(i)));
        }
        let samplers: Vec<GroupSampler> = members.into_iter().map(GroupSampler::new).collect();
        let constraint = self.params.constraint;
        // Taken on the calling thread: the replicates run on other threads.
        let cancel = mlops_core::cancel::Checkpoint::current();
        let draws: Vec<Vec<Rates>> = mlops_core::parallel::map_range(true, replicates, |r| {
            if cancel.cancelled() {
                return Vec::new(); // discarded: the call returns Cancelled below
            }
            let mut rng = replicate_rng(seed, r);
            samplers
                .iter()
                .map(|s| {
                    let c = s.draw(&mut rng);
                    ConfusionMatrix {
                        tp: c[0],
                        fp: c[1],
                        tn: c[2],
                        fn_: c[3],
                    }
                    .rates()
                })
                .collect()
        });
        cancel.check()?;
        let groups_ci = (0..samplers.len())
            .map(|g| {
                RATE_NAMES
                    .iter()
                    .map(|&name| {
                        let values: Vec<f64> = draws
                            .iter()
                            .filter_map(|d| known_rate(&d[g], name))
                            .collect();
                        (name.to_owned(), interval(values, level))
                    })
                    .collect()
            })
            .collect();
        let gaps: Vec<f64> = draws
            .iter()
            .filter_map(|d| {
                constraint
                    .rate_names()
                    .iter()
                    .filter_map(|&name| {
                        let rates: Vec<f64> =
                            d.iter().filter_map(|r| known_rate(r, name)).collect();
                        (rates.len() >= 2).then(|| {
                            rates.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                                - rates.iter().copied().fold(f64::INFINITY, f64::min)
                        })
                    })
                    .reduce(f64::max)
            })
            .collect();
        self.intervals = Some(BootstrapIntervals {
            replicates,
            level,
            seed,
            groups: groups_ci,
            max_gap: interval(gaps, level),
        });
        Ok(self)
    }
}

/// Serde for an optional float that may be infinite.
pub(crate) mod opt_float {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Wrap(#[serde(with = "mlops_core::serde_float::scalar")] f64);

    pub(crate) fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        v.map(Wrap).serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name reads its own field (distinct values, so a crossed arm shows), an
    /// undefined rate is `None`, and an unknown name is an error naming `name`.
    #[test]
    fn rate_by_name_reads_each_field_and_refuses_unknown_names() {
        let r = Rates {
            tpr: Some(0.1),
            fpr: Some(0.2),
            tnr: Some(0.3),
            fnr: Some(0.4),
            precision: None,
            selection_rate: Some(0.6),
            accuracy: Some(0.7),
        };
        let want = [
            ("tpr", Some(0.1)),
            ("fpr", Some(0.2)),
            ("tnr", Some(0.3)),
            ("fnr", Some(0.4)),
            ("precision", None),
            ("selection_rate", Some(0.6)),
            ("accuracy", Some(0.7)),
        ];
        for (name, value) in want {
            assert_eq!(rate_by_name(&r, name).unwrap(), value, "{name}");
        }
        for name in ["f1", "", "FPR", "fpr "] {
            match rate_by_name(&r, name) {
                Err(FairnessError::Core(CoreError::InvalidParameter {
                    name: n, value, ..
                })) => {
                    assert_eq!((n.as_str(), value.as_str()), ("name", name));
                }
                other => panic!("{name:?}: {other:?}"),
            }
        }
    }

    /// Drawing the kinds' counts (binomial chain) and drawing rows one by one give the same
    /// multinomial: each cell's mean `n p` and variance `n p (1 - p)`, within 5 standard
    /// errors over 40,000 replicates, weighted kinds included.
    #[test]
    fn kind_counts_and_row_draws_are_the_same_multinomial() {
        let mut rows: Vec<(u8, f64)> = Vec::new();
        for (cell, w, count) in [
            (0u8, 1.0, 3),
            (1, 1.0, 5),
            (2, 1.0, 10),
            (3, 1.0, 2),
            (1, 2.5, 4),
        ] {
            rows.extend(std::iter::repeat_n((cell, w), count));
        }
        let n = rows.len() as f64;
        let kinds = GroupSampler::new(rows.clone());
        assert!(matches!(kinds, GroupSampler::Kinds(_)));
        let one_by_one = GroupSampler::Rows(rows.clone());
        let reps = 40_000;
        for sampler in [&kinds, &one_by_one] {
            let mut rng = replicate_rng(3, 0);
            let mut sum = [0.0; 4];
            let mut sum_sq = [0.0; 4];
            for _ in 0..reps {
                let c = sampler.draw(&mut rng);
                for k in 0..4 {
                    sum[k] += c[k];
                    sum_sq[k] += c[k] * c[k];
                }
            }
            for k in 0..4 {
                // Per row drawn: weight w with probability p_w; cell total = sum of n draws.
                let (m1, m2) = rows
                    .iter()
                    .filter(|r| r.0 as usize == k)
                    .fold((0.0, 0.0), |(a, b), r| (a + r.1 / n, b + r.1 * r.1 / n));
                let (mean, var) = (n * m1, n * (m2 - m1 * m1));
                let got_mean = sum[k] / f64::from(reps);
                let got_var = sum_sq[k] / f64::from(reps) - got_mean * got_mean;
                let se = (var / f64::from(reps)).sqrt();
                assert!(
                    (got_mean - mean).abs() < 5.0 * se,
                    "cell {k}: {got_mean} vs {mean}"
                );
                assert!(
                    (got_var - var).abs() < 0.05 * var,
                    "cell {k}: {got_var} vs {var}"
                );
            }
        }
    }

    #[test]
    fn many_kinds_fall_back_to_row_draws() {
        let rows: Vec<(u8, f64)> = (0..200).map(|i| (0, 1.0 + f64::from(i))).collect();
        assert!(matches!(GroupSampler::new(rows), GroupSampler::Rows(_)));
    }
}
