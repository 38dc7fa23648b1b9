//! McNemar's test for paired decisions: do the champion and the challenger make different
//! numbers of errors on the same rows? As statsmodels' `mcnemar`: the exact binomial test on
//! the discordant pairs, or the chi-square test with or without continuity correction.

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::input::{BinaryLabel, check_len, names, to_labels};

/// McNemar's test of the champion's and the challenger's decisions on the same rows.
///
/// With `b = champion_only` and `c = challenger_only` (the off-diagonal cells of
/// statsmodels' table `[[both right, b], [c, both wrong]]`):
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct McNemarResult {
    /// Exact test: `min(b, c)`; chi-square test: `(|b - c| - correction)^2 / (b + c)`.
    /// Symmetric in the two models: read the direction off `difference`.
    pub statistic: f64,
    /// Two-sided p-value.
    pub pvalue: f64,
    /// Rows the champion gets right and the challenger wrong (`b`).
    pub champion_only: u64,
    /// Rows the challenger gets right and the champion wrong (`c`).
    pub challenger_only: u64,
    /// `challenger_only - champion_only`: how many more rows the challenger gets right, i.e.
    /// the number of rows times the challenger's accuracy minus the champion's (positive:
    /// the challenger makes fewer errors).
    pub difference: i64,
    /// Whether the exact binomial test was used.
    pub exact: bool,
    /// Whether the continuity correction was applied (chi-square test only).
    pub correction: bool,
}

/// The binomial CDF `P(X <= k)` for `X ~ Bin(n, 1/2)`.
///
/// Up to `n = 1000` the sum of binomial coefficients `C(n, 0) + ... + C(n, k)` fits in an
/// `f64` (C(1000, 500) is about 2.7e299), each term follows from the previous by one
/// multiply and divide (one rounding each), and scaling by `2^-n` is exact: the relative
/// error is about `k` ulps. Beyond, the regularised incomplete beta function `I_{1/2}(n - k, k + 1)`.
pub(crate) fn binom_half_cdf(k: u64, n: u64) -> f64 {
    if k >= n {
        return 1.0;
    }
    if n <= 1000 {
        let (mut term, mut sum) = (1.0f64, 1.0f64);
        for i in 1..=k {
            term = term * (n - i + 1) as f64 / i as f64;
            sum += term;
        }
        return sum * 0.5f64.powi(n as i32);
    }
    let mut term = binom_half_pmf(k, n);
    let (mut sum, mut carry) = (term, 0.0);
    for i in (1..=k).rev() {
        term *= i as f64 / (n - i + 1) as f64;
        // Neumaier summation.
        let t = sum + term;
        carry += (sum - t) + term;
        sum = t;
        if term < sum * 1e-18 {
            break;
        }
    }
    sum + carry
}

/// ln(2 pi).
const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// Loader's `stirlerr(n) = ln(n!) - ((n + 1/2) ln n - n + ln sqrt(2 pi))`: the error of
/// Stirling's formula, from the exact factorial for small `n` and its asymptotic series
/// otherwise (Loader 2000, "Fast and accurate computation of binomial probabilities").
fn stirlerr(n: f64) -> f64 {
    if n <= 15.0 {
        let mut factorial = 1.0;
        let mut i = 2.0;
        while i <= n {
            factorial *= i;
            i += 1.0;
        }
        return factorial.ln() - (n + 0.5) * n.ln() + n - 0.5 * LN_2PI;
    }
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    let nn = n * n;
    if n > 500.0 {
        (S0 - S1 / nn) / n
    } else if n > 80.0 {
        (S0 - (S1 - S2 / nn) / nn) / n
    } else if n > 35.0 {
        (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n
    } else {
        (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n
    }
}

/// Loader's deviance term `x ln(x / m) + m - x`, by a series when `x` is near `m` (where
/// the direct form cancels).
fn bd0(x: f64, m: f64) -> f64 {
    if (x - m).abs() < 0.1 * (x + m) {
        let v = (x - m) / (x + m);
        let v2 = v * v;
        let mut s = (x - m) * v;
        let mut ej = 2.0 * x * v;
        for j in 1..1000 {
            ej *= v2;
            let next = s + ej / f64::from(2 * j + 1);
            if next == s {
                break;
            }
            s = next;
        }
        s
    } else {
        x * (x / m).ln() + m - x
    }
}

/// `P(X = x)` for `X ~ Bin(n, 1/2)`, `0 < x < n`, by Loader's method.
fn binom_half_pmf(x: u64, n: u64) -> f64 {
    if x == 0 || x == n {
        return 0.5f64.powf(n as f64);
    }
    let (xf, nf) = (x as f64, n as f64);
    let m = nf / 2.0;
    let lc = stirlerr(nf) - stirlerr(xf) - stirlerr(nf - xf) - bd0(xf, m) - bd0(nf - xf, m);
    let lf = LN_2PI + xf.ln() + (-xf / nf).ln_1p();
    (lc - 0.5 * lf).exp()
}

/// McNemar's test on the discordant counts: `champion_only` rows the champion gets right
/// and the challenger wrong (statsmodels' `b`), `challenger_only` the reverse (`c`).
///
/// # Errors
/// [`CoreError::UndefinedMetric`] for the chi-square test when `b + c = 0` (no discordant
/// pairs; the exact test then gives p = 1); [`CoreError::InvalidParameter`] when `b + c`
/// exceeds `i64::MAX`.
///
/// # Examples
/// ```
/// use mlops_core::compare::mcnemar;
/// let r = mcnemar(12, 3, true, true)?;
/// assert_eq!(r.statistic, 3.0);
/// assert!((r.pvalue - 0.03515625).abs() < 1e-15); // 2 * P(Bin(15, 1/2) <= 3)
/// assert_eq!(r.difference, -9); // the challenger gets 9 fewer rows right
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
pub fn mcnemar(
    champion_only: u64,
    challenger_only: u64,
    exact: bool,
    correction: bool,
) -> Result<McNemarResult> {
    let (b, c) = (champion_only, challenger_only);
    let n = match b.checked_add(c) {
        Some(n) if i64::try_from(n).is_ok() => n,
        _ => {
            return Err(CoreError::invalid_parameter(
                "challenger_only",
                c,
                format!("with champion_only = {b}, the discordant rows exceed 2^63 - 1"),
            ));
        }
    };
    let (statistic, pvalue) = if exact {
        let k = b.min(c);
        (k as f64, (2.0 * binom_half_cdf(k, n)).min(1.0))
    } else {
        if n == 0 {
            return Err(CoreError::undefined(
                "McNemar's chi-square test",
                "there are no discordant pairs (b + c = 0); use the exact test",
            ));
        }
        let corr = if correction { 1.0 } else { 0.0 };
        let diff = (b as f64 - c as f64).abs() - corr;
        let stat = diff * diff / n as f64;
        // Chi-square with one degree of freedom: P(X > s) = erfc(sqrt(s / 2)).
        (stat, libm::erfc((stat / 2.0).sqrt()))
    };
    Ok(McNemarResult {
        statistic,
        pvalue,
        champion_only: b,
        challenger_only: c,
        // Both fit in i64: their sum does.
        difference: c as i64 - b as i64,
        exact,
        correction,
    })
}

/// McNemar's test from labels and the hard decisions of the champion and the challenger on
/// the same rows (`difference` positive: the challenger gets more rows right).
///
/// # Errors
/// [`CoreError::EmptyInput`], [`CoreError::LengthMismatch`], [`CoreError::LabelNotBinary`],
/// and those of [`mcnemar`].
pub fn mcnemar_from_predictions<'a, L, P, Q>(
    labels: impl Into<ndarray::ArrayView1<'a, L>>,
    pred_champion: impl Into<ndarray::ArrayView1<'a, P>>,
    pred_challenger: impl Into<ndarray::ArrayView1<'a, Q>>,
    exact: bool,
    correction: bool,
) -> Result<McNemarResult>
where
    L: BinaryLabel + 'a,
    P: BinaryLabel + 'a,
    Q: BinaryLabel + 'a,
{
    let (labels, pred_a, pred_b) = (labels.into(), pred_champion.into(), pred_challenger.into());
    if labels.is_empty() {
        return Err(CoreError::EmptyInput {
            input: names::Y_TRUE.to_owned(),
        });
    }
    check_len(
        names::PRED_CHAMPION,
        pred_a.len(),
        names::Y_TRUE,
        labels.len(),
    )?;
    check_len(
        names::PRED_CHALLENGER,
        pred_b.len(),
        names::Y_TRUE,
        labels.len(),
    )?;
    let y = to_labels(names::Y_TRUE, labels)?;
    let a = to_labels(names::PRED_CHAMPION, pred_a)?;
    let b = to_labels(names::PRED_CHALLENGER, pred_b)?;
    let (mut only_a, mut only_b) = (0u64, 0u64);
    for ((&y, &a), &b) in y.iter().zip(a.iter()).zip(b.iter()) {
        match (a == y, b == y) {
            (true, false) => only_a += 1,
            (false, true) => only_b += 1,
            _ => {}
        }
    }
    mcnemar(only_a, only_b, exact, correction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_n_agrees_with_the_exact_sum_where_both_apply() {
        // At n = 1000 the exact coefficient sum is available; Loader's sum must agree.
        for k in [0u64, 1, 10, 300, 450, 480, 499] {
            let exact = binom_half_cdf(k, 1000);
            let mut term = binom_half_pmf(k, 1000);
            let mut sum = term;
            for i in (1..=k).rev() {
                term *= i as f64 / (1000 - i + 1) as f64;
                sum += term;
            }
            // exp() of a log-probability of size L carries a relative error of about L ulps:
            // ~1e-13 for the 1e-298 probabilities at k = 1, far less near the middle.
            let tol = 1e-15 * (1.0 - exact.ln()).max(10.0);
            assert!((sum / exact - 1.0).abs() < tol, "{k}: {sum} vs {exact}");
        }
    }

    /// Exact values: 2 * sum_{i <= k} C(n, i) / 2^n with integer arithmetic (Python's big
    /// integers), printed to 25 digits with mpmath.
    #[test]
    #[allow(clippy::excessive_precision)] // the reference digits, as computed
    fn large_n_reference_values() {
        for (k, n, expected) in [
            (49_000u64, 99_000u64, 0.001_498_082_622_974_973_650_831_869),
            (4_900, 9_900, 0.319_742_415_763_972_141_337_706),
        ] {
            let got = (2.0 * binom_half_cdf(k, n)).min(1.0);
            assert!((got / expected - 1.0).abs() < 1e-13, "{got} vs {expected}");
        }
    }
}
