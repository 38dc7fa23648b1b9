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
pub struct CostMatrix {
    fn_cost: f64,
    fp_cost: f64,
    tp_cost: f64,
    tn_cost: f64,
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
    pub fn mean_cost(&self, cm: &ConfusionMatrix) -> Option<f64> {
        let total = cm.total();
        (total > 0.0).then(|| self.total_cost(cm) / total)
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
    /// [`SortedCounts::by_group`], say), streamed over a merge of their blocks without
    /// building the pooled counts. Same result, same tie rule.
    pub fn min_cost_threshold_of_parts(&self, parts: &[&SortedCounts]) -> CostOptimum {
        let total_pos: f64 = parts.iter().map(|p| p.total_pos()).sum();
        let total_neg: f64 = parts.iter().map(|p| p.total_neg()).sum();
        let at = |tp: f64, fp: f64| ConfusionMatrix {
            tp,
            fp,
            fn_: total_pos - tp,
            tn: total_neg - fp,
        };
        let mut best = (self.total_cost(&at(0.0, 0.0)), f64::INFINITY, 0.0, 0.0);
        let (mut tp, mut fp) = (0.0, 0.0);
        // Each part's blocks as (score, positives, negatives), merged by descending score;
        // equal scores end up adjacent, earlier parts first.
        let runs: Vec<Vec<(f64, f64, f64)>> = parts
            .iter()
            .map(|p| {
                p.thresholds()
                    .iter()
                    .zip(p.block_pos())
                    .zip(p.block_neg())
                    .map(|((&s, &bp), &bn)| (s, bp, bn))
                    .collect()
            })
            .collect();
        let merged =
            crate::merge::merge_sorted(&runs, &|x: &(f64, f64, f64), y: &(f64, f64, f64)| {
                x.0.total_cmp(&y.0) == std::cmp::Ordering::Greater
            });
        for (i, &(score, bp, bn)) in merged.iter().enumerate() {
            tp += bp;
            fp += bn;
            // Evaluate once per distinct score, after all its blocks.
            if merged.get(i + 1).is_some_and(|next| next.0 == score) {
                continue;
            }
            let c = self.total_cost(&at(tp, fp));
            if c < best.0 {
                best = (c, score, tp, fp);
            }
        }
        CostOptimum {
            threshold: best.1,
            cost: best.0,
            confusion: at(best.2, best.3),
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
