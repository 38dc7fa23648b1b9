//! A bounded history of window evaluations, serialisable and mergeable across replicas.
//!
//! Every [`DriftMonitor::evaluate`](crate::DriftMonitor::evaluate) is summarised as a
//! [`WindowEvaluation`] (the window, the counters, per feature the statistic and flags, per
//! group the share of positive predictions and its interval) and kept in the monitor's
//! [`EvaluationHistory`] (see [`DriftMonitor::history`](crate::DriftMonitor::history)).
//!
//! # Merge semantics
//! An entry is identified by its window index and the replica that evaluated it. The history
//! keeps, for each identity, one entry, and only the entries of the `capacity` most recent
//! windows (largest indices), all replicas of each. [`EvaluationHistory::merge`] is the union
//! of two histories under these rules:
//! * two entries with the same identity (a replica that evaluated a window twice, or the
//!   same history merged twice) resolve to the *preferred* one: the complete window over the
//!   open one, then more rows, then the later evaluation, then the larger JSON text (a total
//!   order, so the choice does not depend on the order of merging);
//! * the merged capacity is the smaller of the two (a fleet configures one capacity);
//! * two histories of different window kinds do not merge (an error).
//!
//! The preferred entry is a maximum under a total order, and "the `k` largest window
//! indices" of a union is decided by the indices alone, so merging is associative,
//! commutative and idempotent: replicas can send their histories to a collector in any
//! order, any number of times. Entries of different replicas for the same window are kept
//! side by side (counts add up across replicas; p-values do not).
//!
//! # Checked on the way in
//! A history read back ([`EvaluationHistory::from_json`], or serde) is checked like the
//! other state types ([`mlops_core::state`]): the format version, a capacity of at least 1,
//! entries sorted by identity without repeats, at most `capacity` windows, one window kind,
//! finite times, probabilities in `[0, 1]`, intervals in order, positives within totals.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use mlops_core::GroupKey;
use mlops_core::state::Checker;
use serde::{Deserialize, Serialize};

use super::Window;
use crate::DriftError;
use crate::report::{AlertStatus, DriftReport, OutputDrift, ServiceCounters, WindowInfo};

/// The format version of [`EvaluationHistory`] written by this crate.
pub const HISTORY_FORMAT_VERSION: u32 = 1;

/// One feature's result in a [`WindowEvaluation`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureEvaluation {
    /// The feature.
    pub name: String,
    /// The test run, if any.
    pub test: Option<String>,
    /// Its statistic.
    pub statistic: Option<f64>,
    /// Its p-value adjusted across features.
    pub pvalue_corrected: Option<f64>,
    /// The effect size.
    pub effect_size: Option<f64>,
    /// Whether the values drifted.
    pub drifted: bool,
    /// Whether the missing share rose.
    pub missing_drifted: bool,
}

/// The positive-prediction share of one group (or all rows) in a [`WindowEvaluation`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupEvaluation {
    /// The group's key; `None` for all rows.
    pub group: Option<GroupKey>,
    /// Its label.
    pub name: String,
    /// Positive predictions in the window.
    pub positives: u64,
    /// Predictions in the window.
    pub total: u64,
    /// `positives / total`; `None` without predictions.
    pub share: Option<f64>,
    /// The Clopper-Pearson interval of the share (low end).
    pub low: Option<f64>,
    /// The Clopper-Pearson interval of the share (high end).
    pub high: Option<f64>,
    /// The training share.
    pub training_share: Option<f64>,
    /// Whether the training share is outside the interval (the alert rule).
    pub out_of_interval: bool,
}

impl GroupEvaluation {
    fn from_output(o: &OutputDrift) -> Self {
        Self {
            group: o.group.clone(),
            name: o.name.clone(),
            positives: o.production.positives,
            total: o.production.total,
            share: o.production_share,
            low: o.test.as_ref().map(|t| t.exact_low),
            high: o.test.as_ref().map(|t| t.exact_high),
            training_share: o.training_share,
            out_of_interval: o.out_of_interval,
        }
    }
}

/// The summary of one evaluation of one window by one replica.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowEvaluation {
    /// The replica (service instance) that evaluated it.
    pub replica: String,
    /// When (seconds, the clock of the evaluation).
    pub evaluated_at: f64,
    /// The window.
    pub window: WindowInfo,
    /// The verdict.
    pub status: AlertStatus,
    /// The replica's counters at that time.
    pub counters: ServiceCounters,
    /// Per feature.
    pub features: Vec<FeatureEvaluation>,
    /// All rows first (if the profile has predictions), then per group.
    pub outputs: Vec<GroupEvaluation>,
}

impl WindowEvaluation {
    /// The summary of `report`, evaluated by `replica` at `evaluated_at`.
    pub fn from_report(report: &DriftReport, replica: &str, evaluated_at: f64) -> Self {
        Self {
            replica: replica.to_owned(),
            evaluated_at,
            window: report.window.clone(),
            status: report.status,
            counters: report.counters.clone(),
            features: report
                .features
                .iter()
                .map(|f| FeatureEvaluation {
                    name: f.name.clone(),
                    test: f.test.clone(),
                    statistic: f.statistic,
                    pvalue_corrected: f.pvalue_corrected,
                    effect_size: f.effect_size,
                    drifted: f.drifted,
                    missing_drifted: f.missing_drifted,
                })
                .collect(),
            outputs: report
                .output_overall
                .iter()
                .chain(&report.outputs)
                .map(GroupEvaluation::from_output)
                .collect(),
        }
    }

    fn identity(&self) -> (u64, &str) {
        (self.window.index, &self.replica)
    }
}

/// The order of preference between two entries of the same identity (greater wins).
fn preference(a: &WindowEvaluation, b: &WindowEvaluation) -> Ordering {
    let text = |e: &WindowEvaluation| serde_json::to_string(e).unwrap_or_default();
    a.window
        .complete
        .cmp(&b.window.complete)
        .then(a.window.rows.cmp(&b.window.rows))
        .then(a.evaluated_at.total_cmp(&b.evaluated_at))
        .then_with(|| text(a).cmp(&text(b)))
}

/// The name of a window kind, as in [`WindowInfo::kind`].
pub fn window_kind(window: Window) -> &'static str {
    match window {
        Window::Cumulative => "cumulative",
        Window::Count(_) => "count",
        Window::Time(_) => "time",
    }
}

/// A bounded, mergeable history of window evaluations (see the
/// [module documentation](self)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawHistory")]
pub struct EvaluationHistory {
    format_version: u32,
    window_kind: String,
    capacity: usize,
    /// Sorted by identity (window index, replica), no repeats.
    entries: Vec<WindowEvaluation>,
}

#[derive(Deserialize)]
struct RawHistory {
    format_version: u32,
    window_kind: String,
    capacity: usize,
    entries: Vec<WindowEvaluation>,
}

const CHECK: Checker = Checker::new("EvaluationHistory");

fn check_entry(i: usize, e: &WindowEvaluation, kind: &str) -> Result<(), DriftError> {
    let f = |name: &str| format!("entries[{i}].{name}");
    CHECK.ensure(e.window.kind == kind, f("window.kind"), || {
        format!(
            "is {:?} but the history holds {kind:?} windows",
            e.window.kind
        )
    })?;
    CHECK.finite(&f("evaluated_at"), e.evaluated_at)?;
    CHECK.count(&f("window.rows"), e.window.rows)?;
    CHECK.count(&f("window.batches"), e.window.batches)?;
    for (name, v) in [
        ("window.start", e.window.start),
        ("window.end", e.window.end),
    ] {
        if let Some(v) = v {
            CHECK.finite(&f(name), v)?;
        }
    }
    if let (Some(s), Some(t)) = (e.window.start, e.window.end) {
        CHECK.ensure(s < t, f("window.end"), || {
            format!("is {t}, not after the start {s}")
        })?;
    }
    for (j, x) in e.features.iter().enumerate() {
        let g = |name: &str| format!("entries[{i}].features[{j}].{name}");
        for (name, v) in [("statistic", x.statistic), ("effect_size", x.effect_size)] {
            if let Some(v) = v {
                CHECK.finite(&g(name), v)?;
            }
        }
        if let Some(p) = x.pvalue_corrected {
            CHECK.probability(&g("pvalue_corrected"), p)?;
        }
    }
    for (j, o) in e.outputs.iter().enumerate() {
        let g = |name: &str| format!("entries[{i}].outputs[{j}].{name}");
        CHECK.count(&g("total"), o.total)?;
        CHECK.ensure(o.positives <= o.total, g("positives"), || {
            format!("is {} but the total is {}", o.positives, o.total)
        })?;
        CHECK.ensure(o.share.is_some() == (o.total > 0), g("share"), || {
            format!("is {:?} for {} predictions", o.share, o.total)
        })?;
        for (name, v) in [
            ("share", o.share),
            ("low", o.low),
            ("high", o.high),
            ("training_share", o.training_share),
        ] {
            if let Some(v) = v {
                CHECK.probability(&g(name), v)?;
            }
        }
        CHECK.ensure(o.low.is_some() == o.high.is_some(), g("high"), || {
            "an interval needs both ends".to_owned()
        })?;
        if let (Some(l), Some(h)) = (o.low, o.high) {
            CHECK.ensure(l <= h, g("high"), || {
                format!("is {h}, below the low end {l}")
            })?;
        }
    }
    Ok(())
}

impl TryFrom<RawHistory> for EvaluationHistory {
    type Error = DriftError;

    fn try_from(r: RawHistory) -> Result<Self, DriftError> {
        if r.format_version != HISTORY_FORMAT_VERSION {
            return Err(DriftError::UnsupportedFormatVersion {
                found: r.format_version,
                supported: HISTORY_FORMAT_VERSION,
            });
        }
        CHECK.ensure(r.capacity >= 1, "capacity", || {
            "is 0; expected at least 1".to_owned()
        })?;
        CHECK.ensure(
            ["cumulative", "count", "time"].contains(&r.window_kind.as_str()),
            "window_kind",
            || format!("is {:?}; expected cumulative, count or time", r.window_kind),
        )?;
        for (i, e) in r.entries.iter().enumerate() {
            check_entry(i, e, &r.window_kind)?;
        }
        for (i, w) in r.entries.windows(2).enumerate() {
            CHECK.ensure(
                w[0].identity() < w[1].identity(),
                format!("entries[{}]", i + 1),
                || "entries must be sorted by (window index, replica), each once".to_owned(),
            )?;
        }
        let windows: BTreeSet<u64> = r.entries.iter().map(|e| e.window.index).collect();
        CHECK.ensure(windows.len() <= r.capacity, "entries", || {
            format!(
                "hold {} windows, more than the capacity {}",
                windows.len(),
                r.capacity
            )
        })?;
        Ok(Self {
            format_version: r.format_version,
            window_kind: r.window_kind,
            capacity: r.capacity,
            entries: r.entries,
        })
    }
}

impl EvaluationHistory {
    /// An empty history of windows of `kind` keeping at most `capacity` windows.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`](mlops_core::CoreError::InvalidParameter) for a zero capacity.
    pub fn new(window: Window, capacity: usize) -> Result<Self, DriftError> {
        if capacity == 0 {
            return Err(DriftError::invalid_parameter(
                "capacity",
                "0",
                "a history keeps at least one window",
            ));
        }
        Ok(Self {
            format_version: HISTORY_FORMAT_VERSION,
            window_kind: window_kind(window).to_owned(),
            capacity,
            entries: Vec::new(),
        })
    }

    /// Reads a history written as JSON, checked (see the [module documentation](self)).
    ///
    /// # Errors
    /// [`DriftError::Core`] (`InvalidState`) naming the field that is wrong, or
    /// [`DriftError::UnsupportedFormatVersion`].
    pub fn from_json(text: &str) -> Result<Self, DriftError> {
        mlops_core::state::from_json::<RawHistory, _, DriftError>("EvaluationHistory", text)
    }

    /// The history as JSON.
    ///
    /// # Errors
    /// [`DriftError::Serialization`] if serde fails (it does not for a valid history).
    pub fn to_json(&self) -> Result<String, DriftError> {
        serde_json::to_string(self).map_err(|e| DriftError::Serialization {
            message: e.to_string(),
        })
    }

    /// The most windows kept.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// `"cumulative"`, `"count"` or `"time"`.
    pub fn window_kind(&self) -> &str {
        &self.window_kind
    }

    /// The entries, by window index then replica.
    pub fn entries(&self) -> &[WindowEvaluation] {
        &self.entries
    }

    /// Adds an evaluation (replacing a less preferred one of the same identity, and
    /// dropping the oldest windows beyond the capacity).
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`](mlops_core::CoreError::InvalidParameter) when the evaluation's window kind is not the
    /// history's.
    pub fn record(&mut self, e: WindowEvaluation) -> Result<(), DriftError> {
        if e.window.kind != self.window_kind {
            return Err(DriftError::invalid_parameter(
                "window.kind",
                e.window.kind,
                format!("this history holds {} windows", self.window_kind),
            ));
        }
        self.insert(e);
        self.truncate();
        Ok(())
    }

    fn insert(&mut self, e: WindowEvaluation) {
        match self
            .entries
            .binary_search_by(|x| x.identity().cmp(&e.identity()))
        {
            Ok(i) => {
                if preference(&e, &self.entries[i]) == Ordering::Greater {
                    self.entries[i] = e;
                }
            }
            Err(i) => self.entries.insert(i, e),
        }
    }

    /// Keeps the entries of the `capacity` largest window indices.
    fn truncate(&mut self) {
        let windows: BTreeSet<u64> = self.entries.iter().map(|e| e.window.index).collect();
        if let Some(&oldest_kept) = windows.iter().rev().nth(self.capacity - 1) {
            self.entries.retain(|e| e.window.index >= oldest_kept);
        }
    }

    /// Merges `other` into this history (see the [module documentation](self)).
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`](mlops_core::CoreError::InvalidParameter) when the window kinds differ.
    pub fn merge(&mut self, other: &Self) -> Result<(), DriftError> {
        if other.window_kind != self.window_kind {
            return Err(DriftError::invalid_parameter(
                "window_kind",
                other.window_kind.clone(),
                format!(
                    "cannot merge into a history of {} windows",
                    self.window_kind
                ),
            ));
        }
        self.capacity = self.capacity.min(other.capacity);
        for e in &other.entries {
            self.insert(e.clone());
        }
        self.truncate();
        Ok(())
    }
}
