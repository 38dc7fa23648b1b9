//! DeLong's test for two correlated ROC AUCs (DeLong, DeLong & Clarke-Pearson 1988), in the
//! O(n log n) placement form of Sun & Xu (2014): each row's placement value is read off the
//! cumulative label counts of its model's tied blocks, so the test costs one grouping of
//! the rows by score per model and no per-class sorts.

use std::borrow::Cow;

use ndarray::ArrayView1;
use serde::{Deserialize, Serialize};

use crate::compare::{normal_quantile, normal_sf};
use crate::error::{CoreError, Result};
use crate::input::names::{SCORE_CHALLENGER, SCORE_CHAMPION};
use crate::input::{BinaryTask, check_len, names};
use crate::radix::{TaggedRow, tie_blocks_asc};

/// DeLong's test of `AUC(challenger) - AUC(champion)` for two models scored on the same
/// rows.
///
/// The sign: a positive `difference` means the challenger ranks the rows better (a larger
/// AUC); `pvalue_greater` tests exactly that, `pvalue_less` that the challenger is worse.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DelongResult {
    /// AUC of the champion.
    pub auc_champion: f64,
    /// AUC of the challenger.
    pub auc_challenger: f64,
    /// Variance of `auc_champion`.
    pub var_champion: f64,
    /// Variance of `auc_challenger`.
    pub var_challenger: f64,
    /// Covariance of the two AUCs.
    pub covariance: f64,
    /// `auc_challenger - auc_champion` (positive: the challenger is better).
    pub difference: f64,
    /// Standard error of the difference.
    pub std_error: f64,
    /// `difference / std_error`; `None` when the standard error is 0 (identical rankings).
    pub statistic: Option<f64>,
    /// Two-sided p-value; `None` with the statistic.
    pub pvalue: Option<f64>,
    /// p-value for `auc_challenger > auc_champion` (the challenger is better).
    pub pvalue_greater: Option<f64>,
    /// p-value for `auc_challenger < auc_champion` (the challenger is worse).
    pub pvalue_less: Option<f64>,
    /// Confidence level of the interval.
    pub level: f64,
    /// Lower end of the interval of the difference.
    pub ci_low: f64,
    /// Upper end of the interval of the difference.
    pub ci_high: f64,
    /// Positive rows.
    pub positives: usize,
    /// Negative rows.
    pub negatives: usize,
}

/// Placement values, by row: a positive's is the share of negatives scored below it (ties
/// count one half), a negative's the share of positives scored above it; their means (over
/// the positives, or over the negatives) are the AUC, returned exactly (one rounding).
///
/// One grouping of the rows into tied blocks ([`crate::radix::tie_blocks_asc`], labels
/// riding in each row index's top bit), and a sweep over the blocks in ascending order with
/// running counts of the positives and negatives below: every row of a block gets the same
/// placement for its class, so no per-class sorts or midranks are needed.
fn placements<R: TaggedRow>(
    scores: &[f64],
    labels: &[bool],
    positives: usize,
    negatives: usize,
) -> (Vec<f64>, f64) {
    let (m, n) = (positives as f64, negatives as f64);
    let mut by_row = vec![0.0; labels.len()];
    let (mut below_pos, mut below_neg) = (0u64, 0u64);
    // Twice the number of (positive, negative) pairs ordered correctly, ties counting one
    // half: an integer, so the AUC is exact up to its final division.
    let mut twice_wins = 0u128;
    tie_blocks_asc::<R>(scores, labels, |block| {
        let block_pos = block.iter().filter(|r| r.tag()).count() as u64;
        let block_neg = block.len() as u64 - block_pos;
        let positive = (below_neg as f64 + 0.5 * block_neg as f64) / n;
        let negative = (m - below_pos as f64 - 0.5 * block_pos as f64) / m;
        for r in block {
            by_row[r.row()] = if r.tag() { positive } else { negative };
        }
        twice_wins += u128::from(block_pos) * u128::from(2 * below_neg + block_neg);
        below_pos += block_pos;
        below_neg += block_neg;
    });
    (by_row, twice_wins as f64 / (2.0 * m * n))
}

/// The array as a slice, copied only when it is strided.
fn contiguous<'a, T: Clone>(v: &'a ArrayView1<'_, T>) -> Cow<'a, [T]> {
    v.as_slice()
        .map_or_else(|| Cow::Owned(v.to_vec()), Cow::Borrowed)
}

/// Centred sums of squares and products of two models' placements, by class:
/// `[positives, negatives]` of `[aa, bb, ab]`, each placement centred on its model's AUC
/// (the mean of the placements of either class).
fn centred_sums(a: &[f64], b: &[f64], labels: &[bool], auc_a: f64, auc_b: f64) -> [[f64; 3]; 2] {
    // Four independent lanes so the sums vectorise; a label selects its class by a 0/1
    // factor rather than a branch the predictor cannot guess.
    const LANES: usize = 4;
    let mut acc = [[[0.0f64; LANES]; 3]; 2];
    let (ca, cb, cl) = (
        a.chunks_exact(LANES),
        b.chunks_exact(LANES),
        labels.chunks_exact(LANES),
    );
    let tail = (ca.remainder(), cb.remainder(), cl.remainder());
    for ((a, b), y) in ca.zip(cb).zip(cl) {
        for k in 0..LANES {
            let (x, z) = (a[k] - auc_a, b[k] - auc_b);
            let pos = f64::from(u8::from(y[k]));
            let neg = 1.0 - pos;
            acc[0][0][k] += pos * (x * x);
            acc[0][1][k] += pos * (z * z);
            acc[0][2][k] += pos * (x * z);
            acc[1][0][k] += neg * (x * x);
            acc[1][1][k] += neg * (z * z);
            acc[1][2][k] += neg * (x * z);
        }
    }
    let mut sums = acc.map(|class| class.map(|lanes| lanes.iter().sum::<f64>()));
    for ((&a, &b), &y) in tail.0.iter().zip(tail.1).zip(tail.2) {
        let (x, z) = (a - auc_a, b - auc_b);
        let s = &mut sums[usize::from(!y)];
        s[0] += x * x;
        s[1] += z * z;
        s[2] += x * z;
    }
    sums
}

/// DeLong's test of `AUC(challenger) - AUC(champion)`, two models' scores on the same rows
/// and labels (positive: the challenger is better).
///
/// Unweighted (DeLong's variance has no standard weighted form); `level` is the confidence
/// level of the interval of the difference.
///
/// # Errors
/// [`CoreError::EmptyInput`], [`CoreError::LengthMismatch`], [`CoreError::NotFinite`],
/// [`CoreError::LabelNotBinary`] for bad inputs; [`CoreError::UndefinedMetric`] with fewer
/// than two positives or two negatives (the variance needs both);
/// [`CoreError::InvalidParameter`] for a level outside (0, 1).
///
/// # Examples
/// ```
/// use mlops_core::compare::delong;
/// let y = [0, 0, 0, 1, 1, 1, 0, 1];
/// let champion = [0.1, 0.4, 0.35, 0.8, 0.7, 0.6, 0.2, 0.3];
/// let challenger = [0.2, 0.3, 0.1, 0.9, 0.8, 0.7, 0.25, 0.5];
/// let r = delong(&y[..], &champion[..], &challenger[..], 0.95)?;
/// assert_eq!(r.auc_challenger, 1.0);
/// assert!(r.difference > 0.0 && r.pvalue.unwrap() > 0.05); // better, but 8 rows prove little
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
pub fn delong<'a, L: crate::input::BinaryLabel + 'a>(
    labels: impl Into<ndarray::ArrayView1<'a, L>>,
    champion: impl Into<ndarray::ArrayView1<'a, f64>>,
    challenger: impl Into<ndarray::ArrayView1<'a, f64>>,
    level: f64,
) -> Result<DelongResult> {
    if !(level > 0.0 && level < 1.0) {
        return Err(CoreError::invalid_parameter(
            "level",
            level,
            "must be in (0, 1)",
        ));
    }
    let labels = labels.into();
    let (a, b) = (champion.into(), challenger.into());
    check_len(SCORE_CHAMPION, a.len(), names::Y_TRUE, labels.len())?;
    check_len(SCORE_CHALLENGER, b.len(), names::Y_TRUE, labels.len())?;
    // The errors name the culprit input rather than the generic `y_score`.
    let rename = |input: &'static str| {
        move |e| match e {
            CoreError::NotFinite { index, value, .. } => CoreError::NotFinite {
                input: input.into(),
                index,
                value,
            },
            CoreError::EmptyInput { .. } => CoreError::EmptyInput {
                input: input.into(),
            },
            other => other,
        }
    };
    let task_a = BinaryTask::new(a, labels).map_err(rename(SCORE_CHAMPION))?;
    let task_b = BinaryTask::new(b, labels).map_err(rename(SCORE_CHALLENGER))?;
    let (m, n) = (task_a.positive_rows(), task_a.negative_rows());
    if m < 2 || n < 2 {
        return Err(CoreError::undefined(
            "DeLong's test",
            format!("its variance needs at least 2 positives and 2 negatives, found {m} and {n}"),
        ));
    }
    let labels = task_a.labels();
    let (labels, a, b) = (
        contiguous(&labels),
        contiguous(task_a.scores()),
        contiguous(task_b.scores()),
    );
    let place = |s: &[f64]| {
        if labels.len() < <u32 as TaggedRow>::ROWS {
            placements::<u32>(s, &labels, m, n)
        } else {
            placements::<u64>(s, &labels, m, n)
        }
    };
    let ((pa, auc_a), (pb, auc_b)) =
        crate::parallel::join(labels.len() >= 1 << 15, || place(&a), || place(&b));
    let [pos, neg] = centred_sums(&pa, &pb, &labels, auc_a, auc_b);
    let (mf, nf) = (m as f64, n as f64);
    // Sample covariances (denominator count - 1) of the placements, divided by the count.
    let var = |k: usize| pos[k] / (mf - 1.0) / mf + neg[k] / (nf - 1.0) / nf;
    let (var_a, var_b, covariance) = (var(0), var(1), var(2));
    let difference = auc_b - auc_a;
    let var = (var_a + var_b - 2.0 * covariance).max(0.0);
    let std_error = var.sqrt();
    let statistic = (std_error > 0.0).then(|| difference / std_error);
    // The upper-tail quantile of (1 - level) / 2, without rounding 1 - (1 - level) / 2.
    let half = -normal_quantile((1.0 - level) / 2.0) * std_error;
    Ok(DelongResult {
        auc_champion: auc_a,
        auc_challenger: auc_b,
        var_champion: var_a,
        var_challenger: var_b,
        covariance,
        difference,
        std_error,
        statistic,
        pvalue: statistic.map(|z| 2.0 * normal_sf(z.abs())),
        pvalue_greater: statistic.map(normal_sf),
        pvalue_less: statistic.map(|z| normal_sf(-z)),
        level,
        ci_low: difference - half,
        ci_high: difference + half,
        positives: m,
        negatives: n,
    })
}
