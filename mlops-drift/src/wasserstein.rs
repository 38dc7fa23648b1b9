//! The Wasserstein-1 (earth mover's) distance between the reference and current samples of
//! a numeric feature: how far, in the feature's own units, mass has to move to turn one
//! empirical distribution into the other.
//!
//! # Definition
//! `W1 = ∫ |F(t) - G(t)| dt` with `F`, `G` the empirical CDFs of `reference` and `current`;
//! computed as SciPy's `scipy.stats.wasserstein_distance(reference, current)` does (one
//! merge of the sorted samples, the CDF gap times the gap between consecutive pooled
//! values), and agreeing with it to 1e-12 relative.
//!
//! The effect size [`WassersteinResult::normalized`] is `W1 / sd(reference)`, with the
//! **population** standard deviation of the reference (`ddof = 0`,
//! `numpy.std(reference)`), so that a shift of the whole distribution by one reference
//! standard deviation scores 1. It is `None` when the reference is constant.

use serde::{Deserialize, Serialize};

use crate::DriftError;
use crate::ks::{PARALLEL_MIN, names, sorted};
use crate::validate::finite_sample;

/// The outcome of [`wasserstein`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WassersteinResult {
    /// The Wasserstein-1 distance, in the feature's units (same as `distance`).
    pub statistic: f64,
    /// The Wasserstein-1 distance.
    pub distance: f64,
    /// There is no p-value for this distance: always `None`.
    pub pvalue: Option<f64>,
    /// `distance / reference_std` (the effect size); `None` when the reference is constant.
    pub normalized: Option<f64>,
    /// The population (`ddof = 0`) standard deviation of the reference.
    pub reference_std: f64,
    /// Number of reference observations.
    pub reference_size: usize,
    /// Number of current observations.
    pub current_size: usize,
}

/// Wasserstein-1 distance between `reference` and `current`, with its value normalised by
/// the reference's population standard deviation.
///
/// `O((m + n) log(m + n))`: one sort of each sample (side by side) and one merge.
///
/// # Examples
/// ```
/// use mlops_drift::wasserstein;
/// let r = wasserstein(&[0.0, 1.0, 3.0], &[5.0, 6.0, 8.0])?;
/// assert!((r.distance - 5.0).abs() < 1e-12); // every value moved by 5
/// # Ok::<(), mlops_drift::DriftError>(())
/// ```
///
/// # Errors
/// [`DriftError::EmptySample`] when either sample is empty, and
/// [`DriftError::NonFiniteValue`] naming the sample and the index of the first NaN or
/// infinite value.
pub fn wasserstein(reference: &[f64], current: &[f64]) -> Result<WassersteinResult, DriftError> {
    finite_sample(names::REFERENCE, reference)?;
    finite_sample(names::CURRENT, current)?;
    let distance = w1(reference, current);
    let reference_std = population_std(reference);
    let normalized = (reference_std > 0.0).then(|| distance / reference_std);
    Ok(WassersteinResult {
        statistic: distance,
        distance,
        pvalue: None,
        normalized,
        reference_std,
        reference_size: reference.len(),
        current_size: current.len(),
    })
}

/// SciPy's `_cdf_distance(1, u, v)`: the pooled sorted values, and at each of them (but the
/// last) the two CDFs (`searchsorted(..., side="right") / size`) times the gap to the next.
///
/// The samples are radix-sorted side by side and the pooled order is their merge, not a
/// third sort: the pooled sequence is the same, so the sum is the same, term by term.
fn w1(u: &[f64], v: &[f64]) -> f64 {
    let parallel = u.len().min(v.len()) >= PARALLEL_MIN;
    let (us, vs) = mlops_core::parallel::join(parallel, || sorted(u), || sorted(v));
    let all = merge(&us, &vs);
    let (m, n) = (us.len() as f64, vs.len() as f64);
    let (mut i, mut j) = (0usize, 0usize);
    let mut total = 0.0;
    for w in all.windows(2) {
        let t = w[0];
        while i < us.len() && us[i] <= t {
            i += 1;
        }
        while j < vs.len() && vs[j] <= t {
            j += 1;
        }
        let gap = w[1] - w[0];
        total += (i as f64 / m - j as f64 / n).abs() * gap;
    }
    total
}

/// The ascending merge of two ascending samples.
fn merge(a: &[f64], b: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0usize, 0usize);
    while i < a.len() && j < b.len() {
        // Branch-free choice: which side's head is smaller is unpredictable on real data.
        let take_a = a[i] <= b[j];
        out.push(if take_a { a[i] } else { b[j] });
        i += usize::from(take_a);
        j += usize::from(!take_a);
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// Standard deviation with divisor `n` (two-pass, for accuracy).
fn population_std(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let ss: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
    (ss / n).sqrt()
}
