//! DeLong's test for two correlated ROC AUCs (DeLong, DeLong & Clarke-Pearson 1988), in the
//! O(n log n) placement form of Sun & Xu (2014): each row's placement value is read off the
//! sorted cumulative counts, so the test costs one sort per model.

use serde::{Deserialize, Serialize};

use crate::compare::{normal_quantile, normal_sf};
use crate::error::{CoreError, Result};
use crate::input::{BinaryTask, check_len, names};

/// DeLong's test of `AUC_a - AUC_b` for two models scored on the same rows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DelongResult {
    /// AUC of model a.
    pub auc_a: f64,
    /// AUC of model b.
    pub auc_b: f64,
    /// Variance of `auc_a`.
    pub var_a: f64,
    /// Variance of `auc_b`.
    pub var_b: f64,
    /// Covariance of the two AUCs.
    pub covariance: f64,
    /// `auc_a - auc_b`.
    pub difference: f64,
    /// Standard error of the difference.
    pub std_error: f64,
    /// `difference / std_error`; `None` when the standard error is 0 (identical rankings).
    pub statistic: Option<f64>,
    /// Two-sided p-value; `None` with the statistic.
    pub pvalue: Option<f64>,
    /// p-value for `auc_a > auc_b`.
    pub pvalue_greater: Option<f64>,
    /// p-value for `auc_a < auc_b`.
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

/// Placement values: for a positive, the share of negatives scored below it (ties count
/// one half); for a negative, the share of positives scored above it. Their means are the
/// AUC.
///
/// One sort of `(score, row)` pairs, then one pass over the tied blocks writes every
/// row's placement into its slot (rows keep their order among the positives and among the
/// negatives, so the two models' placements pair up row by row).
fn placements(task: &BinaryTask<'_>) -> (Vec<f64>, Vec<f64>) {
    let scores = task.scores();
    let labels = task.labels();
    let rows = scores.len();
    // Each row's index among the positives (or among the negatives).
    let mut slot = Vec::with_capacity(rows);
    let (mut n_pos, mut n_neg) = (0u32, 0u32);
    for &y in labels.iter() {
        if y {
            slot.push(n_pos);
            n_pos += 1;
        } else {
            slot.push(n_neg);
            n_neg += 1;
        }
    }
    // Row indices ride along as floats: exact below 2^53 rows.
    let mut order: Vec<(f64, f64)> = scores
        .iter()
        .enumerate()
        .map(|(i, &s)| (s + 0.0, i as f64))
        .collect();
    crate::radix::sort_pairs_desc(&mut order);
    let (p, n) = (f64::from(n_pos), f64::from(n_neg));
    let mut v10 = vec![0.0; n_pos as usize];
    let mut v01 = vec![0.0; n_neg as usize];
    let (mut above_pos, mut above_neg) = (0.0, 0.0);
    let mut i = 0;
    while i < rows {
        let score = order[i].0;
        let mut j = i;
        let (mut block_pos, mut block_neg) = (0.0, 0.0);
        while j < rows && order[j].0 == score {
            if labels[order[j].1 as usize] {
                block_pos += 1.0;
            } else {
                block_neg += 1.0;
            }
            j += 1;
        }
        // A positive's placement: negatives below it, ties counting one half; a negative's:
        // positives above it, ties counting one half.
        let positive = (n - above_neg - 0.5 * block_neg) / n;
        let negative = (above_pos + 0.5 * block_pos) / p;
        for &(_, r) in &order[i..j] {
            let r = r as usize;
            if labels[r] {
                v10[slot[r] as usize] = positive;
            } else {
                v01[slot[r] as usize] = negative;
            }
        }
        above_pos += block_pos;
        above_neg += block_neg;
        i = j;
    }
    (v10, v01)
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Sample covariance (denominator `len - 1`), two-pass.
fn cov(a: &[f64], b: &[f64]) -> f64 {
    let (ma, mb) = (mean(a), mean(b));
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - ma) * (y - mb))
        .sum::<f64>()
        / (a.len() - 1) as f64
}

/// DeLong's test comparing the AUCs of scores `a` and `b` on the same rows and labels.
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
/// let r = delong(&y[..], &challenger[..], &champion[..], 0.95)?;
/// assert_eq!(r.auc_a, 1.0);
/// assert!(r.difference > 0.0 && r.pvalue.unwrap() > 0.05); // better, but 8 rows prove little
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
pub fn delong<'a, L: crate::input::BinaryLabel + 'a>(
    labels: impl Into<ndarray::ArrayView1<'a, L>>,
    a: impl Into<ndarray::ArrayView1<'a, f64>>,
    b: impl Into<ndarray::ArrayView1<'a, f64>>,
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
    let (a, b) = (a.into(), b.into());
    check_len("y_score_b", b.len(), names::Y_SCORE, a.len())?;
    let task_a = BinaryTask::new(a, labels)?;
    let task_b = BinaryTask::new(b, labels).map_err(|e| match e {
        CoreError::NotFinite { index, value, .. } => CoreError::NotFinite {
            input: "y_score_b".into(),
            index,
            value,
        },
        other => other,
    })?;
    let (m, n) = (task_a.positive_rows(), task_a.negative_rows());
    if m < 2 || n < 2 {
        return Err(CoreError::undefined(
            "DeLong's test",
            format!("its variance needs at least 2 positives and 2 negatives, found {m} and {n}"),
        ));
    }
    let ((v10a, v01a), (v10b, v01b)) = crate::parallel::join(
        task_a.len() >= 1 << 15,
        || placements(&task_a),
        || placements(&task_b),
    );
    let (auc_a, auc_b) = (mean(&v10a), mean(&v10b));
    let (mf, nf) = (m as f64, n as f64);
    let var_a = cov(&v10a, &v10a) / mf + cov(&v01a, &v01a) / nf;
    let var_b = cov(&v10b, &v10b) / mf + cov(&v01b, &v01b) / nf;
    let covariance = cov(&v10a, &v10b) / mf + cov(&v01a, &v01b) / nf;
    let difference = auc_a - auc_b;
    let var = (var_a + var_b - 2.0 * covariance).max(0.0);
    let std_error = var.sqrt();
    let statistic = (std_error > 0.0).then(|| difference / std_error);
    let half = normal_quantile(1.0 - (1.0 - level) / 2.0) * std_error;
    Ok(DelongResult {
        auc_a,
        auc_b,
        var_a,
        var_b,
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
