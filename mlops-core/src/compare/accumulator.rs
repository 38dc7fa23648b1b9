//! A mergeable accumulator for shadow deployments: a Rust service scores each request with
//! the champion and the challenger, records both scores (and the applicant's group) under
//! the request id, and records the label when the outcome becomes known. The accumulator
//! pairs them, can be merged across threads and processes, serialises with serde, and
//! [`ShadowAccumulator::summary`] runs the paired tests on the labelled rows.
//!
//! # Lifecycle of a request id
//! - [`ShadowAccumulator::record`] stores the two scores as *pending*. A second record
//!   with an id that is still pending is a duplicate: it is counted in
//!   `duplicate_requests` and ignored (the first scores stay).
//! - [`ShadowAccumulator::label`] moves a pending request to the labelled rows and
//!   forgets its id. A label for an id that is not pending (never recorded, evicted,
//!   already labelled, or recorded in another shard) is counted in `unmatched_labels` and
//!   dropped: labels must reach the accumulator that saw the request (shard by request id).
//! - Pending requests are capped at `max_pending`; recording beyond the cap evicts the
//!   oldest pending request, counted in `evicted`.
//!
//! Labelled rows are all kept (24 bytes each; group names are stored once): DeLong's test and
//! the Wilcoxon test are exact rank statistics and need every row.

use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::compare::bootstrap::row_cost;
use crate::compare::{
    Alternative, DelongResult, McNemarResult, RankMethod, TTestResult, WilcoxonResult, delong,
    mcnemar_from_predictions, paired_ttest, wilcoxon,
};
use crate::cost::CostMatrix;
use crate::error::{CoreError, Result};
use crate::state::Checker;

/// Checked settings of a [`ShadowAccumulator`]; accumulators merge only with equal
/// settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ShadowConfig {
    /// Most pending (unlabelled) requests kept; the oldest is evicted beyond.
    pub max_pending: usize,
    /// Flag when `score >= threshold`: champion's and challenger's thresholds (McNemar, cost).
    pub thresholds: [f64; 2],
    /// Costs of the decisions (the per-row cost compared by the paired t-test).
    pub cost: CostMatrix,
    /// Confidence level of DeLong's and the t-tests' intervals.
    pub confidence_level: f64,
}

impl ShadowConfig {
    /// Checks the settings.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] for `max_pending == 0`, a NaN threshold or a level
    /// outside (0, 1).
    pub fn new(
        max_pending: usize,
        thresholds: [f64; 2],
        cost: CostMatrix,
        confidence_level: f64,
    ) -> Result<Self> {
        if max_pending == 0 {
            return Err(CoreError::invalid_parameter(
                "max_pending",
                0,
                "must be at least 1",
            ));
        }
        if let Some(t) = thresholds.iter().find(|t| t.is_nan()) {
            return Err(CoreError::invalid_parameter(
                "threshold",
                t,
                "must be a number",
            ));
        }
        crate::compare::common::check_level(confidence_level)?;
        Ok(Self {
            max_pending,
            thresholds,
            cost,
            confidence_level,
        })
    }
}

/// Scores of a request waiting for its label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Pending {
    /// Arrival order, for eviction.
    seq: u64,
    champion: f64,
    challenger: f64,
    /// Index into the accumulator's group names.
    group: u32,
}

/// A request with its label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Labelled {
    champion: f64,
    challenger: f64,
    label: bool,
    /// Index into the accumulator's group names.
    group: u32,
}

/// Paired champion/challenger rows of a shadow deployment; see the module documentation.
///
/// # Examples
/// ```
/// use mlops_core::CostMatrix;
/// use mlops_core::compare::{ShadowAccumulator, ShadowConfig};
/// let config = ShadowConfig::new(10_000, [0.5, 0.5], CostMatrix::default(), 0.95)?;
/// let (mut a, mut b) = (ShadowAccumulator::new(config), ShadowAccumulator::new(config));
/// for id in 0..40u64 {
///     let y = id % 3 == 0;
///     let acc = if id % 2 == 0 { &mut a } else { &mut b }; // two threads
///     let noise = (id % 7) as f64 / 10.0;
///     acc.record(id, 0.2 + 0.4 * f64::from(u8::from(y)) * noise, 0.1 + 0.5 * f64::from(u8::from(y)), "all")?;
///     acc.label(id, y);
/// }
/// a.merge(&b)?;
/// let s = a.summary();
/// assert_eq!(s.rows, 40);
/// assert!(s.delong.unwrap().difference > 0.0); // challenger - champion AUC
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ShadowState")]
pub struct ShadowAccumulator {
    config: ShadowConfig,
    /// Group name -> index, so each row holds 4 bytes instead of its group's name.
    group_ids: HashMap<String, u32>,
    pending: HashMap<u64, Pending>,
    /// `(seq, id)` in arrival order; entries whose id is no longer pending with that
    /// `seq` are stale and skipped.
    order: VecDeque<(u64, u64)>,
    next_seq: u64,
    rows: Vec<Labelled>,
    requests: u64,
    duplicate_requests: u64,
    unmatched_labels: u64,
    evicted: u64,
}

/// The serialised form of [`ShadowAccumulator`], checked on the way in so that a state
/// edited or corrupted in transit is an error rather than a panic later.
#[derive(Deserialize)]
struct ShadowState {
    config: ShadowConfig,
    group_ids: HashMap<String, u32>,
    pending: HashMap<u64, Pending>,
    order: VecDeque<(u64, u64)>,
    next_seq: u64,
    rows: Vec<Labelled>,
    requests: u64,
    duplicate_requests: u64,
    unmatched_labels: u64,
    evicted: u64,
}

impl TryFrom<ShadowState> for ShadowAccumulator {
    type Error = CoreError;

    /// Checks everything the accumulator's methods rely on: valid settings, group indices
    /// `0..groups` each named once, finite scores of known groups, at most `max_pending`
    /// pending requests each in the arrival order with a sequence number below `next_seq`,
    /// that order ascending, and counters that add up (every request recorded is a
    /// duplicate, a labelled row, pending, or evicted).
    fn try_from(s: ShadowState) -> Result<Self> {
        let k = Checker::new("ShadowAccumulator");
        let c = s.config;
        let config = ShadowConfig::new(c.max_pending, c.thresholds, c.cost, c.confidence_level)
            .map_err(|e| match e {
                CoreError::InvalidParameter {
                    name,
                    value,
                    reason,
                } => k.fail(format!("config.{name}"), format!("is {value}: {reason}")),
                other => other,
            })?;
        let g = s.group_ids.len();
        let mut seen = vec![false; g];
        for (name, &id) in &s.group_ids {
            match seen.get_mut(id as usize) {
                Some(slot) if !*slot => *slot = true,
                _ => {
                    return Err(k.fail(
                        format!("group_ids[{name:?}]"),
                        format!("is {id}; group indices must be 0..{g}, each used once"),
                    ));
                }
            }
        }
        for (i, r) in s.rows.iter().enumerate() {
            k.ensure((r.group as usize) < g, format!("rows[{i}].group"), || {
                format!("is {}; there are {g} groups", r.group)
            })?;
            k.finite(&format!("rows[{i}].champion"), r.champion)?;
            k.finite(&format!("rows[{i}].challenger"), r.challenger)?;
        }
        k.ensure(s.pending.len() <= config.max_pending, "pending", || {
            format!(
                "holds {} requests, more than max_pending = {}",
                s.pending.len(),
                config.max_pending
            )
        })?;
        k.count("next_seq", s.next_seq)?;
        for (i, w) in s.order.iter().enumerate() {
            k.ensure(w.0 < s.next_seq, format!("order[{i}]"), || {
                format!(
                    "has sequence number {}, not below next_seq = {}",
                    w.0, s.next_seq
                )
            })?;
        }
        for (i, w) in s.order.iter().zip(s.order.iter().skip(1)).enumerate() {
            k.ensure(w.0.0 < w.1.0, format!("order[{}]", i + 1), || {
                "is out of arrival order (sequence numbers must increase)".to_owned()
            })?;
        }
        for (id, p) in &s.pending {
            let field = |what: &str| format!("pending[{id}].{what}");
            k.ensure((p.group as usize) < g, field("group"), || {
                format!("is {}; there are {g} groups", p.group)
            })?;
            k.finite(&field("champion"), p.champion)?;
            k.finite(&field("challenger"), p.challenger)?;
            // `order` is ascending, so a binary search finds the entry of this request.
            let listed = s
                .order
                .binary_search_by_key(&p.seq, |w| w.0)
                .is_ok_and(|i| s.order[i].1 == *id);
            k.ensure(listed, field("seq"), || {
                format!(
                    "is {}, which the arrival order does not list for this id",
                    p.seq
                )
            })?;
        }
        for (name, v) in [
            ("requests", s.requests),
            ("duplicate_requests", s.duplicate_requests),
            ("unmatched_labels", s.unmatched_labels),
            ("evicted", s.evicted),
        ] {
            k.count(name, v)?;
        }
        let accounted = u128::from(s.duplicate_requests)
            + s.rows.len() as u128
            + s.pending.len() as u128
            + u128::from(s.evicted);
        k.ensure(accounted == u128::from(s.requests), "requests", || {
            format!(
                "is {} but duplicates + labelled + pending + evicted = {accounted}",
                s.requests
            )
        })?;
        Ok(Self {
            config,
            group_ids: s.group_ids,
            pending: s.pending,
            order: s.order,
            next_seq: s.next_seq,
            rows: s.rows,
            requests: s.requests,
            duplicate_requests: s.duplicate_requests,
            unmatched_labels: s.unmatched_labels,
            evicted: s.evicted,
        })
    }
}

/// Counts of one group's labelled rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShadowGroupCounts {
    /// The group.
    pub group: String,
    /// Labelled rows.
    pub rows: usize,
    /// Rows labelled positive.
    pub positives: usize,
    /// Rows labelled negative.
    pub negatives: usize,
    /// Rows the champion flags at its threshold.
    pub flagged_champion: usize,
    /// Rows the challenger flags at its threshold.
    pub flagged_challenger: usize,
}

/// The paired tests on the labelled rows. Every difference is challenger − champion.
/// A test that is undefined on these rows is `None`, with the reason in `undefined`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShadowSummary {
    /// Labelled rows.
    pub rows: usize,
    /// Rows labelled positive.
    pub positives: usize,
    /// Rows labelled negative.
    pub negatives: usize,
    /// Requests recorded (duplicates included).
    pub requests: u64,
    /// Requests still waiting for a label.
    pub pending: usize,
    /// Pending requests evicted by the `max_pending` cap.
    pub evicted: u64,
    /// Labels whose request id was not pending (dropped).
    pub unmatched_labels: u64,
    /// Records whose request id was already pending (ignored).
    pub duplicate_requests: u64,
    /// DeLong's test of `AUC(challenger) - AUC(champion)`.
    pub delong: Option<DelongResult>,
    /// Paired t-test of the per-row Brier loss `(score - label)^2`, challenger − champion
    /// (negative: the challenger is better calibrated and sharper).
    pub brier_ttest: Option<TTestResult>,
    /// Wilcoxon signed-rank test of the same Brier losses.
    pub brier_wilcoxon: Option<WilcoxonResult>,
    /// Paired t-test of the per-row decision cost at the thresholds, challenger − champion
    /// (negative: the challenger costs less).
    pub cost_ttest: Option<TTestResult>,
    /// McNemar's exact test on the decisions at the thresholds (`difference`: rows only the
    /// challenger gets right minus rows only the champion gets right).
    pub mcnemar: Option<McNemarResult>,
    /// Counts per group, sorted by group name.
    pub groups: Vec<ShadowGroupCounts>,
    /// `"test: reason"` for each test that is `None`.
    pub undefined: Vec<String>,
}

/// Runs one test of the summary: `None`, with the reason noted, when it is undefined.
fn attempt<T>(
    undefined: &mut Vec<String>,
    name: &str,
    rows: usize,
    test: impl FnOnce() -> Result<T>,
) -> Option<T> {
    let r = if rows == 0 {
        Err(CoreError::undefined(name, "no labelled rows yet"))
    } else {
        test()
    };
    r.map_err(|e| undefined.push(format!("{name}: {e}"))).ok()
}

fn check_score(input: &str, value: f64) -> Result<()> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(CoreError::NotFinite {
            input: input.to_owned(),
            index: 0,
            value,
        })
    }
}

impl ShadowAccumulator {
    /// An empty accumulator.
    pub fn new(config: ShadowConfig) -> Self {
        Self {
            config,
            group_ids: HashMap::new(),
            pending: HashMap::new(),
            order: VecDeque::new(),
            next_seq: 0,
            rows: Vec::new(),
            requests: 0,
            duplicate_requests: 0,
            unmatched_labels: 0,
            evicted: 0,
        }
    }

    /// Reads an accumulator written as JSON (by serde), with every invariant checked (see
    /// the module documentation for what a state holds).
    ///
    /// # Errors
    /// [`CoreError::InvalidState`] for malformed JSON or a state that contradicts itself.
    pub fn from_json(text: &str) -> Result<Self> {
        crate::state::from_json::<ShadowState, _, _>("ShadowAccumulator", text)
    }

    /// The accumulator as JSON.
    ///
    /// # Errors
    /// [`CoreError::InvalidState`] if serde fails.
    pub fn to_json(&self) -> Result<String> {
        crate::state::to_json("ShadowAccumulator", self)
    }

    /// The settings.
    pub fn config(&self) -> &ShadowConfig {
        &self.config
    }

    /// Labelled rows.
    pub fn labelled(&self) -> usize {
        self.rows.len()
    }

    /// Requests waiting for a label.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Records both models' scores for a request.
    ///
    /// # Errors
    /// [`CoreError::NotFinite`] for a NaN or infinite score (nothing is recorded).
    pub fn record(
        &mut self,
        request_id: u64,
        champion: f64,
        challenger: f64,
        group: &str,
    ) -> Result<()> {
        check_score("champion", champion)?;
        check_score("challenger", challenger)?;
        self.requests += 1;
        let group = self.group_id(group);
        self.insert_pending(
            request_id,
            Pending {
                seq: 0,
                champion,
                challenger,
                group,
            },
        );
        Ok(())
    }

    /// The index of a group name, added when new.
    fn group_id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.group_ids.get(name) {
            return id;
        }
        let id = self.group_ids.len() as u32;
        self.group_ids.insert(name.to_owned(), id);
        id
    }

    /// Group names indexed by id.
    fn group_names(&self) -> Vec<&str> {
        let mut names = vec![""; self.group_ids.len()];
        for (name, &id) in &self.group_ids {
            names[id as usize] = name;
        }
        names
    }

    fn insert_pending(&mut self, id: u64, mut p: Pending) {
        if self.pending.contains_key(&id) {
            self.duplicate_requests += 1;
            return;
        }
        p.seq = self.next_seq;
        self.next_seq += 1;
        self.order.push_back((p.seq, id));
        self.pending.insert(id, p);
        while self.pending.len() > self.config.max_pending {
            let Some((seq, old)) = self.order.pop_front() else {
                break;
            };
            if self.pending.get(&old).is_some_and(|q| q.seq == seq) {
                self.pending.remove(&old);
                self.evicted += 1;
            }
        }
        // Stale entries (labelled ids) would otherwise pile up at the front.
        if self.order.len() > 2 * self.pending.len() + 64 {
            let pending = &self.pending;
            self.order
                .retain(|(seq, id)| pending.get(id).is_some_and(|q| q.seq == *seq));
        }
    }

    /// Records the label of a request; returns whether its id was pending (a label for an
    /// unknown id is counted in `unmatched_labels` and dropped).
    pub fn label(&mut self, request_id: u64, label: bool) -> bool {
        match self.pending.remove(&request_id) {
            Some(p) => {
                self.rows.push(Labelled {
                    champion: p.champion,
                    challenger: p.challenger,
                    label,
                    group: p.group,
                });
                true
            }
            None => {
                self.unmatched_labels += 1;
                false
            }
        }
    }

    /// Adds everything `other` holds: its labelled rows after this one's, its pending
    /// requests in their arrival order after this one's (an id pending in both is a
    /// duplicate: this one's scores stay), its counters; then applies the cap.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] when the settings differ.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        if self.config != other.config {
            return Err(CoreError::invalid_parameter(
                "other",
                "an accumulator with other settings",
                "accumulators merge only with equal max_pending, thresholds, cost and level",
            ));
        }
        let remap: Vec<u32> = other
            .group_names()
            .into_iter()
            .map(|name| self.group_id(name))
            .collect();
        self.rows.extend(other.rows.iter().map(|r| Labelled {
            group: remap[r.group as usize],
            ..r.clone()
        }));
        let mut theirs: Vec<(&u64, &Pending)> = other.pending.iter().collect();
        theirs.sort_unstable_by_key(|(_, p)| p.seq);
        for (&id, p) in theirs {
            let p = Pending {
                group: remap[p.group as usize],
                ..p.clone()
            };
            self.insert_pending(id, p);
        }
        self.requests += other.requests;
        self.duplicate_requests += other.duplicate_requests;
        self.unmatched_labels += other.unmatched_labels;
        self.evicted += other.evicted;
        Ok(())
    }

    /// Runs the paired tests on the labelled rows.
    pub fn summary(&self) -> ShadowSummary {
        let n = self.rows.len();
        let y: Vec<bool> = self.rows.iter().map(|r| r.label).collect();
        let a: Vec<f64> = self.rows.iter().map(|r| r.champion).collect();
        let b: Vec<f64> = self.rows.iter().map(|r| r.challenger).collect();
        let [ta, tb] = self.config.thresholds;
        let level = self.config.confidence_level;
        let brier = |s: &[f64]| -> Vec<f64> {
            s.iter()
                .zip(&y)
                .map(|(&s, &y)| (s - f64::from(u8::from(y))).powi(2))
                .collect()
        };
        let cost = |s: &[f64], t: f64| -> Vec<f64> {
            s.iter()
                .zip(&y)
                .map(|(&s, &y)| row_cost(&self.config.cost, y, s >= t))
                .collect()
        };
        let (brier_a, brier_b) = (brier(&a), brier(&b));
        let (cost_a, cost_b) = (cost(&a, ta), cost(&b, tb));
        let flags_a: Vec<bool> = a.iter().map(|&s| s >= ta).collect();
        let flags_b: Vec<bool> = b.iter().map(|&s| s >= tb).collect();

        let mut undefined = Vec::new();
        let u = &mut undefined;
        let two = Alternative::TwoSided;
        let delong = attempt(u, "delong", n, || delong(&y[..], &a[..], &b[..], level));
        let brier_ttest = attempt(u, "brier_ttest", n, || {
            paired_ttest(&brier_b[..], &brier_a[..], two, level)
        });
        let brier_wilcoxon = attempt(u, "brier_wilcoxon", n, || {
            wilcoxon(&brier_b[..], &brier_a[..], two, RankMethod::Auto)
        });
        let cost_ttest = attempt(u, "cost_ttest", n, || {
            paired_ttest(&cost_b[..], &cost_a[..], two, level)
        });
        let mcnemar = attempt(u, "mcnemar", n, || {
            mcnemar_from_predictions(&y[..], &flags_a[..], &flags_b[..], true, true)
        });

        let names = self.group_names();
        let mut groups: Vec<ShadowGroupCounts> = names
            .iter()
            .map(|&name| ShadowGroupCounts {
                group: name.to_owned(),
                rows: 0,
                positives: 0,
                negatives: 0,
                flagged_champion: 0,
                flagged_challenger: 0,
            })
            .collect();
        for (i, r) in self.rows.iter().enumerate() {
            let g = &mut groups[r.group as usize];
            g.rows += 1;
            g.positives += usize::from(r.label);
            g.negatives += usize::from(!r.label);
            g.flagged_champion += usize::from(flags_a[i]);
            g.flagged_challenger += usize::from(flags_b[i]);
        }
        // Groups seen only in pending (or evicted) requests have no labelled row yet.
        groups.retain(|g| g.rows > 0);
        groups.sort_by(|x, y| x.group.cmp(&y.group));
        let positives = y.iter().filter(|&&v| v).count();
        ShadowSummary {
            rows: n,
            positives,
            negatives: n - positives,
            requests: self.requests,
            pending: self.pending.len(),
            evicted: self.evicted,
            unmatched_labels: self.unmatched_labels,
            duplicate_requests: self.duplicate_requests,
            delong,
            brier_ttest,
            brier_wilcoxon,
            cost_ttest,
            mcnemar,
            groups,
            undefined,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn config(max_pending: usize) -> ShadowConfig {
        ShadowConfig::new(max_pending, [0.5, 0.5], CostMatrix::default(), 0.95).unwrap()
    }

    #[test]
    fn eviction_duplicates_and_unknown_labels_are_counted() {
        let mut acc = ShadowAccumulator::new(config(2));
        for id in 0..3 {
            assert!(acc.record(id, 0.1, 0.2, "g").is_ok());
        }
        assert!(acc.record(2, 0.9, 0.9, "g").is_ok()); // duplicate of a pending id
        assert!(!acc.label(0, true)); // evicted
        assert!(acc.label(2, true));
        assert!(!acc.label(2, true)); // already labelled
        let s = acc.summary();
        assert_eq!(
            (s.evicted, s.duplicate_requests, s.unmatched_labels),
            (1, 1, 2)
        );
        assert_eq!((s.rows, s.pending, s.requests), (1, 1, 4));
        assert!(s.delong.is_none() && !s.undefined.is_empty());
        assert!(acc.record(5, f64::NAN, 0.2, "g").is_err());
    }
}
