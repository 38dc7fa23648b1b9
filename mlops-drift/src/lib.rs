//! Drift detection for models in production: two-sample tests on features and the share of
//! positive predictions per group, reference profiles and a monitor.
//!
//! This crate is being built (see the project's drift issue); today it holds only its error
//! type, so that downstream crates and the Python package can depend on it.

use thiserror::Error;

/// Everything that can go wrong in `mlops-drift`.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum DriftError {
    /// An input problem detected by `mlops-core`.
    #[error(transparent)]
    Core(#[from] mlops_core::CoreError),
}
