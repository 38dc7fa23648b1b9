//! The drift report: what [`DriftMonitor::evaluate`](crate::DriftMonitor::evaluate) returns.

use mlops_core::GroupKey;
use serde::{Deserialize, Serialize};
use strum::{Display, EnumIter, IntoStaticStr};

use crate::DriftError;
use crate::correction::Correction;
use crate::missing::RateDriftResult;
use crate::profile::{ColumnKind, OutputCounts, OutputTally};
use crate::proportion::ProportionResult;

/// The overall verdict of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(Display, IntoStaticStr, EnumIter)]
#[strum(serialize_all = "snake_case")]
pub enum AlertStatus {
    /// Nothing drifted.
    Ok,
    /// At least one feature drifted, had its missing share rise or was entirely missing, or
    /// one group's output rate left its interval; see [`DriftReport::reasons`].
    Alert,
    /// The window holds no rows: nothing could be tested.
    NoData,
}

/// The window a report covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowInfo {
    /// `"cumulative"`, `"count"` or `"time"`.
    pub kind: String,
    /// The window's index (0 for cumulative windows; `floor(first_row / size)` for count
    /// windows; `floor(timestamp / seconds)` for time windows).
    pub index: u64,
    /// Whether the window is closed (a later window has started).
    pub complete: bool,
    /// Rows in the window.
    pub rows: u64,
    /// Batches in the window.
    pub batches: u64,
    /// Start of a time window (seconds, same clock as the timestamps).
    pub start: Option<f64>,
    /// End of a time window (exclusive).
    pub end: Option<f64>,
}

/// Counters of the service since the monitor was created.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceCounters {
    /// Batches (requests) accepted.
    pub requests: u64,
    /// Rows accepted.
    pub rows: u64,
    /// Batches rejected (bad input) plus errors recorded by the caller.
    pub errors: u64,
    /// Rows that arrived for a window already discarded (time windows only).
    pub late_rows: u64,
    /// Positive predictions and rows with a prediction, over all rows and per group;
    /// `None` when the profile has no prediction column.
    pub predictions: Option<OutputTally>,
}

/// Input drift of one feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureDrift {
    /// The feature.
    pub name: String,
    /// Numeric or categorical.
    pub kind: ColumnKind,
    /// The test run (`"ks"`, `"chi_square"`, `"g_test"`, `"psi"`, `"wasserstein"`); `None`
    /// when no test could run (see `note`).
    pub test: Option<String>,
    /// The test statistic.
    pub statistic: Option<f64>,
    /// Its p-value (`None` for PSI and Wasserstein, which have none).
    pub pvalue: Option<f64>,
    /// The p-value adjusted across features.
    pub pvalue_corrected: Option<f64>,
    /// The effect size: KS distance, total variation, PSI or normalised Wasserstein.
    pub effect_size: Option<f64>,
    /// What `effect_size` measures.
    pub effect_size_name: Option<String>,
    /// Whether the feature's (non-missing) values drifted under the configured thresholds;
    /// a rise in its missing share is `missing_drifted`.
    pub drifted: bool,
    /// Whether a sketch (beyond the sample cap) was used, making the test approximate.
    pub approximate: bool,
    /// For approximate KS tests: a bound on the statistic's error (sum of the two sides'
    /// normalised rank-error bounds at 99%).
    pub statistic_error_bound: Option<f64>,
    /// Non-missing reference values.
    pub reference_count: u64,
    /// Non-missing current values.
    pub current_count: u64,
    /// Share of missing values in the reference.
    pub reference_missing_rate: Option<f64>,
    /// Share of missing values in the window (nulls, NaN and ±inf for numeric columns).
    pub current_missing_rate: Option<f64>,
    /// NaN values in the window (numeric columns).
    pub current_nan: u64,
    /// ±inf values in the window (numeric columns).
    pub current_infinite: u64,
    /// Categories in the window that the reference never saw.
    pub unseen_categories: Vec<String>,
    /// Why no test ran, if none did.
    pub note: Option<String>,
    /// The one-sided test of a rise in the missing share, window against reference
    /// ([`rate_test`](crate::rate_test) with `Greater`); `None` only when a side has no rows.
    #[serde(default)]
    pub missing_test: Option<RateDriftResult>,
    /// Its p-value adjusted across features (the missing-rate family).
    #[serde(default)]
    pub missing_pvalue_corrected: Option<f64>,
    /// Whether the missing share rose: adjusted p-value `<= missing_alpha` and rise `>=
    /// missing_rate_threshold`.
    #[serde(default)]
    pub missing_drifted: bool,
}

/// The share of positive predictions of one group, or of all rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputDrift {
    /// The group's key (one value per group column, `null` for a missing value); `None`
    /// for all rows ([`DriftReport::output_overall`]).
    pub group: Option<GroupKey>,
    /// The group's name: its key's label (unambiguous among the groups), or
    /// [`mlops_core::ALL_ROWS_LABEL`] (`"(all)"`, which no group's label is) for all rows.
    pub name: String,
    /// Training counts.
    pub training: OutputCounts,
    /// Window counts.
    pub production: OutputCounts,
    /// `positives / total` in training; `None` without training rows.
    pub training_share: Option<f64>,
    /// `positives / total` in the window; `None` without rows.
    pub production_share: Option<f64>,
    /// Intervals and the two-proportion test; `None` when either side has no rows.
    pub test: Option<ProportionResult>,
    /// Whether the training share lies outside the Clopper-Pearson interval of the window's
    /// share (the alert rule).
    pub out_of_interval: bool,
}

/// The report of one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    /// The verdict.
    pub status: AlertStatus,
    /// Human-readable reasons for the verdict (empty when `Ok`).
    pub reasons: Vec<String>,
    /// The window evaluated.
    pub window: WindowInfo,
    /// Service counters (since creation).
    pub counters: ServiceCounters,
    /// Input drift per feature, in profile order.
    pub features: Vec<FeatureDrift>,
    /// Output rate over all rows; `None` without a prediction column (or without rows).
    pub output_overall: Option<OutputDrift>,
    /// Output rate per group, in key order (empty without group columns).
    pub outputs: Vec<OutputDrift>,
    /// The p-value threshold (applied to corrected p-values).
    pub alpha: f64,
    /// The correction across features.
    pub correction: Correction,
    /// The threshold on the adjusted p-values of the missing-rate tests.
    #[serde(default)]
    pub missing_alpha: f64,
    /// The smallest rise of a missing share that alerts.
    #[serde(default)]
    pub missing_rate_threshold: f64,
    /// Columns seen in batches but absent from the profile (ignored), at most 100 names.
    pub ignored_columns: Vec<String>,
}

impl DriftReport {
    /// The report as JSON.
    ///
    /// # Errors
    /// [`DriftError::Serialization`] if serde fails (it does not for a valid report).
    pub fn to_json(&self) -> Result<String, DriftError> {
        serde_json::to_string(self).map_err(|e| DriftError::Serialization {
            message: e.to_string(),
        })
    }

    /// The features whose values drifted ([`FeatureDrift::drifted`]; rises in missing shares
    /// are [`FeatureDrift::missing_drifted`]).
    pub fn drifted_features(&self) -> Vec<&str> {
        self.features
            .iter()
            .filter(|f| f.drifted)
            .map(|f| f.name.as_str())
            .collect()
    }
}
