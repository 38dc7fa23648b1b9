//! A mergeable, exact summary of scores by group: what each partition of a data set too
//! large for one process sends to be combined.
//!
//! Per group, per distinct score: the weight of its positives and of its negatives, each an
//! exact sum ([`ExactSum`]). Merging adds the sums of equal scores exactly, so the merge is
//! associative and commutative to the bit, and a summary merged from any partitioning, in
//! any order, gives per group the very [`SortedCounts`] that the rows in one process give
//! (whose ties are summed exactly too). Every group audit, threshold search and ROC curve
//! that reads [`SortedCounts`] therefore answers the same from either.
//!
//! The summary's size is the number of distinct `(group, score)` pairs: exact, and as large
//! as the data when every score is distinct.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::exact::ExactSum;
use crate::groups::{GroupKey, GroupValue, Groups};
use crate::input::{BinaryTask, check_len};
use crate::sorted::{SortedCounts, Tie, canonical, for_each_tie, rows_by_group};
use crate::state::Checker;

/// The format version a summary is written with; a summary of another version is refused
/// on reading (and two of different versions cannot meet in a merge).
pub const SUMMARY_FORMAT_VERSION: u32 = 1;

const CHECK: Checker = Checker::new("ScoreSummary");

/// One group's distinct scores (strictly descending) with the exact weight of the
/// positives and of the negatives at each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupScores {
    /// The group's key.
    pub key: GroupKey,
    /// Positive rows of non-zero weight.
    pub positive_rows: u64,
    /// Negative rows of non-zero weight.
    pub negative_rows: u64,
    /// Distinct scores, strictly descending.
    scores: Vec<f64>,
    /// Weight of the positives at each score.
    pos: Vec<ExactSum>,
    /// Weight of the negatives at each score.
    neg: Vec<ExactSum>,
}

impl GroupScores {
    /// Distinct scores, strictly descending.
    pub fn scores(&self) -> &[f64] {
        &self.scores
    }

    /// The group's [`SortedCounts`]: each block's weights rounded once.
    pub fn counts(&self) -> SortedCounts {
        SortedCounts::from_block_sums(
            self.scores.clone(),
            self.pos.iter().map(ExactSum::value).collect(),
            self.neg.iter().map(ExactSum::value).collect(),
            self.positive_rows as usize,
            self.negative_rows as usize,
        )
    }

    /// The union of two groups' scores (same key), equal scores' weights added exactly.
    fn merged(&self, other: &Self) -> Self {
        let mut out = Self {
            key: self.key.clone(),
            positive_rows: self.positive_rows + other.positive_rows,
            negative_rows: self.negative_rows + other.negative_rows,
            scores: Vec::with_capacity(self.scores.len() + other.scores.len()),
            pos: Vec::with_capacity(self.scores.len() + other.scores.len()),
            neg: Vec::with_capacity(self.scores.len() + other.scores.len()),
        };
        let parts = [self, other];
        let runs = [self.scores.as_slice(), other.scores.as_slice()];
        crate::merge::merge_runs(&runs, crate::merge::Order::Descending, |score, members| {
            let (mut p, mut n) = (ExactSum::default(), ExactSum::default());
            for &(part, i) in members {
                p.merge(&parts[part].pos[i]);
                n.merge(&parts[part].neg[i]);
            }
            out.scores.push(score);
            out.pos.push(p);
            out.neg.push(n);
        });
        out
    }

    /// Total weight (rounded), for the overflow check.
    fn total_weight(&self) -> f64 {
        let mut t = ExactSum::default();
        for s in self.pos.iter().chain(&self.neg) {
            t.merge(s);
        }
        t.value()
    }
}

/// An exact, mergeable summary of scores by group (see the module documentation).
///
/// # Examples
/// ```
/// use mlops_core::{BinaryTask, Groups, ScoreSummary, SortedCounts};
/// let (scores, labels) = ([0.9, 0.4, 0.4, 0.1, 0.7, 0.2], [1, 0, 1, 0, 1, 0]);
/// let groups = ["a", "a", "b", "b", "a", "b"];
/// let part = |r: std::ops::Range<usize>| -> Result<ScoreSummary, mlops_core::CoreError> {
///     let task = BinaryTask::new(&scores[r.clone()], &labels[r.clone()])?;
///     ScoreSummary::new(&task, &Groups::from_strs("g", &groups[r])?)
/// };
/// let mut merged = part(3..6)?;
/// merged.merge(&part(0..3)?)?;
/// let task = BinaryTask::new(&scores[..], &labels[..])?;
/// let whole = SortedCounts::by_group(&task, &Groups::from_strs("g", &groups[..])?)?;
/// assert_eq!(merged.counts(), whole);
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreSummary {
    format_version: u32,
    group_columns: Vec<String>,
    groups: Vec<GroupScores>,
}

/// The serialised form, checked on the way in.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScoreSummary {
    format_version: u32,
    group_columns: Vec<String>,
    groups: Vec<GroupScores>,
}

impl<'de> Deserialize<'de> for ScoreSummary {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let raw = RawScoreSummary::deserialize(d)?;
        Self::try_from(raw).map_err(serde::de::Error::custom)
    }
}

impl TryFrom<RawScoreSummary> for ScoreSummary {
    type Error = CoreError;

    fn try_from(r: RawScoreSummary) -> Result<Self> {
        CHECK.ensure(
            r.format_version == SUMMARY_FORMAT_VERSION,
            "format_version",
            || {
                format!(
                    "is {}; this library reads version {SUMMARY_FORMAT_VERSION} (rebuild the \
                     summary with the same library version on every partition)",
                    r.format_version
                )
            },
        )?;
        CHECK.ensure(!r.group_columns.is_empty(), "group_columns", || {
            "is empty; a summary has at least one group column".to_owned()
        })?;
        let mut groups = Vec::with_capacity(r.groups.len());
        for (g, raw) in r.groups.into_iter().enumerate() {
            groups.push(check_group(g, raw, r.group_columns.len())?);
        }
        for g in 1..groups.len() {
            CHECK.ensure(
                groups[g - 1].key < groups[g].key,
                format!("groups[{g}].key"),
                || {
                    "is not after the previous group's; groups are in strictly ascending key order"
                        .to_owned()
                },
            )?;
        }
        let s = Self {
            format_version: r.format_version,
            group_columns: r.group_columns,
            groups,
        };
        s.check_kinds()?;
        s.check_total()?;
        Ok(s)
    }
}

/// One group read back: lengths, finite strictly descending scores, exact sums renormalised
/// (any finite partials are accepted; their exact sum is what counts), non-negative weights,
/// no empty block, row counts that can hold the blocks.
fn check_group(g: usize, raw: GroupScores, n_columns: usize) -> Result<GroupScores> {
    let at = |f: &str| format!("groups[{g}].{f}");
    CHECK.same_len(&at("key"), raw.key.0.len(), "group_columns", n_columns)?;
    let n = raw.scores.len();
    CHECK.same_len(&at("pos"), raw.pos.len(), &at("scores"), n)?;
    CHECK.same_len(&at("neg"), raw.neg.len(), &at("scores"), n)?;
    CHECK.all_finite(&at("scores"), &raw.scores)?;
    for i in 1..n {
        CHECK.ensure(
            raw.scores[i] < raw.scores[i - 1],
            at(&format!("scores[{i}]")),
            || {
                format!(
                    "is {} after {}; scores are strictly descending",
                    raw.scores[i],
                    raw.scores[i - 1]
                )
            },
        )?;
    }
    CHECK.count(&at("positive_rows"), raw.positive_rows)?;
    CHECK.count(&at("negative_rows"), raw.negative_rows)?;
    let renormalise = |field: &str, sums: Vec<ExactSum>| -> Result<(Vec<ExactSum>, usize)> {
        let mut nonzero = 0;
        let mut out = Vec::with_capacity(sums.len());
        for (i, s) in sums.into_iter().enumerate() {
            let mut fresh = ExactSum::default();
            for (j, &x) in s.partials().iter().enumerate() {
                CHECK.finite(&at(&format!("{field}[{i}][{j}]")), x)?;
                fresh.add(x);
            }
            let v = fresh.value();
            CHECK.ensure(
                v >= 0.0 && v.is_finite(),
                at(&format!("{field}[{i}]")),
                || format!("sums to {v}; a weight is finite and >= 0"),
            )?;
            nonzero += usize::from(v > 0.0);
            out.push(fresh);
        }
        Ok((out, nonzero))
    };
    let (pos, with_pos) = renormalise("pos", raw.pos)?;
    let (neg, with_neg) = renormalise("neg", raw.neg)?;
    for i in 0..n {
        CHECK.ensure(
            pos[i].value() > 0.0 || neg[i].value() > 0.0,
            at(&format!("scores[{i}]")),
            || "has no weight; a summary holds only scores of rows with non-zero weight".to_owned(),
        )?;
    }
    CHECK.ensure(
        raw.positive_rows >= with_pos as u64,
        at("positive_rows"),
        || {
            format!(
                "is {} but {with_pos} scores hold positives",
                raw.positive_rows
            )
        },
    )?;
    CHECK.ensure(
        raw.negative_rows >= with_neg as u64,
        at("negative_rows"),
        || {
            format!(
                "is {} but {with_neg} scores hold negatives",
                raw.negative_rows
            )
        },
    )?;
    Ok(GroupScores {
        key: raw.key,
        positive_rows: raw.positive_rows,
        negative_rows: raw.negative_rows,
        scores: raw.scores,
        pos,
        neg,
    })
}

impl ScoreSummary {
    /// The summary of a checked task's rows by group (rows of zero weight are left out, as
    /// [`SortedCounts`] leaves them out).
    ///
    /// # Errors
    /// [`CoreError::LengthMismatch`] when `groups` is not aligned with `task`.
    pub fn new(task: &BinaryTask<'_>, groups: &Groups) -> Result<Self> {
        check_len(
            "groups",
            groups.len(),
            crate::input::names::Y_SCORE,
            task.len(),
        )?;
        let members = rows_by_group(groups);
        let scores = task.scores();
        let labels = task.labels();
        let build = |(rows, key): (&Vec<u32>, &GroupKey)| {
            let (mut pos, mut neg) = (Vec::new(), Vec::new());
            for &i in rows {
                let i = i as usize;
                let w = task.weight(i);
                if w > 0.0 {
                    if labels[i] { &mut pos } else { &mut neg }.push((canonical(scores[i]), w));
                }
            }
            let (positive_rows, negative_rows) = (pos.len() as u64, neg.len() as u64);
            let ties = |run: &mut Vec<(f64, f64)>| {
                let mut out: Vec<(f64, ExactSum)> = Vec::new();
                for_each_tie(run, |s, tie| {
                    out.push((
                        s,
                        match tie {
                            Tie::One(w) => ExactSum::of(w),
                            Tie::Many(sum) => sum.clone(),
                        },
                    ));
                });
                out
            };
            let (p, n) = (ties(&mut pos), ties(&mut neg));
            let mut out = GroupScores {
                key: key.clone(),
                positive_rows,
                negative_rows,
                scores: Vec::with_capacity(p.len() + n.len()),
                pos: Vec::with_capacity(p.len() + n.len()),
                neg: Vec::with_capacity(p.len() + n.len()),
            };
            let (mut i, mut j) = (0, 0);
            while i < p.len() || j < n.len() {
                let take = match (p.get(i), n.get(j)) {
                    (Some(a), Some(b)) => a.0.total_cmp(&b.0),
                    (Some(_), None) => Ordering::Greater,
                    _ => Ordering::Less,
                };
                let (s, ps, ns) = match take {
                    Ordering::Greater => (p[i].0, p[i].1.clone(), ExactSum::default()),
                    Ordering::Less => (n[j].0, ExactSum::default(), n[j].1.clone()),
                    Ordering::Equal => (p[i].0, p[i].1.clone(), n[j].1.clone()),
                };
                i += usize::from(take != Ordering::Less);
                j += usize::from(take != Ordering::Greater);
                out.scores.push(s);
                out.pos.push(ps);
                out.neg.push(ns);
            }
            out
        };
        let pairs: Vec<(&Vec<u32>, &GroupKey)> = members.iter().zip(groups.keys()).collect();
        let groups_out = crate::parallel::map(&pairs, |&(r, k)| build((r, k)));
        Ok(Self {
            format_version: SUMMARY_FORMAT_VERSION,
            group_columns: groups.columns().to_vec(),
            groups: groups_out,
        })
    }

    /// Every group of `groups` with no rows: the summary of rows that all have zero weight
    /// (which a [`BinaryTask`] refuses), keeping their groups present as [`ScoreSummary::new`]
    /// keeps a group whose rows all have zero weight.
    pub fn of_keys(groups: &Groups) -> Self {
        Self {
            format_version: SUMMARY_FORMAT_VERSION,
            group_columns: groups.columns().to_vec(),
            groups: groups
                .keys()
                .iter()
                .map(|key| GroupScores {
                    key: key.clone(),
                    positive_rows: 0,
                    negative_rows: 0,
                    scores: Vec::new(),
                    pos: Vec::new(),
                    neg: Vec::new(),
                })
                .collect(),
        }
    }

    /// The summary of no rows (a partition that holds none), over these group columns.
    ///
    /// # Errors
    /// [`CoreError::NoGroupColumns`] for no columns.
    pub fn empty(group_columns: Vec<String>) -> Result<Self> {
        if group_columns.is_empty() {
            return Err(CoreError::NoGroupColumns);
        }
        Ok(Self {
            format_version: SUMMARY_FORMAT_VERSION,
            group_columns,
            groups: Vec::new(),
        })
    }

    /// Adds `other`'s rows to this summary. Exact: any merge order of any partitioning
    /// gives the same summary values.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] (`other`) when the group columns differ;
    /// [`CoreError::MixedGroupTypes`] when a column holds integers in one summary and
    /// strings in the other; [`CoreError::WeightsOverflow`] when a group's total weight
    /// would pass [`crate::input::MAX_TOTAL_WEIGHT`] or [`CoreError::InvalidState`] when a
    /// row count would pass 2^53. On error `self` is unchanged.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        if self.group_columns != other.group_columns {
            return Err(CoreError::invalid_parameter(
                "other",
                format!("a summary over {:?}", other.group_columns),
                format!(
                    "summaries merge only over the same group columns ({:?})",
                    self.group_columns
                ),
            ));
        }
        let mut groups = Vec::with_capacity(self.groups.len() + other.groups.len());
        let (mut i, mut j) = (0, 0);
        while i < self.groups.len() || j < other.groups.len() {
            let order = match (self.groups.get(i), other.groups.get(j)) {
                (Some(a), Some(b)) => a.key.cmp(&b.key),
                (Some(_), None) => Ordering::Less,
                _ => Ordering::Greater,
            };
            groups.push(match order {
                Ordering::Less => self.groups[i].clone(),
                Ordering::Greater => other.groups[j].clone(),
                Ordering::Equal => self.groups[i].merged(&other.groups[j]),
            });
            i += usize::from(order != Ordering::Greater);
            j += usize::from(order != Ordering::Less);
        }
        let merged = Self {
            format_version: self.format_version,
            group_columns: self.group_columns.clone(),
            groups,
        };
        merged.check_kinds()?;
        merged.check_total()?;
        for (g, s) in merged.groups.iter().enumerate() {
            CHECK.count(&format!("groups[{g}].positive_rows"), s.positive_rows)?;
            CHECK.count(&format!("groups[{g}].negative_rows"), s.negative_rows)?;
        }
        *self = merged;
        Ok(())
    }

    /// The names of the group columns.
    pub fn group_columns(&self) -> &[String] {
        &self.group_columns
    }

    /// The groups, in ascending key order (the order of [`Groups::keys`]).
    pub fn groups(&self) -> &[GroupScores] {
        &self.groups
    }

    /// The group keys, ascending.
    pub fn keys(&self) -> Vec<GroupKey> {
        self.groups.iter().map(|g| g.key.clone()).collect()
    }

    /// Each group's [`SortedCounts`], in key order: equal, bit for bit, to
    /// [`SortedCounts::by_group`] on the rows summarised.
    pub fn counts(&self) -> Vec<SortedCounts> {
        crate::parallel::map(&self.groups, GroupScores::counts)
    }

    /// Rows summarised (of non-zero weight).
    pub fn rows(&self) -> u64 {
        self.groups
            .iter()
            .map(|g| g.positive_rows + g.negative_rows)
            .sum()
    }

    /// The format version.
    pub fn format_version(&self) -> u32 {
        self.format_version
    }

    /// Reads a summary from JSON, checked.
    ///
    /// # Errors
    /// [`CoreError::InvalidState`] naming the field for malformed JSON, an unknown format
    /// version or a broken invariant.
    pub fn from_json(text: &str) -> Result<Self> {
        crate::state::from_json::<RawScoreSummary, _, _>("ScoreSummary", text)
    }

    /// The summary as JSON.
    ///
    /// # Errors
    /// Never in practice (every number is finite).
    pub fn to_json(&self) -> Result<String> {
        crate::state::to_json("ScoreSummary", self)
    }

    /// One column holds one kind of value (integers or strings, plus missing ones), as
    /// [`crate::GroupColumn`] requires of rows.
    fn check_kinds(&self) -> Result<()> {
        for (c, column) in self.group_columns.iter().enumerate() {
            let (mut int, mut text): (Option<i64>, Option<&str>) = (None, None);
            for g in &self.groups {
                match g.key.0.get(c) {
                    Some(GroupValue::Int(v)) => int = int.or(Some(*v)),
                    Some(GroupValue::Str(s)) => text = text.or(Some(s)),
                    _ => {}
                }
            }
            if let (Some(int_value), Some(s)) = (int, text) {
                return Err(CoreError::MixedGroupTypes {
                    column: column.clone(),
                    int_value,
                    str_value: s.to_owned(),
                });
            }
        }
        Ok(())
    }

    fn check_total(&self) -> Result<()> {
        let mut total = ExactSum::default();
        for g in &self.groups {
            total.add(g.total_weight());
        }
        crate::input::check_total_weight(crate::input::names::SAMPLE_WEIGHT, total.value())
    }
}
