//! The Hosmer-Lemeshow goodness-of-fit test (Hosmer & Lemeshow 1980; Hosmer, Lemeshow &
//! Sturdivant, "Applied Logistic Regression", 3rd ed. 2013, section 5.2.2).

use serde::{Deserialize, Serialize};

use crate::calibration::check_probabilities;
use crate::calibration::metrics::{BinStrategy, bin_edges, bin_sums};
use crate::error::{CoreError, Result};
use crate::input::BinaryTask;
use crate::special::chi2_sf;

/// Checked parameters of [`hosmer_lemeshow`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HosmerLemeshowParams {
    /// Number of risk groups asked for (10: deciles of risk).
    pub n_groups: usize,
    /// `Quantile` (deciles of risk) or `Uniform` (fixed cut points `k / n_groups`).
    pub grouping: BinStrategy,
    /// Degrees of freedom; `None` for `g - 2` (in-sample, the model was fitted on these
    /// rows), with `g` the number of non-empty groups. For a model assessed on data it
    /// was not fitted on, Hosmer & Lemeshow use `g`.
    pub df: Option<usize>,
}

impl HosmerLemeshowParams {
    /// Checks the parameters.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] for `n_groups` outside `2..=MAX_BINS` or `df == Some(0)`.
    pub fn new(n_groups: usize, grouping: BinStrategy, df: Option<usize>) -> Result<Self> {
        crate::calibration::check_bins("n_groups", n_groups, 2)?;
        if df == Some(0) {
            return Err(CoreError::invalid_parameter(
                "df",
                0,
                "must be at least 1 (or None for n_groups - 2)",
            ));
        }
        Ok(Self {
            n_groups,
            grouping,
            df,
        })
    }
}

impl Default for HosmerLemeshowParams {
    /// Deciles of risk, in-sample degrees of freedom.
    fn default() -> Self {
        Self {
            n_groups: 10,
            grouping: BinStrategy::Quantile,
            df: None,
        }
    }
}

/// One risk group of the Hosmer-Lemeshow table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HosmerLemeshowGroup {
    /// Lower edge of the group's probabilities (exclusive, except for the first group).
    pub low: f64,
    /// Upper edge (inclusive).
    pub high: f64,
    /// Rows in the group (weighted).
    pub weight: f64,
    /// Observed events, `sum w y`.
    pub observed: f64,
    /// Expected events, `sum w p`.
    pub expected: f64,
}

/// The result of [`hosmer_lemeshow`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HosmerLemeshowResult {
    /// `sum_g (O_g - E_g)^2 / (E_g (1 - E_g / n_g))`.
    pub statistic: f64,
    /// `P(chi2(df) > statistic)`.
    pub pvalue: f64,
    /// Degrees of freedom used.
    pub df: usize,
    /// The non-empty groups, in order of risk.
    pub groups: Vec<HosmerLemeshowGroup>,
}

/// The Hosmer-Lemeshow test: rows are grouped by predicted risk, and observed events are
/// compared with expected events in each group,
/// `C = sum_g (O_g - E_g)^2 / (E_g (1 - E_g / n_g))` (Hosmer, Lemeshow & Sturdivant 2013,
/// eq. 5.7: `n_g pbar_g (1 - pbar_g)` in the denominator), referred to a chi-square with
/// `df` degrees of freedom.
///
/// **Grouping.** `Quantile` ("deciles of risk") cuts at numpy's linear percentiles of the
/// predicted probabilities and `Uniform` at `k / n_groups` (Hosmer & Lemeshow's fixed cut
/// points); groups are right-closed, as [`crate::calibration::reliability_curve`]'s bins,
/// so **tied probabilities always share a group** (a group is never split inside a tie, so
/// groups can differ in size), and empty groups are dropped: `g` is the number of
/// non-empty groups and the default `df` is `g - 2`.
///
/// **Weights** are frequency weights: `n_g = sum w`, `O_g = sum w y`, `E_g = sum w p`.
///
/// # Errors
/// [`CoreError::OutOfRange`] for a probability outside `[0, 1]`;
/// [`CoreError::UndefinedMetric`] when a group's variance `E_g (1 - E_g / n_g)` is 0 (all
/// its probabilities are 0 or all 1) or when the default `df = g - 2` is below 1.
///
/// # Examples
/// ```
/// use mlops_core::{BinaryTask, calibration::{BinStrategy, HosmerLemeshowParams, hosmer_lemeshow}};
/// let p = [0.1, 0.1, 0.3, 0.3, 0.6, 0.6, 0.9, 0.9];
/// let y = [0, 0, 1, 0, 0, 1, 1, 1];
/// let params = HosmerLemeshowParams::new(4, BinStrategy::Uniform, None)?;
/// let hl = hosmer_lemeshow(&BinaryTask::new(&p[..], &y[..])?, &params)?;
/// assert_eq!((hl.df, hl.groups.len()), (2, 4));
/// assert!(hl.pvalue > 0.05);
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
pub fn hosmer_lemeshow(
    task: &BinaryTask<'_>,
    params: &HosmerLemeshowParams,
) -> Result<HosmerLemeshowResult> {
    check_probabilities(task)?;
    let edges = bin_edges(task.scores(), params.n_groups, params.grouping);
    let sums = bin_sums(task, &edges);
    let mut groups = Vec::new();
    let mut statistic = 0.0;
    for g in 0..params.n_groups {
        let n_g = sums.weight[g];
        if n_g <= 0.0 {
            continue;
        }
        let (observed, expected) = (sums.events[g], sums.predicted[g]);
        let variance = expected * (1.0 - expected / n_g);
        if variance.is_nan() || variance <= 0.0 {
            return Err(CoreError::undefined(
                "the Hosmer-Lemeshow statistic",
                format!(
                    "risk group ({}, {}] has predicted probabilities all 0 or all 1, so its \
                     variance is 0; use fewer groups",
                    edges[g],
                    edges[g + 1]
                ),
            ));
        }
        let d = observed - expected;
        // d * d would overflow for weights near f64::MAX long before the term does.
        statistic += d * (d / variance);
        groups.push(HosmerLemeshowGroup {
            low: edges[g],
            high: edges[g + 1],
            weight: n_g,
            observed,
            expected,
        });
    }
    let df = match params.df {
        Some(df) => df,
        None => groups
            .len()
            .checked_sub(2)
            .filter(|&d| d >= 1)
            .ok_or_else(|| {
                CoreError::undefined(
                    "the Hosmer-Lemeshow test",
                    format!(
                        "only {} non-empty risk group(s), so df = g - 2 < 1; use more distinct \
                     probabilities, more groups, or pass df",
                        groups.len()
                    ),
                )
            })?,
    };
    if !statistic.is_finite() {
        // Frequency weights: the statistic grows with the total weight.
        return Err(CoreError::WeightsOverflow {
            input: crate::input::names::SAMPLE_WEIGHT.to_owned(),
            reason: "the Hosmer-Lemeshow statistic, which grows in proportion to the total \
                     weight, exceeds the largest float64"
                .to_owned(),
        });
    }
    #[allow(clippy::cast_precision_loss)]
    let pvalue = chi2_sf(statistic, df as f64);
    Ok(HosmerLemeshowResult {
        statistic,
        pvalue,
        df,
        groups,
    })
}
