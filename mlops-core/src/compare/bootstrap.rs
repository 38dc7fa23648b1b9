//! The paired bootstrap of a difference of metrics between a challenger and the champion
//! scored on the same rows.
//!
//! A replicate draws `n` rows with replacement, the *same* rows for both models (the
//! pairing keeps the correlation between the models, which is what makes a paired
//! comparison sharper than two separate intervals). A replicate is a vector of integer
//! multiplicities `m_i` (how often row `i` was drawn); every metric is evaluated with the
//! row weights `m_i * w_i` (`w_i` the sample weight, 1 without), so nothing is copied or
//! re-sorted: each model's scores are sorted once, and a replicate's AUC is one O(n) sweep
//! of the sorted rows accumulating the weighted counts of each block of tied scores.
//!
//! Replicate `r` draws from its own generator (xoshiro256++ seeded from `(seed, r)`), so
//! the result depends on the seed only, never on the number of threads.
//!
//! Intervals: the percentile interval and the BCa interval (bias-corrected and
//! accelerated, Efron & Tibshirani 1993, §14.3, with the jackknife acceleration of
//! eq. 14.15, as `scipy.stats.bootstrap(method="BCa")`). BCa rather than the basic interval
//! because the metrics compared here (AUC near 1, a maximum over groups) have skewed and
//! biased sampling distributions, which BCa corrects to second order and the basic interval
//! does not; the percentile interval is kept for comparison with other tools.

use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::compare::{normal_quantile, normal_sf};
use crate::cost::CostMatrix;
use crate::error::{CoreError, Result};
use crate::groups::Groups;
use crate::input::{BinaryLabel, check_finite, check_len, check_weights, names, to_labels};
use crate::quantile::quantile_linear;
use crate::rng::replicate_rng;

/// Largest number of resamples accepted (a guard against a typo allocating for ever).
pub const MAX_RESAMPLES: usize = 1_000_000;

/// The metric whose challenger − champion difference is bootstrapped.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "metric")]
pub enum BootstrapMetric {
    /// ROC AUC (higher is better). Undefined in a replicate without a positive or without a
    /// negative.
    Auc,
    /// Brier score, the weighted mean of `(score - label)^2` (lower is better); scores
    /// must be probabilities in `[0, 1]`.
    Brier,
    /// Mean cost per row (per unit of weight) of flagging `score >= threshold` (lower is
    /// better), each model at its own threshold.
    Cost {
        /// The costs of the four outcomes.
        cost: CostMatrix,
        /// Thresholds of the champion and the challenger.
        thresholds: [f64; 2],
    },
    /// Largest difference between the groups' false-positive rates when flagging
    /// `score >= threshold` (lower is fairer). Undefined in a replicate where a group has
    /// no negative row (its FPR is undefined).
    MaxFprGap {
        /// Thresholds of the champion and the challenger.
        thresholds: [f64; 2],
    },
}

impl BootstrapMetric {
    /// The metric's name as Python spells it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Auc => "auc",
            Self::Brier => "brier",
            Self::Cost { .. } => "cost",
            Self::MaxFprGap { .. } => "max_fpr_gap",
        }
    }
}

/// Checked parameters of [`paired_bootstrap`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BootstrapParams {
    /// What is compared.
    pub metric: BootstrapMetric,
    /// Number of replicates (at least 2).
    pub n_resamples: usize,
    /// Seed of the replicates' generators.
    pub seed: u64,
    /// Confidence level of the intervals, in (0, 1).
    pub confidence_level: f64,
}

impl BootstrapParams {
    /// Checks the parameters.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] for fewer than 2 or more than [`MAX_RESAMPLES`]
    /// resamples, a confidence level outside (0, 1) or a non-finite threshold.
    pub fn new(
        metric: BootstrapMetric,
        n_resamples: usize,
        seed: u64,
        confidence_level: f64,
    ) -> Result<Self> {
        if !(2..=MAX_RESAMPLES).contains(&n_resamples) {
            return Err(CoreError::invalid_parameter(
                "n_resamples",
                n_resamples,
                format!("must be between 2 and {MAX_RESAMPLES}"),
            ));
        }
        if !(confidence_level > 0.0 && confidence_level < 1.0) {
            return Err(CoreError::invalid_parameter(
                "confidence_level",
                confidence_level,
                "must be in (0, 1)",
            ));
        }
        if let BootstrapMetric::Cost { thresholds, .. }
        | BootstrapMetric::MaxFprGap { thresholds } = metric
        {
            for t in thresholds {
                if t.is_nan() {
                    return Err(CoreError::invalid_parameter(
                        "threshold",
                        t,
                        "must be a number (+-inf flag everything or nothing)",
                    ));
                }
            }
        }
        Ok(Self {
            metric,
            n_resamples,
            seed,
            confidence_level,
        })
    }
}

/// The paired bootstrap of `metric(challenger) - metric(champion)`.
///
/// The sign: a positive `difference` means the challenger's metric is larger, which is
/// better for AUC and worse for Brier, cost and the FPR gap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairedBootstrapResult {
    /// `"auc"`, `"brier"`, `"cost"` or `"max_fpr_gap"`.
    pub metric: String,
    /// The champion's metric on the data.
    pub champion: f64,
    /// The challenger's metric on the data.
    pub challenger: f64,
    /// `challenger - champion` on the data.
    pub difference: f64,
    /// Standard deviation (denominator `B - 1`) of the valid replicates' differences;
    /// `None` with fewer than 2 valid replicates.
    pub std_error: Option<f64>,
    /// Confidence level of the intervals.
    pub confidence_level: f64,
    /// Percentile interval: the `(1 - level)/2` and `(1 + level)/2` quantiles of the
    /// valid replicates (linear interpolation, numpy's default).
    pub percentile_low: Option<f64>,
    /// Upper end of the percentile interval.
    pub percentile_high: Option<f64>,
    /// BCa interval (Efron & Tibshirani 1993, §14.3); `None` when the bias correction is
    /// infinite (every replicate on one side of the observed difference) or the jackknife
    /// is undefined (a leave-one-out sample where the metric is undefined) or constant.
    pub bca_low: Option<f64>,
    /// Upper end of the BCa interval.
    pub bca_high: Option<f64>,
    /// BCa bias correction `z0 = Phi^-1((#{d* < d} + #{d* <= d}) / 2B)`.
    pub bias_correction: Option<f64>,
    /// BCa acceleration from the jackknife.
    pub acceleration: Option<f64>,
    /// Two-sided bootstrap p-value of "no difference":
    /// `min(1, 2 min((1 + #{d* <= 0}) / (B + 1), (1 + #{d* >= 0}) / (B + 1)))` over the
    /// `B` valid replicates: twice the smaller tail of the bootstrap distribution beyond
    /// zero, i.e. the smallest `1 - level` at which the percentile interval excludes zero,
    /// with the `+1` of Davison & Hinkley (1997, eq. 4.11) so it is never 0.
    pub pvalue: Option<f64>,
    /// Replicates asked for.
    pub n_resamples: usize,
    /// Replicates in which the metric was defined for both models (used above).
    pub valid_resamples: usize,
    /// Replicates in which the metric was undefined for a model (no positive or no
    /// negative for AUC, a group without negatives for the FPR gap); excluded from the
    /// intervals and reported here.
    pub degenerate_resamples: usize,
    /// The seed.
    pub seed: u64,
    /// Each replicate's difference, in replicate order; `None` where degenerate.
    pub replicates: Vec<Option<f64>>,
}

/// One model's rows sorted ascending by score, ties grouped into blocks, with the labels
/// and weights laid out in the same order so a replicate's sweep reads them sequentially
/// (only the multiplicities, drawn in row order, are gathered through `order`).
struct SortedModel {
    /// Row index at each sorted position.
    order: Vec<u32>,
    /// One past the last sorted position of each block of tied scores.
    ends: Vec<u32>,
    /// Labels (1.0 or 0.0) in sorted order.
    y: Vec<f64>,
    /// Sample weights in sorted order.
    w: Option<Vec<f64>>,
}

impl SortedModel {
    fn new(scores: &[f64], labels: &[bool], weights: Option<&[f64]>) -> Self {
        let mut order: Vec<u32> = (0..scores.len() as u32).collect();
        // `+ 0.0` makes -0.0 and 0.0 one score.
        let key = |i: u32| scores[i as usize] + 0.0;
        crate::parallel::sort_unstable_by(scores.len() >= 1 << 15, &mut order, |&i, &j| {
            key(i).total_cmp(&key(j))
        });
        let ends = (1..=order.len())
            .filter(|&k| k == order.len() || key(order[k - 1]) != key(order[k]))
            .map(|k| k as u32)
            .collect();
        let y = order
            .iter()
            .map(|&i| f64::from(u8::from(labels[i as usize])))
            .collect();
        let w = weights.map(|w| order.iter().map(|&i| w[i as usize]).collect());
        Self { order, ends, y, w }
    }

    /// AUC with row weights `weight_at(k)` (`k` a sorted position): one ascending sweep;
    /// a positive wins against every negative below its block and half of those tied with
    /// it. Branch-free: `y` is 0.0 or 1.0, so `w * y` and `w * (1 - y)` are exact.
    ///
    /// A replicate that draws only rows of tiny weight (weights are scaled to add up to
    /// [1, 2), so rows a huge weight dwarfs can be near 1e-300) has class totals whose
    /// products underflow: it is swept again with its weights scaled by a power of two,
    /// which leaves the AUC unchanged.
    fn sweep(&self, weight_at: impl Fn(usize) -> f64) -> Option<f64> {
        let (num, pos_total, neg_below) = self.tally(&weight_at);
        if !(pos_total > 0.0 && neg_below > 0.0) {
            return None;
        }
        if (pos_total * neg_below).is_normal() {
            return Some(num / (pos_total * neg_below));
        }
        let k = crate::input::unit_exponent(pos_total.max(neg_below));
        let (num, pos_total, neg_below) = self.tally(|i| libm::scalbn(weight_at(i), k));
        Some(num / (pos_total * neg_below))
    }

    /// The weighted pair count won by positives (ties count half), and the class totals.
    fn tally(&self, weight_at: impl Fn(usize) -> f64) -> (f64, f64, f64) {
        let (mut neg_below, mut pos_total, mut num) = (0.0, 0.0, 0.0);
        let mut start = 0;
        for &end in &self.ends {
            let end = end as usize;
            let (mut bp, mut bn) = (0.0, 0.0);
            for (k, &y) in self.y[start..end].iter().enumerate() {
                let w = weight_at(start + k);
                bp += w * y;
                bn += w * (1.0 - y);
            }
            num += bp * (neg_below + 0.5 * bn);
            neg_below += bn;
            pos_total += bp;
            start = end;
        }
        (num, pos_total, neg_below)
    }

    /// AUC with row weights `multiplicity * sample weight` (either may be absent).
    fn auc(&self, mult: Option<&[u32]>) -> Option<f64> {
        let order = &self.order;
        match (mult, &self.w) {
            (None, None) => self.sweep(|_| 1.0),
            (None, Some(w)) => self.sweep(|k| w[k]),
            (Some(m), None) => self.sweep(|k| f64::from(m[order[k] as usize])),
            (Some(m), Some(w)) => self.sweep(|k| f64::from(m[order[k] as usize]) * w[k]),
        }
    }

    /// Leave-one-out AUCs (weights `w`), from each row's weighted placement: a positive
    /// `i` takes part in `w_i * (negatives below + ties / 2)` of the weighted pair count, a
    /// negative `j` in `w_j * (positives above + ties / 2)`. `None` for a row whose removal
    /// leaves no positive or no negative.
    fn jackknife_auc(&self, labels: &[bool], w: &[f64]) -> Vec<Option<f64>> {
        let n = self.order.len();
        let (mut p, mut q) = (0.0, 0.0);
        for (&y, &wi) in labels.iter().zip(w) {
            if y {
                p += wi;
            } else {
                q += wi;
            }
        }
        let mut place = vec![0.0; n];
        let (mut neg_below, mut pos_below, mut num) = (0.0, 0.0, 0.0);
        let mut start = 0;
        for &end in &self.ends {
            let block = &self.order[start..end as usize];
            let (mut bp, mut bn) = (0.0, 0.0);
            for &i in block {
                let i = i as usize;
                if labels[i] {
                    bp += w[i];
                } else {
                    bn += w[i];
                }
            }
            let pos_above = p - pos_below - bp;
            for &i in block {
                let i = i as usize;
                place[i] = if labels[i] {
                    neg_below + 0.5 * bn
                } else {
                    pos_above + 0.5 * bp
                };
            }
            num += bp * (neg_below + 0.5 * bn);
            neg_below += bn;
            pos_below += bp;
            start = end as usize;
        }
        (0..n)
            .map(|i| {
                let (pp, qq) = if labels[i] {
                    (p - w[i], q)
                } else {
                    (p, q - w[i])
                };
                (pp > 0.0 && qq > 0.0).then(|| (num - w[i] * place[i]) / (pp * qq))
            })
            .collect()
    }
}

/// What a replicate evaluates: the checked rows of both models.
struct Paired<'a> {
    labels: Vec<bool>,
    weights: Option<Vec<f64>>,
    scores: [&'a [f64]; 2],
    groups: Option<&'a Groups>,
    metric: BootstrapMetric,
    sorted: Option<[SortedModel; 2]>,
}

impl Paired<'_> {
    fn w(&self, i: usize) -> f64 {
        self.weights.as_ref().map_or(1.0, |w| w[i])
    }

    /// The metric of model `k` with row weights `multiplicity * sample weight`.
    fn metric_of(&self, k: usize, mult: Option<&[u32]>) -> Option<f64> {
        let s = self.scores[k];
        let weight = |i: usize| mult.map_or(1.0, |m| f64::from(m[i])) * self.w(i);
        match self.metric {
            BootstrapMetric::Auc => self.sorted.as_ref().and_then(|sorted| sorted[k].auc(mult)),
            BootstrapMetric::Brier => {
                let (mut num, mut den) = (0.0, 0.0);
                for (i, (&si, &y)) in s.iter().zip(&self.labels).enumerate() {
                    let wi = weight(i);
                    let e = si - f64::from(u8::from(y));
                    num += wi * e * e;
                    den += wi;
                }
                (den > 0.0).then(|| num / den)
            }
            BootstrapMetric::Cost { cost, thresholds } => {
                let t = thresholds[k];
                let c = [
                    [cost.tn_cost(), cost.fp_cost()],
                    [cost.fn_cost(), cost.tp_cost()],
                ];
                let (mut num, mut den) = (0.0, 0.0);
                for (i, (&si, &y)) in s.iter().zip(&self.labels).enumerate() {
                    let wi = weight(i);
                    num += wi * c[usize::from(y)][usize::from(si >= t)];
                    den += wi;
                }
                (den > 0.0).then(|| num / den)
            }
            BootstrapMetric::MaxFprGap { thresholds } => {
                let groups = self.groups?;
                let t = thresholds[k];
                let g = groups.n_groups();
                let (mut fp, mut neg) = (vec![0.0; g], vec![0.0; g]);
                for (i, (&si, &y)) in s.iter().zip(&self.labels).enumerate() {
                    if !y {
                        let id = groups.ids()[i] as usize;
                        let wi = weight(i);
                        neg[id] += wi;
                        if si >= t {
                            fp[id] += wi;
                        }
                    }
                }
                gap(&fp, &neg)
            }
        }
    }

    /// `(champion, challenger)` metrics with the multiplicities `mult` (all 1 for `None`).
    fn metrics(&self, mult: Option<&[u32]>) -> Option<(f64, f64)> {
        Some((self.metric_of(0, mult)?, self.metric_of(1, mult)?))
    }

    /// Leave-one-out differences (challenger − champion), one per row; `None` when some
    /// leave-one-out metric is undefined.
    fn jackknife(&self) -> Option<Vec<f64>> {
        let n = self.labels.len();
        let w: Vec<f64> = (0..n).map(|i| self.w(i)).collect();
        let per_model = |k: usize| -> Option<Vec<f64>> {
            match self.metric {
                BootstrapMetric::Auc => self
                    .sorted
                    .as_ref()?
                    .get(k)?
                    .jackknife_auc(&self.labels, &w)
                    .into_iter()
                    .collect(),
                BootstrapMetric::Brier | BootstrapMetric::Cost { .. } => {
                    let loss = self.row_losses(k);
                    let num: f64 = loss.iter().zip(&w).map(|(l, wi)| l * wi).sum();
                    let den: f64 = w.iter().sum();
                    (0..n)
                        .map(|i| {
                            let d = den - w[i];
                            (d > 0.0).then(|| (num - w[i] * loss[i]) / d)
                        })
                        .collect()
                }
                BootstrapMetric::MaxFprGap { thresholds } => {
                    let groups = self.groups?;
                    let t = thresholds[k];
                    let g = groups.n_groups();
                    let (mut fp, mut neg) = (vec![0.0; g], vec![0.0; g]);
                    let s = self.scores[k];
                    for i in 0..n {
                        if !self.labels[i] {
                            let id = groups.ids()[i] as usize;
                            neg[id] += w[i];
                            if s[i] >= t {
                                fp[id] += w[i];
                            }
                        }
                    }
                    let full = gap(&fp, &neg);
                    (0..n)
                        .map(|i| {
                            if self.labels[i] || w[i] == 0.0 {
                                return full;
                            }
                            let id = groups.ids()[i] as usize;
                            let (f0, n0) = (fp[id], neg[id]);
                            let mut fp2 = fp.clone();
                            let mut neg2 = neg.clone();
                            neg2[id] = n0 - w[i];
                            if s[i] >= t {
                                fp2[id] = f0 - w[i];
                            }
                            gap(&fp2, &neg2)
                        })
                        .collect()
                }
            }
        };
        let (a, b) = (per_model(0)?, per_model(1)?);
        Some(a.iter().zip(&b).map(|(x, y)| y - x).collect())
    }

    /// Per-row loss of model `k` (Brier or cost metrics).
    fn row_losses(&self, k: usize) -> Vec<f64> {
        let s = self.scores[k];
        match self.metric {
            BootstrapMetric::Cost { cost, thresholds } => s
                .iter()
                .zip(&self.labels)
                .map(|(&si, &y)| row_cost(&cost, y, si >= thresholds[k]))
                .collect(),
            _ => s
                .iter()
                .zip(&self.labels)
                .map(|(&si, &y)| (si - f64::from(u8::from(y))).powi(2))
                .collect(),
        }
    }
}

/// The cost of one decision.
pub(crate) fn row_cost(cost: &CostMatrix, label: bool, flagged: bool) -> f64 {
    match (label, flagged) {
        (true, true) => cost.tp_cost(),
        (true, false) => cost.fn_cost(),
        (false, true) => cost.fp_cost(),
        (false, false) => cost.tn_cost(),
    }
}

/// `max FPR - min FPR` over the groups; `None` when a group has no negative weight.
fn gap(fp: &[f64], neg: &[f64]) -> Option<f64> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (&f, &n) in fp.iter().zip(neg) {
        if n <= 0.0 {
            return None;
        }
        let r = f / n;
        lo = lo.min(r);
        hi = hi.max(r);
    }
    (hi >= lo).then_some(hi - lo)
}

/// Fills `m` with the multiplicities of replicate `replicate`: `m.len()` uniform draws of a
/// row with replacement.
fn fill_multiplicities(m: &mut [u32], seed: u64, replicate: usize) {
    m.fill(0);
    let n = m.len();
    let mut rng = replicate_rng(seed, replicate);
    for _ in 0..n {
        m[rng.random_range(0..n)] += 1;
    }
}

/// The multiplicities [`paired_bootstrap`] uses for replicate `replicate` of `n` rows with
/// `seed`: `m[i]` is how often row `i` is drawn (they sum to `n`). For checking a
/// replicate's difference independently.
///
/// # Examples
/// ```
/// use mlops_core::compare::bootstrap_multiplicities;
/// let m = bootstrap_multiplicities(10, 7, 0);
/// assert_eq!(m.iter().sum::<u32>(), 10);
/// ```
pub fn bootstrap_multiplicities(n: usize, seed: u64, replicate: usize) -> Vec<u32> {
    let mut m = vec![0; n];
    fill_multiplicities(&mut m, seed, replicate);
    m
}

fn normal_cdf(z: f64) -> f64 {
    normal_sf(-z)
}

/// Paired bootstrap of `metric(challenger) - metric(champion)` on the same rows.
///
/// `groups` is needed by [`BootstrapMetric::MaxFprGap`] and refused by the other metrics
/// (the resampling is not stratified). `weights` are sample
/// weights: a replicate draws rows uniformly and keeps each drawn row's weight.
///
/// Cancellable: under a cancelled [`crate::cancel::CancelToken`] it stops within about one
/// replicate per thread.
///
/// # Errors
/// [`CoreError::Cancelled`] when cancelled;
/// [`CoreError::EmptyInput`], [`CoreError::LengthMismatch`], [`CoreError::NotFinite`],
/// [`CoreError::LabelNotBinary`], [`CoreError::NegativeWeight`],
/// [`CoreError::AllWeightsZero`] for bad inputs; [`CoreError::OutOfRange`] for a Brier
/// score outside `[0, 1]`; [`CoreError::InvalidParameter`] for the FPR gap without groups
/// (or with fewer than two), or groups with another metric; [`CoreError::UndefinedMetric`] when the metric is undefined on
/// the data itself (one class for AUC, a group without negatives for the gap).
///
/// # Examples
/// ```
/// use mlops_core::compare::{BootstrapMetric, BootstrapParams, paired_bootstrap};
/// let y = [0, 0, 0, 1, 1, 1, 0, 1, 0, 1];
/// let champion = [0.1, 0.4, 0.35, 0.8, 0.7, 0.6, 0.2, 0.3, 0.5, 0.45];
/// let challenger = [0.2, 0.3, 0.1, 0.9, 0.8, 0.7, 0.25, 0.5, 0.4, 0.6];
/// let params = BootstrapParams::new(BootstrapMetric::Auc, 500, 7, 0.95)?;
/// let r = paired_bootstrap(&y[..], &champion[..], &challenger[..], None, None, &params)?;
/// assert!(r.difference > 0.0); // the challenger ranks better
/// assert_eq!(r.valid_resamples + r.degenerate_resamples, 500);
/// assert!(r.percentile_low.unwrap() <= r.percentile_high.unwrap());
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
pub fn paired_bootstrap<'a, L: BinaryLabel + 'a>(
    labels: impl Into<ndarray::ArrayView1<'a, L>>,
    champion: impl Into<ndarray::ArrayView1<'a, f64>>,
    challenger: impl Into<ndarray::ArrayView1<'a, f64>>,
    weights: Option<ndarray::ArrayView1<'a, f64>>,
    groups: Option<&'a Groups>,
    params: &BootstrapParams,
) -> Result<PairedBootstrapResult> {
    let (labels, a, b) = (labels.into(), champion.into(), challenger.into());
    if labels.is_empty() {
        return Err(CoreError::EmptyInput {
            input: names::Y_TRUE.to_owned(),
        });
    }
    let n = labels.len();
    check_len(names::SCORE_CHAMPION, a.len(), names::Y_TRUE, n)?;
    check_len(names::SCORE_CHALLENGER, b.len(), names::Y_TRUE, n)?;
    let labels = to_labels(names::Y_TRUE, labels)?.to_vec();
    check_finite(names::SCORE_CHAMPION, &a)?;
    check_finite(names::SCORE_CHALLENGER, &b)?;
    let weights = match weights {
        Some(w) => {
            check_len(names::SAMPLE_WEIGHT, w.len(), names::Y_TRUE, n)?;
            check_weights(names::SAMPLE_WEIGHT, &w)?;
            // Every metric is a ratio of weighted sums, unchanged when the weights are
            // scaled by a power of two; scaled to add up to [1, 2), a replicate's weights
            // (up to n times a row's) and AUC's products of class totals cannot overflow.
            let k = crate::input::unit_exponent(w.sum());
            Some(w.iter().map(|&x| libm::scalbn(x, k)).collect())
        }
        None => None,
    };
    if u32::try_from(n).is_err() {
        return Err(CoreError::invalid_parameter(
            "y_true",
            n,
            "has too many rows (at most 2^32 - 1)",
        ));
    }
    if let BootstrapMetric::Cost { cost, .. } = params.metric {
        // A replicate sums at most 2n units of weight (the weights add up to less than 2,
        // see above; without weights, n) times a row's cost.
        #[allow(clippy::cast_precision_loss)]
        let units = 2.0 * n as f64;
        if cost.largest() * units > crate::input::MAX_TOTAL_WEIGHT {
            return Err(CoreError::invalid_parameter(
                "cost",
                format!("{:e}", cost.largest()),
                format!(
                    "the largest cost times 2 x {n} rows overflows the sums of the cost metric; \
                     express the costs in a larger unit"
                ),
            ));
        }
    }
    let (a, b) = (a.to_vec(), b.to_vec());
    if params.metric == BootstrapMetric::Brier {
        for (input, s) in [(names::SCORE_CHAMPION, &a), (names::SCORE_CHALLENGER, &b)] {
            if let Some((index, &value)) = s
                .iter()
                .enumerate()
                .find(|(_, v)| !(0.0..=1.0).contains(*v))
            {
                return Err(CoreError::OutOfRange {
                    input: input.to_owned(),
                    index,
                    value,
                    low: 0.0,
                    high: 1.0,
                });
            }
        }
    }
    if let (Some(_), BootstrapMetric::Auc | BootstrapMetric::Brier | BootstrapMetric::Cost { .. }) =
        (groups, params.metric)
    {
        // Silently ignoring them could pass for a stratified bootstrap, which this is not.
        return Err(CoreError::invalid_parameter(
            "groups",
            "given",
            format!(
                "the {} metric does not use groups (only max_fpr_gap does)",
                params.metric.name()
            ),
        ));
    }
    if let BootstrapMetric::MaxFprGap { .. } = params.metric {
        match groups {
            None => {
                return Err(CoreError::invalid_parameter(
                    "groups",
                    "None",
                    "the max_fpr_gap metric needs the group of each row",
                ));
            }
            Some(g) => {
                check_len("groups", g.len(), names::Y_TRUE, n)?;
                if g.n_groups() < 2 {
                    return Err(CoreError::invalid_parameter(
                        "groups",
                        g.n_groups(),
                        "the max_fpr_gap metric needs at least two groups",
                    ));
                }
            }
        }
    }
    // Taken here, on the calling thread: the replicates run on other threads.
    let cancel = crate::cancel::Checkpoint::current();
    let sorted = (params.metric == BootstrapMetric::Auc).then(|| {
        let (sa, sb) = crate::parallel::join(
            n >= 1 << 15,
            || SortedModel::new(&a, &labels, weights.as_deref()),
            || SortedModel::new(&b, &labels, weights.as_deref()),
        );
        [sa, sb]
    });
    let paired = Paired {
        labels,
        weights,
        scores: [&a, &b],
        groups,
        metric: params.metric,
        sorted,
    };
    let (champion, challenger) = paired.metrics(None).ok_or_else(|| {
        CoreError::undefined(
            params.metric.name(),
            match params.metric {
                BootstrapMetric::MaxFprGap { .. } => {
                    "a group has no negative row (with positive weight), so its FPR is undefined"
                }
                _ => "the data has a single class (with positive weight)",
            },
        )
    })?;
    let difference = challenger - champion;
    cancel.check()?;

    let replicate = |m: &mut Vec<u32>, r: usize| -> Option<f64> {
        if cancel.cancelled() {
            return None; // discarded: the call returns Cancelled below
        }
        fill_multiplicities(m, params.seed, r);
        paired.metrics(Some(m)).map(|(x, y)| y - x)
    };
    let replicates: Vec<Option<f64>> =
        crate::parallel::map_range_init(true, params.n_resamples, || vec![0u32; n], replicate);
    cancel.check()?;
    let mut valid: Vec<f64> = replicates.iter().flatten().copied().collect();
    let degenerate = params.n_resamples - valid.len();
    valid.sort_unstable_by(f64::total_cmp);
    let bv = valid.len();
    let std_error = (bv >= 2).then(|| {
        let mean = valid.iter().sum::<f64>() / bv as f64;
        (valid.iter().map(|d| (d - mean) * (d - mean)).sum::<f64>() / (bv - 1) as f64).sqrt()
    });
    let alpha = (1.0 - params.confidence_level) / 2.0;
    let (percentile_low, percentile_high) = (
        quantile_linear(&valid, alpha),
        quantile_linear(&valid, 1.0 - alpha),
    );
    let pvalue = (bv > 0).then(|| {
        let below = valid.iter().filter(|&&d| d <= 0.0).count();
        let above = valid.iter().filter(|&&d| d >= 0.0).count();
        let tail = (1 + below.min(above)) as f64 / (bv + 1) as f64;
        (2.0 * tail).min(1.0)
    });

    // BCa.
    let mut bias_correction = None;
    let mut acceleration = None;
    let (mut bca_low, mut bca_high) = (None, None);
    if bv > 0 {
        let less = valid.iter().filter(|&&d| d < difference).count();
        let less_eq = valid.iter().filter(|&&d| d <= difference).count();
        let z0 = normal_quantile((less + less_eq) as f64 / (2 * bv) as f64);
        if z0.is_finite() {
            bias_correction = Some(z0);
            if let Some(jack) = paired.jackknife() {
                let mean = jack.iter().sum::<f64>() / jack.len() as f64;
                let (mut s2, mut s3) = (0.0, 0.0);
                for d in &jack {
                    let u = mean - d;
                    s2 += u * u;
                    s3 += u * u * u;
                }
                if s2 > 0.0 {
                    let acc = s3 / (6.0 * s2.powf(1.5));
                    acceleration = Some(acc);
                    let adjusted = |z: f64| {
                        let num = z0 + z;
                        normal_cdf(z0 + num / (1.0 - acc * num))
                    };
                    let za = normal_quantile(alpha);
                    let (a1, a2) = (adjusted(za), adjusted(-za));
                    if a1.is_finite() && a2.is_finite() {
                        bca_low = quantile_linear(&valid, a1);
                        bca_high = quantile_linear(&valid, a2);
                    }
                }
            }
        }
    }

    Ok(PairedBootstrapResult {
        metric: params.metric.name().to_owned(),
        champion,
        challenger,
        difference,
        std_error,
        confidence_level: params.confidence_level,
        percentile_low,
        percentile_high,
        bca_low,
        bca_high,
        bias_correction,
        acceleration,
        pvalue,
        n_resamples: params.n_resamples,
        valid_resamples: bv,
        degenerate_resamples: degenerate,
        seed: params.seed,
        replicates,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_of_tiny_weights_equals_the_unweighted_auc() {
        // Rows a huge weight dwarfs are near 1e-300 once the weights are scaled; a replicate
        // of only such rows used to give 0/0 = NaN (the class totals' product underflowed).
        let s = [0.1, 0.4, 0.4, 0.8, 0.3, 0.9, 0.4];
        let y = [false, true, false, true, false, true, true];
        let plain = SortedModel::new(&s, &y, None).auc(None).unwrap();
        for tiny in [1e-300, 5e-320, f64::MIN_POSITIVE] {
            let w = [tiny; 7];
            let auc = SortedModel::new(&s, &y, Some(&w)).auc(None).unwrap();
            assert!((auc - plain).abs() < 1e-15, "{tiny}: {auc} vs {plain}");
            let m = [2_u32, 1, 0, 1, 3, 1, 1];
            let want = SortedModel::new(&s, &y, None).auc(Some(&m)).unwrap();
            let got = SortedModel::new(&s, &y, Some(&w)).auc(Some(&m)).unwrap();
            assert!((got - want).abs() < 1e-15, "{tiny}: {got} vs {want}");
        }
    }

    #[test]
    fn jackknife_auc_equals_recomputation() {
        let s = [0.1, 0.4, 0.4, 0.8, 0.3, 0.9, 0.4];
        let y = [false, true, false, true, false, true, true];
        let w = [1.0, 2.0, 0.5, 1.0, 1.0, 3.0, 1.0];
        let model = SortedModel::new(&s, &y, Some(&w));
        let jack = model.jackknife_auc(&y, &w);
        for (i, j) in jack.iter().enumerate() {
            let mut wi = w;
            wi[i] = 0.0;
            let direct = SortedModel::new(&s, &y, Some(&wi)).auc(None);
            assert_eq!(j.is_some(), direct.is_some());
            if let (Some(a), Some(b)) = (j, direct) {
                assert!((a - b).abs() < 1e-14, "{i}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn multiplicities_sum_to_n() {
        for r in 0..5 {
            assert_eq!(bootstrap_multiplicities(37, 3, r).iter().sum::<u32>(), 37);
        }
        assert_ne!(
            bootstrap_multiplicities(37, 3, 0),
            bootstrap_multiplicities(37, 3, 1)
        );
    }
}
