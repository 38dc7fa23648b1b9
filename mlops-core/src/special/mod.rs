//! Special functions behind the library's p-values and intervals, written for accuracy in
//! the tails, in one place for every crate.
//!
//! * [`normal_sf`] uses `libm::erfc` (a few ulps); statrs' `erfc` is good to only ~1e-10
//!   relative. [`normal_ppf`] polishes statrs' inverse with Newton steps on that tail.
//! * [`gamma_q`] (regularised upper incomplete gamma, [`chi2_sf`]) uses the classical power
//!   series and modified-Lentz continued fraction, each where it converges fast; the
//!   prefactor goes through `libm::lgamma`, so the relative error grows like
//!   `1e-16 * |lgamma(a)|` (~1e-11 for parameters near 10^5).
//! * [`beta_inc`] (regularised incomplete beta) is the continued fraction with `ln B(a, b)`
//!   written so that large parameters lose no digits to cancellation, and `ln x` taken
//!   from `1 - x` near 1 ([`beta_inc_xy`] takes both). Against mpmath the Student t tail
//!   built on it is within 2e-14 up to df = 1000 and 3e-11 at df = 1e6.
//! * [`beta_ppf`] inverts [`beta_inc`] by bisection down to adjacent floats; [`beta_isf`]
//!   inverts the upper tail [`beta_sf`] the same way, and [`normal_isf`] is the normal's
//!   upper-tail quantile: for a small tail probability `p` these keep the digits that a
//!   lower-tail quantile at `1 - p` loses to rounding.
//! * [`kstwo_sf`] and [`ksone_sf`] are the one-sample Kolmogorov-Smirnov distributions, by
//!   the region rules of Simard and L'Ecuyer (2011), with the Durbin matrix power (a
//!   binary exponent kept apart) and Loader's binomial terms.
//!
//! Every function is checked against scipy in the tests (`mlops-drift/tests/special.rs`,
//! `mlops-drift/tests/ks.rs`, the t-distribution tests, and the Python oracles).

mod kolmogorov;
mod matrix;

pub use kolmogorov::{ksone_sf, kstwo_sf};

/// Largest number of terms in a series or continued fraction.
const MAX_TERMS: usize = 100_000;
/// Relative precision at which a series or continued fraction stops.
const EPS: f64 = 1e-16;
/// Guards the continued fractions against division by zero.
const TINY: f64 = 1e-300;

/// `P(Z > z)` for a standard normal `Z`.
pub fn normal_sf(z: f64) -> f64 {
    0.5 * libm::erfc(z / std::f64::consts::SQRT_2)
}

/// The `q`-quantile of the standard normal, `q` in `(0, 1)` (NaN outside): statrs' inverse
/// as a start, polished by Newton steps on the accurate tail [`normal_sf`].
pub fn normal_ppf(q: f64) -> f64 {
    if !(q > 0.0 && q < 1.0) {
        return f64::NAN;
    }
    let mut x = -std::f64::consts::SQRT_2 * statrs::function::erf::erfc_inv(2.0 * q);
    for _ in 0..3 {
        // Work in the smaller tail so the residual keeps its relative precision.
        let resid = if x > 0.0 {
            (1.0 - q) - normal_sf(x)
        } else {
            normal_sf(-x) - q
        };
        let pdf = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
        if pdf == 0.0 {
            break;
        }
        x -= resid / pdf;
    }
    x
}

/// The upper-tail quantile of the standard normal: the `z` with `P(Z > z) = p`, `p` in
/// `(0, 1)` (NaN outside). For a small `p` this keeps every digit that
/// `normal_ppf(1 - p)` loses to the rounding of `1 - p` (at `p = 1e-10`, about six).
pub fn normal_isf(p: f64) -> f64 {
    -normal_ppf(p)
}

/// `exp(a ln x - x - lgamma(a))`, the common factor of both incomplete gamma forms.
fn gamma_prefactor(a: f64, x: f64) -> f64 {
    (a * x.ln() - x - libm::lgamma(a)).exp()
}

/// Regularized lower incomplete gamma `P(a, x)` by its power series (for `x < a + 1`).
fn gamma_p_series(a: f64, x: f64) -> f64 {
    let mut ap = a;
    let mut term = 1.0 / a;
    let mut sum = term;
    for _ in 0..MAX_TERMS {
        ap += 1.0;
        term *= x / ap;
        sum += term;
        if term.abs() < sum.abs() * EPS {
            break;
        }
    }
    sum * gamma_prefactor(a, x)
}

/// Regularized upper incomplete gamma `Q(a, x)` by its continued fraction (for
/// `x >= a + 1`), evaluated with the modified Lentz method.
fn gamma_q_cf(a: f64, x: f64) -> f64 {
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / TINY;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..MAX_TERMS {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < TINY {
            d = TINY;
        }
        c = b + an / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < EPS {
            break;
        }
    }
    gamma_prefactor(a, x) * h
}

/// Regularized upper incomplete gamma `Q(a, x) = Γ(a, x) / Γ(a)` for `a > 0`, `x >= 0`
/// (NaN outside the domain).
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if !(a > 0.0 && x >= 0.0 && a.is_finite()) {
        return f64::NAN;
    }
    if x == 0.0 {
        return 1.0;
    }
    if x.is_infinite() {
        return 0.0;
    }
    if x < a + 1.0 {
        1.0 - gamma_p_series(a, x)
    } else {
        gamma_q_cf(a, x)
    }
}

/// The chi-square survival function `P(X > x)` with `dof` degrees of freedom, like
/// `scipy.stats.chi2.sf`. `dof = 0` is the point mass at 0 (`sf = 0` for `x > 0`, else 1).
pub fn chi2_sf(x: f64, dof: f64) -> f64 {
    if dof == 0.0 {
        return if x > 0.0 { 0.0 } else { 1.0 };
    }
    if x <= 0.0 {
        return 1.0;
    }
    gamma_q(0.5 * dof, 0.5 * x)
}

/// `ln Gamma(x) - ((x - 1/2) ln x - x + ln sqrt(2 pi))` for `x >= 20` (Stirling's series;
/// the first omitted term is below 1e-17 there).
fn stirling_correction(x: f64) -> f64 {
    let x2 = x * x;
    (1.0 / 12.0
        - (1.0 / 360.0 - (1.0 / 1260.0 - (1.0 / 1680.0 - 1.0 / (1188.0 * x2)) / x2) / x2) / x2)
        / x
}

/// `ln B(a, b)` for `a, b > 0`.
pub fn ln_beta(a: f64, b: f64) -> f64 {
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

/// `ln Gamma(x) - ((x - 1/2) ln x - x + ln sqrt(2 pi))` for any `x > 0`.
fn stirling_error(x: f64) -> f64 {
    if x >= 20.0 {
        stirling_correction(x)
    } else {
        libm::lgamma(x) - ((x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln())
    }
}

/// `k ln(k / (k - e)) - e >= 0` (Loader's `bd0(k, k - e)`), by its series
/// `k sum_(j >= 2) v^j / j`, `v = e / k`, where the closed form would cancel.
fn deviance(k: f64, e: f64) -> f64 {
    let v = e / k;
    if v.abs() < 0.1 {
        let (mut term, mut sum) = (v * v, 0.0);
        for j in 2..200 {
            let add = term / f64::from(j);
            sum += add;
            if add.abs() <= sum.abs() * f64::EPSILON {
                break;
            }
            term *= v;
        }
        k * sum
    } else {
        -k * (-v).ln_1p() - e
    }
}

/// `ln(x^a y^b / B(a, b))`, `y = 1 - x`. With both parameters large the logs of `x^a`,
/// `y^b` and `B(a, b)` are huge and nearly cancel (at `a = b = 5e11` a `ln Gamma` near
/// 1.3e13 carries an absolute error near 1e-3), so then it is Loader's saddle-point form:
/// `-(bd0(a, N x) + bd0(b, N y)) + ln sqrt(a b / (2 pi N)) + stirling errors`, `N = a + b`,
/// whose deviance terms are small numbers computed to relative precision.
fn ln_power_terms(a: f64, b: f64, x: f64, y: f64) -> f64 {
    if a.min(b) < 20.0 {
        let ln_x = if x > 0.5 { (-y).ln_1p() } else { x.ln() };
        let ln_y = if y > 0.5 { (-x).ln_1p() } else { y.ln() };
        return a * ln_x + b * ln_y - ln_beta(a, b);
    }
    let n = a + b;
    // e = a - N x = N y - b, from whichever of x and y is the smaller (the exact one).
    let e = if y < x { n * y - b } else { a - n * x };
    -(deviance(a, e) + deviance(b, -e))
        + 0.5 * (a / n * b / (2.0 * std::f64::consts::PI)).ln()
        + stirling_error(n)
        - stirling_error(a)
        - stirling_error(b)
}

/// The continued fraction of Didonato and Morris (1992, TOMS 708 `bfrac`) for `a, b > 1`:
/// `I_x(a, b) = x^a y^b / B(a, b) / (b0 + a1 / (b1 + a2 / (b2 + ...)))`, evaluated by the
/// modified Lentz method. Its terms use `a y - b x`, not `1 - (a + b) x / (a + 1)`, so an `x`
/// near 1 given through an exact `y` loses nothing to the rounding of `x`.
fn beta_fraction(a: f64, b: f64, x: f64, y: f64) -> f64 {
    let term = |m: f64| -> (f64, f64) {
        let denom = a + 2.0 * m - 1.0;
        let an = (a + m - 1.0) * (a + b + m - 1.0) * m * (b - m) * x * x / (denom * denom);
        let bn = m
            + m * (b - m) * x / denom
            + (a + m) * (a * y - b * x + 1.0 + m * (2.0 - x)) / (a + 2.0 * m + 1.0);
        (an, bn)
    };
    let (_, b0) = term(0.0);
    let mut f = if b0 == 0.0 { TINY } else { b0 };
    let (mut c, mut d) = (f, 0.0);
    for m in 1..MAX_TERMS {
        let (an, bn) = term(m as f64);
        d = bn + an * d;
        if d == 0.0 {
            d = TINY;
        }
        c = bn + an / c;
        if c == 0.0 {
            c = TINY;
        }
        d = 1.0 / d;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() <= 2.0 * f64::EPSILON {
            break;
        }
    }
    f
}

/// The regularised incomplete beta `I_x(a, b)`, given `x` and `y = 1 - x` separately so
/// that a `y` near 0 keeps its digits.
pub fn beta_inc_xy(a: f64, b: f64, x: f64, y: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if y <= 0.0 {
        return 1.0;
    }
    if a > 1.0 && b > 1.0 {
        // The fraction converges fast below the mean; above it use
        // I_x(a, b) = 1 - I_y(b, a). (lambda = a - (a + b) x, from the smaller variable.)
        let lambda = if a < b {
            a - (a + b) * x
        } else {
            (a + b) * y - b
        };
        return if lambda >= 0.0 {
            ln_power_terms(a, b, x, y).exp() / beta_fraction(a, b, x, y)
        } else {
            1.0 - ln_power_terms(b, a, y, x).exp() / beta_fraction(b, a, y, x)
        };
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

/// Regularised incomplete beta `I_x(a, b)` for `a, b > 0`, `x` in `[0, 1]` (NaN outside),
/// like `scipy.special.betainc(a, b, x)`.
pub fn beta_inc(a: f64, b: f64, x: f64) -> f64 {
    if !(a > 0.0 && b > 0.0 && a.is_finite() && b.is_finite() && (0.0..=1.0).contains(&x)) {
        return f64::NAN;
    }
    beta_inc_xy(a, b, x, 1.0 - x)
}

/// The upper tail `1 - I_x(a, b) = I_(1-x)(b, a)` of the Beta(`a`, `b`) distribution, like
/// `scipy.stats.beta.sf`, computed directly so that a small tail keeps its relative
/// precision. NaN outside `a, b > 0`, `x` in `[0, 1]`.
pub fn beta_sf(a: f64, b: f64, x: f64) -> f64 {
    if !(a > 0.0 && b > 0.0 && a.is_finite() && b.is_finite() && (0.0..=1.0).contains(&x)) {
        return f64::NAN;
    }
    beta_inc_xy(b, a, 1.0 - x, x)
}

/// The `x` with `P(X > x) = p` for `X` ~ Beta(`a`, `b`), like `scipy.stats.beta.isf`: by
/// bisection on [`beta_sf`] until the bracket holds two adjacent floats. For a small `p`
/// it keeps the digits that `beta_ppf(1 - p, a, b)` loses to the rounding of `1 - p`
/// (and a quantile near 0 keeps its own). NaN outside `a, b > 0`, `p` in `[0, 1]`.
pub fn beta_isf(p: f64, a: f64, b: f64) -> f64 {
    if !(a > 0.0 && b > 0.0 && (0.0..=1.0).contains(&p)) {
        return f64::NAN;
    }
    if p == 0.0 {
        return 1.0;
    }
    if p == 1.0 {
        return 0.0;
    }
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    for _ in 0..1100 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if beta_sf(a, b, mid) > p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The `q`-quantile of the Beta(`a`, `b`) distribution, like `scipy.stats.beta.ppf`:
/// the `x` with `I_x(a, b) = q`, found by bisection until the bracket holds two adjacent
/// floats. NaN outside `a, b > 0`, `q` in `[0, 1]`.
pub fn beta_ppf(q: f64, a: f64, b: f64) -> f64 {
    if !(a > 0.0 && b > 0.0 && (0.0..=1.0).contains(&q)) {
        return f64::NAN;
    }
    if q == 0.0 {
        return 0.0;
    }
    if q == 1.0 {
        return 1.0;
    }
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    // 1100 halvings reach adjacent floats from [0, 1] even near the smallest subnormals.
    for _ in 0..1100 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if beta_inc(a, b, mid) < q {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}
