//! Isotonic calibration: the non-decreasing step function closest to the labels in
//! weighted least squares (pool-adjacent-violators), interpolated linearly between its
//! steps and clipped outside, as scikit-learn's `IsotonicRegression(out_of_bounds="clip")`.

use serde::{Deserialize, Serialize};

use crate::calibration::{Calibrator, NoParams};
use crate::error::{CoreError, Result};
use crate::input::BinaryTask;
use crate::sorted::SortedCounts;
use crate::state::Checker;

/// A fitted isotonic calibrator.
///
/// # Examples
/// ```
/// use mlops_core::{BinaryTask, calibration::{Calibrator, IsotonicCalibrator}};
/// let task = BinaryTask::new(&[0.1, 0.2, 0.3, 0.4][..], &[0, 1, 0, 1][..])?;
/// let cal = IsotonicCalibrator::fit(&task)?;
/// // 0.2 and 0.3 violate the order and are pooled to 0.5.
/// assert_eq!(cal.transform(&[0.1, 0.25, 0.4, 0.9][..])?, vec![0.0, 0.5, 1.0, 1.0]);
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawIsotonic")]
pub struct IsotonicCalibrator {
    /// Scores where the fitted function changes slope (strictly ascending).
    pub x_thresholds: Vec<f64>,
    /// The fitted values there (non-decreasing probabilities).
    pub y_thresholds: Vec<f64>,
}

/// The serialised form of [`IsotonicCalibrator`], checked on the way in.
#[derive(Deserialize)]
struct RawIsotonic {
    x_thresholds: Vec<f64>,
    y_thresholds: Vec<f64>,
}

impl TryFrom<RawIsotonic> for IsotonicCalibrator {
    type Error = CoreError;

    fn try_from(r: RawIsotonic) -> Result<Self> {
        let c = Self {
            x_thresholds: r.x_thresholds,
            y_thresholds: r.y_thresholds,
        };
        c.check()?;
        Ok(c)
    }
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
}

impl Calibrator for IsotonicCalibrator {
    const NAME: &'static str = "IsotonicCalibrator";
    type Params = NoParams;

    /// [`IsotonicCalibrator::fit`]: the method has no parameters.
    fn fit(task: &BinaryTask<'_>, _params: &NoParams) -> Result<Self> {
        IsotonicCalibrator::fit(task)
    }

    fn params(&self) -> NoParams {
        NoParams {}
    }

    /// Checks what [`IsotonicCalibrator::transform`] relies on: at least one threshold,
    /// `x_thresholds` finite and strictly ascending, `y_thresholds` as many, probabilities,
    /// and non-decreasing (a fitted calibrator always passes; one built by hand or read from
    /// edited JSON may not).
    ///
    /// # Errors
    /// [`CoreError::InvalidState`] naming the first offending field and index.
    fn check(&self) -> Result<()> {
        let c = Checker::new(Self::NAME);
        let (xs, ys) = (&self.x_thresholds, &self.y_thresholds);
        c.ensure(!xs.is_empty(), "x_thresholds", || {
            "is empty; a fitted calibrator has at least one threshold".to_owned()
        })?;
        c.same_len("y_thresholds", ys.len(), "x_thresholds", xs.len())?;
        c.all_finite("x_thresholds", xs)?;
        c.ascending("x_thresholds", xs, true)?;
        c.all_within("y_thresholds", ys, 0.0, 1.0)?;
        c.ascending("y_thresholds", ys, false)
    }

    /// Reads a calibrator written as JSON (by serde), checked with
    /// [`IsotonicCalibrator::check`].
    ///
    /// # Errors
    /// [`CoreError::InvalidState`] for malformed JSON or a calibrator that fails its check.
    fn from_json(text: &str) -> Result<Self> {
        crate::state::from_json::<RawIsotonic, _, _>(Self::NAME, text)
    }

    /// Calibrated probabilities: linear interpolation between the thresholds, clipped to
    /// the first and last value outside them.
    ///
    /// # Errors
    /// [`CoreError::NotFinite`] for a NaN or infinite score; [`CoreError::InvalidState`]
    /// for a calibrator that fails [`IsotonicCalibrator::check`].
    fn transform<'a>(&self, scores: impl Into<ndarray::ArrayView1<'a, f64>>) -> Result<Vec<f64>> {
        let scores = scores.into();
        crate::input::check_finite(crate::input::names::Y_SCORE, &scores)?;
        self.check()?;
        let (xs, ys) = (&self.x_thresholds, &self.y_thresholds);
        let (Some(&first), Some(&last), Some(&x_first), Some(&x_last)) =
            (ys.first(), ys.last(), xs.first(), xs.last())
        else {
            return Err(CoreError::undefined(
                "isotonic calibration",
                "the calibrator has no thresholds",
            ));
        };
        Ok(scores
            .iter()
            .map(|&s| {
                if s <= x_first {
                    return first;
                }
                if s >= x_last {
                    return last;
                }
                let j = xs.partition_point(|&x| x <= s);
                let (x0, x1, y0, y1) = (xs[j - 1], xs[j], ys[j - 1], ys[j]);
                // `x1 - x0` overflows for thresholds near both ends of the f64 range;
                // halved, the fraction is the same and finite.
                let mut t = (s - x0) / (x1 - x0);
                if !t.is_finite() {
                    t = (0.5 * s - 0.5 * x0) / (0.5 * x1 - 0.5 * x0);
                }
                (y0 + (y1 - y0) * t).clamp(y0, y1)
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
