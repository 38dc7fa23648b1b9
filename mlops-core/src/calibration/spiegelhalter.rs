//! Spiegelhalter's z-test of calibration (Spiegelhalter 1986, "Probabilistic prediction in
//! patient management and clinical trials", Statistics in Medicine 5:421-433).

use serde::{Deserialize, Serialize};

use crate::calibration::check_probabilities;
use crate::error::{CoreError, Result};
use crate::input::BinaryTask;
use crate::special::normal_sf;

/// The result of [`spiegelhalter_z`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpiegelhalterResult {
    /// `Z = sum w (y - p)(1 - 2p) / sqrt(sum w (1 - 2p)^2 p (1 - p))`.
    pub statistic: f64,
    /// Two-sided p-value `2 P(N(0, 1) > |Z|)`.
    pub pvalue: f64,
}

/// Spiegelhalter's z: the Brier score's deviation from its expectation under perfect
/// calibration, standardised,
/// `Z = sum (y - p)(1 - 2p) / sqrt(sum (1 - 2p)^2 p (1 - p))`, asymptotically standard
/// normal when the probabilities are calibrated; the p-value is two-sided.
///
/// **Weights** are frequency weights: each sum is `sum_i w_i (...)`.
///
/// # Errors
/// [`CoreError::OutOfRange`] for a probability outside `[0, 1]`;
/// [`CoreError::UndefinedMetric`] when the variance is 0, i.e. every probability (of
/// positive weight) is 0, 1/2 or 1.
///
/// # Examples
/// ```
/// use mlops_core::{BinaryTask, calibration::spiegelhalter_z};
/// let task = BinaryTask::new(&[0.1, 0.2, 0.7, 0.9][..], &[0, 0, 1, 1][..])?;
/// let z = spiegelhalter_z(&task)?;
/// assert!(z.statistic < 0.0 && z.pvalue > 0.05); // better than calibrated, by chance
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
pub fn spiegelhalter_z(task: &BinaryTask<'_>) -> Result<SpiegelhalterResult> {
    check_probabilities(task)?;
    let (mut num, mut var) = (0.0, 0.0);
    for (p, y, w) in task.rows() {
        let c = 1.0 - 2.0 * p;
        num += w * (f64::from(u8::from(y)) - p) * c;
        var += w * c * c * p * (1.0 - p);
    }
    if var.is_nan() || var <= 0.0 {
        return Err(CoreError::undefined(
            "Spiegelhalter's z",
            "its variance is 0: every probability is 0, 1/2 or 1",
        ));
    }
    let statistic = num / var.sqrt();
    Ok(SpiegelhalterResult {
        statistic,
        pvalue: (2.0 * normal_sf(statistic.abs())).min(1.0),
    })
}
