//! Multiple-testing corrections: when many features (or groups) are tested for drift at
//! once, some small p-values are expected by chance.
//!
//! Adjusted p-values and reject flags agree exactly with
//! `statsmodels.stats.multitest.multipletests(pvals, alpha, method)` for `method` in
//! `"bonferroni"`, `"holm"` and `"fdr_bh"`; the same floating-point operations are done in
//! the same order (p-values sorted ascending, stable for ties):
//! * Bonferroni: `min(1, m p)`; reject when `p <= α / m`.
//! * Holm (step-down, family-wise error): adjusted `p_(i) (m - i + 1)` made non-decreasing
//!   by a running maximum, capped at 1; reject the smallest p-values up to the first with
//!   `p_(i) > α / (m - i + 1)`.
//! * Benjamini-Hochberg (false discovery rate): adjusted `p_(i) / (i / m)` made monotone by
//!   a running minimum from the largest, capped at 1; reject all `p_(j)` with `j <=` the
//!   largest `i` such that `p_(i) <= α i / m`.

use mlops_core::CoreError;
use serde::{Deserialize, Serialize};
use strum::{Display, EnumIter, EnumString, IntoStaticStr, VariantNames};

use crate::DriftError;
use crate::validate::open_unit;

/// The correction method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(Display, EnumString, IntoStaticStr, EnumIter, VariantNames)]
#[strum(
    serialize_all = "snake_case",
    parse_err_ty = DriftError,
    parse_err_fn = Correction::unknown
)]
pub enum Correction {
    /// Bonferroni.
    Bonferroni,
    /// Holm's step-down method.
    #[default]
    Holm,
    /// Benjamini-Hochberg (statsmodels' `"fdr_bh"`).
    FdrBh,
}

impl Correction {
    fn unknown(given: &str) -> DriftError {
        CoreError::unknown_choice("method", given, Self::VARIANTS).into()
    }
}

/// The outcome of [`multipletests`], in the order of the input p-values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorrectionResult {
    /// Whether each hypothesis is rejected at `alpha`.
    pub reject: Vec<bool>,
    /// The adjusted p-values.
    pub pvalues_corrected: Vec<f64>,
    /// The method used.
    pub method: Correction,
    /// The family-wise (or false discovery) level.
    pub alpha: f64,
}

/// Adjusts `pvalues` for multiple testing.
///
/// # Examples
/// ```
/// use mlops_drift::{multipletests, Correction};
/// let r = multipletests(&[0.01, 0.04, 0.03, 0.20], 0.05, Correction::Holm)?;
/// assert_eq!(r.reject, vec![true, false, false, false]);
/// assert!((r.pvalues_corrected[0] - 0.04).abs() < 1e-15);
/// # Ok::<(), mlops_drift::DriftError>(())
/// ```
///
/// # Errors
/// [`CoreError::OutOfRange`] naming the first p-value that is NaN or outside
/// `[0, 1]`, [`CoreError::InvalidParameter`] naming `alpha` outside `(0, 1)`. An empty
/// input gives an empty result.
pub fn multipletests(
    pvalues: &[f64],
    alpha: f64,
    method: Correction,
) -> Result<CorrectionResult, DriftError> {
    if let Some((index, &value)) = pvalues
        .iter()
        .enumerate()
        .find(|(_, p)| !(0.0..=1.0).contains(*p))
    {
        return Err(CoreError::OutOfRange {
            input: "pvalues".to_owned(),
            index,
            value,
            low: 0.0,
            high: 1.0,
        }
        .into());
    }
    open_unit("alpha", alpha)?;
    let m = pvalues.len();
    let mf = m as f64;
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| pvalues[a].total_cmp(&pvalues[b]));
    let sorted: Vec<f64> = order.iter().map(|&i| pvalues[i]).collect();

    let (reject_sorted, adjusted_sorted): (Vec<bool>, Vec<f64>) = match method {
        Correction::Bonferroni => {
            let cut = alpha / mf;
            (
                sorted.iter().map(|&p| p <= cut).collect(),
                sorted.iter().map(|&p| (p * mf).min(1.0)).collect(),
            )
        }
        Correction::Holm => {
            let first_kept = sorted
                .iter()
                .enumerate()
                .position(|(i, &p)| p > alpha / (m - i) as f64)
                .unwrap_or(m);
            let reject = (0..m).map(|i| i < first_kept).collect();
            let mut running = f64::NEG_INFINITY;
            let adjusted = sorted
                .iter()
                .enumerate()
                .map(|(i, &p)| {
                    running = running.max(p * (m - i) as f64);
                    running.min(1.0)
                })
                .collect();
            (reject, adjusted)
        }
        Correction::FdrBh => {
            let factor: Vec<f64> = (1..=m).map(|i| i as f64 / mf).collect();
            let last = sorted
                .iter()
                .zip(&factor)
                .rposition(|(&p, &f)| p <= f * alpha);
            let reject = (0..m).map(|i| last.is_some_and(|l| i <= l)).collect();
            let mut adjusted = vec![0.0; m];
            let mut running = f64::INFINITY;
            for i in (0..m).rev() {
                running = running.min(sorted[i] / factor[i]);
                adjusted[i] = running.min(1.0);
            }
            (reject, adjusted)
        }
    };

    let mut reject = vec![false; m];
    let mut pvalues_corrected = vec![0.0; m];
    for (rank, &i) in order.iter().enumerate() {
        reject[i] = reject_sorted[rank];
        pvalues_corrected[i] = adjusted_sorted[rank];
    }
    Ok(CorrectionResult {
        reject,
        pvalues_corrected,
        method,
        alpha,
    })
}
