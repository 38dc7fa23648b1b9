//! The one primitive under ROC, AUC, precision-recall, cost sweeps and threshold search:
//! scores sorted once (descending), ties grouped into blocks, with cumulative weighted counts
//! of positives and negatives.
//!
//! Building it costs one sort of the scores (positives and negatives are sorted separately,
//! in parallel for large inputs, then merged); every query afterwards is a lookup or a
//! linear sweep over the distinct scores.

use crate::confusion::ConfusionMatrix;
use crate::exact::ExactSum;
use crate::groups::Groups;
use crate::input::{BinaryTask, check_len};

/// Below this many rows a parallel sort costs more than it saves.
const PARALLEL_SORT_MIN: usize = 1 << 15;

/// Scores sorted descending with ties grouped, and cumulative weighted label counts.
///
/// Block `i` holds every row whose score equals `thresholds()[i]`; predicting positive when
/// `score >= thresholds()[i]` gives `cum_pos()[i]` true positives and `cum_neg()[i]` false
/// positives. Rows of zero weight are dropped (as scikit-learn does), so they create no
/// block.
///
/// # Examples
/// ```
/// use mlops_core::{BinaryTask, SortedCounts};
/// let task = BinaryTask::new(&[0.9, 0.5, 0.5, 0.1][..], &[1, 1, 0, 0][..])?;
/// let counts = SortedCounts::new(&task);
/// assert_eq!(counts.thresholds(), &[0.9, 0.5, 0.1]);
/// assert_eq!(counts.cum_pos(), &[1.0, 2.0, 2.0]);
/// assert_eq!(counts.cum_neg(), &[0.0, 1.0, 2.0]);
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SortedCounts {
    thresholds: Vec<f64>,
    pos: Vec<f64>,
    neg: Vec<f64>,
    cum_pos: Vec<f64>,
    cum_neg: Vec<f64>,
    positive_rows: usize,
    negative_rows: usize,
}

/// `-0.0` and `0.0` are the same score; `total_cmp` would order them apart.
#[inline]
pub(crate) fn canonical(score: f64) -> f64 {
    score + 0.0
}

// Sorting is sequential per class: the two classes are sorted side by side (see
// `from_classes`), and groups in parallel (see `by_group`), which keeps two cores busy
// without nesting parallel sorts.
fn sort_desc(v: &mut [f64]) {
    crate::radix::sort_desc(v);
}

fn sort_pairs_desc(v: &mut [(f64, f64)]) {
    crate::radix::sort_pairs_desc(v);
}

/// Rows of one class, sorted descending: plain scores, or `(score, weight)` pairs.
trait ClassRun: Send {
    fn len(&self) -> usize;
    fn score(&self, i: usize) -> f64;
    fn weight(&self, i: usize) -> f64;
    fn sort(&mut self);
}

impl ClassRun for [f64] {
    fn len(&self) -> usize {
        <[f64]>::len(self)
    }
    #[inline]
    fn score(&self, i: usize) -> f64 {
        self[i]
    }
    #[inline]
    fn weight(&self, _: usize) -> f64 {
        1.0
    }
    fn sort(&mut self) {
        sort_desc(self);
    }
}

impl ClassRun for [(f64, f64)] {
    fn len(&self) -> usize {
        <[(f64, f64)]>::len(self)
    }
    #[inline]
    fn score(&self, i: usize) -> f64 {
        self[i].0
    }
    #[inline]
    fn weight(&self, i: usize) -> f64 {
        self[i].1
    }
    fn sort(&mut self) {
        sort_pairs_desc(self);
    }
}

impl SortedCounts {
    /// Sorts a checked task.
    pub fn new(task: &BinaryTask<'_>) -> Self {
        Self::from_rows(task, None)
    }

    fn from_rows(task: &BinaryTask<'_>, rows: Option<&[u32]>) -> Self {
        match task.weights() {
            None => {
                let (mut buf, n_pos) = split_plain(task, rows);
                let (pos, neg) = buf.split_at_mut(n_pos);
                Self::from_classes(pos, neg)
            }
            Some(w) => {
                let (mut pos, mut neg) = split_weighted(task, w, rows);
                let (np, nn) = (pos.len(), neg.len());
                let parallel = np + nn >= PARALLEL_SORT_MIN;
                // Each tie's weight is summed exactly, so that a block's weight does not
                // depend on the order of its rows (a summary merged from partitions in any
                // order reads the same bits; see `crate::summary`).
                let (pos, neg) = crate::parallel::join(
                    parallel,
                    || collapse_ties(&mut pos),
                    || collapse_ties(&mut neg),
                );
                let mut counts = merge(pos.as_slice(), neg.as_slice());
                counts.positive_rows = np;
                counts.negative_rows = nn;
                counts
            }
        }
    }

    /// One `SortedCounts` per group, indexed by group id, built in parallel.
    ///
    /// # Errors
    /// [`crate::CoreError::LengthMismatch`] when `groups` is not aligned with `task`.
    pub fn by_group(task: &BinaryTask<'_>, groups: &Groups) -> crate::Result<Vec<Self>> {
        check_len(
            "groups",
            groups.len(),
            crate::input::names::Y_SCORE,
            task.len(),
        )?;
        let members = rows_by_group(groups);
        let build = |rows: &Vec<u32>| Self::from_rows(task, Some(rows));
        Ok(crate::parallel::map(&members, build))
    }

    fn from_classes<R: ClassRun + ?Sized>(pos: &mut R, neg: &mut R) -> Self {
        let parallel = pos.len() + neg.len() >= PARALLEL_SORT_MIN;
        crate::parallel::join(parallel, || pos.sort(), || neg.sort());
        merge(pos, neg)
    }

    /// The counts of the union of disjoint parts (for example the groups of
    /// [`SortedCounts::by_group`]): a k-way merge of their blocks, equal scores combined,
    /// in O(n log k) without sorting the scores again.
    pub fn merge(parts: &[&Self]) -> Self {
        let cap = parts.iter().map(|p| p.len()).sum();
        let mut out = Self {
            thresholds: Vec::with_capacity(cap),
            pos: Vec::with_capacity(cap),
            neg: Vec::with_capacity(cap),
            cum_pos: Vec::with_capacity(cap),
            cum_neg: Vec::with_capacity(cap),
            positive_rows: parts.iter().map(|p| p.positive_rows).sum(),
            negative_rows: parts.iter().map(|p| p.negative_rows).sum(),
        };
        let heads: Vec<&[f64]> = parts.iter().map(|p| p.thresholds.as_slice()).collect();
        let (mut cp, mut cn) = (0.0, 0.0);
        crate::merge::merge_runs(&heads, crate::merge::Order::Descending, |score, run| {
            let (mut bp, mut bn) = (0.0, 0.0);
            for &(part, index) in run {
                bp += parts[part].pos[index];
                bn += parts[part].neg[index];
            }
            cp += bp;
            cn += bn;
            out.thresholds.push(score);
            out.pos.push(bp);
            out.neg.push(bn);
            out.cum_pos.push(cp);
            out.cum_neg.push(cn);
        });
        out
    }

    /// Distinct scores, descending.
    pub fn thresholds(&self) -> &[f64] {
        &self.thresholds
    }

    /// Number of distinct scores (blocks).
    pub fn len(&self) -> usize {
        self.thresholds.len()
    }

    /// `true` when every row had zero weight (cannot happen for a checked task overall,
    /// but can for one group).
    pub fn is_empty(&self) -> bool {
        self.thresholds.is_empty()
    }

    /// Weighted positives in each block.
    pub fn block_pos(&self) -> &[f64] {
        &self.pos
    }

    /// Weighted negatives in each block.
    pub fn block_neg(&self) -> &[f64] {
        &self.neg
    }

    /// Weighted positives with `score >= thresholds()[i]`.
    pub fn cum_pos(&self) -> &[f64] {
        &self.cum_pos
    }

    /// Weighted negatives with `score >= thresholds()[i]`.
    pub fn cum_neg(&self) -> &[f64] {
        &self.cum_neg
    }

    /// Total weight of the positives.
    pub fn total_pos(&self) -> f64 {
        self.cum_pos.last().copied().unwrap_or(0.0)
    }

    /// Total weight of the negatives.
    pub fn total_neg(&self) -> f64 {
        self.cum_neg.last().copied().unwrap_or(0.0)
    }

    /// Positive rows with non-zero weight (unweighted count).
    pub fn positive_rows(&self) -> usize {
        self.positive_rows
    }

    /// Negative rows with non-zero weight (unweighted count).
    pub fn negative_rows(&self) -> usize {
        self.negative_rows
    }

    /// Number of blocks predicted positive at `threshold` (rule: `score >= threshold`).
    pub fn blocks_at(&self, threshold: f64) -> usize {
        self.thresholds.partition_point(|&s| s >= threshold)
    }

    /// The confusion matrix when the first `k` blocks are predicted positive
    /// (`k = 0`: nothing is positive; `k = len()`: everything is).
    ///
    /// # Panics
    /// Never for `k <= len()`; larger `k` is clamped.
    pub fn confusion_at_block(&self, k: usize) -> ConfusionMatrix {
        let k = k.min(self.len());
        let (tp, fp) = if k == 0 {
            (0.0, 0.0)
        } else {
            (self.cum_pos[k - 1], self.cum_neg[k - 1])
        };
        ConfusionMatrix {
            tp,
            fp,
            fn_: self.total_pos() - tp,
            tn: self.total_neg() - fp,
        }
    }

    /// The confusion matrix at `threshold` (rule: `score >= threshold` is positive).
    pub fn confusion_at(&self, threshold: f64) -> ConfusionMatrix {
        self.confusion_at_block(self.blocks_at(threshold))
    }
}

/// Row indices of each group, in row order (a counting sort by group id).
pub(crate) fn rows_by_group(groups: &Groups) -> Vec<Vec<u32>> {
    let mut members: Vec<Vec<u32>> = groups
        .sizes()
        .iter()
        .map(|&s| Vec::with_capacity(s))
        .collect();
    for (i, &g) in groups.ids().iter().enumerate() {
        members[g as usize].push(i as u32);
    }
    members
}

/// The scores of `rows` (or of every row), unsorted, in one buffer: positives in
/// `buf[..n_pos]`, negatives after them. Returns `(buf, n_pos)`.
///
/// Labels are random from the CPU's point of view, so a branch per row would mispredict
/// half the time. Instead every score is written both at the front cursor (positives) and
/// below the back cursor (negatives), and only its own class's cursor moves. While rows
/// remain, at least one slot lies between the cursors, so no placed score is overwritten.
fn split_plain(task: &BinaryTask<'_>, rows: Option<&[u32]>) -> (Vec<f64>, usize) {
    let scores = task.scores();
    let labels = task.labels();
    let n = rows.map_or(task.len(), <[u32]>::len);
    let mut buf = vec![0.0; n];
    let (mut front, mut back) = (0usize, n);
    let mut put = |s: f64, y: bool| {
        let s = canonical(s);
        buf[front] = s;
        buf[back - 1] = s;
        front += usize::from(y);
        back -= usize::from(!y);
    };
    match (rows, scores.as_slice(), labels.as_slice()) {
        (None, Some(s), Some(l)) => s.iter().zip(l).for_each(|(&s, &y)| put(s, y)),
        (None, _, _) => scores
            .iter()
            .zip(labels.iter())
            .for_each(|(&s, &y)| put(s, y)),
        (Some(rows), _, _) => rows
            .iter()
            .for_each(|&i| put(scores[i as usize], labels[i as usize])),
    }
    (buf, front)
}

/// `(score, weight)` pairs of one class.
pub(crate) type WeightedScores = Vec<(f64, f64)>;

/// Positive and negative `(score, weight)` pairs, rows of zero weight dropped.
pub(crate) fn split_weighted(
    task: &BinaryTask<'_>,
    w: &ndarray::ArrayView1<'_, f64>,
    rows: Option<&[u32]>,
) -> (WeightedScores, WeightedScores) {
    let scores = task.scores();
    let labels = task.labels();
    let (mut pos, mut neg) = (Vec::new(), Vec::new());
    let mut push = |i: usize| {
        let wi = w[i];
        if wi > 0.0 {
            if labels[i] { &mut pos } else { &mut neg }.push((canonical(scores[i]), wi));
        }
    };
    match rows {
        Some(rows) => rows.iter().for_each(|&i| push(i as usize)),
        None => (0..task.len()).for_each(&mut push),
    }
    (pos, neg)
}

/// Merges two descending runs into blocks of equal score.
///
/// Labels are random from the CPU's point of view, so the merge avoids branching on them:
/// each step takes the larger head (both on a tie), and a row opens a new block exactly
/// when its score differs from the previous row's; new blocks land on slots still zero, so
/// adding to the slot serves both cases. Block sums accumulate row by row in run order and
/// the cumulative counts block by block, as before.
fn merge<R: ClassRun + ?Sized>(pos: &R, neg: &R) -> SortedCounts {
    let (np, nn) = (pos.len(), neg.len());
    // At most one block per row: reserving that bound up front (untouched pages cost
    // nothing) avoids regrowing the vectors, which copies them and faults in fresh pages.
    let cap = np + nn;
    let mut thresholds = vec![0.0; cap];
    let mut block_pos = vec![0.0; cap];
    let mut block_neg = vec![0.0; cap];
    let mut blocks = 0usize;
    let mut last = f64::NAN; // equal to no score: the first row opens a block
    let mut put = |s: f64, wp: f64, wn: f64| {
        blocks += usize::from(s != last);
        let k = blocks - 1;
        thresholds[k] = s;
        block_pos[k] += wp;
        block_neg[k] += wn;
        last = s;
    };
    let (mut i, mut j) = (0, 0);
    while i < np && j < nn {
        let (a, b) = (pos.score(i), neg.score(j));
        let s = if a >= b { a } else { b };
        let (take_pos, take_neg) = (a == s, b == s);
        put(
            s,
            if take_pos { pos.weight(i) } else { 0.0 },
            if take_neg { neg.weight(j) } else { 0.0 },
        );
        i += usize::from(take_pos);
        j += usize::from(take_neg);
    }
    for i in i..np {
        put(pos.score(i), pos.weight(i), 0.0);
    }
    for j in j..nn {
        put(neg.score(j), 0.0, neg.weight(j));
    }
    thresholds.truncate(blocks);
    block_pos.truncate(blocks);
    block_neg.truncate(blocks);
    SortedCounts::from_block_sums(thresholds, block_pos, block_neg, np, nn)
}

/// One tie of a sorted class run: a single row's weight, or the exact sum of several.
pub(crate) enum Tie<'a> {
    /// One row.
    One(f64),
    /// Several rows, summed exactly.
    Many(&'a ExactSum),
}

/// Sorts `(score, weight)` pairs of one class descending and calls `emit(score, tie)` once
/// per distinct score, descending, with the tie's weight.
pub(crate) fn for_each_tie(run: &mut [(f64, f64)], mut emit: impl FnMut(f64, Tie<'_>)) {
    sort_pairs_desc(run);
    let mut sum = ExactSum::default();
    let mut i = 0;
    while i < run.len() {
        let (s, w) = run[i];
        let mut j = i + 1;
        if run.get(j).is_some_and(|r| r.0 == s) {
            sum.clear();
            sum.add(w);
            while let Some(&(t, v)) = run.get(j)
                && t == s
            {
                sum.add(v);
                j += 1;
            }
            emit(s, Tie::Many(&sum));
        } else {
            emit(s, Tie::One(w));
        }
        i = j;
    }
}

/// A class run sorted descending with each tie replaced by one pair: its score and its
/// weight summed exactly (rounded once).
fn collapse_ties(run: &mut [(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(run.len());
    for_each_tie(run, |s, tie| {
        out.push((
            s,
            match tie {
                Tie::One(w) => w,
                Tie::Many(sum) => sum.value(),
            },
        ));
    });
    out
}

impl SortedCounts {
    /// Counts from the weights of each block (scores strictly descending, the weights
    /// already summed): the cumulative counts are running sums, block by block.
    pub(crate) fn from_block_sums(
        thresholds: Vec<f64>,
        block_pos: Vec<f64>,
        block_neg: Vec<f64>,
        positive_rows: usize,
        negative_rows: usize,
    ) -> Self {
        let cumulative = |v: &[f64]| {
            let mut acc = 0.0;
            v.iter()
                .map(|&x| {
                    acc += x;
                    acc
                })
                .collect::<Vec<f64>>()
        };
        Self {
            cum_pos: cumulative(&block_pos),
            cum_neg: cumulative(&block_neg),
            thresholds,
            pos: block_pos,
            neg: block_neg,
            positive_rows,
            negative_rows,
        }
    }
}
