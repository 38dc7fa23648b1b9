//! The Wilcoxon signed-rank test on paired differences, as `scipy.stats.wilcoxon` with
//! `zero_method="wilcox"` (zero differences are dropped) and `correction=False`.

use serde::{Deserialize, Serialize};

use crate::compare::common::{doubled_ranks, normal_pvalue, paired_differences};
use crate::compare::{Alternative, RankMethod};
use crate::error::{CoreError, Result};

/// Largest number of non-zero differences for `method = exact` (the null distribution
/// costs `O(n^3)`).
pub const WILCOXON_EXACT_MAX: usize = 1000;

/// Rows (zeros included) up to which `auto` may use an exact or permutation p-value
/// (scipy: above 50 it always uses the normal approximation).
const AUTO_EXACT_MAX_ROWS: usize = 50;

/// Rows up to which `auto` enumerates all `2^n` sign flips when there are ties or zeros
/// (scipy: `2^13 < 9999` resamples, so its permutation test is deterministic there).
const AUTO_PERMUTATION_MAX_ROWS: usize = 13;

/// How a Wilcoxon p-value was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WilcoxonMethod {
    /// The exact null distribution of `T+` without ties.
    Exact,
    /// Enumeration of all sign flips of the tied ranks.
    Permutation,
    /// The normal approximation with tie correction.
    Asymptotic,
}

/// The Wilcoxon signed-rank test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WilcoxonResult {
    /// `min(T+, T-)` for the two-sided test, `T+` otherwise (as scipy).
    pub statistic: f64,
    /// p-value under `alternative`.
    pub pvalue: f64,
    /// Sum of the ranks of `|a - b|` over rows where `a > b`.
    pub r_plus: f64,
    /// Sum of the ranks over rows where `a < b`.
    pub r_minus: f64,
    /// The standardised `T+` (normal approximation only).
    pub z: Option<f64>,
    /// Rows with a non-zero difference (the ones ranked).
    pub n_nonzero: usize,
    /// Rows with `a == b` (dropped).
    pub n_zero: usize,
    /// Whether `|a - b|` has ties among the non-zero differences.
    pub ties: bool,
    /// How the p-value was computed.
    pub method: WilcoxonMethod,
    /// The alternative hypothesis.
    pub alternative: Alternative,
}

/// `P(T+ = k)` for `k = 0 ..= n(n+1)/2` without ties: the distribution of a sum of a
/// random subset of `1..=n`. Halving and adding dyadic rationals is exact up to n = 53.
pub(crate) fn signed_rank_pmf(n: usize) -> Vec<f64> {
    let max = n * (n + 1) / 2;
    let mut p = vec![0.0; max + 1];
    p[0] = 1.0;
    for k in 1..=n {
        let top = k * (k + 1) / 2;
        for s in (0..=top).rev() {
            let with = if s >= k { p[s - k] } else { 0.0 };
            p[s] = 0.5 * (p[s] + with);
        }
    }
    p
}

/// `P(T+ <= k)`, summed from the small end of the tail. (For n <= 53 every partial sum
/// of the dyadic probabilities is exact, so any summation order agrees with scipy's.)
fn exact_cdf(p: &[f64], k: i64) -> f64 {
    if k < 0 {
        return 0.0;
    }
    let k = (k as usize).min(p.len() - 1);
    p[..=k].iter().sum::<f64>().min(1.0)
}

/// `P(T+ >= k)`, summed from the far end.
fn exact_sf(p: &[f64], k: i64) -> f64 {
    let k = k.max(0) as usize;
    if k >= p.len() {
        return 0.0;
    }
    p[k..].iter().rev().sum::<f64>().min(1.0)
}

/// Wilcoxon signed-rank test of `a - b` on paired rows.
///
/// Zero differences are dropped (`zero_method="wilcox"`), ties share average ranks, and no
/// continuity correction is applied. `method`:
/// - `Exact`: the exact null distribution of `T+` for the non-zero differences; with ties
///   `T+` is rounded away from the centre before the lookup, as scipy does;
/// - `Asymptotic`: `z = (T+ - n(n+1)/4) / sqrt((n(n+1)(2n+1) - sum(t^3 - t)/2) / 24)`;
/// - `Auto` (scipy >= 1.13's rule): more than 50 rows (zeros included) → asymptotic;
///   otherwise no ties and no zeros → exact; otherwise, up to 13 rows, all `2^n` sign flips
///   of the tied ranks are enumerated (scipy's deterministic permutation test); else
///   asymptotic.
///
/// # Errors
/// [`CoreError::EmptyInput`], [`CoreError::NotFinite`], [`CoreError::LengthMismatch`];
/// [`CoreError::UndefinedMetric`] when every difference is zero;
/// [`CoreError::InvalidParameter`] for `Exact` with more than [`WILCOXON_EXACT_MAX`]
/// non-zero differences.
///
/// # Examples
/// ```
/// use mlops_core::compare::{Alternative, RankMethod, wilcoxon};
/// let a = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30];
/// let b = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
/// let r = wilcoxon(&a[..], &b[..], Alternative::Greater, RankMethod::Auto)?;
/// assert_eq!(r.statistic, 40.0);
/// assert!((r.pvalue - 0.019_531_25).abs() < 1e-15); // 10 of the 512 sign patterns
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
pub fn wilcoxon<'a>(
    a: impl Into<ndarray::ArrayView1<'a, f64>>,
    b: impl Into<ndarray::ArrayView1<'a, f64>>,
    alternative: Alternative,
    method: RankMethod,
) -> Result<WilcoxonResult> {
    let d = paired_differences(a.into(), b.into())?;
    let rows = d.len();
    let nonzero: Vec<f64> = d.iter().copied().filter(|&x| x != 0.0).collect();
    let (n, n_zero) = (nonzero.len(), rows - nonzero.len());
    if n == 0 {
        return Err(CoreError::undefined(
            "Wilcoxon signed-rank test",
            "every difference a - b is zero, so there is nothing to rank",
        ));
    }
    let abs: Vec<f64> = nonzero.iter().map(|x| x.abs()).collect();
    let (ranks2, tie_sum) = doubled_ranks(&abs);
    let ties = tie_sum > 0.0;
    let plus2: u64 = ranks2
        .iter()
        .zip(&nonzero)
        .filter(|(_, x)| **x > 0.0)
        .map(|(r, _)| r)
        .sum();
    let total2 = (n * (n + 1)) as u64;
    let (r_plus, r_minus) = (plus2 as f64 / 2.0, (total2 - plus2) as f64 / 2.0);

    let chosen = match method {
        RankMethod::Exact => WilcoxonMethod::Exact,
        RankMethod::Asymptotic => WilcoxonMethod::Asymptotic,
        RankMethod::Auto if rows > AUTO_EXACT_MAX_ROWS => WilcoxonMethod::Asymptotic,
        RankMethod::Auto if !ties && n_zero == 0 => WilcoxonMethod::Exact,
        RankMethod::Auto if rows <= AUTO_PERMUTATION_MAX_ROWS => WilcoxonMethod::Permutation,
        RankMethod::Auto => WilcoxonMethod::Asymptotic,
    };
    let mut z = None;
    let pvalue = match chosen {
        WilcoxonMethod::Exact => {
            if n > WILCOXON_EXACT_MAX {
                return Err(CoreError::invalid_parameter(
                    "method",
                    "exact",
                    format!(
                        "the exact distribution is limited to {WILCOXON_EXACT_MAX} non-zero differences, found {n}; use \"asymptotic\""
                    ),
                ));
            }
            let p = signed_rank_pmf(n);
            // Round a tied (half-integer) T+ away from the centre, as scipy (gh-19872).
            let (floor, ceil) = ((plus2 / 2) as i64, plus2.div_ceil(2) as i64);
            match alternative {
                Alternative::Less => exact_cdf(&p, ceil),
                Alternative::Greater => exact_sf(&p, floor),
                Alternative::TwoSided => {
                    (2.0 * exact_sf(&p, floor).min(exact_cdf(&p, ceil))).clamp(0.0, 1.0)
                }
            }
        }
        WilcoxonMethod::Permutation => {
            // Every sign pattern of the non-zero differences is equally likely under H0
            // (flipping a zero changes nothing, so the zeros only repeat each pattern).
            let (mut le, mut ge) = (0u64, 0u64);
            for mask in 0u64..(1 << n) {
                let s: u64 = (0..n)
                    .filter(|i| mask >> i & 1 == 1)
                    .map(|i| ranks2[i])
                    .sum();
                le += u64::from(s <= plus2);
                ge += u64::from(s >= plus2);
            }
            let total = (1u64 << n) as f64;
            let (pl, pg) = (le as f64 / total, ge as f64 / total);
            match alternative {
                Alternative::Less => pl,
                Alternative::Greater => pg,
                Alternative::TwoSided => (2.0 * pl.min(pg)).min(1.0),
            }
        }
        WilcoxonMethod::Asymptotic => {
            let nf = n as f64;
            let mean = nf * (nf + 1.0) * 0.25;
            let se = ((nf * (nf + 1.0) * (2.0 * nf + 1.0) - tie_sum / 2.0) / 24.0).sqrt();
            let zz = (r_plus - mean) / se;
            z = Some(zz);
            normal_pvalue(zz, alternative)
        }
    };
    let statistic = match alternative {
        Alternative::TwoSided => r_plus.min(r_minus),
        _ => r_plus,
    };
    Ok(WilcoxonResult {
        statistic,
        pvalue,
        r_plus,
        r_minus,
        z,
        n_nonzero: n,
        n_zero,
        ties,
        method: chosen,
        alternative,
    })
}
