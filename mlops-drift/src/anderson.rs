//! The Anderson-Darling k-sample test (Scholz and Stephens 1987): do `k >= 2` samples come
//! from one distribution? More sensitive than Kolmogorov-Smirnov to differences in the
//! tails, where drift in a risk model's inputs often starts.
//!
//! [`anderson_ksamp`] has the meaning of `scipy.stats.anderson_ksamp` (SciPy 1.17):
//!
//! * **Statistic.** With the pooled sample of size `N` sorted once, `Z*_1 < ... < Z*_L` its
//!   distinct values, `l_j` the multiplicity of `Z*_j`, and `M_ij` the count of sample `i`
//!   (size `n_i`) at or below `Z*_j`:
//!   * [`AdVariant::Midrank`] (SciPy's default, eq. 7 of the paper, for ties):
//!     `A²_akN = (N-1)/N Σ_i 1/n_i Σ_j l_j/N (N M_aij - n_i B_aj)² / (B_aj (N - B_aj) - N l_j/4)`
//!     with mid-ranks `M_aij = M_ij - f_ij/2` (`f_ij` the count of sample `i` equal to
//!     `Z*_j`) and `B_aj = B_j - l_j/2`, `B_j = l_1 + ... + l_j`;
//!   * [`AdVariant::Right`] (eq. 6): `A²_kN = Σ_i 1/n_i Σ_{j<L} l_j/N (N M_ij - n_i B_j)² /
//!     (B_j (N - B_j))`;
//!   * [`AdVariant::Continuous`] (eq. 3, no tie correction): the sum over the `N - 1` first
//!     pooled order statistics, `1/N Σ_i 1/n_i Σ_j (N M_ij - j n_i)² / (j (N - j))`.
//!
//!   The reported `statistic` is SciPy's standardised `(A² - (k - 1)) / σ_N` with `σ_N²`
//!   the exact finite-sample variance of eq. 4 of the paper (defined for `N >= 4`).
//! * **Critical values** at the levels `0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001`:
//!   `b0 + b1 / sqrt(k - 1) + b2 / (k - 1)` with the coefficients of Table 2 of the paper.
//! * **P-value, [`AdMethod::Interpolated`]** (SciPy's): `exp` of the least-squares quadratic
//!   through `(critical value, ln level)`, evaluated at the statistic; outside the table it
//!   is capped at 0.25 or floored at 0.001 and [`AndersonResult::pvalue_limit`] says so
//!   (SciPy only warns).
//! * **P-value, [`AdMethod::Permutation`]**: the permutation distribution of `A²`, as
//!   `scipy.stats.anderson_ksamp(..., method=PermutationMethod(n_resamples))`: when the
//!   number of distinct assignments of the pooled values to the samples (the multinomial
//!   `N! / (n_1! ... n_k!)`) is at most `resamples`, every assignment is enumerated and the
//!   p-value is exact; otherwise `resamples` seeded random assignments are drawn (in
//!   parallel, each from its own stream, so the result does not depend on the number of
//!   threads) and `p = (1 + #{A²* >= A²}) / (1 + resamples)`. Ties with the observed value
//!   within `100 ε |A²|` count as reaching it (SciPy's rule). No cap, no floor.
//!
//! Cost: one `O(N log N)` sort of the pooled sample; each evaluation of `A²` (the observed
//! one and each permutation) is then one `O(N + k L)` sweep of the sorted labels.
//!
//! Effect size: [`AndersonResult::distance`] `= A² / N`, the sample-size-free weighted
//! distance `Σ_i (n_i/N) ∫ (F_i - H)² / (H (1 - H)) dH` between each sample's empirical CDF
//! `F_i` and the pooled one `H` (the unstandardised statistic divided by `N`).
//!
//! # References
//! * Scholz, F. W. and Stephens, M. A. (1987). K-sample Anderson-Darling tests. *Journal of
//!   the American Statistical Association* 82(399), 918-924.

use mlops_core::CoreError;
use mlops_core::rng::{replicate_rng, shuffle};
use serde::{Deserialize, Serialize};
use strum::{Display, EnumIter, EnumString, IntoStaticStr, VariantNames};

use crate::DriftError;

/// The significance levels of the critical values (Scholz and Stephens 1987, Table 2, as
/// tabulated by SciPy).
pub const SIGNIFICANCE_LEVELS: [f64; 7] = [0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001];

/// Default number of random permutations for [`AdMethod::Permutation`] (SciPy's).
pub const DEFAULT_RESAMPLES: usize = 9999;

const B0: [f64; 7] = [0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085];
const B1: [f64; 7] = [-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615];
const B2: [f64; 7] = [-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154];

/// Which form of the statistic (how ties are treated).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(Display, EnumString, IntoStaticStr, EnumIter, VariantNames)]
#[strum(
    serialize_all = "lowercase",
    parse_err_ty = DriftError,
    parse_err_fn = AdVariant::unknown
)]
pub enum AdVariant {
    /// Mid-ranks for tied values (eq. 7; SciPy's default `midrank=True`).
    #[default]
    Midrank,
    /// Right-continuous empirical CDFs at the distinct values (eq. 6; `midrank=False`).
    Right,
    /// The continuous-data form over the pooled order statistics (eq. 3;
    /// `variant="continuous"`).
    Continuous,
}

impl AdVariant {
    fn unknown(given: &str) -> DriftError {
        CoreError::unknown_choice("variant", given, Self::VARIANTS).into()
    }
}

/// How the p-value is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(Display, EnumString, IntoStaticStr, EnumIter, VariantNames)]
#[strum(
    serialize_all = "lowercase",
    parse_err_ty = DriftError,
    parse_err_fn = AdMethod::unknown
)]
pub enum AdMethod {
    /// SciPy's interpolation in the table of critical values (capped to `[0.001, 0.25]`).
    #[default]
    Interpolated,
    /// The permutation distribution (exact when small, seeded Monte Carlo otherwise).
    Permutation,
}

impl AdMethod {
    fn unknown(given: &str) -> DriftError {
        CoreError::unknown_choice("method", given, Self::VARIANTS).into()
    }
}

/// How a p-value was actually obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AdPValueMethod {
    /// Interpolated in the table of critical values.
    Interpolated,
    /// Every distinct assignment of the pooled values was enumerated.
    ExactPermutation,
    /// Seeded random permutations.
    RandomPermutation,
}

/// Where an interpolated p-value hit the end of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PValueLimit {
    /// The statistic is below the smallest critical value: the true p-value exceeds 0.25.
    Capped,
    /// The statistic is above the largest critical value: the true p-value is below 0.001.
    Floored,
}

/// The parameters of [`anderson_ksamp`] (every field optional when read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct AndersonParams {
    /// The form of the statistic.
    pub variant: AdVariant,
    /// How to compute the p-value.
    pub method: AdMethod,
    /// Random permutations drawn by [`AdMethod::Permutation`] (at least 1).
    pub resamples: usize,
    /// Seed of the permutations.
    pub seed: u64,
}

impl Default for AndersonParams {
    fn default() -> Self {
        Self {
            variant: AdVariant::Midrank,
            method: AdMethod::Interpolated,
            resamples: DEFAULT_RESAMPLES,
            seed: 0,
        }
    }
}

/// The outcome of [`anderson_ksamp`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AndersonResult {
    /// SciPy's standardised statistic `(A² - (k - 1)) / σ_N`; `None` when `N < 4` (the
    /// variance is undefined).
    pub statistic: Option<f64>,
    /// The p-value; `None` for [`AdMethod::Interpolated`] when `statistic` is `None`.
    pub pvalue: Option<f64>,
    /// How the p-value was obtained (`None` with the p-value).
    pub pvalue_method: Option<AdPValueMethod>,
    /// For an interpolated p-value outside the table: capped at 0.25 or floored at 0.001.
    pub pvalue_limit: Option<PValueLimit>,
    /// Critical values of `statistic` at [`SIGNIFICANCE_LEVELS`].
    pub critical_values: Vec<f64>,
    /// [`SIGNIFICANCE_LEVELS`].
    pub significance_levels: Vec<f64>,
    /// The unstandardised `A²` of the variant.
    pub a2: f64,
    /// Effect size `A² / N` (see the [module documentation](self)).
    pub distance: f64,
    /// `σ_N`, the standard deviation of `A²` under the null hypothesis (`None` when
    /// `N < 4`).
    pub sigma: Option<f64>,
    /// The variant of the statistic.
    pub variant: AdVariant,
    /// Sizes of the samples.
    pub sample_sizes: Vec<usize>,
    /// Permutations evaluated (the multinomial count when exact); `None` when interpolated.
    pub resamples: Option<usize>,
    /// The seed of random permutations; `None` unless they were drawn.
    pub seed: Option<u64>,
}

/// The name of sample `i` in errors.
pub fn sample_name(i: usize) -> String {
    format!("samples[{i}]")
}

/// The pooled sample, sorted once: the sample label of each sorted position and the tie
/// groups (start, length).
pub(crate) struct Pooled {
    pub(crate) labels: Vec<u32>,
    pub(crate) groups: Vec<(usize, usize)>,
    pub(crate) sizes: Vec<usize>,
}

impl Pooled {
    pub(crate) fn new(samples: &[&[f64]]) -> Result<Self, DriftError> {
        let mut pairs: Vec<(f64, u32)> = Vec::with_capacity(samples.iter().map(|s| s.len()).sum());
        for (i, s) in samples.iter().enumerate() {
            if s.is_empty() {
                return Err(DriftError::empty(sample_name(i)));
            }
            if let Some((index, &value)) = s.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(DriftError::not_finite(sample_name(i), index, value));
            }
            let label = u32::try_from(i).map_err(|_| {
                DriftError::invalid_parameter(
                    "samples",
                    samples.len().to_string(),
                    "at most 2^32 samples",
                )
            })?;
            pairs.extend(s.iter().map(|&v| (if v == 0.0 { 0.0 } else { v }, label)));
        }
        pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut groups = Vec::new();
        let mut start = 0;
        for i in 1..=pairs.len() {
            if i == pairs.len() || pairs[i].0 != pairs[start].0 {
                groups.push((start, i - start));
                start = i;
            }
        }
        Ok(Self {
            labels: pairs.iter().map(|p| p.1).collect(),
            groups,
            sizes: samples.iter().map(|s| s.len()).collect(),
        })
    }

    /// Whether every observation has the same value.
    pub(crate) fn constant(&self) -> bool {
        self.groups.len() < 2
    }
}

/// Reusable buffers for one evaluation of `A²`.
struct Scratch {
    below: Vec<f64>,
    equal: Vec<f64>,
    acc: Vec<f64>,
}

impl Scratch {
    fn new(k: usize) -> Self {
        Self {
            below: vec![0.0; k],
            equal: vec![0.0; k],
            acc: vec![0.0; k],
        }
    }
}

/// `A²` of the variant for the sample labels `labels` over the sorted pooled positions.
fn a2_of(
    labels: &[u32],
    groups: &[(usize, usize)],
    sizes: &[usize],
    variant: AdVariant,
    s: &mut Scratch,
) -> f64 {
    let nf = labels.len() as f64;
    s.below.iter_mut().for_each(|v| *v = 0.0);
    s.acc.iter_mut().for_each(|v| *v = 0.0);
    let last = groups.len() - 1;
    for (g, &(start, len)) in groups.iter().enumerate() {
        s.equal.iter_mut().for_each(|v| *v = 0.0);
        for &l in &labels[start..start + len] {
            s.equal[l as usize] += 1.0;
        }
        let lj = len as f64;
        match variant {
            AdVariant::Midrank => {
                let bj = start as f64 + lj / 2.0;
                let denom = bj * (nf - bj) - nf * lj / 4.0;
                for (i, &ni) in sizes.iter().enumerate() {
                    let mij = s.below[i] + s.equal[i] / 2.0;
                    let d = nf * mij - bj * ni as f64;
                    s.acc[i] += lj / nf * d * d / denom;
                }
            }
            AdVariant::Right => {
                if g < last {
                    let bj = (start + len) as f64;
                    let denom = bj * (nf - bj);
                    for (i, &ni) in sizes.iter().enumerate() {
                        let d = nf * (s.below[i] + s.equal[i]) - bj * ni as f64;
                        s.acc[i] += lj / nf * d * d / denom;
                    }
                }
            }
            AdVariant::Continuous => {
                let end = (start + len).min(labels.len() - 1);
                for (i, &ni) in sizes.iter().enumerate() {
                    let mij = s.below[i] + s.equal[i];
                    let ni = ni as f64;
                    for j in (start + 1)..=end {
                        let jf = j as f64;
                        let d = nf * mij - jf * ni;
                        s.acc[i] += d * d / (jf * (nf - jf));
                    }
                }
            }
        }
        for (b, e) in s.below.iter_mut().zip(&s.equal) {
            *b += e;
        }
    }
    let total: f64 = s.acc.iter().zip(sizes).map(|(a, &n)| a / n as f64).sum();
    match variant {
        AdVariant::Midrank => total * (nf - 1.0) / nf,
        AdVariant::Right => total,
        AdVariant::Continuous => total / nf,
    }
}

/// The critical values of the standardised statistic for `k` samples.
pub fn critical_values(k: usize) -> [f64; 7] {
    let m = (k - 1) as f64;
    std::array::from_fn(|i| B0[i] + B1[i] / m.sqrt() + B2[i] / m)
}

/// `σ_N²`, the variance of `A²` under the null hypothesis (Scholz and Stephens, eq. 4);
/// `None` for `N < 4`.
fn variance(sizes: &[usize]) -> Option<f64> {
    let big_n = sizes.iter().sum::<usize>();
    if big_n < 4 {
        return None;
    }
    let nf = big_n as f64;
    let k = sizes.len() as f64;
    let hh: f64 = sizes.iter().map(|&n| 1.0 / n as f64).sum();
    // h = Σ_{i=1}^{N-1} 1/i; g = Σ_{i=1}^{N-2} Σ_{j=i+1}^{N-1} 1/((N - i) j), accumulated
    // the way SciPy does (cumulative sums of 1/(N-1), 1/(N-2), ..., 1/2).
    let mut cs = 0.0;
    let mut g = 0.0;
    for (idx, i) in (2..big_n).rev().enumerate() {
        cs += 1.0 / i as f64;
        g += cs / (idx + 2) as f64;
    }
    let h = cs + 1.0;
    let a = (4.0 * g - 6.0) * (k - 1.0) + (10.0 - 6.0 * g) * hh;
    let b = (2.0 * g - 4.0) * k * k + 8.0 * h * k + (2.0 * g - 14.0 * h - 4.0) * hh - 8.0 * h
        + 4.0 * g
        - 6.0;
    let c = (6.0 * h + 2.0 * g - 2.0) * k * k
        + (4.0 * h - 4.0 * g + 6.0) * k
        + (2.0 * h - 6.0) * hh
        + 4.0 * h;
    let d = (2.0 * h + 6.0) * k * k - 4.0 * h * k;
    let v = (a * nf.powi(3) + b * nf * nf + c * nf + d) / ((nf - 1.0) * (nf - 2.0) * (nf - 3.0));
    (v.is_finite() && v > 0.0).then_some(v)
}

/// The least-squares quadratic `c0 x² + c1 x + c2` through the points, by Householder QR
/// of the column-scaled Vandermonde matrix (as `numpy.polyfit(x, y, 2)` sets it up).
fn quadratic_fit(x: &[f64; 7], y: &[f64; 7]) -> [f64; 3] {
    let mut a = [[0.0_f64; 3]; 7];
    for (row, &xi) in a.iter_mut().zip(x) {
        *row = [xi * xi, xi, 1.0];
    }
    let mut scale = [0.0_f64; 3];
    for (c, s) in scale.iter_mut().enumerate() {
        *s = a.iter().map(|r| r[c] * r[c]).sum::<f64>().sqrt();
        for r in a.iter_mut() {
            r[c] /= *s;
        }
    }
    let mut b = *y;
    for c in 0..3 {
        let norm = a[c..].iter().map(|r| r[c] * r[c]).sum::<f64>().sqrt();
        let alpha = if a[c][c] > 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = a[c..].iter().map(|r| r[c]).collect();
        v[0] -= alpha;
        let vv: f64 = v.iter().map(|t| t * t).sum();
        if vv == 0.0 {
            continue;
        }
        for cc in c..3 {
            let dot: f64 = v.iter().zip(&a[c..]).map(|(vi, r)| vi * r[cc]).sum();
            let f = 2.0 * dot / vv;
            for (vi, r) in v.iter().zip(a[c..].iter_mut()) {
                r[cc] -= f * vi;
            }
        }
        let dot: f64 = v.iter().zip(&b[c..]).map(|(vi, bi)| vi * bi).sum();
        let f = 2.0 * dot / vv;
        for (vi, bi) in v.iter().zip(b[c..].iter_mut()) {
            *bi -= f * vi;
        }
    }
    let mut coef = [0.0_f64; 3];
    for c in (0..3).rev() {
        let s: f64 = ((c + 1)..3).map(|j| a[c][j] * coef[j]).sum();
        coef[c] = (b[c] - s) / a[c][c];
    }
    for (c, s) in coef.iter_mut().zip(scale) {
        *c /= s;
    }
    coef
}

/// SciPy's interpolated p-value of the standardised statistic for `k` samples.
fn interpolated_pvalue(statistic: f64, critical: &[f64; 7]) -> (f64, Option<PValueLimit>) {
    let lo = critical.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = critical.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if statistic < lo {
        return (0.25, Some(PValueLimit::Capped));
    }
    if statistic > hi {
        return (0.001, Some(PValueLimit::Floored));
    }
    let ln_sig = SIGNIFICANCE_LEVELS.map(f64::ln);
    let c = quadratic_fit(critical, &ln_sig);
    (
        (c[0] * statistic + c[1]).mul_add(statistic, c[2]).exp(),
        None,
    )
}

/// `N! / (n_1! ... n_k!)` if it is at most `limit`.
fn multinomial_at_most(sizes: &[usize], limit: usize) -> Option<usize> {
    let mut total: u128 = 1;
    let mut seen: u128 = 0;
    for &n in sizes {
        for j in 1..=n as u128 {
            seen += 1;
            // C(seen, j) built incrementally: total * seen / j stays an integer.
            total = total * seen / j;
            if total > limit as u128 {
                return None;
            }
        }
    }
    usize::try_from(total).ok()
}

/// The next lexicographic arrangement of a multiset, in place; `false` after the last.
fn next_arrangement(v: &mut [u32]) -> bool {
    let Some(i) = (1..v.len()).rev().find(|&i| v[i - 1] < v[i]) else {
        return false;
    };
    let pivot = i - 1;
    let Some(j) = (i..v.len()).rev().find(|&j| v[j] > v[pivot]) else {
        return false;
    };
    v.swap(pivot, j);
    v[i..].reverse();
    true
}

/// Counts permuted statistics at or above `observed` (within SciPy's tolerance) and
/// returns `(p-value, permutations evaluated, method)`.
fn permutation_pvalue(
    pooled: &Pooled,
    variant: AdVariant,
    observed: f64,
    resamples: usize,
    seed: u64,
) -> (f64, usize, AdPValueMethod) {
    let k = pooled.sizes.len();
    let threshold = observed - (100.0 * f64::EPSILON * observed).abs();
    if let Some(total) = multinomial_at_most(&pooled.sizes, resamples) {
        let mut labels = pooled.labels.clone();
        labels.sort_unstable();
        let mut s = Scratch::new(k);
        let mut hits = 0usize;
        loop {
            if a2_of(&labels, &pooled.groups, &pooled.sizes, variant, &mut s) >= threshold {
                hits += 1;
            }
            if !next_arrangement(&mut labels) {
                break;
            }
        }
        return (
            hits as f64 / total as f64,
            total,
            AdPValueMethod::ExactPermutation,
        );
    }
    let one = |r: usize, (labels, s): &mut (Vec<u32>, Scratch)| -> usize {
        labels.copy_from_slice(&pooled.labels);
        let mut rng = replicate_rng(seed, r);
        shuffle(labels, &mut rng);
        usize::from(a2_of(labels, &pooled.groups, &pooled.sizes, variant, s) >= threshold)
    };
    let init = || (pooled.labels.clone(), Scratch::new(k));
    let hits: usize =
        mlops_core::parallel::map_range_init(true, resamples, init, |st, r| one(r, st))
            .into_iter()
            .sum();
    (
        (hits + 1) as f64 / (resamples + 1) as f64,
        resamples,
        AdPValueMethod::RandomPermutation,
    )
}

/// The Anderson-Darling k-sample test of `samples`, like `scipy.stats.anderson_ksamp`.
///
/// # Examples
/// ```
/// use mlops_drift::{anderson_ksamp, AdMethod, AndersonParams};
/// let training = [0.1, 0.4, 0.5, 0.9, 1.3, 1.6, 2.0, 2.2, 2.9, 3.1];
/// let production = [2.4, 2.8, 3.0, 3.3, 3.9, 4.4, 4.8, 5.0];
/// let r = anderson_ksamp(&[&training[..], &production[..]], AndersonParams::default())?;
/// assert!(r.statistic.is_some_and(|s| s > r.critical_values[2])); // reject at 5%
/// assert!(r.pvalue.is_some_and(|p| p < 0.05));
///
/// // The permutation p-value has no table limits (C(18, 8) = 43758 orderings exceed the
/// // 9999 resamples, so 9999 seeded random permutations are drawn).
/// let params = AndersonParams { method: AdMethod::Permutation, seed: 7, ..Default::default() };
/// let p = anderson_ksamp(&[&training[..], &production[..]], params)?;
/// assert!(p.pvalue.is_some_and(|p| p < 0.01));
/// # Ok::<(), mlops_drift::DriftError>(())
/// ```
///
/// # Errors
/// [`CoreError::InvalidParameter`] naming `samples` when fewer than two are given or
/// `resamples` when it is 0; [`CoreError::EmptyInput`] and
/// [`CoreError::NotFinite`] naming the sample (`samples[i]`); and
/// [`DriftError::NoVariation`] when every observation has the same value.
pub fn anderson_ksamp(
    samples: &[&[f64]],
    params: AndersonParams,
) -> Result<AndersonResult, DriftError> {
    let k = samples.len();
    if k < 2 {
        return Err(DriftError::invalid_parameter(
            "samples",
            k.to_string(),
            "the k-sample test needs at least two samples",
        ));
    }
    if params.resamples == 0 {
        return Err(DriftError::invalid_parameter(
            "resamples",
            "0",
            "expected at least 1 permutation",
        ));
    }
    let pooled = Pooled::new(samples)?;
    if pooled.constant() {
        return Err(DriftError::NoVariation {
            value: samples
                .iter()
                .find_map(|s| s.first().copied())
                .unwrap_or(0.0),
        });
    }
    let mut scratch = Scratch::new(k);
    let a2 = a2_of(
        &pooled.labels,
        &pooled.groups,
        &pooled.sizes,
        params.variant,
        &mut scratch,
    );
    let sigma = variance(&pooled.sizes).map(f64::sqrt);
    let m = (k - 1) as f64;
    let statistic = sigma.map(|s| (a2 - m) / s);
    let critical = critical_values(k);
    let big_n = pooled.labels.len();

    let (pvalue, pvalue_method, pvalue_limit, resamples, seed) = match params.method {
        AdMethod::Interpolated => match statistic {
            Some(st) => {
                let (p, limit) = interpolated_pvalue(st, &critical);
                (
                    Some(p),
                    Some(AdPValueMethod::Interpolated),
                    limit,
                    None,
                    None,
                )
            }
            None => (None, None, None, None, None),
        },
        AdMethod::Permutation => {
            let (p, count, method) =
                permutation_pvalue(&pooled, params.variant, a2, params.resamples, params.seed);
            let seed = (method == AdPValueMethod::RandomPermutation).then_some(params.seed);
            (Some(p), Some(method), None, Some(count), seed)
        }
    };

    Ok(AndersonResult {
        statistic,
        pvalue,
        pvalue_method,
        pvalue_limit,
        critical_values: critical.to_vec(),
        significance_levels: SIGNIFICANCE_LEVELS.to_vec(),
        a2,
        distance: a2 / big_n as f64,
        sigma,
        variant: params.variant,
        sample_sizes: pooled.sizes,
        resamples,
        seed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quadratic_fit_recovers_an_exact_parabola() {
        let x = [0.3, 0.9, 1.4, 1.9, 2.5, 3.0, 4.1];
        let y = x.map(|t| 0.5 * t * t - 1.5 * t + 2.0);
        let c = quadratic_fit(&x, &y);
        assert!((c[0] - 0.5).abs() < 1e-13 && (c[1] + 1.5).abs() < 1e-13);
        assert!((c[2] - 2.0).abs() < 1e-13);
    }

    #[test]
    fn arrangements_enumerate_the_multinomial() {
        let mut v = vec![0, 0, 1, 1, 1, 2];
        let mut count = 1;
        while next_arrangement(&mut v) {
            count += 1;
        }
        assert_eq!(count, 60); // 6! / (2! 3! 1!)
        assert_eq!(multinomial_at_most(&[2, 3, 1], 100), Some(60));
        assert_eq!(multinomial_at_most(&[2, 3, 1], 59), None);
    }
}
