//! Drift detection for models in production: two-sample tests on features and the share of
//! positive predictions per group, reference profiles and a monitor.
//!
//! This crate is being built (see the project's drift issue). Today it holds the
//! two-sample Kolmogorov-Smirnov test ([`ks_2samp`]), which flags drift of a numeric
//! feature between training (`reference`) and production (`current`) data.
//!
//! # Examples
//! ```
//! use mlops_drift::{ks_2samp, KsParams};
//! let training = [0.2, 0.4, 0.5, 0.7, 0.9, 1.1, 1.3];
//! let production = [0.3, 0.6, 0.8, 1.0, 1.2];
//! let r = ks_2samp(&training, &production, KsParams::default())?;
//! assert!(r.pvalue > 0.5); // no evidence of drift
//! # Ok::<(), mlops_drift::DriftError>(())
//! ```

use thiserror::Error;

pub mod ks;

pub use ks::{
    Alternative, KsMethod, KsParams, KsResult, PValueMethod, ks_2samp, ksone_sf, kstwo_sf,
};

/// Everything that can go wrong in `mlops-drift`.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum DriftError {
    /// An input problem detected by `mlops-core`.
    #[error(transparent)]
    Core(#[from] mlops_core::CoreError),

    /// A sample has no observations.
    #[error(
        "sample `{sample}` is empty: a two-sample test needs at least one value in each sample"
    )]
    EmptySample {
        /// The sample's name (`"reference"` or `"current"`).
        sample: String,
    },

    /// A sample holds NaN or an infinity.
    #[error(
        "sample `{sample}` has the non-finite value {value} at index {index}: drop or impute \
         missing values before testing"
    )]
    NonFiniteValue {
        /// The sample's name (`"reference"` or `"current"`).
        sample: String,
        /// The position of the first such value.
        index: usize,
        /// The value (NaN, inf or -inf).
        value: f64,
    },

    /// A parameter is outside its domain.
    #[error("parameter `{name}` = {value:?} is invalid: {reason}")]
    InvalidParameter {
        /// The parameter's name.
        name: String,
        /// The value given, as text.
        value: String,
        /// What the valid values are.
        reason: String,
    },
}

impl DriftError {
    /// A parameter error.
    pub fn invalid_parameter(
        name: impl Into<String>,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self::InvalidParameter {
            name: name.into(),
            value: value.into(),
            reason: reason.into(),
        }
    }
}
