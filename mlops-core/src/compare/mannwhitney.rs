//! The Mann-Whitney U test (Wilcoxon rank-sum) for two independent samples, as
//! `scipy.stats.mannwhitneyu` with `use_continuity=True`.

use serde::{Deserialize, Serialize};

use crate::compare::common::{doubled_ranks, sample};
use crate::compare::{Alternative, RankMethod, normal_sf};
use crate::error::{CoreError, Result};

/// Largest `len(a) * len(b)` for `method = exact` (the null distribution costs
/// `O((len(a) len(b))^2)`).
pub const MANN_WHITNEY_EXACT_MAX: usize = 20_000;

/// `auto` uses the exact distribution only when one sample has at most this many values
/// (and there are no ties), as scipy.
const AUTO_EXACT_MAX_SIZE: usize = 8;

/// The Mann-Whitney U test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MannWhitneyResult {
    /// `U` of `a`: pairs `(x in a, y in b)` with `x > y`, ties counting one half (scipy's
    /// statistic for every alternative).
    pub statistic: f64,
    /// p-value under `alternative`.
    pub pvalue: f64,
    /// `U` of `b` (`len(a) len(b) - statistic`).
    pub u_b: f64,
    /// The standardised statistic (normal approximation only; `None` when all values tie).
    pub z: Option<f64>,
    /// Whether the exact distribution was used.
    pub exact: bool,
    /// Whether the pooled values have ties.
    pub ties: bool,
    /// The alternative hypothesis.
    pub alternative: Alternative,
}

/// `P(U >= u)` for `U` the Mann-Whitney statistic of samples of sizes `m` and `n` without
/// ties, from the recurrence
/// `p(m, n; u) = m/(m+n) p(m-1, n; u-n) + n/(m+n) p(m, n-1; u)` (positive terms only, so
/// the relative error stays at a few ulps per step).
pub(crate) fn mann_whitney_sf(u: i64, m: usize, n: usize) -> f64 {
    let (m, n) = if m <= n { (m, n) } else { (n, m) };
    if u <= 0 {
        return 1.0;
    }
    if u as usize > m * n {
        return 0.0;
    }
    // layer[j] = pmf of U for sizes (j, current n').
    let mut layer: Vec<Vec<f64>> = vec![vec![1.0]; m + 1];
    for nn in 1..=n {
        let mut next: Vec<Vec<f64>> = Vec::with_capacity(m + 1);
        next.push(vec![1.0]);
        for j in 1..=m {
            let len = j * nn + 1;
            let (wj, wn) = (j as f64 / (j + nn) as f64, nn as f64 / (j + nn) as f64);
            let mut p = vec![0.0; len];
            // The largest rank sits in b (shift 0, probability n/(m+n)) or in a, where
            // it beats all nn values of b.
            for (k, v) in layer[j].iter().enumerate() {
                p[k] += wn * v;
            }
            for (k, v) in next[j - 1].iter().enumerate() {
                p[k + nn] += wj * v;
            }
            next.push(p);
        }
        layer = next;
    }
    let p = &layer[m];
    p[u as usize..].iter().rev().sum::<f64>().min(1.0)
}

/// Mann-Whitney U test of whether `a` tends to be larger (`Greater`) or smaller than `b`.
///
/// `method`:
/// - `Exact`: the exact null distribution of `U` (ties ignored; a tied, half-integer `U`
///   is truncated as scipy does);
/// - `Asymptotic`: `z = (U - len(a) len(b)/2 - 1/2) / s` with the tie-corrected `s` and the
///   continuity correction, `U` being `U_a` (greater), `U_b` (less) or the larger of the
///   two (two-sided, p doubled);
/// - `Auto` (scipy's rule): exact when one sample has at most 8 values and nothing ties,
///   asymptotic otherwise.
///
/// # Errors
/// [`CoreError::EmptyInput`], [`CoreError::NotFinite`] naming `a` or `b`;
/// [`CoreError::InvalidParameter`] for `Exact` when `len(a) len(b)` exceeds
/// [`MANN_WHITNEY_EXACT_MAX`].
///
/// # Examples
/// ```
/// use mlops_core::compare::{Alternative, RankMethod, mann_whitney_u};
/// let a = [3.1, 4.2, 5.0, 6.3];
/// let b = [1.0, 2.2, 2.9];
/// let r = mann_whitney_u(&a[..], &b[..], Alternative::Greater, RankMethod::Auto)?;
/// assert_eq!(r.statistic, 12.0);
/// assert!((r.pvalue - 1.0 / 35.0).abs() < 1e-15); // one of C(7, 3) orderings
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
pub fn mann_whitney_u<'a>(
    a: impl Into<ndarray::ArrayView1<'a, f64>>,
    b: impl Into<ndarray::ArrayView1<'a, f64>>,
    alternative: Alternative,
    method: RankMethod,
) -> Result<MannWhitneyResult> {
    let a = sample("a", a.into())?;
    let b = sample("b", b.into())?;
    let (n1, n2) = (a.len(), b.len());
    let pooled: Vec<f64> = a.iter().chain(&b).copied().collect();
    let (ranks2, tie_sum) = doubled_ranks(&pooled);
    let ties = tie_sum > 0.0;
    let r1_2: u64 = ranks2[..n1].iter().sum();
    // U1 = R1 - n1(n1+1)/2, kept doubled so it stays an integer.
    let u1_2 = r1_2 - (n1 * (n1 + 1)) as u64;
    let mn2 = (2 * n1 * n2) as u64;
    let (u1, u2) = (u1_2 as f64 / 2.0, (mn2 - u1_2) as f64 / 2.0);
    let (u, factor) = match alternative {
        Alternative::Greater => (u1, 1.0),
        Alternative::Less => (u2, 1.0),
        Alternative::TwoSided => (u1.max(u2), 2.0),
    };
    let exact = match method {
        RankMethod::Exact => true,
        RankMethod::Asymptotic => false,
        RankMethod::Auto => n1.min(n2) <= AUTO_EXACT_MAX_SIZE && !ties,
    };
    let mut z = None;
    let p = if exact {
        if n1 * n2 > MANN_WHITNEY_EXACT_MAX {
            return Err(CoreError::invalid_parameter(
                "method",
                "exact",
                format!(
                    "the exact distribution is limited to len(a) * len(b) <= {MANN_WHITNEY_EXACT_MAX}, found {}; use \"asymptotic\"",
                    n1 * n2
                ),
            ));
        }
        mann_whitney_sf(u as i64, n1, n2)
    } else {
        let (f1, f2) = (n1 as f64, n2 as f64);
        let n = f1 + f2;
        let s = (f1 * f2 / 12.0 * ((n + 1.0) - tie_sum / (n * (n - 1.0)))).sqrt();
        let zz = (u - f1 * f2 / 2.0 - 0.5) / s;
        z = zz.is_finite().then_some(zz);
        if zz.is_nan() { 1.0 } else { normal_sf(zz) }
    };
    Ok(MannWhitneyResult {
        statistic: u1,
        pvalue: (factor * p).clamp(0.0, 1.0),
        u_b: u2,
        z,
        exact,
        ties,
        alternative,
    })
}
