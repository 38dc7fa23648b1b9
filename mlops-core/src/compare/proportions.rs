//! Tests on two proportions (A/B conversion or error rates): the pooled two-proportion
//! z-test (as statsmodels' `proportions_ztest`) and Fisher's exact test on the 2x2 table (as
//! `scipy.stats.fisher_exact`).

use serde::{Deserialize, Serialize};

use crate::compare::Alternative;
use crate::compare::common::normal_pvalue;
use crate::error::{CoreError, Result};

/// The pooled two-proportion z-test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ProportionsZTestResult {
    /// `(p1 - p2) / sqrt(p (1 - p) (1/n1 + 1/n2))` with the pooled `p`; `None` when the
    /// pooled proportion is 0 or 1.
    pub statistic: Option<f64>,
    /// p-value under `alternative`; `None` with the statistic.
    pub pvalue: Option<f64>,
    /// `count1 / nobs1`.
    pub proportion1: f64,
    /// `count2 / nobs2`.
    pub proportion2: f64,
    /// `proportion1 - proportion2`.
    pub difference: f64,
    /// The pooled proportion `(count1 + count2) / (nobs1 + nobs2)`.
    pub pooled: f64,
    /// The alternative hypothesis.
    pub alternative: Alternative,
}

fn check_counts(count: u64, nobs: u64, which: u8) -> Result<()> {
    if nobs == 0 {
        return Err(CoreError::invalid_parameter(
            format!("nobs{which}"),
            nobs,
            "must be at least 1",
        ));
    }
    if count > nobs {
        return Err(CoreError::invalid_parameter(
            format!("count{which}"),
            count,
            format!("cannot exceed nobs{which} = {nobs}"),
        ));
    }
    Ok(())
}

/// The pooled z-test of `count1 / nobs1 - count2 / nobs2`, as
/// `statsmodels.stats.proportion.proportions_ztest([count1, count2], [nobs1, nobs2])`.
///
/// # Errors
/// [`CoreError::InvalidParameter`] for `nobs = 0` or `count > nobs`.
///
/// # Examples
/// ```
/// use mlops_core::compare::{Alternative, two_proportion_ztest};
/// // statsmodels' docstring example: proportions_ztest([5, 12], [83, 99]) -> p = 0.159
/// let r = two_proportion_ztest(5, 83, 12, 99, Alternative::TwoSided)?;
/// assert!((r.pvalue.unwrap() - 0.159).abs() < 5e-4);
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
pub fn two_proportion_ztest(
    count1: u64,
    nobs1: u64,
    count2: u64,
    nobs2: u64,
    alternative: Alternative,
) -> Result<ProportionsZTestResult> {
    check_counts(count1, nobs1, 1)?;
    check_counts(count2, nobs2, 2)?;
    let (p1, p2) = (count1 as f64 / nobs1 as f64, count2 as f64 / nobs2 as f64);
    let pooled = (count1 + count2) as f64 / (nobs1 + nobs2) as f64;
    let var = pooled * (1.0 - pooled) * (1.0 / nobs1 as f64 + 1.0 / nobs2 as f64);
    let difference = p1 - p2;
    let statistic = (var > 0.0).then(|| difference / var.sqrt());
    Ok(ProportionsZTestResult {
        statistic,
        pvalue: statistic.map(|z| normal_pvalue(z, alternative)),
        proportion1: p1,
        proportion2: p2,
        difference,
        pooled,
        alternative,
    })
}

/// Fisher's exact test on a 2x2 table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FisherExactResult {
    /// The sample odds ratio `(t00 t11) / (t01 t10)` (infinite when the denominator is 0);
    /// `None` when a row or column sums to 0.
    pub statistic: Option<f64>,
    /// p-value under `alternative` (1 for a degenerate table).
    pub pvalue: f64,
    /// Whether a row or column of the table sums to 0.
    pub degenerate: bool,
    /// The alternative hypothesis (about the odds ratio versus 1).
    pub alternative: Alternative,
}

/// Relative tolerance under which two table probabilities count as equal in the two-sided
/// p-value (scipy >= 1.11 uses `1 + 1e-14`; older releases used `1 + 1e-7`).
pub const FISHER_TIE_TOLERANCE: f64 = 1e-14;

/// Fisher's exact test on the table `[[t00, t01], [t10, t11]]`, as
/// `scipy.stats.fisher_exact(table, alternative=...)`.
///
/// With the margins fixed, `t00` is hypergeometric. `Less`: `P(X <= t00)`; `Greater`:
/// `P(X >= t00)`; two-sided: the probability of every table no more likely than the
/// observed one, within [`FISHER_TIE_TOLERANCE`], with scipy's rule: every table on the
/// observed side of the mode beyond it, and the tables on the other side whose probability
/// is at most `p_obs (1 + tolerance)`. The probabilities come from the ratio recurrence
/// `P(x+1)/P(x)` started at the mode and normalised by their sum (no factorials).
///
/// # Errors
/// None today beyond arithmetic limits: tables whose margins exceed 2^53 are rejected with
/// [`CoreError::InvalidParameter`].
///
/// # Examples
/// ```
/// use mlops_core::compare::{Alternative, fisher_exact};
/// // scipy's docstring: fisher_exact([[8, 2], [1, 5]]) -> (20.0, 0.034965034965034975)
/// let r = fisher_exact([[8, 2], [1, 5]], Alternative::TwoSided)?;
/// assert_eq!(r.statistic, Some(20.0));
/// assert!((r.pvalue / 0.034_965_034_965_034_975 - 1.0).abs() < 1e-13);
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
pub fn fisher_exact(table: [[u64; 2]; 2], alternative: Alternative) -> Result<FisherExactResult> {
    let [[c00, c01], [c10, c11]] = table;
    let total = c00 as u128 + c01 as u128 + c10 as u128 + c11 as u128;
    if total > 1u128 << 53 {
        return Err(CoreError::invalid_parameter(
            "table",
            total,
            "the total count must be at most 2^53",
        ));
    }
    let (n1, n2, n) = (c00 + c01, c10 + c11, c00 + c10);
    let big_n = n1 + n2;
    if n1 == 0 || n2 == 0 || n == 0 || c01 + c11 == 0 {
        return Ok(FisherExactResult {
            statistic: None,
            pvalue: 1.0,
            degenerate: true,
            alternative,
        });
    }
    let statistic = if c10 > 0 && c01 > 0 {
        (c00 as u128 * c11 as u128) as f64 / (c10 as u128 * c01 as u128) as f64
    } else {
        f64::INFINITY
    };
    // Support of X = t00: lo ..= hi.
    let lo = n.saturating_sub(n2);
    let hi = n1.min(n);
    let mode = (((n + 1) as u128 * (n1 + 1) as u128) / (big_n + 2) as u128) as u64;
    let mode = mode.clamp(lo, hi);
    // Relative weights w(x) = P(x) / P(mode).
    let len = (hi - lo + 1) as usize;
    let mut w = vec![0.0f64; len];
    let idx = |x: u64| (x - lo) as usize;
    w[idx(mode)] = 1.0;
    let ratio = |x: u64| -> f64 {
        // P(x+1) / P(x)
        ((n1 - x) as f64 * (n - x) as f64) / ((x + 1) as f64 * (n2 + x + 1 - n) as f64)
    };
    let mut x = mode;
    while x < hi {
        let next = w[idx(x)] * ratio(x);
        w[idx(x + 1)] = next;
        if next == 0.0 {
            break;
        }
        x += 1;
    }
    let mut x = mode;
    while x > lo {
        let prev = w[idx(x)] / ratio(x - 1);
        w[idx(x - 1)] = prev;
        if prev == 0.0 {
            break;
        }
        x -= 1;
    }
    let sum_range = |from: u64, to: u64| -> f64 {
        // Smallest terms first: the tails are summed from the outside in.
        if from > to {
            return 0.0;
        }
        let s = &w[idx(from)..=idx(to)];
        if to <= mode {
            s.iter().sum()
        } else {
            s.iter().rev().sum()
        }
    };
    let norm: f64 = sum_range(lo, mode) + sum_range(mode + 1, hi);
    let pvalue = match alternative {
        Alternative::Less => (sum_range(lo, c00.min(mode)) + sum_range(mode + 1, c00)) / norm,
        Alternative::Greater => (sum_range(c00, mode) + sum_range(c00.max(mode + 1), hi)) / norm,
        Alternative::TwoSided => {
            let pexact = w[idx(c00)];
            if (pexact - 1.0).abs() <= FISHER_TIE_TOLERANCE {
                1.0
            } else {
                let cut = pexact * (1.0 + FISHER_TIE_TOLERANCE);
                let observed_side = if c00 < mode {
                    sum_range(lo, c00)
                } else {
                    sum_range(c00, hi)
                };
                let other_side: f64 = if c00 < mode {
                    w[idx(mode)..].iter().rev().filter(|&&v| v <= cut).sum()
                } else {
                    w[..=idx(mode)].iter().filter(|&&v| v <= cut).sum()
                };
                (observed_side + other_side) / norm
            }
        }
    };
    Ok(FisherExactResult {
        statistic: Some(statistic),
        pvalue: pvalue.min(1.0),
        degenerate: false,
        alternative,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `statsmodels.stats.proportion.proportions_ztest(count, nobs, alternative=...)`
    /// (statsmodels 0.15.0; its "larger" and "smaller" are `Greater` and `Less`).
    #[test]
    fn pooled_z_test_matches_statsmodels() {
        let cases = [
            // (count1, nobs1, count2, nobs2), z, p two-sided, p greater, p less
            (
                (5, 83, 12, 99),
                -1.407_830_415_125_878_7,
                0.159_181_291_811_569_92,
                0.920_409_354_094_215_1,
                0.079_590_645_905_784_96,
            ),
            (
                (180, 400, 300, 1000),
                5.341_592_337_089_398,
                9.213_366_505_442_789e-8,
                4.606_683_252_721_394_4e-8,
                0.999_999_953_933_167_4,
            ),
            (
                (0, 10, 3, 10),
                -1.878_672_873_255_448_3,
                0.060_289_173_990_602_164,
                0.969_855_413_004_698_9,
                0.030_144_586_995_301_082,
            ),
        ];
        let close =
            |got: Option<f64>, want: f64| got.is_some_and(|g| (g / want - 1.0).abs() < 1e-13);
        for ((c1, n1, c2, n2), z, two, greater, less) in cases {
            for (alt, p) in [
                (Alternative::TwoSided, two),
                (Alternative::Greater, greater),
                (Alternative::Less, less),
            ] {
                let Ok(r) = two_proportion_ztest(c1, n1, c2, n2, alt) else {
                    panic!("valid counts refused");
                };
                assert!(close(r.statistic, z), "{c1}/{n1} vs {c2}/{n2}: {r:?}");
                assert!(close(r.pvalue, p), "{c1}/{n1} vs {c2}/{n2} {alt}: {r:?}");
            }
        }
    }

    #[test]
    fn pooled_proportion_of_zero_or_one_has_no_statistic() {
        for (c1, c2) in [(0, 0), (7, 9)] {
            let Ok(r) = two_proportion_ztest(c1, 7, c2, 9, Alternative::TwoSided) else {
                panic!("valid counts refused");
            };
            assert_eq!((r.statistic, r.pvalue), (None, None));
        }
    }

    #[test]
    fn bad_counts_name_the_parameter() {
        for ((c1, n1, c2, n2), culprit) in [
            ((0, 0, 1, 2), "nobs1"),
            ((3, 2, 1, 2), "count1"),
            ((1, 2, 0, 0), "nobs2"),
            ((1, 2, 5, 4), "count2"),
        ] {
            assert!(matches!(
                two_proportion_ztest(c1, n1, c2, n2, Alternative::TwoSided),
                Err(CoreError::InvalidParameter { ref name, .. }) if name == culprit
            ));
        }
    }
}
