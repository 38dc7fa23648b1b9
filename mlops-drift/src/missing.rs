//! Missing values and unseen categories as drift signals in their own right: a feature
//! whose share of missing values jumps, or whose production rows fall into categories the
//! model never saw in training, has drifted even when the remaining values look alike.
//!
//! Every function here compares a **rate** `x / n` in `current` with the rate `x0 / n0` in
//! `reference` ([`rate_drift`], two-sided; [`rate_test`] for a one-sided alternative, e.g.
//! `Greater` for "the missing share rose", which the [monitor](crate::monitor) alerts on):
//! * the pooled two-proportion z-test, current minus reference (statsmodels'
//!   `proportions_ztest([x, x0], [n, n0])`; `alternative="larger"` for `Greater`), `None`
//!   when both rates are 0 or both are 1;
//! * Fisher's exact test on the table `[[x, n - x], [x0, n0 - x0]]` (as
//!   `scipy.stats.fisher_exact`, with the same alternative);
//! * the reported `pvalue` is Fisher's when the smallest expected count of that table is
//!   below 5 (Cochran's rule: the normal approximation is then unreliable), the z-test's
//!   otherwise; [`RateDriftResult::pvalue_test`] says which;
//! * effect sizes: the difference of the rates and Cohen's `h = 2 asin √p - 2 asin √p0`.
//!
//! [`numeric_missing_drift`] counts NaN, `+inf` and `-inf` (each reported) as missing in two
//! numeric samples; [`unseen_category_drift`] names every category of `current` absent (or
//! of count 0) from `reference`, with its count, and tests the share of rows they hold.
//! Nothing is dropped silently.

use std::collections::HashMap;

/// The alternative hypothesis of [`rate_test`] (`mlops_core`'s, about current minus
/// reference).
pub use mlops_core::compare::Alternative;
use mlops_core::compare::{fisher_exact, two_proportion_ztest};
use serde::{Deserialize, Serialize};

use crate::DriftError;
use crate::ks::names;
use crate::validate::successes;

/// The smallest expected cell count at which the z-test's p-value is reported instead of
/// Fisher's (Cochran 1954).
pub const MIN_EXPECTED_FOR_Z: f64 = 5.0;

/// Which test gave [`RateDriftResult::pvalue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RateTest {
    /// The pooled two-proportion z-test.
    Z,
    /// Fisher's exact test.
    Fisher,
}

/// The outcome of [`rate_drift`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RateDriftResult {
    /// The z statistic (current minus reference); `None` when the pooled rate is 0 or 1.
    pub statistic: Option<f64>,
    /// The p-value of [`pvalue_test`](Self::pvalue_test).
    pub pvalue: f64,
    /// The test behind `pvalue`.
    pub pvalue_test: RateTest,
    /// The alternative hypothesis about the current rate against the reference's
    /// (`greater`: the current rate is higher).
    #[serde(default = "two_sided")]
    pub alternative: Alternative,
    /// The z-test p-value under `alternative`; `None` with the statistic.
    pub z_pvalue: Option<f64>,
    /// Fisher's exact p-value under `alternative`.
    pub fisher_pvalue: f64,
    /// The sample odds ratio of the table (infinite when a cell of its denominator is 0);
    /// `None` when a row or column of the table is empty.
    pub odds_ratio: Option<f64>,
    /// `x0 / n0`.
    pub reference_rate: f64,
    /// `x / n`.
    pub current_rate: f64,
    /// `current_rate - reference_rate` (effect size).
    pub difference: f64,
    /// Cohen's h (effect size).
    pub cohens_h: f64,
    /// The smallest expected cell count of the 2 x 2 table.
    pub min_expected: f64,
    /// `x0`.
    pub reference_count: u64,
    /// `n0`.
    pub reference_total: u64,
    /// `x`.
    pub current_count: u64,
    /// `n`.
    pub current_total: u64,
}

fn two_sided() -> Alternative {
    Alternative::TwoSided
}

/// Has the rate `x / n` in `current` moved from `x0 / n0` in `reference`? Two-sided: see
/// [`rate_test`] for a one-sided question.
///
/// # Examples
/// ```
/// use mlops_drift::{rate_drift, missing::RateTest};
/// // 2% of incomes missing at training time, 5% in production.
/// let r = rate_drift(200, 10_000, 50, 1_000)?;
/// assert_eq!(r.pvalue_test, RateTest::Z);
/// assert!(r.pvalue < 1e-6 && r.difference > 0.0);
/// // Small counts: Fisher's exact test.
/// let r = rate_drift(0, 40, 3, 20)?;
/// assert_eq!(r.pvalue_test, RateTest::Fisher);
/// # Ok::<(), mlops_drift::DriftError>(())
/// ```
///
/// # Errors
/// [`CoreError::EmptyInput`](mlops_core::CoreError::EmptyInput) when a total is 0 and
/// [`DriftError::SuccessesExceedTrials`] when a count exceeds its total, naming `reference` or
/// `current`.
pub fn rate_drift(
    reference_count: u64,
    reference_total: u64,
    current_count: u64,
    current_total: u64,
) -> Result<RateDriftResult, DriftError> {
    rate_test(
        reference_count,
        reference_total,
        current_count,
        current_total,
        Alternative::TwoSided,
    )
}

/// [`rate_drift`] under `alternative`, a hypothesis about the current rate against the
/// reference's: `Greater` asks whether it rose (the z-test's upper tail, Fisher's
/// `P(X >= x)`), `Less` whether it fell.
///
/// # Examples
/// ```
/// use mlops_drift::{missing::Alternative, rate_test};
/// // Missing values: none of 5 000 rows at training time, 120 of 2 000 in production.
/// let r = rate_test(0, 5_000, 120, 2_000, Alternative::Greater)?;
/// assert!(r.pvalue < 1e-30 && r.difference > 0.05);
/// // A fall is no evidence of a rise.
/// let r = rate_test(120, 2_000, 0, 5_000, Alternative::Greater)?;
/// assert!(r.pvalue > 0.99);
/// # Ok::<(), mlops_drift::DriftError>(())
/// ```
///
/// # Errors
/// As [`rate_drift`].
pub fn rate_test(
    reference_count: u64,
    reference_total: u64,
    current_count: u64,
    current_total: u64,
    alternative: Alternative,
) -> Result<RateDriftResult, DriftError> {
    successes(names::REFERENCE, reference_count, reference_total)?;
    successes(names::CURRENT, current_count, current_total)?;
    let z = two_proportion_ztest(
        current_count,
        current_total,
        reference_count,
        reference_total,
        alternative,
    )?;
    let fisher = fisher_exact(
        [
            [current_count, current_total - current_count],
            [reference_count, reference_total - reference_count],
        ],
        alternative,
    )?;
    let total = (reference_total + current_total) as f64;
    let with = (reference_count + current_count) as f64;
    let without = total - with;
    let min_expected = [reference_total as f64, current_total as f64]
        .iter()
        .flat_map(|&row| [row * with / total, row * without / total])
        .fold(f64::INFINITY, f64::min);
    let use_z = min_expected >= MIN_EXPECTED_FOR_Z && z.pvalue.is_some();
    let (pvalue, test) = match z.pvalue {
        Some(p) if use_z => (p, RateTest::Z),
        _ => (fisher.pvalue, RateTest::Fisher),
    };
    let p0 = reference_count as f64 / reference_total as f64;
    let p = current_count as f64 / current_total as f64;
    Ok(RateDriftResult {
        statistic: z.statistic,
        pvalue,
        pvalue_test: test,
        alternative,
        z_pvalue: z.pvalue,
        fisher_pvalue: fisher.pvalue,
        odds_ratio: fisher.statistic,
        reference_rate: p0,
        current_rate: p,
        difference: p - p0,
        cohens_h: 2.0 * p.sqrt().asin() - 2.0 * p0.sqrt().asin(),
        min_expected,
        reference_count,
        reference_total,
        current_count,
        current_total,
    })
}

/// How many values of a numeric sample are missing, and of which kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MissingCounts {
    /// Number of values.
    pub total: u64,
    /// NaN, `+inf` and `-inf` together.
    pub missing: u64,
    /// NaN values.
    pub nan: u64,
    /// `+inf` values.
    pub pos_inf: u64,
    /// `-inf` values.
    pub neg_inf: u64,
}

impl MissingCounts {
    /// Counts the missing values of `values`.
    pub fn of(values: &[f64]) -> Self {
        let mut c = Self {
            total: values.len() as u64,
            ..Self::default()
        };
        for &v in values {
            if v.is_nan() {
                c.nan += 1;
            } else if v == f64::INFINITY {
                c.pos_inf += 1;
            } else if v == f64::NEG_INFINITY {
                c.neg_inf += 1;
            }
        }
        c.missing = c.nan + c.pos_inf + c.neg_inf;
        c
    }
}

/// The outcome of [`numeric_missing_drift`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MissingDriftResult {
    /// The test of the missing rates.
    #[serde(flatten)]
    pub test: RateDriftResult,
    /// The reference sample's counts.
    pub reference: MissingCounts,
    /// The current sample's counts.
    pub current: MissingCounts,
}

/// Has the share of missing values (NaN, `+inf`, `-inf`) of a numeric feature moved?
///
/// # Examples
/// ```
/// use mlops_drift::numeric_missing_drift;
/// let training = [1.0, 2.0, f64::NAN, 4.0, 5.0, 6.0, 7.0, 8.0];
/// let production = [f64::NAN, f64::NAN, 3.0, f64::INFINITY, 5.0, f64::NAN];
/// let r = numeric_missing_drift(&training, &production)?;
/// assert_eq!((r.current.nan, r.current.pos_inf, r.current.missing), (3, 1, 4));
/// assert_eq!(r.reference.missing, 1);
/// assert!(r.test.difference > 0.5);
/// # Ok::<(), mlops_drift::DriftError>(())
/// ```
///
/// # Errors
/// [`CoreError::EmptyInput`](mlops_core::CoreError::EmptyInput) naming an empty sample.
pub fn numeric_missing_drift(
    reference: &[f64],
    current: &[f64],
) -> Result<MissingDriftResult, DriftError> {
    let r = MissingCounts::of(reference);
    let c = MissingCounts::of(current);
    let test = rate_drift(r.missing, r.total, c.missing, c.total)?;
    Ok(MissingDriftResult {
        test,
        reference: r,
        current: c,
    })
}

/// A category of `current` that `reference` does not have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnseenCategory {
    /// The category.
    pub name: String,
    /// Its count in `current`.
    pub count: u64,
}

/// The outcome of [`unseen_category_drift`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnseenCategoryResult {
    /// The test of the share of rows in unseen categories (reference share: 0).
    #[serde(flatten)]
    pub test: RateDriftResult,
    /// Every unseen category with its count, in the order of `current`.
    pub unseen: Vec<UnseenCategory>,
}

fn checked_counts<S: AsRef<str>>(sample: &str, counts: &[(S, u64)]) -> Result<u64, DriftError> {
    let mut seen = HashMap::with_capacity(counts.len());
    let mut total: u64 = 0;
    for (name, value) in counts {
        if seen.insert(name.as_ref(), ()).is_some() {
            return Err(DriftError::DuplicateCategory {
                sample: sample.to_owned(),
                category: name.as_ref().to_owned(),
            });
        }
        total = total
            .checked_add(*value)
            .ok_or_else(|| DriftError::InvalidCount {
                sample: sample.to_owned(),
                category: name.as_ref().to_owned(),
                value: *value as f64,
            })?;
    }
    if total == 0 {
        return Err(DriftError::empty(sample));
    }
    Ok(total)
}

/// Which categories of `current` are absent from `reference` (or have count 0 there), how
/// many rows they hold, and whether that share differs from the reference's (0).
///
/// # Examples
/// ```
/// use mlops_drift::unseen_category_drift;
/// let training = [("rent", 300), ("own", 500), ("mortgage", 200)];
/// let production = [("rent", 80), ("own", 90), ("crypto", 25), ("mortgage", 40), ("gift", 2)];
/// let r = unseen_category_drift(&training, &production)?;
/// let names: Vec<_> = r.unseen.iter().map(|u| (u.name.as_str(), u.count)).collect();
/// assert_eq!(names, [("crypto", 25), ("gift", 2)]);
/// assert_eq!(r.test.current_count, 27);
/// assert!(r.test.pvalue < 1e-6);
/// # Ok::<(), mlops_drift::DriftError>(())
/// ```
///
/// # Errors
/// [`DriftError::DuplicateCategory`] for a category listed twice in one sample,
/// [`CoreError::EmptyInput`](mlops_core::CoreError::EmptyInput) when a sample's counts sum to 0,
/// and [`DriftError::InvalidCount`] when they overflow.
pub fn unseen_category_drift<S: AsRef<str>>(
    reference: &[(S, u64)],
    current: &[(S, u64)],
) -> Result<UnseenCategoryResult, DriftError> {
    let reference_total = checked_counts(names::REFERENCE, reference)?;
    let current_total = checked_counts(names::CURRENT, current)?;
    let known: HashMap<&str, u64> = reference.iter().map(|(k, v)| (k.as_ref(), *v)).collect();
    let unseen: Vec<UnseenCategory> = current
        .iter()
        .filter(|(name, count)| *count > 0 && known.get(name.as_ref()).copied().unwrap_or(0) == 0)
        .map(|(name, count)| UnseenCategory {
            name: name.as_ref().to_owned(),
            count: *count,
        })
        .collect();
    let unseen_rows = unseen.iter().map(|u| u.count).sum();
    let test = rate_drift(0, reference_total, unseen_rows, current_total)?;
    Ok(UnseenCategoryResult { test, unseen })
}
