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
//!   [`beta_ppf`] and, for the upper end, the upper-tail quantile [`beta_isf`], so that
//!   both ends keep their relative precision at any level (scipy's root finder stops at an
//!   absolute tolerance: its upper end for 1 of 1e9 is off by 1.4e-3);
//! * flags saying whether `p0` falls outside each interval (the production window is then
//!   unlikely under the training proportion);
//! * the two-proportion z-test with pooled variance, `z = (p - p0) / sqrt(P (1 - P) (1/n +
//!   1/n0))` with `P = (x + x0) / (n + n0)`, two-sided p-value `2 Φ(-|z|)` (statsmodels'
//!   `proportions_ztest([x, x0], [n, n0])`, computed by
//!   [`mlops_core::compare::two_proportion_ztest`]); `None` when `P` is 0 or 1;
//! * effect sizes: the difference `p - p0` and Cohen's `h = 2 asin √p - 2 asin √p0`.

use mlops_core::compare::{Alternative, two_proportion_ztest};
use serde::{Deserialize, Serialize};

use crate::DriftError;
use crate::validate::{open_unit, successes};
use mlops_core::special::{beta_isf, beta_ppf, normal_isf};

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

/// The Wilson score interval of `x / n` (Newcombe 1998, as scipy's `method="wilson"`): the
/// roots of `(n + z^2) p^2 - (2x + z^2) p + x^2 / n = 0`, `z` the upper `(1 - level) / 2`
/// normal quantile, with `0` for `x = 0` and `1` for `x = n`.
///
/// Computed without cancellation: `z` from the upper tail (`(1 - level) / 2` is exact,
/// while `0.5 + 0.5 level` can round by half an ulp, 5e-8 of the interval at `level` near
/// `1 - 1e-10`), the larger root as a sum of positive terms and the smaller one as the
/// product of the roots, `x^2 / (n (n + z^2))`, over the larger.
pub fn wilson_interval(x: u64, n: u64, confidence_level: f64) -> (f64, f64) {
    let (k, nf) = (x as f64, n as f64);
    let z = normal_isf(0.5 * (1.0 - confidence_level));
    let z2 = z * z;
    let denom = 2.0 * (nf + z2);
    let centre = (2.0 * k + z2) / denom;
    // 4 n p (1 - p) = 4 x (n - x) / n, with n - x exact.
    let delta = z / denom * (4.0 * k * ((n - x) as f64 / nf) + z2).sqrt();
    let larger = centre + delta;
    let lo = if x == 0 {
        0.0
    } else {
        (k / nf) * (k / (nf + z2)) / larger
    };
    let hi = if x == n { 1.0 } else { larger };
    (lo, hi)
}

/// The Clopper-Pearson interval of `x / n`: the `p` with `P(Bin(n, p) >= x) = α/2` and the
/// `p` with `P(Bin(n, p) <= x) = α/2`, `α = 1 - level`; `0` for `x = 0` and `1` for `x = n`.
///
/// For `x = 0` (and `x = n`) the bound has the closed form `1 - (α/2)^(1/n)`, computed as
/// `-expm1(ln(α/2) / n)`. Otherwise the lower end is a Beta quantile
/// ([`beta_ppf`]`(α/2, x, n - x + 1)`) and the upper end the Beta upper-tail quantile
/// ([`beta_isf`]`(α/2, x + 1, n - x)`): `beta_ppf(1 - α/2, ...)` would lose digits to the
/// rounding of `1 - α/2`, as would `1 - ` a quantile near 1.
pub fn exact_interval(x: u64, n: u64, confidence_level: f64) -> (f64, f64) {
    let half_alpha = 0.5 * (1.0 - confidence_level);
    let (k, nf) = (x as f64, n as f64);
    // (α/2)^(1/n), and 1 minus it without cancellation.
    let root = half_alpha.ln() / nf;
    let lo = if x == 0 {
        0.0
    } else if x == n {
        root.exp()
    } else {
        beta_ppf(half_alpha, k, nf - k + 1.0)
    };
    let hi = if x == n {
        1.0
    } else if x == 0 {
        -root.exp_m1()
    } else {
        beta_isf(half_alpha, k + 1.0, nf - k)
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
/// [`CoreError::EmptyInput`](mlops_core::CoreError::EmptyInput) when `n0` or `n` is 0,
/// [`DriftError::SuccessesExceedTrials`] when `x0 > n0` or `x > n`, and
/// [`CoreError::InvalidParameter`](mlops_core::CoreError::InvalidParameter) naming
/// `confidence_level` outside `(0, 1)`.
pub fn proportion_drift(
    x0: u64,
    n0: u64,
    x: u64,
    n: u64,
    confidence_level: f64,
) -> Result<ProportionResult, DriftError> {
    successes(names::TRAINING, x0, n0)?;
    successes(names::PRODUCTION, x, n)?;
    open_unit("confidence_level", confidence_level)?;
    let p0 = x0 as f64 / n0 as f64;
    let p = x as f64 / n as f64;
    let (wilson_low, wilson_high) = wilson_interval(x, n, confidence_level);
    let (exact_low, exact_high) = exact_interval(x, n, confidence_level);
    // The counts are checked above, so the shared z-test cannot fail here.
    let z = two_proportion_ztest(x, n, x0, n0, Alternative::TwoSided)?;
    Ok(ProportionResult {
        statistic: z.statistic,
        pvalue: z.pvalue,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_rel(got: f64, want: f64) {
        assert!((got / want - 1.0).abs() < 1e-13, "{got} vs {want}");
    }

    /// References: 40-digit mpmath, the Beta tail quantiles solved by Newton's method on a
    /// quadrature of the density (tests/python/test_trust_precision.py has the oracle).
    #[test]
    fn clopper_pearson_ends_keep_their_relative_precision() {
        // 0 of 1e9: the closed form -expm1(ln(α/2) / n); it was off by 8.8e-9 through 1 -
        // a quantile near 1.
        let (lo, hi) = exact_interval(0, 1_000_000_000, 0.95);
        assert_eq!(lo, 0.0);
        assert_rel(hi, 3.688_879_447_310_02e-9);
        // 1 of 1e12: the upper end was off by 8e-7 (the continued fraction took x = 1 - y).
        let (lo, hi) = exact_interval(1, 1_000_000_000_000, 0.95);
        assert_rel(lo, 2.531_780_798_428_958e-14);
        assert_rel(hi, 5.571_643_390_926_162e-12);
        // The middle of 1e12: off by 8e-10 (ln Gamma near 1.3e13 in the Beta prefactor).
        let (lo, hi) = exact_interval(500_000_000_000, 1_000_000_000_000, 0.95);
        assert_rel(lo, 0.499_999_020_017_507_7);
        assert_rel(hi, 0.500_000_979_982_492_3);
        // Alpha = 1e-10: 1 - α/2 rounds, the upper-tail quantile does not.
        let (lo, hi) = exact_interval(3, 1_000_000_000, 1.0 - 1e-10);
        assert_rel(lo, 6.695_450_305_964_245e-13);
        assert_rel(hi, 3.246_111_967_043_992e-8);
    }

    #[test]
    fn wilson_lower_end_is_the_product_of_the_roots_over_the_upper() {
        // Both ends solve (n + z^2) p^2 - (2x + z^2) p + x^2 / n = 0.
        for (x, n) in [(1u64, 1_000_000_000_000u64), (7, 10), (999, 1000)] {
            let level = 1.0 - 1e-10;
            let (lo, hi) = wilson_interval(x, n, level);
            let z = normal_isf(0.5 * (1.0 - level));
            let (k, nf) = (x as f64, n as f64);
            for p in [lo, hi] {
                let residual = (nf + z * z) * p * p - (2.0 * k + z * z) * p + k * k / nf;
                let scale = (nf + z * z) * p * p + (2.0 * k + z * z) * p + k * k / nf;
                assert!(residual.abs() <= 1e-14 * scale, "{x} of {n}: {p}");
            }
        }
    }
}
