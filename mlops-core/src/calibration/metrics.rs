//! Calibration metrics, with the bin rules stated and matching scikit-learn where it has
//! the metric.

use serde::{Deserialize, Serialize};

use crate::calibration::check_probabilities;
use crate::error::Result;
use crate::input::BinaryTask;

/// Mean squared difference between probability and outcome, weighted:
/// `sum w (p - y)^2 / sum w` (scikit-learn's `brier_score_loss` for binary labels).
///
/// # Errors
/// [`CoreError::OutOfRange`](crate::CoreError::OutOfRange) for a score outside `[0, 1]`.
///
/// # Examples
/// ```
/// use mlops_core::{BinaryTask, calibration::brier_score};
/// let task = BinaryTask::new(&[0.9, 0.2, 0.6][..], &[1, 0, 0][..])?;
/// assert!((brier_score(&task)? - (0.01 + 0.04 + 0.36) / 3.0).abs() < 1e-15);
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
pub fn brier_score(task: &BinaryTask<'_>) -> Result<f64> {
    check_probabilities(task)?;
    let (mut num, mut den) = (0.0, 0.0);
    for (p, y, w) in task.rows() {
        let d = p - f64::from(u8::from(y));
        num += w * d * d;
        den += w;
    }
    Ok(num / den)
}

/// Weighted mean negative log-likelihood of the labels,
/// `-sum w (y ln p + (1 - y) ln(1 - p)) / sum w`.
///
/// A probability of exactly 0 for an event that happened has an infinite loss; as
/// scikit-learn does, probabilities are clipped to `[eps, 1 - eps]` with `eps` the `f64`
/// machine epsilon, so such a row costs `-ln(eps)` (about 36) instead.
///
/// # Errors
/// [`CoreError::OutOfRange`](crate::CoreError::OutOfRange) for a score outside `[0, 1]`.
pub fn log_loss(task: &BinaryTask<'_>) -> Result<f64> {
    check_probabilities(task)?;
    let eps = f64::EPSILON;
    // Each row's loss is at most -ln(eps) < 64: summed as a 64th, a total weight up to
    // `MAX_TOTAL_WEIGHT` cannot overflow; the power of two leaves every bit of the mean.
    const SHARE: f64 = 1.0 / 64.0;
    let (mut num, mut den) = (0.0, 0.0);
    for (p, y, w) in task.rows() {
        let p = p.clamp(eps, 1.0 - eps);
        num -= w * (SHARE * if y { p.ln() } else { (-p).ln_1p() });
        den += w;
    }
    Ok(num / den / SHARE)
}

/// How reliability bins are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BinStrategy {
    /// Equal-width bins on `[0, 1]`.
    Uniform,
    /// Equal-mass bins at the quantiles of the scores.
    Quantile,
}

/// One bin of a reliability curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// Lower edge (exclusive, except for the first bin).
    pub low: f64,
    /// Upper edge (inclusive).
    pub high: f64,
    /// Rows in the bin (weighted).
    pub weight: f64,
    /// Mean predicted probability.
    pub mean_predicted: f64,
    /// Observed frequency of the event.
    pub fraction_positive: f64,
}

/// A reliability curve: the non-empty bins, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityCurve {
    /// The bin layout.
    pub strategy: BinStrategy,
    /// The number of bins asked for (empty ones are left out of `bins`).
    pub n_bins: usize,
    /// The non-empty bins.
    pub bins: Vec<CalibrationBin>,
}

/// Bin edges exactly as scikit-learn's `calibration_curve` computes them (numpy's
/// `linspace` and `percentile`), so that the curves agree to the bit.
fn edges(sorted: &[f64], n_bins: usize, strategy: BinStrategy) -> Vec<f64> {
    let step = 1.0 / n_bins as f64;
    let mut e: Vec<f64> = (0..=n_bins).map(|i| i as f64 * step).collect();
    e[n_bins] = 1.0;
    if strategy == BinStrategy::Quantile {
        let n = sorted.len();
        e = e
            .iter()
            .map(|&q| {
                // numpy: percentile(q * 100) divides by 100 again; virtual index
                // (n - 1) * q; linear interpolation by `_lerp`.
                let q = (q * 100.0) / 100.0;
                let virtual_index = (n - 1) as f64 * q;
                if virtual_index >= (n - 1) as f64 {
                    return sorted[n - 1];
                }
                let lower = virtual_index.floor();
                let gamma = virtual_index - lower;
                let (a, b) = (sorted[lower as usize], sorted[lower as usize + 1]);
                let diff = b - a;
                if gamma >= 0.5 {
                    b - diff * (1.0 - gamma)
                } else {
                    a + diff * gamma
                }
            })
            .collect();
    }
    e
}

/// The `n_bins + 1` bin edges of `scores` for `strategy`, as [`reliability_curve`] uses
/// them (scikit-learn's `calibration_curve` edges). `n_bins` must be at least 1 and
/// `scores` non-empty.
pub(crate) fn bin_edges(
    scores: &ndarray::ArrayView1<'_, f64>,
    n_bins: usize,
    strategy: BinStrategy,
) -> Vec<f64> {
    let sorted: Vec<f64> = if strategy == BinStrategy::Quantile {
        // `+ 0.0` turns -0.0 into 0.0, so the radix sort orders it as numpy does.
        let mut s: Vec<f64> = scores.iter().map(|&p| p + 0.0).collect();
        crate::radix::sort_desc(&mut s);
        s.reverse();
        s
    } else {
        Vec::new()
    };
    edges(&sorted, n_bins, strategy)
}

/// The bin of `p` among the edges `e` (right-closed bins, the first closed on both sides):
/// `numpy.searchsorted(e[1..n_bins], p, side="left")`. Values beyond the outer edges fall
/// into the first or last bin.
#[inline]
pub(crate) fn bin_index(e: &[f64], p: f64) -> usize {
    let inner = &e[1..e.len() - 1];
    inner.partition_point(|&edge| edge < p)
}

/// The reliability curve of probabilities against outcomes, with scikit-learn's
/// `calibration_curve` bin rule: bins are right-closed, `(low, high]`, the first also
/// holding its lower edge; a score equal to an inner edge falls in the lower bin.
/// Quantile edges are numpy's linear percentiles of the scores. Weights, when given,
/// weight the means (scikit-learn's function has none).
///
/// # Errors
/// [`CoreError::OutOfRange`](crate::CoreError::OutOfRange) for a score outside `[0, 1]`;
/// [`CoreError::InvalidParameter`](crate::CoreError::InvalidParameter) for `n_bins` outside `1..=MAX_BINS`.
pub fn reliability_curve(
    task: &BinaryTask<'_>,
    n_bins: usize,
    strategy: BinStrategy,
) -> Result<ReliabilityCurve> {
    check_probabilities(task)?;
    crate::calibration::check_bins("n_bins", n_bins, 1)?;
    let e = bin_edges(task.scores(), n_bins, strategy);
    let inner = &e[1..n_bins];
    let mut sum_p = vec![0.0; n_bins];
    let mut sum_y = vec![0.0; n_bins];
    let mut sum_w = vec![0.0; n_bins];
    for (p, y, w) in task.rows() {
        // numpy.searchsorted(inner, p, side="left"): the count of inner edges below p.
        let b = inner.partition_point(|&edge| edge < p);
        sum_p[b] += w * p;
        sum_y[b] += w * f64::from(u8::from(y));
        sum_w[b] += w;
    }
    let bins = (0..n_bins)
        .filter(|&b| sum_w[b] > 0.0)
        .map(|b| CalibrationBin {
            low: e[b],
            high: e[b + 1],
            weight: sum_w[b],
            mean_predicted: sum_p[b] / sum_w[b],
            fraction_positive: sum_y[b] / sum_w[b],
        })
        .collect();
    Ok(ReliabilityCurve {
        strategy,
        n_bins,
        bins,
    })
}

/// Expected and maximum calibration error over a reliability curve's bins:
/// ECE = `sum_b (w_b / W) |fraction_b - mean_predicted_b|`, MCE = `max_b |...|`.
///
/// The bin rule is [`reliability_curve`]'s: `Uniform` gives the equal-width ECE (Naeini
/// et al. 2015), `Quantile` the equal-mass one.
pub fn calibration_error(curve: &ReliabilityCurve) -> (f64, f64) {
    let total: f64 = curve.bins.iter().map(|b| b.weight).sum();
    curve.bins.iter().fold((0.0, 0.0f64), |(ece, mce), b| {
        let gap = (b.fraction_positive - b.mean_predicted).abs();
        (ece + b.weight / total * gap, mce.max(gap))
    })
}

/// Weighted sums per bin: `(sum w, sum w y, sum w p)`, with the bins of `edges`.
pub(crate) struct BinSums {
    pub(crate) weight: Vec<f64>,
    pub(crate) events: Vec<f64>,
    pub(crate) predicted: Vec<f64>,
}

pub(crate) fn bin_sums(task: &BinaryTask<'_>, edges: &[f64]) -> BinSums {
    let n_bins = edges.len() - 1;
    let mut sums = BinSums {
        weight: vec![0.0; n_bins],
        events: vec![0.0; n_bins],
        predicted: vec![0.0; n_bins],
    };
    for (p, y, w) in task.rows() {
        let b = bin_index(edges, p);
        sums.weight[b] += w;
        sums.events[b] += w * f64::from(u8::from(y));
        sums.predicted[b] += w * p;
    }
    sums
}

/// The debiased estimate of the squared L2 calibration error of Kumar, Liang & Ma (2019,
/// "Verified Uncertainty Calibration", NeurIPS, section 5):
/// `sum_b (n_b / n) [(ybar_b - pbar_b)^2 - ybar_b (1 - ybar_b) / (n_b - 1)]`, over the bins
/// of [`reliability_curve`] with `n_bins` and `strategy`.
///
/// The plug-in `(ybar_b - pbar_b)^2` overestimates the squared gap by the variance of
/// `ybar_b`; the second term removes it, so the estimate is unbiased within each bin and
/// can be negative when the model is well calibrated (it is returned as it is, not clipped;
/// Kumar et al.'s `unbiased_l2_ce` reports `sqrt(max(estimate, 0))`).
///
/// Weights enter as frequency weights: `n_b = sum w` over the bin (an integer weight
/// counts as that many repeated rows). As in the authors' reference implementation
/// (`uncertainty-calibration`, `unbiased_square_ce`), a bin with `n_b <= 1` has no variance
/// estimate and contributes 0 (its weight still counts in `n`); when no bin has
/// `n_b > 1` the estimate is undefined.
///
/// # Errors
/// [`CoreError::OutOfRange`](crate::CoreError::OutOfRange) for a score outside `[0, 1]`;
/// [`CoreError::UndefinedMetric`](crate::CoreError::UndefinedMetric) when no bin holds a
/// weight above 1;
/// [`CoreError::InvalidParameter`](crate::CoreError::InvalidParameter) for `n_bins` outside `1..=MAX_BINS`.
///
/// # Examples
/// ```
/// use mlops_core::{BinaryTask, calibration::{BinStrategy, debiased_squared_calibration_error}};
/// let task = BinaryTask::new(&[0.2, 0.2, 0.8, 0.8][..], &[0, 1, 1, 1][..])?;
/// let sq = debiased_squared_calibration_error(&task, 2, BinStrategy::Uniform)?;
/// // Bin 1: (0.5 - 0.2)^2 - 0.25 / 1 = -0.16; bin 2: (1 - 0.8)^2 - 0 = 0.04.
/// assert!((sq - 0.5 * (-0.16 + 0.04)).abs() < 1e-15);
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
pub fn debiased_squared_calibration_error(
    task: &BinaryTask<'_>,
    n_bins: usize,
    strategy: BinStrategy,
) -> Result<f64> {
    check_probabilities(task)?;
    crate::calibration::check_bins("n_bins", n_bins, 1)?;
    let edges = bin_edges(task.scores(), n_bins, strategy);
    let sums = bin_sums(task, &edges);
    let total: f64 = sums.weight.iter().sum();
    let mut estimate = 0.0;
    let mut any_defined = false;
    for b in 0..n_bins {
        let n_b = sums.weight[b];
        if n_b <= 1.0 {
            continue;
        }
        any_defined = true;
        let ybar = sums.events[b] / n_b;
        let pbar = sums.predicted[b] / n_b;
        let gap = ybar - pbar;
        estimate += n_b / total * (gap * gap - ybar * (1.0 - ybar) / (n_b - 1.0));
    }
    if !any_defined {
        return Err(crate::CoreError::undefined(
            "the debiased calibration error",
            "no bin holds more than one row (by weight), so no bin has a variance \
             estimate; use fewer bins or more rows",
        ));
    }
    Ok(estimate)
}
