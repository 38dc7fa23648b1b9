//! Fairness for binary decisions: group audits and cost-optimal per-group thresholds under an
//! equal-opportunity constraint.
//!
//! This crate is being built (see the project's fairness issue); today it holds only its
//! error type, so that downstream crates and the Python package can depend on it.

use thiserror::Error;

/// Everything that can go wrong in `mlops-fairness`.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum FairnessError {
    /// An input problem detected by `mlops-core`.
    #[error(transparent)]
    Core(#[from] mlops_core::CoreError),
}
