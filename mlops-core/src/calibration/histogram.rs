//! Histogram binning (Zadrozny & Elkan 2001): the scores are cut into bins and every bin
//! maps to the weighted mean label of its training rows.

use serde::{Deserialize, Serialize};

use crate::calibration::metrics::{BinStrategy, bin_edges, bin_index};
use crate::calibration::{Calibrator, check_probabilities};
use crate::error::{CoreError, Result};
use crate::input::BinaryTask;
use crate::state::Checker;

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
/// use mlops_core::calibration::Calibrator; // transform
/// let cal = HistogramCalibrator::fit(&task, 2, BinStrategy::Uniform)?;
/// // (0, 0.5] holds 0.1, 0.2, 0.3 (one event in three), (0.5, 1] holds 0.8 and 0.9.
/// assert_eq!(cal.transform(&[0.0, 0.4, 0.6, 1.5][..])?, vec![1.0 / 3.0, 1.0 / 3.0, 1.0, 1.0]);
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawHistogram")]
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

/// The serialised form of [`HistogramCalibrator`], checked on the way in.
#[derive(Deserialize)]
struct RawHistogram {
    strategy: BinStrategy,
    edges: Vec<f64>,
    values: Vec<f64>,
    bin_weight: Vec<f64>,
}

impl TryFrom<RawHistogram> for HistogramCalibrator {
    type Error = CoreError;

    fn try_from(r: RawHistogram) -> Result<Self> {
        let c = Self {
            strategy: r.strategy,
            edges: r.edges,
            values: r.values,
            bin_weight: r.bin_weight,
        };
        c.check()?;
        Ok(c)
    }
}

/// Checked parameters of a [`HistogramCalibrator`] fit: `n_bins` bins laid out by
/// `strategy`; by default 10 uniform bins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawHistogramParams")]
pub struct HistogramParams {
    /// The number of bins, `1..=MAX_BINS`.
    pub n_bins: usize,
    /// How the edges are laid out.
    pub strategy: BinStrategy,
}

impl HistogramParams {
    /// Checks the parameters.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] for `n_bins` outside `1..=MAX_BINS`.
    pub fn new(n_bins: usize, strategy: BinStrategy) -> Result<Self> {
        crate::calibration::check_bins("n_bins", n_bins, 1)?;
        Ok(Self { n_bins, strategy })
    }
}

impl Default for HistogramParams {
    /// Ten equal-width bins on `[0, 1]`.
    fn default() -> Self {
        Self {
            n_bins: 10,
            strategy: BinStrategy::Uniform,
        }
    }
}

/// The serialised form of [`HistogramParams`]: missing fields take their defaults, and
/// the values are checked.
#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawHistogramParams {
    n_bins: usize,
    strategy: BinStrategy,
}

impl Default for RawHistogramParams {
    fn default() -> Self {
        let HistogramParams { n_bins, strategy } = HistogramParams::default();
        Self { n_bins, strategy }
    }
}

impl TryFrom<RawHistogramParams> for HistogramParams {
    type Error = CoreError;

    fn try_from(r: RawHistogramParams) -> Result<Self> {
        Self::new(r.n_bins, r.strategy)
    }
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

    /// Number of bins.
    pub fn n_bins(&self) -> usize {
        self.values.len()
    }
}

impl Calibrator for HistogramCalibrator {
    const NAME: &'static str = "HistogramCalibrator";
    type Params = HistogramParams;

    /// [`HistogramCalibrator::fit`] with `params.n_bins` and `params.strategy`.
    fn fit(task: &BinaryTask<'_>, params: &HistogramParams) -> Result<Self> {
        HistogramCalibrator::fit(task, params.n_bins, params.strategy)
    }

    fn params(&self) -> HistogramParams {
        HistogramParams {
            n_bins: self.n_bins(),
            strategy: self.strategy,
        }
    }

    /// Checks what [`HistogramCalibrator::transform`] relies on, and what a fit produces:
    /// `1..=MAX_BINS` values, all probabilities; `n_bins + 1` finite edges in ascending
    /// order (from 0 to 1 for `Uniform` bins); one finite, non-negative training weight per
    /// bin, some of them positive (a fitted calibrator always passes; one built by hand or
    /// read from edited JSON may not).
    ///
    /// # Errors
    /// [`CoreError::InvalidState`] naming the first offending field and index.
    fn check(&self) -> Result<()> {
        let c = Checker::new(Self::NAME);
        let n = self.values.len();
        c.ensure(
            (1..=crate::calibration::MAX_BINS).contains(&n),
            "values",
            || {
                format!(
                    "has {n} bins; a calibrator has between 1 and {}",
                    crate::calibration::MAX_BINS
                )
            },
        )?;
        c.same_len("edges", self.edges.len(), "values + 1", n + 1)?;
        c.same_len("bin_weight", self.bin_weight.len(), "values", n)?;
        c.all_finite("edges", &self.edges)?;
        c.ascending("edges", &self.edges, false)?;
        if self.strategy == BinStrategy::Uniform {
            c.ensure(
                self.edges[0] == 0.0 && self.edges[n] == 1.0,
                "edges",
                || {
                    format!(
                        "run from {} to {}; uniform bins run from 0 to 1",
                        self.edges[0], self.edges[n]
                    )
                },
            )?;
        }
        c.all_within("values", &self.values, 0.0, 1.0)?;
        c.all_within("bin_weight", &self.bin_weight, 0.0, f64::MAX)?;
        c.ensure(
            self.bin_weight.iter().any(|&w| w > 0.0),
            "bin_weight",
            || "is zero in every bin; a fitted calibrator has a training row somewhere".to_owned(),
        )
    }

    /// Reads a calibrator written as JSON (by serde), checked with
    /// [`HistogramCalibrator::check`].
    ///
    /// # Errors
    /// [`CoreError::InvalidState`] for malformed JSON or a calibrator that fails its check.
    fn from_json(text: &str) -> Result<Self> {
        crate::state::from_json::<RawHistogram, _, _>(Self::NAME, text)
    }

    /// Calibrated probabilities: the value of each score's bin.
    ///
    /// # Errors
    /// [`CoreError::NotFinite`] for a NaN or infinite score;
    /// [`CoreError::InvalidState`] for a calibrator that fails
    /// [`HistogramCalibrator::check`].
    fn transform<'a>(&self, scores: impl Into<ndarray::ArrayView1<'a, f64>>) -> Result<Vec<f64>> {
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
