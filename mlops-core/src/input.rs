//! Checked inputs: scores, binary labels and sample weights, validated once at the edge.
//!
//! Everything downstream of [`BinaryTask`] trusts its input: scores are finite, labels are
//! 0/1, weights are finite, non-negative and not all zero, and the three are aligned.
//!
//! # Huge weights
//! Weights are numbers the library adds up (weighted counts, totals per group, per class,
//! per bin). Their total must not exceed [`MAX_TOTAL_WEIGHT`], half of `f64::MAX`: then every
//! sum of a subset of them, in any order, stays finite, so no count is infinite and no ratio
//! of counts is `inf / inf = NaN`. A larger total is refused with
//! [`CoreError::WeightsOverflow`] naming the input, rather than rescaled: weighted counts
//! and costs are reported in the caller's units, and a rescaled total would not be the
//! caller's number. Statistics that are ratios (AUC, rates, Brier score, log loss, mean
//! costs, calibration fits) are computed so that no intermediate product overflows below
//! that limit; a total cost is refused in the same way when the largest cost times the total
//! weight would overflow ([`crate::CostMatrix::check_total_weight`]).

use ndarray::{ArrayView1, CowArray, Ix1};

use crate::error::{CoreError, Result};

/// The names used for the three inputs in error messages (scikit-learn's names).
pub mod names {
    /// The scores argument.
    pub const Y_SCORE: &str = "y_score";
    /// The labels argument.
    pub const Y_TRUE: &str = "y_true";
    /// The weights argument.
    pub const SAMPLE_WEIGHT: &str = "sample_weight";
    /// The champion's scores in a champion/challenger comparison.
    pub const SCORE_CHAMPION: &str = "score_champion";
    /// The challenger's scores in a champion/challenger comparison.
    pub const SCORE_CHALLENGER: &str = "score_challenger";
    /// The champion's hard decisions in a champion/challenger comparison.
    pub const PRED_CHAMPION: &str = "pred_champion";
    /// The challenger's hard decisions in a champion/challenger comparison.
    pub const PRED_CHALLENGER: &str = "pred_challenger";
}

/// Largest integer magnitude an `f64` represents exactly (2^53).
pub const MAX_EXACT_INT: u64 = 1 << 53;

/// The largest total of sample weights accepted: half of `f64::MAX` (about 9e307).
///
/// The sum of `n` values in one order differs from their sum in another by at most a
/// relative `(n - 1) * 2^-53` (under 2^-20 for any `n` below 2^32), so with the total checked
/// in one order at or below this limit, the partial sums the algorithms form in theirs (per
/// class, per group, per bin, cumulative along the sorted scores) cannot overflow.
pub const MAX_TOTAL_WEIGHT: f64 = f64::MAX / 2.0;

/// A value type that can hold a binary label.
///
/// Implemented for `bool`, every primitive integer, `f32` and `f64`. Only `0`/`1`
/// (`false`/`true`, `0.0`/`1.0`) are labels; anything else is rejected with
/// [`CoreError::LabelNotBinary`].
pub trait BinaryLabel: Copy {
    /// The label, or `None` when the value is not 0 or 1.
    fn to_label(self) -> Option<bool>;
    /// The value as text, for an error message.
    fn describe(self) -> String;
    /// Borrows a view of `bool` labels without copying; `None` for every other type.
    fn as_bool_view<'a>(view: &ArrayView1<'a, Self>) -> Option<ArrayView1<'a, bool>> {
        let _ = view;
        None
    }
}

impl BinaryLabel for bool {
    fn to_label(self) -> Option<bool> {
        Some(self)
    }
    fn describe(self) -> String {
        self.to_string()
    }
    fn as_bool_view<'a>(view: &ArrayView1<'a, Self>) -> Option<ArrayView1<'a, bool>> {
        Some(*view)
    }
}

macro_rules! int_label {
    ($($t:ty),*) => {$(
        impl BinaryLabel for $t {
            fn to_label(self) -> Option<bool> {
                match self {
                    0 => Some(false),
                    1 => Some(true),
                    _ => None,
                }
            }
            fn describe(self) -> String {
                self.to_string()
            }
        }
    )*};
}
int_label!(u8, u16, u32, u64, i8, i16, i32, i64, usize, isize);

macro_rules! float_label {
    ($($t:ty),*) => {$(
        impl BinaryLabel for $t {
            fn to_label(self) -> Option<bool> {
                if self == 0.0 {
                    Some(false)
                } else if self == 1.0 {
                    Some(true)
                } else {
                    None
                }
            }
            fn describe(self) -> String {
                self.to_string()
            }
        }
    )*};
}
float_label!(f32, f64);

/// A numeric type whose values convert to `f64` scores without loss.
///
/// `f32` and integers up to 32 bits always convert; 64-bit integers convert when
/// `|v| <= 2^53` and are rejected with [`CoreError::NotRepresentable`] otherwise, because
/// a score that silently changes value is a lie.
pub trait LosslessF64: Copy {
    /// The value as `f64`, or `None` when it cannot be represented exactly.
    fn to_f64_exact(self) -> Option<f64>;
    /// The value as text, for an error message.
    fn describe(self) -> String;
}

macro_rules! small_exact {
    ($($t:ty),*) => {$(
        impl LosslessF64 for $t {
            fn to_f64_exact(self) -> Option<f64> {
                Some(f64::from(self))
            }
            fn describe(self) -> String {
                self.to_string()
            }
        }
    )*};
}
small_exact!(f32, f64, u8, u16, u32, i8, i16, i32);

impl LosslessF64 for i64 {
    fn to_f64_exact(self) -> Option<f64> {
        // The cast is exact by the range check.
        #[allow(clippy::cast_precision_loss)]
        (self.unsigned_abs() <= MAX_EXACT_INT).then_some(self as f64)
    }
    fn describe(self) -> String {
        self.to_string()
    }
}

impl LosslessF64 for u64 {
    fn to_f64_exact(self) -> Option<f64> {
        #[allow(clippy::cast_precision_loss)]
        (self <= MAX_EXACT_INT).then_some(self as f64)
    }
    fn describe(self) -> String {
        self.to_string()
    }
}

/// Converts numeric values to `f64` without loss, naming the first value that cannot be
/// converted. Use it for scores or weights that arrive as `f32` or integers.
///
/// # Errors
/// [`CoreError::NotRepresentable`] for a 64-bit integer beyond 2^53.
///
/// # Examples
/// ```
/// use mlops_core::to_f64_lossless;
/// let scores = to_f64_lossless("y_score", [1_i64, 2, 3].as_slice()).unwrap();
/// assert_eq!(scores.to_vec(), vec![1.0, 2.0, 3.0]);
/// assert!(to_f64_lossless("y_score", [1_i64 << 60].as_slice()).is_err());
/// ```
pub fn to_f64_lossless<'a, T: LosslessF64 + 'a>(
    input: &str,
    values: impl Into<ArrayView1<'a, T>>,
) -> Result<ndarray::Array1<f64>> {
    let values = values.into();
    let mut out = Vec::with_capacity(values.len());
    for (index, &v) in values.iter().enumerate() {
        match v.to_f64_exact() {
            Some(x) => out.push(x),
            None => {
                return Err(CoreError::NotRepresentable {
                    input: input.to_owned(),
                    index,
                    value: v.describe(),
                });
            }
        }
    }
    Ok(ndarray::Array1::from(out))
}

/// Checks that every value is finite, naming the first that is not.
///
/// # Errors
/// [`CoreError::NotFinite`].
pub fn check_finite(input: &str, values: &ArrayView1<'_, f64>) -> Result<()> {
    // Fast path: one pass without branches on the common all-finite case.
    let all_finite = match values.as_slice_memory_order() {
        Some(s) => s.iter().all(|v| v.is_finite()),
        None => values.iter().all(|v| v.is_finite()),
    };
    if all_finite {
        return Ok(());
    }
    let (index, &value) = values
        .iter()
        .enumerate()
        .find(|(_, v)| !v.is_finite())
        .unwrap_or((0, &f64::NAN));
    Err(CoreError::NotFinite {
        input: input.to_owned(),
        index,
        value,
    })
}

/// Checks sample weights: finite, `>= 0`, not all zero, and with a total of at most
/// [`MAX_TOTAL_WEIGHT`].
///
/// # Errors
/// [`CoreError::NotFinite`], [`CoreError::NegativeWeight`], [`CoreError::AllWeightsZero`],
/// [`CoreError::WeightsOverflow`].
pub fn check_weights(input: &str, weights: &ArrayView1<'_, f64>) -> Result<()> {
    check_finite(input, weights)?;
    let mut total = 0.0_f64;
    for (index, &w) in weights.iter().enumerate() {
        if w < 0.0 {
            return Err(CoreError::NegativeWeight {
                input: input.to_owned(),
                index,
                value: w,
            });
        }
        total += w;
    }
    if total == 0.0 {
        return Err(CoreError::AllWeightsZero {
            input: input.to_owned(),
        });
    }
    check_total_weight(input, total)
}

/// Refuses a total weight above [`MAX_TOTAL_WEIGHT`] (or an infinite one, when the sum
/// itself overflowed).
///
/// # Errors
/// [`CoreError::WeightsOverflow`].
pub fn check_total_weight(input: &str, total: f64) -> Result<()> {
    if total <= MAX_TOTAL_WEIGHT {
        return Ok(());
    }
    let sum = if total.is_finite() {
        format!("the weights add up to {total:e}")
    } else {
        "the sum of the weights overflows float64".to_owned()
    };
    Err(CoreError::WeightsOverflow {
        input: input.to_owned(),
        reason: format!(
            "{sum}, more than {MAX_TOTAL_WEIGHT:e} (half the largest float64), the largest \
             total weight whose partial sums cannot overflow"
        ),
    })
}

/// The power of two `k` that brings a positive `total` weight into `[1, 2)`
/// (`total * 2^k`), for computing a ratio of weighted sums on rescaled weights
/// (`libm::scalbn(w, k)`): scaling by a power of two is exact, so the ratio keeps every bit,
/// while its products and sums of weights can no longer overflow. 0 for a total that is
/// not positive and finite.
pub(crate) fn unit_exponent(total: f64) -> i32 {
    if total > 0.0 && total.is_finite() {
        -libm::ilogb(total)
    } else {
        0
    }
}

/// Checks that `input` has `expected` rows, like `reference`.
///
/// # Errors
/// [`CoreError::LengthMismatch`].
pub fn check_len(input: &str, found: usize, reference: &str, expected: usize) -> Result<()> {
    if found == expected {
        Ok(())
    } else {
        Err(CoreError::LengthMismatch {
            input: input.to_owned(),
            reference: reference.to_owned(),
            expected,
            found,
        })
    }
}

/// Converts labels of any [`BinaryLabel`] type to `bool`, borrowing when they already are.
///
/// # Errors
/// [`CoreError::LabelNotBinary`] naming the first value that is not 0/1.
pub fn to_labels<'a, L: BinaryLabel>(
    input: &str,
    labels: ArrayView1<'a, L>,
) -> Result<CowArray<'a, bool, Ix1>> {
    if let Some(view) = L::as_bool_view(&labels) {
        return Ok(CowArray::from(view));
    }
    let mut out = Vec::with_capacity(labels.len());
    for (index, &v) in labels.iter().enumerate() {
        match v.to_label() {
            Some(b) => out.push(b),
            None => {
                return Err(CoreError::LabelNotBinary {
                    input: input.to_owned(),
                    index,
                    value: v.describe(),
                });
            }
        }
    }
    Ok(CowArray::from(ndarray::Array1::from(out)))
}

/// Scores, binary labels and optional sample weights of one binary classification task,
/// checked once.
///
/// Borrows its inputs where it can: `f64` scores and weights and `bool` labels are never
/// copied, whatever their strides; labels of other types are converted once to `bool`.
///
/// # Examples
/// ```
/// use mlops_core::BinaryTask;
/// let scores = [0.1, 0.4, 0.35, 0.8];
/// let labels = [0, 0, 1, 1];
/// let task = BinaryTask::new(&scores[..], &labels[..])?
///     .with_weights(&[1.0, 2.0, 1.0, 1.0][..])?;
/// assert_eq!(task.len(), 4);
/// assert_eq!(task.positive_weight(), 2.0);
/// assert_eq!(task.negative_weight(), 3.0);
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
///
/// # Errors
/// [`CoreError::EmptyInput`], [`CoreError::LengthMismatch`], [`CoreError::NotFinite`],
/// [`CoreError::LabelNotBinary`]; with weights also [`CoreError::NegativeWeight`] and
/// [`CoreError::AllWeightsZero`].
#[derive(Debug, Clone)]
pub struct BinaryTask<'a> {
    scores: ArrayView1<'a, f64>,
    labels: CowArray<'a, bool, Ix1>,
    weights: Option<ArrayView1<'a, f64>>,
    positive_weight: f64,
    negative_weight: f64,
    positive_rows: usize,
}

impl<'a> BinaryTask<'a> {
    /// Checks scores and labels (scikit-learn's order is `(y_true, y_score)`; here the
    /// scores come first because they are what is being audited).
    ///
    /// # Errors
    /// See the type's documentation.
    pub fn new<L: BinaryLabel + 'a>(
        scores: impl Into<ArrayView1<'a, f64>>,
        labels: impl Into<ArrayView1<'a, L>>,
    ) -> Result<Self> {
        let scores = scores.into();
        let labels = labels.into();
        if scores.is_empty() {
            return Err(CoreError::EmptyInput {
                input: names::Y_SCORE.to_owned(),
            });
        }
        check_len(names::Y_TRUE, labels.len(), names::Y_SCORE, scores.len())?;
        check_finite(names::Y_SCORE, &scores)?;
        let labels = to_labels(names::Y_TRUE, labels)?;
        let positive_rows = labels.iter().filter(|&&b| b).count();
        #[allow(clippy::cast_precision_loss)]
        let (positive_weight, negative_weight) =
            (positive_rows as f64, (labels.len() - positive_rows) as f64);
        Ok(Self {
            scores,
            labels,
            weights: None,
            positive_weight,
            negative_weight,
            positive_rows,
        })
    }

    /// Adds sample weights.
    ///
    /// # Errors
    /// [`CoreError::LengthMismatch`], [`CoreError::NotFinite`], [`CoreError::NegativeWeight`],
    /// [`CoreError::AllWeightsZero`], [`CoreError::WeightsOverflow`].
    pub fn with_weights(mut self, weights: impl Into<ArrayView1<'a, f64>>) -> Result<Self> {
        let weights = weights.into();
        check_len(
            names::SAMPLE_WEIGHT,
            weights.len(),
            names::Y_SCORE,
            self.scores.len(),
        )?;
        check_weights(names::SAMPLE_WEIGHT, &weights)?;
        let (mut pos, mut neg) = (0.0, 0.0);
        for (&w, &y) in weights.iter().zip(self.labels.iter()) {
            if y {
                pos += w;
            } else {
                neg += w;
            }
        }
        self.positive_weight = pos;
        self.negative_weight = neg;
        self.weights = Some(weights);
        Ok(self)
    }

    /// Adds sample weights when given; a no-op for `None`.
    ///
    /// # Errors
    /// As [`BinaryTask::with_weights`].
    pub fn with_optional_weights(self, weights: Option<ArrayView1<'a, f64>>) -> Result<Self> {
        match weights {
            Some(w) => self.with_weights(w),
            None => Ok(self),
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.scores.len()
    }

    /// Always `false`: an empty task is rejected at construction.
    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    /// The scores.
    pub fn scores(&self) -> &ArrayView1<'a, f64> {
        &self.scores
    }

    /// The labels.
    pub fn labels(&self) -> ArrayView1<'_, bool> {
        self.labels.view()
    }

    /// The weights, if any.
    pub fn weights(&self) -> Option<&ArrayView1<'a, f64>> {
        self.weights.as_ref()
    }

    /// The weight of row `i` (1 without weights).
    #[inline]
    pub fn weight(&self, i: usize) -> f64 {
        self.weights.as_ref().map_or(1.0, |w| w[i])
    }

    /// Total weight of the positive rows.
    pub fn positive_weight(&self) -> f64 {
        self.positive_weight
    }

    /// Total weight of the negative rows.
    pub fn negative_weight(&self) -> f64 {
        self.negative_weight
    }

    /// Total weight of all rows (the number of rows without weights).
    pub fn total_weight(&self) -> f64 {
        self.positive_weight + self.negative_weight
    }

    /// Number of positive rows (unweighted).
    pub fn positive_rows(&self) -> usize {
        self.positive_rows
    }

    /// Number of negative rows (unweighted).
    pub fn negative_rows(&self) -> usize {
        self.len() - self.positive_rows
    }

    /// `(score, label, weight)` for every row, in order.
    pub fn rows(&self) -> impl Iterator<Item = (f64, bool, f64)> + '_ {
        let w = self.weights.as_ref();
        self.scores
            .iter()
            .zip(self.labels.iter())
            .enumerate()
            .map(move |(i, (&s, &y))| (s, y, w.map_or(1.0, |w| w[i])))
    }
}
