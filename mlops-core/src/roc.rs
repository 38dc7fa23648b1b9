//! ROC and precision-recall curves, ROC AUC and average precision, all read off
//! [`SortedCounts`].

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::input::BinaryTask;
use crate::sorted::SortedCounts;

/// A ROC curve: one point per distinct score, ties grouped, as scikit-learn's `roc_curve`
/// with `drop_intermediate=False` ([`SortedCounts::roc_curve`]), or without the points it
/// drops with `drop_intermediate=True` ([`SortedCounts::roc_curve_dropping_intermediate`]).
///
/// Point 0 is `(0, 0)` at threshold `+inf` (nothing predicted positive); point `i > 0` is the
/// rule `score >= thresholds[i]`; the last point is `(1, 1)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RocCurve {
    /// False-positive rate of each point.
    pub fpr: Vec<f64>,
    /// True-positive rate of each point.
    pub tpr: Vec<f64>,
    /// Threshold of each point, descending; the first is `+inf`.
    pub thresholds: Vec<f64>,
}

/// A precision-recall curve in scikit-learn's layout: `thresholds` ascending over the
/// distinct scores, `precision` and `recall` one longer, ending at precision 1, recall 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrCurve {
    /// Precision at each threshold, then 1.
    pub precision: Vec<f64>,
    /// Recall at each threshold, then 0.
    pub recall: Vec<f64>,
    /// Distinct scores, ascending.
    pub thresholds: Vec<f64>,
}

fn need_both_classes(counts: &SortedCounts, metric: &str) -> Result<()> {
    if counts.total_pos() <= 0.0 {
        return Err(CoreError::undefined(
            metric,
            "y_true has no positive rows with non-zero weight (only one class present)",
        ));
    }
    if counts.total_neg() <= 0.0 {
        return Err(CoreError::undefined(
            metric,
            "y_true has no negative rows with non-zero weight (only one class present)",
        ));
    }
    Ok(())
}

/// Total positive and negative weight, as compensated sums of the block weights.
fn class_totals(counts: &SortedCounts) -> (f64, f64) {
    let (mut p, mut n) = (Sum::default(), Sum::default());
    for (&bp, &bn) in counts.block_pos().iter().zip(counts.block_neg()) {
        p.add(bp);
        n.add(bn);
    }
    (p.value(), n.value())
}

/// Neumaier-compensated sum, so long sweeps do not drift.
#[derive(Default)]
struct Sum {
    s: f64,
    c: f64,
}

impl Sum {
    #[inline]
    fn add(&mut self, x: f64) {
        let t = self.s + x;
        if self.s.abs() >= x.abs() {
            self.c += (self.s - t) + x;
        } else {
            self.c += (x - t) + self.s;
        }
        self.s = t;
    }
    fn value(&self) -> f64 {
        self.s + self.c
    }
}

impl SortedCounts {
    /// The ROC curve.
    ///
    /// # Errors
    /// [`CoreError::UndefinedMetric`] when only one class has weight.
    pub fn roc_curve(&self) -> Result<RocCurve> {
        self.roc_points(|_| true)
    }

    /// The ROC curve without its intermediate points, as scikit-learn's `roc_curve` with
    /// `drop_intermediate=True` (its default): with three or more distinct scores, the
    /// point of a score other than the highest and the lowest is dropped when the step into
    /// it equals the step out of it, in both weighted positives and weighted negatives
    /// (scikit-learn's zero second differences of the cumulative counts). Such a point lies
    /// on the segment joining its neighbours, so the curve and its area are unchanged.
    /// Steps that are proportional but not equal (a collinear corner) are kept, as
    /// scikit-learn keeps them.
    ///
    /// The steps are compared exactly. Unweighted, or with integer weights, every sum is
    /// exact and the points equal scikit-learn's; with fractional weights scikit-learn
    /// decides on its rounded running sums, so a point collinear only up to rounding may be
    /// kept by one and dropped by the other (it lies on the curve either way).
    ///
    /// # Errors
    /// [`CoreError::UndefinedMetric`] when only one class has weight.
    ///
    /// # Examples
    /// ```
    /// use mlops_core::{BinaryTask, SortedCounts};
    /// // Steps (tp, fp) down the scores: (1, 0), (1, 0), (1, 0), (0, 1), (0, 1): the
    /// // points at 0.8 and 0.6 are in the middle of straight runs.
    /// let scores = [0.9, 0.8, 0.7, 0.6, 0.5];
    /// let task = BinaryTask::new(&scores[..], &[1, 1, 1, 0, 0][..])?;
    /// let roc = SortedCounts::new(&task).roc_curve_dropping_intermediate()?;
    /// assert_eq!(roc.thresholds, [f64::INFINITY, 0.9, 0.7, 0.5]);
    /// assert_eq!(roc.tpr, [0.0, 1.0 / 3.0, 1.0, 1.0]);
    /// # Ok::<(), mlops_core::CoreError>(())
    /// ```
    pub fn roc_curve_dropping_intermediate(&self) -> Result<RocCurve> {
        let (bp, bn) = (self.block_pos(), self.block_neg());
        let last = self.len().saturating_sub(1);
        self.roc_points(|j| j == 0 || j >= last || bp[j] != bp[j + 1] || bn[j] != bn[j + 1])
    }

    /// `(0, 0)` at `+inf`, then the point of each block `j` for which `keep(j)`.
    fn roc_points(&self, keep: impl Fn(usize) -> bool) -> Result<RocCurve> {
        need_both_classes(self, "ROC curve")?;
        let (p, n) = (self.total_pos(), self.total_neg());
        let len = self.len() + 1;
        let mut fpr = Vec::with_capacity(len);
        let mut tpr = Vec::with_capacity(len);
        let mut thresholds = Vec::with_capacity(len);
        fpr.push(0.0);
        tpr.push(0.0);
        thresholds.push(f64::INFINITY);
        for (j, ((&t, &cp), &cn)) in self
            .thresholds()
            .iter()
            .zip(self.cum_pos())
            .zip(self.cum_neg())
            .enumerate()
        {
            if keep(j) {
                fpr.push(cn / n);
                tpr.push(cp / p);
                thresholds.push(t);
            }
        }
        Ok(RocCurve {
            fpr,
            tpr,
            thresholds,
        })
    }

    /// ROC AUC: the probability that a random positive scores above a random negative,
    /// ties counting one half (equal to the trapezoidal area under the ROC curve).
    ///
    /// # Errors
    /// [`CoreError::UndefinedMetric`] when only one class has weight.
    pub fn roc_auc(&self) -> Result<f64> {
        need_both_classes(self, "ROC AUC")?;
        // In shares of each class, so that huge or tiny weights neither overflow nor
        // underflow; the class totals are compensated sums of the same block weights.
        let (p, n) = class_totals(self);
        let mut area = Sum::default();
        let mut above = Sum::default();
        for (&bp, &bn) in self.block_pos().iter().zip(self.block_neg()) {
            if bn > 0.0 {
                area.add((bn / n) * ((above.value() + 0.5 * bp) / p));
            }
            above.add(bp);
        }
        // A probability: rounding must not carry it outside [0, 1].
        Ok(area.value().clamp(0.0, 1.0))
    }

    /// The precision-recall curve (scikit-learn's `precision_recall_curve` with
    /// `drop_intermediate=False`).
    ///
    /// # Errors
    /// [`CoreError::UndefinedMetric`] when there are no positives (recall is undefined).
    pub fn pr_curve(&self) -> Result<PrCurve> {
        let p = self.total_pos();
        if p <= 0.0 {
            return Err(CoreError::undefined(
                "precision-recall curve",
                "y_true has no positive rows with non-zero weight",
            ));
        }
        let len = self.len();
        let mut precision = Vec::with_capacity(len + 1);
        let mut recall = Vec::with_capacity(len + 1);
        let mut thresholds = Vec::with_capacity(len);
        for i in (0..len).rev() {
            let (cp, cn) = (self.cum_pos()[i], self.cum_neg()[i]);
            precision.push(cp / (cp + cn));
            recall.push(cp / p);
            thresholds.push(self.thresholds()[i]);
        }
        precision.push(1.0);
        recall.push(0.0);
        Ok(PrCurve {
            precision,
            recall,
            thresholds,
        })
    }

    /// Average precision: `sum_k (R_k - R_{k-1}) P_k` over the distinct scores, without
    /// interpolation (scikit-learn's `average_precision_score`).
    ///
    /// # Errors
    /// [`CoreError::UndefinedMetric`] when there are no positives.
    pub fn average_precision(&self) -> Result<f64> {
        if self.total_pos() <= 0.0 {
            return Err(CoreError::undefined(
                "average precision",
                "y_true has no positive rows with non-zero weight",
            ));
        }
        // Recall steps as shares of the positives, precision as a ratio: no product of raw
        // weights, so huge or tiny weights neither overflow nor underflow.
        let (p, _) = class_totals(self);
        let mut ap = Sum::default();
        for ((&bp, &cp), &cn) in self
            .block_pos()
            .iter()
            .zip(self.cum_pos())
            .zip(self.cum_neg())
        {
            if bp > 0.0 {
                ap.add((bp / p) * (cp / (cp + cn)));
            }
        }
        Ok(ap.value().clamp(0.0, 1.0))
    }
}

/// ROC AUC of a checked task (one sort).
///
/// # Errors
/// [`CoreError::UndefinedMetric`] when only one class has weight.
///
/// # Examples
/// ```
/// use mlops_core::{roc_auc, BinaryTask};
/// // One positive above both negatives, one tied with a negative: (1 + 1 + 1 + 0.5) / 4.
/// let task = BinaryTask::new(&[0.9, 0.4, 0.4, 0.1][..], &[1, 1, 0, 0][..])?;
/// assert_eq!(roc_auc(&task)?, 0.875);
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
pub fn roc_auc(task: &BinaryTask<'_>) -> Result<f64> {
    SortedCounts::new(task).roc_auc()
}

/// ROC curve of a checked task.
///
/// # Errors
/// [`CoreError::UndefinedMetric`] when only one class has weight.
pub fn roc_curve(task: &BinaryTask<'_>) -> Result<RocCurve> {
    SortedCounts::new(task).roc_curve()
}

/// Precision-recall curve of a checked task.
///
/// # Errors
/// [`CoreError::UndefinedMetric`] when there are no positives.
pub fn precision_recall_curve(task: &BinaryTask<'_>) -> Result<PrCurve> {
    SortedCounts::new(task).pr_curve()
}

/// Average precision of a checked task.
///
/// # Errors
/// [`CoreError::UndefinedMetric`] when there are no positives.
pub fn average_precision(task: &BinaryTask<'_>) -> Result<f64> {
    SortedCounts::new(task).average_precision()
}
