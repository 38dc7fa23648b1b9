//! The drift monitor: a reference profile, a configuration, and production rows arriving in
//! batches from many threads; [`DriftMonitor::evaluate`] turns the current window into a
//! [`DriftReport`].
//!
//! # Concurrency and cost of ingestion
//! [`DriftMonitor::ingest`] takes `&self` and the monitor is `Send + Sync`: a service shares
//! one monitor (e.g. in an `Arc`) between its request threads. A batch is validated and
//! summarised (values copied, categories counted, predictions read) *before* any lock is
//! taken; the summary is then merged into one of several shards, each behind its own mutex.
//! A thread prefers its own shard (chosen once per thread) and moves to the next free one
//! when it is busy, so threads rarely wait. No row is lost: every accepted batch is merged
//! exactly once, and a rejected batch changes nothing but the error counter.
//!
//! # Windows (tumbling)
//! * [`Window::Cumulative`]: one window holding every row since creation.
//! * [`Window::Count`]`(n)`: rows are numbered in arrival order; window `w` holds the
//!   batches whose *first* row has a number in `[w n, (w + 1) n)` (batches are never split,
//!   so a window holds `n` rows give or take one batch). Window `w` is complete once row
//!   `(w + 1) n` has been numbered.
//! * [`Window::Time`]`(s)`: window `w` holds the batches ingested at a time `t` (seconds,
//!   by default the UNIX time at ingestion; see [`DriftMonitor::ingest_at`]) with
//!   `floor(t / s) = w`. It is complete once the clock has passed its end.
//!
//! [`DriftMonitor::evaluate`] reports the most recent complete window, or, before any window
//! is complete, the open one ([`WindowInfo::complete`](crate::report::WindowInfo) says which).
//! Each shard keeps the open window and the one before it; a batch for an older window
//! (possible only with caller-supplied timestamps) is counted in
//! [`ServiceCounters::late_rows`](crate::report::ServiceCounters) and dropped.
//!
//! # Memory
//! State does not grow with the rows seen: per shard, at most two windows, each holding per
//! numeric feature at most [`MonitorConfig::window_sample_cap`] exact values and beyond them
//! a [`QuantileSketch`](crate::QuantileSketch) of `O(k)` items, and per categorical feature
//! one counter per category. A window is exact when every shard's part of it is.
//!
//! # Tests and alerts
//! Per feature, the test of [`MonitorConfig::tests`] (default [`FeatureTest::Auto`]: KS for
//! numeric features, with the exact p-value while both samples have at most 10 000 values as
//! in [`ks_2samp`]; Pearson's chi-square test of homogeneity for categorical ones). The
//! p-values are adjusted across features ([`MonitorConfig::correction`]); a feature drifts
//! when its adjusted p-value is `<= alpha` and its effect size reaches
//! [`MonitorConfig::effect_threshold`] (if set), or, for PSI and Wasserstein (no p-value),
//! when the effect size reaches [`MonitorConfig::psi_threshold`] /
//! [`MonitorConfig::wasserstein_threshold`]. When a side is sketched, KS uses the weighted
//! empirical CDFs of the sketches with the asymptotic p-value (`kstwo` at the effective
//! size), and the report gives a bound on the statistic's error; PSI and Wasserstein use an
//! evenly spaced quantile sample of the sketch. Output rates: per group of the profile's
//! group columns, the window's share of positive predictions against the training share
//! ([`proportion_drift`]); a group alerts when the training share is outside the window's
//! Clopper-Pearson interval.
//!
//! # Missing values
//! Per feature, the window's share of missing entries (nulls, and NaN and ±inf in numeric
//! columns) is tested against the reference's with the one-sided [`rate_test`] (`Greater`:
//! the pooled two-proportion z-test, or Fisher's exact test when an expected count of the
//! 2 x 2 table is below 5). These p-values form a family of their own, adjusted across
//! features with the same [`MonitorConfig::correction`]; a feature's missing share rose when
//! its adjusted p-value is `<= missing_alpha` (default: `alpha`) **and** the rise (window
//! share minus reference share) reaches [`MonitorConfig::missing_rate_threshold`]
//! ([`DEFAULT_MISSING_RATE_THRESHOLD`], one percentage point), so that a statistically
//! clear but negligible rise in a large window does not page anyone. A feature with rows in
//! the window but no non-missing value alerts whatever the test says: its value tests are
//! undefined (reported with `test`, `statistic` and `pvalue` as `None` and a `note`), and
//! "ok" would claim they passed.
//!
//! # Refused references
//! [`DriftMonitor::new`] (and so [`drift_report`]) refuses a profile without rows
//! ([`DriftError::EmptyProfile`]) and a monitored column without a single non-missing value
//! in the reference ([`DriftError::NoReferenceValues`]): against such a reference every
//! value test is undefined, so the monitor could only ever say "ok" (wrong) or alert on
//! every window (useless). Leave such a column out of [`MonitorConfig::features`].
//!
//! The report's status is `alert` with one reason per drifted feature, rise in a missing
//! share, entirely missing feature and alerting group, and the alert hook (if set) is
//! called.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use mlops_core::{CoreError, GroupKey};
use serde::{Deserialize, Serialize};
use strum::{Display, EnumIter, EnumString, IntoStaticStr, VariantNames};

use crate::categorical::{CategoricalParams, categorical_drift};
use crate::correction::{Correction, multipletests};
use crate::ks::{KsParams, kstwo_sf, weighted_distance};
use crate::missing::{Alternative, RateTest, rate_test};
use crate::profile::{
    ColumnKind, ColumnSummary, NumericSummary, NumericValues, OutputCounts, OutputTally,
    ProfileParams, ReferenceProfile, check_fits, count_outputs, parallel,
};
use crate::proportion::proportion_drift;
use crate::psi::{PsiParams, psi};
use crate::report::{
    AlertStatus, DriftReport, FeatureDrift, OutputDrift, ServiceCounters, WindowInfo,
};
use crate::table::Table;
use crate::validate::open_unit;
use crate::wasserstein::wasserstein;
use crate::{DriftError, ks_2samp};

pub mod history;
mod service;
pub mod state;
pub use history::{EvaluationHistory, WindowEvaluation};
pub use service::{DEFAULT_HISTORY_CAPACITY, DEFAULT_REPLICA};
pub use state::{MONITOR_STATE_FORMAT_VERSION, MonitorState};

/// How rows are grouped into windows (see the [module documentation](self)).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    /// Every row since creation.
    #[default]
    Cumulative,
    /// Tumbling windows of this many rows.
    Count(u64),
    /// Tumbling windows of this many seconds.
    Time(f64),
}

/// The test of one feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(Display, EnumString, IntoStaticStr, EnumIter, VariantNames)]
#[strum(
    serialize_all = "snake_case",
    parse_err_ty = DriftError,
    parse_err_fn = FeatureTest::unknown
)]
pub enum FeatureTest {
    /// KS for numeric features, chi-square for categorical ones.
    #[default]
    Auto,
    /// Two-sample Kolmogorov-Smirnov (numeric).
    Ks,
    /// Population stability index on reference quantile bins (numeric; no p-value).
    Psi,
    /// Wasserstein-1 distance over the reference standard deviation (numeric; no p-value).
    Wasserstein,
    /// Pearson's chi-square test of homogeneity (categorical).
    ChiSquare,
    /// The G-test of homogeneity (categorical).
    GTest,
}

impl FeatureTest {
    fn unknown(given: &str) -> DriftError {
        CoreError::unknown_choice("test", given, Self::VARIANTS).into()
    }

    fn resolve(self, kind: ColumnKind) -> Self {
        match (self, kind) {
            (Self::Auto, ColumnKind::Numeric) => Self::Ks,
            (Self::Auto, ColumnKind::Categorical) => Self::ChiSquare,
            (t, _) => t,
        }
    }

    fn fits(self, kind: ColumnKind) -> bool {
        match self {
            Self::Auto => true,
            Self::Ks | Self::Psi | Self::Wasserstein => kind == ColumnKind::Numeric,
            Self::ChiSquare | Self::GTest => kind == ColumnKind::Categorical,
        }
    }
}

/// The default [`MonitorConfig::missing_rate_threshold`]: a rise of one percentage point in
/// a feature's missing share.
pub const DEFAULT_MISSING_RATE_THRESHOLD: f64 = 0.01;

fn default_missing_rate_threshold() -> f64 {
    DEFAULT_MISSING_RATE_THRESHOLD
}

/// The monitor's configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitorConfig {
    /// Tests per feature; features not listed get [`FeatureTest::Auto`].
    pub tests: BTreeMap<String, FeatureTest>,
    /// The features to test; `None`: every profiled column except the prediction column.
    pub features: Option<Vec<String>>,
    /// Threshold on corrected p-values.
    pub alpha: f64,
    /// Optional minimum effect size (KS distance or total variation) for a drift flag.
    pub effect_threshold: Option<f64>,
    /// PSI at or above which a PSI-tested feature drifts.
    pub psi_threshold: f64,
    /// Normalised Wasserstein distance at or above which a Wasserstein-tested feature drifts.
    pub wasserstein_threshold: f64,
    /// The correction across features.
    pub correction: Correction,
    /// Confidence level of the output-rate intervals.
    pub confidence_level: f64,
    /// The windows.
    pub window: Window,
    /// Exact numeric values kept per feature, per shard and window, before sketching.
    pub window_sample_cap: usize,
    /// Number of shards (`0`: the number of available CPUs, at most 16).
    pub shards: usize,
    /// Parameters of the KS tests.
    pub ks: KsParams,
    /// Threshold on the corrected p-values of the one-sided missing-rate tests; `None`:
    /// `alpha` (see the [module documentation](self)).
    #[serde(default)]
    pub missing_alpha: Option<f64>,
    /// The smallest rise of a feature's missing share (window minus reference, in `[0, 1]`)
    /// that can alert.
    #[serde(default = "default_missing_rate_threshold")]
    pub missing_rate_threshold: f64,
}

impl MonitorConfig {
    /// The threshold applied to the missing-rate tests: `missing_alpha`, or `alpha`.
    pub fn missing_alpha(&self) -> f64 {
        self.missing_alpha.unwrap_or(self.alpha)
    }
}

impl Default for MonitorConfig {
    fn default() -> Self {
        Self {
            tests: BTreeMap::new(),
            features: None,
            alpha: 0.05,
            effect_threshold: None,
            psi_threshold: 0.25,
            wasserstein_threshold: 0.1,
            correction: Correction::Holm,
            confidence_level: 0.95,
            window: Window::Cumulative,
            window_sample_cap: 50_000,
            shards: 0,
            ks: KsParams::default(),
            missing_alpha: None,
            missing_rate_threshold: DEFAULT_MISSING_RATE_THRESHOLD,
        }
    }
}

/// The per-window state held by a shard.
#[derive(Debug, Clone)]
struct WindowState {
    index: u64,
    rows: u64,
    batches: u64,
    /// One summary per monitored feature.
    columns: Vec<ColumnSummary>,
    outputs: OutputTally,
}

impl WindowState {
    fn merge(&mut self, other: &Self, names: &[String], cap: usize) -> Result<(), DriftError> {
        self.rows += other.rows;
        self.batches += other.batches;
        for ((a, b), name) in self.columns.iter_mut().zip(&other.columns).zip(names) {
            a.merge_with_cap(name, b, cap)?;
        }
        self.outputs.add(&other.outputs);
        Ok(())
    }
}

#[derive(Debug, Default)]
struct Shard {
    /// At most two windows, ascending by index.
    slots: Vec<WindowState>,
    /// Cumulative positive predictions, over all rows and per group.
    predictions: OutputTally,
}

/// A callback run by [`DriftMonitor::evaluate`] when the report's status is `alert`.
pub type AlertHook = Box<dyn Fn(&DriftReport) + Send + Sync>;

/// The drift monitor (see the [module documentation](self)).
pub struct DriftMonitor {
    profile: ReferenceProfile,
    config: MonitorConfig,
    /// Indices into `profile.columns` of the monitored features.
    features: Vec<usize>,
    names: Vec<String>,
    shards: Vec<Mutex<Shard>>,
    rows: AtomicU64,
    requests: AtomicU64,
    errors: AtomicU64,
    late_rows: AtomicU64,
    first_window: AtomicU64,
    ignored: Mutex<BTreeSet<String>>,
    hook: Option<AlertHook>,
    /// The last evaluation and the history ([`DriftMonitor::counters`] and friends).
    service: service::ServiceState,
}

impl std::fmt::Debug for DriftMonitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DriftMonitor")
            .field("features", &self.names)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a shard cannot leave it half-merged (merges build the new
    // state first), so a poisoned lock is still consistent.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

static NEXT_THREAD: AtomicUsize = AtomicUsize::new(0);
thread_local! {
    static THREAD_SLOT: Cell<Option<usize>> = const { Cell::new(None) };
}

fn thread_slot() -> usize {
    THREAD_SLOT.with(|c| {
        c.get().unwrap_or_else(|| {
            let s = NEXT_THREAD.fetch_add(1, Ordering::Relaxed);
            c.set(Some(s));
            s
        })
    })
}

fn now_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

impl DriftMonitor {
    /// A monitor of `profile` with `config`.
    ///
    /// # Examples
    /// ```
    /// use mlops_drift::table::{ColumnData, Table};
    /// use mlops_drift::{AlertStatus, DriftMonitor, MonitorConfig, ProfileParams, ReferenceProfile};
    /// let train: Vec<f64> = (0..500).map(|i| f64::from(i % 100)).collect();
    /// let t = Table::new(vec![("income".into(), ColumnData::numeric(&train))])?;
    /// let profile = ReferenceProfile::from_table(&t, &ProfileParams::default())?;
    /// let monitor = DriftMonitor::new(profile, MonitorConfig::default())?;
    /// let live: Vec<f64> = (0..200).map(|i| f64::from(i % 100) + 60.0).collect();
    /// monitor.ingest(&Table::new(vec![("income".into(), ColumnData::numeric(&live))])?)?;
    /// let report = monitor.evaluate()?;
    /// assert_eq!(report.status, AlertStatus::Alert);
    /// assert_eq!(report.drifted_features(), vec!["income"]);
    /// # Ok::<(), mlops_drift::DriftError>(())
    /// ```
    ///
    /// # Errors
    /// [`DriftError::UnknownColumn`] for a feature or test naming a column not in the
    /// profile, [`CoreError::InvalidParameter`] for a test that does not fit the column's
    /// kind or an out-of-range threshold, level or size, [`DriftError::EmptyProfile`] for a
    /// profile without rows and [`DriftError::NoReferenceValues`] for a monitored column
    /// without a non-missing value in the profile.
    pub fn new(profile: ReferenceProfile, config: MonitorConfig) -> Result<Self, DriftError> {
        open_unit("alpha", config.alpha)?;
        if let Some(a) = config.missing_alpha {
            open_unit("missing_alpha", a)?;
        }
        open_unit("confidence_level", config.confidence_level)?;
        let t = config.missing_rate_threshold;
        if !(0.0..=1.0).contains(&t) {
            return Err(DriftError::invalid_parameter(
                "missing_rate_threshold",
                t.to_string(),
                "expected a rise of the missing share in [0, 1]",
            ));
        }
        for (name, v) in [
            ("psi_threshold", config.psi_threshold),
            ("wasserstein_threshold", config.wasserstein_threshold),
            ("effect_threshold", config.effect_threshold.unwrap_or(0.0)),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(DriftError::invalid_parameter(
                    name,
                    v.to_string(),
                    "expected a finite number >= 0",
                ));
            }
        }
        match config.window {
            Window::Count(0) => {
                return Err(DriftError::invalid_parameter(
                    "window",
                    "0 rows",
                    "a count window needs at least one row",
                ));
            }
            Window::Time(s) if !(s.is_finite() && s > 0.0) => {
                return Err(DriftError::invalid_parameter(
                    "window",
                    format!("{s} seconds"),
                    "a time window needs a finite, positive length",
                ));
            }
            _ => {}
        }
        if config.window_sample_cap == 0 {
            return Err(DriftError::invalid_parameter(
                "window_sample_cap",
                "0",
                "expected at least 1",
            ));
        }
        let available = || profile.columns.iter().map(|c| c.name.clone()).collect();
        let prediction = profile.params.prediction.as_ref().map(|p| p.column.clone());
        let names: Vec<String> = match &config.features {
            Some(f) => f.clone(),
            None => profile
                .columns
                .iter()
                .map(|c| c.name.clone())
                .filter(|n| Some(n) != prediction.as_ref())
                .collect(),
        };
        let mut features = Vec::with_capacity(names.len());
        for n in &names {
            let i = profile
                .columns
                .iter()
                .position(|c| &c.name == n)
                .ok_or_else(|| DriftError::UnknownColumn {
                    column: n.clone(),
                    available: available(),
                })?;
            features.push(i);
        }
        for (n, t) in &config.tests {
            let c = profile.column(n).ok_or_else(|| DriftError::UnknownColumn {
                column: n.clone(),
                available: available(),
            })?;
            if !t.fits(c.summary.kind()) {
                return Err(DriftError::invalid_parameter(
                    "tests",
                    format!("{n}: {}", t),
                    format!(
                        "`{n}` is {}; numeric features take ks, psi or wasserstein, \
                         categorical ones chi_square or g_test",
                        c.summary.kind()
                    ),
                ));
            }
        }
        if profile.rows == 0 {
            return Err(DriftError::EmptyProfile);
        }
        for &i in &features {
            let c = &profile.columns[i];
            let (missing, total) = missing_counts(&c.summary);
            if missing == total {
                return Err(DriftError::NoReferenceValues {
                    column: c.name.clone(),
                    missing,
                });
            }
        }
        let shards = match config.shards {
            0 => std::thread::available_parallelism().map_or(4, |n| n.get().min(16)),
            n => n,
        };
        let service = service::ServiceState::new(config.window)?;
        Ok(Self {
            profile,
            config,
            features,
            names,
            shards: (0..shards).map(|_| Mutex::new(Shard::default())).collect(),
            rows: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            late_rows: AtomicU64::new(0),
            first_window: AtomicU64::new(u64::MAX),
            ignored: Mutex::new(BTreeSet::new()),
            hook: None,
            service,
        })
    }

    /// Sets the callback run by [`DriftMonitor::evaluate`] when the status is `alert`.
    pub fn with_alert_hook(mut self, hook: impl Fn(&DriftReport) + Send + Sync + 'static) -> Self {
        self.hook = Some(Box::new(hook));
        self
    }

    /// The reference profile.
    pub fn profile(&self) -> &ReferenceProfile {
        &self.profile
    }

    /// The configuration.
    pub fn config(&self) -> &MonitorConfig {
        &self.config
    }

    /// The monitored features.
    pub fn features(&self) -> &[String] {
        &self.names
    }

    /// Numeric values (exact values and sketch items) held across all shards and windows:
    /// the monitor's memory in units of 8 bytes, bounded whatever the number of rows.
    pub fn retained_values(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                lock(s)
                    .slots
                    .iter()
                    .flat_map(|w| &w.columns)
                    .map(|c| match c {
                        ColumnSummary::Numeric(n) => match &n.values {
                            NumericValues::Exact(v) => v.len(),
                            NumericValues::Sketch(sk) => sk.retained_items(),
                        },
                        ColumnSummary::Categorical(_) => 0,
                    })
                    .sum::<usize>()
            })
            .sum()
    }

    /// Counts an error of the caller's own (e.g. a request that failed before reaching the
    /// model) in the report's error counter.
    pub fn record_error(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
    }

    /// Ingests a batch of production rows, timestamped now (UNIX seconds).
    ///
    /// # Errors
    /// See [`DriftMonitor::ingest_at`].
    pub fn ingest(&self, batch: &Table<'_>) -> Result<(), DriftError> {
        self.ingest_at(batch, now_seconds())
    }

    /// Ingests a batch with the timestamp `t` (seconds; used by time windows only).
    ///
    /// A rejected batch changes nothing but the error counter.
    ///
    /// # Errors
    /// [`DriftError::MissingColumn`] when the batch lacks a monitored feature (or the
    /// prediction or group columns of a profile with outputs),
    /// [`DriftError::ColumnTypeMismatch`] when a numeric feature holds text,
    /// [`DriftError::InvalidPrediction`] for a prediction that is not a 0/1 label (without
    /// a threshold), and [`CoreError::InvalidParameter`] naming `timestamp` when `t` is
    /// not finite and `>= 0` under a time window.
    pub fn ingest_at(&self, batch: &Table<'_>, t: f64) -> Result<(), DriftError> {
        let state = match self.summarise(batch, t) {
            Ok(s) => s,
            Err(e) => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                return Err(e);
            }
        };
        let extra: Vec<&String> = batch
            .columns()
            .iter()
            .map(|(n, _)| n)
            .filter(|n| self.profile.column(n).is_none())
            .collect();
        self.ingest_state(state, extra, t)
    }

    /// [`DriftMonitor::ingest_profile_at`] at the current time.
    ///
    /// # Errors
    /// As [`DriftMonitor::ingest_profile_at`].
    pub fn ingest_profile(&self, profile: &ReferenceProfile) -> Result<(), DriftError> {
        self.ingest_profile_at(profile, now_seconds())
    }

    /// Ingests rows summarised elsewhere: `profile` is a profile of a batch (built with the
    /// reference's group columns, prediction and sketch size), added to the window of time
    /// `t` as [`DriftMonitor::ingest_at`] adds the rows themselves.
    ///
    /// A rejected profile changes nothing but the error counter.
    ///
    /// # Errors
    /// As [`DriftMonitor::report_profile`], and [`CoreError::InvalidParameter`] naming
    /// `timestamp` when `t` is not finite and `>= 0` under a time window.
    pub fn ingest_profile_at(&self, profile: &ReferenceProfile, t: f64) -> Result<(), DriftError> {
        let state = match self
            .check_time(t)
            .and_then(|()| self.summarise_profile(profile))
        {
            Ok(s) => s,
            Err(e) => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                return Err(e);
            }
        };
        let extra: Vec<&String> = profile
            .columns
            .iter()
            .map(|c| &c.name)
            .filter(|n| self.profile.column(n).is_none())
            .collect();
        self.ingest_state(state, extra, t)
    }

    /// Adds a summarised batch to its window (of time `t`); `extra` are its columns that
    /// the reference lacks.
    fn ingest_state(
        &self,
        state: WindowState,
        extra: Vec<&String>,
        t: f64,
    ) -> Result<(), DriftError> {
        if !extra.is_empty() {
            let mut ignored = lock(&self.ignored);
            for n in extra {
                if ignored.len() < 100 {
                    ignored.insert(n.clone());
                }
            }
        }
        let mut shard = self.pick_shard();
        let index = match self.config.window {
            Window::Cumulative => 0,
            // Numbered under the shard lock, so that `evaluate` (which holds every shard)
            // never sees a number whose batch is not merged yet.
            Window::Count(n) => self.rows.fetch_add(state.rows, Ordering::SeqCst) / n,
            Window::Time(s) => (t / s).floor() as u64,
        };
        if !matches!(self.config.window, Window::Count(_)) {
            self.rows.fetch_add(state.rows, Ordering::SeqCst);
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.first_window.fetch_min(index, Ordering::Relaxed);
        shard.predictions.add(&state.outputs);
        let cap = self.config.window_sample_cap;
        let state = WindowState { index, ..state };
        match shard.slots.iter().position(|s| s.index == index) {
            Some(i) => shard.slots[i].merge(&state, &self.names, cap)?,
            None => {
                let newest = shard.slots.last().map(|s| s.index);
                if newest.is_some_and(|w| index < w) {
                    self.late_rows.fetch_add(state.rows, Ordering::Relaxed);
                } else {
                    shard.slots.retain(|s| s.index + 1 >= index);
                    shard.slots.push(state);
                }
            }
        }
        Ok(())
    }

    /// Validates and summarises a batch, without any lock.
    fn check_time(&self, t: f64) -> Result<(), DriftError> {
        if matches!(self.config.window, Window::Time(_)) && !(t.is_finite() && t >= 0.0) {
            return Err(DriftError::invalid_parameter(
                "timestamp",
                t.to_string(),
                "expected finite seconds >= 0",
            ));
        }
        Ok(())
    }

    fn summarise(&self, batch: &Table<'_>, t: f64) -> Result<WindowState, DriftError> {
        self.check_time(t)?;
        let one = |(&i, name): (&usize, &String)| -> Result<ColumnSummary, DriftError> {
            let col = batch
                .column(name)
                .ok_or_else(|| DriftError::MissingColumn {
                    column: name.clone(),
                })?;
            let reference = &self.profile.columns[i].summary;
            check_fits(name, reference.kind(), col)?;
            let mut s = match reference {
                ColumnSummary::Numeric(r) => ColumnSummary::Numeric(NumericSummary::new(
                    self.config.window_sample_cap,
                    r.sketch_k,
                    r.seed,
                )),
                other => other.empty_like(),
            };
            s.add_column(col)?;
            Ok(s)
        };
        let columns: Vec<ColumnSummary> = mlops_core::parallel::try_map_range(
            parallel(batch.rows(), self.features.len()),
            self.features.len().min(self.names.len()),
            |k| one((&self.features[k], &self.names[k])),
        )?;
        let mut outputs = OutputTally::default();
        if let Some(spec) = &self.profile.params.prediction {
            count_outputs(
                batch,
                spec,
                &self.profile.params.group_columns,
                &mut outputs,
            )?;
        }
        Ok(WindowState {
            index: 0,
            rows: batch.rows() as u64,
            batches: 1,
            columns,
            outputs,
        })
    }

    /// What `ingest_at(batch, 0.0)` then `evaluate_at(0.0)` return on a fresh monitor with
    /// one shard and a cumulative window, without storing the batch's summary and copying it
    /// back out of the shard (two copies of every numeric value, made one after the other).
    fn report_once(&self, batch: &Table<'_>) -> Result<DriftReport, DriftError> {
        debug_assert!(matches!(self.config.window, Window::Cumulative) && self.shards.len() == 1);
        let window = self.summarise(batch, 0.0)?;
        let ignored_columns: BTreeSet<String> = batch
            .columns()
            .iter()
            .map(|(n, _)| n)
            .filter(|n| self.profile.column(n).is_none())
            .take(100)
            .cloned()
            .collect();
        *lock(&self.ignored) = ignored_columns;
        let counters = self.one_shot_counters(window.rows, &window);
        let report = self.report(window, false, counters)?;
        if report.status == AlertStatus::Alert
            && let Some(hook) = &self.hook
        {
            hook(&report);
        }
        Ok(report)
    }

    /// The counters of a report on one window outside the monitor's stream: one request
    /// of `rows` rows, and the window's positive predictions when the profile has a
    /// prediction column.
    fn one_shot_counters(&self, rows: u64, window: &WindowState) -> ServiceCounters {
        ServiceCounters {
            requests: 1,
            rows,
            errors: 0,
            late_rows: 0,
            predictions: self
                .profile
                .params
                .prediction
                .is_some()
                .then(|| window.outputs.clone()),
        }
    }

    /// A report on a production window summarised elsewhere: `current` is a profile of the
    /// window's rows (built where the rows are, for example per partition and merged),
    /// tested against the reference as [`DriftMonitor::ingest`] of those rows would be.
    /// Stateless: the monitor's own windows and counters are untouched, and no alert hook
    /// runs.
    ///
    /// Each monitored feature's summary in `current` is merged into an empty window summary
    /// with the window's sample cap, as the monitor merges its shards; with caps at least
    /// the column sizes every test is exact.
    ///
    /// # Errors
    /// [`DriftError::MissingColumn`] for a monitored feature absent from `current`;
    /// [`DriftError::ProfileMismatch`] for a feature of another kind, or a profile built with
    /// another prediction column, group columns or sketch size.
    pub fn report_profile(&self, current: &ReferenceProfile) -> Result<DriftReport, DriftError> {
        let window = self.summarise_profile(current)?;
        let counters = self.one_shot_counters(current.rows, &window);
        let ignored: BTreeSet<String> = current
            .columns
            .iter()
            .map(|c| &c.name)
            .filter(|n| self.profile.column(n).is_none())
            .take(100)
            .cloned()
            .collect();
        self.report_with(window, false, counters, ignored.into_iter().collect())
    }

    /// A window state from a profile of the window's rows: each monitored feature's
    /// summary merged into an empty window summary (as shards merge).
    fn summarise_profile(&self, current: &ReferenceProfile) -> Result<WindowState, DriftError> {
        let (a, b) = (&self.profile.params, &current.params);
        if a.group_columns != b.group_columns
            || a.prediction != b.prediction
            || a.sketch_k != b.sketch_k
        {
            return Err(DriftError::ProfileMismatch {
                column: String::new(),
                reason: "the current profile was built with other group columns, prediction \
                         or sketch_k than the reference; build both with the same parameters"
                    .to_owned(),
            });
        }
        let cap = self.config.window_sample_cap;
        let mut columns = Vec::with_capacity(self.features.len());
        for (&i, name) in self.features.iter().zip(&self.names) {
            let col = current
                .column(name)
                .ok_or_else(|| DriftError::MissingColumn {
                    column: name.clone(),
                })?;
            let mut s = match &self.profile.columns[i].summary {
                ColumnSummary::Numeric(r) => {
                    ColumnSummary::Numeric(NumericSummary::new(cap, r.sketch_k, r.seed))
                }
                other => other.empty_like(),
            };
            s.merge_with_cap(name, &col.summary, cap)?;
            columns.push(s);
        }
        Ok(WindowState {
            index: 0,
            rows: current.rows,
            batches: 1,
            columns,
            outputs: current.outputs.clone(),
        })
    }

    fn pick_shard(&self) -> MutexGuard<'_, Shard> {
        let n = self.shards.len();
        let home = thread_slot() % n;
        for k in 0..n {
            if let Ok(g) = self.shards[(home + k) % n].try_lock() {
                return g;
            }
        }
        lock(&self.shards[home])
    }

    /// Evaluates the current window at the current time (see the
    /// [module documentation](self) for which window).
    ///
    /// # Errors
    /// See [`DriftMonitor::evaluate_at`].
    pub fn evaluate(&self) -> Result<DriftReport, DriftError> {
        self.evaluate_at(now_seconds())
    }

    /// Evaluates with the clock at `now` (seconds; used by time windows only).
    ///
    /// An empty window gives a report with status [`AlertStatus::NoData`].
    ///
    /// # Errors
    /// Errors of the underlying tests on unexpected input (none are expected: the inputs
    /// are checked at ingestion).
    pub fn evaluate_at(&self, now: f64) -> Result<DriftReport, DriftError> {
        let guards: Vec<MutexGuard<'_, Shard>> = self.shards.iter().map(lock).collect();
        let first = self.first_window.load(Ordering::Relaxed);
        let (index, complete) = match self.config.window {
            Window::Cumulative => (0, false),
            Window::Count(n) => {
                let current = self.rows.load(Ordering::SeqCst) / n;
                if current >= 1 {
                    (current - 1, true)
                } else {
                    (0, false)
                }
            }
            Window::Time(s) => {
                let current = if now.is_finite() && now >= 0.0 {
                    (now / s).floor() as u64
                } else {
                    0
                };
                if first != u64::MAX && current >= 1 && first < current {
                    (current - 1, true)
                } else {
                    (current, false)
                }
            }
        };
        let cap = self
            .config
            .window_sample_cap
            .saturating_mul(self.shards.len());
        let mut window = WindowState {
            index,
            rows: 0,
            batches: 0,
            columns: self
                .features
                .iter()
                .map(|&i| match &self.profile.columns[i].summary {
                    ColumnSummary::Numeric(r) => {
                        ColumnSummary::Numeric(NumericSummary::new(cap, r.sketch_k, r.seed))
                    }
                    other => other.empty_like(),
                })
                .collect(),
            outputs: OutputTally::default(),
        };
        // Copy the window's parts under the locks (a copy is cheap); merge them (which may
        // feed sketches) after releasing, so ingestion waits as little as possible.
        let mut parts: Vec<WindowState> = Vec::with_capacity(guards.len());
        let mut predictions = OutputTally::default();
        for g in &guards {
            parts.extend(g.slots.iter().filter(|s| s.index == index).cloned());
            predictions.add(&g.predictions);
        }
        let predictions = self
            .profile
            .params
            .prediction
            .is_some()
            .then_some(predictions);
        let counters = ServiceCounters {
            requests: self.requests.load(Ordering::Relaxed),
            rows: self.rows.load(Ordering::SeqCst),
            errors: self.errors.load(Ordering::Relaxed),
            late_rows: self.late_rows.load(Ordering::Relaxed),
            predictions,
        };
        drop(guards);
        for part in &parts {
            window.merge(part, &self.names, cap)?;
        }
        drop(parts);
        let report = self.report(window, complete, counters)?;
        self.service.remember(&report, now);
        if report.status == AlertStatus::Alert
            && let Some(hook) = &self.hook
        {
            hook(&report);
        }
        Ok(report)
    }

    fn report(
        &self,
        window: WindowState,
        complete: bool,
        counters: ServiceCounters,
    ) -> Result<DriftReport, DriftError> {
        let ignored_columns = lock(&self.ignored).iter().cloned().collect();
        self.report_with(window, complete, counters, ignored_columns)
    }

    /// [`DriftMonitor::report`] with the columns to list as ignored.
    fn report_with(
        &self,
        window: WindowState,
        complete: bool,
        counters: ServiceCounters,
        ignored_columns: Vec<String>,
    ) -> Result<DriftReport, DriftError> {
        let (kind, start, end) = match self.config.window {
            Window::Cumulative => ("cumulative", None, None),
            Window::Count(_) => ("count", None, None),
            Window::Time(s) => (
                "time",
                Some(window.index as f64 * s),
                Some((window.index + 1) as f64 * s),
            ),
        };
        let info = WindowInfo {
            kind: kind.to_owned(),
            index: window.index,
            complete,
            rows: window.rows,
            batches: window.batches,
            start,
            end,
        };
        if window.rows == 0 {
            return Ok(DriftReport {
                status: AlertStatus::NoData,
                reasons: vec![format!("window {} holds no rows", window.index)],
                window: info,
                counters,
                features: Vec::new(),
                output_overall: None,
                outputs: Vec::new(),
                alpha: self.config.alpha,
                correction: self.config.correction,
                missing_alpha: self.config.missing_alpha(),
                missing_rate_threshold: self.config.missing_rate_threshold,
                ignored_columns,
            });
        }
        let jobs: Vec<(usize, &String, &ColumnSummary)> = self
            .features
            .iter()
            .zip(&self.names)
            .zip(&window.columns)
            .map(|((&i, n), c)| (i, n, c))
            .collect();
        let run = |&(i, name, cur): &(usize, &String, &ColumnSummary)| {
            let reference = &self.profile.columns[i].summary;
            let test = self
                .config
                .tests
                .get(name)
                .copied()
                .unwrap_or_default()
                .resolve(reference.kind());
            feature_drift(name, test, reference, cur, &self.config)
        };
        let mut features: Vec<FeatureDrift> =
            mlops_core::parallel::try_map(jobs.len() > 1, &jobs, run)?;

        // A p-value outside [0, 1] (none is expected) is reported as undefined rather than
        // failing the whole report.
        for f in &mut features {
            if f.pvalue.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
                f.pvalue = None;
                f.note = Some("the test's p-value is undefined on this data".to_owned());
            }
        }
        // Correct across the features that have p-values.
        let with_p: Vec<usize> = (0..features.len())
            .filter(|&i| features[i].pvalue.is_some())
            .collect();
        let pvalues: Vec<f64> = with_p.iter().filter_map(|&i| features[i].pvalue).collect();
        let corrected = multipletests(&pvalues, self.config.alpha, self.config.correction)?;
        for (k, &i) in with_p.iter().enumerate() {
            let f = &mut features[i];
            let p = corrected.pvalues_corrected[k];
            f.pvalue_corrected = Some(p);
            let effect_ok = match (self.config.effect_threshold, f.effect_size) {
                (None, _) => true,
                (Some(t), Some(e)) => e >= t,
                (Some(_), None) => false,
            };
            f.drifted = p <= self.config.alpha && effect_ok;
        }
        // The missing-rate tests: a family of their own, corrected the same way.
        let missing_alpha = self.config.missing_alpha();
        let with_test: Vec<usize> = (0..features.len())
            .filter(|&i| features[i].missing_test.is_some())
            .collect();
        let pvalues: Vec<f64> = with_test
            .iter()
            .filter_map(|&i| features[i].missing_test.map(|t| t.pvalue))
            .collect();
        let corrected = multipletests(&pvalues, missing_alpha, self.config.correction)?;
        for (k, &i) in with_test.iter().enumerate() {
            let f = &mut features[i];
            let p = corrected.pvalues_corrected[k];
            f.missing_pvalue_corrected = Some(p);
            f.missing_drifted = p <= missing_alpha
                && f.missing_test.is_some_and(|t| {
                    t.difference >= self.config.missing_rate_threshold && t.difference > 0.0
                });
        }
        let mut reasons = Vec::new();
        for f in features.iter().filter(|f| f.drifted) {
            let test = f.test.as_deref().unwrap_or("?");
            let reason = match (f.pvalue, f.pvalue_corrected) {
                (Some(p), Some(pc)) => format!(
                    "feature `{}` drifted: {test} statistic {:.4}, p-value {p:.3e} ({} \
                     corrected {pc:.3e}) <= alpha {}",
                    f.name,
                    f.statistic.unwrap_or(f64::NAN),
                    self.config.correction,
                    self.config.alpha
                ),
                _ => format!(
                    "feature `{}` drifted: {} {:.4} at or above its threshold",
                    f.name,
                    f.effect_size_name.as_deref().unwrap_or(test),
                    f.effect_size.unwrap_or(f64::NAN)
                ),
            };
            reasons.push(reason);
        }
        for f in &features {
            if let (true, Some(t), Some(pc)) = (
                f.missing_drifted,
                f.missing_test,
                f.missing_pvalue_corrected,
            ) {
                let test = match (t.pvalue_test, t.statistic) {
                    (RateTest::Z, Some(z)) => format!("z-test (z = {z:.2})"),
                    _ => "Fisher exact test".to_owned(),
                };
                reasons.push(format!(
                    "feature `{}`: missing share rose from {:.4} ({} of {}) to {:.4} ({} of {}): \
                     one-sided {test} p-value {:.3e} ({} corrected {pc:.3e}) <= missing_alpha \
                     {missing_alpha}, rise {:.4} >= missing_rate_threshold {}",
                    f.name,
                    t.reference_rate,
                    t.reference_count,
                    t.reference_total,
                    t.current_rate,
                    t.current_count,
                    t.current_total,
                    t.pvalue,
                    self.config.correction,
                    t.difference,
                    self.config.missing_rate_threshold
                ));
            }
            if f.current_count == 0 && f.reference_count > 0 {
                reasons.push(format!(
                    "feature `{}`: every value in the window is missing ({} rows), so its \
                     drift tests are undefined",
                    f.name, window.rows
                ));
            }
        }

        let (output_overall, outputs) = self.output_drift(&window.outputs)?;
        for o in output_overall
            .iter()
            .chain(&outputs)
            .filter(|o| o.out_of_interval)
        {
            if let (Some(tr), Some(pr), Some(t)) = (o.training_share, o.production_share, &o.test) {
                reasons.push(format!(
                    "{}: positive-prediction share {pr:.4} in {} rows; the training share \
                     {tr:.4} is outside its {}% Clopper-Pearson interval [{:.4}, {:.4}]",
                    match o.group {
                        Some(_) => format!("group `{}`", o.name),
                        None => "all rows".to_owned(),
                    },
                    o.production.total,
                    t.confidence_level * 100.0,
                    t.exact_low,
                    t.exact_high
                ));
            }
        }
        let status = if reasons.is_empty() {
            AlertStatus::Ok
        } else {
            AlertStatus::Alert
        };
        Ok(DriftReport {
            status,
            reasons,
            window: info,
            counters,
            features,
            output_overall,
            outputs,
            alpha: self.config.alpha,
            correction: self.config.correction,
            missing_alpha,
            missing_rate_threshold: self.config.missing_rate_threshold,
            ignored_columns,
        })
    }

    /// The output share over all rows and per group (groups in key order: the profile's
    /// and the window's).
    fn output_drift(
        &self,
        window: &OutputTally,
    ) -> Result<(Option<OutputDrift>, Vec<OutputDrift>), DriftError> {
        if self.profile.params.prediction.is_none() {
            return Ok((None, Vec::new()));
        }
        let training = &self.profile.outputs;
        let compare =
            |group: Option<&GroupKey>, training: OutputCounts, production: OutputCounts| {
                let share =
                    |c: OutputCounts| (c.total > 0).then(|| c.positives as f64 / c.total as f64);
                let test = if training.total > 0 && production.total > 0 {
                    Some(proportion_drift(
                        training.positives,
                        training.total,
                        production.positives,
                        production.total,
                        self.config.confidence_level,
                    )?)
                } else {
                    None
                };
                Ok::<_, DriftError>(OutputDrift {
                    group: group.cloned(),
                    name: group.map_or_else(
                        || mlops_core::ALL_ROWS_LABEL.to_owned(),
                        ToString::to_string,
                    ),
                    training,
                    production,
                    training_share: share(training),
                    production_share: share(production),
                    out_of_interval: test.is_some_and(|t| t.out_of_exact_interval),
                    test,
                })
            };
        let overall = compare(None, training.all, window.all)?;
        let keys: BTreeSet<&GroupKey> =
            training.groups.keys().chain(window.groups.keys()).collect();
        let groups = keys
            .into_iter()
            .map(|k| {
                compare(
                    Some(k),
                    training.groups.get(k).copied().unwrap_or_default(),
                    window.groups.get(k).copied().unwrap_or_default(),
                )
            })
            .collect::<Result<_, _>>()?;
        Ok((Some(overall), groups))
    }
}

/// Runs one feature's test.
fn feature_drift(
    name: &str,
    test: FeatureTest,
    reference: &ColumnSummary,
    current: &ColumnSummary,
    config: &MonitorConfig,
) -> Result<FeatureDrift, DriftError> {
    let mut f = FeatureDrift {
        name: name.to_owned(),
        kind: reference.kind(),
        test: None,
        statistic: None,
        pvalue: None,
        pvalue_corrected: None,
        effect_size: None,
        effect_size_name: None,
        drifted: false,
        approximate: false,
        statistic_error_bound: None,
        reference_count: 0,
        current_count: 0,
        reference_missing_rate: reference.missing_rate(),
        current_missing_rate: current.missing_rate(),
        current_nan: 0,
        current_infinite: 0,
        unseen_categories: Vec::new(),
        note: None,
        missing_test: None,
        missing_pvalue_corrected: None,
        missing_drifted: false,
    };
    let (x0, n0) = missing_counts(reference);
    let (x, n) = missing_counts(current);
    if n0 > 0 && n > 0 {
        f.missing_test = Some(rate_test(x0, n0, x, n, Alternative::Greater)?);
    }
    match (reference, current) {
        (ColumnSummary::Numeric(r), ColumnSummary::Numeric(c)) => {
            f.reference_count = r.count;
            f.current_count = c.count;
            f.current_nan = c.nan;
            f.current_infinite = c.infinite;
            if r.count == 0 || c.count == 0 {
                f.note = Some(empty_note(r.count, c.count));
                return Ok(f);
            }
            numeric_test(&mut f, test, r, c, config)?;
        }
        (ColumnSummary::Categorical(r), ColumnSummary::Categorical(c)) => {
            f.reference_count = r.count();
            f.current_count = c.count();
            if f.reference_count == 0 || f.current_count == 0 {
                f.note = Some(empty_note(f.reference_count, f.current_count));
                return Ok(f);
            }
            let pairs = |s: &crate::profile::CategoricalSummary| -> Vec<(String, f64)> {
                s.counts
                    .iter()
                    .map(|(k, &v)| (k.clone(), v as f64))
                    .collect()
            };
            let res = categorical_drift(&pairs(r), &pairs(c), CategoricalParams::default())?;
            let (stat, p, label) = if test == FeatureTest::GTest {
                (res.g_statistic, res.g_pvalue, "g_test")
            } else {
                (res.statistic, res.pvalue, "chi_square")
            };
            f.test = Some(label.to_owned());
            f.statistic = Some(stat);
            f.pvalue = Some(p);
            f.effect_size = Some(res.total_variation);
            f.effect_size_name = Some("total_variation".to_owned());
            f.unseen_categories = res.unseen_categories;
        }
        _ => {
            return Err(DriftError::ProfileMismatch {
                column: name.to_owned(),
                reason: "the window's summary and the profile's differ in kind".to_owned(),
            });
        }
    }
    Ok(f)
}

/// Missing entries and rows of a column summary.
fn missing_counts(s: &ColumnSummary) -> (u64, u64) {
    match s {
        ColumnSummary::Numeric(n) => (n.missing, n.missing + n.count),
        ColumnSummary::Categorical(c) => (c.missing, c.missing + c.count()),
    }
}

fn empty_note(reference: u64, current: u64) -> String {
    match (reference == 0, current == 0) {
        (true, true) => "no non-missing values in the reference or the window".to_owned(),
        (true, false) => "no non-missing values in the reference".to_owned(),
        _ => "no non-missing values in the window (all missing)".to_owned(),
    }
}

/// The values of a summary as a sample: exact values, or an evenly spaced quantile sample
/// of the sketch (`max(2k, 1000)` points).
fn as_sample(s: &NumericSummary) -> (Vec<f64>, bool) {
    match &s.values {
        NumericValues::Exact(v) => (v.clone(), false),
        NumericValues::Sketch(sk) => {
            let m = (2 * usize::from(sk.k())).max(1000);
            let v = (0..m)
                .filter_map(|i| sk.quantile((i as f64 + 0.5) / m as f64))
                .collect();
            (v, true)
        }
    }
}

fn weighted(s: &NumericSummary) -> Vec<(f64, u64)> {
    match &s.values {
        NumericValues::Exact(v) => {
            let mut w: Vec<(f64, u64)> = v.iter().map(|&x| (x, 1)).collect();
            w.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
            w
        }
        NumericValues::Sketch(sk) => sk.weighted_items(),
    }
}

fn normalised_bound(s: &NumericSummary) -> f64 {
    match &s.values {
        NumericValues::Exact(_) => 0.0,
        NumericValues::Sketch(sk) => sk.rank_error_bound(0.01) / sk.count().max(1) as f64,
    }
}

fn numeric_test(
    f: &mut FeatureDrift,
    test: FeatureTest,
    r: &NumericSummary,
    c: &NumericSummary,
    config: &MonitorConfig,
) -> Result<(), DriftError> {
    let exact = r.is_exact() && c.is_exact();
    f.approximate = !exact;
    f.test = Some(test.to_string());
    match test {
        FeatureTest::Psi | FeatureTest::Wasserstein => {
            let (rv, _) = as_sample(r);
            let (cv, _) = as_sample(c);
            if test == FeatureTest::Psi {
                let res = psi(&rv, &cv, PsiParams::default())?;
                f.statistic = Some(res.psi);
                f.effect_size = Some(res.psi);
                f.effect_size_name = Some("psi".to_owned());
                f.drifted = res.psi >= config.psi_threshold;
            } else {
                let res = wasserstein(&rv, &cv)?;
                f.statistic = Some(res.distance);
                f.effect_size = res.normalized;
                f.effect_size_name = Some("normalized_wasserstein".to_owned());
                f.drifted = res
                    .normalized
                    .is_some_and(|e| e >= config.wasserstein_threshold);
            }
        }
        _ => {
            if let (NumericValues::Exact(rv), NumericValues::Exact(cv)) = (&r.values, &c.values) {
                // ks_2samp's bucketed sweep needs neither sample sorted, so the profile's
                // order is irrelevant and the window is never sorted.
                let r = ks_2samp(rv, cv, config.ks)?;
                f.statistic = Some(r.statistic);
                f.pvalue = Some(r.pvalue);
                f.effect_size = Some(r.statistic);
            } else {
                let d = weighted_distance(&weighted(r), &weighted(c));
                let (m, n) = (r.count as f64, c.count as f64);
                let (big, small) = if m >= n { (m, n) } else { (n, m) };
                let en = (big * small / (big + small)).round_ties_even().max(1.0) as u64;
                f.statistic = Some(d);
                f.pvalue = Some(kstwo_sf(en, d).clamp(0.0, 1.0));
                f.effect_size = Some(d);
                f.statistic_error_bound = Some(normalised_bound(r) + normalised_bound(c));
            }
            f.effect_size_name = Some("ks_distance".to_owned());
        }
    }
    Ok(())
}

/// One-shot report: profiles `reference` (with `params`), ingests `current` as one batch
/// into a cumulative window, and evaluates.
///
/// With `params.sample_cap` and `config.window_sample_cap` at least the column sizes, every
/// test is exact and equals the direct function ([`ks_2samp`], [`categorical_drift`]) on the
/// same data.
///
/// # Examples
/// ```
/// use mlops_drift::table::{ColumnData, Table};
/// use mlops_drift::{drift_report, AlertStatus, MonitorConfig, ProfileParams};
/// let a: Vec<f64> = (0..300).map(f64::from).collect();
/// let b: Vec<f64> = (0..300).map(|i| f64::from(i) * 1.01).collect();
/// let r = drift_report(
///     &Table::new(vec![("x".into(), ColumnData::numeric(&a))])?,
///     &Table::new(vec![("x".into(), ColumnData::numeric(&b))])?,
///     &ProfileParams::default(),
///     MonitorConfig::default(),
/// )?;
/// assert_eq!(r.status, AlertStatus::Ok);
/// # Ok::<(), mlops_drift::DriftError>(())
/// ```
///
/// # Errors
/// The errors of [`ReferenceProfile::from_table`], [`DriftMonitor::new`] and
/// [`DriftMonitor::ingest`].
pub fn drift_report(
    reference: &Table<'_>,
    current: &Table<'_>,
    params: &ProfileParams,
    config: MonitorConfig,
) -> Result<DriftReport, DriftError> {
    // The profile never leaves this function, so only the values whose order a test's
    // result depends on (through rounding: PSI and Wasserstein read the values in profile
    // order) are sorted into the canonical form of a stored profile; KS and the counts do
    // not depend on it.
    let profile = ReferenceProfile::from_table_sorting(reference, params, |name| {
        matches!(
            config.tests.get(name),
            Some(FeatureTest::Psi | FeatureTest::Wasserstein)
        )
    })?;
    let config = MonitorConfig {
        window: Window::Cumulative,
        shards: 1,
        ..config
    };
    DriftMonitor::new(profile, config)?.report_once(current)
}

/// One-shot report from two profiles: the reference, and a profile of the current window
/// built elsewhere (see [`DriftMonitor::report_profile`]). With the profiles' sample caps
/// and `config.window_sample_cap` at least the column sizes, the tests are those of
/// [`drift_report`] on the rows (PSI and Wasserstein up to the rounding of their sums,
/// which read the values in another order).
///
/// # Errors
/// The errors of [`DriftMonitor::new`] and [`DriftMonitor::report_profile`].
pub fn drift_report_profiles(
    reference: &ReferenceProfile,
    current: &ReferenceProfile,
    config: MonitorConfig,
) -> Result<DriftReport, DriftError> {
    let config = MonitorConfig {
        window: Window::Cumulative,
        shards: 1,
        ..config
    };
    DriftMonitor::new(reference.clone(), config)?.report_profile(current)
}
