//! Label-free estimates: the error rates, the FPR gap and the cost of a decision rule
//! estimated from calibrated probabilities alone, before the outcomes are known.
//!
//! # Model
//! Each row `i` has a calibrated probability `p_i` of the positive outcome (a default) and
//! the outcomes are independent given the probabilities: `Y_i ~ Bernoulli(p_i)`. That holds
//! while calibration holds (covariate shift); when the outcomes arrive, the realised values
//! against these intervals test it. A row of frequency weight `w_i` (a whole number) stands
//! for `w_i` such rows.
//!
//! # Point estimates
//! Expected counts: among the flagged rows `E[FP] = sum (1 - p_i)`, `E[TP] = sum p_i`; among
//! the others `E[TN] = sum (1 - p_i)`, `E[FN] = sum p_i` (weighted; a randomized rule that
//! flags row `i` with probability `q_i` counts it as `q_i` flagged and `1 - q_i` not). The
//! rates are ratios of expected counts (`FPR = E[FP] / (E[FP] + E[TN])`, the estimator of
//! NannyML's confidence-based performance estimation), the cost is
//! `E[cost] = fn_cost E[FN] + fp_cost E[FP] + tp_cost E[TP] + tn_cost E[TN]`.
//!
//! # Intervals (exact)
//! Each interval is a central prediction interval of the *realised* value: the smallest
//! `v` with `P(V <= v) >= (1 - level) / 2` to the smallest with `P(V <= v) >= (1 + level) / 2`,
//! so that the realised value falls outside with probability at most `1 - level` (the
//! distributions are discrete: the coverage is at least the level).
//!
//! * A group's `FP` and `TN` are sums over disjoint rows (flagged, not flagged), so they are
//!   independent Poisson-binomials ([`mlops_core::PoissonBinomial`], exact), and the
//!   realised `FPR = FP / (FP + TN)` takes the value `k / (k + m)` with probability
//!   `P(FP = k) P(TN = m)`: its distribution is enumerated over the pairs, conditional on
//!   `FP + TN > 0` (the rate is undefined otherwise). The same for `TPR = TP / (TP + FN)`.
//! * The cost is `const + (tp_cost - fp_cost) TP + (fn_cost - tn_cost) FN`, again a function
//!   of two independent Poisson-binomials.
//! * The groups are disjoint, so their FPRs are independent: the distribution of the gap
//!   `max_g FPR_g - min_g FPR_g` follows from theirs exactly (summing over which group holds
//!   the minimum), and with it `P(gap > tolerance)`, the uncertainty of the verdict.
//!
//! Masses below `1e-13` at either end of each count's distribution are left out (their
//! total bounds the error of every probability, and is reported); a distribution with more
//! than [`MAX_ATOMS`] values is summarised on a grid of [`MAX_ATOMS`] cells over its range
//! (the cell width is reported as `resolution`; 0 when exact): an interval then ends at the
//! outer edge of the values in its end cells, so the grid can widen it by at most one cell
//! at each end, never narrow it.
//!
//! Intervals need deterministic decisions: a rule that flags at random has intervals only
//! once its decisions are drawn (pass them as flags). They also need whole-number weights.

use mlops_core::{CoreError, CostMatrix, GroupKey, Groups, PoissonBinomial};
use serde::{Deserialize, Serialize};

use crate::audit::Decision;
use crate::error::{FairnessError, Result};

/// The largest number of distinct values a rate's distribution keeps exactly.
pub const MAX_ATOMS: usize = 200_000;

/// Mass left out at each end of a count's distribution.
const TAIL: f64 = 1e-13;

/// Settings of a label-free estimate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EstimateParams {
    /// Coverage of the intervals.
    pub level: f64,
    /// The largest FPR gap that passes.
    pub tolerance: f64,
    /// The cost of each outcome.
    pub cost: CostMatrix,
}

impl Default for EstimateParams {
    fn default() -> Self {
        Self {
            level: 0.95,
            tolerance: 0.05,
            cost: CostMatrix::default(),
        }
    }
}

/// How the rows are flagged.
#[derive(Debug, Clone, Copy)]
pub enum FlagRule<'a> {
    /// A decision rule on the scores (a threshold, one per group, or hard decisions).
    Decision(Decision<'a>),
    /// The probability that each row is flagged (0 or 1 for a deterministic rule).
    Probability(&'a [f64]),
}

/// A prediction interval for a realised value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PredictionInterval {
    /// Lower end.
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

/// An estimate and the interval where its realised value falls with the set level.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The point estimate (a ratio of expected counts for a rate).
    pub value: f64,
    /// The prediction interval; `None` when it cannot be computed (randomized decisions,
    /// fractional weights).
    pub interval: Option<PredictionInterval>,
}

/// Expected confusion counts (weighted).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ExpectedCounts {
    /// Flagged positives.
    pub tp: f64,
    /// Flagged negatives.
    pub fp: f64,
    /// Unflagged negatives.
    pub tn: f64,
    /// Unflagged positives.
    pub fn_: f64,
}

/// One group's (or the whole population's) estimates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupEstimate {
    /// The group's label (`"(all)"` for the whole population).
    pub name: String,
    /// The group's key; `None` for the whole population.
    pub key: Option<GroupKey>,
    /// Rows (unweighted).
    pub rows: usize,
    /// Total weight.
    pub weight: f64,
    /// Expected confusion counts.
    pub expected: ExpectedCounts,
    /// False-positive rate; `None` without expected negatives.
    pub fpr: Option<Estimate>,
    /// True-positive rate; `None` without expected positives.
    pub tpr: Option<Estimate>,
    /// Share flagged; `None` with zero total weight.
    pub selection_rate: Option<Estimate>,
    /// Total cost `fn_cost FN + fp_cost FP + tp_cost TP + tn_cost TN`.
    pub cost: Estimate,
}

/// The label-free audit of a decision rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelFreeAudit {
    /// The settings.
    pub params: EstimateParams,
    /// The sensitive columns.
    pub group_columns: Vec<String>,
    /// The whole population.
    pub overall: GroupEstimate,
    /// Each group, in sorted key order.
    pub groups: Vec<GroupEstimate>,
    /// Largest minus smallest estimated FPR over the groups where it is defined; `None`
    /// with fewer than two.
    pub fpr_gap: Option<Estimate>,
    /// `P(realised gap > tolerance)`; `None` when the gap or its distribution is undefined.
    pub gap_exceeds_tolerance: Option<f64>,
    /// The estimated gap is within the tolerance; `None` when it is undefined.
    pub passed: Option<bool>,
    /// `"exact"` (enumeration of the Poisson-binomial counts) or `"none"` (no intervals).
    pub interval_method: String,
    /// Largest cell width of a distribution summarised on a grid; 0 when all are exact.
    pub resolution: f64,
    /// Bound on the probability mass left out of the distributions (their error).
    pub dropped_mass: f64,
    /// Why intervals are missing, groups without negatives, and the like.
    pub warnings: Vec<String>,
}

/// A discrete distribution: sorted values and their cumulative probabilities (normalised).
#[derive(Debug, Clone)]
struct Dist {
    values: Vec<f64>,
    /// The smallest and largest value each entry stands for (the value itself unless the
    /// distribution was summarised on a grid): the interval's ends take the outer ones, so
    /// that the grid never narrows an interval.
    spans: Vec<(f64, f64)>,
    cum: Vec<f64>,
    resolution: f64,
}

impl Dist {
    /// The distribution of `f(x, y)` for independent `x ~ a`, `y ~ b`, over the pairs
    /// where `f` is defined, normalised by their mass; `None` when that mass is 0.
    fn of_pair(
        a: &PoissonBinomial,
        b: &PoissonBinomial,
        f: impl Fn(u64, u64) -> Option<f64>,
    ) -> Option<Self> {
        let (ra, pa) = window(a);
        let (rb, pb) = window(b);
        let mut atoms: Vec<(f64, f64)> = Vec::with_capacity(pa.len() * pb.len());
        for (i, &ma) in pa.iter().enumerate() {
            for (j, &mb) in pb.iter().enumerate() {
                let m = ma * mb;
                if m > 0.0
                    && let Some(v) = f(ra + i as u64, rb + j as u64)
                {
                    atoms.push((v, m));
                }
            }
        }
        Self::from_atoms(atoms)
    }

    fn from_atoms(mut atoms: Vec<(f64, f64)>) -> Option<Self> {
        atoms.sort_by(|x, y| x.0.total_cmp(&y.0));
        let mut values: Vec<f64> = Vec::new();
        let mut mass: Vec<f64> = Vec::new();
        for (v, m) in atoms {
            match values.last() {
                Some(&last) if last == v => {
                    if let Some(x) = mass.last_mut() {
                        *x += m;
                    }
                }
                _ => {
                    values.push(v);
                    mass.push(m);
                }
            }
        }
        let mut resolution = 0.0;
        let mut spans: Vec<(f64, f64)> = values.iter().map(|&v| (v, v)).collect();
        if values.len() > MAX_ATOMS
            && let (Some(&lo), Some(&hi)) = (values.first(), values.last())
        {
            // A grid of MAX_ATOMS cells over the range, each holding its mass at its
            // mass-weighted mean value.
            let width = (hi - lo) / MAX_ATOMS as f64;
            let mut gv = vec![0.0; MAX_ATOMS];
            let mut gm = vec![0.0; MAX_ATOMS];
            let mut gs = vec![(f64::INFINITY, f64::NEG_INFINITY); MAX_ATOMS];
            for (&v, &m) in values.iter().zip(&mass) {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let cell = (((v - lo) / width) as usize).min(MAX_ATOMS - 1);
                gv[cell] += v * m;
                gm[cell] += m;
                gs[cell] = (gs[cell].0.min(v), gs[cell].1.max(v));
            }
            values.clear();
            mass.clear();
            spans.clear();
            for ((v, m), span) in gv.into_iter().zip(gm).zip(gs) {
                if m > 0.0 {
                    values.push((v / m).clamp(span.0, span.1));
                    mass.push(m);
                    spans.push(span);
                }
            }
            resolution = width;
        }
        let total: f64 = mass.iter().sum();
        if total <= 0.0 {
            return None;
        }
        let mut acc = 0.0;
        let cum = mass
            .iter()
            .map(|m| {
                acc += m;
                (acc / total).min(1.0)
            })
            .collect();
        Some(Self {
            values,
            spans,
            cum,
            resolution,
        })
    }

    /// The entry holding the `q`-quantile: the first with `P(V <= v) >= q`.
    fn quantile_entry(&self, q: f64) -> usize {
        self.cum
            .partition_point(|&c| c < q)
            .min(self.values.len() - 1)
    }

    /// `P(V = values[j])`.
    fn mass(&self, j: usize) -> f64 {
        self.cum[j] - if j == 0 { 0.0 } else { self.cum[j - 1] }
    }

    fn interval(&self, level: f64) -> PredictionInterval {
        let tail = (1.0 - level) / 2.0;
        PredictionInterval {
            low: self.spans[self.quantile_entry(tail)].0,
            high: self.spans[self.quantile_entry(1.0 - tail)].1,
        }
    }
}

/// The range of a count's distribution holding all but `TAIL` of the mass at each end.
fn window(d: &PoissonBinomial) -> (u64, &[f64]) {
    let (first, pmf) = d.support();
    let mut lo = 0;
    let mut acc = 0.0;
    while lo + 1 < pmf.len() && acc + pmf[lo] <= TAIL {
        acc += pmf[lo];
        lo += 1;
    }
    let mut hi = pmf.len();
    acc = 0.0;
    while hi > lo + 1 && acc + pmf[hi - 1] <= TAIL {
        acc += pmf[hi - 1];
        hi -= 1;
    }
    (first + lo as u64, &pmf[lo..hi])
}

/// `P(max - min <= t)` for independent groups with these distributions.
fn gap_cdf(dists: &[&Dist], t: f64) -> f64 {
    let mut total = 0.0;
    for (g, d) in dists.iter().enumerate() {
        // Group g holds the minimum m (the first such group, on ties). As m ascends, every
        // other group's cut points ascend too: one sweep of pointers per group.
        let mut low = vec![0usize; dists.len()];
        let mut high = vec![0usize; dists.len()];
        for (j, &m) in d.values.iter().enumerate() {
            let mut p = d.mass(j);
            for (h, e) in dists.iter().enumerate() {
                if h == g || p == 0.0 {
                    continue;
                }
                // Values of h strictly below the window: `<= m` if h comes first (it
                // would hold the minimum on a tie), `< m` otherwise.
                let n = e.values.len();
                while low[h] < n && (e.values[low[h]] < m || (h < g && e.values[low[h]] == m)) {
                    low[h] += 1;
                }
                // The gap as an audit computes it, `max - min` in floating point
                // (monotone in the maximum, so the values within it are a prefix).
                while high[h] < n && e.values[high[h]] - m <= t {
                    high[h] += 1;
                }
                let at = |k: usize| if k == 0 { 0.0 } else { e.cum[k - 1] };
                p *= (at(high[h]) - at(low[h])).max(0.0);
            }
            total += p;
        }
    }
    total.min(1.0)
}

/// The distribution of the gap: its quantiles by bisection on `t`.
fn gap_quantile(dists: &[&Dist], q: f64) -> f64 {
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    if gap_cdf(dists, 0.0) >= q {
        return 0.0;
    }
    // P(gap <= lo) < q <= P(gap <= hi); 50 halvings leave a bracket below 1e-15.
    for _ in 0..50 {
        let mid = 0.5 * (lo + hi);
        if gap_cdf(dists, mid) >= q {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// The rows of one group (or all rows) with what the estimate needs.
struct Rows<'a> {
    proba: &'a [f64],
    weights: Option<&'a [f64]>,
    flag: &'a [f64],
}

impl Rows<'_> {
    fn weight(&self, i: usize) -> f64 {
        self.weights.map_or(1.0, |w| w[i])
    }
}

/// Builds one group's estimates from the rows `idx`.
fn group_estimate(
    rows: &Rows<'_>,
    idx: &[usize],
    name: String,
    key: Option<GroupKey>,
    params: &EstimateParams,
    exact: bool,
    stats: &mut Stats,
) -> Result<(GroupEstimate, Option<Dist>)> {
    let mut e = ExpectedCounts {
        tp: 0.0,
        fp: 0.0,
        tn: 0.0,
        fn_: 0.0,
    };
    let (mut weight, mut flagged) = (0.0, 0.0);
    for &i in idx {
        let (p, q, w) = (rows.proba[i], rows.flag[i], rows.weight(i));
        weight += w;
        flagged += w * q;
        e.tp += w * q * p;
        e.fp += w * q * (1.0 - p);
        e.fn_ += w * (1.0 - q) * p;
        e.tn += w * (1.0 - q) * (1.0 - p);
    }
    let c = &params.cost;
    let cost_value =
        c.fn_cost() * e.fn_ + c.fp_cost() * e.fp + c.tp_cost() * e.tp + c.tn_cost() * e.tn;
    let ratio = |a: f64, b: f64| (a + b > 0.0).then(|| a / (a + b));
    let mut fpr_dist = None;
    let mut intervals = None;
    if exact {
        // Positives among the flagged rows and among the others, with their counts.
        let (mut pf, mut cf, mut pu, mut cu) = (vec![], vec![], vec![], vec![]);
        for &i in idx {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let k = rows.weight(i) as u64;
            if rows.flag[i] >= 1.0 {
                pf.push(rows.proba[i]);
                cf.push(k);
            } else {
                pu.push(rows.proba[i]);
                cu.push(k);
            }
        }
        let negate = |p: &[f64]| p.iter().map(|x| 1.0 - x).collect::<Vec<f64>>();
        let tp = PoissonBinomial::build("proba", &pf, Some(&cf))?;
        let fn_ = PoissonBinomial::build("proba", &pu, Some(&cu))?;
        let fp = PoissonBinomial::build("proba", &negate(&pf), Some(&cf))?;
        let tn = PoissonBinomial::build("proba", &negate(&pu), Some(&cu))?;
        stats.dropped +=
            tp.dropped_mass() + fn_.dropped_mass() + fp.dropped_mass() + tn.dropped_mass();
        stats.dropped += 8.0 * TAIL;
        #[allow(clippy::cast_precision_loss)]
        let rate = |k: u64, m: u64| (k + m > 0).then(|| k as f64 / (k + m) as f64);
        let fpr = Dist::of_pair(&fp, &tn, rate);
        let tpr = Dist::of_pair(&tp, &fn_, rate);
        // The cost of flagged rows is fp_cost per row plus (tp - fp) per positive; of the
        // others tn_cost per row plus (fn - tn) per positive.
        let n_flagged = tp.trials() as f64;
        let n_other = fn_.trials() as f64;
        let base = c.fp_cost() * n_flagged + c.tn_cost() * n_other;
        let (a, b) = (c.tp_cost() - c.fp_cost(), c.fn_cost() - c.tn_cost());
        #[allow(clippy::cast_precision_loss)]
        let cost = Dist::of_pair(&tp, &fn_, |k, m| Some(base + a * k as f64 + b * m as f64));
        for d in [&fpr, &tpr, &cost].into_iter().flatten() {
            stats.resolution = stats.resolution.max(d.resolution);
        }
        let level = params.level;
        intervals = Some((
            fpr.as_ref().map(|d| d.interval(level)),
            tpr.as_ref().map(|d| d.interval(level)),
            cost.as_ref().map(|d| d.interval(level)),
        ));
        fpr_dist = fpr;
    }
    let (fpr_i, tpr_i, cost_i) = intervals.unwrap_or((None, None, None));
    let selection = (weight > 0.0).then(|| {
        let v = flagged / weight;
        Estimate {
            value: v,
            // Deterministic decisions: the share flagged is known.
            interval: exact.then_some(PredictionInterval { low: v, high: v }),
        }
    });
    let est = GroupEstimate {
        name,
        key,
        rows: idx.len(),
        weight,
        expected: e,
        fpr: ratio(e.fp, e.tn).map(|value| Estimate {
            value,
            interval: fpr_i,
        }),
        tpr: ratio(e.tp, e.fn_).map(|value| Estimate {
            value,
            interval: tpr_i,
        }),
        selection_rate: selection,
        cost: Estimate {
            value: cost_value,
            interval: cost_i,
        },
    };
    // A rate with no expected negatives has no distribution either.
    Ok((est, fpr_dist.filter(|_| e.fp + e.tn > 0.0)))
}

#[derive(Default)]
struct Stats {
    dropped: f64,
    resolution: f64,
}

/// Estimates, without labels, how a decision rule treats each group: expected confusion
/// counts, FPR, TPR, selection rate and cost per group and overall, the FPR gap with the
/// probability that it exceeds the tolerance, each with an exact prediction interval of
/// its realised value (see the module documentation).
///
/// `proba` are calibrated probabilities of the positive class; `scores` are what a
/// [`Decision`] thresholds (`proba` itself when `None`); `weights` are frequency weights
/// (intervals need whole numbers).
///
/// # Errors
/// [`FairnessError::Core`] for a probability that is NaN or outside `[0, 1]`
/// ([`CoreError::NotFinite`], [`CoreError::OutOfRange`], naming `proba` and the row), bad
/// weights or scores, or inputs of different lengths; [`CoreError::InvalidParameter`](mlops_core::CoreError::InvalidParameter)
/// for a level outside `(0, 1)`, a negative or NaN tolerance, a flag probability outside
/// `[0, 1]`, or a rule that does not fit the groups.
///
/// # Examples
/// ```
/// use mlops_core::Groups;
/// use mlops_fairness::{Decision, EstimateParams, FlagRule, estimate};
/// let proba = [0.05, 0.1, 0.6, 0.2, 0.02, 0.5, 0.3, 0.15];
/// let groups = Groups::from_strs("g", &["a", "a", "a", "a", "b", "b", "b", "b"])?;
/// let rule = FlagRule::Decision(Decision::Threshold(0.25));
/// let est = estimate(&proba, None, None, &groups, rule, &EstimateParams::default())?;
/// // Group a: one flagged row (p = 0.6) is a good loan with probability 0.4.
/// let a = &est.groups[0];
/// assert!((a.expected.fp - 0.4).abs() < 1e-12);
/// assert!((a.fpr.unwrap().value - 0.4 / (0.95 + 0.9 + 0.4 + 0.8)).abs() < 1e-12);
/// # Ok::<(), mlops_fairness::FairnessError>(())
/// ```
pub fn estimate(
    proba: &[f64],
    scores: Option<&[f64]>,
    weights: Option<&[f64]>,
    groups: &Groups,
    rule: FlagRule<'_>,
    params: &EstimateParams,
) -> Result<LabelFreeAudit> {
    let n = proba.len();
    if n == 0 {
        return Err(CoreError::EmptyInput {
            input: "proba".to_owned(),
        }
        .into());
    }
    mlops_core::check_len("groups", groups.len(), "proba", n)?;
    for (index, &p) in proba.iter().enumerate() {
        if !p.is_finite() {
            return Err(CoreError::NotFinite {
                input: "proba".to_owned(),
                index,
                value: p,
            }
            .into());
        }
        if !(0.0..=1.0).contains(&p) {
            return Err(CoreError::OutOfRange {
                input: "proba".to_owned(),
                index,
                value: p,
                low: 0.0,
                high: 1.0,
            }
            .into());
        }
    }
    if let Some(w) = weights {
        mlops_core::check_len(mlops_core::names::SAMPLE_WEIGHT, w.len(), "proba", n)?;
        mlops_core::check_weights(mlops_core::names::SAMPLE_WEIGHT, &w.into())?;
    }
    if let Some(s) = scores {
        mlops_core::check_len(mlops_core::names::Y_SCORE, s.len(), "proba", n)?;
        mlops_core::check_finite(mlops_core::names::Y_SCORE, &s.into())?;
    }
    if !(params.level > 0.0 && params.level < 1.0) {
        return Err(FairnessError::invalid_parameter(
            "level",
            params.level,
            "the interval level must lie strictly between 0 and 1",
        ));
    }
    if params.tolerance.is_nan() || params.tolerance < 0.0 {
        return Err(FairnessError::invalid_parameter(
            "tolerance",
            params.tolerance,
            "the tolerance must be a number >= 0",
        ));
    }
    let flag: Vec<f64> = match rule {
        FlagRule::Decision(d) => {
            d.check(n, groups.n_groups())?;
            let s = scores.unwrap_or(proba);
            groups
                .ids()
                .iter()
                .enumerate()
                .map(|(i, &g)| f64::from(u8::from(d.flags(i, s[i], g as usize))))
                .collect()
        }
        FlagRule::Probability(q) => {
            mlops_core::check_len("flag_probability", q.len(), "proba", n)?;
            if let Some((i, &v)) = q
                .iter()
                .enumerate()
                .find(|(_, v)| !(0.0..=1.0).contains(*v))
            {
                return Err(FairnessError::invalid_parameter(
                    "flag_probability",
                    format!("{v} at index {i}"),
                    "a flag probability must lie in [0, 1]",
                ));
            }
            q.to_vec()
        }
    };
    let mut warnings = Vec::new();
    let randomized = flag.iter().filter(|&&q| q > 0.0 && q < 1.0).count();
    let fractional = weights.and_then(|w| {
        w.iter()
            .position(|&x| x.fract() != 0.0 || x > mlops_core::MAX_EXACT_INT as f64)
    });
    if randomized > 0 {
        warnings.push(format!(
            "{randomized} rows are flagged at random: point estimates use the expected flag, \
             and intervals need the drawn decisions (pass them as flags)"
        ));
    }
    if let Some(i) = fractional {
        warnings.push(format!(
            "sample_weight is not a whole number at index {i}: intervals need frequency \
             weights (a row of weight k stands for k applicants)"
        ));
    }
    let exact = randomized == 0 && fractional.is_none();
    let rows = Rows {
        proba,
        weights,
        flag: &flag,
    };
    let mut stats = Stats::default();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); groups.n_groups()];
    for (i, &g) in groups.ids().iter().enumerate() {
        members[g as usize].push(i);
    }
    let all: Vec<usize> = (0..n).collect();
    let (overall, _) = group_estimate(
        &rows,
        &all,
        mlops_core::ALL_ROWS_LABEL.to_owned(),
        None,
        params,
        exact,
        &mut stats,
    )?;
    let mut out = Vec::with_capacity(groups.n_groups());
    let mut dists = Vec::with_capacity(groups.n_groups());
    for (key, idx) in groups.keys().iter().zip(&members) {
        let (g, d) = group_estimate(
            &rows,
            idx,
            key.to_string(),
            Some(key.clone()),
            params,
            exact,
            &mut stats,
        )?;
        if g.fpr.is_none() {
            warnings.push(format!(
                "group `{}` has no expected negatives: its FPR is undefined and left out of \
                 the gap",
                g.name
            ));
        }
        out.push(g);
        dists.push(d);
    }
    let defined: Vec<f64> = out.iter().filter_map(|g| g.fpr.map(|f| f.value)).collect();
    let point_gap = (defined.len() >= 2).then(|| {
        let hi = defined.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let lo = defined.iter().copied().fold(f64::INFINITY, f64::min);
        hi - lo
    });
    let gap_dists: Vec<&Dist> = dists.iter().flatten().collect();
    let gap_known = exact && point_gap.is_some() && gap_dists.len() == defined.len();
    let (gap_interval, exceeds) = if gap_known {
        let tail = (1.0 - params.level) / 2.0;
        (
            Some(PredictionInterval {
                low: gap_quantile(&gap_dists, tail),
                high: gap_quantile(&gap_dists, 1.0 - tail),
            }),
            Some((1.0 - gap_cdf(&gap_dists, params.tolerance)).max(0.0)),
        )
    } else {
        (None, None)
    };
    Ok(LabelFreeAudit {
        params: *params,
        group_columns: groups.columns().to_vec(),
        overall,
        groups: out,
        fpr_gap: point_gap.map(|value| Estimate {
            value,
            interval: gap_interval,
        }),
        gap_exceeds_tolerance: exceeds,
        passed: point_gap.map(|g| g <= params.tolerance),
        interval_method: if exact { "exact" } else { "none" }.to_owned(),
        resolution: stats.resolution,
        dropped_mass: stats.dropped,
        warnings,
    })
}
