//! Calibration: do predicted probabilities mean what they say? The cost-optimal cut of 1/6
//! for the 5:1 lending costs is only right for calibrated probabilities.
//!
//! Metrics (Brier score, log loss, reliability curve, ECE, MCE, debiased squared ECE),
//! tests (Hosmer-Lemeshow, Spiegelhalter), per-group reports and calibrators (isotonic,
//! Platt, histogram binning, beta), which share the [`Calibrator`] trait.

pub mod beta;
pub mod by_group;
pub mod calibrator;
pub mod histogram;
pub mod hosmer_lemeshow;
pub mod isotonic;
pub mod metrics;
pub mod platt;
pub mod spiegelhalter;

pub use isotonic::IsotonicCalibrator;
pub use metrics::{
    BinStrategy, CalibrationBin, ReliabilityCurve, brier_score, calibration_error, log_loss,
    reliability_curve,
};
pub use platt::PlattCalibrator;

pub use beta::{BETA_EPS, BETA_MAX_COEFFICIENT, BetaCalibrator};
pub use by_group::{
    CalibrationByGroup, CalibrationByGroupParams, GroupCalibration, WorstGroup,
    calibration_by_group,
};
pub use calibrator::{Calibrator, NoParams};
pub use histogram::{HistogramCalibrator, HistogramParams};
pub use hosmer_lemeshow::{
    HosmerLemeshowGroup, HosmerLemeshowParams, HosmerLemeshowResult, hosmer_lemeshow,
};
pub use metrics::debiased_squared_calibration_error;
pub use spiegelhalter::{SpiegelhalterResult, spiegelhalter_z};

use crate::error::{CoreError, Result};
use crate::input::BinaryTask;

/// `ln(1 + exp(z))`, without overflow.
#[inline]
pub(crate) fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

/// `1 / (1 + exp(-z))`, without overflow.
#[inline]
pub(crate) fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// The most bins (or risk groups) a calibration function accepts: far more than any
/// binning needs, and a bound on the memory a mistyped `n_bins` can ask for.
pub const MAX_BINS: usize = 1 << 24;

/// Checks a bin count: `min..=MAX_BINS`.
///
/// # Errors
/// [`CoreError::InvalidParameter`] naming `name` otherwise.
pub fn check_bins(name: &str, n: usize, min: usize) -> Result<()> {
    if (min..=MAX_BINS).contains(&n) {
        Ok(())
    } else {
        Err(CoreError::invalid_parameter(
            name,
            n,
            format!("must be between {min} and {MAX_BINS}"),
        ))
    }
}

/// Checks that every score of `task` is a probability in `[0, 1]`.
///
/// # Errors
/// [`CoreError::OutOfRange`] naming the first score outside.
pub fn check_probabilities(task: &BinaryTask<'_>) -> Result<()> {
    match task
        .scores()
        .iter()
        .enumerate()
        .find(|(_, p)| !(0.0..=1.0).contains(*p))
    {
        Some((index, &value)) => Err(CoreError::OutOfRange {
            input: crate::input::names::Y_SCORE.to_owned(),
            index,
            value,
            low: 0.0,
            high: 1.0,
        }),
        None => Ok(()),
    }
}
