//! Has the share of positive predictions (e.g. approvals) of a group moved between
//! training and production?
//!
//! Given `x0` positives of `n0` at training time (proportion `p0 = x0 / n0`) and `x` of `n`
//! in production (`p = x / n`):
//! * two-sided confidence intervals for the production proportion, as
//!   `scipy.stats.binomtest(x, n).proportion_ci(confidence_level, method)`: the Wilson score
//!   interval (`method="wilson"`, no continuity correction) and the Clopper-Pearson interval
//!   (`method="exact"`: Beta quantiles `Beta(α/2; x, n - x + 1)` and
//!   `Beta(1 - α/2; x + 1, n - x)`, with `0` and `1` at the ends), computed by
//!   [`beta_ppf`];
//! * flags saying whether `p0` falls outside each interval (the production window is then
//!   unlikely under the training proportion);
//! * the two-proportion z-test with pooled variance, `z = (p - p0) / sqrt(P (1 - P) (1/n +
//!   1/n0))` with `P = (x + x0) / (n + n0)`, two-sided p-value `2 Φ(-|z|)` (statsmodels'
//!   `proportions_ztest([x, x0], [n, n0])`); `None` when `P` is 0 or 1;
//! * effect sizes: the difference `p - p0` and Cohen's `h = 2 asin √p - 2 asin √p0`.

use serde::{Deserialize, Serialize};

use crate::DriftError;
use crate::special::{beta_ppf, normal_ppf, normal_sf};
use crate::validate::open_unit;

/// Sample names used in errors.
pub mod names {
    /// The training-time counts.
    pub const TRAINING: &str = "training";
    /// The production counts.
    pub const PRODUCTION: &str = "production";
}

/// The outcome of [`proportion_drift`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ProportionResult {
    /// The two-proportion z statistic (production minus training); `None` when undefined.
    pub statistic: Option<f64>,
    /// Its two-sided p-value; `None` when undefined.
    pub pvalue: Option<f64>,
    /// Training proportion `x0 / n0`.
    pub training_proportion: f64,
    /// Production proportion `x / n`.
    pub production_proportion: f64,
    /// `production_proportion - training_proportion` (effect size).
    pub difference: f64,
    /// Cohen's h (effect size).
    pub cohens_h: f64,
    /// Lower end of the Wilson interval of the production proportion.
    pub wilson_low: f64,
    /// Upper end of the Wilson interval.
    pub wilson_high: f64,
    /// Lower end of the Clopper-Pearson interval.
    pub exact_low: f64,
    /// Upper end of the Clopper-Pearson interval.
    pub exact_high: f64,
    /// The training proportion lies outside the Wilson interval.
    pub out_of_wilson_interval: bool,
    /// The training proportion lies outside the Clopper-Pearson interval.
    pub out_of_exact_interval: bool,
    /// The intervals' confidence level.
    pub confidence_level: f64,
}

fn checked(sample: &str, x: u64, n: u64) -> Result<(), DriftError> {
    if n == 0 {
        return Err(DriftError::EmptySample {
            sample: sample.to_owned(),
        });
    }
    if x > n {
        return Err(DriftError::SuccessesExceedTrials {
            sample: sample.to_owned(),
            successes: x,
            trials: n,
        });
    }
    Ok(())
}

/// The Wilson score interval of `x / n` (scipy's formula, Newcombe 1998).
pub fn wilson_interval(x: u64, n: u64, confidence_level: f64) -> (f64, f64) {
    let (k, nf) = (x as f64, n as f64);
    let p = k / nf;
    let z = normal_ppf(0.5 + 0.5 * confidence_level);
    let denom = 2.0 * (nf + z * z);
    let center = (2.0 * nf * p + z * z) / denom;
    let q = 1.0 - p;
    let delta = z / denom * (4.0 * nf * p * q + z * z).sqrt();
    let lo = if x == 0 { 0.0 } else { center - delta };
    let hi = if x == n { 1.0 } else { center + delta };
    (lo, hi)
}

/// The Clopper-Pearson interval of `x / n`.
pub fn exact_interval(x: u64, n: u64, confidence_level: f64) -> (f64, f64) {
    let alpha = (1.0 - confidence_level) / 2.0;
    let (k, nf) = (x as f64, n as f64);
    let lo = if x == 0 {
        0.0
    } else {
        beta_ppf(alpha, k, nf - k + 1.0)
    };
    let hi = if x == n {
        1.0
    } else {
        beta_ppf(1.0 - alpha, k + 1.0, nf - k)
    };
    (lo, hi)
}

/// Compares the production share `x / n` with the training share `x0 / n0`.
///
/// # Examples
/// ```
/// use mlops_drift::proportion_drift;
/// // 30% approvals at training time, 180 of 400 in production.
/// let r = proportion_drift(300, 1000, 180, 400, 0.95)?;
/// assert!(r.out_of_wilson_interval && r.out_of_exact_interval);
/// assert!(r.pvalue.is_some_and(|p| p < 1e-6));
/// # Ok::<(), mlops_drift::DriftError>(())
/// ```
///
/// # Errors
/// [`DriftError::EmptySample`] when `n0` or `n` is 0, [`DriftError::SuccessesExceedTrials`]
/// when `x0 > n0` or `x > n`, and [`DriftError::InvalidParameter`] naming
/// `confidence_level` outside `(0, 1)`.
pub fn proportion_drift(
    x0: u64,
    n0: u64,
    x: u64,
    n: u64,
    confidence_level: f64,
) -> Result<ProportionResult, DriftError> {
    checked(names::TRAINING, x0, n0)?;
    checked(names::PRODUCTION, x, n)?;
    open_unit("confidence_level", confidence_level)?;
    let p0 = x0 as f64 / n0 as f64;
    let p = x as f64 / n as f64;
    let (wilson_low, wilson_high) = wilson_interval(x, n, confidence_level);
    let (exact_low, exact_high) = exact_interval(x, n, confidence_level);
    let pooled = (x + x0) as f64 / (n + n0) as f64;
    let var = pooled * (1.0 - pooled) * (1.0 / n as f64 + 1.0 / n0 as f64);
    let (statistic, pvalue) = if var > 0.0 {
        let z = (p - p0) / var.sqrt();
        (Some(z), Some((2.0 * normal_sf(z.abs())).min(1.0)))
    } else {
        (None, None)
    };
    Ok(ProportionResult {
        statistic,
        pvalue,
        training_proportion: p0,
        production_proportion: p,
        difference: p - p0,
        cohens_h: 2.0 * p.sqrt().asin() - 2.0 * p0.sqrt().asin(),
        wilson_low,
        wilson_high,
        exact_low,
        exact_high,
        out_of_wilson_interval: p0 < wilson_low || p0 > wilson_high,
        out_of_exact_interval: p0 < exact_low || p0 > exact_high,
        confidence_level,
    })
}
