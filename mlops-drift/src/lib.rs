//! Drift detection for models in production: two-sample tests on features and the share of
//! positive predictions per group, reference profiles and a monitor.
//!
//! Contents:
//! * [`ks_2samp`]: the two-sample Kolmogorov-Smirnov test of a numeric feature between
//!   training (`reference`) and production (`current`) data;
//! * [`wasserstein`](mod@wasserstein): the Wasserstein-1 distance, raw and in units of the
//!   reference standard deviation;
//! * [`psi`](mod@psi): the population stability index and Jensen-Shannon distance of a
//!   numeric feature on bins fixed from the reference;
//! * [`categorical`]: KL, JS, PSI, total variation, chi-square and G tests for a
//!   categorical feature given as counts per category;
//! * [`proportion`]: Wilson and Clopper-Pearson intervals and the two-proportion z-test for
//!   the share of positive predictions;
//! * [`correction`]: Bonferroni, Holm and Benjamini-Hochberg adjusted p-values;
//! * [`special`]: the accurate special functions behind these p-values;
//! * [`anderson`]: the Anderson-Darling k-sample test (interpolated or permutation p-value);
//! * [`cvm`]: the two-sample Cramér-von Mises test (exact or asymptotic p-value);
//! * [`missing`]: missing-value rates and unseen categories as drift signals;
//! * [`profile`] and [`sketch`]: mergeable reference profiles of training data (exact
//!   categories; numeric values exact up to a cap, then a KLL quantile sketch);
//! * [`monitor`] and [`report`]: the [`DriftMonitor`] a service feeds batches from many
//!   threads, with windows, alerts and a JSON [`report::DriftReport`];
//! * [`events`]: the prediction event log (Arrow IPC files) replayed into a monitor, and
//!   outcomes joined to it later.
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

pub mod anderson;
pub mod categorical;
pub mod correction;
pub mod cvm;
pub mod events;
pub mod ks;
pub mod missing;
pub mod monitor;
pub mod profile;
pub mod proportion;
pub mod psi;
pub mod report;
pub mod sketch;
pub mod special;
pub mod table;
mod validate;
pub mod wasserstein;

pub use anderson::{
    AdMethod, AdPValueMethod, AdVariant, AndersonParams, AndersonResult, PValueLimit,
    anderson_ksamp,
};
pub use categorical::{CategoricalParams, CategoricalResult, categorical_drift};
pub use correction::{Correction, CorrectionResult, multipletests};
pub use cvm::{CvmMethod, CvmPValueMethod, CvmResult, cramervonmises_2samp};
pub use ks::{
    Alternative, KsMethod, KsParams, KsResult, PValueMethod, ks_2samp, ksone_sf, kstwo_sf,
};
pub use missing::{
    MissingCounts, MissingDriftResult, RateDriftResult, UnseenCategory, UnseenCategoryResult,
    numeric_missing_drift, rate_drift, rate_test, unseen_category_drift,
};
pub use monitor::{
    DriftMonitor, EvaluationHistory, FeatureTest, MonitorConfig, MonitorState, Window,
    WindowEvaluation, drift_report,
};
pub use profile::{
    ColumnKind, OutputCounts, OutputTally, PredictionSpec, ProfileParams, ReferenceProfile,
};
pub use proportion::{ProportionResult, proportion_drift};
pub use psi::{Binning, PsiParams, PsiResult, psi};
pub use report::{AlertStatus, DriftReport};
pub use sketch::QuantileSketch;
pub use table::{ColumnData, MISSING_CODE, Table, TextColumn};
pub use wasserstein::{WassersteinResult, wasserstein, wasserstein_weighted};

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

    /// A p-value is NaN or outside `[0, 1]`.
    #[error("p-value at index {index} is {value}: p-values must lie in [0, 1]")]
    PValueOutOfRange {
        /// The position of the first such p-value.
        index: usize,
        /// The value given.
        value: f64,
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

    /// A column of a table has a different length from the first column.
    #[error(
        "column `{column}` has {found} rows but `{reference}` has {expected}: every column of \
         a table must have the same length"
    )]
    ColumnLengthMismatch {
        /// The column with the wrong length.
        column: String,
        /// The first column, whose length sets the table's.
        reference: String,
        /// The table's length.
        expected: usize,
        /// This column's length.
        found: usize,
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
