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
//!
//! # Weights
//! [`wasserstein_weighted`] takes a non-negative weight per value (scipy's `u_weights` and
//! `v_weights`): `F` and `G` are then the weighted empirical CDFs, the cumulative weight up
//! to `t` over the total, and `sd(reference)` the weighted population standard deviation
//! `sqrt(sum w (x - mean)^2 / sum w)` with the weighted mean. Integer weights give the
//! distance of the samples with each value repeated that many times; a value of weight 0
//! counts for nothing.

use serde::{Deserialize, Serialize};

use mlops_core::{check_len, check_weights};

use crate::DriftError;
use crate::ks::{PARALLEL_MIN, names, sorted};
use crate::validate::finite_sample;

/// Names of the weight arguments in errors.
pub mod weight_names {
    /// The weights of the reference sample.
    pub const REFERENCE: &str = "reference_weights";
    /// The weights of the current sample.
    pub const CURRENT: &str = "current_weights";
}

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
/// [`CoreError::EmptyInput`](mlops_core::CoreError::EmptyInput) when either sample is empty, and
/// [`CoreError::NotFinite`](mlops_core::CoreError::NotFinite) naming the sample and the index of
/// the first NaN or infinite value.
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

/// Wasserstein-1 distance between `reference` and `current` with a weight per value, as
/// `scipy.stats.wasserstein_distance(reference, current, u_weights, v_weights)`; `None`
/// gives every value of that sample weight 1 (see the [module documentation](self)).
///
/// `O((m + n) log(m + n))`: one sort of each sample with its weights and one merge.
///
/// # Examples
/// ```
/// use mlops_drift::{wasserstein, wasserstein_weighted};
/// // Weight 2 on a value is the value twice.
/// let w = wasserstein_weighted(&[0.0, 1.0], &[3.0], Some(&[2.0, 1.0]), None)?;
/// let repeated = wasserstein(&[0.0, 0.0, 1.0], &[3.0])?;
/// assert!((w.distance - repeated.distance).abs() < 1e-15);
/// assert!((w.reference_std - repeated.reference_std).abs() < 1e-15);
/// # Ok::<(), mlops_drift::DriftError>(())
/// ```
///
/// # Errors
/// Those of [`wasserstein`], and for the weights (named `reference_weights` or
/// `current_weights`): [`CoreError::LengthMismatch`](mlops_core::CoreError) when their
/// length differs from their sample's, [`CoreError::NotFinite`](mlops_core::CoreError) for a
/// NaN or infinite weight, [`CoreError::NegativeWeight`](mlops_core::CoreError) for a
/// negative one and [`CoreError::AllWeightsZero`](mlops_core::CoreError) when they are all
/// zero, each wrapped in [`DriftError::Core`] with the index and value.
pub fn wasserstein_weighted(
    reference: &[f64],
    current: &[f64],
    reference_weights: Option<&[f64]>,
    current_weights: Option<&[f64]>,
) -> Result<WassersteinResult, DriftError> {
    if reference_weights.is_none() && current_weights.is_none() {
        return wasserstein(reference, current);
    }
    finite_sample(names::REFERENCE, reference)?;
    finite_sample(names::CURRENT, current)?;
    let checked = |name: &str, sample: &str, values: &[f64], w: Option<&[f64]>| {
        if let Some(w) = w {
            check_len(name, w.len(), sample, values.len())?;
            check_weights(name, &w.into())?;
        }
        Ok::<(), DriftError>(())
    };
    checked(
        weight_names::REFERENCE,
        names::REFERENCE,
        reference,
        reference_weights,
    )?;
    checked(
        weight_names::CURRENT,
        names::CURRENT,
        current,
        current_weights,
    )?;
    let u = weighted_sorted(reference, reference_weights);
    let v = weighted_sorted(current, current_weights);
    let distance = w1_weighted(&u, &v);
    let reference_std = weighted_population_std(&u);
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

/// `(value, weight)` pairs sorted by value (weight 1 without weights).
fn weighted_sorted(values: &[f64], weights: Option<&[f64]>) -> Vec<(f64, f64)> {
    let mut pairs: Vec<(f64, f64)> = match weights {
        Some(w) => values.iter().copied().zip(w.iter().copied()).collect(),
        None => values.iter().map(|&x| (x, 1.0)).collect(),
    };
    pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    pairs
}

/// SciPy's weighted `_cdf_distance(1, u, v, u_weights, v_weights)` on sorted pairs: at each
/// distinct pooled value (but the last), the gap between the cumulative weight shares of
/// the two samples times the gap to the next value. The cumulative sums run in sorted order
/// and the totals are their last values, as SciPy's `cumsum`.
fn w1_weighted(u: &[(f64, f64)], v: &[(f64, f64)]) -> f64 {
    let total = |x: &[(f64, f64)]| x.iter().fold(0.0, |acc, p| acc + p.1);
    let (tu, tv) = (total(u), total(v));
    let smallest = |i: usize, j: usize| match (u.get(i), v.get(j)) {
        (Some(x), Some(y)) => Some(x.0.min(y.0)),
        (Some(x), None) => Some(x.0),
        (None, Some(y)) => Some(y.0),
        (None, None) => None,
    };
    let (mut i, mut j, mut cu, mut cv) = (0usize, 0usize, 0.0, 0.0);
    let mut sum = 0.0;
    let mut next = smallest(0, 0);
    while let Some(t) = next {
        while i < u.len() && u[i].0 <= t {
            cu += u[i].1;
            i += 1;
        }
        while j < v.len() && v[j].0 <= t {
            cv += v[j].1;
            j += 1;
        }
        next = smallest(i, j);
        if let Some(after) = next {
            sum += (cu / tu - cv / tv).abs() * (after - t);
        }
    }
    sum
}

/// Weighted population standard deviation (two-pass; total weight > 0, checked).
fn weighted_population_std(pairs: &[(f64, f64)]) -> f64 {
    let total: f64 = pairs.iter().map(|p| p.1).sum();
    let mean = pairs.iter().map(|p| p.1 * p.0).sum::<f64>() / total;
    let ss: f64 = pairs
        .iter()
        .map(|p| p.1 * (p.0 - mean) * (p.0 - mean))
        .sum();
    (ss / total).sqrt()
}

/// SciPy's `_cdf_distance(1, u, v)`: the pooled sorted values, and at each of them (but the
/// last) the two CDFs (`searchsorted(..., side="right") / size`) times the gap to the next.
///
/// The samples are radix-sorted side by side and the pooled values visited by one merge
/// of the two, distinct values only: a repeated pooled value contributes a zero gap, which
/// leaves the sum unchanged, so the sum is SciPy's sequence of terms without the zeros.
fn w1(u: &[f64], v: &[f64]) -> f64 {
    let parallel = u.len().min(v.len()) >= PARALLEL_MIN;
    let (us, vs) = mlops_core::parallel::join(parallel, || sorted(u), || sorted(v));
    let (m, n) = (us.len() as f64, vs.len() as f64);
    let smallest = |i: usize, j: usize| match (us.get(i), vs.get(j)) {
        (Some(&x), Some(&y)) => Some(x.min(y)),
        (Some(&x), None) => Some(x),
        (None, Some(&y)) => Some(y),
        (None, None) => None,
    };
    let (mut i, mut j) = (0usize, 0usize);
    let mut total = 0.0;
    let mut next = smallest(0, 0);
    while let Some(t) = next {
        while i < us.len() && us[i] <= t {
            i += 1;
        }
        while j < vs.len() && vs[j] <= t {
            j += 1;
        }
        next = smallest(i, j);
        if let Some(after) = next {
            total += (i as f64 / m - j as f64 / n).abs() * (after - t);
        }
    }
    total
}

/// Standard deviation with divisor `n` (two-pass, for accuracy).
fn population_std(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let ss: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
    (ss / n).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SciPy's formulation, term by term: every pooled value (repeats included) in a sorted
    /// copy of both samples.
    fn w1_pooled(u: &[f64], v: &[f64]) -> f64 {
        let sort = |x: &[f64]| {
            let mut x = x.to_vec();
            x.sort_unstable_by(f64::total_cmp);
            x
        };
        let (us, vs) = (sort(u), sort(v));
        let all = sort(&[u, v].concat());
        let (m, n) = (us.len() as f64, vs.len() as f64);
        let (mut i, mut j, mut total) = (0usize, 0usize, 0.0);
        for w in all.windows(2) {
            while i < us.len() && us[i] <= w[0] {
                i += 1;
            }
            while j < vs.len() && vs[j] <= w[0] {
                j += 1;
            }
            total += (i as f64 / m - j as f64 / n).abs() * (w[1] - w[0]);
        }
        total
    }

    #[test]
    fn merge_of_distinct_values_is_the_pooled_sum_to_the_bit() {
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for case in 0..300 {
            let (m, n) = (1 + (next() * 400.0) as usize, 1 + (next() * 400.0) as usize);
            // Every third case rounds to a coarse grid: heavy ties within and across samples.
            let mut draw = |k: usize, shift: f64| -> Vec<f64> {
                (0..k)
                    .map(|_| {
                        let x = next() * 3.0 - 1.5 + shift;
                        if case % 3 == 0 {
                            (x * 8.0).round() / 8.0
                        } else {
                            x
                        }
                    })
                    .collect()
            };
            let (u, v) = (draw(m, 0.0), draw(n, 0.2));
            assert_eq!(
                w1(&u, &v).to_bits(),
                w1_pooled(&u, &v).to_bits(),
                "case {case}"
            );
        }
        // Large enough for the parallel sorts and the radix path.
        let u: Vec<f64> = (0..70_000).map(|_| next()).collect();
        let v: Vec<f64> = (0..70_000)
            .map(|_| (next() * 100.0).round() / 100.0)
            .collect();
        assert_eq!(w1(&u, &v).to_bits(), w1_pooled(&u, &v).to_bits());
    }
}
