//! Shared plumbing of the two-sample and paired tests: parsing of the method, checked
//! samples, and average ranks with their tie counts.

use ndarray::ArrayView1;
use serde::{Deserialize, Serialize};

use crate::compare::Alternative;
use crate::error::{CoreError, Result};
use crate::input::{check_finite, check_len};

/// How the p-value of a rank test is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RankMethod {
    /// scipy's switch-over rule (documented on each test).
    Auto,
    /// The exact null distribution of the statistic.
    Exact,
    /// The normal approximation with the tie correction.
    Asymptotic,
}

impl RankMethod {
    /// Parses `"auto"`, `"exact"` or `"asymptotic"`.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] for anything else.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(Self::Auto),
            "exact" => Ok(Self::Exact),
            "asymptotic" => Ok(Self::Asymptotic),
            other => Err(CoreError::invalid_parameter(
                "method",
                other,
                "must be \"auto\", \"exact\" or \"asymptotic\"",
            )),
        }
    }
}

/// A sample: non-empty, finite, copied into a `Vec`.
pub(crate) fn sample(name: &str, v: ArrayView1<'_, f64>) -> Result<Vec<f64>> {
    if v.is_empty() {
        return Err(CoreError::EmptyInput {
            input: name.to_owned(),
        });
    }
    check_finite(name, &v)?;
    Ok(v.to_vec())
}

/// Two samples aligned row by row; returns `a - b`.
pub(crate) fn paired_differences(
    a: ArrayView1<'_, f64>,
    b: ArrayView1<'_, f64>,
) -> Result<Vec<f64>> {
    let a = sample("a", a)?;
    check_len("b", b.len(), "a", a.len())?;
    let b = sample("b", b)?;
    Ok(a.iter().zip(&b).map(|(x, y)| x - y).collect())
}

/// Mean and sample variance (denominator `n - 1`, two-pass); `n >= 2`.
pub(crate) fn mean_var(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let ss = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>();
    (mean, ss / (n - 1.0))
}

/// Twice the average ranks (1-based) of `v`, so ties give integers, and
/// `sum(t^3 - t)` over the tie groups.
pub(crate) fn doubled_ranks(v: &[f64]) -> (Vec<u64>, f64) {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
    let mut ranks = vec![0u64; v.len()];
    let mut tie_sum = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        // `==`, not total_cmp: -0.0 and 0.0 tie.
        while end < order.len() && v[order[end]] == v[order[start]] {
            end += 1;
        }
        // Ranks start + 1 ..= end average to (start + 1 + end) / 2.
        let doubled = (start + 1 + end) as u64;
        for &i in &order[start..end] {
            ranks[i] = doubled;
        }
        let t = (end - start) as f64;
        tie_sum += t * t * t - t;
        start = end;
    }
    (ranks, tie_sum)
}

/// The p-value of a standard-normal statistic `z` under `alternative`.
pub(crate) fn normal_pvalue(z: f64, alternative: Alternative) -> f64 {
    use crate::compare::normal_sf;
    match alternative {
        Alternative::TwoSided => (2.0 * normal_sf(z.abs())).min(1.0),
        Alternative::Greater => normal_sf(z),
        Alternative::Less => normal_sf(-z),
    }
}

/// Checks a confidence level.
pub(crate) fn check_level(level: f64) -> Result<()> {
    if level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(CoreError::invalid_parameter(
            "level",
            level,
            "must be in (0, 1)",
        ))
    }
}
