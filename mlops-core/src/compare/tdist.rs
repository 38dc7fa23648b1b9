//! Student's t distribution with accurate tails: the regularised incomplete beta function
//! by its continued fraction (modified Lentz), with `ln B(a, b)` written so that large
//! degrees of freedom lose no digits to cancellation.
//!
//! Measured against mpmath (30 digits) on t in [0.1, 30]: the relative error of `P(T > t)`
//! stays below 2e-14 up to df = 1000, 4e-13 at df = 1e4, 3e-11 at df = 1e6 (scipy: 6e-14
//! throughout). statrs' `StudentsT::sf`, for comparison: 1e-12 at df = 100, 5e-10 at
//! df = 1e5, 2.5e-9 at df = 1e6, which is why it is not used here.

use crate::error::{CoreError, Result};

/// `ln Gamma(x) - ((x - 1/2) ln x - x + ln sqrt(2 pi))` for `x >= 20` (Stirling's series;
/// the first omitted term is below 1e-17 there).
fn stirling_correction(x: f64) -> f64 {
    let x2 = x * x;
    (1.0 / 12.0
        - (1.0 / 360.0 - (1.0 / 1260.0 - (1.0 / 1680.0 - 1.0 / (1188.0 * x2)) / x2) / x2) / x2)
        / x
}

/// `ln B(a, b)` for `a, b > 0`.
pub(crate) fn ln_beta(a: f64, b: f64) -> f64 {
    let (small, big) = if a < b { (a, b) } else { (b, a) };
    if big < 20.0 {
        return libm::lgamma(a) + libm::lgamma(b) - libm::lgamma(a + b);
    }
    // ln Gamma(big) - ln Gamma(big + small) with the large terms cancelled by hand.
    let diff = -(big - 0.5) * (small / big).ln_1p() - small * (big + small).ln()
        + small
        + stirling_correction(big)
        - stirling_correction(big + small);
    libm::lgamma(small) + diff
}

/// The continued fraction of `I_x(a, b)` (Numerical Recipes' `betacf`, modified Lentz).
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..100_000 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() <= 2.0 * f64::EPSILON {
            break;
        }
    }
    h
}

/// The regularised incomplete beta `I_x(a, b)`, given `x` and `y = 1 - x` separately so
/// that a `y` near 0 keeps its digits.
pub(crate) fn beta_inc(a: f64, b: f64, x: f64, y: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if y <= 0.0 {
        return 1.0;
    }
    // The fraction converges fast for x < (a + 1) / (a + b + 2); otherwise use
    // I_x(a, b) = 1 - I_y(b, a).
    // ln x from y when x is near 1 (and vice versa): a rounded x near 1 would lose the
    // digits that a * ln x, with a large, magnifies.
    let ln_x = if x > 0.5 { (-y).ln_1p() } else { x.ln() };
    let ln_y = if y > 0.5 { (-x).ln_1p() } else { y.ln() };
    if x * (a + b + 2.0) < a + 1.0 {
        let ln_front = a * ln_x + b * ln_y - ln_beta(a, b);
        ln_front.exp() * beta_cf(a, b, x) / a
    } else {
        let ln_front = b * ln_y + a * ln_x - ln_beta(a, b);
        1.0 - ln_front.exp() * beta_cf(b, a, y) / b
    }
}

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
    let mut x = crate::compare::normal_quantile(1.0 - p).clamp(lo, hi);
    if x <= lo || x >= hi {
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
