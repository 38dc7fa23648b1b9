//! The cost of decisions: a 2x2 cost matrix, the expected cost of a confusion matrix, the
//! Bayes-optimal threshold for calibrated probabilities, and the empirical cost-optimal
//! threshold of a score.
//!
//! The lending case sets the defaults: a failing loan waved through (false negative) costs
//! five times a good loan sent to review (false positive), as in the UCI German credit cost
//! matrix.

use serde::{Deserialize, Serialize};

use crate::confusion::ConfusionMatrix;
use crate::error::{CoreError, Result};
use crate::sorted::SortedCounts;

/// Costs of the four outcomes of a binary decision. Checked: finite, non-negative, and a
/// wrong decision costs more than the right one in each class (Elkan 2001's "reasonableness"
/// conditions, without which the optimal rule is trivial).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawCostMatrix")]
pub struct CostMatrix {
    fn_cost: f64,
    fp_cost: f64,
    tp_cost: f64,
    tn_cost: f64,
}

/// The serialised form of [`CostMatrix`], checked on the way in by [`CostMatrix::full`].
#[derive(Deserialize)]
struct RawCostMatrix {
    fn_cost: f64,
    fp_cost: f64,
    tp_cost: f64,
    tn_cost: f64,
}

impl TryFrom<RawCostMatrix> for CostMatrix {
    type Error = CoreError;

    fn try_from(r: RawCostMatrix) -> Result<Self> {
        Self::full(r.fn_cost, r.fp_cost, r.tp_cost, r.tn_cost).map_err(|e| match e {
            CoreError::InvalidParameter {
                name,
                value,
                reason,
            } => CoreError::invalid_state("CostMatrix", name, format!("is {value}: {reason}")),
            other => other,
        })
    }
}

impl Default for CostMatrix {
    /// The lending default: `fn_cost = 5`, `fp_cost = 1`, correct decisions free.
    fn default() -> Self {
        Self {
            fn_cost: 5.0,
            fp_cost: 1.0,
            tp_cost: 0.0,
            tn_cost: 0.0,
        }
    }
}

/// The threshold that minimises the cost on the data, and what it achieves.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CostOptimum {
    /// Predict positive when `score >= threshold` (`+inf`: never).
    #[serde(with = "crate::serde_float::scalar")]
    pub threshold: f64,
    /// Total (weighted) cost at that threshold.
    pub cost: f64,
    /// The confusion matrix at that threshold.
    pub confusion: ConfusionMatrix,
}

impl CostMatrix {
    /// Costs for errors only (correct decisions cost nothing).
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] for a non-finite, negative or zero cost.
    ///
    /// # Examples
    /// ```
    /// use mlops_core::CostMatrix;
    /// let cost = CostMatrix::new(5.0, 1.0)?;
    /// assert!((cost.bayes_threshold() - 1.0 / 6.0).abs() < 1e-15);
    /// assert!(CostMatrix::new(-1.0, 1.0).is_err());
    /// # Ok::<(), mlops_core::CoreError>(())
    /// ```
    pub fn new(fn_cost: f64, fp_cost: f64) -> Result<Self> {
        Self::full(fn_cost, fp_cost, 0.0, 0.0)
    }

    /// All four costs.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] for a non-finite or negative cost, or when a wrong
    /// decision does not cost more than the right one (`fn_cost <= tp_cost` or
    /// `fp_cost <= tn_cost`).
    pub fn full(fn_cost: f64, fp_cost: f64, tp_cost: f64, tn_cost: f64) -> Result<Self> {
        for (name, v) in [
            ("fn_cost", fn_cost),
            ("fp_cost", fp_cost),
            ("tp_cost", tp_cost),
            ("tn_cost", tn_cost),
        ] {
            if !v.is_finite() || v < 0.0 {
                return Err(CoreError::invalid_parameter(
                    name,
                    v,
                    "costs must be finite and >= 0",
                ));
            }
        }
        if fn_cost <= tp_cost {
            return Err(CoreError::invalid_parameter(
                "fn_cost",
                fn_cost,
                format!("a missed positive must cost more than a caught one (tp_cost = {tp_cost})"),
            ));
        }
        if fp_cost <= tn_cost {
            return Err(CoreError::invalid_parameter(
                "fp_cost",
                fp_cost,
                format!(
                    "a false alarm must cost more than a correct rejection (tn_cost = {tn_cost})"
                ),
            ));
        }
        Ok(Self {
            fn_cost,
            fp_cost,
            tp_cost,
            tn_cost,
        })
    }

    /// Reads a cost matrix written as JSON (by serde), checked as [`CostMatrix::full`]
    /// checks its arguments.
    ///
    /// # Errors
    /// [`CoreError::InvalidState`] for malformed JSON or costs [`CostMatrix::full`] refuses.
    pub fn from_json(text: &str) -> Result<Self> {
        crate::state::from_json::<RawCostMatrix, _, _>("CostMatrix", text)
    }

    /// Cost of a false negative.
    pub fn fn_cost(&self) -> f64 {
        self.fn_cost
    }
    /// Cost of a false positive.
    pub fn fp_cost(&self) -> f64 {
        self.fp_cost
    }
    /// Cost of a true positive.
    pub fn tp_cost(&self) -> f64 {
        self.tp_cost
    }
    /// Cost of a true negative.
    pub fn tn_cost(&self) -> f64 {
        self.tn_cost
    }

    /// Total cost of the decisions counted in `cm`.
    pub fn total_cost(&self, cm: &ConfusionMatrix) -> f64 {
        self.fn_cost * cm.fn_ + self.fp_cost * cm.fp + self.tp_cost * cm.tp + self.tn_cost * cm.tn
    }

    /// Cost per unit of weight (per row without weights); `None` for an empty matrix.
    ///
    /// Computed with the counts and the costs each scaled by a power of two (counts adding
    /// up to `[1, 2)`, the largest cost in `[1, 2)`): the same bits as `total_cost / total`,
    /// without overflowing where the total cost would (the mean is at most the largest
    /// cost).
    pub fn mean_cost(&self, cm: &ConfusionMatrix) -> Option<f64> {
        let total = cm.total();
        (total > 0.0).then(|| {
            let (k, kc) = (
                crate::input::unit_exponent(total),
                crate::input::unit_exponent(self.largest()),
            );
            let unit = ConfusionMatrix {
                tp: libm::scalbn(cm.tp, k),
                fp: libm::scalbn(cm.fp, k),
                tn: libm::scalbn(cm.tn, k),
                fn_: libm::scalbn(cm.fn_, k),
            };
            let costs = Self {
                fn_cost: libm::scalbn(self.fn_cost, kc),
                fp_cost: libm::scalbn(self.fp_cost, kc),
                tp_cost: libm::scalbn(self.tp_cost, kc),
                tn_cost: libm::scalbn(self.tn_cost, kc),
            };
            libm::scalbn(costs.total_cost(&unit) / unit.total(), -kc)
        })
    }

    /// The largest of the four costs.
    pub fn largest(&self) -> f64 {
        self.fn_cost
            .max(self.fp_cost)
            .max(self.tp_cost)
            .max(self.tn_cost)
    }

    /// Refuses a total weight whose total cost could overflow: every total cost of
    /// decisions on weights adding up to `total` is at most [`CostMatrix::largest`] times
    /// it, which must stay within [`crate::input::MAX_TOTAL_WEIGHT`] (the margin covers the
    /// rounding of the sums). Call it where a cost matrix meets weighted rows and total
    /// costs are reported; ratios such as [`CostMatrix::mean_cost`] need no such check.
    ///
    /// # Errors
    /// [`CoreError::WeightsOverflow`] naming `input`.
    pub fn check_total_weight(&self, input: &str, total: f64) -> Result<()> {
        crate::input::check_total_weight(input, total)?;
        let largest = self.largest();
        if largest * total <= crate::input::MAX_TOTAL_WEIGHT {
            return Ok(());
        }
        Err(CoreError::WeightsOverflow {
            input: input.to_owned(),
            reason: format!(
                "a total cost can reach the largest cost {largest:e} times the total weight \
                 {total:e}, which overflows the {:e} the library's sums can hold",
                crate::input::MAX_TOTAL_WEIGHT
            ),
        })
    }

    /// The threshold on calibrated probabilities above which predicting positive has the
    /// lower expected cost: `(fp - tn) / ((fp - tn) + (fn - tp))`, which is
    /// `fp / (fp + fn) = 1/6` for the lending default.
    pub fn bayes_threshold(&self) -> f64 {
        let a = self.fp_cost - self.tn_cost;
        let b = self.fn_cost - self.tp_cost;
        a / (a + b)
    }

    /// The cost of every rule `score >= thresholds[i]`, preceded by the rule that predicts
    /// nothing positive: `len() + 1` values.
    pub fn cost_curve(&self, counts: &SortedCounts) -> Vec<f64> {
        (0..=counts.len())
            .map(|k| self.total_cost(&counts.confusion_at_block(k)))
            .collect()
    }

    /// [`CostMatrix::min_cost_threshold`] of the union of disjoint parts (the groups of
    /// [`SortedCounts::by_group`], say), without building the pooled counts. Same result,
    /// same tie rule (the highest threshold among equal costs).
    ///
    /// The pooled cost at a threshold is the sum of the parts' costs there (the cost is
    /// linear in the counts). The scores are cut into buckets; within a bucket each part's
    /// cost ranges over a known run of its blocks, so the sum of the parts' smallest costs
    /// there bounds every pooled cost in the bucket from below, and only the buckets whose
    /// bound does not exceed a cost already reached are merged and swept exactly (see
    /// [`crate::bound`]).
    pub fn min_cost_threshold_of_parts(&self, parts: &[&SortedCounts]) -> CostOptimum {
        self.min_cost_threshold_of_parts_in(parts, SCORE_BUCKETS)
    }

    /// [`CostMatrix::min_cost_threshold_of_parts`] with at most `buckets` score buckets.
    fn min_cost_threshold_of_parts_in(
        &self,
        parts: &[&SortedCounts],
        buckets: usize,
    ) -> CostOptimum {
        let total_pos: f64 = parts.iter().map(|p| p.total_pos()).sum();
        let total_neg: f64 = parts.iter().map(|p| p.total_neg()).sum();
        let at = |tp: f64, fp: f64| ConfusionMatrix {
            tp,
            fp,
            fn_: total_pos - tp,
            tn: total_neg - fp,
        };
        let nothing = (self.total_cost(&at(0.0, 0.0)), f64::INFINITY);
        let cuts = score_cuts(parts, buckets);
        let count = cuts.len() + 1;
        let (per_tp, per_fp) = (self.tp_cost - self.fn_cost, self.fp_cost - self.tn_cost);
        let linear = |tp: f64, fp: f64| per_tp * tp + per_fp * fp;
        // Per part: the first block of each bucket, and the part's smallest cost over the
        // states it passes through while the threshold is in the bucket. A part's cost is
        // its share of the pooled cost's change from "flag nothing", which is linear in its
        // counts, so the parts' shares add up to the pooled change.
        let per_part: Vec<(Vec<usize>, Vec<f64>)> = crate::parallel::map(parts, |p| {
            let mut starts = vec![p.len(); count + 1];
            let mut lower = vec![f64::INFINITY; count];
            let (mut b, mut cost) = (0, 0.0);
            starts[0] = 0;
            lower[0] = cost;
            for (k, ((&score, &tp), &fp)) in p
                .thresholds()
                .iter()
                .zip(p.cum_pos())
                .zip(p.cum_neg())
                .enumerate()
            {
                while b < cuts.len() && score < cuts[b] {
                    b += 1;
                    starts[b] = k;
                    lower[b] = cost; // the state on entering the bucket
                }
                cost = linear(tp, fp);
                lower[b] = lower[b].min(cost);
            }
            for later in &mut lower[b + 1..] {
                *later = cost;
            }
            (starts, lower)
        });
        // Shares can be negative (flagging can save cost), so the bound is shifted by the
        // cost of flagging nothing, which makes it a bound on the pooled cost itself; the
        // pooled costs round at the scale of that cost, so the bound gives way by as much.
        let give = crate::bound::SLACK * nothing.0.abs();
        let lower: Vec<f64> = (0..count)
            .map(|b| nothing.0 + per_part.iter().map(|(_, l)| l[b]).sum::<f64>() - give)
            .collect();
        let best = crate::bound::min_over_buckets(&lower, Some(nothing), |b0, b1| {
            let runs: Vec<&[f64]> = parts
                .iter()
                .zip(&per_part)
                .map(|(p, (starts, _))| &p.thresholds()[starts[b0]..starts[b1]])
                .collect();
            let (mut tp, mut fp) = (0.0, 0.0);
            for (p, (starts, _)) in parts.iter().zip(&per_part) {
                let cm = p.confusion_at_block(starts[b0]);
                tp += cm.tp;
                fp += cm.fp;
            }
            let mut best: Option<(f64, f64)> = None;
            crate::merge::merge_runs(&runs, crate::merge::Order::Descending, |score, members| {
                for &(part, index) in members {
                    let k = per_part[part].0[b0] + index;
                    tp += parts[part].block_pos()[k];
                    fp += parts[part].block_neg()[k];
                }
                let c = self.total_cost(&at(tp, fp));
                if best.is_none_or(|(b, _)| c < b) {
                    best = Some((c, score));
                }
            });
            best
        });
        self.pooled_optimum(parts, best.map_or(nothing.1, |b| b.1), at)
    }

    /// The pooled optimum at `threshold`: counts summed over the parts.
    fn pooled_optimum(
        &self,
        parts: &[&SortedCounts],
        threshold: f64,
        at: impl Fn(f64, f64) -> ConfusionMatrix,
    ) -> CostOptimum {
        let (mut tp, mut fp) = (0.0, 0.0);
        for p in parts {
            let cm = p.confusion_at(threshold);
            tp += cm.tp;
            fp += cm.fp;
        }
        let confusion = at(tp, fp);
        CostOptimum {
            threshold,
            cost: self.total_cost(&confusion),
            confusion,
        }
    }

    /// The threshold with the lowest total cost on the data, over every distinct score and
    /// the rule that predicts nothing positive. Ties go to the highest threshold (fewest
    /// positive predictions).
    pub fn min_cost_threshold(&self, counts: &SortedCounts) -> CostOptimum {
        let mut best_k = 0;
        let mut best = self.total_cost(&counts.confusion_at_block(0));
        for k in 1..=counts.len() {
            let c = self.total_cost(&counts.confusion_at_block(k));
            if c < best {
                best = c;
                best_k = k;
            }
        }
        CostOptimum {
            threshold: if best_k == 0 {
                f64::INFINITY
            } else {
                counts.thresholds()[best_k - 1]
            },
            cost: best,
            confusion: counts.confusion_at_block(best_k),
        }
    }
}

/// At most this many score buckets (their bounds cost `parts * buckets` to build).
const SCORE_BUCKETS: usize = 4096;

/// Cut points for the score buckets of [`CostMatrix::min_cost_threshold_of_parts`],
/// strictly decreasing: equal-mass quantiles of the largest part's distinct scores, so
/// buckets adapt to any score scale (probabilities, logits, ranks). Bucket `b` holds the
/// scores below `b` of the cuts and at or above the others.
fn score_cuts(parts: &[&SortedCounts], buckets: usize) -> Vec<f64> {
    let Some(largest) = parts.iter().max_by_key(|p| p.len()) else {
        return Vec::new();
    };
    let t = largest.thresholds();
    let step = t.len().div_ceil(buckets.max(1)).max(1);
    let mut cuts: Vec<f64> = Vec::with_capacity(t.len() / step + 1);
    for &c in t.iter().step_by(step).skip(1) {
        if cuts.last().is_none_or(|&last| c < last) {
            cuts.push(c);
        }
    }
    cuts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BinaryTask, Groups};

    /// The bucketed pooled optimum equals the optimum of the pooled counts for any number
    /// of buckets, cost matrix and weights (ties in cost resolved up to rounding).
    #[test]
    fn pooled_optimum_of_parts_equals_the_pooled_counts() {
        let mut state = 0x1234_5678_9ABC_DEF1u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..150 {
            let n = 1 + (next() % 400) as usize;
            let levels = [3, 20, 1000, 1 << 30][(next() % 4) as usize];
            let scores: Vec<f64> = (0..n)
                .map(|_| (next() % levels) as f64 / levels as f64 - 0.3)
                .collect();
            let labels: Vec<u8> = (0..n).map(|_| u8::from(next().is_multiple_of(3))).collect();
            let weighted = next().is_multiple_of(2);
            let weights: Vec<f64> = (0..n)
                .map(|_| {
                    if weighted {
                        (next() % 7) as f64 * 0.37
                    } else {
                        1.0
                    }
                })
                .collect();
            let names: Vec<String> = (0..n).map(|_| format!("g{}", next() % 4)).collect();
            let Ok(task) = BinaryTask::new(&scores[..], &labels[..])
                .and_then(|t| t.with_weights(&weights[..]))
            else {
                continue;
            };
            let groups = Groups::from_strs("group", &names).unwrap();
            let per = SortedCounts::by_group(&task, &groups).unwrap();
            let parts: Vec<&SortedCounts> = per.iter().collect();
            let pooled = SortedCounts::new(&task);
            for _ in 0..4 {
                let c = |x: u64| (x % 6) as f64;
                let Ok(cost) = CostMatrix::full(
                    c(next()) + 0.5,
                    c(next()) + 0.5,
                    c(next()) * 0.1,
                    c(next()) * 0.1,
                ) else {
                    continue;
                };
                let direct = cost.min_cost_threshold(&pooled);
                for buckets in [1, 2, 3, 7, 64, 4096] {
                    let got = cost.min_cost_threshold_of_parts_in(&parts, buckets);
                    let close = (got.cost - direct.cost).abs() <= 1e-9 * direct.cost.abs().max(1.0);
                    assert!(
                        close,
                        "round {round} buckets {buckets}: {got:?} vs {direct:?}"
                    );
                    if !weighted {
                        assert_eq!(got.threshold, direct.threshold, "round {round}");
                    }
                }
            }
        }
    }
}
