//! Per-group ROC curves with each group's operating point, and the cost-versus-gap
//! frontier: the data behind the plots (rendering lives with the reports).

use mlops_core::{BinaryTask, GroupKey, Groups, RocCurve, ScoreSummary, SortedCounts};
use serde::{Deserialize, Serialize};

use crate::error::{FairnessError, Result};
use crate::threshold::{GroupRule, Grouped, ThresholdPolicy, ThresholdSearch};

/// Where a group's rule sits on its ROC curve (expected rates for a randomized rule).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OperatingPoint {
    /// The rule.
    pub rule: GroupRule,
    /// False-positive rate at the rule.
    pub fpr: f64,
    /// True-positive rate at the rule.
    pub tpr: f64,
}

/// One group's ROC curve and operating point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRoc {
    /// The group's name.
    pub name: String,
    /// The group's key.
    pub key: GroupKey,
    /// The curve; `None` when the group has only one class.
    pub curve: Option<RocCurve>,
    /// ROC AUC; `None` when undefined.
    pub auc: Option<f64>,
    /// The rule's point, when rules were given and the rates are defined.
    pub point: Option<OperatingPoint>,
}

/// One group's rates under a (possibly randomized) rule, read off its sorted counts.
fn point(counts: &SortedCounts, rule: GroupRule) -> Option<OperatingPoint> {
    let (p, n) = (counts.total_pos(), counts.total_neg());
    if p <= 0.0 || n <= 0.0 {
        return None;
    }
    let cm = rule.expected_confusion(counts);
    let (tp, fp) = (cm.tp, cm.fp);
    Some(OperatingPoint {
        rule,
        fpr: fp / n,
        tpr: tp / p,
    })
}

/// Each group's ROC curve, with the operating point of `rules[group id]` when given.
///
/// # Errors
/// [`FairnessError::Core`] when `groups` is not aligned with `task`;
/// [`CoreError::InvalidParameter`](mlops_core::CoreError::InvalidParameter) when `rules` does not have one rule per group.
pub fn roc_by_group(
    task: &BinaryTask<'_>,
    groups: &Groups,
    rules: Option<&[GroupRule]>,
) -> Result<Vec<GroupRoc>> {
    check_rules(rules, groups.n_groups())?;
    let per_group = SortedCounts::by_group(task, groups)?;
    Ok(rocs(&per_group, groups.keys(), rules))
}

/// [`roc_by_group`] from a [`ScoreSummary`]: the same curves, bit for bit; `rules` indexed
/// as the summary's groups (ascending key).
///
/// # Errors
/// [`CoreError::InvalidParameter`](mlops_core::CoreError::InvalidParameter) when `rules` does not have one rule per group;
/// [`FairnessError::Core`] for a summary of no rows.
pub fn roc_by_group_summary(
    summary: &ScoreSummary,
    rules: Option<&[GroupRule]>,
) -> Result<Vec<GroupRoc>> {
    let grouped = Grouped::from_summary(summary)?;
    check_rules(rules, grouped.keys.len())?;
    Ok(rocs(&grouped.counts, &grouped.keys, rules))
}

fn check_tolerances(tolerances: &[f64]) -> Result<()> {
    for &t in tolerances {
        if !(0.0..=1.0).contains(&t) {
            return Err(FairnessError::invalid_parameter(
                "tolerances",
                t,
                "each must be in [0, 1]",
            ));
        }
    }
    Ok(())
}

fn check_rules(rules: Option<&[GroupRule]>, n_groups: usize) -> Result<()> {
    if let Some(r) = rules
        && r.len() != n_groups
    {
        return Err(FairnessError::invalid_parameter(
            "rules",
            format!("{} rules", r.len()),
            format!("one rule per group is needed ({n_groups} groups)"),
        ));
    }
    Ok(())
}

fn rocs(
    per_group: &[SortedCounts],
    keys: &[GroupKey],
    rules: Option<&[GroupRule]>,
) -> Vec<GroupRoc> {
    per_group
        .iter()
        .zip(keys)
        .enumerate()
        .map(|(g, (counts, key))| GroupRoc {
            name: key.to_string(),
            key: key.clone(),
            curve: counts.roc_curve().ok(),
            auc: counts.roc_auc().ok(),
            point: rules.and_then(|r| point(counts, r[g])),
        })
        .collect()
}

impl ThresholdPolicy {
    /// The policy's rule for every group of `groups`, by key; `None` if any is unknown.
    pub fn rules_for(&self, groups: &Groups) -> Option<Vec<GroupRule>> {
        groups.keys().iter().map(|k| self.rule_for(k)).collect()
    }
}

/// One point of the cost-versus-gap frontier.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FrontierPoint {
    /// The tolerance asked for.
    pub tolerance: f64,
    /// The lowest total cost within that tolerance.
    pub cost: f64,
    /// The gap actually reached (at most the tolerance).
    pub max_gap: f64,
}

/// Tolerances of the default frontier.
pub const DEFAULT_FRONTIER: [f64; 14] = [
    0.0, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0,
];

impl ThresholdSearch {
    /// The exact optimum at each tolerance (deterministic mode): how much cost each step
    /// of fairness buys, so the business can pick its tolerance from a picture.
    ///
    /// # Errors
    /// As [`ThresholdSearch::fit`], and [`CoreError::InvalidParameter`](mlops_core::CoreError::InvalidParameter) for a tolerance
    /// outside `[0, 1]`.
    pub fn frontier(
        &self,
        task: &BinaryTask<'_>,
        groups: &Groups,
        tolerances: &[f64],
    ) -> Result<Vec<FrontierPoint>> {
        check_tolerances(tolerances)?;
        let grouped = self.grouped_rows(task, groups)?;
        self.frontier_grouped(&grouped, tolerances)
    }

    /// [`ThresholdSearch::frontier`] from a [`ScoreSummary`]: the same points, bit for bit.
    ///
    /// # Errors
    /// As [`ThresholdSearch::frontier`].
    pub fn frontier_summary(
        &self,
        summary: &ScoreSummary,
        tolerances: &[f64],
    ) -> Result<Vec<FrontierPoint>> {
        check_tolerances(tolerances)?;
        let grouped = self.grouped_summary(summary)?;
        self.frontier_grouped(&grouped, tolerances)
    }

    fn frontier_grouped(
        &self,
        grouped: &Grouped,
        tolerances: &[f64],
    ) -> Result<Vec<FrontierPoint>> {
        let curves = self.group_curves(grouped)?;
        tolerances
            .iter()
            .map(|&t| {
                let picks = crate::search::window_search(&curves, t)
                    .ok_or_else(|| self.infeasible_at(&curves, t))?;
                let rates: Vec<f64> = picks.iter().zip(&curves).map(|(&k, c)| c.rate[k]).collect();
                let cost = picks.iter().zip(&curves).map(|(&k, c)| c.cost[k]).sum();
                let hi = rates.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let lo = rates.iter().copied().fold(f64::INFINITY, f64::min);
                Ok(FrontierPoint {
                    tolerance: t,
                    cost,
                    max_gap: (hi - lo).max(0.0),
                })
            })
            .collect()
    }
}
