//! The one error type of `mlops-fairness`.

use mlops_core::CoreError;
use thiserror::Error;

/// Everything that can go wrong in `mlops-fairness`.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum FairnessError {
    /// An input problem detected by `mlops-core` (lengths, NaN, labels, weights, groups).
    #[error(transparent)]
    Core(#[from] CoreError),

    /// Every row of a group has zero weight, so none of its rates is defined.
    #[error("group `{group}` has no rows with non-zero weight: none of its rates is defined")]
    EmptyGroup {
        /// The group.
        group: String,
    },

    /// A group has no negatives (with non-zero weight), so its false-positive rate is
    /// undefined and it cannot take part in an FPR constraint.
    #[error(
        "group `{group}` has no negatives (y_true = 0) with non-zero weight: its false-positive \
         rate is undefined; merge it with another group or drop it"
    )]
    GroupHasNoNegatives {
        /// The group.
        group: String,
    },

    /// A group has no positives (with non-zero weight), so its true-positive rate is
    /// undefined and it cannot take part in a TPR constraint.
    #[error(
        "group `{group}` has no positives (y_true = 1) with non-zero weight: its true-positive \
         rate is undefined; merge it with another group or drop it"
    )]
    GroupHasNoPositives {
        /// The group.
        group: String,
    },

    /// More groups than the search accepts.
    #[error(
        "{found} groups exceed the limit of {limit}: that many groups cannot each hold enough \
         rows for stable rates; coarsen the sensitive columns or raise the limit \
         (`max_groups`)"
    )]
    TooManyGroups {
        /// Groups found.
        found: usize,
        /// The limit.
        limit: usize,
    },

    /// No choice of per-group thresholds keeps the rates within the tolerance.
    #[error(
        "no per-group thresholds keep the {rate} gap within {tolerance}: the smallest \
         achievable gap is {smallest_gap}"
    )]
    Infeasible {
        /// The constrained rate.
        rate: String,
        /// The tolerance asked for.
        tolerance: f64,
        /// The smallest gap any choice achieves.
        smallest_gap: f64,
    },

    /// A row belongs to a group the policy was not fitted on, and no fallback was named.
    #[error(
        "group `{group}` (row {index}) was not seen when the policy was fitted; pass a \
         fallback threshold to score unseen groups"
    )]
    UnseenGroup {
        /// The group.
        group: String,
        /// The first row in that group.
        index: usize,
    },

    /// The linear program behind a search did not return an optimum (a numerical failure
    /// of the solver; never a property of valid data).
    #[error("the linear program for {problem} did not solve: {reason}")]
    SolverFailed {
        /// What was being solved.
        problem: String,
        /// The solver's words.
        reason: String,
    },

    /// A group value has another type than the policy's values of that column (a str where
    /// it was fitted on ints, say): it could never match a fitted group, and a fallback
    /// would silently decide every such row.
    #[error(
        "group column `{column}` holds the {found} {value} (row {index}), but the policy was \
         fitted on {expected} values in that column: pass the column with the type it was \
         fitted with"
    )]
    GroupTypeMismatch {
        /// The group column.
        column: String,
        /// The first row holding the value.
        index: usize,
        /// The value: an integer in decimal, a string in double quotes.
        value: String,
        /// Its type (`int` or `str`).
        found: String,
        /// The type of the column's values at fit time.
        expected: String,
    },
}

impl FairnessError {
    /// A parameter error ([`CoreError::InvalidParameter`]).
    pub fn invalid_parameter(
        name: impl Into<String>,
        value: impl std::fmt::Display,
        reason: impl Into<String>,
    ) -> Self {
        Self::Core(CoreError::invalid_parameter(name, value, reason))
    }
}

/// Result alias for `mlops-fairness`.
pub type Result<T, E = FairnessError> = std::result::Result<T, E>;
