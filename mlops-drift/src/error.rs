//! The one error type of `mlops-drift`.
//!
//! Input problems that every crate shares (an empty or non-finite sample, misaligned
//! columns, a parameter outside its domain, a p-value outside `[0, 1]`) are
//! [`CoreError`]s, wrapped in [`DriftError::Core`]; the variants here are the ones only
//! drift detection has (counts per category, profiles, tables, monitors).

use mlops_core::CoreError;
use thiserror::Error;

/// Everything that can go wrong in `mlops-drift`.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum DriftError {
    /// An input problem shared with the other crates: an empty sample
    /// ([`CoreError::EmptyInput`]), a non-finite value ([`CoreError::NotFinite`]), columns
    /// of different lengths ([`CoreError::LengthMismatch`]), a p-value outside `[0, 1]`
    /// ([`CoreError::OutOfRange`]), a parameter outside its domain
    /// ([`CoreError::InvalidParameter`]), a corrupt saved state, ...
    #[error(transparent)]
    Core(#[from] CoreError),

    /// A count is negative or not finite.
    #[error(
        "count of category `{category}` in `{sample}` is {value}: counts must be finite and \
         non-negative"
    )]
    InvalidCount {
        /// The sample's name (`"reference"` or `"current"`, or `"training"`/`"production"`).
        sample: String,
        /// The category (or count) concerned.
        category: String,
        /// The value given.
        value: f64,
    },

    /// A category is listed twice in the same sample.
    #[error("category `{category}` appears more than once in `{sample}`: merge its counts first")]
    DuplicateCategory {
        /// The sample's name.
        sample: String,
        /// The repeated category.
        category: String,
    },

    /// More successes than trials.
    #[error(
        "`{sample}` has {successes} successes out of {trials} trials: successes cannot \
         exceed trials"
    )]
    SuccessesExceedTrials {
        /// The sample's name (`"training"` or `"production"`).
        sample: String,
        /// The number of successes given.
        successes: u64,
        /// The number of trials given.
        trials: u64,
    },

    /// A column name appears twice in a table.
    #[error("column `{column}` appears more than once: give every column a distinct name")]
    DuplicateColumn {
        /// The repeated name.
        column: String,
    },

    /// A column named in the parameters is not in the data.
    #[error("column `{column}` is not in the data (columns: {available:?}): check the spelling")]
    UnknownColumn {
        /// The name given.
        column: String,
        /// The columns that exist.
        available: Vec<String>,
    },

    /// A batch lacks a column of the reference profile.
    #[error(
        "column `{column}` of the reference profile is missing from the data: send every \
         profiled column (use null values for missing entries)"
    )]
    MissingColumn {
        /// The missing column.
        column: String,
    },

    /// A column holds a type the profile cannot use where it is expected.
    #[error(
        "column `{column}` is {expected} in the reference profile but holds {found} data: \
         convert it, or profile it as categorical"
    )]
    ColumnTypeMismatch {
        /// The column.
        column: String,
        /// The kind the profile expects.
        expected: String,
        /// The kind found.
        found: String,
    },

    /// A column mixes numbers and text.
    #[error(
        "column `{column}` mixes types: row {index} holds {found} where earlier rows hold \
         {expected}; convert the column to one type (e.g. str for categories)"
    )]
    MixedTypes {
        /// The column.
        column: String,
        /// The first row of the other type.
        index: usize,
        /// The type of the earlier rows.
        expected: String,
        /// The type found at `index`.
        found: String,
    },

    /// A column's type is neither numbers, text nor booleans.
    #[error(
        "column `{column}` has type {data_type}, which is neither numeric nor categorical: \
         cast it to numbers or strings"
    )]
    UnsupportedColumnType {
        /// The column.
        column: String,
        /// Its type.
        data_type: String,
    },

    /// Two profiles (or a profile and a configuration) do not fit together.
    #[error("profiles cannot be combined at column `{column}`: {reason}")]
    ProfileMismatch {
        /// The column concerned (empty when the whole profile is).
        column: String,
        /// What differs.
        reason: String,
    },

    /// A prediction is not a 0/1 label and no threshold was given.
    #[error(
        "prediction column `{column}` holds {value} at row {index}: give 0/1 labels, or a \
         threshold to turn scores into labels"
    )]
    InvalidPrediction {
        /// The prediction column.
        column: String,
        /// The row.
        index: usize,
        /// The value found.
        value: String,
    },

    /// A profile was written by a newer format.
    #[error(
        "profile format version {found} is not supported (this version reads {supported}): \
         rebuild the profile or upgrade mlops-drift"
    )]
    UnsupportedFormatVersion {
        /// The version in the data.
        found: u32,
        /// The version this crate reads.
        supported: u32,
    },

    /// Output counts of a format 1 profile, keyed by text, cannot be read back to one
    /// group each (format 1 wrote a missing value and a value called `"(missing)"` alike,
    /// and added a group called `"(all)"` into all rows).
    #[error(
        "the output counts of group `{group}` in this format 1 profile are ambiguous: \
         {reason}; rebuild the profile from the training data"
    )]
    AmbiguousGroups {
        /// The group as format 1 wrote it.
        group: String,
        /// Why it cannot be read back.
        reason: String,
    },

    /// JSON could not be read or written.
    #[error("JSON (de)serialisation failed: {message}")]
    Serialization {
        /// serde's message.
        message: String,
    },

    /// Every observation has the same value, so a rank-based test has nothing to compare.
    #[error(
        "every observation equals {value}: the test needs at least two distinct values in \
         the pooled samples"
    )]
    NoVariation {
        /// The common value.
        value: f64,
    },

    /// The reference profile holds no rows, so there is nothing to compare production with.
    #[error(
        "the reference profile holds no rows: every drift test would compare production data \
         with nothing; profile the training data before monitoring"
    )]
    EmptyProfile,

    /// A monitored column has no non-missing value in the reference profile, so its drift
    /// tests are undefined.
    #[error(
        "column `{column}` has no non-missing value in the reference profile ({missing} \
         missing): its drift tests are undefined; leave it out of `features`, or profile data \
         in which it is present"
    )]
    NoReferenceValues {
        /// The column.
        column: String,
        /// Its missing entries in the reference.
        missing: u64,
    },

    /// A sample has fewer observations than the test needs.
    #[error(
        "sample `{sample}` has {found} observation(s): this test needs at least {needed}; \
         collect a larger window or use a test defined for smaller samples"
    )]
    TooFewObservations {
        /// The sample's name.
        sample: String,
        /// How many observations it has.
        found: usize,
        /// How many the test needs.
        needed: usize,
    },
}

/// Result alias for `mlops-drift`.
pub type Result<T, E = DriftError> = std::result::Result<T, E>;

impl DriftError {
    /// A parameter outside its domain ([`CoreError::InvalidParameter`]).
    pub fn invalid_parameter(
        name: impl Into<String>,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self::Core(CoreError::InvalidParameter {
            name: name.into(),
            value: value.into(),
            reason: reason.into(),
        })
    }

    /// A sample with no observations ([`CoreError::EmptyInput`]).
    pub(crate) fn empty(sample: impl Into<String>) -> Self {
        Self::Core(CoreError::EmptyInput {
            input: sample.into(),
        })
    }

    /// A NaN or infinity at `index` of `sample` ([`CoreError::NotFinite`]).
    pub(crate) fn not_finite(sample: impl Into<String>, index: usize, value: f64) -> Self {
        Self::Core(CoreError::NotFinite {
            input: sample.into(),
            index,
            value,
        })
    }
}
