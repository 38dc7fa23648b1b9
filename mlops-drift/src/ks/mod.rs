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

pub use mlops_core::Alternative;
pub use mlops_core::special::{ksone_sf, kstwo_sf};
use serde::{Deserialize, Serialize};
use strum::{Display, EnumString, IntoStaticStr, VariantNames};

use crate::DriftError;

mod exact;
mod sweep;

use exact::Lattice;
use sweep::Sweep;

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

/// From this many pooled values on, the extremes are found by `Sweep::bucketed` instead of
/// sorting both samples.
const BUCKETED_MIN: usize = 1 << 14;

/// `log2` of the number of coarse buckets of `Sweep::bucketed`: the sign and the exponent,
/// so that the coarse tables stay in the L1 cache; fine buckets split each binade evenly.
const COARSE_BITS: u32 = 12;

/// Both samples at least this large are scanned in parallel.
pub(crate) const PARALLEL_MIN: usize = 1 << 16;

/// About how many values a fine bucket of `Sweep::bucketed` holds where data are dense.
const VALUES_PER_BUCKET: usize = 32;

/// How the p-value is to be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(Display, EnumString, IntoStaticStr, VariantNames)]
#[strum(
    serialize_all = "lowercase",
    parse_err_ty = DriftError,
    parse_err_fn = KsMethod::unknown
)]
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
        self.into()
    }

    fn unknown(given: &str) -> DriftError {
        mlops_core::CoreError::unknown_choice("method", given, Self::VARIANTS).into()
    }
}

/// How a p-value was actually computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(Display, IntoStaticStr)]
#[strum(serialize_all = "lowercase")]
pub enum PValueMethod {
    /// The exact null distribution.
    Exact,
    /// The asymptotic approximation.
    Asymp,
}

impl PValueMethod {
    /// `"exact"` or `"asymp"`.
    pub fn name(self) -> &'static str {
        self.into()
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

/// `max |F - G|` of two samples sorted by value whose observations carry counts (a
/// sketch's weighted items): the two-sided statistic of [`ks_2samp`] on the samples with
/// every value repeated by its count, from the same sweep. Both samples must hold
/// observations (the monitor reports an empty side before testing).
pub(crate) fn weighted_distance(xs: &[(f64, u64)], ys: &[(f64, u64)]) -> f64 {
    let sweep = Sweep::run(xs, ys);
    sweep.max.diff.max(-sweep.min.diff)
}

/// `-0.0` as `0.0` (the two are one value of the empirical CDF).
#[inline]
fn fold_zero(v: f64) -> f64 {
    if v == 0.0 { 0.0 } else { v }
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
