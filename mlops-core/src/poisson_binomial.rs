//! The Poisson-binomial distribution: the number of successes among independent Bernoulli
//! trials with probabilities `p_1, ..., p_n` (each trial possibly repeated `k_i` times).
//!
//! # Method
//! The probability generating function is the product of the trials' factors
//! `(1 - p_i) + p_i x` (a repeated trial: that factor to the power `k_i`, by squaring). The
//! product is formed by divide and conquer, every partial product by direct convolution, so
//! that every coefficient is a sum of non-negative terms: no cancellation, unlike an FFT or
//! the characteristic-function inversion of Hong 2013, whose errors are absolute, near
//! `1e-16` of the largest mass. A mass well above the dropped mass (below) is accurate to
//! a relative `O(n eps)`; near the ends of the kept range, to the dropped mass absolute.
//!
//! After each product, the coefficients at either end whose total is below
//! [`TRIM_PER_SIDE`] are dropped: the mass of a sum of `m` trials lies within a few standard
//! deviations (plus a few multiples of `ln(1 / TRIM_PER_SIDE)`) of its mean, so a partial
//! product keeps `O(sqrt(m))` coefficients, not `m + 1`. The total dropped mass is added up
//! as the product is formed and reported by [`PoissonBinomial::dropped_mass`]: it bounds the
//! absolute error of every value of [`PoissonBinomial::cdf`] and [`PoissonBinomial::sf`]
//! beyond rounding (at most `2e-20` per product: about `4e-14` for a million trials,
//! usually far less), and a probability outside the kept range is reported as 0.
//!
//! Cost: a node of the product tree over `m` trials of variance `s^2` keeps
//! `w = O(s + L)` coefficients with `L = ln(1 / TRIM_PER_SIDE) ~ 45`, and a product costs
//! `w_left * w_right`; over the `log2 n` levels this is `O(n L log n)` operations (the
//! sum over a level of `s_left * s_right` is at most `n / 8`), against `O(n^2)` for
//! convolving one trial at a time.

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};

/// The largest mass dropped at one end of one partial product.
pub const TRIM_PER_SIDE: f64 = 1e-20;

/// Trials multiplied one at a time before the divide-and-conquer product takes over.
const LEAF: usize = 32;

/// A polynomial `sum_j c[j] x^(offset + j)` with non-negative coefficients.
#[derive(Debug, Clone)]
struct Poly {
    offset: u64,
    coef: Vec<f64>,
}

impl Poly {
    fn one() -> Self {
        Self {
            offset: 0,
            coef: vec![1.0],
        }
    }

    /// Multiplies by `(1 - p) + p x` in place.
    fn times_trial(&mut self, p: f64) {
        let q = 1.0 - p;
        self.coef.push(0.0);
        for j in (1..self.coef.len()).rev() {
            self.coef[j] = self.coef[j] * q + self.coef[j - 1] * p;
        }
        self.coef[0] *= q;
    }

    /// The product, by direct convolution (every term non-negative).
    fn times(&self, other: &Self) -> Self {
        let (a, b) = if self.coef.len() >= other.coef.len() {
            (&self.coef, &other.coef)
        } else {
            (&other.coef, &self.coef)
        };
        let mut out = vec![0.0; a.len() + b.len() - 1];
        for (j, &bj) in b.iter().enumerate() {
            if bj == 0.0 {
                continue;
            }
            for (o, &ai) in out[j..].iter_mut().zip(a) {
                *o += ai * bj;
            }
        }
        Self {
            offset: self.offset + other.offset,
            coef: out,
        }
    }

    /// Drops the coefficients at either end whose total is at most `TRIM_PER_SIDE` (always
    /// keeping at least one); returns the mass dropped.
    fn trim(&mut self) -> f64 {
        let mut dropped = 0.0;
        let mut lo = 0;
        let mut acc = 0.0;
        while lo + 1 < self.coef.len() && acc + self.coef[lo] <= TRIM_PER_SIDE {
            acc += self.coef[lo];
            lo += 1;
        }
        dropped += acc;
        let mut hi = self.coef.len();
        acc = 0.0;
        while hi > lo + 1 && acc + self.coef[hi - 1] <= TRIM_PER_SIDE {
            acc += self.coef[hi - 1];
            hi -= 1;
        }
        dropped += acc;
        if lo > 0 || hi < self.coef.len() {
            self.coef.truncate(hi);
            self.coef.drain(..lo);
            self.offset += lo as u64;
        }
        dropped
    }
}

/// The distribution of `X = sum_i B_i`, `B_i ~ Binomial(k_i, p_i)` independent (a
/// Poisson-binomial; `k_i = 1` for plain Bernoulli trials).
///
/// Holds the probability mass function on the range where it is not negligible (see the
/// module documentation for the method and its error bound), with running sums from both
/// ends, so that [`cdf`](Self::cdf) and [`sf`](Self::sf) are each accurate in their own
/// tail.
///
/// # Examples
/// ```
/// use mlops_core::PoissonBinomial;
/// let x = PoissonBinomial::new(&[0.5, 0.5])?;
/// assert_eq!(x.pmf(1), 0.5);
/// assert_eq!(x.cdf(0), 0.25);
/// assert_eq!(x.quantile(0.5)?, 1);
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoissonBinomial {
    /// The number of trials, `sum_i k_i`.
    trials: u64,
    /// The value of the first kept mass.
    offset: u64,
    /// `P(X = offset + j)`.
    pmf: Vec<f64>,
    /// `P(X <= offset + j)`, summed from the left.
    lower: Vec<f64>,
    /// `P(X >= offset + j)`, summed from the right.
    upper: Vec<f64>,
    mean: f64,
    variance: f64,
    dropped: f64,
}

impl PoissonBinomial {
    /// The sum of Bernoulli trials with success probabilities `p`.
    ///
    /// # Errors
    /// [`CoreError::NotFinite`] for a NaN or infinite probability and
    /// [`CoreError::OutOfRange`] for one outside `[0, 1]`, both naming the input `p` and the
    /// index.
    pub fn new(p: &[f64]) -> Result<Self> {
        Self::build("p", p, None)
    }

    /// The sum of `counts[i]` trials of probability `p[i]` for each `i` (frequency weights:
    /// a row of weight `k` stands for `k` independent trials).
    ///
    /// # Errors
    /// As [`PoissonBinomial::new`]; [`CoreError::LengthMismatch`] when `counts` and `p`
    /// differ in length, [`CoreError::WeightsOverflow`] when the counts add up to more
    /// than `u64::MAX`.
    pub fn with_counts(p: &[f64], counts: &[u64]) -> Result<Self> {
        Self::build("p", p, Some(counts))
    }

    /// As [`PoissonBinomial::with_counts`], with `input` naming the probabilities in errors.
    #[doc(hidden)]
    pub fn build(input: &str, p: &[f64], counts: Option<&[u64]>) -> Result<Self> {
        if let Some(c) = counts {
            crate::check_len("counts", c.len(), input, p.len())?;
        }
        let mut trials: u64 = 0;
        let (mut mean, mut variance) = (0.0, 0.0);
        for (i, &pi) in p.iter().enumerate() {
            if !pi.is_finite() {
                return Err(CoreError::NotFinite {
                    input: input.to_owned(),
                    index: i,
                    value: pi,
                });
            }
            if !(0.0..=1.0).contains(&pi) {
                return Err(CoreError::OutOfRange {
                    input: input.to_owned(),
                    index: i,
                    value: pi,
                    low: 0.0,
                    high: 1.0,
                });
            }
            let k = counts.map_or(1, |c| c[i]);
            trials = trials
                .checked_add(k)
                .ok_or_else(|| CoreError::WeightsOverflow {
                    input: "counts".to_owned(),
                    reason: "the counts add up to more than 2^64 - 1".to_owned(),
                })?;
            #[allow(clippy::cast_precision_loss)]
            let kf = k as f64;
            mean += kf * pi;
            variance += kf * pi * (1.0 - pi);
        }
        let mut dropped = 0.0;
        let items: Vec<(f64, u64)> = p
            .iter()
            .enumerate()
            .map(|(i, &pi)| (pi, counts.map_or(1, |c| c[i])))
            .filter(|&(_, k)| k > 0)
            .collect();
        let poly = product(&items, &mut dropped);
        Ok(Self::from_poly(trials, poly, mean, variance, dropped))
    }

    fn from_poly(trials: u64, poly: Poly, mean: f64, variance: f64, dropped: f64) -> Self {
        let pmf = poly.coef;
        let mut lower = Vec::with_capacity(pmf.len());
        let mut acc = 0.0;
        for &m in &pmf {
            acc += m;
            lower.push(acc.min(1.0));
        }
        let mut upper = vec![0.0; pmf.len()];
        acc = 0.0;
        for (u, &m) in upper.iter_mut().zip(&pmf).rev() {
            acc += m;
            *u = acc.min(1.0);
        }
        Self {
            trials,
            offset: poly.offset,
            pmf,
            lower,
            upper,
            mean,
            variance,
            dropped,
        }
    }

    /// The number of trials (the largest possible value).
    pub fn trials(&self) -> u64 {
        self.trials
    }

    /// The mean, `sum_i k_i p_i`.
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// The variance, `sum_i k_i p_i (1 - p_i)`.
    pub fn variance(&self) -> f64 {
        self.variance
    }

    /// The total mass dropped while forming the product: beyond rounding, the largest
    /// absolute error of [`cdf`](Self::cdf) and [`sf`](Self::sf), and of [`pmf`](Self::pmf)
    /// outside [`support`](Self::support).
    pub fn dropped_mass(&self) -> f64 {
        self.dropped
    }

    /// The values where the mass is kept, `first..=last`, and their probabilities.
    pub fn support(&self) -> (u64, &[f64]) {
        (self.offset, &self.pmf)
    }

    fn index(&self, k: u64) -> Option<usize> {
        let j = usize::try_from(k.checked_sub(self.offset)?).ok()?;
        (j < self.pmf.len()).then_some(j)
    }

    /// `P(X = k)`.
    pub fn pmf(&self, k: u64) -> f64 {
        self.index(k).map_or(0.0, |j| self.pmf[j])
    }

    /// `P(X <= k)`.
    pub fn cdf(&self, k: u64) -> f64 {
        if k < self.offset {
            return 0.0;
        }
        match self.index(k) {
            Some(j) => self.lower[j],
            None => 1.0,
        }
    }

    /// `P(X > k)`, summed from the upper tail (accurate where `1 - cdf(k)` would round).
    pub fn sf(&self, k: u64) -> f64 {
        if k < self.offset {
            return 1.0;
        }
        match k.checked_add(1).and_then(|k1| self.index(k1)) {
            Some(j) => self.upper[j],
            None => 0.0,
        }
    }

    /// The `q`-quantile: the smallest `k` with `P(X <= k) >= q`.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] for `q` outside `[0, 1]` (or NaN).
    pub fn quantile(&self, q: f64) -> Result<u64> {
        if !(0.0..=1.0).contains(&q) {
            return Err(CoreError::invalid_parameter(
                "q",
                q,
                "a quantile level must lie in [0, 1]",
            ));
        }
        let j = self.lower.partition_point(|&c| c < q);
        Ok(if j < self.pmf.len() {
            self.offset + j as u64
        } else {
            self.offset + self.pmf.len().saturating_sub(1) as u64
        })
    }

    /// The upper `q`-quantile: the largest `k` with `P(X >= k) >= q` (summed from the
    /// upper tail, so accurate for small `q`).
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] for `q` outside `[0, 1]` (or NaN).
    pub fn upper_quantile(&self, q: f64) -> Result<u64> {
        if !(0.0..=1.0).contains(&q) {
            return Err(CoreError::invalid_parameter(
                "q",
                q,
                "a quantile level must lie in [0, 1]",
            ));
        }
        // `upper` is non-increasing: the first index where it falls below q, minus one.
        let j = self.upper.partition_point(|&u| u >= q);
        Ok(self.offset + j.saturating_sub(1) as u64)
    }
}

/// `(1 - p + p x)^k`, by squaring, trimmed after every product.
fn binomial_poly(p: f64, k: u64, dropped: &mut f64) -> Poly {
    let mut result = Poly::one();
    if k == 0 {
        return result;
    }
    let mut base = Poly::one();
    base.times_trial(p);
    *dropped += base.trim();
    let mut e = k;
    loop {
        if e & 1 == 1 {
            result = result.times(&base);
            *dropped += result.trim();
        }
        e >>= 1;
        if e == 0 {
            break;
        }
        base = base.times(&base);
        *dropped += base.trim();
    }
    result
}

/// The product of the factors of `items`, by divide and conquer.
fn product(items: &[(f64, u64)], dropped: &mut f64) -> Poly {
    if items.len() <= LEAF {
        let mut poly = Poly::one();
        for &(p, k) in items {
            if k == 1 {
                poly.times_trial(p);
            } else {
                poly = poly.times(&binomial_poly(p, k, dropped));
            }
            *dropped += poly.trim();
        }
        return poly;
    }
    let (left, right) = items.split_at(items.len() / 2);
    let a = product(left, dropped);
    let b = product(right, dropped);
    let mut out = a.times(&b);
    *dropped += out.trim();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact enumeration of every outcome: the definition, for a handful of trials.
    fn brute_force(p: &[f64]) -> Vec<f64> {
        let n = p.len();
        let mut pmf = vec![0.0; n + 1];
        for mask in 0u32..(1 << n) {
            let mut prob = 1.0;
            for (i, &pi) in p.iter().enumerate() {
                prob *= if mask >> i & 1 == 1 { pi } else { 1.0 - pi };
            }
            pmf[mask.count_ones() as usize] += prob;
        }
        pmf
    }

    #[test]
    fn matches_enumeration_of_outcomes() {
        let p = [0.1, 0.73, 0.5, 0.02, 0.999, 0.3, 0.0, 1.0, 0.61, 0.45];
        let pb = PoissonBinomial::new(&p).ok();
        let exact = brute_force(&p);
        let pb = pb.as_ref();
        for (k, &e) in exact.iter().enumerate() {
            let got = pb.map_or(f64::NAN, |d| d.pmf(k as u64));
            assert!(
                (got - e).abs() <= 1e-15 * e.max(1e-300) + 1e-300,
                "{k}: {got} vs {e}"
            );
        }
    }

    #[test]
    fn counts_equal_repeated_trials() {
        let p = [0.2, 0.7, 0.35];
        let counts = [3, 1, 40];
        let mut repeated = Vec::new();
        for (&pi, &k) in p.iter().zip(&counts) {
            repeated.extend(std::iter::repeat_n(pi, k as usize));
        }
        let a = PoissonBinomial::with_counts(&p, &counts).ok();
        let b = PoissonBinomial::new(&repeated).ok();
        for k in 0..=44 {
            let (x, y) = (
                a.as_ref().map_or(f64::NAN, |d| d.pmf(k)),
                b.as_ref().map_or(f64::NAN, |d| d.pmf(k)),
            );
            assert!((x - y).abs() <= 1e-14 * y + 1e-300, "{k}: {x} vs {y}");
        }
    }

    #[test]
    fn bad_probabilities_are_named() {
        assert!(matches!(
            PoissonBinomial::new(&[0.5, f64::NAN]),
            Err(CoreError::NotFinite { index: 1, .. })
        ));
        assert!(matches!(
            PoissonBinomial::new(&[1.5]),
            Err(CoreError::OutOfRange { index: 0, .. })
        ));
        assert!(matches!(
            PoissonBinomial::new(&[-0.0, -1e-300]),
            Err(CoreError::OutOfRange { index: 1, .. })
        ));
        assert!(matches!(
            PoissonBinomial::with_counts(&[0.5], &[1, 2]),
            Err(CoreError::LengthMismatch { .. })
        ));
    }

    #[test]
    fn no_trials_is_zero_surely() {
        let d = PoissonBinomial::new(&[]).ok();
        assert_eq!(d.as_ref().map(|d| d.pmf(0)), Some(1.0));
        assert_eq!(d.as_ref().map(|d| d.cdf(0)), Some(1.0));
        assert_eq!(d.as_ref().map(|d| d.sf(0)), Some(0.0));
        assert_eq!(d.as_ref().and_then(|d| d.quantile(0.3).ok()), Some(0));
    }
}
