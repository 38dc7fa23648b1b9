//! Weighted confusion matrices and the rates read from them.
//!
//! A rate whose denominator is zero is undefined and reported as `None`: never a silent 0 or
//! NaN, because "no false positives among zero negatives" is not a false-positive rate of 0.

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::input::{BinaryLabel, BinaryTask, check_len, names, to_labels};

/// Weighted counts of one binary decision rule against the truth.
///
/// Counts are sums of sample weights (row counts without weights).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    /// Positives predicted positive.
    pub tp: f64,
    /// Negatives predicted positive.
    pub fp: f64,
    /// Negatives predicted negative.
    pub tn: f64,
    /// Positives predicted negative.
    #[serde(rename = "fn")]
    pub fn_: f64,
}

/// Every rate of a confusion matrix; `None` where the denominator is zero.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rates {
    /// True-positive rate (recall, sensitivity): TP / (TP + FN).
    pub tpr: Option<f64>,
    /// False-positive rate: FP / (FP + TN).
    pub fpr: Option<f64>,
    /// True-negative rate (specificity): TN / (TN + FP).
    pub tnr: Option<f64>,
    /// False-negative rate: FN / (FN + TP).
    pub fnr: Option<f64>,
    /// Precision (positive predictive value): TP / (TP + FP).
    pub precision: Option<f64>,
    /// Share predicted positive: (TP + FP) / total.
    pub selection_rate: Option<f64>,
    /// Share predicted correctly: (TP + TN) / total.
    pub accuracy: Option<f64>,
}

#[inline]
fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}

impl ConfusionMatrix {
    /// Counts the rule `score >= threshold` against the labels of `task`, in one pass
    /// (no sort).
    ///
    /// `threshold` may be `+inf` (nothing is positive) or `-inf` (everything is).
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] for a NaN threshold.
    ///
    /// # Examples
    /// ```
    /// use mlops_core::{BinaryTask, ConfusionMatrix};
    /// let task = BinaryTask::new(&[0.9, 0.6, 0.3, 0.1][..], &[1, 0, 1, 0][..])?;
    /// let cm = ConfusionMatrix::at_threshold(&task, 0.5)?;
    /// assert_eq!((cm.tp, cm.fp, cm.tn, cm.fn_), (1.0, 1.0, 1.0, 1.0));
    /// assert_eq!(cm.rates().fpr, Some(0.5));
    /// # Ok::<(), mlops_core::CoreError>(())
    /// ```
    pub fn at_threshold(task: &BinaryTask<'_>, threshold: f64) -> Result<Self> {
        if threshold.is_nan() {
            return Err(CoreError::invalid_parameter(
                "threshold",
                threshold,
                "must be a number (+/-inf allowed)",
            ));
        }
        let mut cm = Self::default();
        for (s, y, w) in task.rows() {
            cm.add(y, s >= threshold, w);
        }
        Ok(cm)
    }

    /// Counts hard predictions against labels, with optional weights.
    ///
    /// # Errors
    /// [`CoreError::EmptyInput`], [`CoreError::LengthMismatch`],
    /// [`CoreError::LabelNotBinary`] (for either input), and the weight errors of
    /// [`crate::check_weights`].
    pub fn from_predictions<'a, L: BinaryLabel + 'a, P: BinaryLabel + 'a>(
        labels: impl Into<ndarray::ArrayView1<'a, L>>,
        predictions: impl Into<ndarray::ArrayView1<'a, P>>,
        weights: Option<ndarray::ArrayView1<'a, f64>>,
    ) -> Result<Self> {
        let labels = labels.into();
        let predictions = predictions.into();
        if labels.is_empty() {
            return Err(CoreError::EmptyInput {
                input: names::Y_TRUE.to_owned(),
            });
        }
        check_len("y_pred", predictions.len(), names::Y_TRUE, labels.len())?;
        let labels = to_labels(names::Y_TRUE, labels)?;
        let predictions = to_labels("y_pred", predictions)?;
        if let Some(w) = &weights {
            check_len(names::SAMPLE_WEIGHT, w.len(), names::Y_TRUE, labels.len())?;
            crate::input::check_weights(names::SAMPLE_WEIGHT, w)?;
        }
        let mut cm = Self::default();
        for (i, (&y, &p)) in labels.iter().zip(predictions.iter()).enumerate() {
            cm.add(y, p, weights.as_ref().map_or(1.0, |w| w[i]));
        }
        Ok(cm)
    }

    #[inline]
    pub(crate) fn add(&mut self, label: bool, predicted: bool, weight: f64) {
        match (label, predicted) {
            (true, true) => self.tp += weight,
            (false, true) => self.fp += weight,
            (false, false) => self.tn += weight,
            (true, false) => self.fn_ += weight,
        }
    }

    /// Weight of the actual positives (TP + FN).
    pub fn positives(&self) -> f64 {
        self.tp + self.fn_
    }

    /// Weight of the actual negatives (FP + TN).
    pub fn negatives(&self) -> f64 {
        self.fp + self.tn
    }

    /// A matrix of four weighted counts given by the caller, checked: each finite and
    /// `>= 0`, and their total at most [`crate::input::MAX_TOTAL_WEIGHT`] (as sample weights).
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] naming the count; [`CoreError::WeightsOverflow`].
    pub fn from_counts(tp: f64, fp: f64, tn: f64, fn_: f64) -> Result<Self> {
        for (name, v) in [("tp", tp), ("fp", fp), ("tn", tn), ("fn", fn_)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(CoreError::invalid_parameter(
                    name,
                    v,
                    "a weighted count must be finite and >= 0",
                ));
            }
        }
        let cm = Self { tp, fp, tn, fn_ };
        crate::input::check_total_weight("tp + fp + tn + fn", cm.total())?;
        Ok(cm)
    }

    /// Total weight.
    pub fn total(&self) -> f64 {
        self.positives() + self.negatives()
    }

    /// True-positive rate; `None` without positives.
    pub fn tpr(&self) -> Option<f64> {
        ratio(self.tp, self.positives())
    }

    /// False-positive rate; `None` without negatives.
    pub fn fpr(&self) -> Option<f64> {
        ratio(self.fp, self.negatives())
    }

    /// True-negative rate; `None` without negatives.
    pub fn tnr(&self) -> Option<f64> {
        ratio(self.tn, self.negatives())
    }

    /// False-negative rate; `None` without positives.
    pub fn fnr(&self) -> Option<f64> {
        ratio(self.fn_, self.positives())
    }

    /// Precision; `None` when nothing is predicted positive.
    pub fn precision(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fp)
    }

    /// Share predicted positive; `None` for zero total weight.
    pub fn selection_rate(&self) -> Option<f64> {
        ratio(self.tp + self.fp, self.total())
    }

    /// Share predicted correctly; `None` for zero total weight.
    pub fn accuracy(&self) -> Option<f64> {
        ratio(self.tp + self.tn, self.total())
    }

    /// All rates at once.
    pub fn rates(&self) -> Rates {
        Rates {
            tpr: self.tpr(),
            fpr: self.fpr(),
            tnr: self.tnr(),
            fnr: self.fnr(),
            precision: self.precision(),
            selection_rate: self.selection_rate(),
            accuracy: self.accuracy(),
        }
    }

    /// The matrix in scikit-learn's layout: `[[TN, FP], [FN, TP]]`.
    pub fn to_array(&self) -> [[f64; 2]; 2] {
        [[self.tn, self.fp], [self.fn_, self.tp]]
    }
}

impl std::ops::Add for ConfusionMatrix {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Self {
            tp: self.tp + o.tp,
            fp: self.fp + o.fp,
            tn: self.tn + o.tn,
            fn_: self.fn_ + o.fn_,
        }
    }
}
