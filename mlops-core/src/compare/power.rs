//! Fixed-horizon design of a two-sample test on a normal statistic: the power of a given
//! sample size, and the sample size for a given power, as statsmodels' `NormalIndPower`
//! (`power` and `solve_power(nobs1=None)`). Effect sizes are standardised: Cohen's h for two
//! proportions ([`cohens_h`]), `(mean_a - mean_b) / sd` for two means.

use serde::{Deserialize, Serialize};

use crate::compare::{Alternative, normal_quantile, normal_sf};
use crate::error::{CoreError, Result};
use crate::special::normal_isf;

/// A fixed-horizon design.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PowerResult {
    /// The standardised effect size.
    pub effect_size: f64,
    /// Rows in the first group (fractional, as statsmodels; round up to plan).
    pub nobs1: f64,
    /// Rows in the second group, `ratio * nobs1`.
    pub nobs2: f64,
    /// `nobs2 / nobs1`.
    pub ratio: f64,
    /// Significance level.
    pub alpha: f64,
    /// Probability of rejecting at this effect size.
    pub power: f64,
    /// The alternative hypothesis.
    pub alternative: Alternative,
}

/// Cohen's h for two proportions: `2 asin(sqrt(p1)) - 2 asin(sqrt(p2))` (statsmodels'
/// `proportion_effectsize`).
///
/// # Errors
/// [`CoreError::InvalidParameter`] for a proportion outside [0, 1].
///
/// # Examples
/// ```
/// use mlops_core::compare::cohens_h;
/// assert!((cohens_h(0.5, 0.5)?).abs() < 1e-15);
/// assert!(cohens_h(0.12, 0.10)? > 0.0);
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
pub fn cohens_h(p1: f64, p2: f64) -> Result<f64> {
    for (name, p) in [("p1", p1), ("p2", p2)] {
        if !(0.0..=1.0).contains(&p) {
            return Err(CoreError::invalid_parameter(name, p, "must be in [0, 1]"));
        }
    }
    Ok(2.0 * p1.sqrt().asin() - 2.0 * p2.sqrt().asin())
}

fn check_design(effect_size: f64, alpha: f64, ratio: f64) -> Result<()> {
    if !effect_size.is_finite() {
        return Err(CoreError::invalid_parameter(
            "effect_size",
            effect_size,
            "must be finite",
        ));
    }
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(CoreError::invalid_parameter(
            "alpha",
            alpha,
            "must be in (0, 1)",
        ));
    }
    if !(ratio > 0.0 && ratio.is_finite()) {
        return Err(CoreError::invalid_parameter(
            "ratio",
            ratio,
            "must be positive and finite",
        ));
    }
    Ok(())
}

/// Power at the standardised shift `s = effect_size * sqrt(n_eff)` (statsmodels'
/// `normal_power`, summing both tails for the two-sided test).
fn power_at(s: f64, alpha: f64, alternative: Alternative) -> f64 {
    match alternative {
        Alternative::Greater => normal_sf(normal_isf(alpha) - s),
        Alternative::Less => normal_sf(normal_isf(alpha) + s),
        Alternative::TwoSided => {
            let c = normal_isf(alpha / 2.0);
            normal_sf(c - s) + normal_sf(c + s)
        }
    }
}

/// The power of the two-sample test with `nobs1` and `ratio * nobs1` rows at
/// `effect_size`, as `NormalIndPower().power(effect_size, nobs1, alpha, ratio, alternative)`
/// (`Greater` is statsmodels' `"larger"`).
///
/// # Errors
/// [`CoreError::InvalidParameter`] for a non-finite effect size, `alpha` outside (0, 1), a
/// ratio or `nobs1` that is not positive.
///
/// # Examples
/// ```
/// use mlops_core::compare::{Alternative, power};
/// let r = power(0.2, 393.0, 0.05, 1.0, Alternative::TwoSided)?;
/// assert!((r.power - 0.8).abs() < 1e-3);
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
pub fn power(
    effect_size: f64,
    nobs1: f64,
    alpha: f64,
    ratio: f64,
    alternative: Alternative,
) -> Result<PowerResult> {
    check_design(effect_size, alpha, ratio)?;
    if !(nobs1 > 0.0 && nobs1.is_finite()) {
        return Err(CoreError::invalid_parameter(
            "nobs1",
            nobs1,
            "must be positive and finite",
        ));
    }
    let n_eff = 1.0 / (1.0 / nobs1 + 1.0 / (nobs1 * ratio));
    Ok(PowerResult {
        effect_size,
        nobs1,
        nobs2: nobs1 * ratio,
        ratio,
        alpha,
        power: power_at(effect_size * n_eff.sqrt(), alpha, alternative),
        alternative,
    })
}

/// The rows `nobs1` (and `ratio * nobs1`) that give the test `power` at `effect_size`, as
/// `NormalIndPower().solve_power(effect_size, nobs1=None, alpha, power, ratio,
/// alternative)`, solved to full precision: in closed form for a one-sided test
/// (`s = z_(1-alpha) + z_power`), by safeguarded Newton steps on the two-sided power.
///
/// # Errors
/// [`CoreError::InvalidParameter`] for bad parameters, or when no sample size reaches
/// `power` (the effect is 0 or points away from a one-sided alternative, or
/// `power <= alpha`).
///
/// # Examples
/// ```
/// use mlops_core::compare::{Alternative, cohens_h, sample_size};
/// // Detect a conversion lift from 10% to 12% with 80% power at the 5% level.
/// let h = cohens_h(0.12, 0.10)?;
/// let r = sample_size(h, 0.8, 0.05, 1.0, Alternative::TwoSided)?;
/// assert!(r.nobs1 > 3800.0 && r.nobs1 < 3900.0);
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
pub fn sample_size(
    effect_size: f64,
    power: f64,
    alpha: f64,
    ratio: f64,
    alternative: Alternative,
) -> Result<PowerResult> {
    check_design(effect_size, alpha, ratio)?;
    if !(power > 0.0 && power < 1.0) {
        return Err(CoreError::invalid_parameter(
            "power",
            power,
            "must be in (0, 1)",
        ));
    }
    // The shift s must be positive in the direction the test looks.
    let d = match alternative {
        Alternative::Greater => effect_size,
        Alternative::Less => -effect_size,
        Alternative::TwoSided => effect_size.abs(),
    };
    if d <= 0.0 || power <= alpha {
        return Err(CoreError::invalid_parameter(
            "power",
            power,
            format!(
                "is out of reach: effect size {effect_size} under a {alternative:?} alternative at alpha = {alpha}; power grows only beyond alpha and only for an effect in the tested direction"
            ),
        ));
    }
    // Critical values from the upper tail: `normal_quantile(1 - alpha)` would lose about
    // six digits at alpha = 1e-10 to the rounding of `1 - alpha`. (`1 - power` is exact for
    // power >= 1/2, so `normal_quantile(power)` keeps its digits.)
    let one_sided = normal_isf(alpha) + normal_quantile(power);
    let s = match alternative {
        Alternative::TwoSided => {
            let c = normal_isf(alpha / 2.0);
            let density = |x: f64| (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
            // g(s) = P(Z > c - s) + P(Z > c + s) increases on s > 0; it starts above
            // alpha/2-tail, so bracket and polish.
            let (mut lo, mut hi) = (0.0f64, c + normal_quantile(power).max(0.0) + 1.0);
            while power_at(hi, alpha, alternative) < power {
                lo = hi;
                hi *= 2.0;
            }
            let mut s = (c + normal_quantile(power)).clamp(lo, hi);
            for _ in 0..200 {
                let f = power_at(s, alpha, alternative) - power;
                if f == 0.0 {
                    break;
                }
                if f < 0.0 {
                    lo = s;
                } else {
                    hi = s;
                }
                let slope = density(c - s) - density(c + s);
                let mut next = if slope > 0.0 {
                    s - f / slope
                } else {
                    0.5 * (lo + hi)
                };
                if !(next > lo && next < hi) {
                    next = 0.5 * (lo + hi);
                }
                if (next - s).abs() <= 4.0 * f64::EPSILON * s {
                    s = next;
                    break;
                }
                s = next;
            }
            s
        }
        _ => one_sided,
    };
    let n_eff = (s / d) * (s / d);
    let nobs1 = n_eff * (1.0 + 1.0 / ratio);
    Ok(PowerResult {
        effect_size,
        nobs1,
        nobs2: nobs1 * ratio,
        ratio,
        alpha,
        power,
        alternative,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// References: 40-digit mpmath of statsmodels' `NormalIndPower` formulas
    /// (tests/python/test_trust_precision.py). At alpha = 1e-10, `normal_quantile(1 - alpha)`
    /// lost about six digits of the critical value to the rounding of `1 - alpha`.
    #[test]
    fn tiny_alpha_keeps_every_digit() {
        let r = power(0.2, 1000.0, 1e-10, 1.0, Alternative::TwoSided).unwrap();
        assert!(
            (r.power / 0.023_031_523_166_969_52 - 1.0).abs() < 1e-13,
            "{r:?}"
        );
        let r = sample_size(0.2, 0.8, 1e-10, 1.0, Alternative::Greater).unwrap();
        assert!(
            (r.nobs1 / 2_594.133_176_615_896 - 1.0).abs() < 1e-13,
            "{r:?}"
        );
    }
}
