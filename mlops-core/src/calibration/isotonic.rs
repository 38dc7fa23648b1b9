//! Isotonic calibration: the non-decreasing step function closest to the labels in
//! weighted least squares (pool-adjacent-violators), interpolated linearly between its
//! steps and clipped outside, as scikit-learn's `IsotonicRegression(out_of_bounds="clip")`.

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::input::BinaryTask;
use crate::sorted::SortedCounts;

/// A fitted isotonic calibrator.
///
/// # Examples
/// ```
/// use mlops_core::{BinaryTask, calibration::IsotonicCalibrator};
/// let task = BinaryTask::new(&[0.1, 0.2, 0.3, 0.4][..], &[0, 1, 0, 1][..])?;
/// let cal = IsotonicCalibrator::fit(&task)?;
/// // 0.2 and 0.3 violate the order and are pooled to 0.5.
/// assert_eq!(cal.transform(&[0.1, 0.25, 0.4, 0.9][..])?, vec![0.0, 0.5, 1.0, 1.0]);
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IsotonicCalibrator {
    /// Scores where the fitted function changes slope (ascending).
    pub x_thresholds: Vec<f64>,
    /// The fitted values there.
    pub y_thresholds: Vec<f64>,
}

impl IsotonicCalibrator {
    /// Fits on scores and labels (and weights, when the task has them). Ties in the scores
    /// are merged first into their weighted mean label, as scikit-learn does.
    ///
    /// # Errors
    /// Only those of a checked task; a task always has a row of positive weight.
    pub fn fit(task: &BinaryTask<'_>) -> Result<Self> {
        let counts = SortedCounts::new(task);
        // Blocks come descending; PAV runs on ascending scores.
        let x: Vec<f64> = counts.thresholds().iter().rev().copied().collect();
        let mut y: Vec<f64> = Vec::with_capacity(x.len());
        let mut w: Vec<f64> = Vec::with_capacity(x.len());
        for (&bp, &bn) in counts.block_pos().iter().zip(counts.block_neg()).rev() {
            y.push(bp / (bp + bn));
            w.push(bp + bn);
        }
        let fitted = pool_adjacent_violators(&y, &w);
        // Keep the first and last point of every constant run: the rest add nothing to the
        // interpolation.
        let n = x.len();
        let keep = |i: usize| {
            i == 0 || i + 1 == n || fitted[i] != fitted[i - 1] || fitted[i] != fitted[i + 1]
        };
        let (x_thresholds, y_thresholds) = (0..n)
            .filter(|&i| keep(i))
            .map(|i| (x[i], fitted[i]))
            .unzip();
        Ok(Self {
            x_thresholds,
            y_thresholds,
        })
    }

    /// Calibrated probabilities: linear interpolation between the thresholds, clipped to
    /// the first and last value outside them.
    ///
    /// # Errors
    /// [`CoreError::NotFinite`] for a NaN or infinite score.
    pub fn transform<'a>(
        &self,
        scores: impl Into<ndarray::ArrayView1<'a, f64>>,
    ) -> Result<Vec<f64>> {
        let scores = scores.into();
        crate::input::check_finite(crate::input::names::Y_SCORE, &scores)?;
        let (xs, ys) = (&self.x_thresholds, &self.y_thresholds);
        let (Some(&first), Some(&last)) = (ys.first(), ys.last()) else {
            return Err(CoreError::undefined(
                "isotonic calibration",
                "the calibrator has no thresholds",
            ));
        };
        Ok(scores
            .iter()
            .map(|&s| {
                if s <= xs[0] {
                    return first;
                }
                if s >= xs[xs.len() - 1] {
                    return last;
                }
                let j = xs.partition_point(|&x| x <= s);
                let (x0, x1, y0, y1) = (xs[j - 1], xs[j], ys[j - 1], ys[j]);
                y0 + (y1 - y0) * (s - x0) / (x1 - x0)
            })
            .collect())
    }
}

/// Weighted pool-adjacent-violators for a non-decreasing fit: blocks are merged while a
/// block's mean is not below the next one's, each merge backtracking, so it is one pass.
fn pool_adjacent_violators(y: &[f64], w: &[f64]) -> Vec<f64> {
    // Each block: (weighted sum, weight, number of points).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::with_capacity(y.len());
    for (&yi, &wi) in y.iter().zip(w) {
        blocks.push((wi * yi, wi, 1));
        while blocks.len() >= 2 {
            let (s1, w1, n1) = blocks[blocks.len() - 1];
            let (s0, w0, n0) = blocks[blocks.len() - 2];
            if s0 / w0 < s1 / w1 {
                break;
            }
            blocks.pop();
            let last = blocks.len() - 1;
            blocks[last] = (s0 + s1, w0 + w1, n0 + n1);
        }
    }
    let mut out = Vec::with_capacity(y.len());
    for (s, wsum, n) in blocks {
        out.extend(std::iter::repeat_n(s / wsum, n));
    }
    out
}
