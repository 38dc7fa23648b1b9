//! The Mann-Whitney U test (Wilcoxon rank-sum) for two independent samples, as
//! `scipy.stats.mannwhitneyu` with `use_continuity=True`.

use serde::{Deserialize, Serialize};

use crate::compare::common::{doubled_ranks, sample};
use crate::compare::{Alternative, RankMethod, normal_sf};
use crate::error::{CoreError, Result};

/// Most terms of the null distribution of `U` that `method = exact` computes (8 bytes each:
/// 256 MiB). The p-value needs the terms up to `min(U, len(a) len(b) - U)` only.
pub const MANN_WHITNEY_EXACT_MAX: usize = 1 << 25;

/// Most steps (terms times the smaller sample's size) `method = exact` takes: a few
/// seconds.
const EXACT_MAX_WORK: u128 = 1 << 32;

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

/// The terms of the null distribution of `U` (samples of sizes `m` and `n`, no ties) that
/// `P(U >= u)` needs, and the steps to compute them; `None` when `u` is out of `1..=m n`
/// (the answer is then 1 or 0 without any).
fn exact_cost(u: i64, m: usize, n: usize) -> Option<(u64, u128)> {
    let mn = m as u64 * n as u64;
    let u = u64::try_from(u).ok().filter(|&u| u >= 1 && u <= mn)?;
    let terms = (u - 1).min(mn - u) + 1;
    Some((terms, u128::from(terms) * m.min(n) as u128))
}

/// `P(U >= u)` for `U` the Mann-Whitney statistic of samples of sizes `m` and `n` without
/// ties, where [`exact_cost`] is within the limits.
///
/// The distribution of `U` for sizes `(i, n)` has the generating function
/// `[n + i choose i]_q / C(n + i, i)` (a Gaussian binomial coefficient, symmetric about
/// `i n / 2`), and `[n + i choose i]_q = [n + i - 1 choose i - 1]_q (1 - q^(n + i)) /
/// (1 - q^i)`. So each of the `min(m, n)` steps is a running sum with stride `i` and one
/// subtraction, over the terms that are needed: `O(min(m, n) K)` for `K` terms, where the
/// recurrence over both sizes costs `O(m^2 n^2)`. Each step computes the lower half only
/// (there the subtracted term is a fraction of the other, so little cancels) and mirrors
/// it. The tail is summed from its smallest terms, by symmetry always a lower tail when
/// it is below 1/2.
fn mann_whitney_sf(u: i64, m: usize, n: usize) -> f64 {
    let Some((terms, _)) = exact_cost(u, m, n) else {
        return if u <= 0 { 1.0 } else { 0.0 };
    };
    let (m, n) = (m.min(n), m.max(n));
    let len = terms as usize; // within MANN_WHITNEY_EXACT_MAX, checked by the caller
    let mut pmf = vec![0.0f64; len];
    pmf[0] = 1.0;
    let mut running = vec![0.0f64; len];
    for i in 1..=m {
        let degree = i * n;
        let half = (degree / 2).min(len - 1);
        // running_k = pmf_k + running_(k-i): the product with 1 / (1 - q^i).
        for k in 0..=half {
            running[k] = pmf[k] + if k >= i { running[k - i] } else { 0.0 };
        }
        let scale = i as f64 / (n + i) as f64;
        for k in 0..=half {
            let cut = if k >= n + i { running[k - n - i] } else { 0.0 };
            pmf[k] = (running[k] - cut).max(0.0) * scale;
        }
        for k in half + 1..len.min(degree + 1) {
            pmf[k] = pmf[degree - k];
        }
    }
    let u = u as u64; // in 1..=m n: exact_cost checked it
    let mn = (m * n) as u64;
    if u > mn - u {
        // P(U >= u) = P(U <= m n - u): a lower tail.
        pmf[..=(mn - u) as usize].iter().sum::<f64>().min(1.0)
    } else {
        // At or above 1/2: 1 - P(U <= u - 1).
        (1.0 - pmf[..(u - 1) as usize + 1].iter().sum::<f64>()).clamp(0.0, 1.0)
    }
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
///   asymptotic otherwise (and where the exact distribution would pass its limits, below).
///
/// The exact distribution costs `O(min(len(a), len(b)) K)` for the `K = min(U, len(a)
/// len(b) - U) + 1` terms of it that the p-value needs: 3 values against 7000 take
/// microseconds.
///
/// # Errors
/// [`CoreError::EmptyInput`], [`CoreError::NotFinite`] naming `a` or `b`;
/// [`CoreError::InvalidParameter`] for `Exact` when `K` exceeds [`MANN_WHITNEY_EXACT_MAX`]
/// or `min(len(a), len(b)) K` exceeds 2^32 steps (the message gives both).
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
    // scipy takes the exact distribution at U truncated to an integer.
    let u_exact = u as i64;
    let within = exact_cost(u_exact, n1, n2).is_none_or(|(terms, work)| {
        terms <= MANN_WHITNEY_EXACT_MAX as u64 && work <= EXACT_MAX_WORK
    });
    let exact = match method {
        RankMethod::Exact => {
            if let Some((terms, work)) = exact_cost(u_exact, n1, n2).filter(|_| !within) {
                return Err(CoreError::invalid_parameter(
                    "method",
                    "exact",
                    format!(
                        "the exact null distribution of U = {u_exact} for samples of {n1} and {n2} values needs {terms} terms and {work} steps, beyond the limits of {MANN_WHITNEY_EXACT_MAX} terms and {EXACT_MAX_WORK} steps; use \"asymptotic\" (or \"auto\")"
                    ),
                ));
            }
            true
        }
        RankMethod::Asymptotic => false,
        // scipy's rule, except that a distribution beyond the limits (a sample of at most
        // 8 values against more than millions, with U near its middle) falls back to the
        // normal approximation; `exact` says which was used.
        RankMethod::Auto => n1.min(n2) <= AUTO_EXACT_MAX_SIZE && !ties && within,
    };
    let mut z = None;
    let p = if exact {
        mann_whitney_sf(u_exact, n1, n2)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts of `U = k` for sizes `(m, n)`, exactly, by the recurrence over both sizes
    /// (the largest value is in `b`, or in `a` above all `n` values of `b`).
    fn exact_counts(m: usize, n: usize) -> Vec<u128> {
        let mut table: Vec<Vec<Vec<u128>>> = vec![vec![vec![1]; n + 1]; m + 1];
        for i in 1..=m {
            for j in 1..=n {
                let mut c = vec![0u128; i * j + 1];
                for (k, v) in table[i][j - 1].iter().enumerate() {
                    c[k] += v;
                }
                for (k, v) in table[i - 1][j].iter().enumerate() {
                    c[k + j] += v;
                }
                table[i][j] = c;
            }
        }
        table[m][n].clone()
    }

    #[test]
    fn exact_tail_matches_exact_counts() {
        for (m, n) in [
            (1, 1),
            (1, 9),
            (2, 7),
            (3, 3),
            (3, 40),
            (5, 12),
            (8, 8),
            (8, 50),
            (20, 25),
        ] {
            let counts = exact_counts(m, n);
            let total: u128 = counts.iter().sum();
            for u in 0..=(m * n + 1) as i64 {
                let tail: u128 = counts.iter().skip(u.max(0) as usize).sum();
                let want = tail as f64 / total as f64;
                let got = mann_whitney_sf(u, m, n);
                assert!(
                    (got - want).abs() <= 1e-14 * want,
                    "({m}, {n}) u = {u}: {got} vs {want}"
                );
                assert_eq!(got.to_bits(), mann_whitney_sf(u, n, m).to_bits());
            }
        }
    }

    /// 3 values against 7000 raised "the exact distribution is limited to len(a) * len(b)
    /// <= 20000" under the default method; the exact tail is 1 / C(7003, 3) when all of a
    /// is above b.
    #[test]
    fn three_against_seven_thousand() {
        let a = [7000.5, 7001.5, 7002.5];
        let b: Vec<f64> = (0..7000).map(f64::from).collect();
        let r = mann_whitney_u(&a[..], &b[..], Alternative::Greater, RankMethod::Auto).unwrap();
        assert!(r.exact);
        let want = 6.0 / (7003.0 * 7002.0 * 7001.0);
        assert!((r.pvalue / want - 1.0).abs() < 1e-13, "{}", r.pvalue);
    }

    #[test]
    fn beyond_the_limits_exact_is_a_typed_error_and_auto_is_asymptotic() {
        // 8 values spread through 9 million: U near the middle needs 3.6e7 terms of its
        // distribution, beyond MANN_WHITNEY_EXACT_MAX.
        let b: Vec<f64> = (0..9_000_000).map(|i| f64::from(i) + 0.5).collect();
        let a: Vec<f64> = (0..8).map(|i| (f64::from(i) + 0.5) * 1_125_000.0).collect();
        let e =
            mann_whitney_u(&a[..], &b[..], Alternative::TwoSided, RankMethod::Exact).unwrap_err();
        assert!(
            matches!(&e, CoreError::InvalidParameter { name, .. } if name == "method"),
            "{e}"
        );
        assert!(e.to_string().contains("terms"), "{e}");
        let r = mann_whitney_u(&a[..], &b[..], Alternative::TwoSided, RankMethod::Auto).unwrap();
        assert!(!r.exact);
        // The same sizes with U in a tail: a handful of terms, exact.
        let low: Vec<f64> = (0..8).map(f64::from).collect();
        let r = mann_whitney_u(&low[..], &b[..], Alternative::Less, RankMethod::Auto).unwrap();
        assert!(r.exact && r.pvalue > 0.0);
    }
}
