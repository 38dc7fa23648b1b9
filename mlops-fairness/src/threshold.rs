//! Cost-optimal per-group thresholds under a fairness constraint.
//!
//! The lending case: a flag sends a loan to a review that usually rejects it, so the flag is
//! punitive and fairness is Equal Opportunity on the false-positive rate (applicants who
//! would repay are flagged at the same rate in every group). Among all per-group thresholds
//! whose rates lie within a tolerance of each other, [`ThresholdSearch::fit`] finds the one
//! with the lowest total cost, exactly.

use std::fmt;

use mlops_core::rng::{GOLDEN_GAMMA, mix64};
use mlops_core::{
    BinaryTask, ConfusionMatrix, CoreError, CostMatrix, GroupKey, GroupValue, Groups, ScoreSummary,
    SortedCounts,
};
use serde::{Deserialize, Serialize};
use strum::{Display, EnumIter, EnumString, IntoStaticStr, VariantNames};

use crate::error::{FairnessError, Result};
use crate::hull::{Mix, hull_search};
use crate::odds::{OddsMix, equalized_odds, equalized_odds_within};
use crate::search::{Curve, smallest_gap, window_search};

/// Format version of a serialised [`ThresholdPolicy`]; bumped on any incompatible change.
///
/// Version 2 added [`GroupRule::band`] (equalized-odds rules); a version-1 policy reads as
/// a version-2 policy without bands.
pub const POLICY_FORMAT_VERSION: u32 = 2;

/// Default cap on the number of groups: beyond it, groups cannot each hold enough rows for
/// their rates to mean much.
pub const DEFAULT_MAX_GROUPS: usize = 1000;

/// The rate that must be equal (within the tolerance) across groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(Display, EnumString, IntoStaticStr, EnumIter, VariantNames)]
#[strum(
    serialize_all = "snake_case",
    parse_err_ty = FairnessError,
    parse_err_fn = Constraint::unknown
)]
#[non_exhaustive]
pub enum Constraint {
    /// False-positive rate: those who would repay are flagged equally (punitive flag).
    Fpr,
    /// True-positive rate: equal opportunity of Hardt, Price & Srebro (2016), for a
    /// beneficial positive prediction.
    Tpr,
    /// Share flagged (demographic parity).
    SelectionRate,
    /// False-positive and true-positive rates both (equalized odds, Hardt, Price & Srebro
    /// 2016); needs randomized rules.
    EqualizedOdds,
}

impl Constraint {
    fn unknown(given: &str) -> FairnessError {
        CoreError::unknown_choice("constraint", given, Self::VARIANTS).into()
    }

    /// The names of the rates held equal (as in [`crate::RATE_NAMES`]).
    pub fn rate_names(self) -> &'static [&'static str] {
        match self {
            Self::Fpr => &["fpr"],
            Self::Tpr => &["tpr"],
            Self::SelectionRate => &["selection_rate"],
            Self::EqualizedOdds => &["fpr", "tpr"],
        }
    }

    /// The constrained rate of a confusion matrix; for equalized odds, the first of its two
    /// rates (the FPR; the TPR is held equal too).
    pub fn rate(self, cm: &ConfusionMatrix) -> Option<f64> {
        match self {
            Self::Fpr | Self::EqualizedOdds => cm.fpr(),
            Self::Tpr => cm.tpr(),
            Self::SelectionRate => cm.selection_rate(),
        }
    }

    /// The largest gap between groups of any constrained rate; groups where a rate is
    /// undefined are left out of that rate's gap.
    pub fn max_gap(self, cms: &[ConfusionMatrix]) -> f64 {
        self.rate_names()
            .iter()
            .map(|&name| {
                gap(cms
                    .iter()
                    .filter_map(|cm| crate::audit::known_rate(&cm.rates(), name)))
            })
            .fold(0.0, f64::max)
    }
}

/// A group's decision rule: the probability of flagging a row, as a non-decreasing step
/// function of its score.
///
/// Without a [`band`](Self::band): flag when `score > threshold`, and at
/// `score == threshold` flag with probability `p_at_threshold` (1 for the deterministic rule
/// `score >= threshold`). Equalized-odds rules add a band below the threshold and a floor
/// (see [`Band`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "UncheckedRule")]
pub struct GroupRule {
    /// The boundary score; `+inf` flags nobody (but the band and floor, if any).
    #[serde(with = "mlops_core::serde_float::scalar")]
    pub threshold: f64,
    /// Probability of flagging a score equal to the threshold.
    pub p_at_threshold: f64,
    /// Randomization below the threshold: a mix of two thresholds that are not adjacent,
    /// or an equalized-odds rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub band: Option<Band>,
}

/// The lower part of a rule that randomizes below its threshold: a score above the
/// threshold is flagged with probability `p_above`, one in `[lower, threshold)` with
/// `p_between`, one below `lower` with `p_below`; `p_below <= p_between <= p_above`.
///
/// Such a rule mixes two thresholds of the group's convex hull (the band: always above the
/// first, with probability `p_between` down to the second) and, for equalized odds, a
/// score-independent coin (the floor) that moves the group towards the ROC diagonal, so
/// that every group reaches the same false-positive and true-positive rates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Band {
    /// The band's lower edge (`score >= lower`); equal to the threshold for an empty band.
    #[serde(with = "mlops_core::serde_float::scalar")]
    pub lower: f64,
    /// Probability of flagging a score above the threshold.
    pub p_above: f64,
    /// Probability of flagging a score in `[lower, threshold)`.
    pub p_between: f64,
    /// Probability of flagging a score below `lower`.
    pub p_below: f64,
}

impl GroupRule {
    /// The deterministic rule `score >= threshold`.
    pub fn at_least(threshold: f64) -> Self {
        Self {
            threshold,
            p_at_threshold: 1.0,
            band: None,
        }
    }

    /// The probability that the rule flags `score`.
    #[inline]
    pub fn probability(&self, score: f64) -> f64 {
        match &self.band {
            None if score > self.threshold => 1.0,
            None if score == self.threshold => self.p_at_threshold,
            None => 0.0,
            Some(b) if score > self.threshold => b.p_above,
            Some(_) if score == self.threshold => self.p_at_threshold,
            Some(b) if score >= b.lower => b.p_between,
            Some(b) => b.p_below,
        }
    }

    /// Whether the rule flags `score`, given a uniform draw `u` in `[0, 1)` (used only where
    /// the probability is strictly between 0 and 1).
    #[inline]
    pub fn flags(&self, score: f64, u: f64) -> bool {
        u < self.probability(score)
    }

    /// Whether the rule needs random draws for some scores.
    pub fn is_randomized(&self) -> bool {
        self.p_at_threshold < 1.0 || self.band.is_some()
    }

    /// The rule as a step function: `(cut, p)` pairs with ascending cuts, `p` being the
    /// probability of flagging scores from `cut` up to the next cut; the first cut is
    /// `-inf`.
    pub fn steps(&self) -> Vec<(f64, f64)> {
        let mut steps = Vec::with_capacity(4);
        let (below, above) = match &self.band {
            None => (0.0, 1.0),
            Some(b) => {
                steps.push((f64::NEG_INFINITY, b.p_below));
                if b.lower < self.threshold {
                    steps.push((b.lower, b.p_between));
                }
                (b.p_below, b.p_above)
            }
        };
        if steps.is_empty() {
            steps.push((f64::NEG_INFINITY, below));
        }
        if self.threshold.is_finite() {
            steps.push((self.threshold, self.p_at_threshold));
            steps.push((self.threshold.next_up(), above));
        }
        // Merge neighbours with equal probabilities.
        steps.dedup_by(|b, a| a.1 == b.1);
        steps
    }

    /// The expected confusion matrix of the rule on a group's sorted counts.
    pub fn expected_confusion(&self, counts: &SortedCounts) -> ConfusionMatrix {
        let t = counts.thresholds();
        // Blocks strictly above the threshold, then the boundary block, then the band.
        let above = t.partition_point(|&s| s > self.threshold);
        let at = t.partition_point(|&s| s >= self.threshold);
        let lower = match &self.band {
            Some(b) => t.partition_point(|&s| s >= b.lower).max(at),
            None => at,
        };
        let (p_above, p_between, p_below) = match &self.band {
            None => (1.0, 0.0, 0.0),
            Some(b) => (b.p_above, b.p_between, b.p_below),
        };
        let cut = |k: usize| counts.confusion_at_block(k);
        let (c0, c1, c2) = (cut(above), cut(at), cut(lower));
        let (p_total, n_total) = (counts.total_pos(), counts.total_neg());
        let tp = p_above * c0.tp
            + self.p_at_threshold * (c1.tp - c0.tp)
            + p_between * (c2.tp - c1.tp)
            + p_below * (p_total - c2.tp);
        let fp = p_above * c0.fp
            + self.p_at_threshold * (c1.fp - c0.fp)
            + p_between * (c2.fp - c1.fp)
            + p_below * (n_total - c2.fp);
        ConfusionMatrix {
            tp,
            fp,
            fn_: p_total - tp,
            tn: n_total - fp,
        }
    }
}

/// What the policy achieves in one group on the data it was fitted on (expected values for
/// a randomized rule).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupFit {
    /// The group's key (one value per sensitive column).
    pub key: GroupKey,
    /// The key as text (`a & b` for intersectional groups).
    pub name: String,
    /// The group's rule.
    pub rule: GroupRule,
    /// Rows in the group (non-zero weight).
    pub rows: usize,
    /// Expected confusion matrix.
    pub confusion: ConfusionMatrix,
    /// The constrained rate achieved.
    pub rate: f64,
    /// The group's cost.
    pub cost: f64,
}

/// One way of thresholding, for comparison with the fair policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// Thresholds by group (`score >= t`), in the policy's group order.
    #[serde(with = "mlops_core::serde_float::vec")]
    pub thresholds: Vec<f64>,
    /// Total cost on the fit data.
    pub cost: f64,
    /// The largest gap of the constrained rate between groups.
    pub max_gap: f64,
}

/// The three baselines that make the price of fairness a number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baselines {
    /// The best single threshold for everyone.
    pub single_threshold: Baseline,
    /// Each group's own cost-optimal threshold, with no constraint.
    pub unconstrained: Baseline,
    /// The Bayes threshold `fp / (fp + fn)` for calibrated probabilities, for everyone.
    pub bayes: Baseline,
}

/// The parameters a policy was fitted with.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SearchParams {
    /// The constrained rate.
    pub constraint: Constraint,
    /// Largest allowed gap of the constrained rate between groups.
    pub tolerance: f64,
    /// Randomized mode: rules may flag at random, as mixtures of thresholds.
    pub randomized: bool,
    /// The cost matrix.
    pub cost: CostMatrix,
}

/// Per-group thresholds fitted under a fairness constraint, with what they achieve and
/// what the alternatives would cost. Serialisable with a format version, so a deployed
/// policy traces back to what produced it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "UncheckedPolicy")]
pub struct ThresholdPolicy {
    /// [`POLICY_FORMAT_VERSION`] at fit time.
    pub format_version: u32,
    /// The library version that fitted it.
    pub library_version: String,
    /// The parameters.
    pub params: SearchParams,
    /// The sensitive columns.
    pub group_columns: Vec<String>,
    /// One entry per group, in sorted key order.
    pub groups: Vec<GroupFit>,
    /// The largest gap of the constrained rate between groups.
    pub max_gap: f64,
    /// Total (expected) cost on the fit data.
    pub total_cost: f64,
    /// What other choices cost on the same data.
    pub baselines: Baselines,
}

/// A checked search: parameters first, then [`ThresholdSearch::fit`].
///
/// # Examples
/// ```
/// use mlops_core::{BinaryTask, Groups};
/// use mlops_fairness::{Constraint, ThresholdSearch};
/// let scores = [0.9, 0.8, 0.3, 0.2, 0.7, 0.6, 0.5, 0.1];
/// let bad = [1, 0, 0, 0, 1, 1, 0, 0];
/// let group = ["a", "a", "a", "a", "b", "b", "b", "b"];
/// let task = BinaryTask::new(&scores[..], &bad[..])?;
/// let groups = Groups::from_strs("group", &group)?;
/// let policy = ThresholdSearch::new()
///     .constraint(Constraint::Fpr)
///     .tolerance(0.0)
///     .fit(&task, &groups)?;
/// assert!(policy.max_gap <= 0.0);
/// assert!(policy.total_cost <= policy.baselines.bayes.cost);
/// # Ok::<(), mlops_fairness::FairnessError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThresholdSearch {
    cost: CostMatrix,
    constraint: Constraint,
    tolerance: f64,
    randomized: bool,
    max_groups: usize,
}

impl Default for ThresholdSearch {
    fn default() -> Self {
        Self::new()
    }
}

/// The options of a [`ThresholdSearch`] as a user writes them (the Python keywords, the
/// command-line flags, a JSON or TOML file): every field optional, the defaults those of
/// [`ThresholdSearch::new`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchOptions {
    /// The cost of a false negative.
    pub fn_cost: f64,
    /// The cost of a false positive.
    pub fp_cost: f64,
    /// The constrained rate.
    pub constraint: Constraint,
    /// Largest allowed gap of the constrained rate between groups.
    pub tolerance: f64,
    /// Randomized rules (see [`ThresholdSearch::randomized`]).
    pub randomized: bool,
    /// Cap on the number of groups.
    pub max_groups: usize,
}

impl Default for SearchOptions {
    fn default() -> Self {
        let s = ThresholdSearch::new();
        Self {
            fn_cost: s.cost.fn_cost(),
            fp_cost: s.cost.fp_cost(),
            constraint: s.constraint,
            tolerance: s.tolerance,
            randomized: s.randomized,
            max_groups: s.max_groups,
        }
    }
}

impl SearchOptions {
    /// The search, with `cost` in place of `fn_cost` and `fp_cost` when given (a full 2x2
    /// matrix).
    ///
    /// # Errors
    /// [`FairnessError::Core`] for costs [`CostMatrix::new`] refuses.
    pub fn search(&self, cost: Option<CostMatrix>) -> Result<ThresholdSearch> {
        let cost = match cost {
            Some(c) => c,
            None => CostMatrix::new(self.fn_cost, self.fp_cost)?,
        };
        Ok(ThresholdSearch::new()
            .cost(cost)
            .constraint(self.constraint)
            .tolerance(self.tolerance)
            .randomized(self.randomized)
            .max_groups(self.max_groups))
    }
}

impl ThresholdSearch {
    /// Lending defaults: FPR constraint, tolerance 0.01, deterministic, costs 5:1.
    pub fn new() -> Self {
        Self {
            cost: CostMatrix::default(),
            constraint: Constraint::Fpr,
            tolerance: 0.01,
            randomized: false,
            max_groups: DEFAULT_MAX_GROUPS,
        }
    }

    /// The cost matrix.
    pub fn cost(mut self, cost: CostMatrix) -> Self {
        self.cost = cost;
        self
    }

    /// The constrained rate.
    pub fn constraint(mut self, constraint: Constraint) -> Self {
        self.constraint = constraint;
        self
    }

    /// Largest allowed gap of the constrained rate between groups, in `[0, 1]`.
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Randomized mode: the cheapest rules among all that flag with a probability
    /// non-decreasing in the score (every mixture of the group's thresholds), not only
    /// among single thresholds. Each group's rule mixes at most two thresholds, which need
    /// not be adjacent: the optimum lies on the lower convex hull of the group's (rate,
    /// cost) points (Hardt, Price & Srebro 2016). With a tolerance of 0 the rates are
    /// equal exactly.
    pub fn randomized(mut self, randomized: bool) -> Self {
        self.randomized = randomized;
        self
    }

    /// Cap on the number of groups (default [`DEFAULT_MAX_GROUPS`]).
    pub fn max_groups(mut self, max_groups: usize) -> Self {
        self.max_groups = max_groups;
        self
    }

    fn check(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.tolerance) {
            return Err(FairnessError::invalid_parameter(
                "tolerance",
                self.tolerance,
                "must be in [0, 1]",
            ));
        }
        Ok(())
    }

    /// Fits per-group thresholds.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`](mlops_core::CoreError::InvalidParameter) for a tolerance outside `[0, 1]`;
    /// [`FairnessError::Core`] when `groups` is not aligned with `task`;
    /// [`FairnessError::TooManyGroups`]; [`FairnessError::EmptyGroup`] for a group whose rows
    /// all have zero weight; [`FairnessError::GroupHasNoNegatives`] (FPR) or
    /// [`FairnessError::GroupHasNoPositives`] (TPR) for a group whose constrained rate is
    /// undefined; [`FairnessError::Infeasible`] when no thresholds meet the tolerance.
    pub fn fit(&self, task: &BinaryTask<'_>, groups: &Groups) -> Result<ThresholdPolicy> {
        self.check()?;
        self.fit_grouped(&self.grouped_rows(task, groups)?)
    }

    /// Fits per-group thresholds from a [`ScoreSummary`] (the rows summarised, possibly
    /// partition by partition and merged): the same policy, bit for bit, as
    /// [`ThresholdSearch::fit`] on those rows.
    ///
    /// # Errors
    /// As [`ThresholdSearch::fit`].
    pub fn fit_summary(&self, summary: &ScoreSummary) -> Result<ThresholdPolicy> {
        self.check()?;
        self.fit_grouped(&self.grouped_summary(summary)?)
    }

    fn fit_grouped(&self, grouped: &Grouped) -> Result<ThresholdPolicy> {
        if self.constraint == Constraint::EqualizedOdds {
            return self.fit_odds(grouped);
        }
        let counts = &grouped.counts;
        let refs: Vec<&SortedCounts> = counts.iter().collect();
        let curves: Vec<Curve> = mlops_core::parallel::map(counts, |c| self.curve(c));
        let (mixes, baselines) = mlops_core::parallel::join(
            true,
            || -> Result<Vec<Mix>> {
                if self.randomized {
                    hull_search(&curves, self.tolerance).ok_or_else(|| self.infeasible(&curves))
                } else {
                    let picks = window_search(&curves, self.tolerance)
                        .ok_or_else(|| self.infeasible(&curves))?;
                    Ok(picks.into_iter().map(Mix::point).collect())
                }
            },
            || self.baselines(&refs),
        );
        let mixes = mixes?;
        let fits: Vec<GroupFit> = counts
            .iter()
            .enumerate()
            .zip(&mixes)
            .zip(&grouped.keys)
            .map(|(((g, c), mix), key)| self.group_fit(c, &curves[g], *mix, key))
            .collect();
        Ok(self.policy(&grouped.columns, fits, baselines))
    }

    /// Equalized odds: the exact cost-optimal common (FPR, TPR) point of the groups' ROC
    /// hulls (see the `odds` module).
    fn fit_odds(&self, grouped: &Grouped) -> Result<ThresholdPolicy> {
        if !self.randomized {
            return Err(FairnessError::invalid_parameter(
                "randomized",
                false,
                "equalized_odds needs randomized rules (randomized=true): with one \
                 deterministic threshold per group two rates can rarely be matched at once",
            ));
        }
        let counts = &grouped.counts;
        let refs: Vec<&SortedCounts> = counts.iter().collect();
        let mixes = if self.tolerance > 0.0 {
            equalized_odds_within(&refs, &self.cost, self.tolerance).map_err(|reason| {
                FairnessError::SolverFailed {
                    problem: format!("equalized odds within {}", self.tolerance),
                    reason,
                }
            })?
        } else {
            equalized_odds(&refs, &self.cost).ok_or_else(|| {
                FairnessError::invalid_parameter(
                    "groups",
                    format!("{} groups", refs.len()),
                    "equalized_odds needs positives and negatives in every group",
                )
            })?
        };
        let fits: Vec<GroupFit> = counts
            .iter()
            .zip(&mixes)
            .zip(&grouped.keys)
            .map(|((c, mix), key)| {
                let rule = odds_rule(c, mix);
                let confusion = rule.expected_confusion(c);
                GroupFit {
                    key: key.clone(),
                    name: key.to_string(),
                    rule,
                    rows: c.positive_rows() + c.negative_rows(),
                    rate: self.constraint.rate(&confusion).unwrap_or(0.0),
                    cost: self.cost.total_cost(&confusion),
                    confusion,
                }
            })
            .collect();
        let baselines = self.baselines(&refs);
        Ok(self.policy(&grouped.columns, fits, baselines))
    }

    /// Assembles the policy from the groups' fits, with the baselines.
    fn policy(
        &self,
        group_columns: &[String],
        fits: Vec<GroupFit>,
        baselines: Baselines,
    ) -> ThresholdPolicy {
        let confusions: Vec<ConfusionMatrix> = fits.iter().map(|f| f.confusion).collect();
        let max_gap = self.constraint.max_gap(&confusions);
        let total_cost = fits.iter().map(|f| f.cost).sum();
        ThresholdPolicy {
            format_version: POLICY_FORMAT_VERSION,
            library_version: env!("CARGO_PKG_VERSION").to_owned(),
            params: SearchParams {
                constraint: self.constraint,
                tolerance: self.tolerance,
                randomized: self.randomized,
                cost: self.cost,
            },
            group_columns: group_columns.to_vec(),
            groups: fits,
            max_gap,
            total_cost,
            baselines,
        }
    }

    fn infeasible(&self, curves: &[Curve]) -> FairnessError {
        self.infeasible_at(curves, self.tolerance)
    }

    pub(crate) fn infeasible_at(&self, curves: &[Curve], tolerance: f64) -> FairnessError {
        FairnessError::Infeasible {
            rate: self.constraint.to_string(),
            tolerance,
            smallest_gap: smallest_gap(curves),
        }
    }

    /// Checks the groups and builds each group's (rate, cost) curve.
    pub(crate) fn group_curves(&self, grouped: &Grouped) -> Result<Vec<Curve>> {
        if self.constraint == Constraint::EqualizedOdds {
            return Err(FairnessError::invalid_parameter(
                "constraint",
                "equalized_odds",
                "a tolerance sweep holds one rate within a tolerance with deterministic \
                 thresholds; equalized odds is fitted with randomized rules at gap 0",
            ));
        }
        Ok(mlops_core::parallel::map(&grouped.counts, |c| {
            self.curve(c)
        }))
    }

    /// Each group's sorted counts from rows, checked (see [`ThresholdSearch::check_grouped`]).
    pub(crate) fn grouped_rows(&self, task: &BinaryTask<'_>, groups: &Groups) -> Result<Grouped> {
        self.check_group_count(groups.n_groups())?;
        let grouped = Grouped {
            counts: SortedCounts::by_group(task, groups)?,
            keys: groups.keys().to_vec(),
            columns: groups.columns().to_vec(),
        };
        self.check_grouped(&grouped)?;
        Ok(grouped)
    }

    /// Each group's sorted counts from a summary, checked.
    pub(crate) fn grouped_summary(&self, summary: &ScoreSummary) -> Result<Grouped> {
        self.check_group_count(summary.groups().len())?;
        let grouped = Grouped::from_summary(summary)?;
        self.check_grouped(&grouped)?;
        Ok(grouped)
    }

    fn check_group_count(&self, n_groups: usize) -> Result<()> {
        if n_groups > self.max_groups {
            return Err(FairnessError::TooManyGroups {
                found: n_groups,
                limit: self.max_groups,
            });
        }
        Ok(())
    }

    /// Checks the groups' counts: a total weight whose costs cannot overflow, no group
    /// empty, and the constrained rates defined in every group.
    fn check_grouped(&self, grouped: &Grouped) -> Result<()> {
        // The policy and the frontier report total costs: refuse weights whose total cost
        // could overflow.
        let total: f64 = grouped
            .counts
            .iter()
            .map(|c| c.total_pos() + c.total_neg())
            .sum();
        self.cost
            .check_total_weight(mlops_core::names::SAMPLE_WEIGHT, total)?;
        for (counts, key) in grouped.counts.iter().zip(&grouped.keys) {
            let (p, n) = (counts.total_pos(), counts.total_neg());
            if counts.is_empty() {
                return Err(FairnessError::EmptyGroup {
                    group: key.to_string(),
                });
            }
            let needs_neg = matches!(self.constraint, Constraint::Fpr | Constraint::EqualizedOdds);
            let needs_pos = matches!(self.constraint, Constraint::Tpr | Constraint::EqualizedOdds);
            if needs_neg && n <= 0.0 {
                return Err(FairnessError::GroupHasNoNegatives {
                    group: key.to_string(),
                });
            }
            if needs_pos && p <= 0.0 {
                return Err(FairnessError::GroupHasNoPositives {
                    group: key.to_string(),
                });
            }
        }
        Ok(())
    }

    /// The group's operating points: rate and cost after the first `k` blocks are flagged.
    fn curve(&self, counts: &SortedCounts) -> Curve {
        let (p, n) = (counts.total_pos(), counts.total_neg());
        let c = &self.cost;
        let mut rate = Vec::with_capacity(counts.len() + 1);
        let mut cost = Vec::with_capacity(counts.len() + 1);
        // k = 0: nothing flagged.
        let start = ConfusionMatrix {
            tp: 0.0,
            fp: 0.0,
            fn_: p,
            tn: n,
        };
        rate.push(self.constraint.rate(&start).unwrap_or(0.0));
        cost.push(c.total_cost(&start));
        // Straight from the cumulative counts, through the same `ConfusionMatrix` arithmetic
        // as every other rate in the library (so ties compare exactly as they do there); the
        // rates are defined (checked in `checked_counts`).
        for (&tp, &fp) in counts.cum_pos().iter().zip(counts.cum_neg()) {
            let cm = ConfusionMatrix {
                tp,
                fp,
                fn_: p - tp,
                tn: n - fp,
            };
            rate.push(self.constraint.rate(&cm).unwrap_or(0.0));
            cost.push(c.total_cost(&cm));
        }
        Curve { rate, cost }
    }

    /// The fit of one group at its chosen point or mix of two points of its curve.
    fn group_fit(
        &self,
        counts: &SortedCounts,
        curve: &Curve,
        mix: Mix,
        key: &GroupKey,
    ) -> GroupFit {
        let lo = counts.confusion_at_block(mix.lo);
        let (rule, confusion) = if mix.p == 0.0 {
            (GroupRule::at_least(cut(counts, mix.lo)), lo)
        } else {
            let hi = counts.confusion_at_block(mix.hi);
            let q = 1.0 - mix.p;
            let confusion = ConfusionMatrix {
                tp: q * lo.tp + mix.p * hi.tp,
                fp: q * lo.fp + mix.p * hi.fp,
                tn: q * lo.tn + mix.p * hi.tn,
                fn_: q * lo.fn_ + mix.p * hi.fn_,
            };
            (mix_rule(counts, mix), confusion)
        };
        GroupFit {
            key: key.clone(),
            name: key.to_string(),
            rule,
            rows: counts.positive_rows() + counts.negative_rows(),
            confusion,
            // The search's own numbers: a mix's are interpolated on the curve; a point's
            // are the curve's, recomputed by the same arithmetic as `curve`.
            rate: mix.rate(curve),
            cost: mix.cost(curve),
        }
    }

    /// A baseline from one threshold per group.
    fn baseline(&self, counts: &[&SortedCounts], thresholds: Vec<f64>) -> Baseline {
        let confusions: Vec<ConfusionMatrix> = counts
            .iter()
            .zip(&thresholds)
            .map(|(c, &t)| c.confusion_at(t))
            .collect();
        Baseline {
            thresholds,
            cost: confusions.iter().map(|cm| self.cost.total_cost(cm)).sum(),
            max_gap: self.constraint.max_gap(&confusions),
        }
    }

    fn baselines(&self, counts: &[&SortedCounts]) -> Baselines {
        // The pooled optimum from the groups' sorted counts (bounded, see
        // `min_cost_threshold_of_parts`): no second sort, and no pooled copy.
        let pooled = self.cost.min_cost_threshold_of_parts(counts);
        let own: Vec<f64> = counts
            .iter()
            .map(|c| self.cost.min_cost_threshold(c).threshold)
            .collect();
        let bayes = self.cost.bayes_threshold();
        Baselines {
            single_threshold: self.baseline(counts, vec![pooled.threshold; counts.len()]),
            unconstrained: self.baseline(counts, own),
            bayes: self.baseline(counts, vec![bayes; counts.len()]),
        }
    }
}

/// Each group's sorted counts with its key, and the group columns: what the searches, the
/// audit and the curves read, from rows ([`Groups`]) or from a [`ScoreSummary`].
#[derive(Debug, Clone)]
pub(crate) struct Grouped {
    pub counts: Vec<SortedCounts>,
    pub keys: Vec<GroupKey>,
    pub columns: Vec<String>,
}

impl Grouped {
    /// A summary's groups; a summary of no rows is refused (as an empty input is).
    pub(crate) fn from_summary(summary: &ScoreSummary) -> Result<Self> {
        if summary.groups().is_empty() {
            return Err(CoreError::EmptyInput {
                input: "summary".to_owned(),
            }
            .into());
        }
        Ok(Self {
            counts: summary.counts(),
            keys: summary.keys(),
            columns: summary.group_columns().to_vec(),
        })
    }
}

/// The threshold that flags the first `k` blocks of scores (`+inf` for none).
fn cut(counts: &SortedCounts, k: usize) -> f64 {
    if k == 0 {
        f64::INFINITY
    } else {
        counts.thresholds()[k - 1]
    }
}

/// A randomized mix of two points of a group's curve as a rule on its scores: the first
/// `lo` blocks always, blocks `lo..hi` with probability `p`. Adjacent points differ by one
/// block of tied scores, which the rule randomizes at its threshold; other mixes need a
/// band below the threshold.
fn mix_rule(counts: &SortedCounts, mix: Mix) -> GroupRule {
    if mix.hi == mix.lo + 1 {
        return GroupRule {
            threshold: counts.thresholds()[mix.lo],
            p_at_threshold: mix.p,
            band: None,
        };
    }
    GroupRule {
        threshold: cut(counts, mix.lo),
        p_at_threshold: 1.0,
        band: Some(Band {
            lower: cut(counts, mix.hi),
            p_above: 1.0,
            p_between: mix.p,
            p_below: 0.0,
        }),
    }
}

/// An equalized-odds mix as a rule on the group's scores.
fn odds_rule(counts: &SortedCounts, mix: &OddsMix) -> GroupRule {
    let cut = |k: usize| cut(counts, k);
    let (top, between, floor) = mix.probabilities();
    let threshold = cut(mix.k1);
    if floor <= 0.0 && top >= 1.0 && (mix.k2 == mix.k1 || between <= 0.0) {
        return GroupRule::at_least(threshold);
    }
    GroupRule {
        threshold,
        p_at_threshold: top,
        band: Some(Band {
            lower: if mix.k2 > mix.k1 {
                cut(mix.k2)
            } else {
                threshold
            },
            p_above: top,
            p_between: between,
            p_below: floor,
        }),
    }
}

fn gap(rates: impl Iterator<Item = f64>) -> f64 {
    let (lo, hi) = rates.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| {
        (lo.min(r), hi.max(r))
    });
    if hi >= lo { hi - lo } else { 0.0 }
}

impl ThresholdPolicy {
    /// The fair policy's cost minus the best single threshold's: the price of fairness.
    ///
    /// It can be negative: per-group thresholds have more freedom than one threshold, so
    /// with a loose tolerance the fair policy may also be the cheaper one.
    pub fn price_of_fairness(&self) -> f64 {
        self.total_cost - self.baselines.single_threshold.cost
    }

    /// The rule of the group with this key, if the policy knows it.
    pub fn rule_for(&self, key: &GroupKey) -> Option<GroupRule> {
        self.groups
            .binary_search_by(|g| g.key.cmp(key))
            .ok()
            .map(|i| self.groups[i].rule)
    }

    /// Refuses an unseen `key` that could never match a fitted one: another number of
    /// columns, or a value of another type than the fitted values of its column.
    fn check_kinds(
        &self,
        key: &GroupKey,
        columns: &[String],
        first_row: impl Fn() -> usize,
    ) -> Result<()> {
        let Some(fitted) = self.groups.first() else {
            return Ok(());
        };
        if fitted.key.0.len() != key.0.len() {
            return Err(FairnessError::invalid_parameter(
                "groups",
                format!("{} column(s) [{}]", key.0.len(), columns.join(", ")),
                format!(
                    "the policy was fitted on {} group column(s) [{}]",
                    fitted.key.0.len(),
                    self.group_columns.join(", ")
                ),
            ));
        }
        for (c, value) in key.0.iter().enumerate() {
            if matches!(value, GroupValue::Missing) {
                continue;
            }
            // The kinds of the column's fitted values (one, as a column holds one kind).
            let expected = self
                .groups
                .iter()
                .filter_map(|g| g.key.0.get(c))
                .find(|v| !matches!(v, GroupValue::Missing))
                .map(GroupValue::kind);
            if let Some(expected) = expected
                && expected != value.kind()
            {
                return Err(FairnessError::GroupTypeMismatch {
                    column: columns.get(c).cloned().unwrap_or_default(),
                    index: first_row(),
                    value: match value {
                        GroupValue::Str(s) => format!("{s:?}"),
                        other => other.to_string(),
                    },
                    found: value.kind().to_owned(),
                    expected: expected.to_owned(),
                });
            }
        }
        Ok(())
    }

    /// Flags for new rows. Boundary draws come from `draw(row)` (a uniform in `[0, 1)`),
    /// used only for randomized rules; see [`uniform_from_seed`] and [`uniform_from_key`].
    /// Rows of groups unseen at fit time take `fallback` when given.
    ///
    /// # Errors
    /// [`FairnessError::Core`] for non-finite scores or misaligned groups;
    /// [`FairnessError::UnseenGroup`] for a group unknown to the policy without a fallback;
    /// [`FairnessError::GroupTypeMismatch`] for a value of another type than the fitted
    /// values of its column, and [`CoreError::InvalidParameter`](mlops_core::CoreError::InvalidParameter) for another number of
    /// group columns (fallback or not: such rows could never match a fitted group).
    pub fn predict<'a>(
        &self,
        scores: impl Into<ndarray::ArrayView1<'a, f64>>,
        groups: &Groups,
        fallback: Option<GroupRule>,
        draw: impl Fn(usize) -> f64,
    ) -> Result<Vec<bool>> {
        let scores = scores.into();
        mlops_core::check_len("groups", groups.len(), "y_score", scores.len())?;
        mlops_core::check_finite("y_score", &scores)?;
        let mut rules = Vec::with_capacity(groups.n_groups());
        let first_row = |id: usize| {
            groups
                .ids()
                .iter()
                .position(|&g| g as usize == id)
                .unwrap_or(0)
        };
        for (id, key) in groups.keys().iter().enumerate() {
            let rule = self.rule_for(key);
            if rule.is_none() {
                self.check_kinds(key, groups.columns(), || first_row(id))?;
            }
            match (rule, fallback) {
                (Some(r), _) | (None, Some(r)) => rules.push(r),
                (None, None) => {
                    return Err(FairnessError::UnseenGroup {
                        group: key.to_string(),
                        index: first_row(id),
                    });
                }
            }
        }
        Ok(scores
            .iter()
            .zip(groups.ids())
            .enumerate()
            .map(|(i, (&s, &g))| {
                let p = rules[g as usize].probability(s);
                // Draw only where the rule is random, so deterministic rows never consume
                // (or depend on) the generator.
                p >= 1.0 || (p > 0.0 && draw(i) < p)
            })
            .collect())
    }
}

fn unit(z: u64) -> f64 {
    // The top 53 bits as a fraction in [0, 1).
    #[allow(clippy::cast_precision_loss)]
    let u = (z >> 11) as f64 / (1u64 << 53) as f64;
    u
}

/// A reproducible uniform draw for row `index` from `seed` (depends on row order): output
/// `index` of SplitMix64 started at state `seed`.
pub fn uniform_from_seed(seed: u64, index: usize) -> f64 {
    unit(mix64(
        seed.wrapping_add((index as u64 + 1).wrapping_mul(GOLDEN_GAMMA)),
    ))
}

/// A reproducible uniform draw from a caller's row key (an application id, say): the same
/// row gets the same decision in every batch, whatever the row order.
pub fn uniform_from_key(seed: u64, key: u64) -> f64 {
    unit(mix64(mix64(key) ^ seed))
}

/// A [`GroupRule`] as read, before its checks.
#[derive(Deserialize)]
struct UncheckedRule {
    #[serde(with = "mlops_core::serde_float::scalar")]
    threshold: f64,
    p_at_threshold: f64,
    #[serde(default)]
    band: Option<Band>,
}

impl TryFrom<UncheckedRule> for GroupRule {
    type Error = FairnessError;
    fn try_from(r: UncheckedRule) -> Result<Self> {
        let rule = Self {
            threshold: r.threshold,
            p_at_threshold: r.p_at_threshold,
            band: r.band,
        };
        rule.check()?;
        Ok(rule)
    }
}

impl GroupRule {
    /// The rule's invariants: every probability in `[0, 1]`, never decreasing with the
    /// score, and cuts that are numbers in order.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`](mlops_core::CoreError::InvalidParameter) naming the field that breaks one.
    pub fn check(&self) -> Result<()> {
        let bad = |name: &str, value: f64, reason: &str| {
            Err(FairnessError::invalid_parameter(name, value, reason))
        };
        if self.threshold.is_nan() {
            return bad(
                "rule.threshold",
                self.threshold,
                "must be a number (inf flags nobody)",
            );
        }
        let probability = |name: &str, p: f64| {
            if (0.0..=1.0).contains(&p) {
                Ok(())
            } else {
                bad(name, p, "a probability must be in [0, 1]")
            }
        };
        probability("rule.p_at_threshold", self.p_at_threshold)?;
        if let Some(band) = &self.band {
            probability("rule.band.p_above", band.p_above)?;
            probability("rule.band.p_between", band.p_between)?;
            probability("rule.band.p_below", band.p_below)?;
            if band.lower.is_nan() || band.lower > self.threshold {
                return bad(
                    "rule.band.lower",
                    band.lower,
                    "the band's lower edge must be a number at most the threshold",
                );
            }
            let ordered = band.p_below <= band.p_between
                && band.p_between <= self.p_at_threshold
                && self.p_at_threshold <= band.p_above;
            if !ordered {
                return bad(
                    "rule.band.p_between",
                    band.p_between,
                    "flag probabilities must not decrease with the score \
                     (p_below <= p_between <= p_at_threshold <= p_above)",
                );
            }
        }
        Ok(())
    }
}

/// A [`ThresholdPolicy`] as read, before its checks.
#[derive(Deserialize)]
struct UncheckedPolicy {
    format_version: u32,
    library_version: String,
    params: SearchParams,
    group_columns: Vec<String>,
    groups: Vec<GroupFit>,
    max_gap: f64,
    total_cost: f64,
    baselines: Baselines,
}

impl TryFrom<UncheckedPolicy> for ThresholdPolicy {
    type Error = FairnessError;
    fn try_from(mut p: UncheckedPolicy) -> Result<Self> {
        // Names are labels of the keys; files from before labels were unambiguous joined
        // intersectional values with a bare " & ", so they are derived again from the keys.
        for g in &mut p.groups {
            g.name = g.key.to_string();
        }
        let policy = Self {
            format_version: p.format_version,
            library_version: p.library_version,
            params: p.params,
            group_columns: p.group_columns,
            groups: p.groups,
            max_gap: p.max_gap,
            total_cost: p.total_cost,
            baselines: p.baselines,
        };
        policy.check()?;
        Ok(policy)
    }
}

impl ThresholdPolicy {
    /// The invariants the policy's methods rely on (checked on every deserialisation): a
    /// known format, valid parameters and rules, groups in strictly increasing key order
    /// (lookups are binary searches) with one value per group column, finite non-negative
    /// counts, and baselines with one threshold per group.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`](mlops_core::CoreError::InvalidParameter) naming the field that breaks one.
    pub fn check(&self) -> Result<()> {
        let bad = |name: &str, value: &dyn fmt::Display, reason: &str| {
            Err(FairnessError::invalid_parameter(name, value, reason))
        };
        if !(1..=POLICY_FORMAT_VERSION).contains(&self.format_version) {
            return bad(
                "format_version",
                &self.format_version,
                &format!("this library reads policy formats 1 to {POLICY_FORMAT_VERSION}"),
            );
        }
        let t = self.params.tolerance;
        if !(0.0..=1.0).contains(&t) {
            return bad("params.tolerance", &t, "must be in [0, 1]");
        }
        if self.groups.is_empty() {
            return bad("groups", &"[]", "a policy has at least one group");
        }
        for (i, g) in self.groups.iter().enumerate() {
            g.rule.check()?;
            if self.format_version < 2 && g.rule.band.is_some() {
                return bad(
                    "format_version",
                    &self.format_version,
                    "format 1 has no bands; a rule with a band needs format 2",
                );
            }
            if g.key.0.len() != self.group_columns.len() {
                return bad(
                    "groups.key",
                    &g.name,
                    &format!(
                        "a key has one value per group column ({})",
                        self.group_columns.len()
                    ),
                );
            }
            if i > 0 && self.groups[i - 1].key >= g.key {
                return bad(
                    "groups",
                    &g.name,
                    "groups must be in strictly increasing key order, each once",
                );
            }
            let cm = &g.confusion;
            if [cm.tp, cm.fp, cm.tn, cm.fn_]
                .iter()
                .any(|v| !(v.is_finite() && *v >= 0.0))
            {
                return bad(
                    "groups.confusion",
                    &g.name,
                    "counts must be finite and non-negative",
                );
            }
            if !(g.cost.is_finite() && (0.0..=1.0).contains(&g.rate)) {
                return bad(
                    "groups.rate",
                    &g.name,
                    "a group's rate is in [0, 1] and its cost finite",
                );
            }
        }
        if !(self.max_gap.is_finite() && (0.0..=1.0).contains(&self.max_gap)) {
            return bad("max_gap", &self.max_gap, "must be in [0, 1]");
        }
        if !self.total_cost.is_finite() {
            return bad("total_cost", &self.total_cost, "must be finite");
        }
        let b = &self.baselines;
        for (name, baseline) in [
            ("baselines.single_threshold", &b.single_threshold),
            ("baselines.unconstrained", &b.unconstrained),
            ("baselines.bayes", &b.bayes),
        ] {
            if baseline.thresholds.len() != self.groups.len()
                || baseline.thresholds.iter().any(|t| t.is_nan())
            {
                return bad(
                    name,
                    &baseline.thresholds.len(),
                    "one threshold (a number) per group",
                );
            }
        }
        Ok(())
    }
}

/// A row key for [`uniform_from_key`] from text (its UTF-8 bytes) or bytes: the first 8
/// bytes of their SHA-256 digest as a big-endian integer. Stable across platforms, processes
/// and versions, and reproducible anywhere (Python:
/// `int.from_bytes(hashlib.sha256(data).digest()[:8], "big")`).
pub fn key_from_bytes(bytes: &[u8]) -> u64 {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    digest
        .iter()
        .take(8)
        .fold(0, |k, &b| (k << 8) | u64::from(b))
}
