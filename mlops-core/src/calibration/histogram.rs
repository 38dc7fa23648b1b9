//! Histogram binning (Zadrozny & Elkan 2001): the scores are cut into bins and every bin
//! maps to the weighted mean label of its training rows.

use serde::{Deserialize, Serialize};

use crate::calibration::check_probabilities;
use crate::calibration::metrics::{BinStrategy, bin_edges, bin_index};
use crate::error::{CoreError, Result};
use crate::input::BinaryTask;

/// A fitted histogram-binning calibrator.
///
/// Bins follow [`crate::calibration::reliability_curve`]'s rule (scikit-learn's
/// `calibration_curve`): right-closed `(low, high]`, the first bin also holding its lower
/// edge; `Uniform` edges are equal-width on `[0, 1]` (the training scores must then be
/// probabilities), `Quantile` edges are numpy's linear percentiles of the training scores
/// (unweighted; any finite scores).
///
/// - **Value of a bin**: `sum w y / sum w` over the training rows in it.
/// - **Empty bin** (no training row of positive weight): the value of the nearest non-empty
///   bin by bin index; halfway between two, the mean of the two. The map stays
///   non-decreasing wherever the non-empty bins are.
/// - **Out of range**: a score below the first edge gets the first bin's value, one above
///   the last edge the last bin's (clipped), as a score on the edge does.
///
/// # Examples
/// ```
/// use mlops_core::{BinaryTask, calibration::{BinStrategy, HistogramCalibrator}};
/// let task = BinaryTask::new(&[0.1, 0.2, 0.3, 0.8, 0.9][..], &[0, 0, 1, 1, 1][..])?;
/// let cal = HistogramCalibrator::fit(&task, 2, BinStrategy::Uniform)?;
/// // (0, 0.5] holds 0.1, 0.2, 0.3 (one event in three), (0.5, 1] holds 0.8 and 0.9.
/// assert_eq!(cal.transform(&[0.0, 0.4, 0.6, 1.5][..])?, vec![1.0 / 3.0, 1.0 / 3.0, 1.0, 1.0]);
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistogramCalibrator {
    /// How the edges were laid out.
    pub strategy: BinStrategy,
    /// The `n_bins + 1` bin edges, ascending.
    pub edges: Vec<f64>,
    /// The calibrated probability of each bin.
    pub values: Vec<f64>,
    /// The training weight in each bin (0 for an empty bin, whose value is borrowed).
    pub bin_weight: Vec<f64>,
}

impl HistogramCalibrator {
    /// Fits `n_bins` bins on scores and labels (and weights, when the task has them).
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] for `n_bins` outside `1..=MAX_BINS`; [`CoreError::OutOfRange`] for a
    /// score outside `[0, 1]` with `Uniform` bins.
    pub fn fit(task: &BinaryTask<'_>, n_bins: usize, strategy: BinStrategy) -> Result<Self> {
        crate::calibration::check_bins("n_bins", n_bins, 1)?;
        if strategy == BinStrategy::Uniform {
            check_probabilities(task)?;
        }
        let edges = bin_edges(task.scores(), n_bins, strategy);
        let mut sum_y = vec![0.0; n_bins];
        let mut sum_w = vec![0.0; n_bins];
        for (s, y, w) in task.rows() {
            let b = bin_index(&edges, s);
            sum_y[b] += w * f64::from(u8::from(y));
            sum_w[b] += w;
        }
        let own: Vec<Option<f64>> = (0..n_bins)
            .map(|b| (sum_w[b] > 0.0).then(|| sum_y[b] / sum_w[b]))
            .collect();
        let values = fill_empty(&own)?;
        Ok(Self {
            strategy,
            edges,
            values,
            bin_weight: sum_w,
        })
    }

    /// Checks that the edges and values fit together: `n_bins >= 1` values, `n_bins + 1`
    /// edges in ascending order (a fitted calibrator always passes; one read from edited
    /// JSON may not).
    ///
    /// # Errors
    /// [`CoreError::UndefinedMetric`] saying what does not fit.
    pub fn check(&self) -> Result<()> {
        let shaped = !self.values.is_empty() && self.edges.len() == self.values.len() + 1;
        let sorted = self.edges.windows(2).all(|w| w[0] <= w[1]);
        if shaped && sorted {
            Ok(())
        } else {
            Err(CoreError::undefined(
                "histogram calibration",
                "the calibrator needs n_bins >= 1 values and n_bins + 1 ascending edges",
            ))
        }
    }

    /// Number of bins.
    pub fn n_bins(&self) -> usize {
        self.values.len()
    }

    /// Calibrated probabilities: the value of each score's bin.
    ///
    /// # Errors
    /// [`CoreError::NotFinite`] for a NaN or infinite score;
    /// [`CoreError::UndefinedMetric`] for a calibrator whose edges and values do not fit
    /// together (see [`HistogramCalibrator::check`]).
    pub fn transform<'a>(
        &self,
        scores: impl Into<ndarray::ArrayView1<'a, f64>>,
    ) -> Result<Vec<f64>> {
        let scores = scores.into();
        crate::input::check_finite(crate::input::names::Y_SCORE, &scores)?;
        self.check()?;
        Ok(scores
            .iter()
            .map(|&s| self.values[bin_index(&self.edges, s)])
            .collect())
    }
}

/// Gives every empty bin the value of its nearest non-empty bin (by index; the mean of the
/// two at a tie).
fn fill_empty(own: &[Option<f64>]) -> Result<Vec<f64>> {
    let n = own.len();
    // Nearest non-empty bin at or below / at or above each bin.
    let mut below: Vec<Option<usize>> = vec![None; n];
    let mut last = None;
    for b in 0..n {
        if own[b].is_some() {
            last = Some(b);
        }
        below[b] = last;
    }
    let mut above: Vec<Option<usize>> = vec![None; n];
    let mut next = None;
    for b in (0..n).rev() {
        if own[b].is_some() {
            next = Some(b);
        }
        above[b] = next;
    }
    let value = |i: usize| own[i].unwrap_or(f64::NAN);
    (0..n)
        .map(|b| match (below[b], above[b]) {
            (Some(l), Some(r)) => Ok(match (b - l).cmp(&(r - b)) {
                std::cmp::Ordering::Less => value(l),
                std::cmp::Ordering::Greater => value(r),
                std::cmp::Ordering::Equal => 0.5 * (value(l) + value(r)),
            }),
            (Some(l), None) => Ok(value(l)),
            (None, Some(r)) => Ok(value(r)),
            // A checked task has a row of positive weight, so some bin is non-empty.
            (None, None) => Err(CoreError::undefined(
                "histogram calibration",
                "no bin has a training row of positive weight",
            )),
        })
        .collect()
}
