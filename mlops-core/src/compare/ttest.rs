//! Student's paired t-test and Welch's unequal-variance t-test, as scipy's `ttest_rel` and
//! `ttest_ind(equal_var=False)`, with the mean difference and its confidence interval.

use serde::{Deserialize, Serialize};

use crate::compare::Alternative;
use crate::compare::common::{check_level, mean_var, paired_differences, sample};
use crate::compare::tdist::{quantile_unchecked, sf_unchecked};
use crate::error::{CoreError, Result};

/// A t-test of `mean(a) - mean(b)` (paired: the mean of `a - b`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TTestResult {
    /// `difference / std_error`; `None` when the standard error is 0 (constant data).
    pub statistic: Option<f64>,
    /// p-value under `alternative`; `None` with the statistic.
    pub pvalue: Option<f64>,
    /// Degrees of freedom (`n - 1` paired; Welch-Satterthwaite otherwise).
    pub df: f64,
    /// The mean difference.
    pub difference: f64,
    /// Its standard error.
    pub std_error: f64,
    /// Confidence level of the interval.
    pub level: f64,
    /// Lower end of the interval (`-inf` for `alternative = less`).
    pub ci_low: f64,
    /// Upper end of the interval (`+inf` for `alternative = greater`).
    pub ci_high: f64,
    /// The alternative hypothesis.
    pub alternative: Alternative,
}

fn finish(
    difference: f64,
    std_error: f64,
    df: f64,
    alternative: Alternative,
    level: f64,
) -> TTestResult {
    let statistic = (std_error > 0.0).then(|| difference / std_error);
    let pvalue = statistic.map(|t| match alternative {
        Alternative::TwoSided => (2.0 * sf_unchecked(t.abs(), df)).min(1.0),
        Alternative::Greater => sf_unchecked(t, df),
        Alternative::Less => sf_unchecked(-t, df),
    });
    // As scipy: two-sided intervals split 1 - level; one-sided ones put it all in one tail.
    let (ci_low, ci_high) = match alternative {
        Alternative::TwoSided => {
            // The upper-tail quantile of (1 - level) / 2, without rounding 1 - (1 - level) / 2.
            let h = -quantile_unchecked((1.0 - level) / 2.0, df) * std_error;
            (difference - h, difference + h)
        }
        Alternative::Greater => (
            difference - quantile_unchecked(level, df) * std_error,
            f64::INFINITY,
        ),
        Alternative::Less => (
            f64::NEG_INFINITY,
            difference + quantile_unchecked(level, df) * std_error,
        ),
    };
    TTestResult {
        statistic,
        pvalue,
        df,
        difference,
        std_error,
        level,
        ci_low,
        ci_high,
        alternative,
    }
}

/// Paired t-test on row-wise values of two models (e.g. per-row losses), as
/// `scipy.stats.ttest_rel(a, b, alternative=...)`: `t = mean(d) / (sd(d) / sqrt(n))` for
/// `d = a - b`, with `n - 1` degrees of freedom, and the `level` confidence interval of
/// `mean(d)`. The sign is scipy's `a - b`, whatever the arguments hold: the model
/// comparisons (DeLong, McNemar, the paired bootstrap) report challenger − champion.
///
/// # Errors
/// [`CoreError::EmptyInput`], [`CoreError::NotFinite`] (naming `a` or `b` and the row),
/// [`CoreError::LengthMismatch`]; [`CoreError::UndefinedMetric`] for fewer than two rows;
/// [`CoreError::InvalidParameter`] for a level outside (0, 1).
///
/// # Examples
/// ```
/// use mlops_core::compare::{Alternative, paired_ttest};
/// let champion = [0.31, 0.52, 0.40, 0.66, 0.25];
/// let challenger = [0.28, 0.47, 0.41, 0.60, 0.20];
/// let r = paired_ttest(&champion[..], &challenger[..], Alternative::Greater, 0.95)?;
/// // scipy.stats.ttest_rel(champion, challenger, alternative="greater")
/// assert!((r.statistic.unwrap() - 2.882_306_768_491_57).abs() < 1e-12);
/// assert!((r.pvalue.unwrap() / 0.022_454_395_175_183_255 - 1.0).abs() < 1e-10);
/// assert!((r.ci_low - 0.009_373_242_172_996_055).abs() < 1e-12 && r.ci_high.is_infinite());
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
pub fn paired_ttest<'a>(
    a: impl Into<ndarray::ArrayView1<'a, f64>>,
    b: impl Into<ndarray::ArrayView1<'a, f64>>,
    alternative: Alternative,
    level: f64,
) -> Result<TTestResult> {
    check_level(level)?;
    let d = paired_differences(a.into(), b.into())?;
    if d.len() < 2 {
        return Err(CoreError::undefined(
            "paired t-test",
            "the variance of the differences needs at least 2 rows, found 1",
        ));
    }
    let n = d.len() as f64;
    let (mean, var) = mean_var(&d);
    Ok(finish(mean, (var / n).sqrt(), n - 1.0, alternative, level))
}

/// Welch's t-test of `mean(a) - mean(b)` for independent samples with unequal variances,
/// as `scipy.stats.ttest_ind(a, b, equal_var=False, alternative=...)`, with
/// Welch-Satterthwaite degrees of freedom and the `level` confidence interval of the
/// difference.
///
/// # Errors
/// [`CoreError::EmptyInput`], [`CoreError::NotFinite`]; [`CoreError::UndefinedMetric`] when
/// a sample has fewer than two values; [`CoreError::InvalidParameter`] for a bad level.
///
/// # Examples
/// ```
/// use mlops_core::compare::{Alternative, welch_ttest};
/// let a = [1.0, 2.0, 3.0, 4.0];
/// let b = [2.0, 4.0, 6.0, 8.0, 10.0];
/// let r = welch_ttest(&a[..], &b[..], Alternative::TwoSided, 0.95)?;
/// assert_eq!(r.difference, -3.5);
/// assert!(r.ci_low < -3.5 && r.ci_high > -3.5);
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
pub fn welch_ttest<'a>(
    a: impl Into<ndarray::ArrayView1<'a, f64>>,
    b: impl Into<ndarray::ArrayView1<'a, f64>>,
    alternative: Alternative,
    level: f64,
) -> Result<TTestResult> {
    check_level(level)?;
    let a = sample("a", a.into())?;
    let b = sample("b", b.into())?;
    for (name, v) in [("a", &a), ("b", &b)] {
        if v.len() < 2 {
            return Err(CoreError::undefined(
                "Welch's t-test",
                format!("the variance of `{name}` needs at least 2 values, found 1"),
            ));
        }
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let ((ma, va), (mb, vb)) = (mean_var(&a), mean_var(&b));
    let (sa, sb) = (va / na, vb / nb);
    let se2 = sa + sb;
    let df = se2 * se2 / (sa * sa / (na - 1.0) + sb * sb / (nb - 1.0));
    // Both samples constant: no spread, no degrees of freedom to speak of.
    let df = if df.is_finite() { df } else { na + nb - 2.0 };
    Ok(finish(ma - mb, se2.sqrt(), df, alternative, level))
}
