//! What a service reads from its monitor between evaluations: the counters, the last
//! evaluation, and the history of evaluations.

use std::sync::{Arc, Mutex};

use super::history::{EvaluationHistory, WindowEvaluation};
use super::{DriftMonitor, Window, lock};
use crate::DriftError;
use crate::profile::OutputTally;
use crate::report::{DriftReport, ServiceCounters};

/// The default number of windows a monitor's history keeps.
pub const DEFAULT_HISTORY_CAPACITY: usize = 256;

/// The default replica name of a monitor's history.
pub const DEFAULT_REPLICA: &str = "local";

/// The last evaluation and the history.
#[derive(Debug)]
pub(crate) struct ServiceState {
    last: Mutex<Option<Arc<DriftReport>>>,
    history: Mutex<EvaluationHistory>,
    replica: String,
}

impl ServiceState {
    pub(crate) fn new(window: Window) -> Result<Self, DriftError> {
        Ok(Self {
            last: Mutex::new(None),
            history: Mutex::new(EvaluationHistory::new(window, DEFAULT_HISTORY_CAPACITY)?),
            replica: DEFAULT_REPLICA.to_owned(),
        })
    }

    /// Keeps `report` as the last evaluation and in the history.
    pub(crate) fn remember(&self, report: &DriftReport, now: f64) {
        let evaluation = WindowEvaluation::from_report(report, &self.replica, now);
        // The report's window kind is the monitor's, as is the history's.
        let _ = lock(&self.history).record(evaluation);
        *lock(&self.last) = Some(Arc::new(report.clone()));
    }
}

impl DriftMonitor {
    /// The service counters now (batches and rows accepted, errors, late rows, positive
    /// predictions over all rows and per group), without running any test.
    ///
    /// Taken under every shard's lock, as [`DriftMonitor::evaluate`] does: a batch is either
    /// wholly counted (its rows, its request and its predictions) or not at all.
    pub fn counters(&self) -> ServiceCounters {
        let guards: Vec<_> = self.shards.iter().map(lock).collect();
        let mut predictions = OutputTally::default();
        for g in &guards {
            predictions.add(&g.predictions);
        }
        let counters = ServiceCounters {
            requests: self.requests.load(std::sync::atomic::Ordering::SeqCst),
            rows: self.rows.load(std::sync::atomic::Ordering::SeqCst),
            errors: self.errors.load(std::sync::atomic::Ordering::SeqCst),
            late_rows: self.late_rows.load(std::sync::atomic::Ordering::SeqCst),
            predictions: self
                .profile
                .params
                .prediction
                .is_some()
                .then_some(predictions),
        };
        drop(guards);
        counters
    }

    /// The report of the last [`DriftMonitor::evaluate`] (or `evaluate_at`), if any.
    pub fn last_evaluation(&self) -> Option<Arc<DriftReport>> {
        lock(&self.service.last).clone()
    }

    /// A copy of the history of evaluations (see [`EvaluationHistory`]).
    pub fn history(&self) -> EvaluationHistory {
        lock(&self.service.history).clone()
    }

    /// Names this monitor's replica in its history and sets how many windows it keeps
    /// (defaults: [`DEFAULT_REPLICA`], [`DEFAULT_HISTORY_CAPACITY`]); clears the history.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`](mlops_core::CoreError::InvalidParameter) for a zero capacity.
    pub fn with_history(
        mut self,
        replica: impl Into<String>,
        capacity: usize,
    ) -> Result<Self, DriftError> {
        self.service.history = Mutex::new(EvaluationHistory::new(self.config.window, capacity)?);
        self.service.replica = replica.into();
        Ok(self)
    }
}
