//! Joining outcomes to predictions by request id, and the realised error rates and cost.
//!
//! In lending the outcome (did the loan default?) is known months after the decision. The
//! [`OutcomeJoiner`] keeps a bounded index of predictions (filled as they are made, or from
//! the event log with [`OutcomeJoiner::from_log`]) and joins each outcome to its prediction
//! by request id. Nothing is dropped or counted twice without a counter saying so
//! ([`JoinCounters`]):
//! * a prediction whose request id is already in the index is a `duplicate_prediction`
//!   (the first one stays);
//! * when the index is full, the oldest prediction (by insertion) is evicted (`evicted`,
//!   and `evicted_unjoined` if its outcome never came);
//! * an outcome whose request id is not in the index (never seen, or evicted) is an
//!   `unknown_outcome`; a second outcome for an already joined prediction is a
//!   `duplicate_outcome` (the first one counts);
//! * so `outcomes = joined + unknown_outcomes + duplicate_outcomes` and
//!   `predictions = indexed + duplicate_predictions`.
//!
//! Each joined row is counted in the confusion matrix of its group and of its *prediction's*
//! window (`floor(time / window)`, the time the decision was made): a window's realised
//! false-positive rate is that of the decisions made in it. The positive class is the
//! label `true` (a default); a decision `true` flagged the request. The false-positive rate
//! is `FP / (FP + TN)`, undefined (`None`) without negatives; the cost is
//! [`CostMatrix::total_cost`] (by default a missed default costs 5, a needless review 1).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::Path;
use std::sync::Arc;

use mlops_core::{ConfusionMatrix, CostMatrix};
use serde::{Deserialize, Serialize};

use super::EventError;
use super::reader::{ReplayReport, replay};
use super::record::PredictionEvent;
use crate::DriftError;

/// What the joiner needs of a prediction.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PredictionRecord {
    /// The request id.
    pub request_id: String,
    /// When the decision was made (microseconds since the UNIX epoch).
    pub time_us: i64,
    /// The group the policy applied.
    pub group: Option<String>,
    /// Whether the request was flagged.
    pub decision: bool,
}

impl From<&PredictionEvent> for PredictionRecord {
    fn from(e: &PredictionEvent) -> Self {
        Self {
            request_id: e.request_id.clone(),
            time_us: e.time_us,
            group: e.group.clone(),
            decision: e.decision,
        }
    }
}

/// An outcome: the true label of a request.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Outcome {
    /// The request id.
    pub request_id: String,
    /// `true`: the positive class (the loan defaulted).
    pub label: bool,
}

/// The joiner's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JoinConfig {
    /// Predictions kept in the index (at least 1).
    pub capacity: usize,
    /// The length of a window, in microseconds (at least 1).
    pub window_us: i64,
    /// The cost of the four outcomes.
    pub cost: CostMatrix,
}

impl Default for JoinConfig {
    /// A million predictions, windows of one day, the lending cost (5:1).
    fn default() -> Self {
        Self {
            capacity: 1_000_000,
            window_us: 86_400_000_000,
            cost: CostMatrix::default(),
        }
    }
}

/// The joiner's counters (see the [module documentation](self) for their identities).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct JoinCounters {
    /// Predictions offered to the index.
    pub predictions: u64,
    /// Predictions added to the index.
    pub indexed: u64,
    /// Predictions refused because their request id was already in the index.
    pub duplicate_predictions: u64,
    /// Predictions evicted to make room.
    pub evicted: u64,
    /// Evicted predictions that had not been joined.
    pub evicted_unjoined: u64,
    /// Outcomes offered.
    pub outcomes: u64,
    /// Outcomes joined to a prediction.
    pub joined: u64,
    /// Outcomes whose request id was not in the index.
    pub unknown_outcomes: u64,
    /// Outcomes for a prediction already joined.
    pub duplicate_outcomes: u64,
}

/// What happened to one outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinStatus {
    /// Joined to its prediction.
    Joined,
    /// No prediction with this request id in the index.
    Unknown,
    /// Its prediction already has an outcome.
    Duplicate,
}

/// Joined rows of one group in one window, by decision and label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OutcomeCounts {
    /// Flagged, and positive.
    pub tp: u64,
    /// Flagged, but negative.
    pub fp: u64,
    /// Not flagged, and negative.
    pub tn: u64,
    /// Not flagged, but positive.
    pub fn_: u64,
}

impl OutcomeCounts {
    fn count(&mut self, decision: bool, label: bool) {
        match (decision, label) {
            (true, true) => self.tp += 1,
            (true, false) => self.fp += 1,
            (false, false) => self.tn += 1,
            (false, true) => self.fn_ += 1,
        }
    }

    fn add(&mut self, o: &Self) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.tn += o.tn;
        self.fn_ += o.fn_;
    }

    /// As a confusion matrix.
    ///
    /// # Errors
    /// None expected (counts are finite and non-negative); the core's check is kept.
    pub fn confusion(&self) -> Result<ConfusionMatrix, EventError> {
        ConfusionMatrix::from_counts(
            self.tp as f64,
            self.fp as f64,
            self.tn as f64,
            self.fn_ as f64,
        )
        .map_err(|e| EventError::Drift(DriftError::Core(e)))
    }
}

/// The realised rates and cost of one group (or all rows) in one window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RealisedGroup {
    /// The group; `None` for the events without one, and for the all-rows entry.
    pub group: Option<String>,
    /// The joined rows.
    pub counts: OutcomeCounts,
    /// `FP / (FP + TN)`; `None` without negatives.
    pub fpr: Option<f64>,
    /// `TP / (TP + FN)`; `None` without positives.
    pub tpr: Option<f64>,
    /// The total cost of the decisions.
    pub total_cost: f64,
    /// The cost per joined row; `None` without rows.
    pub mean_cost: Option<f64>,
}

/// The realised rates of one window of predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RealisedWindow {
    /// `floor(time_us / window_us)`.
    pub index: i64,
    /// The window's start (microseconds since the UNIX epoch).
    pub start_us: i64,
    /// Its end (exclusive).
    pub end_us: i64,
    /// All joined rows of the window.
    pub overall: RealisedGroup,
    /// Per group, in order (`None` first).
    pub groups: Vec<RealisedGroup>,
    /// The largest difference of false-positive rates between groups with one; `None` with
    /// fewer than two such groups.
    pub fpr_gap: Option<f64>,
}

struct Entry {
    time_us: i64,
    group: Option<String>,
    decision: bool,
    joined: bool,
}

/// Joins outcomes to predictions (see the [module documentation](self)).
///
/// # Examples
/// ```
/// use mlops_drift::events::*;
/// let mut j = OutcomeJoiner::new(JoinConfig { capacity: 2, ..JoinConfig::default() })?;
/// let p = |id: &str, flagged: bool| PredictionRecord {
///     request_id: id.into(), time_us: 0, group: Some("A".into()), decision: flagged,
/// };
/// j.record_prediction(p("a", true));
/// j.record_prediction(p("b", false));
/// j.record_outcome(&Outcome { request_id: "a".into(), label: false }); // a false positive
/// j.record_outcome(&Outcome { request_id: "z".into(), label: true }); // unknown
/// assert_eq!(j.counters().joined, 1);
/// assert_eq!(j.counters().unknown_outcomes, 1);
/// let w = &j.realised()?[0];
/// assert_eq!(w.overall.fpr, Some(1.0));
/// assert_eq!(w.overall.total_cost, 1.0);
/// # Ok::<(), EventError>(())
/// ```
pub struct OutcomeJoiner {
    config: JoinConfig,
    index: HashMap<Arc<str>, Entry>,
    /// Request ids in insertion order (the eviction order).
    order: VecDeque<Arc<str>>,
    counters: JoinCounters,
    tallies: BTreeMap<i64, BTreeMap<Option<String>, OutcomeCounts>>,
}

impl std::fmt::Debug for OutcomeJoiner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutcomeJoiner")
            .field("config", &self.config)
            .field("counters", &self.counters)
            .finish_non_exhaustive()
    }
}

impl OutcomeJoiner {
    /// An empty joiner.
    ///
    /// # Errors
    /// [`EventError::InvalidParameter`] for a zero capacity or a window shorter than 1 µs.
    pub fn new(config: JoinConfig) -> Result<Self, EventError> {
        if config.capacity == 0 {
            return Err(EventError::invalid_parameter(
                "capacity",
                0,
                "expected at least 1 prediction",
            ));
        }
        if config.window_us < 1 {
            return Err(EventError::invalid_parameter(
                "window_us",
                config.window_us,
                "expected a window of at least 1 microsecond",
            ));
        }
        Ok(Self {
            config,
            index: HashMap::new(),
            order: VecDeque::new(),
            counters: JoinCounters::default(),
            tallies: BTreeMap::new(),
        })
    }

    /// A joiner whose index holds the predictions of the event log `prefix` in `dir` (the
    /// last `capacity` of them, if there are more), and the replay's report.
    ///
    /// # Errors
    /// The errors of [`OutcomeJoiner::new`] and [`replay`];
    /// [`EventError::InvalidBatch`] for a batch whose values do not fit its schema.
    pub fn from_log(
        dir: impl AsRef<Path>,
        prefix: &str,
        config: JoinConfig,
    ) -> Result<(Self, ReplayReport), EventError> {
        let mut joiner = Self::new(config)?;
        let report = replay(dir, prefix, |path, batch, schema, b| {
            let events =
                schema
                    .events_from_batch(b)
                    .map_err(|reason| EventError::InvalidBatch {
                        path: path.to_path_buf(),
                        batch,
                        reason,
                    })?;
            for e in &events {
                joiner.record_prediction(PredictionRecord::from(e));
            }
            Ok(())
        })?;
        Ok((joiner, report))
    }

    /// The settings.
    pub fn config(&self) -> &JoinConfig {
        &self.config
    }

    /// The counters.
    pub fn counters(&self) -> JoinCounters {
        self.counters
    }

    /// Predictions in the index now.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Adds a prediction to the index (evicting the oldest when full); `false` when its
    /// request id is already there (counted as a duplicate, the first one kept).
    pub fn record_prediction(&mut self, p: PredictionRecord) -> bool {
        self.counters.predictions += 1;
        if self.index.contains_key(p.request_id.as_str()) {
            self.counters.duplicate_predictions += 1;
            return false;
        }
        while self.index.len() >= self.config.capacity {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Some(e) = self.index.remove(&old) {
                self.counters.evicted += 1;
                if !e.joined {
                    self.counters.evicted_unjoined += 1;
                }
            }
        }
        let id: Arc<str> = Arc::from(p.request_id);
        self.order.push_back(Arc::clone(&id));
        self.index.insert(
            id,
            Entry {
                time_us: p.time_us,
                group: p.group,
                decision: p.decision,
                joined: false,
            },
        );
        self.counters.indexed += 1;
        true
    }

    /// Joins an outcome to its prediction.
    pub fn record_outcome(&mut self, o: &Outcome) -> JoinStatus {
        self.counters.outcomes += 1;
        let Some(e) = self.index.get_mut(o.request_id.as_str()) else {
            self.counters.unknown_outcomes += 1;
            return JoinStatus::Unknown;
        };
        if e.joined {
            self.counters.duplicate_outcomes += 1;
            return JoinStatus::Duplicate;
        }
        e.joined = true;
        self.counters.joined += 1;
        let window = e.time_us.div_euclid(self.config.window_us);
        self.tallies
            .entry(window)
            .or_default()
            .entry(e.group.clone())
            .or_default()
            .count(e.decision, o.label);
        JoinStatus::Joined
    }

    /// The joined rows per window (ascending) and group.
    pub fn tallies(&self) -> &BTreeMap<i64, BTreeMap<Option<String>, OutcomeCounts>> {
        &self.tallies
    }

    /// The realised rates and costs per window with joined rows, ascending.
    ///
    /// # Errors
    /// None expected (see [`OutcomeCounts::confusion`]).
    pub fn realised(&self) -> Result<Vec<RealisedWindow>, EventError> {
        let w = self.config.window_us;
        self.tallies
            .iter()
            .map(|(&index, groups)| {
                let mut all = OutcomeCounts::default();
                let mut rows = Vec::with_capacity(groups.len());
                for (g, c) in groups {
                    all.add(c);
                    rows.push(self.realise(g.clone(), *c)?);
                }
                let fprs: Vec<f64> = rows.iter().filter_map(|r| r.fpr).collect();
                let fpr_gap = (fprs.len() >= 2).then(|| {
                    fprs.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                        - fprs.iter().copied().fold(f64::INFINITY, f64::min)
                });
                let start_us = index.saturating_mul(w);
                Ok(RealisedWindow {
                    index,
                    start_us,
                    end_us: start_us.saturating_add(w),
                    overall: self.realise(None, all)?,
                    groups: rows,
                    fpr_gap,
                })
            })
            .collect()
    }

    fn realise(
        &self,
        group: Option<String>,
        counts: OutcomeCounts,
    ) -> Result<RealisedGroup, EventError> {
        let cm = counts.confusion()?;
        Ok(RealisedGroup {
            group,
            counts,
            fpr: cm.fpr(),
            tpr: cm.tpr(),
            total_cost: self.config.cost.total_cost(&cm),
            mean_cost: self.config.cost.mean_cost(&cm),
        })
    }
}
