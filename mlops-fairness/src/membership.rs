//! Audits when the protected attribute is not recorded: probabilities of group membership
//! (BISG-style estimates) in place of group labels.
//!
//! The weighting estimator: each row is split into one row per group, weighted by its
//! probability of belonging to that group (times its own weight), and the ordinary audit
//! runs on the expanded data. Its known bias: when membership and outcome are correlated
//! given the score, the weighted rates are biased (Chen, Kallus, Mao, Svacha & Udell 2019).

use mlops_core::{BinaryTask, CoreError, GroupColumn, GroupValue, Groups};
use ndarray::ArrayView2;

use crate::audit::{AuditParams, Decision, GroupAudit, audit};
use crate::error::{FairnessError, Result};

/// How far a row's membership probabilities may sum from 1 (absolute): rounding in the
/// estimates that produce them, not a different total.
pub const MEMBERSHIP_SUM_TOLERANCE: f64 = 1e-6;

/// The name of the membership input in errors.
const INPUT: &str = "group_proba";

/// The data expanded into one weighted row per (row, group) with a positive probability,
/// row by row and, within a row, group by group.
#[derive(Debug, Clone)]
pub struct MembershipExpansion {
    /// The original row of each expanded row.
    pub rows: Vec<usize>,
    /// The weight of each expanded row: the row's weight times its probability.
    pub weights: Vec<f64>,
    /// The group of each expanded row.
    pub groups: Groups,
}

/// Checks membership probabilities (`n x G`, one column per level) and expands the rows.
///
/// # Errors
/// [`CoreError::NotFinite`] for a NaN or infinite probability and [`CoreError::OutOfRange`]
/// for one outside `[0, 1]` (both naming the row), [`CoreError::InvalidParameter`] for a
/// row whose probabilities do not sum to 1 within [`MEMBERSHIP_SUM_TOLERANCE`] or for a
/// number of levels other than `G`, [`FairnessError::EmptyGroup`] for a group with zero
/// total probability, and the errors of the weights.
pub fn expand_membership(
    group_proba: ArrayView2<'_, f64>,
    levels: Vec<GroupValue>,
    column: &str,
    weights: Option<&[f64]>,
) -> Result<MembershipExpansion> {
    let (n, g) = group_proba.dim();
    if n == 0 {
        return Err(CoreError::EmptyInput {
            input: INPUT.to_owned(),
        }
        .into());
    }
    if levels.len() != g || g == 0 {
        return Err(FairnessError::invalid_parameter(
            INPUT,
            format!("{g} columns"),
            format!(
                "one column per group is needed ({} names given)",
                levels.len()
            ),
        ));
    }
    if let Some(w) = weights {
        mlops_core::check_len(mlops_core::names::SAMPLE_WEIGHT, w.len(), INPUT, n)?;
        mlops_core::check_weights(mlops_core::names::SAMPLE_WEIGHT, &w.into())?;
    }
    let mut totals = vec![0.0; g];
    for (i, row) in group_proba.outer_iter().enumerate() {
        let mut sum = 0.0;
        for (t, &p) in totals.iter_mut().zip(row.iter()) {
            if !p.is_finite() {
                return Err(CoreError::NotFinite {
                    input: INPUT.to_owned(),
                    index: i,
                    value: p,
                }
                .into());
            }
            if !(0.0..=1.0).contains(&p) {
                return Err(CoreError::OutOfRange {
                    input: INPUT.to_owned(),
                    index: i,
                    value: p,
                    low: 0.0,
                    high: 1.0,
                }
                .into());
            }
            sum += p;
            *t += p;
        }
        if (sum - 1.0).abs() > MEMBERSHIP_SUM_TOLERANCE {
            return Err(FairnessError::invalid_parameter(
                INPUT,
                format!("row {i} summing to {sum}"),
                format!(
                    "each row's membership probabilities must sum to 1 (within \
                     {MEMBERSHIP_SUM_TOLERANCE})"
                ),
            ));
        }
    }
    if let Some(k) = totals.iter().position(|&t| t <= 0.0) {
        return Err(FairnessError::EmptyGroup {
            group: levels[k].to_string(),
        });
    }
    let mut rows = Vec::new();
    let mut codes = Vec::new();
    let mut out_weights = Vec::new();
    for (i, row) in group_proba.outer_iter().enumerate() {
        let w = weights.map_or(1.0, |w| w[i]);
        for (k, &p) in row.iter().enumerate() {
            if p > 0.0 {
                rows.push(i);
                #[allow(clippy::cast_possible_truncation)]
                codes.push(k as u32);
                out_weights.push(w * p);
            }
        }
    }
    let groups = Groups::new(vec![GroupColumn::from_codes(column, codes, levels)?])?;
    Ok(MembershipExpansion {
        rows,
        weights: out_weights,
        groups,
    })
}

/// [`audit`] with probabilities of group membership in place of group labels: the audit
/// of the data expanded into one row per (row, group), weighted by the probability (see
/// [`expand_membership`]), and equal to it bit for bit. A [`Decision::PerGroup`] is
/// indexed by the expanded groups (the levels in order), [`Decision::Predictions`] by the
/// original rows.
///
/// # Errors
/// Those of [`expand_membership`] and [`audit`].
pub fn audit_membership(
    task: &BinaryTask<'_>,
    group_proba: ArrayView2<'_, f64>,
    levels: Vec<GroupValue>,
    column: &str,
    decision: Decision<'_>,
    params: AuditParams,
) -> Result<GroupAudit> {
    mlops_core::check_len(INPUT, group_proba.nrows(), "y_score", task.len())?;
    let weights: Option<Vec<f64>> = task.weights().map(|w| w.to_vec());
    let ex = expand_membership(group_proba, levels, column, weights.as_deref())?;
    let scores: Vec<f64> = ex.rows.iter().map(|&i| task.scores()[i]).collect();
    let labels_all = task.labels();
    let labels: Vec<bool> = ex.rows.iter().map(|&i| labels_all[i]).collect();
    let expanded = BinaryTask::new(&scores[..], &labels[..])?.with_weights(&ex.weights[..])?;
    let preds: Vec<bool>;
    let decision = match decision {
        Decision::Predictions(p) => {
            mlops_core::check_len("y_pred", p.len(), "y_score", task.len())?;
            preds = ex.rows.iter().map(|&i| p[i]).collect();
            Decision::Predictions(&preds)
        }
        other => other,
    };
    audit(&expanded, &ex.groups, decision, params)
}
