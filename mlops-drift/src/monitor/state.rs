//! Saving a [`DriftMonitor`] and restoring it elsewhere (a restart, another process, a
//! pickle).
//!
//! # What the state carries
//! - the reference profile and the configuration;
//! - every shard's windows (the open one and the one before it: per feature, the window's
//!   summary; per group, its prediction counts) and the shard's cumulative prediction
//!   counts, shard by shard, so that a restored monitor evaluates to the same report as the
//!   saved one, and further batches continue the same windows;
//! - the service counters (requests, rows, errors, late rows), the first window index seen
//!   and the ignored columns.
//!
//! # What it does not carry
//! - the alert hook (a closure): set it again with [`DriftMonitor::with_alert_hook`];
//! - which thread writes into which shard: threads of the new process pick shards afresh.
//!
//! With `config.shards == 0` (one shard per CPU), the restored monitor keeps the saved
//! number of shards rather than counting the new machine's CPUs: the windows come back as
//! they were.
//!
//! # Consistency
//! [`DriftMonitor::state`] holds every shard's lock at once (as
//! [`DriftMonitor::evaluate`] does), so the state is one moment of the monitor: batches
//! are either wholly in it or not at all. Restoring checks everything the monitor relies
//! on ([`DriftMonitor::from_state`]).

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use mlops_core::CoreError;
use mlops_core::state::Checker;
use serde::{Deserialize, Serialize};

use super::{DriftMonitor, MonitorConfig, Shard, Window, WindowState, lock};
use crate::DriftError;
use crate::profile::{ColumnSummary, OutputTally, ReferenceProfile};

/// The format version of [`MonitorState`] written by this crate.
pub const MONITOR_STATE_FORMAT_VERSION: u32 = 1;

/// The most ignored column names a monitor remembers.
const MAX_IGNORED: usize = 100;

/// The whole state of a [`DriftMonitor`] but its alert hook (see the
/// [module documentation](self)); serialise it with serde, restore it with
/// [`DriftMonitor::from_state`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitorState {
    format_version: u32,
    profile: ReferenceProfile,
    config: MonitorConfig,
    shards: Vec<ShardState>,
    counters: Counters,
    /// The first window index a batch went to (`None` before any batch).
    first_window: Option<u64>,
    ignored_columns: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ShardState {
    /// At most two, ascending by index.
    windows: Vec<WindowSnapshot>,
    predictions: OutputTally,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct WindowSnapshot {
    index: u64,
    rows: u64,
    batches: u64,
    columns: Vec<ColumnSummary>,
    outputs: OutputTally,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Counters {
    rows: u64,
    requests: u64,
    errors: u64,
    late_rows: u64,
}

impl MonitorState {
    /// The reference profile.
    pub fn profile(&self) -> &ReferenceProfile {
        &self.profile
    }

    /// The configuration.
    pub fn config(&self) -> &MonitorConfig {
        &self.config
    }
}

fn snapshot(w: &WindowState) -> WindowSnapshot {
    WindowSnapshot {
        index: w.index,
        rows: w.rows,
        batches: w.batches,
        columns: w.columns.clone(),
        outputs: w.outputs.clone(),
    }
}

const CHECK: Checker = Checker::new("DriftMonitor");

/// Prediction counts, checked as the profile's are.
fn check_outputs(
    field: &str,
    outputs: &OutputTally,
    profile: &ReferenceProfile,
    rows: u64,
) -> Result<(), DriftError> {
    outputs.check(
        &CHECK,
        field,
        profile.params.prediction.is_some(),
        profile.params.group_columns.len(),
        rows,
    )
}

impl DriftMonitor {
    /// The monitor's state (see the [module documentation](self) for what it holds), taken
    /// under every shard's lock so that it is one moment of the monitor.
    pub fn state(&self) -> MonitorState {
        let guards: Vec<_> = self.shards.iter().map(lock).collect();
        let shards = guards
            .iter()
            .map(|g| ShardState {
                windows: g.slots.iter().map(snapshot).collect(),
                predictions: g.predictions.clone(),
            })
            .collect();
        let counters = Counters {
            rows: self.rows.load(Ordering::SeqCst),
            requests: self.requests.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            late_rows: self.late_rows.load(Ordering::Relaxed),
        };
        let first = self.first_window.load(Ordering::Relaxed);
        drop(guards);
        MonitorState {
            format_version: MONITOR_STATE_FORMAT_VERSION,
            profile: self.profile.clone(),
            config: self.config.clone(),
            shards,
            counters,
            first_window: (first != u64::MAX).then_some(first),
            ignored_columns: lock(&self.ignored).clone(),
        }
    }

    /// A monitor from a saved state, checked: the format version; the profile and the
    /// configuration as [`DriftMonitor::new`] checks them; the number of shards (the
    /// configured one, or up to 16 for one per CPU); per shard at most two consecutive
    /// windows, each with one summary per monitored feature of the profile's kind and
    /// settings, accounting for each of the window's rows, and prediction counts that fit;
    /// counters that add up (window rows and late rows within the rows seen, batches within
    /// the requests, window indices reachable from the rows or the first window seen).
    /// The alert hook is not part of the state.
    ///
    /// # Errors
    /// [`DriftError::Core`] ([`mlops_core::CoreError::InvalidState`]) naming the field.
    pub fn from_state(state: MonitorState) -> Result<Self, DriftError> {
        let s = state;
        CHECK.ensure(
            s.format_version == MONITOR_STATE_FORMAT_VERSION,
            "format_version",
            || {
                format!(
                    "is {}; this version reads {MONITOR_STATE_FORMAT_VERSION}",
                    s.format_version
                )
            },
        )?;
        let n_shards = s.shards.len();
        let shards_ok = match s.config.shards {
            0 => (1..=16).contains(&n_shards),
            n => n == n_shards,
        };
        CHECK.ensure(shards_ok, "shards", || {
            format!(
                "holds {n_shards} shards for config.shards = {} (0: one per CPU, at most 16)",
                s.config.shards
            )
        })?;
        let configured = s.config.shards;
        let config = MonitorConfig {
            shards: n_shards,
            ..s.config
        };
        let mut monitor = Self::new(s.profile, config).map_err(|e| match e {
            DriftError::Core(CoreError::InvalidParameter {
                name,
                value,
                reason,
            }) => CHECK
                .fail(format!("config.{name}"), format!("is {value}: {reason}"))
                .into(),
            other => DriftError::from(CHECK.fail("config", other.to_string())),
        })?;
        monitor.config.shards = configured;

        let c = s.counters;
        for (name, v) in [
            ("counters.rows", c.rows),
            ("counters.requests", c.requests),
            ("counters.errors", c.errors),
            ("counters.late_rows", c.late_rows),
        ] {
            CHECK.count(name, v)?;
        }
        CHECK.ensure(
            s.first_window.is_some() == (c.requests > 0),
            "first_window",
            || {
                format!(
                    "is {:?} after {} requests; it is set by the first batch",
                    s.first_window, c.requests
                )
            },
        )?;
        CHECK.ensure(
            s.ignored_columns.len() <= MAX_IGNORED,
            "ignored_columns",
            || {
                format!(
                    "lists {} names; at most {MAX_IGNORED}",
                    s.ignored_columns.len()
                )
            },
        )?;

        let (mut window_rows, mut batches): (u128, u128) = (0, 0);
        let mut shards = Vec::with_capacity(n_shards);
        for (i, shard) in s.shards.into_iter().enumerate() {
            let here = |f: &str| format!("shards[{i}].{f}");
            CHECK.ensure(shard.windows.len() <= 2, here("windows"), || {
                format!("holds {} windows; a shard keeps two", shard.windows.len())
            })?;
            if let [a, b] = &shard.windows[..] {
                CHECK.ensure(
                    a.index.checked_add(1) == Some(b.index),
                    here("windows"),
                    || {
                        format!(
                            "holds windows {} and {}; a shard keeps a window and the one before",
                            a.index, b.index
                        )
                    },
                )?;
            }
            check_outputs(
                &here("predictions"),
                &shard.predictions,
                &monitor.profile,
                c.rows,
            )?;
            let mut slots = Vec::with_capacity(shard.windows.len());
            for (j, w) in shard.windows.into_iter().enumerate() {
                let field = |f: &str| format!("shards[{i}].windows[{j}].{f}");
                monitor.check_window(&w, c.rows, s.first_window, &field)?;
                window_rows += u128::from(w.rows);
                batches += u128::from(w.batches);
                slots.push(WindowState {
                    index: w.index,
                    rows: w.rows,
                    batches: w.batches,
                    columns: w.columns,
                    outputs: w.outputs,
                });
            }
            shards.push(Mutex::new(Shard {
                slots,
                predictions: shard.predictions,
            }));
        }
        CHECK.ensure(
            window_rows + u128::from(c.late_rows) <= u128::from(c.rows),
            "counters.rows",
            || {
                format!(
                    "is {} but the windows hold {window_rows} rows and {} arrived late",
                    c.rows, c.late_rows
                )
            },
        )?;
        CHECK.ensure(
            batches <= u128::from(c.requests),
            "counters.requests",
            || format!("is {} but the windows hold {batches} batches", c.requests),
        )?;
        monitor.shards = shards;
        monitor.rows = AtomicU64::new(c.rows);
        monitor.requests = AtomicU64::new(c.requests);
        monitor.errors = AtomicU64::new(c.errors);
        monitor.late_rows = AtomicU64::new(c.late_rows);
        monitor.first_window = AtomicU64::new(s.first_window.unwrap_or(u64::MAX));
        monitor.ignored = Mutex::new(s.ignored_columns);
        Ok(monitor)
    }

    /// Checks one saved window against the monitor it is restored into.
    fn check_window(
        &self,
        w: &WindowSnapshot,
        rows: u64,
        first: Option<u64>,
        field: &dyn Fn(&str) -> String,
    ) -> Result<(), DriftError> {
        CHECK.count(&field("rows"), w.rows)?;
        CHECK.ensure(w.batches >= 1, field("batches"), || {
            "is 0; a window exists once a batch arrived".to_owned()
        })?;
        let reachable = match self.config.window {
            Window::Cumulative => w.index == 0,
            Window::Count(n) => w.index <= rows / n,
            Window::Time(_) => true,
        } && first.is_some_and(|f| f <= w.index);
        CHECK.ensure(reachable, field("index"), || {
            format!(
                "is {}, which no batch reaches ({:?} window, {rows} rows, first window {first:?})",
                w.index, self.config.window
            )
        })?;
        CHECK.same_len(
            &field("columns"),
            w.columns.len(),
            "monitored features",
            self.features.len(),
        )?;
        for (k, (summary, &i)) in w.columns.iter().zip(&self.features).enumerate() {
            let here = field(&format!("columns[{k}]"));
            let reference = &self.profile.columns[i].summary;
            let total = match (summary, reference) {
                (ColumnSummary::Numeric(s), ColumnSummary::Numeric(r)) => {
                    CHECK.ensure(
                        s.sketch_k == r.sketch_k
                            && s.seed == r.seed
                            && s.sample_cap == self.config.window_sample_cap,
                        here.clone(),
                        || {
                            format!(
                                "has sample_cap {}, sketch_k {}, seed {}; the monitor's are {}, \
                                 {}, {}",
                                s.sample_cap,
                                s.sketch_k,
                                s.seed,
                                self.config.window_sample_cap,
                                r.sketch_k,
                                r.seed
                            )
                        },
                    )?;
                    u128::from(s.count) + u128::from(s.missing)
                }
                (ColumnSummary::Categorical(s), ColumnSummary::Categorical(_)) => {
                    u128::from(s.count()) + u128::from(s.missing)
                }
                _ => {
                    return Err(CHECK
                        .fail(
                            here,
                            format!(
                                "is {} but feature `{}` is {} in the profile",
                                summary.kind(),
                                self.names[k],
                                reference.kind()
                            ),
                        )
                        .into());
                }
            };
            CHECK.ensure(total == u128::from(w.rows), here, || {
                format!(
                    "accounts for {total} rows (values and missing entries) but the window \
                     holds {}",
                    w.rows
                )
            })?;
        }
        check_outputs(&field("outputs"), &w.outputs, &self.profile, w.rows)
    }

    /// The monitor's state as JSON (see [`DriftMonitor::state`]).
    ///
    /// # Errors
    /// [`DriftError::Core`] if serde fails (it does not for a monitor's state).
    pub fn to_json(&self) -> Result<String, DriftError> {
        Ok(mlops_core::state::to_json("DriftMonitor", &self.state())?)
    }

    /// A monitor from [`DriftMonitor::to_json`] text, checked as
    /// [`DriftMonitor::from_state`] checks.
    ///
    /// # Errors
    /// [`DriftError::Core`] ([`mlops_core::CoreError::InvalidState`]) naming the field, for
    /// malformed JSON or an inconsistent state.
    pub fn from_json(text: &str) -> Result<Self, DriftError> {
        mlops_core::state::from_json::<MonitorState, _, _>("DriftMonitor", text)
    }
}

impl TryFrom<MonitorState> for DriftMonitor {
    type Error = DriftError;

    fn try_from(state: MonitorState) -> Result<Self, DriftError> {
        Self::from_state(state)
    }
}

impl From<&DriftMonitor> for MonitorState {
    fn from(m: &DriftMonitor) -> Self {
        m.state()
    }
}
