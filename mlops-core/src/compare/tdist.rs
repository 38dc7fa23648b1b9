//! Student's t distribution with accurate tails, built on the regularised incomplete beta
//! of [`crate::special`] (a continued fraction with `ln B(a, b)` written so that large
//! degrees of freedom lose no digits to cancellation).
//!
//! Measured against mpmath (30 digits) on t in [0.1, 30]: the relative error of `P(T > t)`
//! stays below 2e-14 up to df = 1000, 4e-13 at df = 1e4, 3e-11 at df = 1e6 (scipy: 6e-14
//! throughout). statrs' `StudentsT::sf`, for comparison: 1e-12 at df = 100, 5e-10 at
//! df = 1e5, 2.5e-9 at df = 1e6, which is why it is not used here.

use crate::error::{CoreError, Result};
use crate::special::{beta_inc_xy as beta_inc, ln_beta};

/// Degrees of freedom must be positive and finite.
fn check_df(df: f64) -> Result<()> {
    if df > 0.0 && df.is_finite() {
        Ok(())
    } else {
        Err(CoreError::invalid_parameter(
            "df",
            df,
            "degrees of freedom must be positive and finite",
        ))
    }
}

/// `P(T > t)` for `t >= 0` (df already checked).
fn upper_tail(t: f64, df: f64) -> f64 {
    if t == 0.0 {
        return 0.5;
    }
    // P(|T| > t) = I_{df / (df + t^2)}(df / 2, 1/2); both x and 1 - x formed without
    // subtraction.
    let t2 = t * t;
    let (x, y) = if t2 < df {
        let r = t2 / df;
        (1.0 / (1.0 + r), r / (1.0 + r))
    } else {
        let r = df / t2;
        (r / (1.0 + r), 1.0 / (1.0 + r))
    };
    0.5 * beta_inc(0.5 * df, 0.5, x, y)
}

/// Upper-tail probability `P(T > t)` of Student's t with `df` degrees of freedom.
///
/// # Errors
/// [`CoreError::InvalidParameter`] for `df` not positive and finite, or `t` NaN.
///
/// # Examples
/// ```
/// use mlops_core::compare::student_t_sf;
/// // scipy.stats.t.sf(2.0, 5) = 0.050969739414929174
/// assert!((student_t_sf(2.0, 5.0)? / 0.050_969_739_414_929_174 - 1.0).abs() < 1e-13);
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
pub fn student_t_sf(t: f64, df: f64) -> Result<f64> {
    check_df(df)?;
    if t.is_nan() {
        return Err(CoreError::invalid_parameter("t", t, "must not be NaN"));
    }
    Ok(sf_unchecked(t, df))
}

pub(crate) fn sf_unchecked(t: f64, df: f64) -> f64 {
    if t == f64::INFINITY {
        0.0
    } else if t == f64::NEG_INFINITY {
        1.0
    } else if t >= 0.0 {
        upper_tail(t, df)
    } else {
        1.0 - upper_tail(-t, df)
    }
}

/// Density of Student's t.
fn pdf(t: f64, df: f64) -> f64 {
    (-(df + 1.0) / 2.0 * (t * t / df).ln_1p() - ln_beta(0.5 * df, 0.5)).exp() / df.sqrt()
}

/// The `q`-quantile of Student's t with `df` degrees of freedom: Newton steps on the
/// accurate tail, guarded by bisection.
///
/// # Errors
/// [`CoreError::InvalidParameter`] for `q` outside (0, 1) or a bad `df`.
///
/// # Examples
/// ```
/// use mlops_core::compare::student_t_quantile;
/// // scipy.stats.t.ppf(0.975, 10) = 2.228138851986274
/// assert!((student_t_quantile(0.975, 10.0)? - 2.228_138_851_986_274).abs() < 1e-13);
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
pub fn student_t_quantile(q: f64, df: f64) -> Result<f64> {
    check_df(df)?;
    if !(q > 0.0 && q < 1.0) {
        return Err(CoreError::invalid_parameter("q", q, "must be in (0, 1)"));
    }
    Ok(quantile_unchecked(q, df))
}

pub(crate) fn quantile_unchecked(q: f64, df: f64) -> f64 {
    if q == 0.5 {
        return 0.0;
    }
    // Solve P(T > x) = p for x > 0 with p the smaller tail.
    let (p, sign) = if q > 0.5 { (1.0 - q, 1.0) } else { (q, -1.0) };
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    while upper_tail(hi, df) > p {
        lo = hi;
        hi *= 2.0;
        if hi > 1e300 {
            return sign * hi;
        }
    }
    // The normal quantile is a starting point; outside the bracket (or NaN, when 1 - p
    // rounds to 1) the bracket's midpoint is used instead.
    let mut x = crate::compare::normal_quantile(1.0 - p);
    if !(x > lo && x < hi) {
        x = 0.5 * (lo + hi);
    }
    for _ in 0..200 {
        let f = upper_tail(x, df) - p;
        if f == 0.0 {
            break;
        }
        if f > 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        let step = f / pdf(x, df);
        let mut next = x + step;
        if !(next > lo && next < hi) {
            next = 0.5 * (lo + hi);
        }
        if (next - x).abs() <= 2.0 * f64::EPSILON * x.abs() {
            x = next;
            break;
        }
        x = next;
    }
    sign * x
}
