//! Population stability index (PSI) and Jensen-Shannon distance of a numeric feature, on
//! bins fixed from the reference (training) sample.
//!
//! # Bins
//! * [`Binning::Quantiles`]`(k)` (default `k = 10`): the edges are the minimum of the
//!   reference, its quantiles at `1/k, 2/k, ..., (k-1)/k` and its maximum, computed with
//!   the linear interpolation rule of `numpy.quantile`'s default (`method="linear"`,
//!   Hyndman and Fan type 7: position `(m - 1) q` in the sorted sample), then duplicate edges
//!   dropped (ties in the reference can merge bins).
//! * [`Binning::Edges`]: strictly increasing finite edges given by the caller.
//!
//! Interior bins are `[e0, e1), [e1, e2), ..., [e(B-1), eB]` (the last one closed, as
//! `numpy.histogram`), and two overflow bins `(-inf, e0)` and `(eB, inf)` are always added,
//! so production values outside the reference range are counted rather than dropped.
//! Counts are reported in that order: underflow, interior bins, overflow.
//!
//! # Statistics
//! With `r_i`, `c_i` the proportions of reference and current in bin `i` of `K` bins
//! (overflow bins included):
//! * PSI `= Σ (c'_i - r'_i) ln(c'_i / r'_i)`, on smoothed proportions
//!   `p' = (p + ε) / (1 + K ε)`: an additive `ε` (default `1e-4`, [`PsiParams::epsilon`]) on
//!   every bin's proportion, renormalised to sum to one, so an empty bin gives a large but
//!   finite PSI. Usual reading: < 0.1 stable, 0.1-0.25 moderate shift, > 0.25 major shift.
//! * Jensen-Shannon distance `= sqrt(JS divergence)` with natural logarithms, on the raw
//!   (unsmoothed) proportions, as `scipy.spatial.distance.jensenshannon(r, c)` (whose
//!   default `base=None` is the natural log); in `[0, sqrt(ln 2)]`.

use mlops_core::quantile::quantile_linear;
use serde::{Deserialize, Serialize};

use crate::DriftError;
use crate::ks::names;
use crate::validate::finite_sample;

/// Default number of quantile bins.
pub const DEFAULT_BINS: usize = 10;
/// Default additive smoothing of bin proportions.
pub const DEFAULT_EPSILON: f64 = 1e-4;

/// How the bins are chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Binning {
    /// This many quantile bins of the reference (see the [module documentation](self)).
    Quantiles(usize),
    /// Strictly increasing, finite edges.
    Edges(Vec<f64>),
}

impl Default for Binning {
    fn default() -> Self {
        Self::Quantiles(DEFAULT_BINS)
    }
}

/// The parameters of [`psi`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PsiParams {
    /// How the bins are chosen.
    pub binning: Binning,
    /// Additive smoothing of each bin's proportion for the PSI (must be > 0).
    pub epsilon: f64,
}

impl Default for PsiParams {
    fn default() -> Self {
        Self {
            binning: Binning::default(),
            epsilon: DEFAULT_EPSILON,
        }
    }
}

/// The options of [`psi`] as a user writes them (the Python keywords): `bins` quantile
/// bins, or the given `edges`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PsiOptions {
    /// Quantile bins of the reference (when no `edges` are given).
    pub bins: usize,
    /// Strictly increasing, finite edges.
    pub edges: Option<Vec<f64>>,
    /// Additive smoothing of each bin's proportion.
    pub epsilon: f64,
}

impl Default for PsiOptions {
    fn default() -> Self {
        let PsiParams { binning, epsilon } = PsiParams::default();
        let (bins, edges) = match binning {
            Binning::Quantiles(bins) => (bins, None),
            Binning::Edges(edges) => (DEFAULT_BINS, Some(edges)),
        };
        Self {
            bins,
            edges,
            epsilon,
        }
    }
}

impl From<PsiOptions> for PsiParams {
    fn from(o: PsiOptions) -> Self {
        Self {
            binning: o.edges.map_or(Binning::Quantiles(o.bins), Binning::Edges),
            epsilon: o.epsilon,
        }
    }
}

/// The outcome of [`psi`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PsiResult {
    /// The PSI (same as `psi`).
    pub statistic: f64,
    /// The population stability index, the effect size.
    pub psi: f64,
    /// The Jensen-Shannon distance (natural log) of the raw bin proportions.
    pub js_distance: f64,
    /// There is no p-value: always `None`.
    pub pvalue: Option<f64>,
    /// The bin edges used (interior bins lie between consecutive edges).
    pub edges: Vec<f64>,
    /// Reference counts per bin: underflow, interior bins, overflow.
    pub reference_counts: Vec<u64>,
    /// Current counts per bin, in the same order.
    pub current_counts: Vec<u64>,
    /// Raw reference proportions per bin.
    pub reference_proportions: Vec<f64>,
    /// Raw current proportions per bin.
    pub current_proportions: Vec<f64>,
    /// The smoothing used for the PSI.
    pub epsilon: f64,
}

/// PSI and Jensen-Shannon distance of `current` against `reference` on bins fixed from the
/// reference.
///
/// # Examples
/// ```
/// use mlops_drift::{psi, PsiParams};
/// let training: Vec<f64> = (0..100).map(f64::from).collect();
/// let r = psi(&training, &training, PsiParams::default())?;
/// assert!(r.psi.abs() < 1e-12 && r.js_distance.abs() < 1e-12);
/// let shifted: Vec<f64> = training.iter().map(|v| v + 50.0).collect();
/// assert!(psi(&training, &shifted, PsiParams::default())?.psi > 0.25);
/// # Ok::<(), mlops_drift::DriftError>(())
/// ```
///
/// # Errors
/// [`CoreError::EmptyInput`](mlops_core::CoreError::EmptyInput) /
/// [`CoreError::NotFinite`](mlops_core::CoreError::NotFinite) for a bad sample;
/// [`CoreError::InvalidParameter`](mlops_core::CoreError::InvalidParameter) naming `bins` (zero),
/// `edges` (fewer than two, not finite or not strictly increasing) or `epsilon` (not finite and
/// positive).
pub fn psi(reference: &[f64], current: &[f64], params: PsiParams) -> Result<PsiResult, DriftError> {
    finite_sample(names::REFERENCE, reference)?;
    finite_sample(names::CURRENT, current)?;
    if !(params.epsilon.is_finite() && params.epsilon > 0.0) {
        return Err(DriftError::invalid_parameter(
            "epsilon",
            params.epsilon.to_string(),
            "expected a finite number > 0 (the additive smoothing of bin proportions)",
        ));
    }
    let edges = match &params.binning {
        Binning::Quantiles(k) => quantile_edges(reference, *k)?,
        Binning::Edges(e) => checked_edges(e)?,
    };
    let reference_counts = bin_counts(&edges, reference);
    let current_counts = bin_counts(&edges, current);
    let reference_proportions = proportions(&reference_counts);
    let current_proportions = proportions(&current_counts);
    let psi = psi_of(&reference_proportions, &current_proportions, params.epsilon);
    let js_distance = js_distance(&reference_proportions, &current_proportions);
    Ok(PsiResult {
        statistic: psi,
        psi,
        js_distance,
        pvalue: None,
        edges,
        reference_counts,
        current_counts,
        reference_proportions,
        current_proportions,
        epsilon: params.epsilon,
    })
}

/// Min, type-7 quantiles at `i / k`, max; deduplicated.
fn quantile_edges(reference: &[f64], k: usize) -> Result<Vec<f64>, DriftError> {
    if k == 0 {
        return Err(DriftError::invalid_parameter(
            "bins",
            "0",
            "expected at least one quantile bin",
        ));
    }
    let mut xs = reference.to_vec();
    xs.sort_unstable_by(f64::total_cmp);
    // `reference` is validated non-empty, so every level in [0, 1] has its quantile.
    let mut edges: Vec<f64> = (0..=k)
        .filter_map(|i| quantile_linear(&xs, i as f64 / k as f64))
        .collect();
    edges.dedup();
    Ok(edges)
}

fn checked_edges(edges: &[f64]) -> Result<Vec<f64>, DriftError> {
    let bad = |reason: &str| {
        Err(DriftError::invalid_parameter(
            "edges",
            format!("{edges:?}"),
            reason,
        ))
    };
    if edges.len() < 2 {
        return bad("expected at least two edges");
    }
    if edges.iter().any(|e| !e.is_finite()) {
        return bad("edges must be finite (the overflow bins are added automatically)");
    }
    if edges.windows(2).any(|w| w[0] >= w[1]) {
        return bad("edges must be strictly increasing");
    }
    Ok(edges.to_vec())
}

/// Counts per bin: underflow, `max(B, 1)` interior bins, overflow.
fn bin_counts(edges: &[f64], values: &[f64]) -> Vec<u64> {
    let b = edges.len() - 1;
    let interior = b.max(1);
    let mut counts = vec![0u64; interior + 2];
    let (first, last) = (edges[0], edges[b]);
    for &x in values {
        let slot = if x < first {
            0
        } else if x > last {
            interior + 1
        } else {
            let i = edges.partition_point(|&e| e <= x).saturating_sub(1);
            1 + i.min(interior - 1)
        };
        counts[slot] += 1;
    }
    counts
}

pub(crate) fn proportions(counts: &[u64]) -> Vec<f64> {
    let total: u64 = counts.iter().sum();
    counts.iter().map(|&c| c as f64 / total as f64).collect()
}

/// PSI on proportions smoothed by `(p + eps) / (1 + K eps)`.
pub(crate) fn psi_of(reference: &[f64], current: &[f64], eps: f64) -> f64 {
    let k = reference.len() as f64;
    let norm = 1.0 + k * eps;
    reference
        .iter()
        .zip(current)
        .map(|(&r, &c)| {
            let (r, c) = ((r + eps) / norm, (c + eps) / norm);
            (c - r) * (c / r).ln()
        })
        .sum()
}

/// `scipy.spatial.distance.jensenshannon(p, q)` (natural log) on proportions summing to 1.
pub(crate) fn js_distance(p: &[f64], q: &[f64]) -> f64 {
    let rel_entr = |x: f64, y: f64| if x > 0.0 { x * (x / y).ln() } else { 0.0 };
    let mut left = 0.0;
    let mut right = 0.0;
    for (&a, &b) in p.iter().zip(q) {
        let m = 0.5 * (a + b);
        left += rel_entr(a, m);
        right += rel_entr(b, m);
    }
    (0.5 * (left + right)).max(0.0).sqrt()
}
