//! The options of the profile, the monitor and the one-shot report as a user writes them:
//! flat, named like the Python keywords and the command-line flags, every field optional.
//!
//! Each options struct reads from any serde format (a Python `**options` dict, JSON, TOML)
//! with `#[serde(default)]`, and its [`Default`] is taken from the configuration it builds
//! ([`ProfileParams::default`], [`MonitorConfig::default`]), so each default is written
//! once. Converting into the configuration ([`TryFrom`]) checks what the types cannot say
//! (one window kind, a threshold needs a prediction column).

use std::collections::BTreeMap;

use mlops_core::CoreError;
use serde::{Deserialize, Serialize};

use crate::DriftError;
use crate::correction::Correction;
use crate::ks::{KsMethod, KsParams};
use crate::monitor::{FeatureTest, MonitorConfig, Window};
use crate::profile::{PredictionSpec, ProfileParams};

/// One column name or several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Columns {
    /// One column.
    One(String),
    /// Several columns.
    Many(Vec<String>),
}

impl Columns {
    fn into_vec(self) -> Vec<String> {
        match self {
            Self::One(c) => vec![c],
            Self::Many(cs) => cs,
        }
    }
}

/// `Some(cap)`, or `None` for no cap (`usize::MAX` in the configurations).
fn cap_option(cap: usize) -> Option<usize> {
    (cap != usize::MAX).then_some(cap)
}

/// The options of [`ReferenceProfile::from_table`](crate::ReferenceProfile::from_table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProfileOptions {
    /// Columns to treat as categorical whatever their type.
    pub categorical: Option<Vec<String>>,
    /// Columns that must be numeric.
    pub numeric: Option<Vec<String>>,
    /// Exact numeric values kept per column before sketching; `None`: no cap.
    pub sample_cap: Option<usize>,
    /// The sketch's `k`.
    pub sketch_k: u16,
    /// Seed of the sketch's coins.
    pub seed: u64,
    /// Group column(s) for the output-rate counts.
    pub group: Option<Columns>,
    /// The prediction column.
    pub prediction: Option<String>,
    /// A prediction score `>= threshold` is positive; `None`: the column holds 0/1 labels.
    pub threshold: Option<f64>,
}

impl Default for ProfileOptions {
    fn default() -> Self {
        let p = ProfileParams::default();
        Self {
            categorical: None,
            numeric: None,
            sample_cap: cap_option(p.sample_cap),
            sketch_k: p.sketch_k,
            seed: p.seed,
            group: None,
            prediction: None,
            threshold: None,
        }
    }
}

impl TryFrom<ProfileOptions> for ProfileParams {
    type Error = DriftError;

    fn try_from(o: ProfileOptions) -> Result<Self, DriftError> {
        if let Some(t) = o.threshold.filter(|t| !t.is_finite()) {
            return Err(
                CoreError::invalid_parameter("threshold", t, "must be a finite number").into(),
            );
        }
        let prediction = match (o.prediction, o.threshold) {
            (None, Some(t)) => {
                return Err(CoreError::invalid_parameter(
                    "threshold",
                    t,
                    "a threshold needs a prediction column",
                )
                .into());
            }
            (column, threshold) => column.map(|column| PredictionSpec { column, threshold }),
        };
        Ok(Self {
            sample_cap: o.sample_cap.unwrap_or(usize::MAX),
            sketch_k: o.sketch_k,
            seed: o.seed,
            categorical: o.categorical.unwrap_or_default(),
            numeric: o.numeric.unwrap_or_default(),
            group_columns: o.group.map(Columns::into_vec).unwrap_or_default(),
            prediction,
        })
    }
}

/// The test options shared by the monitor and the one-shot report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TestOptions {
    /// Tests per feature; features not listed get [`FeatureTest::Auto`].
    pub tests: Option<BTreeMap<String, FeatureTest>>,
    /// The features to test; `None`: every profiled column except the prediction column.
    pub features: Option<Vec<String>>,
    /// Threshold on corrected p-values.
    pub alpha: f64,
    /// Optional minimum effect size for a drift flag.
    pub effect_threshold: Option<f64>,
    /// PSI at or above which a PSI-tested feature drifts.
    pub psi_threshold: f64,
    /// Normalised Wasserstein distance at or above which a feature drifts.
    pub wasserstein_threshold: f64,
    /// The correction across features.
    pub correction: Correction,
    /// Confidence level of the output-rate intervals.
    pub confidence_level: f64,
    /// How the KS p-values are computed.
    pub ks_method: KsMethod,
    /// Threshold on the corrected missing-rate p-values; `None`: `alpha`.
    pub missing_alpha: Option<f64>,
    /// The smallest rise of a feature's missing share that can alert.
    pub missing_rate_threshold: f64,
}

impl From<&MonitorConfig> for TestOptions {
    fn from(c: &MonitorConfig) -> Self {
        Self {
            tests: (!c.tests.is_empty()).then(|| c.tests.clone()),
            features: c.features.clone(),
            alpha: c.alpha,
            effect_threshold: c.effect_threshold,
            psi_threshold: c.psi_threshold,
            wasserstein_threshold: c.wasserstein_threshold,
            correction: c.correction,
            confidence_level: c.confidence_level,
            ks_method: c.ks.method,
            missing_alpha: c.missing_alpha,
            missing_rate_threshold: c.missing_rate_threshold,
        }
    }
}

impl Default for TestOptions {
    fn default() -> Self {
        (&MonitorConfig::default()).into()
    }
}

impl TestOptions {
    /// `base` with these test options.
    fn apply(self, base: MonitorConfig) -> MonitorConfig {
        MonitorConfig {
            tests: self.tests.unwrap_or_default(),
            features: self.features,
            alpha: self.alpha,
            effect_threshold: self.effect_threshold,
            psi_threshold: self.psi_threshold,
            wasserstein_threshold: self.wasserstein_threshold,
            correction: self.correction,
            confidence_level: self.confidence_level,
            ks: KsParams {
                method: self.ks_method,
                ..base.ks
            },
            missing_alpha: self.missing_alpha,
            missing_rate_threshold: self.missing_rate_threshold,
            ..base
        }
    }
}

/// The options of [`DriftMonitor::new`](crate::DriftMonitor::new).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MonitorOptions {
    /// The tests.
    #[serde(flatten)]
    pub tests: TestOptions,
    /// Tumbling windows of this many rows.
    pub window_rows: Option<u64>,
    /// Tumbling windows of this many seconds.
    pub window_seconds: Option<f64>,
    /// Exact numeric values kept per feature, shard and window; `None`: no cap.
    pub window_sample_cap: Option<usize>,
    /// Number of shards (`0`: one per CPU, at most 16).
    pub shards: usize,
}

impl Default for MonitorOptions {
    fn default() -> Self {
        let c = MonitorConfig::default();
        let (window_rows, window_seconds) = match c.window {
            Window::Cumulative => (None, None),
            Window::Count(n) => (Some(n), None),
            Window::Time(s) => (None, Some(s)),
        };
        Self {
            tests: (&c).into(),
            window_rows,
            window_seconds,
            window_sample_cap: cap_option(c.window_sample_cap),
            shards: c.shards,
        }
    }
}

impl TryFrom<MonitorOptions> for MonitorConfig {
    type Error = DriftError;

    fn try_from(o: MonitorOptions) -> Result<Self, DriftError> {
        let window = match (o.window_rows, o.window_seconds) {
            (None, None) => Window::Cumulative,
            (Some(n), None) => Window::Count(n),
            (None, Some(s)) => Window::Time(s),
            (Some(n), Some(_)) => {
                return Err(CoreError::invalid_parameter(
                    "window_rows",
                    n,
                    "give window_rows or window_seconds, not both",
                )
                .into());
            }
        };
        let base = Self {
            window,
            window_sample_cap: o.window_sample_cap.unwrap_or(usize::MAX),
            shards: o.shards,
            ..Self::default()
        };
        Ok(o.tests.apply(base))
    }
}

/// The options of the one-shot [`drift_report`](crate::drift_report): the profile's
/// (every value kept exactly by default, so each test equals its function on the same
/// columns) and the tests'.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DriftReportOptions {
    /// How the reference is profiled.
    #[serde(flatten)]
    pub profile: ProfileOptions,
    /// The tests.
    #[serde(flatten)]
    pub tests: TestOptions,
}

impl Default for DriftReportOptions {
    fn default() -> Self {
        Self {
            profile: ProfileOptions {
                sample_cap: None,
                ..ProfileOptions::default()
            },
            tests: TestOptions::default(),
        }
    }
}

impl DriftReportOptions {
    /// The profile parameters and the monitor configuration of the report (the current
    /// window keeps as many exact values as the reference).
    ///
    /// # Errors
    /// As the conversions of [`ProfileOptions`].
    pub fn into_parts(self) -> Result<(ProfileParams, MonitorConfig), DriftError> {
        let params = ProfileParams::try_from(self.profile)?;
        let base = MonitorConfig {
            window_sample_cap: params.sample_cap,
            ..MonitorConfig::default()
        };
        Ok((params, self.tests.apply(base)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_options_give_the_default_configurations() {
        assert_eq!(
            ProfileParams::try_from(ProfileOptions::default()).ok(),
            Some(ProfileParams::default())
        );
        assert_eq!(
            MonitorConfig::try_from(MonitorOptions::default()).ok(),
            Some(MonitorConfig::default())
        );
    }

    #[test]
    fn options_read_flat_json_and_refuse_two_window_kinds() {
        let o: MonitorOptions =
            serde_json::from_str(r#"{"alpha": 0.01, "window_rows": 500, "ks_method": "exact"}"#)
                .unwrap();
        let c = MonitorConfig::try_from(o.clone()).ok();
        assert_eq!(c.as_ref().map(|c| c.alpha), Some(0.01));
        assert_eq!(c.as_ref().map(|c| c.window), Some(Window::Count(500)));
        assert_eq!(c.map(|c| c.ks.method), Some(KsMethod::Exact));
        let both = MonitorOptions {
            window_seconds: Some(60.0),
            ..o
        };
        assert!(MonitorConfig::try_from(both).is_err());
    }

    #[test]
    fn the_report_keeps_every_value_and_checks_the_threshold() {
        let (params, config) = DriftReportOptions::default()
            .into_parts()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(params.sample_cap, usize::MAX);
        assert_eq!(config.window_sample_cap, usize::MAX);
        let o: DriftReportOptions =
            serde_json::from_str(r#"{"threshold": 0.5, "group": "g"}"#).unwrap();
        assert_eq!(o.profile.group, Some(Columns::One("g".into())));
        assert!(
            o.into_parts().is_err(),
            "a threshold without a prediction column"
        );
    }
}
