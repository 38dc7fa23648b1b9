//! Drift of a categorical feature given as counts per category in the reference (training)
//! and current (production) data.
//!
//! # Statistics
//! Categories are the union of both samples: reference categories in the order given, then
//! categories seen only in `current` (reported by name in
//! [`CategoricalResult::unseen_categories`]). With raw proportions `r_i`, `c_i` and smoothed
//! proportions `p' = (p + ε) / (1 + K ε)` over the `K` categories (`ε` =
//! [`CategoricalParams::epsilon`], default `1e-4`):
//! * `kl_divergence` `= D(current || reference) = Σ c'_i ln(c'_i / r'_i)` (smoothed, so an
//!   unseen category gives a large finite value);
//! * `psi` `= Σ (c'_i - r'_i) ln(c'_i / r'_i)` (smoothed);
//! * `js_distance` `= sqrt(JS divergence)`, natural log, raw proportions, as
//!   `scipy.spatial.distance.jensenshannon`;
//! * `total_variation` `= ½ Σ |c_i - r_i|` (raw), the effect size in `[0, 1]`;
//! * `statistic`/`pvalue`: Pearson's chi-square test of homogeneity on the `2 x K` table
//!   (rows reference and current), with `dof = K' - 1` where `K'` counts the categories
//!   with a positive total (all-zero columns are dropped, as they have no expected count),
//!   like `scipy.stats.chi2_contingency(table, correction=False)`; `g_statistic`/`g_pvalue`:
//!   the likelihood-ratio G-test, like `chi2_contingency(table, lambda_="log-likelihood")`;
//!   `cramers_v = sqrt(chi2 / N)` for the 2-row table.
//!
//! P-values come from [`chi2_sf`].

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::DriftError;
use crate::ks::names;
use crate::psi::{DEFAULT_EPSILON, js_distance, psi_of};
use mlops_core::special::chi2_sf;

/// The parameters of [`categorical_drift`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CategoricalParams {
    /// Additive smoothing of each category's proportion for KL and PSI (must be > 0).
    pub epsilon: f64,
}

impl Default for CategoricalParams {
    fn default() -> Self {
        Self {
            epsilon: DEFAULT_EPSILON,
        }
    }
}

/// The outcome of [`categorical_drift`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoricalResult {
    /// Pearson's chi-square statistic of homogeneity.
    pub statistic: f64,
    /// Its p-value.
    pub pvalue: f64,
    /// Degrees of freedom of both tests.
    pub dof: usize,
    /// The G (log-likelihood ratio) statistic.
    pub g_statistic: f64,
    /// Its p-value.
    pub g_pvalue: f64,
    /// `D(current || reference)` on smoothed proportions (natural log).
    pub kl_divergence: f64,
    /// Jensen-Shannon distance (natural log) of the raw proportions.
    pub js_distance: f64,
    /// Population stability index on smoothed proportions.
    pub psi: f64,
    /// Total variation distance of the raw proportions (effect size).
    pub total_variation: f64,
    /// Cramér's V of the 2 x K table (effect size).
    pub cramers_v: f64,
    /// The categories, in the order of the other vectors.
    pub categories: Vec<String>,
    /// Categories present in `current` but absent (or of count 0) in `reference`.
    pub unseen_categories: Vec<String>,
    /// Reference counts per category.
    pub reference_counts: Vec<f64>,
    /// Current counts per category.
    pub current_counts: Vec<f64>,
    /// The smoothing used.
    pub epsilon: f64,
}

fn checked_counts<S: AsRef<str>>(sample: &str, counts: &[(S, f64)]) -> Result<(), DriftError> {
    let mut seen = HashMap::with_capacity(counts.len());
    for (name, value) in counts {
        let name = name.as_ref();
        if !(value.is_finite() && *value >= 0.0) {
            return Err(DriftError::InvalidCount {
                sample: sample.to_owned(),
                category: name.to_owned(),
                value: *value,
            });
        }
        if seen.insert(name, ()).is_some() {
            return Err(DriftError::DuplicateCategory {
                sample: sample.to_owned(),
                category: name.to_owned(),
            });
        }
    }
    if counts.iter().map(|(_, v)| v).sum::<f64>() <= 0.0 {
        return Err(DriftError::empty(sample));
    }
    Ok(())
}

/// Drift statistics and tests of a categorical feature from counts per category.
///
/// # Examples
/// ```
/// use mlops_drift::{categorical_drift, CategoricalParams};
/// let training = [("rent", 300.0), ("own", 500.0), ("mortgage", 200.0)];
/// let production = [("rent", 90.0), ("own", 60.0), ("mortgage", 40.0), ("other", 10.0)];
/// let r = categorical_drift(&training, &production, CategoricalParams::default())?;
/// assert_eq!(r.unseen_categories, vec!["other".to_string()]);
/// assert_eq!(r.dof, 3);
/// assert!(r.pvalue < 1e-6);
/// # Ok::<(), mlops_drift::DriftError>(())
/// ```
///
/// # Errors
/// [`DriftError::InvalidCount`] for a negative or non-finite count,
/// [`DriftError::DuplicateCategory`] for a category listed twice in one sample,
/// [`CoreError::EmptyInput`](mlops_core::CoreError::EmptyInput) when a sample's counts sum to zero,
/// and [`CoreError::InvalidParameter`](mlops_core::CoreError::InvalidParameter) naming `epsilon`
/// when it is not finite and positive.
pub fn categorical_drift<S: AsRef<str>>(
    reference: &[(S, f64)],
    current: &[(S, f64)],
    params: CategoricalParams,
) -> Result<CategoricalResult, DriftError> {
    checked_counts(names::REFERENCE, reference)?;
    checked_counts(names::CURRENT, current)?;
    let eps = params.epsilon;
    if !(eps.is_finite() && eps > 0.0) {
        return Err(DriftError::invalid_parameter(
            "epsilon",
            eps.to_string(),
            "expected a finite number > 0 (the additive smoothing of proportions)",
        ));
    }

    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut categories: Vec<String> = Vec::new();
    let mut reference_counts: Vec<f64> = Vec::new();
    for (name, value) in reference {
        index.insert(name.as_ref(), categories.len());
        categories.push(name.as_ref().to_owned());
        reference_counts.push(*value);
    }
    let mut current_counts = vec![0.0; categories.len()];
    for (name, value) in current {
        match index.get(name.as_ref()) {
            Some(&i) => current_counts[i] = *value,
            None => {
                categories.push(name.as_ref().to_owned());
                reference_counts.push(0.0);
                current_counts.push(*value);
            }
        }
    }
    let unseen_categories = categories
        .iter()
        .zip(reference_counts.iter().zip(&current_counts))
        .filter(|(_, (r, c))| **r == 0.0 && **c > 0.0)
        .map(|(name, _)| name.clone())
        .collect();

    let rt: f64 = reference_counts.iter().sum();
    let ct: f64 = current_counts.iter().sum();
    let rp: Vec<f64> = reference_counts.iter().map(|v| v / rt).collect();
    let cp: Vec<f64> = current_counts.iter().map(|v| v / ct).collect();
    let k = rp.len() as f64;
    let norm = 1.0 + k * eps;
    let kl_divergence = rp
        .iter()
        .zip(&cp)
        .map(|(&r, &c)| {
            let (r, c) = ((r + eps) / norm, (c + eps) / norm);
            c * (c / r).ln()
        })
        .sum::<f64>()
        .max(0.0);
    let total_variation = 0.5 * rp.iter().zip(&cp).map(|(r, c)| (r - c).abs()).sum::<f64>();

    let (chi2, g, dof) = homogeneity(&reference_counts, &current_counts, rt, ct);
    let total = rt + ct;
    Ok(CategoricalResult {
        statistic: chi2,
        pvalue: chi2_sf(chi2, dof as f64),
        dof,
        g_statistic: g,
        g_pvalue: chi2_sf(g, dof as f64),
        kl_divergence,
        js_distance: js_distance(&rp, &cp),
        psi: psi_of(&rp, &cp, eps),
        total_variation,
        cramers_v: (chi2 / total).sqrt(),
        categories,
        unseen_categories,
        reference_counts,
        current_counts,
        epsilon: eps,
    })
}

/// Pearson's chi-square and the G statistic of the `2 x K` table, over the columns with a
/// positive total, and their degrees of freedom.
fn homogeneity(reference: &[f64], current: &[f64], rt: f64, ct: f64) -> (f64, f64, usize) {
    let total = rt + ct;
    let mut chi2 = 0.0;
    let mut g = 0.0;
    let mut columns = 0usize;
    for (&r, &c) in reference.iter().zip(current) {
        let col = r + c;
        if col <= 0.0 {
            continue;
        }
        columns += 1;
        for (obs, row) in [(r, rt), (c, ct)] {
            let expected = row * col / total;
            chi2 += (obs - expected) * (obs - expected) / expected;
            if obs > 0.0 {
                g += obs * (obs / expected).ln();
            }
        }
    }
    let dof = columns.saturating_sub(1);
    if dof == 0 {
        // SciPy's convention for a table with one column: no evidence, statistic 0.
        return (0.0, 0.0, 0);
    }
    (chi2, 2.0 * g, dof)
}
