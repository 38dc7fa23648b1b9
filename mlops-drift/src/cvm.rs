//! The two-sample Cramér-von Mises test: a quadratic distance between the empirical CDFs
//! of `reference` (size `m`) and `current` (size `n`), integrated over the pooled sample.
//!
//! [`cramervonmises_2samp`] has the meaning, the methods and the `"auto"` switch-over rule of
//! `scipy.stats.cramervonmises_2samp` (SciPy 1.17):
//!
//! * **Statistic** (Anderson 1962, eqs. 9-10): with `r_i` the ranks of the sorted reference
//!   values and `s_j` those of the sorted current values in the pooled sample (mid-ranks for
//!   ties, as SciPy), `U = m Σ_i (r_i - i)² + n Σ_j (s_j - j)²` and
//!   `T = U / (m n N) - (4 m n - 1) / (6 N)`, `N = m + n`.
//! * **Exact p-value** (`P(T >= t)` over the `C(N, m)` equally likely interleavings, for
//!   samples without ties): the algorithm of Xiao, Gordon and Yakovlev (2006). With
//!   `L = lcm(m, n)`, `a = L/m`, `b = L/n`, every interleaving is a monotone lattice path
//!   and `U` is an affine function of `ζ = Σ (a v - b u)²` over the path's points `(u, v)`.
//!   A dynamic programme over the `(m + 1)(n + 1)` lattice points keeps, at each point, the
//!   frequency table of the partial sums `ζ` reaching it (a sorted list merged from the
//!   point's two predecessors, then shifted by the point's own term); the p-value is the
//!   share of paths at `(n, m)` with `ζ` at or above the observed one (computed from `U` by
//!   SciPy's formula, float floor division included, so ties map the same way).
//!   **Cost:** `O(Σ_points D(u, v))` time, where `D(u, v)` is the number of distinct partial
//!   sums at a point (at most `min(C(u + v, u), L² N)`), and `O(m D)` memory for two rows;
//!   for `m, n <= 20` (the `"auto"` range) this is milliseconds. An explicit `"exact"` on
//!   larger samples falls back to the asymptotic p-value when the table would exceed
//!   [`EXACT_MAX_STATES`] entries, and [`CvmResult::method`] says so.
//! * **Asymptotic p-value**: `T` standardised with its exact mean and variance (Anderson
//!   1962, eqs. 11 and 14) to `T_n = 1/6 + (T - E T) / sqrt(45 Var T)`, referred to the
//!   limiting one-sample distribution (Csörgő and Faraway 1996, eq. 1.2): the series
//!   `Σ_k Γ(k + 1/2) / (Γ(k + 1) π^{3/2} sqrt(x)) sqrt(4k + 1) e^{-q_k} K_{1/4}(q_k)`,
//!   `q_k = (4k + 1)² / (16 x)`, summed as SciPy does (until a term is below `1e-7`; `p = 1`
//!   for `T_n < 0.003`). `K_{1/4}` is evaluated from its integral
//!   `∫_0^∞ e^{-q cosh t} cosh(t/4) dt` by the trapezoidal rule, which converges
//!   geometrically for this analytic, doubly exponentially decaying integrand.
//!
//! Effect size: [`CvmResult::distance`] `= T N / (m n)`, the sample-size-free
//! `∫ (F_m - G_n)² dH_N` over the pooled empirical distribution `H_N` (exactly so without
//! ties).
//!
//! # References
//! * Anderson, T. W. (1962). On the distribution of the two-sample Cramér-von Mises
//!   criterion. *Annals of Mathematical Statistics* 33(3), 1148-1159.
//! * Xiao, Y., Gordon, A. and Yakovlev, A. (2006). A C++ program for the Cramér-von Mises
//!   two-sample test. *Journal of Statistical Software* 17(8).
//! * Csörgő, S. and Faraway, J. J. (1996). The exact and asymptotic distributions of
//!   Cramér-von Mises statistics. *JRSS B* 58(1), 221-234.

use mlops_core::CoreError;
use mlops_core::integer::gcd;
use serde::{Deserialize, Serialize};
use strum::{Display, EnumIter, EnumString, IntoStaticStr, VariantNames};

use crate::DriftError;
use crate::ks::names;

/// `"auto"` uses the exact distribution when both samples have at most this many
/// observations (SciPy's rule).
pub const AUTO_EXACT_MAX_SIZE: usize = 20;

/// An explicit `"exact"` falls back to the asymptotic p-value once the frequency tables
/// have held this many entries in total (a few seconds of work).
pub const EXACT_MAX_STATES: u64 = 300_000_000;

/// How the p-value is to be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(Display, EnumString, IntoStaticStr, EnumIter, VariantNames)]
#[strum(
    serialize_all = "lowercase",
    parse_err_ty = DriftError,
    parse_err_fn = CvmMethod::unknown
)]
pub enum CvmMethod {
    /// Exact when both samples have at most [`AUTO_EXACT_MAX_SIZE`] observations.
    #[default]
    Auto,
    /// The exact distribution (falls back beyond [`EXACT_MAX_STATES`]).
    Exact,
    /// The asymptotic distribution.
    Asymptotic,
}

impl CvmMethod {
    fn unknown(given: &str) -> DriftError {
        CoreError::unknown_choice("method", given, Self::VARIANTS).into()
    }
}

/// How the p-value was actually computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CvmPValueMethod {
    /// The exact permutation distribution.
    Exact,
    /// The asymptotic distribution.
    Asymptotic,
}

/// The outcome of [`cramervonmises_2samp`], with SciPy's field names.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CvmResult {
    /// The statistic `T`.
    pub statistic: f64,
    /// The p-value.
    pub pvalue: f64,
    /// How the p-value was computed.
    pub method: CvmPValueMethod,
    /// `U` (Anderson's rank statistic).
    pub u: f64,
    /// Effect size `T N / (m n)` (see the [module documentation](self)).
    pub distance: f64,
    /// `m`.
    pub reference_size: usize,
    /// `n`.
    pub current_size: usize,
}

/// Checks one sample (at least two finite values).
fn checked(sample: &str, values: &[f64]) -> Result<(), DriftError> {
    if values.is_empty() {
        return Err(DriftError::empty(sample));
    }
    if let Some((index, &value)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(DriftError::not_finite(sample, index, value));
    }
    if values.len() < 2 {
        return Err(DriftError::TooFewObservations {
            sample: sample.to_owned(),
            found: values.len(),
            needed: 2,
        });
    }
    Ok(())
}

/// `U` from mid-ranks in the pooled sample: one sort, one sweep.
fn rank_statistic(reference: &[f64], current: &[f64]) -> f64 {
    let mut pooled: Vec<(f64, bool)> = reference
        .iter()
        .map(|&v| (v, false))
        .chain(current.iter().map(|&v| (v, true)))
        .map(|(v, c)| (if v == 0.0 { 0.0 } else { v }, c))
        .collect();
    pooled.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let (mut sx, mut sy) = (0.0_f64, 0.0_f64);
    let (mut ix, mut iy) = (0.0_f64, 0.0_f64);
    let mut start = 0;
    while start < pooled.len() {
        let mut end = start + 1;
        while end < pooled.len() && pooled[end].0 == pooled[start].0 {
            end += 1;
        }
        // 1-based positions start+1 ..= end; their average.
        let midrank = (start + 1 + end) as f64 / 2.0;
        for &(_, is_current) in &pooled[start..end] {
            if is_current {
                iy += 1.0;
                sy += (midrank - iy) * (midrank - iy);
            } else {
                ix += 1.0;
                sx += (midrank - ix) * (midrank - ix);
            }
        }
        start = end;
    }
    reference.len() as f64 * sx + current.len() as f64 * sy
}

/// `a // b` for floats, as Python and NumPy compute it (fmod-based, rounded to the nearest
/// integer of the exact quotient).
fn py_floordiv(a: f64, b: f64) -> f64 {
    let rem = a % b;
    let mut div = (a - rem) / b;
    if rem != 0.0 && ((b < 0.0) != (rem < 0.0)) {
        div -= 1.0;
    }
    if div != 0.0 {
        let mut fl = div.floor();
        if div - fl > 0.5 {
            fl += 1.0;
        }
        fl
    } else {
        0.0_f64.copysign(a / b)
    }
}

/// Merges two sorted frequency tables.
fn merge_tables(a: &[(u64, f64)], b: &[(u64, f64)], out: &mut Vec<(u64, f64)>) {
    out.clear();
    out.reserve(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push((a[i].0, a[i].1 + b[j].1));
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
}

/// The exact p-value of `U = u` (Xiao, Gordon and Yakovlev 2006); `None` when the work
/// would exceed `max_states`.
fn exact_pvalue(u: f64, m: usize, n: usize, max_states: u64) -> Option<f64> {
    let (m64, n64) = (m as u64, n as u64);
    let lcm = m64 / gcd(m64, n64) * n64;
    let (a, b) = (lcm / m64, lcm / n64);
    let mn = (m64 * n64) as f64;
    let zeta = py_floordiv(
        (lcm * lcm * (m64 + n64)) as f64 * (6.0 * u - mn * (4.0 * mn - 1.0)),
        6.0 * mn * mn,
    );
    // Row u = -1: only (v = 0) holds the empty path.
    let mut prev: Vec<Vec<(u64, f64)>> = vec![Vec::new(); m + 1];
    prev[0].push((0, 1.0));
    let mut states: u64 = 0;
    let mut tmp: Vec<(u64, f64)> = Vec::new();
    let mut merged: Vec<(u64, f64)> = Vec::new();
    for uu in 0..=n64 {
        let mut next: Vec<Vec<(u64, f64)>> = Vec::with_capacity(m + 1);
        tmp.clear();
        for (v, g) in prev.iter().enumerate() {
            merge_tables(&tmp, g, &mut merged);
            let diff = (a * v as u64).abs_diff(b * uu);
            let res = diff * diff;
            for e in merged.iter_mut() {
                e.0 += res;
            }
            std::mem::swap(&mut tmp, &mut merged);
            states += tmp.len() as u64;
            if states > max_states {
                return None;
            }
            next.push(tmp.clone());
        }
        prev = next;
    }
    let last = prev.get(m)?;
    let total: f64 = last.iter().map(|e| e.1).sum();
    let hits: f64 = last
        .iter()
        .filter(|e| e.0 as f64 >= zeta)
        .map(|e| e.1)
        .sum();
    Some(hits / total)
}

/// `e^{-q} K_{1/4}(q)` for `q > 0`, by the trapezoidal rule on
/// `∫_0^∞ e^{-q (1 + cosh t)} cosh(t/4) dt`.
fn scaled_bessel_k_quarter(q: f64) -> f64 {
    scaled_bessel_k(0.25, q)
}

/// `e^{-q} K_ν(q)` for `q > 0`. The step shrinks like `1/sqrt(q)` so that the relative
/// discretisation error stays below `1e-16` for large `q` too.
pub(crate) fn scaled_bessel_k(nu: f64, q: f64) -> f64 {
    let h = (0.5 / (q + 1.0).sqrt()).min(0.1);
    let f = |t: f64| (-q * (1.0 + t.cosh())).exp() * (nu * t).cosh();
    let mut sum = 0.5 * f(0.0);
    let mut i = 1u32;
    let mut past_peak = false;
    let mut prev = sum;
    loop {
        let v = f(f64::from(i) * h);
        sum += v;
        if v < prev {
            past_peak = true;
        }
        if past_peak && v <= 1e-18 * sum {
            break;
        }
        prev = v;
        i += 1;
        if i > 1_000_000 {
            break;
        }
    }
    sum * h
}

/// The limiting CDF of the one-sample Cramér-von Mises statistic, summed as SciPy sums it.
fn cdf_cvm_inf(x: f64) -> f64 {
    use std::f64::consts::PI;
    let mut total = 0.0;
    // Γ(k + 1/2) / Γ(k + 1), starting from Γ(1/2) = sqrt(π).
    let mut ratio = PI.sqrt();
    for k in 0..10_000u32 {
        let kf = f64::from(k);
        let u = ratio / (PI.powf(1.5) * x.sqrt());
        let y = 4.0 * kf + 1.0;
        let q = y * y / (16.0 * x);
        let z = u * y.sqrt() * scaled_bessel_k_quarter(q);
        total += z;
        if z.abs() < 1e-7 {
            break;
        }
        ratio *= (kf + 0.5) / (kf + 1.0);
    }
    total
}

fn asymptotic_pvalue(t: f64, m: usize, n: usize) -> f64 {
    let (mf, nf) = (m as f64, n as f64);
    let big_n = mf + nf;
    let k = mf * nf;
    let et = (1.0 + 1.0 / big_n) / 6.0;
    let vt = (big_n + 1.0) * (4.0 * k * big_n - 3.0 * (mf * mf + nf * nf) - 2.0 * k)
        / (45.0 * big_n * big_n * 4.0 * k);
    let tn = 1.0 / 6.0 + (t - et) / (45.0 * vt).sqrt();
    if tn < 0.003 {
        1.0
    } else {
        (1.0 - cdf_cvm_inf(tn)).max(0.0)
    }
}

/// Two-sample Cramér-von Mises test of `reference` against `current`, like
/// `scipy.stats.cramervonmises_2samp(reference, current, method)`.
///
/// # Examples
/// ```
/// use mlops_drift::{cramervonmises_2samp, CvmMethod, CvmPValueMethod};
/// let training = [1.2, 3.4, 0.7, 2.2, 5.1, 4.0, 2.9];
/// let production = [4.8, 6.1, 5.5, 7.2, 3.9, 6.6];
/// let r = cramervonmises_2samp(&training, &production, CvmMethod::Auto)?;
/// assert_eq!(r.method, CvmPValueMethod::Exact); // both samples have at most 20 values
/// assert!(r.pvalue < 0.01);
/// assert!(r.distance > 0.0);
/// # Ok::<(), mlops_drift::DriftError>(())
/// ```
///
/// # Errors
/// [`CoreError::EmptyInput`], [`CoreError::NotFinite`] and
/// [`DriftError::TooFewObservations`] (fewer than two values) naming the sample.
pub fn cramervonmises_2samp(
    reference: &[f64],
    current: &[f64],
    method: CvmMethod,
) -> Result<CvmResult, DriftError> {
    checked(names::REFERENCE, reference)?;
    checked(names::CURRENT, current)?;
    let (m, n) = (reference.len(), current.len());
    let u = rank_statistic(reference, current);
    let (mf, nf) = (m as f64, n as f64);
    let k = mf * nf;
    let big_n = mf + nf;
    let t = u / (k * big_n) - (4.0 * k - 1.0) / (6.0 * big_n);
    let wants_exact = match method {
        CvmMethod::Auto => m.max(n) <= AUTO_EXACT_MAX_SIZE,
        CvmMethod::Exact => true,
        CvmMethod::Asymptotic => false,
    };
    let exact = if wants_exact {
        exact_pvalue(u, m, n, EXACT_MAX_STATES)
    } else {
        None
    };
    let (pvalue, method) = match exact {
        Some(p) => (p, CvmPValueMethod::Exact),
        None => (asymptotic_pvalue(t, m, n), CvmPValueMethod::Asymptotic),
    };
    Ok(CvmResult {
        statistic: t,
        pvalue: pvalue.clamp(0.0, 1.0),
        method,
        u,
        distance: t * big_n / k,
        reference_size: m,
        current_size: n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bessel_k_half_has_a_closed_form() {
        // K_{1/2}(x) = sqrt(π / (2x)) e^{-x}.
        for &x in &[1e-3, 0.01, 0.1, 0.5, 1.0, 3.0, 10.0, 40.0, 300.0] {
            let v = scaled_bessel_k(0.5, x);
            let want = (std::f64::consts::PI / (2.0 * x)).sqrt() * (-2.0 * x).exp();
            assert!((v / want - 1.0).abs() < 1e-14, "x={x} {v} {want}");
        }
    }

    #[test]
    fn python_floor_division() {
        assert_eq!(py_floordiv(7.0, 2.0), 3.0);
        assert_eq!(py_floordiv(-7.0, 2.0), -4.0);
        assert_eq!(py_floordiv(6.0, 3.0), 2.0);
    }

    #[test]
    fn exact_pvalue_is_a_survival_function() {
        let mut last = 1.0;
        for u in (0..400).map(|i| f64::from(i) * 10.0) {
            let p = exact_pvalue(u, 5, 7, u64::MAX).unwrap_or(f64::NAN);
            assert!((0.0..=1.0).contains(&p) && p <= last);
            last = p;
        }
        assert_eq!(exact_pvalue(0.0, 5, 7, u64::MAX), Some(1.0));
    }
}
