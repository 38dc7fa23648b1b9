//! The two-sample Kolmogorov-Smirnov test: does a numeric feature seen in production
//! (`current`) still follow the distribution it had in the training data (`reference`)?
//!
//! [`ks_2samp`] has the meaning, the parameters and the switch-over rule of
//! `scipy.stats.ks_2samp` (SciPy 1.17), and agrees with it to 1e-10 relative on p-values
//! wherever SciPy's own computation succeeds and is accurate. Where SciPy gives up on the
//! exact p-value (with a `RuntimeWarning`, falling back to the asymptotic one), this module
//! still computes it exactly when the cost allows, and always reports the method used.
//!
//! # Definitions
//! With `F` and `G` the empirical CDFs of `reference` (size `m`) and `current` (size `n`),
//! evaluated at every distinct pooled value (which handles ties):
//! * `greater`: `D+ = max(F - G)`; `less`: `D- = max(G - F)`; `two-sided`: `max(D+, D-)`.
//! * Exact p-values are `P(D >= d)` under the null hypothesis of one continuous
//!   distribution, where every interleaving of the two samples is equally likely: the
//!   proportion of monotone lattice paths from `(0, 0)` to `(m, n)` that reach the boundary
//!   `|i/m - j/n| >= d` (Hodges 1957). They are computed as probabilities, step by step
//!   (never as path counts, which overflow), in `O(m * band)` time, or in closed form when
//!   `m == n`. With ties in the data the statistic is still exact, and the p-value is that of
//!   the continuous null distribution (conservative, as in SciPy).
//! * Asymptotic two-sided p-values use the finite-`n` one-sample Kolmogorov distribution at
//!   the effective size `round(m n / (m + n))` (SciPy's `kstwo.sf(d, round(en))`), evaluated
//!   with the region rules of Simard and L'Ecuyer (2011): closed forms near the ends, the
//!   Durbin matrix (Marsaglia, Tsang and Wang 2003), Pelz and Good's (1976) expansion, and
//!   Miller's (1956) `2 * P(D+ >= d)` in the upper tail.
//! * Asymptotic one-sided p-values use Hodges' (1957, eq. 5.3) refinement
//!   `exp(-2 z^2 - 2 z (m' + 2 n') / (3 sqrt(m' n' (m' + n'))))` with `z = d sqrt(en)`,
//!   `m' = max(m, n)`, `n' = min(m, n)`.
//!
//! # References
//! * Hodges, J. L. Jr. (1958). The significance probability of the Smirnov two-sample test.
//!   *Arkiv för Matematik* 3(43), 469-486.
//! * Simard, R. and L'Ecuyer, P. (2011). Computing the two-sided Kolmogorov-Smirnov
//!   distribution. *Journal of Statistical Software* 39(11).
//! * Marsaglia, G., Tsang, W. W. and Wang, J. (2003). Evaluating Kolmogorov's distribution.
//!   *Journal of Statistical Software* 8(18).
//! * Pelz, W. and Good, I. J. (1976). Approximating the lower tail-areas of the
//!   Kolmogorov-Smirnov one-sample statistic. *JRSS B* 38(2), 152-156.
//! * Birnbaum, Z. W. and Tingey, F. H. (1951). One-sided confidence contours for probability
//!   distribution functions. *Annals of Mathematical Statistics* 22(4), 592-596.
//! * Loader, C. (2000). Fast and accurate computation of binomial probabilities.

use std::fmt;
use std::str::FromStr;

pub use mlops_core::Alternative;
use mlops_core::integer::gcd;
use mlops_core::radix::{from_order_key, order_key};
use serde::{Deserialize, Serialize};

use crate::DriftError;

/// Names of the two samples in errors and results.
pub mod names {
    /// The training-time sample.
    pub const REFERENCE: &str = "reference";
    /// The production sample.
    pub const CURRENT: &str = "current";
}

/// `method = "auto"` computes exact p-values when both samples have at most this many
/// observations (SciPy's switch-over rule).
pub const AUTO_EXACT_MAX_SIZE: usize = 10_000;

/// An explicit `method = "exact"` falls back to the asymptotic p-value when the lattice walk
/// could visit more cells than this (about a second of work). `"auto"` never reaches it:
/// two samples of 10 000 need at most 10^8 cells.
pub const EXACT_MAX_CELLS: u128 = 500_000_000;

/// From this many pooled values on, the extremes are found by [`Sweep::bucketed`] instead of
/// sorting both samples.
const BUCKETED_MIN: usize = 1 << 14;

/// `log2` of the number of coarse buckets of [`Sweep::bucketed`]: the sign and the exponent,
/// so that the coarse tables stay in the L1 cache; fine buckets split each binade evenly.
const COARSE_BITS: u32 = 12;

/// Both samples at least this large are scanned in parallel.
pub(crate) const PARALLEL_MIN: usize = 1 << 16;

/// About how many values a fine bucket of [`Sweep::bucketed`] holds where data are dense.
const VALUES_PER_BUCKET: usize = 32;

/// How the p-value is to be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KsMethod {
    /// Exact when both samples have at most [`AUTO_EXACT_MAX_SIZE`] observations,
    /// asymptotic otherwise.
    #[default]
    Auto,
    /// The exact distribution (falls back to asymptotic beyond [`EXACT_MAX_CELLS`]).
    Exact,
    /// The asymptotic distribution.
    Asymp,
}

impl KsMethod {
    /// SciPy's name: `"auto"`, `"exact"` or `"asymp"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Exact => "exact",
            Self::Asymp => "asymp",
        }
    }
}

impl fmt::Display for KsMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KsMethod {
    type Err = DriftError;

    fn from_str(s: &str) -> Result<Self, DriftError> {
        match s {
            "auto" => Ok(Self::Auto),
            "exact" => Ok(Self::Exact),
            "asymp" => Ok(Self::Asymp),
            _ => Err(DriftError::invalid_parameter(
                "method",
                s,
                "expected \"auto\", \"exact\" or \"asymp\"",
            )),
        }
    }
}

/// How a p-value was actually computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PValueMethod {
    /// The exact null distribution.
    Exact,
    /// The asymptotic approximation.
    Asymp,
}

impl PValueMethod {
    /// `"exact"` or `"asymp"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Exact => "exact",
            Self::Asymp => "asymp",
        }
    }
}

impl fmt::Display for PValueMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The parameters of [`ks_2samp`]. Every value of the two enums is valid; text from a user
/// is checked once, by [`KsParams::parse`].
///
/// # Examples
/// ```
/// use mlops_drift::{Alternative, KsMethod, KsParams};
/// let p = KsParams::parse("less", "exact")?;
/// assert_eq!(p, KsParams::new(Alternative::Less, KsMethod::Exact));
/// assert_eq!(KsParams::default(), KsParams::new(Alternative::TwoSided, KsMethod::Auto));
/// assert!(KsParams::parse("smaller", "auto").is_err());
/// # Ok::<(), mlops_drift::DriftError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct KsParams {
    /// The alternative hypothesis.
    pub alternative: Alternative,
    /// How to compute the p-value.
    pub method: KsMethod,
}

impl KsParams {
    /// Parameters from their enums.
    pub fn new(alternative: Alternative, method: KsMethod) -> Self {
        Self {
            alternative,
            method,
        }
    }

    /// Parameters from SciPy's names.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`](mlops_core::CoreError::InvalidParameter) naming
    /// `alternative` or `method`.
    pub fn parse(alternative: &str, method: &str) -> Result<Self, DriftError> {
        let alternative = Alternative::parse(alternative)?;
        Ok(Self::new(alternative, method.parse()?))
    }
}

/// The outcome of [`ks_2samp`], with SciPy's field names.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KsResult {
    /// The KS statistic for the alternative (a distance between the empirical CDFs, in
    /// `[0, 1]`).
    pub statistic: f64,
    /// The p-value, in `[0, 1]`.
    pub pvalue: f64,
    /// How the p-value was computed (after the `auto` rule and any fallback).
    pub method: PValueMethod,
    /// The observed value (from either sample) where the distance is attained; the smallest
    /// such value of `reference` if there is one, else the smallest of `current`.
    pub statistic_location: f64,
    /// `+1` when `F` (reference) exceeds `G` (current) at the location, `-1` otherwise.
    pub statistic_sign: i8,
    /// The alternative tested.
    pub alternative: Alternative,
    /// Number of reference observations (`m`).
    pub reference_size: usize,
    /// Number of current observations (`n`).
    pub current_size: usize,
}

/// Two-sample Kolmogorov-Smirnov test of `reference` against `current`, like
/// `scipy.stats.ks_2samp(reference, current, alternative, method)`.
///
/// Small samples are sorted and swept once: `O((m + n) log(m + n))`. From 16 Ki pooled
/// values on, the extremes are found without sorting everything: three linear passes bucket
/// the values by their bit patterns, prefix counts bound `F - G` inside each bucket, and only
/// the few buckets that can hold an extreme are sorted (same statistic, location and
/// tie-breaks). Add the exact p-value's `O(m * band)` lattice walk when one is computed and
/// the asymptotic one's `O(n)` Birnbaum-Tingey sum in the upper tail, summed in parallel
/// blocks (see the [module documentation](self)).
///
/// # Examples
/// ```
/// use mlops_drift::{ks_2samp, KsParams, PValueMethod};
/// // Loan amounts (in thousands) at training time and in production.
/// let training = [12.0, 15.0, 9.5, 20.0, 11.0, 14.0, 18.5, 10.0];
/// let production = [21.0, 25.5, 19.0, 30.0, 22.0, 19.5];
/// let r = ks_2samp(&training, &production, KsParams::default())?;
/// assert_eq!(r.method, PValueMethod::Exact);
/// assert!((r.statistic - 0.875).abs() < 1e-15); // 7 of 8 below 19.0, none of 6
/// assert_eq!(r.statistic_location, 18.5);
/// assert_eq!(r.statistic_sign, 1);
/// assert!(r.pvalue < 0.01);
/// # Ok::<(), mlops_drift::DriftError>(())
/// ```
///
/// # Errors
/// [`CoreError::EmptyInput`](mlops_core::CoreError::EmptyInput) when either sample is
/// empty, and [`CoreError::NotFinite`](mlops_core::CoreError::NotFinite) naming the sample
/// and the index of the first NaN or infinite value (missing values must be handled before
/// the test).
pub fn ks_2samp(
    reference: &[f64],
    current: &[f64],
    params: KsParams,
) -> Result<KsResult, DriftError> {
    let (m, n) = (reference.len(), current.len());
    let sweep = match (m + n >= BUCKETED_MIN && m > 0 && n > 0)
        .then(|| Sweep::bucketed(reference, current, COARSE_BITS, VALUES_PER_BUCKET))
        .flatten()
    {
        Some(sweep) => sweep,
        // Small samples, or the bucketed sweep saw a value that is not finite: validate
        // (which names the culprit) and sweep the sorted samples.
        None => {
            crate::validate::finite_sample(names::REFERENCE, reference)?;
            crate::validate::finite_sample(names::CURRENT, current)?;
            Sweep::run(&sorted(reference), &sorted(current))
        }
    };

    // The side of the statistic, SciPy's way: the most negative difference wins a two-sided
    // test only when strictly larger in magnitude.
    let min_s = if sweep.min.diff < 0.0 {
        -sweep.min.diff
    } else {
        0.0
    };
    let max_s = sweep.max.diff;
    let use_min = match params.alternative {
        Alternative::Less => true,
        Alternative::Greater => false,
        Alternative::TwoSided => min_s > max_s,
    };
    let (raw_d, extreme, sign) = if use_min {
        (min_s, sweep.min, -1)
    } else {
        (max_s, sweep.max, 1)
    };

    let lattice = Lattice::new(m as u64, n as u64);
    // The statistic in units of 1/lcm(m, n): an integer, computed exactly from the counts.
    let h = lattice.units(extreme.i as u64, extreme.j as u64);

    let wants_exact = match params.method {
        KsMethod::Auto => m.max(n) <= AUTO_EXACT_MAX_SIZE,
        KsMethod::Exact => true,
        KsMethod::Asymp => false,
    };
    // SciPy reports h / lcm when it attempts the exact distribution (it does not when
    // (m/g)(n/g) exceeds the int32 range) and the raw difference of the CDFs otherwise. The
    // two are the same number up to the last bit; this keeps the statistic bit-identical.
    let statistic = if wants_exact && lattice.scipy_attempts_exact() {
        h as f64 / lattice.lcm as f64
    } else {
        raw_d
    };
    // With m = n = 1 the effective size rounds to 0 and the two-sided asymptotic
    // distribution is undefined (SciPy returns NaN); the exact p-value is free.
    let degenerate_asymp = m == 1 && n == 1 && params.alternative == Alternative::TwoSided;
    let exact = (wants_exact || degenerate_asymp)
        && lattice.exact_cells(h, params.alternative) <= EXACT_MAX_CELLS;

    let (pvalue, method) = if exact {
        (
            lattice.exact_pvalue(h, params.alternative),
            PValueMethod::Exact,
        )
    } else {
        (
            asymptotic_pvalue(m, n, statistic, params.alternative),
            PValueMethod::Asymp,
        )
    };

    Ok(KsResult {
        statistic,
        pvalue: pvalue.clamp(0.0, 1.0),
        method,
        statistic_location: extreme.location,
        statistic_sign: sign,
        alternative: params.alternative,
        reference_size: m,
        current_size: n,
    })
}

/// A sorted (ascending) copy of a validated sample, `-0.0` folded into `0.0`.
pub(crate) fn sorted(values: &[f64]) -> Vec<f64> {
    let mut sorted: Vec<f64> = values.iter().map(|&v| fold_zero(v)).collect();
    mlops_core::radix::sort_desc(&mut sorted);
    sorted.reverse();
    sorted
}

/// `-0.0` as `0.0` (the two are one value of the empirical CDF).
#[inline]
fn fold_zero(v: f64) -> f64 {
    if v == 0.0 { 0.0 } else { v }
}

/// Where a difference of the empirical CDFs is extreme.
#[derive(Debug, Clone, Copy)]
struct Extreme {
    /// `i/m - j/n` as floats, exactly as SciPy evaluates it.
    diff: f64,
    /// The value where it is attained.
    location: f64,
    /// Reference observations `<= location`.
    i: usize,
    /// Current observations `<= location`.
    j: usize,
}

/// The largest and smallest `F - G` over the pooled values.
struct Sweep {
    max: Extreme,
    min: Extreme,
}

impl Sweep {
    /// One merge of the two sorted samples. SciPy takes the first extreme in the order
    /// "sorted reference, then sorted current", so a value of `reference` wins a tie with
    /// one of `current`, and smaller values win among each.
    fn run(xs: &[f64], ys: &[f64]) -> Self {
        let (m, n) = (xs.len() as f64, ys.len() as f64);
        // [reference values, current values] candidates for max and min.
        let mut max: [Option<Extreme>; 2] = [None, None];
        let mut min: [Option<Extreme>; 2] = [None, None];
        let (mut i, mut j) = (0, 0);
        while i < xs.len() || j < ys.len() {
            let v = match (xs.get(i), ys.get(j)) {
                (Some(&x), Some(&y)) => x.min(y),
                (Some(&x), None) => x,
                (None, Some(&y)) => y,
                (None, None) => break,
            };
            let (i0, j0) = (i, j);
            while i < xs.len() && xs[i] == v {
                i += 1;
            }
            while j < ys.len() && ys[j] == v {
                j += 1;
            }
            let e = Extreme {
                diff: i as f64 / m - j as f64 / n,
                location: v,
                i,
                j,
            };
            for (side, present) in [(0, i > i0), (1, j > j0)] {
                if !present {
                    continue;
                }
                if max[side].is_none_or(|b| e.diff > b.diff) {
                    max[side] = Some(e);
                }
                if min[side].is_none_or(|b| e.diff < b.diff) {
                    min[side] = Some(e);
                }
            }
        }
        Self::pick_sides(max, min)
    }

    /// SciPy's tie-break between the reference-side and current-side candidates.
    fn pick_sides(max: [Option<Extreme>; 2], min: [Option<Extreme>; 2]) -> Self {
        let pick = |c: [Option<Extreme>; 2], better: fn(f64, f64) -> bool| -> Extreme {
            match c {
                [Some(x), Some(y)] => {
                    if better(y.diff, x.diff) {
                        y
                    } else {
                        x
                    }
                }
                [Some(x), None] | [None, Some(x)] => x,
                // Both samples are non-empty, so both candidates exist.
                [None, None] => Extreme {
                    diff: 0.0,
                    location: 0.0,
                    i: 0,
                    j: 0,
                },
            }
        };
        Self {
            max: pick(max, |a, b| a > b),
            min: pick(min, |a, b| a < b),
        }
    }

    /// The same extremes as [`Sweep::run`] without sorting the samples: three linear
    /// passes and a sort of the few values that can matter.
    ///
    /// Values go into buckets by their order-preserving bit pattern: first `2^coarse_bits`
    /// coarse buckets by its top bits, then each coarse bucket split into a power of two of
    /// fine buckets, about one per `per_bucket` values it holds, so that fine buckets hold
    /// few values wherever the data are dense. Prefix counts give `F - G` at the end of
    /// every fine bucket (attained at its largest value), which bounds the extremes:
    /// `max(F - G) >= LB`, `min(F - G) <= UB`. Inside a bucket starting from counts
    /// `(i, j)` and holding `(a, b)` values, `F - G` lies in `[i/m - (j + b)/n,
    /// (i + a)/m - j/n]` (floating-point division and subtraction are monotone, so this
    /// holds for the computed differences too). Only buckets whose range reaches `LB` or
    /// `UB` can hold an extreme; their values are collected, sorted and swept from the
    /// bucket's prefix counts by the rules of [`Sweep::run`]. Every value attaining an
    /// extreme lies in such a bucket, so the first occurrence (SciPy's location) is found,
    /// and the per-sample candidates of other buckets never win the tie-break. Heavy ties
    /// only make the sorted buckets larger.
    ///
    /// `None` when a value is not finite: the histogram pass checks it on the way, which
    /// spares a separate validation pass over both samples.
    fn bucketed(xs: &[f64], ys: &[f64], coarse_bits: u32, per_bucket: usize) -> Option<Self> {
        let key = |v: f64| order_key(fold_zero(v));
        let low_bits = 64 - coarse_bits;
        let low_mask = (1u64 << low_bits) - 1;
        let coarse_of = |k: u64| (k >> low_bits) as usize;
        // The passes over the two samples are independent: run them side by side.
        let parallel = xs.len().min(ys.len()) >= PARALLEL_MIN;
        // The coarse histogram only sizes the fine buckets (any bucketing gives the same
        // extremes; density only sets how many values share a bucket), so it reads a regular
        // sample of about 2^15 values per side: a few cache lines in eight, not every one.
        let histogram = |values: &[f64]| {
            let step = (values.len() >> 15).max(1);
            let mut h = vec![0usize; 1 << coarse_bits];
            for &v in values.iter().step_by(step) {
                h[coarse_of(key(v))] += step;
            }
            h
        };
        let (mut coarse, coarse_y) =
            mlops_core::parallel::join(parallel, || histogram(xs), || histogram(ys));
        for (c, y) in coarse.iter_mut().zip(&coarse_y) {
            *c += y;
        }
        // Fine buckets: offset and shift per coarse bucket.
        // (offset of the first fine bucket, shift of the key's low bits) per coarse bucket;
        // at least one per coarse bucket, since the sample may miss values that are there.
        let mut fine: Vec<(usize, u32)> = vec![(0, 0); coarse.len()];
        let mut total = 0usize;
        for (&c, f) in coarse.iter().zip(fine.iter_mut()) {
            let want = c.div_ceil(per_bucket.max(1)).max(1);
            let sub_bits = (usize::BITS - (want - 1).leading_zeros()).min(low_bits);
            *f = (total, low_bits - sub_bits);
            total += 1usize << sub_bits;
        }
        let fine_of = |k: u64| {
            let (offset, shift) = fine[coarse_of(k)];
            offset + ((k & low_mask) >> shift) as usize
        };
        let fine_histogram = |values: &[f64]| {
            let mut h = vec![0u32; total];
            let mut finite = true;
            for &v in values {
                finite &= v.is_finite();
                h[fine_of(key(v))] += 1;
            }
            (h, finite)
        };
        let ((fx, finite_x), (fy, finite_y)) =
            mlops_core::parallel::join(parallel, || fine_histogram(xs), || fine_histogram(ys));
        if !(finite_x && finite_y) {
            return None;
        }
        let counts: Vec<[u32; 2]> = fx.iter().zip(&fy).map(|(&a, &b)| [a, b]).collect();
        let (m, n) = (xs.len() as f64, ys.len() as f64);
        let diff = |i: usize, j: usize| i as f64 / m - j as f64 / n;

        let mut lb = f64::NEG_INFINITY;
        let mut ub = f64::INFINITY;
        let (mut i, mut j) = (0usize, 0usize);
        for &[a, b] in &counts {
            if a + b == 0 {
                continue;
            }
            i += a as usize;
            j += b as usize;
            let d = diff(i, j);
            lb = lb.max(d);
            ub = ub.min(d);
        }
        // Candidate buckets and the counts before each.
        let mut start: Vec<Option<(usize, usize)>> = vec![None; total];
        let (mut i, mut j) = (0usize, 0usize);
        for (&[a, b], s) in counts.iter().zip(start.iter_mut()) {
            if a + b == 0 {
                continue;
            }
            let (a, b) = (a as usize, b as usize);
            if diff(i + a, j) >= lb || diff(i, j + b) <= ub {
                *s = Some((i, j));
            }
            i += a;
            j += b;
        }
        // The candidate buckets as a bitset, tested once per value: a few kilobytes that stay
        // in L1, where `start` (24 bytes a bucket) missed the cache on most values.
        let mut candidate = vec![0u64; total.div_ceil(64)];
        for (b, s) in start.iter().enumerate() {
            if s.is_some() {
                candidate[b / 64] |= 1 << (b % 64);
            }
        }
        let is_candidate = |b: usize| candidate[b / 64] >> (b % 64) & 1 == 1;
        let collect = |values: &[f64], is_y: bool| -> Vec<(u64, bool)> {
            values
                .iter()
                .map(|&v| key(v))
                .filter(|&k| is_candidate(fine_of(k)))
                .map(|k| (k, is_y))
                .collect()
        };
        let (mut items, items_y) =
            mlops_core::parallel::join(parallel, || collect(xs, false), || collect(ys, true));
        items.extend(items_y);
        items.sort_unstable_by_key(|&(k, _)| k);

        let mut max: [Option<Extreme>; 2] = [None, None];
        let mut min: [Option<Extreme>; 2] = [None, None];
        let mut current_bucket = usize::MAX;
        let (mut i, mut j) = (0usize, 0usize);
        let mut t = 0;
        while t < items.len() {
            let k = items[t].0;
            let b = fine_of(k);
            if b != current_bucket {
                current_bucket = b;
                (i, j) = start[b].unwrap_or((i, j));
            }
            let (mut in_x, mut in_y) = (false, false);
            while t < items.len() && items[t].0 == k {
                if items[t].1 {
                    j += 1;
                    in_y = true;
                } else {
                    i += 1;
                    in_x = true;
                }
                t += 1;
            }
            let e = Extreme {
                diff: diff(i, j),
                location: from_order_key(k),
                i,
                j,
            };
            for (side, present) in [(0, in_x), (1, in_y)] {
                if !present {
                    continue;
                }
                if max[side].is_none_or(|b| e.diff > b.diff) {
                    max[side] = Some(e);
                }
                if min[side].is_none_or(|b| e.diff < b.diff) {
                    min[side] = Some(e);
                }
            }
        }
        Some(Self::pick_sides(max, min))
    }
}

/// The lattice of interleavings of `m` reference and `n` current observations. A path
/// point `(i, j)` has `F - G = i/m - j/n = (i n' - j m') / lcm` with `m' = m/g`,
/// `n' = n/g`, so distances are integers in units of `1/lcm`.
struct Lattice {
    m: u64,
    n: u64,
    mg: u64,
    ng: u64,
    lcm: u128,
}

impl Lattice {
    fn new(m: u64, n: u64) -> Self {
        let g = gcd(m, n).max(1);
        let (mg, ng) = (m / g, n / g);
        Self {
            m,
            n,
            mg,
            ng,
            lcm: u128::from(mg) * u128::from(n),
        }
    }

    /// `|i n' - j m'|`, the distance at `(i, j)` in units of `1/lcm`.
    fn units(&self, i: u64, j: u64) -> u128 {
        let a = u128::from(i) * u128::from(self.ng);
        let b = u128::from(j) * u128::from(self.mg);
        a.abs_diff(b)
    }

    /// SciPy declines the exact distribution when `(m/g) (n/g)` reaches the int32 range.
    fn scipy_attempts_exact(&self) -> bool {
        (self.mg as f64) < f64::from(i32::MAX) / self.ng as f64
    }

    /// Cells the exact computation visits (an upper bound).
    fn exact_cells(&self, h: u128, alternative: Alternative) -> u128 {
        let (m, n) = (u128::from(self.m), u128::from(self.n));
        if h == 0 {
            return 0; // p = 1
        }
        if self.m == self.n {
            return m + 1; // closed forms
        }
        match alternative {
            Alternative::TwoSided => {
                // |i n' - j m'| < h: at most 2h/m' + 1 values of j per row.
                let width = (2 * h / u128::from(self.mg) + 2).min(n + 1);
                (m + 1) * width
            }
            Alternative::Less | Alternative::Greater => (m + 1) * (n + 1),
        }
    }

    /// `P(D >= h / lcm)` under the null hypothesis.
    fn exact_pvalue(&self, h: u128, alternative: Alternative) -> f64 {
        let two_sided = alternative == Alternative::TwoSided;
        // The first observation already puts the path at distance n' (reference) or m'
        // (current), so every path reaches min(m', n').
        if h == 0 || (two_sided && h <= u128::from(self.mg.min(self.ng))) {
            return 1.0;
        }
        if self.m == self.n {
            // h is in units of 1/n here (lcm = n).
            let Ok(h) = u64::try_from(h) else {
                return 0.0;
            };
            return if two_sided {
                equal_sizes_two_sided(self.n, h)
            } else {
                equal_sizes_one_sided(self.n, h)
            };
        }
        // The one-sided tails of D+ and D- have the same distribution (reversing a path
        // maps one onto the other), so both count paths reaching i n' - j m' >= h.
        self.exit_probability(h, two_sided)
    }

    /// The probability that a uniformly random path from `(0, 0)` to `(m, n)` reaches
    /// `i n' - j m' >= h` (or, two-sided, `|i n' - j m'| >= h`).
    ///
    /// Works row by row (`i` reference observations seen) with the probability of having
    /// reached `(i, j)` while staying inside. From `(i, j)` the next observation is from the
    /// reference with probability `(m - i) / (m + n - i - j)` (drawing without
    /// replacement), so every quantity is a probability in `[0, 1]` and nothing overflows.
    /// Mass leaving the band is summed as it leaves, so small p-values keep their relative
    /// accuracy (no `1 - P(inside)`). Values below `f64::MIN_POSITIVE` are flushed to zero,
    /// which keeps subnormal arithmetic out and lets each row skip its empty ends.
    fn exit_probability(&self, h: u128, two_sided: bool) -> f64 {
        let (m, n) = (self.m as usize, self.n as usize);
        let total = m + n;
        let (mg, ng) = (i128::from(self.mg), i128::from(self.ng));
        let h = h as i128;
        // Inside: j >= lo(i) (below the line i n' - j m' = h) and, two-sided, j <= hi(i).
        let lo = |i: usize| -> usize {
            let v = (i as i128 * ng - h).div_euclid(mg) + 1;
            v.clamp(0, n as i128 + 1) as usize
        };
        let hi = |i: usize| -> usize {
            if two_sided {
                let v = (i as i128 * ng + h - 1).div_euclid(mg);
                v.clamp(0, n as i128) as usize
            } else {
                n
            }
        };
        let inv: Vec<f64> = (0..=total)
            .map(|k| if k == 0 { 0.0 } else { 1.0 / k as f64 })
            .collect();
        let mut row = vec![0.0_f64; n + 1];
        let mut exited = 0.0_f64;

        // Row 0: only current observations so far.
        let hi0 = hi(0);
        row[0] = 1.0;
        let (mut a, mut b) = (0_usize, 0_usize); // nonzero range of the row
        for j in 1..=hi0 {
            let v = flush(row[j - 1] * (n - j + 1) as f64 * inv[total - j + 1]);
            if v == 0.0 {
                break;
            }
            row[j] = v;
            b = j;
        }
        if b == hi0 && hi0 < n {
            exited += row[b] * (n - b) as f64 * inv[total - b];
        }

        for i in 1..=m {
            let (lo_i, hi_i) = (lo(i), hi(i));
            let right = (m - i + 1) as f64;
            // Cells of the previous row below lo(i) leave through the right step.
            let stop = b.min(lo_i.saturating_sub(1));
            if lo_i > a {
                for j in a..=stop {
                    exited += row[j] * right * inv[total - i - j + 1];
                    row[j] = 0.0;
                }
            }
            let start = a.max(lo_i);
            if start > hi_i || start > b {
                // Every path has left the band.
                return exited;
            }
            let mut left = 0.0_f64; // the new value at (i, j - 1)
            let (mut new_a, mut new_b) = (usize::MAX, start);
            let mut note = |j: usize, v: f64| {
                if v != 0.0 {
                    if new_a == usize::MAX {
                        new_a = j;
                    }
                    new_b = j;
                }
            };
            // Cells fed from below and from the left. `left` is zero at `start`, whose left
            // neighbour is outside the band or carries no mass. The weights are computed off
            // the dependency chain through `left`.
            let fed = b.min(hi_i);
            for j in start..=fed {
                let w = inv[total - i - j + 1];
                let v = flush(row[j] * right * w + left * ((n - j + 1) as f64 * w));
                row[j] = v;
                left = v;
                note(j, v);
            }
            // Cells fed from the left only, until the mass flushes to zero.
            for j in fed + 1..=hi_i {
                if left == 0.0 {
                    break;
                }
                let v = flush(left * ((n - j + 1) as f64 * inv[total - i - j + 1]));
                row[j] = v;
                left = v;
                note(j, v);
            }
            if new_a == usize::MAX {
                return exited;
            }
            // Stale entries beyond the new range (flushed tails) are zero already.
            a = new_a;
            b = new_b;
            if b == hi_i && hi_i < n {
                exited += row[b] * (n - b) as f64 * inv[total - i - b];
            }
        }
        exited
    }
}

#[inline]
fn flush(v: f64) -> f64 {
    if v < f64::MIN_POSITIVE { 0.0 } else { v }
}

/// `m = n`, one-sided: `P(D+ >= h/n) = C(2n, n-h) / C(2n, n)` (reflection principle),
/// as the product `prod_{t<h} (n - t) / (n + t + 1)`.
fn equal_sizes_one_sided(n: u64, h: u64) -> f64 {
    if h > n {
        return 0.0;
    }
    let nf = n as f64;
    let mut p = 1.0;
    for t in 0..h {
        p *= (nf - t as f64) / (nf + t as f64 + 1.0);
        if p == 0.0 {
            break;
        }
    }
    p
}

/// `m = n`, two-sided: `P(D >= h/n) = 2 sum_{k>=1} (-1)^(k+1) C(2n, n-kh) / C(2n, n)`
/// (repeated reflection).
fn equal_sizes_two_sided(n: u64, h: u64) -> f64 {
    if h > n {
        return 0.0;
    }
    let nf = n as f64;
    // C(2n, n - kh) / C(2n, n) for k = 1, 2, ... while positive.
    let mut terms = Vec::new();
    let mut ratio = 1.0;
    let mut t = 0_u64;
    let mut k = 1_u64;
    while k * h <= n {
        while t < k * h {
            ratio *= (nf - t as f64) / (nf + t as f64 + 1.0);
            t += 1;
        }
        if ratio == 0.0 {
            break;
        }
        terms.push(ratio);
        k += 1;
    }
    // Smallest terms first: the alternating sum loses least that way.
    let sum = terms.iter().enumerate().rev().fold(
        0.0,
        |acc, (i, &r)| if i % 2 == 0 { acc + r } else { acc - r },
    );
    (2.0 * sum).clamp(0.0, 1.0)
}

/// The asymptotic p-value, as SciPy computes it.
fn asymptotic_pvalue(m: usize, n: usize, d: f64, alternative: Alternative) -> f64 {
    let (big, small) = if m >= n {
        (m as f64, n as f64)
    } else {
        (n as f64, m as f64)
    };
    let en = big * small / (big + small);
    match alternative {
        Alternative::TwoSided => {
            let size = en.round_ties_even();
            if size < 1.0 {
                // m = n = 1, which `ks_2samp` sends to the exact p-value instead.
                return f64::NAN;
            }
            kstwo_sf(size as u64, d)
        }
        Alternative::Less | Alternative::Greater => {
            let z = en.sqrt() * d;
            let expt = -2.0 * z * z
                - 2.0 * z * (big + 2.0 * small) / (big * small * (big + small)).sqrt() / 3.0;
            expt.exp()
        }
    }
}

// ---------------------------------------------------------------------------------------
// One-sample Kolmogorov-Smirnov distributions.
// ---------------------------------------------------------------------------------------

/// `P(D_n >= d)` for the two-sided one-sample Kolmogorov-Smirnov statistic `D_n`, the
/// quantity SciPy computes as `scipy.stats.kstwo.sf(d, n)`, with the same region rules
/// (Simard and L'Ecuyer 2011): exact closed forms for `n d <= 1`, `n d >= n - 1` and
/// `d >= 1/2`; the exact Durbin matrix for `n <= 140, n d^2 <= 4` and for
/// `n d^1.5 <= 1.4`; Miller's `2 P(D+_n >= d)` for `n d^2 > 4` (`n <= 140`) and
/// `n d^2 >= 2.2` (`n > 140`, 0 from `n d^2 >= 370`); and Pelz and Good's expansion
/// otherwise.
///
/// # Examples
/// ```
/// use mlops_drift::ks::kstwo_sf;
/// // n = 1: D_1 = max(U, 1 - U) >= d with probability 2 (1 - d) for d >= 1/2.
/// assert!((kstwo_sf(1, 0.75) - 0.5).abs() < 1e-15);
/// // scipy.stats.kstwo.sf(0.3, 20) (SciPy 1.17.1)
/// assert!((kstwo_sf(20, 0.3) / 0.04306706665851623 - 1.0).abs() < 1e-12);
/// ```
pub fn kstwo_sf(n: u64, d: f64) -> f64 {
    if n == 0 || d.is_nan() {
        return f64::NAN;
    }
    if d >= 1.0 {
        return 0.0;
    }
    if d <= 0.0 {
        return 1.0;
    }
    let nf = n as f64;
    let t = nf * d;
    if t <= 1.0 {
        // Ruben and Gambino (1982): P(D_n < d) = n! / n^n (2t - 1)^n for 1/2 < t <= 1.
        if t <= 0.5 {
            return 1.0;
        }
        return (1.0 - scaled_factorial_power(n, 2.0 * t - 1.0)).clamp(0.0, 1.0);
    }
    if t >= nf - 1.0 {
        // Ruben and Gambino: P(D_n >= d) = 2 (1 - d)^n.
        return (2.0 * (1.0 - d).powf(nf)).clamp(0.0, 1.0);
    }
    if d >= 0.5 {
        // The two one-sided events are disjoint.
        return (2.0 * ksone_sf(n, d)).clamp(0.0, 1.0);
    }
    let nxx = t * d;
    if n <= 140 {
        if nxx <= 4.0 {
            return (1.0 - durbin_cdf(n, d)).clamp(0.0, 1.0);
        }
        return (2.0 * ksone_sf(n, d)).clamp(0.0, 1.0);
    }
    if nxx >= 370.0 {
        return 0.0;
    }
    if nxx >= 2.2 {
        return (2.0 * ksone_sf(n, d)).clamp(0.0, 1.0);
    }
    let cdf = if nxx >= 18.0 {
        1.0
    } else if n <= 100_000 && nf * d.powf(1.5) <= 1.4 {
        durbin_cdf(n, d)
    } else {
        pelz_good_cdf(n, d)
    };
    (1.0 - cdf).clamp(0.0, 1.0)
}

/// `P(D+_n >= d)` for the one-sided one-sample Kolmogorov-Smirnov statistic (SciPy's
/// `scipy.special.smirnov(n, d)`), exactly, by the Birnbaum-Tingey sum
/// `d sum_{j <= n(1-d)} C(n, j) (1 - d - j/n)^(n-j) (d + j/n)^(j-1)`, each term evaluated as
/// a binomial probability with Loader's saddle-point method (no cancellation, no overflow).
///
/// # Examples
/// ```
/// use mlops_drift::ks::ksone_sf;
/// // n = 1: D+_1 = 1 - U.
/// assert!((ksone_sf(1, 0.3) - 0.7).abs() < 1e-15);
/// // scipy.special.smirnov(5, 0.6) (SciPy 1.17.1)
/// assert!((ksone_sf(5, 0.6) / 0.015040000000000005 - 1.0).abs() < 1e-12);
/// ```
pub fn ksone_sf(n: u64, d: f64) -> f64 {
    ksone_sf_pruned(n, d, true)
}

/// [`ksone_sf`], with the pruning of negligible blocks of terms on or off (off: every term
/// summed, for the test that pruning changes nothing).
fn ksone_sf_pruned(n: u64, d: f64, prune: bool) -> f64 {
    if n == 0 || d.is_nan() {
        return f64::NAN;
    }
    if d <= 0.0 {
        return 1.0;
    }
    if d >= 1.0 {
        return 0.0;
    }
    let nf = n as f64;
    if n == 1 {
        return 1.0 - d;
    }
    // n d, split into its rounded value and the rounding error, so that n(1 - d) - j is
    // accurate even when small.
    let nd = nf * d;
    let nd_err = nf.mul_add(d, -nd);
    let last = ((nf - nd) - nd_err).floor();
    if last < 0.0 {
        return 0.0;
    }
    let last = (last as u64).min(n - 1);
    let term = |j: u64| -> f64 {
        let jf = j as f64;
        let np = (nd + jf) + nd_err; // n (d + j/n)
        let nq = ((nf - jf) - nd) - nd_err; // n (1 - d - j/n)
        if nq <= 0.0 {
            // Only at the end of the range (nq decreases with j): no probability left.
            return 0.0;
        }
        let pmf = if j == 0 {
            // (1 - d)^n
            (nf * (-d).ln_1p()).exp()
        } else {
            binomial_pmf(jf, nf, np, nq)
        };
        // d / (d + j/n) * C(n, j) p^j q^(n-j)
        pmf * nd / np
    };
    // Fixed blocks summed in order: the same result with one thread or many.
    const BLOCK: u64 = 8192;
    let blocks = last / BLOCK + 1;
    let block_range = |b: u64| (b * BLOCK, (b * BLOCK + BLOCK - 1).min(last));
    let block_sum = |b: u64| -> f64 {
        let (start, end) = block_range(b);
        (start..=end).map(term).sum::<f64>()
    };
    // Far from j = n/2 the terms are negligible once n d^2 is large, yet each costs a few
    // logarithms and an exponential. Block b gets a rigorous bound on its terms (see
    // `term_bound_ln`); blocks whose bound is under 2^-80 of the largest are left out at
    // first, and kept out only if the sum of their bounds is under 2^-60 of the sum of the
    // others: far below the rounding of the result, so the sum is the full one to the last
    // bit or two.
    let bound_ln: Vec<f64> = (0..blocks)
        .map(|b| {
            let (start, end) = block_range(b);
            ((end - start + 1) as f64).ln() + term_bound_ln(nf, d, start as f64, end as f64)
        })
        .collect();
    let top = bound_ln.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let cut = if prune {
        top - 80.0 * std::f64::consts::LN_2
    } else {
        f64::NEG_INFINITY
    };
    let wanted: Vec<u64> = (0..blocks)
        .filter(|&b| bound_ln[b as usize] >= cut)
        .collect();
    let sum_of = |blocks: &[u64]| -> Vec<f64> {
        mlops_core::parallel::map_range(blocks.len() > 2, blocks.len(), |k| block_sum(blocks[k]))
    };
    let mut sums = vec![0.0_f64; blocks as usize];
    for (&b, v) in wanted.iter().zip(sum_of(&wanted)) {
        sums[b as usize] = v;
    }
    if (wanted.len() as u64) < blocks {
        let kept: f64 = sums.iter().sum();
        let left_out: f64 = (0..blocks)
            .filter(|&b| bound_ln[b as usize] < cut)
            .map(|b| bound_ln[b as usize].exp())
            .sum();
        // Scaled on the left: `kept` may be subnormal far in the tail. NaN keeps every block.
        let negligible = left_out * 2f64.powi(60) <= kept;
        if !negligible {
            let rest: Vec<u64> = (0..blocks)
                .filter(|&b| bound_ln[b as usize] < cut)
                .collect();
            for (&b, v) in rest.iter().zip(sum_of(&rest)) {
                sums[b as usize] = v;
            }
        }
    }
    let sum: f64 = sums.iter().sum();
    sum.clamp(0.0, 1.0)
}

/// An upper bound on the log of every term `j` in `[j0, j1]` of [`ksone_sf`]'s sum.
///
/// Term `j` is at most the binomial probability `P(X = j)` of `X ~ Bin(n, p)` with
/// `p = d + j/n` (the factor `d / p` is at most 1), and since `j < n p`, Chernoff's bound
/// gives `P(X = j) <= P(X <= j) <= exp(-n KL(j/n || p))`. Writing
/// `KL(x || p) = integral from x to p of (t - x) / (t (1 - t)) dt` shows
/// `KL(x || x + d) >= d^2 / (2 V)` with `V` the largest `t (1 - t)` on `[x, x + d]`; over
/// the block, `t` stays in `[j0/n, j1/n + d]`. A margin of `e^2` covers the rounding of
/// `p` and of the terms.
fn term_bound_ln(n: f64, d: f64, j0: f64, j1: f64) -> f64 {
    let (lo, hi) = (j0 / n, (j1 / n + d).min(1.0));
    let v = if lo <= 0.5 && 0.5 <= hi {
        0.25
    } else {
        (lo * (1.0 - lo)).max(hi * (1.0 - hi))
    };
    if v <= 0.0 {
        return 2.0;
    }
    2.0 - n * d * d / (2.0 * v)
}

/// `n! / n^n * x^n`, without overflow or underflow on the way (`0 <= x <= 1`).
fn scaled_factorial_power(n: u64, x: f64) -> f64 {
    let nf = n as f64;
    let mut v = 1.0_f64;
    for i in 1..=n {
        v *= i as f64 / nf * x;
        if v < 1e-300 {
            return 0.0;
        }
    }
    v
}

/// `ln(n!) - ln(sqrt(2 pi n) (n/e)^n)` (the error of Stirling's formula) for integer `n`.
fn stirlerr(n: f64) -> f64 {
    // ln(n!) - ln(sqrt(2 pi n) (n/e)^n) for n = 1..15, correctly rounded (mpmath, 40 digits).
    const TABLE: [f64; 16] = [
        0.0,
        0.081_061_466_795_327_26,
        0.041_340_695_955_409_3,
        0.027_677_925_684_998_34,
        0.020_790_672_103_765_093,
        0.016_644_691_189_821_193,
        0.013_876_128_823_070_748,
        0.011_896_709_945_891_77,
        0.010_411_265_261_972_096,
        0.009_255_462_182_712_733,
        0.008_330_563_433_362_87,
        0.007_573_675_487_951_841,
        0.006_942_840_107_209_53,
        0.006_408_994_188_004_207,
        0.005_951_370_112_758_847_5,
        0.005_554_733_551_962_801,
    ];
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    if n <= 15.0 {
        return TABLE[n as usize];
    }
    let nn = n * n;
    if n > 500.0 {
        return (S0 - S1 / nn) / n;
    }
    if n > 80.0 {
        return (S0 - (S1 - S2 / nn) / nn) / n;
    }
    if n > 35.0 {
        return (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n;
    }
    (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n
}

/// `x ln(x / np) + np - x`, the deviance term of Loader's binomial probability, without
/// cancellation when `x` is close to `np`.
fn bd0(x: f64, np: f64) -> f64 {
    if (x - np).abs() < 0.1 * (x + np) {
        let v = (x - np) / (x + np);
        let mut s = (x - np) * v;
        let mut ej = 2.0 * x * v;
        let v2 = v * v;
        for k in 1..1000 {
            ej *= v2;
            let s1 = s + ej / f64::from(2 * k + 1);
            if s1 == s {
                return s1;
            }
            s = s1;
        }
        return s;
    }
    x * (x / np).ln() + np - x
}

/// `C(n, x) p^x q^(n-x)` for integers `0 < x < n`, given `np` and `nq` (Loader 2000).
fn binomial_pmf(x: f64, n: f64, np: f64, nq: f64) -> f64 {
    let lc = stirlerr(n) - stirlerr(x) - stirlerr(n - x) - bd0(x, np) - bd0(n - x, nq);
    let lf = std::f64::consts::TAU.ln() + x.ln() + (-x / n).ln_1p();
    (lc - 0.5 * lf).exp()
}

/// `P(D_n < d)` by the Durbin matrix, as Marsaglia, Tsang and Wang (2003) evaluate it:
/// `n!/n^n (H^n)_{kk}` with `k = ceil(n d)`, `h = k - n d`. The power keeps a binary
/// exponent apart so that nothing overflows.
fn durbin_cdf(n: u64, d: f64) -> f64 {
    let nf = n as f64;
    let nd = nf * d;
    let kf = nd.ceil();
    let h = kf - nd;
    let k = kf as usize;
    let size = 2 * k - 1;
    let mut inv_fact = vec![1.0_f64; size + 1];
    let mut hpow = vec![1.0_f64; size + 1];
    for i in 1..=size {
        inv_fact[i] = inv_fact[i - 1] / i as f64;
        hpow[i] = hpow[i - 1] * h;
    }
    let mut hm = vec![0.0_f64; size * size];
    for i in 0..size {
        for j in 0..=(i + 1).min(size - 1) {
            hm[i * size + j] = inv_fact[i + 1 - j];
        }
    }
    for i in 0..size {
        hm[i * size] -= hpow[i + 1] * inv_fact[i + 1];
        hm[(size - 1) * size + i] -= hpow[size - i] * inv_fact[size - i];
    }
    if 2.0 * h - 1.0 > 0.0 {
        hm[(size - 1) * size] += (2.0 * h - 1.0).powi(size as i32) * inv_fact[size];
    }
    let (power, mut exponent) = matrix_power(&hm, size, n);
    let mut v = power[(k - 1) * size + (k - 1)];
    // times n! / n^n
    for i in 1..=n {
        v *= i as f64 / nf;
        if v != 0.0 && v < SCALE_DOWN {
            v *= SCALE_UP;
            exponent -= SCALE_BITS;
        }
    }
    ldexp(v, exponent).clamp(0.0, 1.0)
}

const SCALE_BITS: i32 = 256;
const SCALE_UP: f64 = 1.157_920_892_373_162e77; // 2^256
const SCALE_DOWN: f64 = 8.636_168_555_094_445e-78; // 2^-256

/// `v * 2^e` in steps that cannot overflow on the way.
fn ldexp(mut v: f64, mut e: i32) -> f64 {
    while e > 0 && v != 0.0 {
        let s = e.min(SCALE_BITS);
        v *= 2f64.powi(s);
        e -= s;
    }
    while e < 0 && v != 0.0 {
        let s = (-e).min(SCALE_BITS);
        v *= 2f64.powi(-s);
        e += s;
    }
    v
}

fn matmul(a: &[f64], b: &[f64], size: usize) -> Vec<f64> {
    let mut c = vec![0.0_f64; size * size];
    for i in 0..size {
        let ci = &mut c[i * size..(i + 1) * size];
        for k in 0..size {
            let aik = a[i * size + k];
            if aik == 0.0 {
                continue;
            }
            let bk = &b[k * size..(k + 1) * size];
            for (c, &b) in ci.iter_mut().zip(bk) {
                *c += aik * b;
            }
        }
    }
    c
}

/// Keeps the entries of a non-negative matrix below `2^256`, returning the exponent taken
/// out.
fn rescale(a: &mut [f64]) -> i32 {
    let max = a.iter().fold(0.0_f64, |m, &v| m.max(v.abs()));
    if max > SCALE_UP {
        for v in a.iter_mut() {
            *v *= SCALE_DOWN;
        }
        SCALE_BITS
    } else {
        0
    }
}

/// `A^p` as `(matrix, e)` with `A^p = matrix * 2^e`.
fn matrix_power(a: &[f64], size: usize, mut p: u64) -> (Vec<f64>, i32) {
    let mut result = vec![0.0_f64; size * size];
    for i in 0..size {
        result[i * size + i] = 1.0;
    }
    let mut result_exp = 0_i32;
    let mut base = a.to_vec();
    let mut base_exp = 0_i32;
    while p > 0 {
        if p & 1 == 1 {
            result = matmul(&result, &base, size);
            result_exp += base_exp + rescale(&mut result);
        }
        p >>= 1;
        if p > 0 {
            base = matmul(&base, &base, size);
            base_exp = 2 * base_exp + rescale(&mut base);
        }
    }
    (result, result_exp)
}

/// Pelz and Good's (1976) expansion of `P(D_n < d)` to order `n^(-3/2)`, in the form given
/// by Simard and L'Ecuyer (2011): `K0(z) + K1(z)/sqrt(n) + K2(z)/n + K3(z)/n^(3/2)` at
/// `z = d sqrt(n)`. The theta-type sums run until their terms stop mattering.
fn pelz_good_cdf(n: u64, d: f64) -> f64 {
    use std::f64::consts::PI;
    let nf = n as f64;
    let sqrt_n = nf.sqrt();
    let z = d * sqrt_n;
    let z2 = d * d * nf;
    let z4 = z2 * z2;
    let z6 = z4 * z2;
    let z8 = z4 * z4;
    let pi2 = PI * PI;
    let pi4 = pi2 * pi2;
    let pi6 = pi4 * pi2;

    // Sums over k >= k0 of term(k) until the terms are negligible.
    let series = |k0: u32, term: &dyn Fn(f64) -> f64| -> f64 {
        let mut sum = 0.0;
        for k in k0..10_000 {
            let t = term(f64::from(k));
            sum += t;
            if t.abs() <= 1e-20 * sum.abs() || t == 0.0 {
                break;
            }
        }
        sum
    };

    let k0 = series(1, &|k| {
        let a = 2.0 * k - 1.0;
        (-pi2 * a * a / (8.0 * z2)).exp()
    }) * (2.0 * PI).sqrt()
        / z;

    let half = |k: f64| k + 0.5;
    let gauss = |k2: f64| (-pi2 * k2 / (2.0 * z2)).exp();
    let s1 = series(0, &|k| {
        let k2 = half(k) * half(k);
        (pi2 * k2 - z2) * gauss(k2)
    });
    let sqrt_half_pi = (PI / 2.0).sqrt();
    let k1 = s1 * sqrt_half_pi / (3.0 * z4 * sqrt_n);

    let s2a = series(0, &|k| {
        let k2 = half(k) * half(k);
        (6.0 * z6 + 2.0 * z4 + pi2 * (2.0 * z4 - 5.0 * z2) * k2 + pi4 * (1.0 - 2.0 * z2) * k2 * k2)
            * gauss(k2)
    });
    let s2b = series(1, &|k| pi2 * k * k * gauss(k * k));
    let k2 = sqrt_half_pi / nf * (s2a / (36.0 * z6 * z) - s2b / (18.0 * z2 * z));

    let s3a = series(0, &|k| {
        let k2 = half(k) * half(k);
        let k4 = k2 * k2;
        let k6 = k4 * k2;
        (pi6 * k6 * (5.0 - 30.0 * z2)
            + pi4 * k4 * (-60.0 * z2 + 212.0 * z4)
            + pi2 * k2 * (135.0 * z4 - 96.0 * z6)
            - 30.0 * z6
            - 90.0 * z8)
            * gauss(k2)
    });
    let s3b = series(1, &|k| {
        let k2 = k * k;
        (-pi4 * k2 * k2 + 3.0 * pi2 * k2 * z2) * gauss(k2)
    });
    let k3 = sqrt_half_pi / (sqrt_n * nf) * (s3a / (3240.0 * z6 * z4) + s3b / (108.0 * z6));

    (k0 + k1 + k2 + k3).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact `C(a, b)` as f64 for small arguments.
    fn binom(a: u64, b: u64) -> f64 {
        let mut r = 1.0;
        for t in 0..b {
            r = r * (a - t) as f64 / (t + 1) as f64;
        }
        r
    }

    #[test]
    fn lattice_walk_matches_the_closed_forms_for_equal_sizes() {
        for n in 1..=40_u64 {
            let lat = Lattice::new(n, n);
            for h in 1..=n {
                let h128 = u128::from(h);
                let two = lat.exit_probability(h128, true);
                let one = lat.exit_probability(h128, false);
                let two_cf = equal_sizes_two_sided(n, h);
                let one_cf = equal_sizes_one_sided(n, h);
                assert!(
                    (two - two_cf).abs() <= 1e-13 * two_cf.max(1e-300),
                    "n={n} h={h} {two} {two_cf}"
                );
                assert!(
                    (one - one_cf).abs() <= 1e-13 * one_cf.max(1e-300),
                    "n={n} h={h} {one} {one_cf}"
                );
            }
        }
    }

    #[test]
    fn disjoint_samples_have_the_smallest_p_value() {
        // Only the two extreme interleavings reach D = 1.
        for (m, n) in [(3_u64, 5_u64), (7, 2), (10, 13)] {
            let lat = Lattice::new(m, n);
            let h = lat.lcm;
            let p = lat.exit_probability(h, true);
            let expected = 2.0 / binom(m + n, m);
            assert!((p / expected - 1.0).abs() < 1e-13, "{m} {n} {p} {expected}");
            let p1 = lat.exit_probability(h, false);
            assert!((p1 / (expected / 2.0) - 1.0).abs() < 1e-13);
        }
    }

    #[test]
    fn ksone_pruning_changes_at_most_the_last_bits() {
        for n in [1_000u64, 20_000, 100_000, 400_000] {
            let nf = n as f64;
            for nxx in [0.5, 2.2, 5.0, 20.0, 60.0, 150.0, 360.0] {
                let d = (nxx / nf).sqrt();
                let full = ksone_sf_pruned(n, d, false);
                let pruned = ksone_sf_pruned(n, d, true);
                assert!(
                    (pruned - full).abs() <= 4.0 * f64::EPSILON * full,
                    "n={n} d={d}: {pruned} vs {full}"
                );
            }
        }
    }

    #[test]
    fn ksone_small_n_matches_direct_sum() {
        // Direct Birnbaum-Tingey sum in plain arithmetic for small n.
        for n in 2..=12_u64 {
            for &d in &[0.05, 0.1, 0.23, 0.5, 0.77, 0.95] {
                let nf = n as f64;
                let mut s = 0.0;
                let mut j = 0;
                while (j as f64) <= nf * (1.0 - d) {
                    let jf = j as f64;
                    s += binom(n, j)
                        * (1.0 - d - jf / nf).powi((n - j) as i32)
                        * (d + jf / nf).powi(j as i32 - 1);
                    j += 1;
                }
                s *= d;
                let v = ksone_sf(n, d);
                assert!((v - s).abs() <= 1e-13 * s, "n={n} d={d} {v} {s}");
            }
        }
    }

    #[test]
    fn bucketed_sweep_with_a_sampled_coarse_histogram_finds_the_same_extremes() {
        // Sizes where the coarse pass reads a sample: values the sample misses (a lone far
        // outlier, a tiny cluster) must still have buckets.
        let mut state = 0x1234_5678_9ABC_DEF1_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for (m, n, levels) in [(200_000, 150_000, 0.0), (100_000, 300_000, 1000.0)] {
            let mut draw = |count: usize, shift: f64| -> Vec<f64> {
                (0..count)
                    .map(|_| {
                        let v = next() + shift;
                        if levels > 0.0 {
                            (v * levels).round() / levels
                        } else {
                            v
                        }
                    })
                    .collect()
            };
            let mut xs = draw(m, 0.0);
            let mut ys = draw(n, 0.01);
            xs[77] = -1.0e300;
            ys[5] = 7.5e-200;
            ys[6] = -3.0;
            let full = Sweep::run(&sorted(&xs), &sorted(&ys));
            let Some(b) = Sweep::bucketed(&xs, &ys, COARSE_BITS, VALUES_PER_BUCKET) else {
                panic!("finite samples were refused");
            };
            for (e, f) in [(b.max, full.max), (b.min, full.min)] {
                assert_eq!(
                    (e.diff.to_bits(), e.location.to_bits(), e.i, e.j),
                    (f.diff.to_bits(), f.location.to_bits(), f.i, f.j)
                );
            }
        }
    }

    #[test]
    fn bucketed_sweep_refuses_non_finite_values_for_validation_to_name() {
        let mut xs: Vec<f64> = (0..20_000).map(f64::from).collect();
        let ys = xs.clone();
        assert!(Sweep::bucketed(&xs, &ys, COARSE_BITS, VALUES_PER_BUCKET).is_some());
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            xs[12_345] = bad;
            assert!(Sweep::bucketed(&xs, &ys, COARSE_BITS, VALUES_PER_BUCKET).is_none());
            assert!(Sweep::bucketed(&ys, &xs, COARSE_BITS, VALUES_PER_BUCKET).is_none());
            let err = ks_2samp(&ys, &xs, KsParams::default()).unwrap_err();
            assert!(matches!(
                err,
                DriftError::Core(mlops_core::CoreError::NotFinite { ref input, index: 12_345, .. })
                    if input == names::CURRENT
            ));
        }
    }

    #[test]
    fn bucketed_sweep_finds_the_same_extremes_as_the_full_sweep() {
        // xorshift, seeded: tie-heavy and continuous samples, few and many buckets.
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for case in 0..400 {
            let m = 1 + (next() * 300.0) as usize;
            let n = 1 + (next() * 300.0) as usize;
            let levels = [2.0, 5.0, 40.0, 1e6][case % 4];
            let shift = next() * 0.3;
            let mut draw = |count: usize, s: f64| -> Vec<f64> {
                (0..count)
                    .map(|_| {
                        let v = ((next() + s) * levels).round() / levels - 0.5;
                        if v == 0.0 && case % 3 == 0 { -0.0 } else { v }
                    })
                    .collect()
            };
            let xs = draw(m, 0.0);
            let ys = draw(n, shift);
            let full = Sweep::run(&sorted(&xs), &sorted(&ys));
            for (bits, per) in [(1, 1), (3, 4), (6, 1000), (16, 16), (12, 2)] {
                let Some(b) = Sweep::bucketed(&xs, &ys, bits, per) else {
                    panic!("case {case}: finite samples were refused");
                };
                for (e, f) in [(b.max, full.max), (b.min, full.min)] {
                    assert_eq!(
                        (e.diff.to_bits(), e.location.to_bits(), e.i, e.j),
                        (f.diff.to_bits(), f.location.to_bits(), f.i, f.j),
                        "case {case} bits {bits}"
                    );
                }
            }
        }
    }

    #[test]
    fn stirlerr_table_meets_the_series() {
        // The series is accurate from n = 16; at 15 it still agrees to 1e-15.
        let nn = 15.0_f64 * 15.0;
        let series = (1.0 / 12.0
            - (1.0 / 360.0 - (1.0 / 1260.0 - (1.0 / 1680.0 - 1.0 / (1188.0 * nn)) / nn) / nn) / nn)
            / 15.0;
        assert!((stirlerr(15.0) - series).abs() < 1e-15);
    }
}
